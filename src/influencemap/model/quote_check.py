"""Check every quote against the archived copy of the source it cites.

Each citation's ``quote`` of a source with ``archive:`` must occur in the archive's text, both
normalised (:func:`influencemap.model.archive.normalise`). A quote that does not is reported at
the quote itself, ``FILE:LINE:COL``, with the closest passage of the archive, so a typo or a
paraphrase is found where it is written. The CLI's ``check-quotes`` and ``validate --strict``
print these; the details panel marks the quotes that were found.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from influencemap.model.archive import ArchiveError, Normalised, normalise, read_archive
from influencemap.model.catalog import Catalog
from influencemap.model.types import Feature, Origin, Problem, Severity, Source

CLOSEST_CONTEXT = 20
"""Characters of the archive shown around the closest passage's core."""


@dataclass(frozen=True)
class QuoteResult:
    """One quote of one citation, and whether (and where) the archived copy holds it."""

    feature_id: str
    citation_index: int
    source_id: str
    quote: str
    found: bool
    archive: str
    span: tuple[int, int] | None = None
    """Where the quote is in the archive's text (:func:`archive_text`), when found."""
    closest: str | None = None
    origin: Origin | None = None


@dataclass
class QuoteReport:
    results: list[QuoteResult] = field(default_factory=list)
    unchecked: list[str] = field(default_factory=list)
    """Cited sources without ``archive:``."""
    problems: list[Problem] = field(default_factory=list)
    """A warning per quote not found, an error per archive that cannot be read."""

    @property
    def not_found(self) -> list[QuoteResult]:
        return [r for r in self.results if not r.found]

    @property
    def failed(self) -> bool:
        return bool(self.not_found) or any(p.is_error for p in self.problems)


@lru_cache(maxsize=16)
def _archive(path: str, mtime_ns: int) -> tuple[str, Normalised]:
    text = read_archive(path)
    return text, normalise(text)


def archive_text(source: Source) -> tuple[str, Normalised]:
    """The archived copy's text and its normalised form (cached while the file is unchanged)."""
    path = source.archive_path
    if path is None:
        raise ArchiveError(f"source '{source.id}' has no archive")
    try:
        mtime = Path(path).stat().st_mtime_ns
    except OSError as exc:
        raise ArchiveError(f"archived copy '{source.archive}' not found ({exc.strerror}: {path})") from None
    return _archive(path, mtime)


def find_quote(quote: str, archive: Normalised) -> tuple[int, int] | None:
    """Where ``quote`` occurs in the archive's original text, or None."""
    wanted = normalise(quote).text
    if not wanted:
        return None
    at = archive.text.find(wanted)
    if at < 0:
        return None
    return archive.span(at, at + len(wanted))


def closest_passage(quote: str, archive: Normalised) -> str:
    """The stretch of the (normalised) archive most like the quote, anchored on their longest
    common run of characters."""
    wanted = normalise(quote).text
    text = archive.text
    if not wanted or not text:
        return ""
    matcher = difflib.SequenceMatcher(None, text, wanted, autojunk=False)
    match = matcher.find_longest_match(0, len(text), 0, len(wanted))
    start = max(0, match.a - match.b)
    best, best_ratio = (start, min(len(text), start + len(wanted))), -1.0
    step = 2
    for a in range(max(0, start - CLOSEST_CONTEXT), min(len(text), start + CLOSEST_CONTEXT) + 1, step):
        for extra in range(-CLOSEST_CONTEXT, CLOSEST_CONTEXT + 1, step):  # settle the window's edges
            b = min(len(text), a + len(wanted) + extra)
            if b <= a:
                continue
            ratio = difflib.SequenceMatcher(None, text[a:b], wanted, autojunk=False).ratio()
            if ratio > best_ratio:
                best, best_ratio = (a, b), ratio
    a, b = best
    while a > 0 and text[a - 1].isalnum() and text[a].isalnum():  # whole words
        a -= 1
    while b < len(text) and text[b - 1].isalnum() and text[b].isalnum():
        b += 1
    return text[a:b].strip()


