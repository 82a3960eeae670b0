"""LabelGrid.take_points on many markers (render/labels.py): past a few markers per cell, each
distinct block of cells goes into the difference grid once (a million markers on a 1600 × 1000
picture, issue 14). The cells taken are exactly those of taking each marker's block one by one,
including markers partly or wholly outside the picture."""

from __future__ import annotations

import math

import numpy as np
import pytest

from influencemap.render.labels import CELL, LabelGrid


def one_by_one(size, xy, radius):
    grid = LabelGrid(size)
    taken = np.zeros_like(grid._taken)
    rows, cols = taken.shape
    for x, y in xy.tolist():
        c0, r0 = max(math.floor((x - radius) / CELL), 0), max(math.floor((y - radius) / CELL), 0)
        c1, r1 = min(math.floor((x + radius) / CELL) + 1, cols), min(math.floor((y + radius) / CELL) + 1, rows)
        if c0 < c1 and r0 < r1:
            taken[r0:r1, c0:c1] = True
    return taken


@pytest.mark.parametrize("radius", [1.0, 5.0, 6.5, 13.0])
@pytest.mark.parametrize("count", [50, 40_000])
def test_many_markers_take_the_cells_of_taking_each(radius, count):
    rng = np.random.default_rng(count + int(radius * 10))
    size = (301, 157)
    xy = np.concatenate([
        np.column_stack([rng.uniform(-30, 140, count), rng.uniform(-20, 180, count)]),  # some partly or wholly outside
        np.repeat([[250.2, 80.7]], count // 4, axis=0),  # a stack: one block many times
        rng.normal(40.0, 2.0, (count // 4, 2)),  # a dense town
    ])
    grid = LabelGrid(size)
    grid.take_points(xy, radius)
    assert grid._taken.tolist() == one_by_one(size, xy, radius).tolist()
    assert grid._taken.any() and not grid._taken.all()
