"""identify(): what lies under a click, without Qt — topmost first, tolerance, polygons."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest
import shapely

from influencemap.geo.mercator import EARTH_RADIUS, project_xy
from influencemap.model.catalog import Catalog
from influencemap.model.feature_table import FeatureTable
from influencemap.model.filters import FeatureFilter
from influencemap.model.identify import HitRows, WhatsHere, features_here, features_here_top, identify, identify_top, prepare, whats_here
from influencemap.model.types import Citation, Feature, GeometryKind, Layer, Source

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


def test_within_a_layer_the_nearest_comes_first_then_the_one_drawn_last(files):
    files.write(
        "spots.yaml",
        """\
        id: spots
        name: Spots
        features:
          - {id: far, name: Far, point: [27.03, 53.9], sources: [doc-a]}
          - {id: near-first, name: Near first, point: [27.01, 53.9], sources: [doc-a]}
          - {id: near-last, name: Near last, point: [27.01, 53.9], sources: [doc-a]}
          - {id: nearest, name: Nearest, point: [27.005, 53.9], sources: [doc-a]}
        """,
    )
    catalog = files.load()
    hits = identify(catalog, 27.0, 53.9, 0.05, ["spots"])
    assert [feature_id for _, feature_id in hits] == ["nearest", "near-last", "near-first", "far"]


def test_a_multipoint_is_as_near_as_its_nearest_point():
    # Not written in layer files, but a Feature may hold one; it is drawn at its centre.
    features = (
        Feature("single", "Single", "multi", shapely.Point(27.02, 53.9), GeometryKind.POINT, (Citation("s"),)),
        Feature("pair", "Pair", "multi", shapely.MultiPoint([(20.0, 45.0), (27.01, 53.9)]), GeometryKind.POINT, (Citation("s"),)),
    )
    catalog = Catalog((Layer("multi", "Multi", features),), {"s": Source("s", "S")})
    assert identify(catalog, 27.0, 53.9, 0.05, ["multi"]) == [("multi", "pair"), ("multi", "single")]
    assert identify(catalog, 20.0, 45.0, 0.05, ["multi"]) == [("multi", "pair")]


def test_an_empty_point_is_never_hit_and_does_not_stop_the_others():
    # Not written in layer files either; the index projects points as one array and must leave it out.
    features = (
        Feature("empty", "Empty", "odd", shapely.Point(), GeometryKind.POINT, (Citation("s"),)),
        Feature("real", "Real", "odd", shapely.Point(27.0, 53.9), GeometryKind.POINT, (Citation("s"),)),
    )
    catalog = Catalog((Layer("odd", "Odd", features),), {"s": Source("s", "S")})
    assert identify(catalog, 27.0, 53.9, 0.05, ["odd"]) == [("odd", "real")]


def test_a_line_beats_the_polygon_it_crosses(files):
    files.write(
        "crossing.yaml",
        """\
        id: crossing
        name: Crossing
        features:
          - {id: road, name: Road, line: [[25, 42], [27, 42]], sources: [doc-a]}
        """,
    )
    files.write("lower.yaml", LOWER)
    catalog = files.load()
    assert identify(catalog, 26.0, 42.0, 0.01, ["crossing", "lower"]) == [("crossing", "road")]
    assert identify(catalog, 26.0, 42.5, 0.01, ["crossing", "lower"]) == [("lower", "zone")]


def test_a_category_filter_keeps_other_categories_out(files):
    files.write("lower.yaml", "category: Economy\n" + LOWER)
    files.write("upper.yaml", "category: Diplomacy\n" + UPPER)
    catalog = files.load()
    economy = FeatureFilter(categories=frozenset({"Economy"}))
    assert identify(catalog, 27.56, 53.90, 0.01, ["lower", "upper"], economy) == [("lower", "minsk-low")]


def test_a_filter_decided_in_advance_hits_the_same_features(catalog):
    recent, older = FeatureFilter(date_from="2015"), FeatureFilter(date_to="2012")
    prepare(catalog, recent)
    assert identify(catalog, 27.56, 53.90, 0.01, ["lower", "upper"], recent) == [("upper", "minsk-high")]
    # Another filter's answers are its own, not the prepared one's.
    assert identify(catalog, 27.56, 53.90, 0.01, ["lower", "upper"], older) == [("lower", "minsk-low")]
    assert identify(catalog, 27.56, 53.90, 0.01, ["lower", "upper"]) == [("upper", "minsk-high"), ("lower", "minsk-low")]


def test_a_prepare_stopped_early_leaves_the_rest_to_identify(catalog):
    recent = FeatureFilter(date_from="2015")
    prepare(catalog, recent, cancelled=lambda: True)
    assert identify(catalog, 27.56, 53.90, 0.01, ["lower", "upper"], recent) == [("upper", "minsk-high")]


def _crowd(count: int) -> Catalog:
    """Two layers of points, lines and polygons crowded around (27, 53), many at the same spots."""
    rng = np.random.default_rng(11)
    layers = []
    for layer_id in ("bottom", "top"):
        features = []
        for i in range(count):
            x, y = np.round(rng.uniform([26.5, 52.7], [27.5, 53.3]), 2)
            if i % 10 == 0:
                geometry, kind = shapely.LineString([(x, y), (x + 0.2, y + 0.1)]), GeometryKind.LINE
            elif i % 10 == 1:
                geometry, kind = shapely.box(x, y, x + 0.3, y + 0.3), GeometryKind.POLYGON
            else:
                geometry, kind = shapely.Point(x, y), GeometryKind.POINT
            features.append(Feature(f"{layer_id}-{i}", f"F{i}", layer_id, geometry, kind, (Citation("s"),)))
        layers.append(Layer(layer_id, layer_id, tuple(features)))
    return Catalog(tuple(layers), {"s": Source("s", "S")})


def _brute_force(catalog: Catalog, lon: float, lat: float, tolerance_deg: float, order: list[str]) -> list[tuple[str, str]]:
    """What identify promises, over every feature with no index: the definition it must agree with."""
    features = list(catalog.features())
    radius = tolerance_deg / 180.0 * np.pi * EARTH_RADIUS
    shapes = shapely.transform(np.array([f.geometry for f in features], dtype=object), project_xy)
    distances = shapely.distance(shapes, shapely.transform(shapely.Point(lon, lat), project_xy)).tolist()
    found = [
        (feature.kind is GeometryKind.POLYGON, -order.index(feature.layer_id), distance, -position, feature)
        for position, (feature, distance) in enumerate(zip(features, distances))
        if feature.layer_id in order and distance <= radius
    ]
    if any(not polygon for polygon, *_ in found):
        found = [hit for hit in found if not hit[0]]
    return [(f.layer_id, f.id) for *_, f in sorted(found, key=lambda hit: hit[:4])]


def test_thousands_of_candidates_are_all_listed_in_the_same_order_as_one_by_one():
    catalog = _crowd(1500)
    rng = np.random.default_rng(5)
    crowded = 0
    for lon, lat in rng.uniform([26.4, 52.6], [27.6, 53.4], (25, 2)).tolist():
        for tolerance in (0.02, 0.3):
            for order in (["bottom", "top"], ["top", "bottom"], ["top"]):
                hits = identify(catalog, lon, lat, tolerance, order)
                assert hits == _brute_force(catalog, lon, lat, tolerance, order)
                crowded += len(hits) > 300
    assert crowded  # the case that matters: many candidates at once


def test_the_top_few_are_the_first_of_all_hits_and_the_count_is_of_all():
    catalog = _crowd(1500)
    rng = np.random.default_rng(9)
    for lon, lat in rng.uniform([26.4, 52.6], [27.6, 53.4], (15, 2)).tolist():
        for order in (["bottom", "top"], ["top", "bottom"], ["top"]):
            everything = identify(catalog, lon, lat, 0.3, order)
            from_top_layer = sum(layer_id == order[-1] for layer_id, _ in everything)
            for limit in (1, 3, 40, from_top_layer + 5, 5000):
                assert identify_top(catalog, lon, lat, 0.3, order, limit=limit) == (everything[:limit], len(everything))
    filtered = FeatureFilter(layers=frozenset({"bottom"}))
    everything = identify(catalog, 27.0, 53.0, 0.3, ["bottom", "top"], filtered)
    assert len(everything) > 256  # past the size where all are ranked
    assert identify_top(catalog, 27.0, 53.0, 0.3, ["bottom", "top"], filtered, limit=2) == (everything[:2], len(everything))
    assert identify_top(catalog, 10.0, 10.0, 0.3, ["bottom", "top"]) == ([], 0)


def test_whats_here_lists_a_point_the_line_through_it_and_the_polygon_around_it(files):
    files.write(
        "mixed.yaml",
        """\
        id: mixed
        name: Mixed
        features:
          - {id: spot, name: Spot, point: [26, 42], sources: [doc-a]}
          - {id: road, name: Road, line: [[25, 42], [27, 42]], sources: [doc-a]}
        """,
    )
    files.write("lower.yaml", LOWER)
    catalog = files.load()
    # identify() picks the symbol (a polygon under it does not count) ...
    assert ("lower", "zone") not in identify(catalog, 26.0, 42.0, 0.01, ["lower", "mixed"])
    # ... the list gives everything here: top layer first, within a layer polygons last.
    listed = features_here(catalog, 26.0, 42.0, 0.01, ["lower", "mixed"])
    assert set(listed[:2]) == {("mixed", "spot"), ("mixed", "road")}
    assert listed[2:] == [("lower", "zone")]
    assert features_here(catalog, 26.0, 42.0, 0.01, ["mixed"]) == listed[:2]
    assert features_here(catalog, 30.0, 30.0, 0.01, ["lower", "mixed"]) == []


def test_whats_here_lists_every_feature_of_a_stack_and_follows_the_filter(catalog):
    both = features_here(catalog, 27.56, 53.90, 0.01, ["lower", "upper"])
    assert both == [("upper", "minsk-high"), ("lower", "minsk-low")]
    recent = FeatureFilter(date_from="2015")
    assert features_here(catalog, 27.56, 53.90, 0.01, ["lower", "upper"], recent) == [("upper", "minsk-high")]


def test_whats_here_top_names_the_first_few_and_counts_all(catalog):
    listed = features_here(catalog, 27.56, 53.90, 0.01, ["lower", "upper"])
    top, total = features_here_top(catalog, 27.56, 53.90, 0.01, ["lower", "upper"], limit=1)
    assert top == listed[:1] and total == len(listed) == 2

MULTI = """\
id: multi
name: Multi
features:
  - {id: offices, name: Offices, multipoint: [[10, 10], [14, 10]], sources: [doc-a]}
  - {id: routes, name: Routes, multiline: [[[10, 20], [12, 20]], [[16, 20], [18, 20]]], sources: [doc-a]}
  - id: lake
    name: Square with a lake
    polygon: [[[10, 30], [16, 30], [16, 36], [10, 36]], [[12, 32], [14, 32], [14, 34], [12, 34]]]
    sources: [doc-a]
  - {id: twins, name: Twins, multipolygon: [[[20, 30], [22, 30], [22, 32]], [[26, 30], [28, 30], [28, 32]]], sources: [doc-a]}
  - {id: across, name: Across, line: [[179.5, 65], [-179.5, 65]], sources: [doc-a]}
