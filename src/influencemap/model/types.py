"""Plain, typed data of the catalog: layers, features, sources, citations and problems.

Everything here is Qt-free and built once, at load time, by :mod:`influencemap.model.loader`.
The UI and every exporter read these objects; nothing writes to them afterwards.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Mapping

from influencemap.model.basics import GeometryKind as GeometryKind, Origin as Origin  # re-exported: import them from here
from influencemap.model.feature_table import FeatureTable

if TYPE_CHECKING:  # shapely is imported where used: it is slow to import
    from shapely.geometry.base import BaseGeometry


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"


class Precision(enum.Enum):
    """How exact a feature's geometry is, from a surveyed spot to a whole country."""

    EXACT = "exact"
    SITE = "site"
    CITY = "city"
    REGION = "region"
    COUNTRY = "country"


PRECISION_VALUES: tuple[str, ...] = tuple(p.value for p in Precision)
"""The precision values a file may write, in order (every reader checks against these)."""


class Marker(enum.Enum):
    CIRCLE = "circle"
    SQUARE = "square"
    TRIANGLE = "triangle"
    DIAMOND = "diamond"
    STAR = "star"


@dataclass(frozen=True)
class Problem:
    """One error or warning found while loading, with the place it points at."""

    origin: Origin
    severity: Severity
    message: str

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def format(self) -> str:
        """``FILE:LINE:COL: error: message``, as compilers print it: one line, whatever user text
        the message quotes (a key written over two lines, a control character: escaped)."""
        return _UNPRINTABLE.sub(_escaped, f"{self.origin}: {self.severity.value}: {self.message}")


_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _escaped(match: re.Match) -> str:
    return match.group().encode("unicode_escape").decode("ascii")


@dataclass(frozen=True)
class Source:
    """A document that features cite."""

    id: str
    title: str
    publisher: str | None = None
    author: str | None = None
    date: str | None = None
    url: str | None = None
    origin: Origin | None = None
    archive: str | None = None
    """A local copy of the document (``.txt``, ``.html``, ``.pdf``), as written: a path relative
    to the file that defines the source (see :meth:`archive_path`)."""

    @property
    def archive_path(self) -> str | None:
        """The archived copy's path, resolved against the defining file's folder."""
        if not self.archive:
            return None
        import os.path

        base = os.path.dirname(self.origin.path) if self.origin is not None else ""
        return os.path.normpath(os.path.join(base, os.path.expanduser(self.archive)))

    def same_document(self, other: Source) -> bool:
        """Whether two definitions describe the same document: every written field agrees, and
        an archived copy, where both give one, is the same file."""
        mine = (self.id, self.title, self.publisher, self.author, self.date, self.url)
        theirs = (other.id, other.title, other.publisher, other.author, other.date, other.url)
        if mine != theirs:
            return False
        return not (self.archive and other.archive) or self.archive_path == other.archive_path


ACTOR_KINDS = ("state", "government body", "state-owned company", "bank", "company", "person", "organisation")
"""What an actor of the registry may be."""


@dataclass(frozen=True)
class Actor:
    """An entry of the actors registry: one entity however the documents spell it."""

    id: str
    name: str
    aliases: tuple[str, ...] = ()
    kind: str | None = None
    country: str | None = None
    origin: Origin | None = None

    @property
    def spellings(self) -> tuple[str, ...]:
        """Every way a feature may name this actor: the id, the name and the aliases."""
        return (self.id, self.name, *self.aliases)

    def same_entity(self, other: Actor) -> bool:
        return (self.id, self.name, self.aliases, self.kind, self.country) == (
            other.id, other.name, other.aliases, other.kind, other.country)


@dataclass(frozen=True)
class Citation:
    """A feature's reference to a source, with the passage that supports it."""

    ref: str
    locator: str | None = None
    quote: str | None = None


@dataclass(frozen=True)
class Figure:
    """A quantity a feature reports: ``{label: Loan, value: 1.18e9, unit: USD}``."""

    label: str
    value: float
    unit: str | None = None


@dataclass(frozen=True)
class SizeBy:
    """Point and stack symbols sized by one figure (``style: {size: {figure: Loan}}``), so that
    large amounts stand out. ``scale`` ``sqrt`` makes a symbol's area follow the value (the
    cartographic default: the eye compares areas); ``linear`` its diameter. ``minimum`` and
    ``maximum`` are diameters in pixels: the largest value in the layer gets ``maximum``."""

    figure: str
    scale: str = "sqrt"
    minimum: float = 6.0
    maximum: float = 36.0


@dataclass(frozen=True)
class Style:
    """How a layer is drawn, on the canvas and in every export."""

    color: str = "#d7301f"
    fill: str | None = None
    opacity: float = 0.35
    width: float = 2.0
    dash: tuple[float, ...] = ()
    marker: Marker = Marker.CIRCLE
    size: float = 8.0
    size_by: SizeBy | None = None
    """When set, points with that figure are sized by it; the others keep ``size``."""

    @property
    def fill_color(self) -> str:
        return self.fill or self.color


@dataclass(frozen=True)
class Feature:
    """One sourced fact with a place.

    ``start`` and ``end`` are ISO strings exactly as written (``2021``, ``2021-06``,
    ``2021-06-30``): a ``date`` gives ``start == end``; an ongoing span has ``end`` None.
    """

    id: str
    name: str
    layer_id: str
    geometry: BaseGeometry
    kind: GeometryKind
    citations: tuple[Citation, ...]
    start: str | None = None
    end: str | None = None
    countries: tuple[str, ...] = ()
    actors: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    figures: tuple[Figure, ...] = ()
    precision: Precision | None = None
    description: str | None = None
    instant: bool = False
    """True when written with ``date`` (a point in time) rather than ``start``/``end``."""
    extra: Mapping[str, Any] = field(default_factory=dict)
    """The user's own ``x-`` keys, kept as loaded."""
    origin: Origin | None = None
    dating: str = "stated"
    """How the date is known: ``stated`` (the default), ``inferred`` or ``approximate``."""
    actors_as_written: tuple[str, ...] | None = field(default=None, compare=False)
    """The actors as the file spells them, when the catalog replaced some with the registry's
    canonical names (``actors``); None when they are the same."""

    @property
    def is_dated(self) -> bool:
        return self.start is not None

    @property
    def ongoing(self) -> bool:
        return self.start is not None and self.end is None


@dataclass(frozen=True)
class Layer:
    """One layer file: its metadata, style and features."""

    id: str
    name: str
    features: FeatureTable
    """Always a :class:`~influencemap.model.feature_table.FeatureTable`: as loaded (columns,
    each Feature built on demand), the rows a filter or an edit chose (``take``), or a small
    table of Feature objects. A sequence of Features given here (a test, an edit) is made into
    one (:meth:`FeatureTable.of`). Tables compare by identity: compare ``list(layer.features)``."""
    style: Style = field(default_factory=Style)
    description: str | None = None
    category: str | None = None
    path: str | None = None
    origin: Origin | None = None

    def __post_init__(self) -> None:
        table = FeatureTable.of(self.features, self.path or "")
        if table is not self.features:
            object.__setattr__(self, "features", table)  # the frozen dataclass's own way to set a field it converts

    @cached_property
    def bounds(self) -> tuple[float, float, float, float] | None:
        """(minlon, minlat, maxlon, maxlat) of all features, or None for an empty layer."""
        return self.features.lonlat_bounds()
