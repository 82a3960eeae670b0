"""identify(): what lies under a click, without Qt — topmost first, tolerance, polygons."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from influencemap.model.filters import FeatureFilter
from influencemap.model.identify import identify

LOWER = """\
id: lower
name: Lower
features:
  - {id: minsk-low, name: Minsk low, point: [27.56, 53.90], date: 2010, sources: [doc-a]}
  - {id: route, name: Route, line: [[20, 50], [30, 50]], sources: [doc-a]}
  - id: zone
    name: Zone
    polygon: [[24, 40], [28, 40], [28, 44], [24, 44]]
    sources: [doc-a]
"""

UPPER = """\
id: upper
name: Upper
features:
  - {id: minsk-high, name: Minsk high, point: [27.56, 53.90], date: 2020, sources: [doc-a]}
  - id: inner-zone
    name: Inner zone
    polygon: [[25, 41], [27, 41], [27, 43], [25, 43]]
    sources: [doc-a]
"""


@pytest.fixture
def catalog(files):
    files.write("lower.yaml", LOWER)
    files.write("upper.yaml", UPPER)
    loaded = files.load()
    assert not loaded.errors
    return loaded


def test_topmost_layer_wins(catalog):
    hits = identify(catalog, 27.56, 53.90, 0.01, ["lower", "upper"])
    assert hits == [("upper", "minsk-high"), ("lower", "minsk-low")]
    hits = identify(catalog, 27.56, 53.90, 0.01, ["upper", "lower"])
    assert hits[0] == ("lower", "minsk-low")


def test_hidden_layers_are_never_hit(catalog):
    assert identify(catalog, 27.56, 53.90, 0.01, ["lower"]) == [("lower", "minsk-low")]
    assert identify(catalog, 27.56, 53.90, 0.01, []) == []


def test_points_and_lines_are_hit_within_the_tolerance_only(catalog):
    assert identify(catalog, 27.60, 53.90, 0.05, ["lower"]) == [("lower", "minsk-low")]
    assert identify(catalog, 27.70, 53.90, 0.05, ["lower"]) == []
    assert identify(catalog, 25.0, 50.03, 0.05, ["lower"]) == [("lower", "route")]
    assert identify(catalog, 25.0, 50.2, 0.05, ["lower"]) == []


def test_the_tolerance_is_round_on_screen_at_every_latitude(catalog):
    # At 54°N a degree of latitude is 1/cos(54°) ≈ 1.7 times longer on a mercator screen than a
    # degree of longitude, so 0.05° of longitude reaches only ~0.029° north.
    assert identify(catalog, 27.56, 53.90 + 0.025, 0.05, ["lower"]) == [("lower", "minsk-low")]
    assert identify(catalog, 27.56, 53.90 + 0.035, 0.05, ["lower"]) == []


def test_polygons_count_when_they_contain_the_click(catalog):
    assert identify(catalog, 26.0, 42.0, 0.01, ["lower", "upper"]) == [("upper", "inner-zone"), ("lower", "zone")]
    assert identify(catalog, 24.5, 40.5, 0.01, ["lower", "upper"]) == [("lower", "zone")]
    assert identify(catalog, 30.0, 42.0, 0.01, ["lower", "upper"]) == []


def test_a_point_or_line_beats_a_polygon_under_it(files):
    files.write(
        "mixed.yaml",
        """\
        id: mixed
        name: Mixed
        features:
          - {id: spot, name: Spot, point: [26, 42], sources: [doc-a]}
        """,
    )
    files.write("lower.yaml", LOWER)
    catalog = files.load()
    assert identify(catalog, 26.0, 42.0, 0.01, ["mixed", "lower"])[0] == ("mixed", "spot")
    assert identify(catalog, 26.0, 42.0, 0.01, ["lower", "mixed"]) == [("mixed", "spot")]


def test_filtered_out_features_are_not_hit(catalog):
    recent = FeatureFilter(date_from="2015")
    assert identify(catalog, 27.56, 53.90, 0.01, ["lower", "upper"], recent) == [("upper", "minsk-high")]
    only_lower = FeatureFilter(layers=frozenset({"lower"}))
    assert identify(catalog, 27.56, 53.90, 0.01, ["lower", "upper"], only_lower) == [("lower", "minsk-low")]


def test_identify_needs_no_qt(files, tmp_path):
    files.write("lower.yaml", LOWER)
    script = textwrap.dedent(
        f"""
        import sys
        class BlockQt:
            def find_spec(self, name, path=None, target=None):
                if name.split('.')[0] in ('PySide6', 'shiboken6'):
                    raise ImportError('Qt is blocked: ' + name)
        sys.meta_path.insert(0, BlockQt())
        from influencemap.model.loader import load_catalog
        from influencemap.model.identify import identify
        catalog = load_catalog([{str(files.folder)!r}], include_bundled_sources=False)
        assert identify(catalog, 27.56, 53.9, 0.01, ['lower']) == [('lower', 'minsk-low')]
        assert not [m for m in sys.modules if m.startswith(('PySide6', 'shiboken6'))]
        print('ok')
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_a_polygon_too_small_to_see_is_hit_like_a_point(files):
    files.write(
        "tiny.yaml",
        """\
        id: tiny
        name: Tiny
        features:
          - {id: speck, name: Speck, polygon: [[27.5, 53.9], [27.501, 53.9], [27.501, 53.901]], sources: [doc-a]}
        """,
    )
    catalog = files.load()
    assert identify(catalog, 27.52, 53.9, 0.05, ["tiny"]) == [("tiny", "speck")]
    assert identify(catalog, 27.6, 53.9, 0.05, ["tiny"]) == []
