"""Stacks on a million points (issue 14): find_stacks numbers the grid cells by counting them
(no sort) when they are few, exactly as numbering the sorted distinct cells does."""

from __future__ import annotations

import numpy as np
import pytest

from influencemap.render.stacks import STACK_CELL_PX, _cell_numbers, find_stacks


@pytest.mark.parametrize("spread", [300, 5000, 10**9], ids=["a frame", "wider", "sparse keys"])
def test_cells_are_numbered_as_sorting_them_would(spread):
    rng = np.random.default_rng(spread % 97)
    cells = rng.integers(-spread, spread, (20_000, 2))
    inverse, counts = _cell_numbers(cells)
    _, expected_inverse, expected_counts = np.unique(cells, axis=0, return_inverse=True, return_counts=True)
    assert inverse.tolist() == expected_inverse.reshape(-1).tolist()
    assert counts.tolist() == expected_counts.tolist()


def test_stacks_of_many_points_in_few_cells():
    xy = np.repeat([[10.0, 10.0], [400.0, 300.0], [800.0, 20.0]], [50_000, 30_000, 1], axis=0)
    stacks, stacked = find_stacks([xy], ["#000000"])
    assert stacked.sum() == 80_000
    assert stacks.count.tolist() == [50_000, 30_000]


def _by_sorting(xys):
    """The stacks' pairs and anchors as the sorted definition gives them."""
    stacks, stacked = find_stacks(xys, ["#000000"] * len(xys))
    xy = np.concatenate(xys)
    layer = np.repeat(np.arange(len(xys)), [len(a) for a in xys])
    group = stacks.point_stack
    keys, counts = np.unique(group * len(xys) + layer[stacked], return_counts=True)
    cells = np.floor(xy / STACK_CELL_PX).astype(np.int64)[stacked]
    _, cell_of, in_cell = np.unique(cells, axis=0, return_inverse=True, return_counts=True)
    in_cell = in_cell[cell_of.reshape(-1)]
    first = np.lexsort((-in_cell, group))
    starts = first[np.searchsorted(group[first], np.arange(len(stacks.count)))]
    return stacks, (keys // len(xys), keys % len(xys), counts), xy[stacked][starts]


def test_pairs_and_anchors_are_those_of_the_sorted_definition():
    rng = np.random.default_rng(5)
    xys = [rng.uniform(0, 300, (4000, 2)), rng.uniform(100, 200, (3000, 2)), np.repeat([[150.0, 150.0]], 40, axis=0)]
    stacks, pairs, anchors = _by_sorting(xys)
    assert [a.tolist() for a in stacks.pairs] == [a.tolist() for a in pairs]
    assert np.column_stack([stacks.anchor_x, stacks.anchor_y]).tolist() == anchors.tolist()
