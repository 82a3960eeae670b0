"""The robust extent fits where the evidence is, not its outliers."""

import numpy as np

from influencemap.model.extent import robust_box, robust_bounds
from influencemap.model.loader import load_catalog
from influencemap.paths import bundled_layers_dir


def _points(lonlats):
    pts = np.asarray(lonlats, dtype=float)
    return np.hstack([pts, pts])


def test_one_far_point_among_many_is_left_out():
    rng = np.random.default_rng(1)
    core = np.column_stack([rng.uniform(23, 80, 200), rng.uniform(40, 56, 200)])
    boxes = _points(np.vstack([core, [[-77.0, 38.9]]]))  # Washington
    minlon, minlat, maxlon, maxlat = robust_box(boxes)
    assert minlon > 20 and maxlon < 81
    assert minlat >= 40 and maxlat <= 56


def test_a_handful_of_features_is_all_kept():
    boxes = _points([[27.5, 53.9], [-77.0, 38.9], [76.9, 43.2]])
    assert robust_box(boxes) == (-77.0, 38.9, 76.9, 53.9)


def test_a_kept_line_is_shown_end_to_end():
    rng = np.random.default_rng(2)
    core = _points(np.column_stack([rng.uniform(25, 35, 100), rng.uniform(45, 55, 100)]))
    line = np.array([[10.0, 50.0, 50.0, 52.0]])  # its centre (30, 51) is in the core
    box = robust_box(np.vstack([core, line]))
    assert box[0] == 10.0 and box[2] == 50.0


def test_empty_gives_none():
    assert robust_box(np.empty((0, 4))) is None


def test_bundled_layers_open_on_europe_and_central_asia():
    catalog = load_catalog([bundled_layers_dir()])
    minlon, minlat, maxlon, maxlat = robust_bounds(catalog)
    plain = catalog.bounds
    assert minlon > -30, "the robust extent should not reach the Americas"
    assert maxlon - minlon < plain[2] - plain[0] or plain[0] > -30
    assert 20 < (minlat + maxlat) / 2 < 65
