"""The robust extent on whole arrays (issue 14: a million points): the shortest interval is
found among the partitioned-off lowest and highest values instead of a full sort, a layer of
points read from columns is measured as points (not copied into boxes first), and rows with
NaN are dropped only when there are any. Each gives exactly what the plain definition does."""

from __future__ import annotations

import numpy as np
import pytest

from influencemap.model import extent
from influencemap.model.extent import OUTLIER_SHARE, robust_box, robust_bounds, robust_layer_bounds
from influencemap.model.feature_table import FeatureTable


def by_definition(boxes: np.ndarray, share: float = OUTLIER_SHARE):
    """robust_box as first written: sort each axis of centres, keep the shortest interval."""
    boxes = boxes[np.isfinite(boxes).all(axis=1)]
    if not len(boxes):
        return None
    if len(boxes) >= extent.MIN_FEATURES_TO_TRIM and share > 0:
        keep = max(1, int(np.ceil(len(boxes) * (1 - share))))
        inside = np.ones(len(boxes), dtype=bool)
        for lo, hi in ((0, 2), (1, 3)):
            centres = (boxes[:, lo] + boxes[:, hi]) / 2
            ordered = np.sort(centres)
            spans = ordered[keep - 1:] - ordered[: len(ordered) - keep + 1]
            start = int(np.argmin(spans))
            inside &= (centres >= ordered[start]) & (centres <= ordered[start + keep - 1])
        if inside.any():
            boxes = boxes[inside]
    return (float(boxes[:, 0].min()), float(boxes[:, 1].min()), float(boxes[:, 2].max()), float(boxes[:, 3].max()))


@pytest.mark.parametrize("share", [0.0, 0.02, OUTLIER_SHARE, 0.3, 0.5, 0.7])
@pytest.mark.parametrize("count", [3, 19, 20, 21, 257, 5000])
def test_points_and_boxes_give_the_definitions_extent(share, count):
    rng = np.random.default_rng(count)
    core = np.column_stack([rng.normal(30, 4, count), rng.normal(50, 2, count)])
    core[: max(1, count // 50)] += rng.uniform(-90, 90, (max(1, count // 50), 2))  # outliers
    core = np.round(core, 1)  # repeated values: ties in the spans
    boxes = np.hstack([core, core + rng.uniform(0, 3, (count, 2))])
    assert robust_box(boxes, share) == by_definition(boxes, share)
    # Points are their own boxes.
    assert robust_box(core, share) == by_definition(np.hstack([core, core]), share)


def test_rows_with_nan_or_infinity_are_left_out():
    rng = np.random.default_rng(5)
    core = rng.normal(30, 3, (400, 2))
    core[7] = [np.nan, 50.0]
    core[9] = [np.inf, 1.0]
    rows = extent._finite_rows(core)
    assert len(rows) == 398 and np.isfinite(rows).all()
    clean = rng.normal(30, 3, (50, 2))
    assert extent._finite_rows(clean) is clean  # nothing to drop: no copy
    both = core.copy()
    both[7], both[9] = [np.inf, 1.0], [-np.inf, 1.0]  # their sum is NaN: still found
    assert len(extent._finite_rows(both)) == 398
    huge = np.array([[1e308, 1e308], [1e308, 5.0]])  # finite, but their sum overflows: all kept
    assert extent._finite_rows(huge) is huge


def test_a_cached_point_layer_is_measured_from_its_columns(tmp_path, monkeypatch):
    """A layer read from the cache (a FeatureTable of points) gives the same robust extent as
    the same features read fresh, without building its Feature objects."""
    from influencemap.model import load_cache
    from influencemap.model.loader import load_catalog

    monkeypatch.setenv("INFLUENCEMAP_CACHE_DIR", str(tmp_path / "cache"))
    load_cache.clear_memory()
    rows = "".join(
        f"  - {{id: p{i}, name: P{i}, point: [{20 + (i * 37) % 50 + i / 1000:.3f}, {40 + (i * 11) % 17}], sources: [s]}}\n"
        for i in range(120)
    ) + "  - {id: far, name: Far, point: [-77.0, 38.9], sources: [s]}\n"
    (tmp_path / "pts.yaml").write_text("id: pts\nname: Pts\nsources: [{id: s, title: T}]\nfeatures:\n" + rows, encoding="utf-8")
    fresh = load_catalog([tmp_path], include_bundled_sources=False)
    expected = by_definition(extent.feature_boxes(fresh.layers))
    load_cache.flush()
    load_cache.clear_memory()
    cached = load_catalog([tmp_path], include_bundled_sources=False)
    table = cached.layer("pts").features
    assert isinstance(table, FeatureTable) and table.all_points and not table.built
    assert robust_bounds(cached) == expected == robust_layer_bounds(cached.layer("pts"))
    assert expected[0] > -77.0  # Washington is left out
    assert not table.built
    load_cache.flush()
    load_cache.clear_memory()
