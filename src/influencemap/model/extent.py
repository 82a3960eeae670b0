"""Where the evidence is: a map extent that fits the central mass of the features.

A plain bounding box is ruled by its outliers: the statements made at the UN in New York and
in Washington make the bundled layers open on the whole northern hemisphere.
:func:`robust_bounds` keeps, on each axis, the shortest interval that holds all but a few per
cent of the features' centres (so the trimming falls on whichever side is sparse, not evenly on
both), then grows the box to the whole extent of the features it kept, so a rail line whose
middle is in view is shown end to end. The app's first view, "Zoom to layer"
and a filtered HTML export all use it; "Zoom to all" keeps the plain box.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from influencemap.model.catalog import Catalog
from influencemap.model.types import Layer

Bounds = tuple[float, float, float, float]

OUTLIER_SHARE = 0.10
"""The share of features that may be left out on each axis."""
MIN_FEATURES_TO_TRIM = 20
"""Fewer features than this are all kept: with a handful, none is an outlier."""


def feature_boxes(layers: Iterable[Layer]) -> np.ndarray:
    """One (minlon, minlat, maxlon, maxlat) row per feature with a geometry, as an (n, 4) array."""
    parts: list[np.ndarray] = []
    for layer in layers:
        features = layer.features
        if not len(features):
            continue
        if getattr(features, "all_points", False):  # a FeatureTable: read the columns
            points = np.asarray(features.point_lonlat(), dtype=float)  # type: ignore[attr-defined]
            parts.append(np.hstack([points, points]))
            continue
        import shapely

        geometries = [f.geometry for f in features if f.geometry is not None and not f.geometry.is_empty]
        if geometries:
            parts.append(np.asarray(shapely.bounds(geometries), dtype=float))
    if not parts:
        return np.empty((0, 4))
    boxes = np.vstack(parts)
    return boxes[np.isfinite(boxes).all(axis=1)]


def _shortest_interval(values: np.ndarray, keep: int) -> tuple[float, float]:
    """The narrowest [low, high] holding ``keep`` of the values."""
    ordered = np.sort(values)
    spans = ordered[keep - 1 :] - ordered[: len(ordered) - keep + 1]
    start = int(np.argmin(spans))
    return float(ordered[start]), float(ordered[start + keep - 1])


def robust_box(boxes: np.ndarray, share: float = OUTLIER_SHARE) -> Bounds | None:
    """The extent of the boxes whose centres lie in the densest (1 - share) of both axes."""
    if not len(boxes):
        return None
    if len(boxes) >= MIN_FEATURES_TO_TRIM and share > 0:
        keep = max(1, int(np.ceil(len(boxes) * (1 - share))))
        inside = np.ones(len(boxes), dtype=bool)
        for low_col, high_col in ((0, 2), (1, 3)):
            centres = (boxes[:, low_col] + boxes[:, high_col]) / 2
            low, high = _shortest_interval(centres, keep)
            inside &= (centres >= low) & (centres <= high)
        if inside.any():
            boxes = boxes[inside]
    return (
        float(boxes[:, 0].min()),
        float(boxes[:, 1].min()),
        float(boxes[:, 2].max()),
        float(boxes[:, 3].max()),
    )


def robust_bounds(catalog: Catalog, share: float = OUTLIER_SHARE) -> Bounds | None:
    """The extent of the catalog's features without the farthest few per cent (None when empty).
    Remembered with the catalog (see :mod:`.per_catalog`): a million features take seconds."""
    from influencemap.model.per_catalog import remembered

    return remembered(catalog, ("robust_bounds", share), lambda: robust_box(feature_boxes(catalog.layers), share))


def robust_layer_bounds(layer: Layer, share: float = OUTLIER_SHARE) -> Bounds | None:
    """:func:`robust_bounds` of one layer."""
    return robust_box(feature_boxes([layer]), share)
