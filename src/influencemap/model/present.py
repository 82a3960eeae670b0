"""What the details panel and the HTML popups show for a feature, as plain text pieces.

Both views render the same :class:`FeatureDetails`, so the app and the exported map never
disagree. Everything here is plain text: each view escapes it for its own medium.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from influencemap.model.catalog import Catalog
from influencemap.model.dates import format_partial_date, format_span
from influencemap.model.quote_check import quote_status
from influencemap.model.types import Feature, Figure

SAFE_LINK_SCHEMES = ("http", "https", "mailto")

_SCALES = ((1e12, "tn"), (1e9, "bn"), (1e6, "m"))
_CURRENCIES = {"USD", "EUR", "CNY", "RMB", "RUB", "BYN", "UAH", "KZT", "GBP", "CHF", "JPY"}


@dataclass(frozen=True)
class SourceEntry:
    number: int
    source_id: str
    title: str
    publisher: str | None
    author: str | None
    date: str | None
    """Formatted for people: ``20 May 2013``."""
    locator: str | None
    quote: str | None
    url: str | None
    """Only an http(s) or mailto address; anything else is dropped."""
    archive: str | None = None
    """The path of the source's archived copy, if it has one."""
    quote_found: bool | None = None
    """Whether the quote is in the archived copy (None: nothing to check)."""


@dataclass(frozen=True)
class FeatureDetails:
    feature_id: str
    name: str
    layer: str
    dates: str | None
    precision: str | None
    countries: tuple[str, ...]
    """``Belarus (BY)``."""
    actors: tuple[str, ...]
    tags: tuple[str, ...]
    figures: tuple[tuple[str, str], ...]
    """(label, formatted value) pairs: ``("Loan", "USD 1.18 bn")``."""
    description: str | None
    sources: tuple[SourceEntry, ...]
    location: str | None
    """``file.yaml:12``: where the feature is written."""
    dating: str | None = None
    """``inferred`` or ``approximate`` when the date is not stated as such; None otherwise."""

    def fields(self) -> list[tuple[str, str]]:
        """The labelled one-line facts, in display order, leaving out empty ones."""
        dates = self.dates
        if dates and self.dating:
            dates = f"{dates} ({self.dating})"
        rows = [
            ("Layer", self.layer),
            ("Date", dates),
            ("Where", ", ".join(self.countries)),
            ("Precision", self.precision),
            ("Actors", ", ".join(self.actors)),
            ("Tags", ", ".join(self.tags)),
        ]
        rows += list(self.figures)
        return [(label, value) for label, value in rows if value]


def safe_link(url: str | None) -> str | None:
    """The URL if it is http, https or mailto; otherwise None (never a javascript: link)."""
    if not url:
        return None
    scheme = urlparse(url.strip()).scheme.lower()
    return url.strip() if scheme in SAFE_LINK_SCHEMES else None


def format_number(value: float) -> str:
    """``340000`` → ``340,000``; ``2.5`` → ``2.5``."""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def format_figure(figure: Figure) -> str:
    """``USD 1.18 bn`` for money, ``340,000 TEU`` for other units."""
    unit = (figure.unit or "").strip()
    value = figure.value
    if unit.upper() in _CURRENCIES:
        for scale, suffix in _SCALES:
            if abs(value) >= scale:
                scaled = value / scale
                text = f"{scaled:.2f}".rstrip("0").rstrip(".")
                return f"{unit} {text} {suffix}"
        return f"{unit} {format_number(value)}"
    if not math.isfinite(value):
        return f"{value} {unit}".strip()
    return f"{format_number(value)} {unit}".strip()


def country_label(code: str) -> str:
    from influencemap.geo.basemap import country_name

    name = country_name(code)
    return f"{name} ({code})" if name else code


def feature_details(catalog: Catalog, feature: Feature) -> FeatureDetails:
    layer = catalog.layer(feature.layer_id)
    sources = tuple(
        SourceEntry(
            number=c.number,
            source_id=c.source.id,
            title=c.source.title,
            publisher=c.source.publisher,
            author=c.source.author,
            date=format_partial_date(c.source.date) if c.source.date else None,
            locator=c.citation.locator,
            quote=c.citation.quote,
            url=safe_link(c.source.url),
            archive=c.source.archive_path,
            quote_found=quote_status(catalog, feature, feature.citations.index(c.citation)) if c.source.archive else None,
        )
        for c in catalog.citations(feature)
    )
    location = written_at(feature.origin.path, feature.origin.line) if feature.origin else None
    return FeatureDetails(
        feature_id=feature.id,
        name=feature.name,
        layer=layer.name,
        dates=format_span(feature.start, feature.end, feature.instant),
        precision=feature.precision.value if feature.precision else None,
        countries=tuple(country_label(c) for c in feature.countries),
        actors=actors_with_spelling(catalog, feature),
        tags=feature.tags,
        figures=tuple((f.label, format_figure(f)) for f in feature.figures),
        description=feature.description,
        sources=sources,
        location=location,
        dating=feature.dating if feature.is_dated and feature.dating != "stated" else None,
    )


def actors_with_spelling(catalog: Catalog, feature: Feature) -> tuple[str, ...]:
    """The canonical actor names, each followed by the file's own spelling where it differs:
    ``Alexander Lukashenko (written: Alyaksandr Lukashenka)``."""
    written: dict[str, list[str]] = {}
    for name in feature.actors_as_written or ():
        actor = catalog.actor(name)
        canonical = actor.name if actor is not None else name
        if canonical != name:
            written.setdefault(canonical, []).append(name)
    return tuple(
        f"{name} (written: {', '.join(written[name])})" if name in written else name for name in feature.actors
    )


def source_citation(entry: SourceEntry) -> str:
    """One source as a plain-text reference: author, title, publisher, date, locator, URL."""
    parts = [p for p in (entry.author, f"“{entry.title}”", entry.publisher, entry.date) if p]
    text = ", ".join(parts)
    if entry.locator:
        text += f", {entry.locator}"
    if entry.quote:
        text += f": “{entry.quote}”"
    if entry.url:
        text += f". {entry.url}"
    return f"[{entry.number}] {text}"


def citation_text(details: FeatureDetails) -> str:
    """The feature's sources as plain text, one per line (for "Copy citation")."""
    lines = [f"{details.name} — sources:"]
    lines += [source_citation(entry) for entry in details.sources]
    return "\n".join(lines)


def written_at(path: str, line: int) -> str:
    """Where a feature is written, as the details show it: ``FILE:LINE``, with the home folder
    written ``~`` as shells and file managers do (``~/research/layers/loans.yaml:14``)."""
    try:
        home = Path.home()
    except (RuntimeError, KeyError):  # no home folder known
        return f"{path}:{line}"
    written = Path(path)
    if home != Path(home.anchor) and written.is_relative_to(home):
        return f"~/{written.relative_to(home).as_posix()}:{line}"
    return f"{path}:{line}"
