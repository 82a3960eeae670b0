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
        if features.all_points:  # the point columns as they are
            points = np.asarray(features.point_lonlat(), dtype=float)
            parts.append(np.hstack([points, points]))
            continue
        import shapely

        shapes = features.shapes()  # from the columns: no Feature built
        shapes = shapes[~shapely.is_empty(shapes)]
        if len(shapes):
            parts.append(np.asarray(shapely.bounds(shapes), dtype=float))
    if not parts:
        return np.empty((0, 4))
    return _finite_rows(np.vstack(parts) if len(parts) > 1 else parts[0])


def _finite_rows(values: np.ndarray) -> np.ndarray:
    """The rows without NaN or infinity (the array itself when all are: no copy, and one
    whole-array test instead of a per-row one, five times faster on a million rows). The test is
    their sum: NaN and infinity carry into it, and only a sum of huge values can overflow
    without them (then the values are looked at one by one); no million-row mask is made."""
    with np.errstate(over="ignore", invalid="ignore"):  # inf - inf, or huge values: looked at below
        total = np.add.reduce(values, axis=None)
    if np.isfinite(total) or np.isfinite(values).all():
        return values
    return values[np.isfinite(values).all(axis=1)]


def _shortest_interval(values: np.ndarray, keep: int, scratch: np.ndarray | None = None) -> tuple[float, float]:
    """The narrowest [low, high] holding ``keep`` of the values.

    Only the lowest and the highest ``len - keep + 1`` values take part (the interval starts
    among the first and ends among the last), so those are partitioned off and sorted rather
    than the whole column: a million values take 23 ms instead of 55. ``scratch`` (float64, as
    long as ``values``) takes the partitioned copy, so a caller with two columns makes one."""
    count = len(values)
    reach = count - keep + 1
    if 2 * reach >= count:
        ordered = np.sort(values)
        lows, highs = ordered[:reach], ordered[keep - 1 :]
    else:
        # What np.partition does (a copy, partitioned in place), into the caller's array if any.
        parted = np.array(values, dtype=np.float64) if scratch is None else scratch
        if scratch is not None:
            np.copyto(parted, values)
        parted.partition((reach - 1, keep - 1))
        lows, highs = np.sort(parted[:reach]), np.sort(parted[keep - 1 :])
    start = int(np.argmin(highs - lows))
    return float(lows[start]), float(highs[start])


def robust_box(boxes: np.ndarray, share: float = OUTLIER_SHARE) -> Bounds | None:
    """The extent of the boxes whose centres lie in the densest (1 - share) of both axes.

    ``boxes`` is (n, 4) (minlon, minlat, maxlon, maxlat), or (n, 2) lon/lat points, each its
    own box and centre (a million points need not be copied into boxes first)."""
    if not len(boxes):
        return None
    columns = (0, 1, 2, 3) if boxes.shape[1] == 4 else (0, 1, 0, 1)
    inside = None
    if len(boxes) >= MIN_FEATURES_TO_TRIM and share > 0:
        keep = max(1, int(np.ceil(len(boxes) * (1 - share))))
        # One scratch column for both axes' partitions and one for the masks: on a million
        # points every fresh array is pages an export faults in again (its heap is trimmed).
        scratch = np.empty(len(boxes), dtype=np.float64)
        test = np.empty(len(boxes), dtype=bool)
        for low_col, high_col in ((columns[0], columns[2]), (columns[1], columns[3])):
            centres = (boxes[:, low_col] + boxes[:, high_col]) / 2 if low_col != high_col else boxes[:, low_col]
            low, high = _shortest_interval(centres, keep, scratch)
            if inside is None:
                inside = np.greater_equal(centres, low)
            else:
                inside &= np.greater_equal(centres, low, out=test)
            inside &= np.less_equal(centres, high, out=test)
        del scratch, test
        if not inside.any() or inside.all():
            inside = None  # nothing kept (then all are) or nothing left out
    if inside is None:
        return (
            float(boxes[:, columns[0]].min()),
            float(boxes[:, columns[1]].min()),
            float(boxes[:, columns[2]].max()),
            float(boxes[:, columns[3]].max()),
        )
    # the kept rows' extent without copying them out (16 MB for a million points)
    return (
        float(np.min(boxes[:, columns[0]], where=inside, initial=np.inf)),
        float(np.min(boxes[:, columns[1]], where=inside, initial=np.inf)),
        float(np.max(boxes[:, columns[2]], where=inside, initial=-np.inf)),
        float(np.max(boxes[:, columns[3]], where=inside, initial=-np.inf)),
    )


def robust_bounds(catalog: Catalog, share: float = OUTLIER_SHARE) -> Bounds | None:
    """The extent of the catalog's features without the farthest few per cent (None when empty).
    Remembered with the catalog (see :mod:`.per_catalog`): a million features take seconds."""
    from influencemap.model.per_catalog import remembered

    return remembered(catalog, ("robust_bounds", share), lambda: robust_box(_extents(catalog.layers), share))


def robust_layer_bounds(layer: Layer, share: float = OUTLIER_SHARE) -> Bounds | None:
    """:func:`robust_bounds` of one layer."""
    return robust_box(_extents([layer]), share)


def _extents(layers: Iterable[Layer]) -> np.ndarray:
    """The features' lon/lat points when every feature is a single point, else their boxes (:func:`feature_boxes`): what :func:`robust_box` takes."""
    layers = [layer for layer in layers if len(layer.features)]
    if layers and all(layer.features.all_points for layer in layers):
        parts = [np.asarray(layer.features.point_lonlat(), dtype=float) for layer in layers]
        return _finite_rows(np.vstack(parts) if len(parts) > 1 else parts[0])
    return feature_boxes(layers)
