"""Whether a context place has one of our markers near it (render/context_layer._near_ours):
only the markers in the place's neighbouring cells are measured (a million markers, issue 14),
with the same answer as measuring every marker."""

from __future__ import annotations

import numpy as np

from influencemap.render.context_layer import OURS_NEAR_PX, _near_ours


def test_near_is_what_measuring_every_marker_says():
    rng = np.random.default_rng(11)
    ours = np.concatenate([rng.uniform(0, 900, (20_000, 2)), rng.uniform(-50, 0, (50, 2))])
    places = np.concatenate([rng.uniform(-60, 960, (400, 2)), ours[:30] + OURS_NEAR_PX * 0.99, ours[30:60] + OURS_NEAR_PX * 0.75])
    near = _near_ours(places, ours)
    every = np.array([np.hypot(*(ours - p).T).min() <= OURS_NEAR_PX for p in places])
    assert near.tolist() == every.tolist()
    assert 0 < near.sum() < len(places)


def test_no_markers_no_places():
    assert _near_ours(np.zeros((0, 2)), np.ones((3, 2))).tolist() == []
    assert _near_ours(np.ones((2, 2)), np.zeros((0, 2))).tolist() == [False, False]


def _every(places, ours):
    return [bool(np.hypot(*(ours - p).T).min() <= OURS_NEAR_PX) for p in places]


def test_places_just_outside_the_markers_and_markers_spread_far_apart():
    """The markers are binned once (OurMarkers) and asked twice, as the capitals and then the
    other places of a frame ask; places around the edge of the markers' area, and markers spread
    over an area too big for a grid of cells, get the answer of measuring every marker."""
    from influencemap.render.context_layer import OurMarkers

    rng = np.random.default_rng(3)
    ours = rng.uniform(100, 400, (5000, 2))
    edge = np.array([[100 - OURS_NEAR_PX * 0.9, 250.0], [400 + OURS_NEAR_PX * 0.9, 250.0], [250.0, 100 - OURS_NEAR_PX * 1.5],
                     [250.0, 400 + OURS_NEAR_PX * 0.5], [90.0, 90.0], [410.0, 410.0]])
    markers = OurMarkers(ours)
    for places in (edge, rng.uniform(80, 420, (300, 2))):
        assert markers.near(places).tolist() == _every(places, ours)
    spread = np.concatenate([ours, [[1e9, 1e9], [-1e9, 5.0]]])
    places = np.concatenate([edge, [[1e9 + 3, 1e9 - 2], [-1e9 + 20, 5.0]]])
    found = OurMarkers(spread).near(places).tolist()
    assert found == _every(places, spread)
    assert found[-2:] == [True, False]