"""


def test_multi_part_features_are_hit_on_each_part_and_not_in_holes_or_gaps(files):
    files.write("multi.yaml", MULTI)
    catalog = files.load()
    assert not catalog.errors

    def hit(lon, lat):
        return [fid for _, fid in identify(catalog, lon, lat, 0.2, ["multi"])]

    assert hit(10, 10) == ["offices"] and hit(14, 10) == ["offices"]
    assert hit(12, 10) == []  # between the points
    assert hit(11, 20) == ["routes"] and hit(17, 20) == ["routes"] and hit(14, 20) == []
    assert hit(11, 31) == ["lake"] and hit(13, 33) == []  # in the lake, not on the land
    assert hit(21.5, 30.5) == ["twins"] and hit(27.5, 30.5) == ["twins"] and hit(24, 30.5) == []


def test_a_line_across_the_antimeridian_is_hit_only_the_short_way(files):
    files.write("multi.yaml", MULTI)
    catalog = files.load()

    def hit(lon, lat):
        return [fid for _, fid in identify(catalog, lon, lat, 0.2, ["multi"])]

    assert hit(179.8, 65) == ["across"] and hit(-179.8, 65) == ["across"]
    assert hit(0, 65) == [] and hit(100, 65) == []  # the long way round is empty


CACHED_SOURCES = "sources:\n  - {id: doc-a, title: A report}\n"

CACHED_POINTS = "id: dots\nname: Dots\nfeatures:\n" + "".join(
    f"  - {{id: dot-{i}, name: Dot {i}, point: [{27.0 + i * 0.01:.2f}, 53.9], countries: [{'BY' if i % 2 else 'UA'}],"
    f" date: 20{10 + i % 10}, tags: [t{i % 3}], sources: [doc-a]}}\n"
    for i in range(40)
)

CACHED_SHAPES = """\
id: shapes
name: Shapes
features:
  - {id: road, name: Road, line: [[27.0, 53.5], [27.5, 53.5]], countries: [BY], date: 2012, sources: [doc-a]}
  - {id: field, name: Field, polygon: [[27.0, 53.0], [27.4, 53.0], [27.4, 53.3], [27.0, 53.3]], countries: [UA], sources: [doc-a]}
  - {id: pair, name: Pair, multipoint: [[26.0, 53.0], [26.5, 53.0]], countries: [BY], sources: [doc-a]}
