"""Plain, typed data of the catalog: layers, features, sources, citations and problems.

Everything here is Qt-free and built once, at load time, by :mod:`influencemap.model.loader`.
The UI and every exporter read these objects; nothing writes to them afterwards.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Mapping

if TYPE_CHECKING:  # geopandas and shapely are imported where used: they are slow to import
    import geopandas
    from shapely.geometry.base import BaseGeometry


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"


class GeometryKind(enum.Enum):
    POINT = "point"
    LINE = "line"
    POLYGON = "polygon"


class Precision(enum.Enum):
    """How exact a feature's geometry is, from a surveyed spot to a whole country."""

    EXACT = "exact"
    SITE = "site"
    CITY = "city"
    REGION = "region"
    COUNTRY = "country"


class Marker(enum.Enum):
    CIRCLE = "circle"
    SQUARE = "square"
    TRIANGLE = "triangle"
    DIAMOND = "diamond"
    STAR = "star"


@dataclass(frozen=True)
class Origin:
    """Where something was written: a file and a 1-based line and column."""

    path: str
    line: int
    col: int = 1

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}"


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
        """``FILE:LINE:COL: error: message``, as compilers print it."""
        return f"{self.origin}: {self.severity.value}: {self.message}"


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
class Style:
    """How a layer is drawn, on the canvas and in every export."""

    color: str = "#d7301f"
    fill: str | None = None
    opacity: float = 0.35
    width: float = 2.0
    dash: tuple[float, ...] = ()
    marker: Marker = Marker.CIRCLE
    size: float = 8.0

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
    features: tuple[Feature, ...]
    style: Style = field(default_factory=Style)
    description: str | None = None
    category: str | None = None
    path: str | None = None
    origin: Origin | None = None

    @cached_property
    def frame(self) -> "geopandas.GeoDataFrame":
        """The features as a GeoDataFrame in EPSG:4326, one row per feature."""
        from influencemap.model.frames import layer_frame

        return layer_frame(self)

    @cached_property
    def bounds(self) -> tuple[float, float, float, float] | None:
        """(minlon, minlat, maxlon, maxlat) of all features, or None for an empty layer."""
        if not self.features:
            return None
        from_columns = getattr(self.features, "lonlat_bounds", None)  # a cached FeatureTable
        if from_columns is not None:
            return from_columns()
        import shapely

        return tuple(shapely.total_bounds([f.geometry for f in self.features]).tolist())
