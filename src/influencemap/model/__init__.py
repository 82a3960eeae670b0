"""The Qt-free core: the layer format, loading and validation, the catalog and filters."""

from influencemap.model.catalog import Catalog, ResolvedCitation
from influencemap.model.types import (
    Citation,
    Feature,
    Figure,
    GeometryKind,
    Layer,
    Marker,
    Origin,
    Precision,
    Problem,
    Severity,
    Source,
    Style,
)

__all__ = [
    "Catalog",
    "Citation",
    "Feature",
    "Figure",
    "GeometryKind",
    "Layer",
    "Marker",
    "Origin",
    "Precision",
    "Problem",
    "ResolvedCitation",
    "Severity",
    "Source",
    "Style",
]
