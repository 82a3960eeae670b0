"""The sheet's places (render/layout_spec.group_by_distance) are grouped on whole arrays, so a
million points take a fraction of a second (issue 14); the groups are exactly those of the
definition: grid cells of the distance numbered in (column, row) order, cells joined to the
biggest neighbouring cell's leader, indices ascending inside each group."""

from __future__ import annotations

import numpy as np
import pytest

from influencemap.render import layout_spec
from influencemap.render.layout_spec import group_by_distance


def _by_definition(xy: np.ndarray, distance: float) -> list[list[int]]:
    cells = np.floor(xy / max(distance, 1e-9)).astype(np.int64)
    _, cell_of, counts = np.unique(cells, axis=0, return_inverse=True, return_counts=True)
    cell_of = cell_of.reshape(-1)
    sums = np.zeros((len(counts), 2))
    np.add.at(sums, cell_of, xy)
    centres = sums / counts[:, None]
    leader_of = np.arange(len(counts))
    if len(counts) <= layout_spec.MAX_MERGED_CELLS:
        leaders: list[int] = []
        for c in np.argsort(-counts, kind="stable").tolist():
            if leaders:
                d = np.hypot(*(centres[leaders] - centres[c]).T)
                if d.min() < distance:
                    leader_of[c] = leaders[int(np.argmin(d))]
                    continue
            leaders.append(c)
            leader_of[c] = c
    group_of = leader_of[cell_of]
    order = np.argsort(group_of, kind="stable")
    return [sorted(g.tolist()) for g in np.split(order, np.flatnonzero(np.diff(group_of[order])) + 1)]


@pytest.mark.parametrize(
    ("case", "spread", "distance", "count"),
    [
        ("a sheet's cloud, leaders merged", 300.0, 20.0, 6000),
        ("many cells, no merging", 1500.0, 6.4, 6000),
        ("over 65,535 cells", 1e5, 6.4, 80_000),
        ("a sparse grid (keys sorted, not counted)", 1e7, 6.4, 6000),
        ("negative units", -800.0, 9.0, 6000),
    ],
)
def test_groups_are_those_of_the_definition(case, spread, distance, count):
    rng = np.random.default_rng(len(case))
    xy = np.concatenate([
        rng.uniform(min(0, spread), max(0, spread), (count, 2)),
        np.repeat([[50.0, 50.0]], 7, axis=0),  # a stack: points at the very same spot
        rng.normal(100.0, 3.0, (300, 2)),      # a dense town
    ])
    found = [g.tolist() for g in group_by_distance(xy, distance)]
    assert len(found) > (65_535 if count > 65_535 else 1)
    assert found == _by_definition(xy, distance)
    assert sorted(i for g in found for i in g) == list(range(len(xy)))


def test_no_points_make_no_groups():
    assert group_by_distance(np.zeros((0, 2)), 5.0) == []


@pytest.mark.parametrize(("left", "right"), [(3, 2), (2, 3)])
def test_a_cell_between_two_leaders_joins_the_one_made_first(left, right):
    """Cells 10 wide: a cell whose centre is 9 from two leaders (18 apart, so both lead) joins
    the leader made first, that is the bigger one, as measuring every leader in order does."""
    xy = np.array([[6.0, 5.0]] * left + [[24.0, 5.0]] * right + [[15.0, 5.0]])
    found = [g.tolist() for g in group_by_distance(xy, 10.0)]
    assert found == _by_definition(xy, 10.0)
    middle = len(xy) - 1
    bigger = list(range(left)) if left > right else list(range(left, left + right))
    assert bigger + [middle] in found


def test_too_many_places_pick_the_same_spot_stacks_without_ordering_every_point():
    """Past the key's limit the sheet measures each group's spread where the points lie and
    finds only the picked groups' members: the same stacks, with the same members in the same
    order, as ordering every point by group (``group_by_distance``) and measuring that."""
    rng = np.random.default_rng(14)
    xy = np.concatenate([
        rng.uniform(0.0, 3000.0, (8_000, 2)),          # a cloud: thousands of groups
        np.repeat([[123.25, 456.5]], 40, axis=0),      # stacks at the very same spot
        np.repeat([[700.0, 80.0]], 9, axis=0),
        np.repeat([[10.0, 10.0]], 9, axis=0),
        [[400.0, 400.0], [400.2, 400.1]],                # within half a unit: a stack too
    ])
    rng.shuffle(xy)
    groups = group_by_distance(xy, 6.4)
    spread = [max(np.ptp(xy[g, 0]), np.ptp(xy[g, 1])) for g in groups]
    same_spot = [i for i, g in enumerate(groups) if len(g) > 1 and spread[i] < 0.5]
    expected = [groups[i].tolist() for i in sorted(same_spot, key=lambda i: -len(groups[i]))]

    group_of, sizes = layout_spec._point_groups(xy, 6.4)
    assert sizes.tolist() == [len(g) for g in groups]
    measured = np.maximum(layout_spec._group_span(xy[:, 0], group_of, len(sizes)),
                          layout_spec._group_span(xy[:, 1], group_of, len(sizes)))
    assert measured.tolist() == spread
    picked = np.flatnonzero((sizes > 1) & (measured < 0.5))
    picked = picked[np.argsort(-sizes[picked], kind="stable")]
    assert [m.tolist() for m in layout_spec._members(group_of, picked, len(sizes))] == expected
    assert len(expected) >= 3 and len(expected[0]) == 40