"""


@pytest.fixture
def cached_folder(tmp_path, monkeypatch):
    from tests.model.conftest import cached_layers_folder

    yield from cached_layers_folder(tmp_path, monkeypatch, CACHED_SOURCES)


def _fresh_and_cached(folder):
    """The folder loaded from its files and then from the disk cache (columns, features unbuilt)."""
    from influencemap.model import load_cache
    from tests.model.conftest import load_flushed

    (folder / "dots.yaml").write_text(CACHED_POINTS, encoding="utf-8")
    (folder / "shapes.yaml").write_text(CACHED_SHAPES, encoding="utf-8")
    fresh = load_flushed(folder)
    assert not fresh.errors
    for layer in fresh.layers:  # the fresh catalog answers from Feature objects
        layer.features[0]
    load_cache.clear_memory()
    cached = load_flushed(folder)
    tables = [layer.features for layer in cached.layers]
    assert all(hasattr(table, "built") and not table.built for table in tables)
    return fresh, cached, tables


QUESTIONS = [
    (27.10, 53.90, 0.02),  # a few dots
    (27.20, 53.50, 0.01),  # the road
    (27.20, 53.10, 0.01),  # inside the field
    (26.50, 53.00, 0.02),  # one of the pair's points
    (27.20, 53.70, 2.0),  # a wide radius: everything
    (40.00, 10.00, 0.01),  # nothing
]


def test_identify_on_a_cached_layer_reads_columns_and_builds_no_feature(cached_folder):
    fresh, cached, tables = _fresh_and_cached(cached_folder)
    shown = ["shapes", "dots"]
    recent_by = FeatureFilter(date_from="2014", countries=frozenset({"BY"}), include_undated=True)
    for answer in (identify, features_here):
        for lon, lat, tolerance in QUESTIONS:
            for chosen in (None, recent_by, FeatureFilter(tags=frozenset({"t1"}))):
                expected = answer(fresh, lon, lat, tolerance, shown, chosen)
                assert answer(cached, lon, lat, tolerance, shown, chosen) == expected
    for top in (identify_top, features_here_top):
        assert top(cached, 27.2, 53.7, 2.0, shown, recent_by, limit=3) == top(fresh, 27.2, 53.7, 2.0, shown, recent_by, limit=3)
    assert identify(cached, 27.10, 53.90, 0.005, shown) == [("dots", "dot-10")]
    assert ("shapes", "field") in features_here(cached, 27.2, 53.1, 0.01, shown)
    prepare(cached, FeatureFilter(tags=frozenset({"t2"})))
    assert not any(table.built for table in tables), "identify built the cached layer's Feature objects"


def test_the_filter_sees_a_cached_layers_columns_as_its_features(cached_folder):
    _, cached, tables = _fresh_and_cached(cached_folder)
    ukraine = FeatureFilter(countries=frozenset({"UA"}))
    hits = features_here(cached, 27.2, 53.7, 2.0, ["shapes", "dots"], ukraine)
    assert ("shapes", "field") in hits and ("shapes", "road") not in hits
    assert {fid for _, fid in hits if fid.startswith("dot-")} == {f"dot-{i}" for i in range(0, 40, 2)}
    assert not any(table.built for table in tables)
    # Once a table's features exist the filter reads them, with the same answers.
    tables[0].features
    assert features_here(cached, 27.2, 53.7, 2.0, ["shapes", "dots"], FeatureFilter(countries=frozenset({"UA"}))) == hits


MIXED_HERE = """\
id: mixed
name: Mixed
features:
  - {id: spot, name: Spot, point: [26, 42], sources: [doc-a]}
  - {id: road, name: Road, line: [[25, 42], [27, 42]], sources: [doc-a]}
  - id: plot
    name: A plot too small to see
    polygon: [[26.002, 42.0], [26.0021, 42.0], [26.0021, 42.0001], [26.002, 42.0001]]
    sources: [doc-a]