def check_quotes(catalog: Catalog) -> QuoteReport:
    """Every quote of every citation of an archived source, checked; the rest listed."""
    report = QuoteReport()
    cited: set[str] = set()
    unreadable: dict[str, ArchiveError] = {}
    locator = CitationPlaces()
    for feature in catalog.features():
        for index, citation in enumerate(feature.citations):
            cited.add(citation.ref)
            source = catalog.sources.get(citation.ref)
            if source is None or not source.archive or not citation.quote:
                continue
            if source.id in unreadable:
                continue
            try:
                _, normalised = archive_text(source)
            except ArchiveError as exc:
                unreadable[source.id] = exc
                report.problems.append(Problem(source.origin or Origin("", 1, 1), Severity.ERROR, str(exc)))
                continue
            span = find_quote(citation.quote, normalised)
            origin = locator.origin(feature, index)
            if span is not None:
                report.results.append(QuoteResult(feature.id, index, source.id, citation.quote, True, source.archive, span, origin=origin))
                continue
            closest = closest_passage(citation.quote, normalised)
            report.results.append(QuoteResult(feature.id, index, source.id, citation.quote, False, source.archive, None, closest, origin))
            report.problems.append(Problem(origin, Severity.WARNING, (
                f"quote not found in archive '{source.archive}' of source '{source.id}'; "
                f"closest passage: \"{_short(closest)}\""
            )))
    report.unchecked = sorted(ref for ref in cited if ref in catalog.sources and not catalog.sources[ref].archive)
    report.problems.sort(key=lambda p: (p.origin.path, p.origin.line, p.origin.col))
    return report


def quote_status(catalog: Catalog, feature: Feature, index: int) -> bool | None:
    """True when citation ``index``'s quote is in its source's archive, False when it is not,
    None when there is nothing to check (no quote, no archive, an unreadable archive)."""
    citation = feature.citations[index]
    source = catalog.sources.get(citation.ref)
    if source is None or not source.archive or not citation.quote:
        return None
    try:
        _, normalised = archive_text(source)
    except ArchiveError:
        return None
    return find_quote(citation.quote, normalised) is not None


def _short(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class CitationPlaces:
    """Where each citation (or its quote) is written: the layer file is composed (line and
    column per node) once, for the first citation of that file that needs a place. Falls back
    to the feature's own place (a citation from the layer's defaults, a bulk data row)."""

    def __init__(self) -> None:
        self._files: dict[str, dict[str, object]] = {}

    def origin(self, feature: Feature, index: int, key: str | None = "quote") -> Origin:
        """Where citation ``index`` of ``feature`` is written, at its ``key`` if it has one."""
        fallback = feature.origin or Origin("", 1, 1)
        nodes = self._features(fallback.path)
        node = nodes.get(feature.id)
        try:
            citation = node.get("sources").value[index]  # type: ignore[union-attr]
        except (AttributeError, IndexError, TypeError):
            return fallback
        place = citation.get(key) if key and citation.is_map else None
        place = place or citation
        return Origin(fallback.path, place.line, place.col)

    def _features(self, path: str) -> dict[str, object]:
        if path not in self._files:
            from influencemap.model.yaml_nodes import YamlError, compose, decode_utf8

            found: dict[str, object] = {}
            try:
                root = compose(decode_utf8(Path(path).read_bytes()))
                entries = root.get("features") if root is not None and root.is_map else None
                for entry in entries.value if entries is not None and entries.is_seq else []:
                    ident = entry.get("id") if entry.is_map else None
                    if ident is not None and ident.is_scalar:
                        found[str(ident.value)] = entry
            except (OSError, YamlError, UnicodeDecodeError, ValueError):
                pass
            self._files[path] = found
        return self._files[path]
