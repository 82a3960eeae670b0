"""Point labels: ruling out taken places in one vectorised pass places exactly the labels that
trying every place of every point, one by one, does."""

from __future__ import annotations

import random

import numpy as np
import pytest
from PySide6.QtGui import QFontMetricsF

from influencemap.render import renderer
from influencemap.render import stacks as stacking
from influencemap.render.labels import CELL, LabelGrid, candidate_rects
from influencemap.render.map_settings import MapSettings

NAMES = ["Minsk", "Великий камень", "Брест", "Almaty Chinese consulate protest", "中欧班列", "قرض", "Łódź–Chengdu", "X"]


def one_by_one(settings, batches, grid, stacks, stacked):
    """The placement one by one: stacks (named by place) then single points, every place of
    each tried in turn, nothing ruled out first."""
    metrics = QFontMetricsF(renderer._label_font())
    entries = []
    for stack in stacks.biggest(renderer.MAX_NAMED_STACKS):
        lon, lat = settings.pixels_to_lonlat(*(stack.anchor or (stack.x, stack.y)))  # named where most points are
        text = stacking.stack_label(stacking.place_name(float(lon), float(lat)), stack.count)
        entries.append((stack.x, stack.y, stack.radius + 2 + CELL, text))
    start = sum(len(b.xy) for b in batches)
    for batch in reversed(batches):
        start -= len(batch.xy)
        for i in range(len(batch.xy) - 1, -1, -1):
            if not stacked[start + i]:
                x, y = batch.xy[i].tolist()
                entries.append((x, y, batch.layer.style.size / 2 + 2 + CELL, renderer._short(batch.name(i))))
    placed = []
    for x, y, offset, text in entries:
        for rect, baseline in candidate_rects(x, y, offset, metrics, text):
            if grid.fits(rect):
                grid.take(rect.adjusted(-2, -1, 2, 1))
                placed.append((baseline, text))
                break
    return placed


def dense_layer(count: int, seed: int) -> str:
    rng = random.Random(seed)
    rows = []
    for i in range(count):
        lon, lat = 27.3 + rng.random() * 0.6, 53.7 + rng.random() * 0.4
        if i % 7 == 0 and rows:  # some stacks: several facts at one spot
            lon, lat = 27.5, 53.9
        name = f"{rng.choice(NAMES)} {i}" if i % 3 else rng.choice(NAMES)
        rows.append(f"  - {{id: d{i}, name: \"{name}\", point: [{lon:.5f}, {lat:.5f}], sources: [rtest-doc]}}\n")
    return "id: dense\nname: Dense\nstyle: {size: 6}\nfeatures:\n" + "".join(rows)


@pytest.mark.parametrize("count, seed", [(40, 1), (400, 2), (2500, 3)])
def test_labels_are_placed_as_trying_every_place_would(make_catalog, qapp, count, seed):
    catalog = make_catalog(dense=dense_layer(count, seed))
    settings = MapSettings.fit_lonlat((27.3, 53.7, 27.9, 54.1), (800, 600), layer_ids=("dense",))
    batches = [renderer._point_batch(settings, catalog.layer("dense"))]
    stacks, stacked = stacking.find_stacks([batches[0].xy], ["#d7301f"])
    assert len(stacks) and stacks.count[0] >= count // 7  # the facts at one spot are one stack

    def fresh_grid():
        grid = LabelGrid(settings.size)
        grid.take_points(batches[0].xy, 4)
        renderer._take_stacks(grid, stacks)
        return grid

    expected = one_by_one(settings, batches, fresh_grid(), stacks, stacked)
    got = renderer._place_point_labels(settings, batches, fresh_grid(), stacks, stacked)
    assert [(b.x(), b.y(), t) for b, t in got] == [(b.x(), b.y(), t) for b, t in expected]
    assert len(got) >= 5
    if count >= 2500:
        assert len(got) < count / 4  # dense: most points find no room


def _take_points_cell_by_cell(grid: LabelGrid, xy: np.ndarray, radius: float) -> None:
    """Reserving marker cells as the grid once did: every cell offset of every point in turn."""
    taken = grid._taken
    rows_n, cols_n = taken.shape
    lo = np.floor((xy - radius) / CELL).astype(np.intp)
    hi = np.floor((xy + radius) / CELL).astype(np.intp)
    span = int((hi - lo).max()) + 1
    for dr in range(span):
        rows = lo[:, 1] + dr
        for dc in range(span):
            cols = lo[:, 0] + dc
            inside = (rows <= hi[:, 1]) & (cols <= hi[:, 0]) & (rows >= 0) & (rows < rows_n) & (cols >= 0) & (cols < cols_n)
            taken[rows[inside], cols[inside]] = True


@pytest.mark.parametrize("radius", [0.4, 3.0, 5.0, 11.5])
def test_marker_cells_are_reserved_exactly_where_the_markers_are(radius):
    rng = np.random.default_rng(int(radius * 10))
    # Points inside, on the edges and partly or wholly outside a 301×200 output.
    xy = np.concatenate((rng.uniform(-30, 330, size=(300, 2)) * [1, 200 / 300], [[0, 0], [300.9, 199.9], [-radius - 4, 50]]))
    fast, slow = LabelGrid((301, 200)), LabelGrid((301, 200))
    fast.take_points(xy, radius)
    _take_points_cell_by_cell(slow, xy, radius)
    np.testing.assert_array_equal(fast._taken, slow._taken)
    assert fast._taken.any() and not fast._taken.all()