"""


def test_whats_here_groups_the_marker_then_points_and_lines_then_the_areas(files):
    files.write("mixed.yaml", MIXED_HERE)
    files.write("lower.yaml", LOWER)
    catalog = files.load()
    shown = ["lower", "mixed"]
    plain = whats_here(catalog, 26.0, 42.0, 0.01, shown)
    assert plain.at_marker == ()
    assert set(plain.nearby) == {("mixed", "spot"), ("mixed", "road")}
    # The zone around the click, and the plot beside it (drawn as a small square): top layer first.
    assert plain.areas == (("mixed", "plot"), ("lower", "zone"))
    assert plain.hits == features_here(catalog, 26.0, 42.0, 0.01, shown)  # the same features, areas last

    marked = whats_here(catalog, 26.0, 42.0, 0.01, shown, marker=[("mixed", "spot")], marker_distances=[1.0])
    assert marked.at_marker == (("mixed", "spot"),)
    assert ("mixed", "spot") not in marked.nearby  # listed once, under the marker
    assert marked.areas == plain.areas
    assert len(marked) == len(plain)


def test_a_markers_features_are_listed_top_layer_first_then_nearest_even_beyond_the_reach(catalog):
    shown = ["lower", "upper"]
    # The caller's frame put a far point into the marker (a merged stack is wider than a click's reach).
    marker = [("lower", "route"), ("lower", "minsk-low"), ("upper", "minsk-high")]
    here = whats_here(catalog, 27.56, 53.90, 0.01, shown, marker=marker, marker_distances=[9.0, 2.0, 5.0])
    assert here.at_marker == (("upper", "minsk-high"), ("lower", "minsk-low"), ("lower", "route"))
    assert here.nearby == () and here.areas == ()
    assert whats_here(catalog, 10.0, 10.0, 0.01, shown) == WhatsHere()


def test_a_marker_given_as_its_tables_rows_is_listed_as_the_same_hits_made_only_when_read(files):
    files.write("mixed.yaml", MIXED_HERE)
    files.write("lower.yaml", LOWER)
    catalog = files.load()
    shown = ["lower", "mixed"]
    table = catalog.layer("mixed").features
    spot = table.ids.index("spot")
    points = table.take(np.array([spot]))  # as the renderer's points of a mixed layer are
    for source_table, position in ((table, spot), (points, 0)):
        rows = HitRows(["mixed"], [source_table.ids], np.array([0]), np.array([position]), [source_table])
        assert list(rows) == [("mixed", "spot")] and rows.feature_id(0) == "spot" and rows.find("spot") == 0
        marked = whats_here(catalog, 26.0, 42.0, 0.01, shown, marker=rows, marker_distances=np.array([1.0]))
        # Told apart by index position, as by id: listed once, under the marker.
        assert marked == whats_here(catalog, 26.0, 42.0, 0.01, shown, marker=[("mixed", "spot")], marker_distances=[1.0])
        assert marked.at_marker == (("mixed", "spot"),) and ("mixed", "spot") not in marked.nearby
    # A table the index does not know (another catalog's) is told by id.
    other = FeatureTable.of(list(table), table.path)
    stranger = HitRows(["mixed"], [other.ids], np.array([0]), np.array([other.ids.index("spot")]), [other])
    assert ("mixed", "spot") not in whats_here(catalog, 26.0, 42.0, 0.01, shown, marker=stranger).nearby


def test_hit_rows_read_as_a_sequence_of_hits_in_their_order():
    ids_a, ids_b = ["a0", "a1", "a2"], np.array(["b0", "b1"], dtype=object)
    rows = HitRows(["A", "B"], [ids_a, ids_b], np.array([1, 0, 0, 1]), np.array([1, 2, 0, 0]))
    assert list(rows) == [("B", "b1"), ("A", "a2"), ("A", "a0"), ("B", "b0")]
    assert rows[1] == ("A", "a2") and rows[-1] == ("B", "b0") and rows[1:3] == [("A", "a2"), ("A", "a0")]
    assert rows == (("B", "b1"), ("A", "a2"), ("A", "a0"), ("B", "b0")) and len(rows) == 4
    assert rows.take(np.array([3, 0])) == [("B", "b0"), ("B", "b1")]
    assert rows.id_set() == {"a0", "a2", "b0", "b1"} and rows.used_layer_ids() == ["A", "B"]
    assert [rows.find(f) for f in ("a0", "b0", "a1")] == [2, 3, -1]
    many = HitRows(["A"], [[f"x{i}" for i in range(1000)]], np.zeros(600, dtype=np.intp), np.arange(999, 399, -1))
    assert many.find("x400") == 599 and many.find("x10") == -1  # looked up in the id list first
    here = WhatsHere(at_marker=rows, areas=[("A", "a1")])
    assert here.first(5) == [*rows, ("A", "a1")] and here.first(2) == list(rows)[:2] and len(here) == 5
    assert here.layer_ids() == ["A", "B"]
