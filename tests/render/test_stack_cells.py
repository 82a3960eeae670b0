"""Stacks on a million points (issue 14): find_stacks numbers the grid cells by counting them
(no sort) when they are few, exactly as numbering the sorted distinct cells does."""

from __future__ import annotations

import numpy as np
import pytest

from influencemap.render.stacks import _cell_numbers, find_stacks


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
