"""Multi-part geometries and polygons with holes: written in YAML and read from data: files, with
the same checks; bad rows are named one kind at a time and the rest of the file loads."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import shapely

from tests.model.conftest import cached_layers_folder, load_flushed

SOURCES = "sources:\n  - {id: doc-a, title: A report}\n"


@pytest.fixture
def folder(tmp_path, monkeypatch) -> Path:
    yield from cached_layers_folder(tmp_path, monkeypatch, SOURCES)


def problems(folder: Path) -> list[str]:
    prefix = str(folder) + "/"
    return [p.format().removeprefix(prefix) for p in load_flushed(folder).problems]


HEAD = "id: m\nname: M\nfeatures:\n"


def test_yaml_multi_part_geometries_load_with_their_kind(folder):
    (folder / "m.yaml").write_text(HEAD + """\
  - {id: a, name: A, multipoint: [[27.56, 53.9], Kyiv], sources: [doc-a]}
  - {id: b, name: B, multiline: [[[27, 53], [28, 54]], [[30, 50], [31, 51]]], sources: [doc-a]}
  - id: c
    name: C
    polygon:
      - [[27, 53], [29, 53], [29, 55], [27, 55]]
      - [[27.5, 53.5], [28, 53.5], [28, 54], [27.5, 53.5]]
    sources: [doc-a]
  - {id: d, name: D, multipolygon: [[[20, 40], [21, 40], [21, 41]], [[22, 40], [23, 40], [23, 41]]], sources: [doc-a]}
""", encoding="utf-8")
    catalog = load_flushed(folder)
    assert catalog.problems == ()
    a, b, c, d = catalog.layer("m").features
    assert a.geometry.geom_type == "MultiPoint" and a.kind.value == "point"
    assert shapely.get_coordinates(a.geometry)[1].tolist() == pytest.approx([30.52, 50.45], abs=0.1)  # the gazetteer's Kyiv
    assert b.geometry.geom_type == "MultiLineString" and b.kind.value == "line"
    assert c.geometry.geom_type == "Polygon" and len(c.geometry.interiors) == 1
    assert not c.geometry.contains(shapely.Point(27.7, 53.6))  # inside the hole
    assert d.geometry.geom_type == "MultiPolygon" and len(d.geometry.geoms) == 2


@pytest.mark.parametrize("entry, at, message", [
    ("{id: a, name: A, multiline: [[[27, 53], [28, 54]], [[27, 53]]], sources: [doc-a]}", "[[27, 53]]]",
     "a line needs at least 2 distinct positions, found 1"),
    ("{id: a, name: A, polygon: [[[27, 53], [28, 53], [28, 54]], [[30, 50], [31, 50], [31, 51]]], sources: [doc-a]}", "[[[27",
     "a hole lies outside its polygon's outer ring (near 30, 50)"),
    ("{id: a, name: A, multipolygon: [[[20, 40], [30, 40], [30, 50], [20, 50]], [[22, 42], [23, 42], [23, 43]]], sources: [doc-a]}", "[[[20",
     "polygon parts overlap or nest"),
    ("{id: a, name: A, multipoint: [], sources: [doc-a]}", "[]",
     "a multipoint needs at least 1 distinct position, found 0"),
    ("{id: a, name: A, multipoint: [[27, 53], [190, 53]], sources: [doc-a]}", "190",
     "longitude 190 is out of range (-180 to 180)"),
])
def test_a_bad_multi_part_geometry_is_an_error_at_its_place_and_the_rest_loads(folder, entry, at, message):
    (folder / "m.yaml").write_text(HEAD + f"  - {entry}\n  - {{id: ok, name: OK, point: [27.5, 53.9], sources: [doc-a]}}\n", encoding="utf-8")
    found = problems(folder)
    col = len("  - ") + entry.index(at) + 1
    assert len(found) == 1 and found[0].startswith(f"m.yaml:4:{col}: error: {message}"), found
    assert [f.id for f in load_flushed(folder).layer("m").features] == ["ok"]


def test_a_multipoint_outside_its_country_warns_at_its_key(folder):
    (folder / "m.yaml").write_text(
        HEAD + "  - {id: a, name: A, multipoint: [[27.56, 53.9], [37.6, 55.75]], countries: [BY], sources: [doc-a]}\n",
        encoding="utf-8",
    )
    assert problems(folder) == [
        "m.yaml:4:34: warning: point (37.6, 55.75) is outside its countries BY: it lies in RU"
    ]


# -- data: files ------------------------------------------------------------------------------


def _feature(geometry: dict | None, fid: str) -> dict:
    return {"type": "Feature", "geometry": geometry, "properties": {"id": fid, "name": fid.upper()}}


def test_geojson_multi_part_rows_load_and_bad_rows_are_named(folder):
    square = [[30, 40], [34, 40], [34, 44], [30, 44], [30, 40]]
    hole = [[31, 41], [32, 41], [32, 42], [31, 41]]
    rows = [
        _feature({"type": "MultiPoint", "coordinates": [[27.5, 53.9, 120.0], [30.5, 50.4, 80.0]]}, "mpt"),
        _feature({"type": "MultiLineString", "coordinates": [[[27, 53], [28, 54]], [[179.5, 65], [-179.5, 65.5]]]}, "mls"),
        _feature({"type": "Polygon", "coordinates": [square, hole]}, "holed"),
        _feature({"type": "MultiPolygon", "coordinates": [[square, hole], [[[20, 40], [21, 40], [21, 41], [20, 40]]]]}, "mpoly"),
        _feature({"type": "GeometryCollection", "geometries": [{"type": "Point", "coordinates": [1, 2]}]}, "gc"),
        _feature({"type": "MultiPolygon", "coordinates": []}, "empty"),
        _feature(None, "none"),
        _feature({"type": "LineString", "coordinates": [[27, 53], [28, 95]]}, "tall"),
        _feature({"type": "Polygon", "coordinates": [[[200, 10], [201, 10], [201, 11], [200, 10]]]}, "wide"),
    ]
    text = json.dumps({"type": "FeatureCollection", "features": rows})
    (folder / "rows.geojson").write_text(text, encoding="utf-8")
    # A NaN coordinate cannot be written as JSON: a GeoPackage row holds it.
    import geopandas

    with np.errstate(invalid="ignore"):
        nan_line = shapely.linestrings([[27, 53], [np.nan, 54]])
    geopandas.GeoDataFrame({"id": ["nan"], "name": ["NaN"]}, geometry=[nan_line], crs="EPSG:4326").to_file(
        folder / "nan.gpkg", driver="GPKG"
    )
    (folder / "g.yaml").write_text("id: g\nname: G\ndata: rows.geojson\ndefaults: {sources: [doc-a]}\n", encoding="utf-8")
    (folder / "n.yaml").write_text("id: n\nname: N\ndata: nan.gpkg\ndefaults: {sources: [doc-a]}\n", encoding="utf-8")
    found = problems(folder)
    catalog = load_flushed(folder)
    assert [f.id for f in catalog.layer("g").features] == ["mpt", "mls", "holed", "mpoly"]
    mpt, mls, holed, mpoly = catalog.layer("g").features
    assert mpt.geometry.geom_type == "MultiPoint" and not mpt.geometry.has_z  # Z dropped
    assert mls.geometry.geom_type == "MultiLineString" and mls.kind.value == "line"
    assert len(holed.geometry.interiors) == 1 and mpoly.geometry.geom_type == "MultiPolygon"
    expected = [
        "g.yaml:3:7: error: data file 'rows.geojson': GeometryCollection (not supported: split it into one feature per kind) in 1 row: row 5 (1 parts)",
        "g.yaml:3:7: error: data file 'rows.geojson': empty geometry in 1 row: row 6 (empty MultiPolygon)",
        "g.yaml:3:7: error: data file 'rows.geojson': row without a geometry in 1 row: row 7 (none)",
        "g.yaml:3:7: error: data file 'rows.geojson': coordinates out of range (lon -180 to 180, lat -90 to 90) in lines in 1 row: row 8 ((28, 95)",
        "g.yaml:3:7: error: data file 'rows.geojson': coordinates out of range (lon -180 to 180, lat -90 to 90) in polygons in 1 row: row 9 ((200, 10))",
    ]
    for line in expected:
        assert any(p.startswith(line) for p in found), (line, found)
    assert any(p.startswith("n.yaml:3:7: error: data file 'nan.gpkg': NaN or infinite coordinates") and "row 1" in p for p in found), found


def test_bulk_range_problems_of_one_kind_are_reported_once_naming_the_rows(folder):
    rows = [_feature({"type": "LineString", "coordinates": [[27, 53], [28, 91 + i]]}, f"r{i}") for i in range(3)]
    rows.append(_feature({"type": "LineString", "coordinates": [[27, 53], [28, 54]]}, "good"))
    (folder / "rows.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": rows}), encoding="utf-8")
    (folder / "g.yaml").write_text("id: g\nname: G\ndata: rows.geojson\ndefaults: {sources: [doc-a]}\n", encoding="utf-8")
    found = problems(folder)
    out_of_range = [p for p in found if "out of range" in p]
    assert len(out_of_range) == 1
    assert "in 3 rows: row 1 ((28, 91); are longitude and latitude swapped?); row 2 ((28, 92)" in out_of_range[0]
    assert [f.id for f in load_flushed(folder).layer("g").features] == ["good"]


def test_bulk_multipoints_are_checked_against_their_countries(folder):
    rows = [dict(_feature({"type": "MultiPoint", "coordinates": [[27.56, 53.9], [37.6, 55.75]]}, "a"))]
    rows[0]["properties"]["countries"] = "BY"
    (folder / "rows.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": rows}), encoding="utf-8")
    (folder / "g.yaml").write_text("id: g\nname: G\ndata: rows.geojson\ndefaults: {sources: [doc-a]}\n", encoding="utf-8")
    found = problems(folder)
    assert len(found) == 1 and "warning" in found[0] and "(37.6, 55.75)" in found[0] and "RU" in found[0], found


def test_the_json_schema_offers_the_multi_part_keys_and_is_up_to_date():
    import importlib.util

    root = Path(__file__).resolve().parents[2]
    spec = importlib.util.spec_from_file_location("build_schema", root / "scripts" / "build_schema.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    built = module.build()
    assert json.loads((root / "schema" / "layer.schema.json").read_text(encoding="utf-8")) == built
    feature = built["definitions"]["feature"]
    for key in ("multipoint", "multiline", "multipolygon"):
        assert key in feature["properties"] and {"required": [key]} in feature["oneOf"]
    # polygon: one ring, or a list of rings (outer first, then holes)
    assert len(feature["properties"]["polygon"]["oneOf"]) == 2


def test_checking_rows_as_one_array_gives_what_checking_them_one_by_one_gives():
    from influencemap.model.geometry_parts import RowProblem, row_geometry, rows_geometry

    with np.errstate(invalid="ignore"):
        rows = [
            shapely.Point(27.5, 53.9), shapely.Point(190, 10), shapely.Point(10, 95), shapely.Point(np.nan, 1),
            shapely.Point(1, 2, 3), shapely.Point(), None, shapely.MultiPoint([(1, 2), (3, 4)]),
            shapely.LineString([(179.5, 65), (-179.5, 65)]), shapely.GeometryCollection([shapely.Point(1, 2)]),
        ]

    def one(row):
        try:
            return row_geometry(row)
        except RowProblem as problem:
            return (problem.message, problem.detail)

    together = [(r.message, r.detail) if isinstance(r, RowProblem) else r for r in rows_geometry(rows)]
    assert together == [one(row) for row in rows]
    assert [isinstance(r, tuple) and not isinstance(r[0], str) for r in together] == [
        True, False, False, False, True, False, False, True, True, False
    ]
