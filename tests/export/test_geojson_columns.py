"""The GeoJSON export written from columns gives the same data as the export it replaced, which
built a dictionary per Feature object and dumped the collection at once (kept below as
``_reference_text``: ``to_feature_collection``, whose ``feature_properties`` the HTML export's
popups still use, so the two cannot drift apart): compared as parsed JSON, with the type of every number, every
key's order and every float's exact value, on the bundled layers, on generated layers with
every geometry kind and optional key, on cached ``data:`` layers (one-value columns), on rows
chosen by a filter and on tables of Feature objects."""

from __future__ import annotations

import dataclasses
import json
import math
import random
from pathlib import Path
from typing import Any

import pytest
import shapely
from shapely.geometry import LineString, MultiPoint, MultiPolygon, Point, Polygon

from influencemap.export import geojson_text
from influencemap.export.geojson import to_feature_collection, write_geojson
from influencemap.model.catalog import Catalog
from influencemap.model.loader import load_catalog
from influencemap.model.types import Citation, Feature, Figure, GeometryKind, Layer, Precision, Source

ROOT = Path(__file__).resolve().parents[2]


# -- the export as it was (a dictionary per Feature object, dumped at once), kept to compare with

def _reference_text(catalog: Catalog) -> str:
    return json.dumps(to_feature_collection(catalog), ensure_ascii=False, indent=1) + "\n"


def _typed(value: Any) -> Any:
    """Parsed JSON made comparable strictly: numbers with their type and exact value (1, 1.0 and
    True differ, so do 0.0 and -0.0; NaN equals NaN), objects with their keys' order."""
    if isinstance(value, dict):
        return ("object", [(key, _typed(item)) for key, item in value.items()])
    if isinstance(value, list):
        return [_typed(item) for item in value]
    if isinstance(value, float):
        return ("float", repr(value))
    if isinstance(value, (bool, int)):
        return (type(value).__name__, value)
    return value


def _assert_same_export(catalog: Catalog, tmp_path: Path) -> dict:
    out = tmp_path / "out.geojson"
    write_geojson(catalog, out)
    written = json.loads(out.read_text(encoding="utf-8"))
    expected = json.loads(_reference_text(catalog))
    assert len(written["features"]) == len(expected["features"]) == catalog.feature_count
    for mine, theirs in zip(written["features"], expected["features"]):
        assert _typed(mine) == _typed(theirs), theirs["id"]
    assert _typed(written) == _typed(expected)
    return written


@pytest.fixture(params=[1, 3, geojson_text.CHUNK_ROWS], ids=["chunk1", "chunk3", "chunk-default"])
def chunk_rows(request, monkeypatch):
    """Chunks of one row, of three (boundaries inside lists of figures and citations) and the default."""
    monkeypatch.setattr(geojson_text, "CHUNK_ROWS", request.param)
    return request.param


# -- bundled and generated layers ----------------------------------------------------------

def test_bundled_layers_export_the_same_data(tmp_path, chunk_rows):
    catalog = load_catalog([ROOT / "layers"])
    assert catalog.feature_count > 100
    _assert_same_export(catalog, tmp_path)


SOURCES = """\
sources:
  - {id: doc-a, title: "A report on 100% of \\"loans\\"", url: "https://example.org/a?x=1&y=%20", publisher: Ministry}
  - {id: doc-b, title: Другой документ 文件, author: "O'Brien \\\\ Co", date: 2021-03}
"""

EVERY_KIND = """\
id: every
name: Every kind
features:
  - id: plain-point
    name: "Point %s and %(x)s and %% and 100%"
    point: [27.56, 53.9]
    sources: [doc-a]
  - id: full
    name: "Tab\\tquote\\" backslash\\\\ emoji 🚄 RTL العربية line\\u2028sep"
    point: [-0.0, 0.000001]
    date: 2012-06-30
    countries: [BY, CN]
    actors: [China Exim, "Ёлка %d"]
    tags: [loan, rail]
    figures:
      - {label: Loan, value: 1.18e9, unit: USD}
      - {label: Count, value: 3}
      - {label: Share, value: -0.5, unit: "%"}
    precision: exact
    dating: inferred
    description: |
      Two lines,
      the second with "quotes" and 50% and \\ a backslash.
    sources:
      - {ref: doc-a, locator: "p. 4 %s", quote: "a short «quote»"}
      - doc-b
    x-checked-by: Anna
    x-score: 7
    x-ratio: 0.25
    x-flag: true
    x-nothing: null
    x-list: [1, two, 3.5]
    x-nested: {a: [1, {b: "ü"}], "c%": "%s"}
  - id: span
    name: Span
    line: [[24, 52], [27, 53], [30.5, 54.25]]
    start: 2015
    end: 2019-02
    dating: approximate
    countries: [BY]
    sources: [{ref: doc-b, locator: "ch. 2"}]
  - id: ongoing
    name: Ongoing
    polygon: [[22, 44], [28, 44], [28, 50], [22, 50]]
    start: 2020-01
    precision: region
    sources: [doc-a, doc-b]
  - id: lake
    name: Square with a lake
    polygon: [[[22, 44], [28, 44], [28, 50], [22, 50]], [[24, 46], [26, 46], [26, 48], [24, 48]]]
    sources: [doc-a]
  - {id: offices, name: Offices, multipoint: [[27.56, 53.9], [30.52, 50.45]], sources: [doc-a], date: 2001}
  - {id: routes, name: Routes, multiline: [[[24, 52], [27, 53]], [[31, 50], [33, 49]]], sources: [doc-a]}
  - {id: twins, name: Twins, multipolygon: [[[30, 44], [32, 44], [32, 46]], [[36, 44], [38, 44], [38, 46]]], sources: [doc-b]}
  - id: undated-inferred
    name: Undated but inferred
    point: [100.123456789, 30.987654321]
    dating: inferred
    figures: [{label: Zero, value: 0}, {label: Negative zero, value: -0.0, unit: t}]
    sources: [{ref: doc-a, quote: "x"}, {ref: doc-a, quote: "y"}]
  - {id: across, name: Across, line: [[179.5, 65], [-179.5, 65.5]], sources: [doc-a], x-only: "just this"}
"""


def _write_layers(folder: Path, **files: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sources.yaml").write_text(SOURCES, encoding="utf-8")
    for name, text in files.items():
        (folder / f"{name}.yaml").write_text(text, encoding="utf-8")
    return folder


def test_every_geometry_kind_and_optional_key_export_the_same_data(tmp_path, chunk_rows):
    folder = _write_layers(tmp_path / "layers", every=EVERY_KIND)
    catalog = load_catalog([folder], include_bundled_sources=False, use_cache=False)
    assert not catalog.errors, [p.format() for p in catalog.errors]
    kinds = {shape.geom_type for shape in catalog.layer("every").features.shapes()}
    assert kinds == {"Point", "LineString", "Polygon", "MultiPoint", "MultiLineString", "MultiPolygon"}
    written = _assert_same_export(catalog, tmp_path)
    full = next(f for f in written["features"] if f["id"] == "full")
    assert full["properties"]["x-nested"] == {"a": [1, {"b": "ü"}], "c%": "%s"}  # the x- keys came through


def test_a_cached_load_exports_the_same_data_as_a_fresh_one(tmp_path, monkeypatch):
    """A cached table's columns are packed (one-value columns as a value and a count)."""
    monkeypatch.setenv("INFLUENCEMAP_CACHE_DIR", str(tmp_path / "cache"))
    lines = ["id: many", "name: Many", "features:"]
    for i in range(300):  # past ONE_VALUE_ROWS: the shared values are packed once
        lines += [f"  - id: m{i}", f"    name: Many {i}", f"    point: [{20 + i / 100}, {50 - i / 1000}]",
                  "    precision: site", "    sources: [{ref: doc-a, locator: same place}]"]
        if i % 50 == 7:
            lines.append(f"    figures: [{{label: Loan, value: {i}.5, unit: USD}}]")
    folder = _write_layers(tmp_path / "layers", many="\n".join(lines) + "\n")
    fresh = load_catalog([folder], include_bundled_sources=False)
    cached = load_catalog([folder], include_bundled_sources=False)
    assert not fresh.errors and not cached.errors
    assert not cached.layer("many").features.built
    _assert_same_export(fresh, tmp_path)
    _assert_same_export(cached, tmp_path)


def test_a_data_layer_with_defaults_exports_the_same_data(tmp_path, chunk_rows):
    folder = _write_layers(tmp_path / "layers")
    rows = ["id,name,lon,lat,date,countries,x-note,x-amount"]
    for i in range(150):
        note = "" if i % 3 else f'"note, {i} %s ""q"""'
        rows.append(f"d{i},Data {i} ü %s 5%,{20 + i / 7:.5f},{50 + i / 11:.5f},20{10 + i % 10}-0{1 + i % 9},BY;PL,{note},{i * 1.5}")
    (folder / "rows.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (folder / "data.yaml").write_text(
        "id: data\nname: Data\ndata: rows.csv\ndefaults: {sources: [doc-b], precision: city, dating: inferred, tags: [t%1]}\n",
        encoding="utf-8")
    for use_cache in (False, True, True):
        catalog = load_catalog([folder], include_bundled_sources=False, use_cache=use_cache)
        assert not catalog.errors, [p.format() for p in catalog.errors]
        assert catalog.feature_count == 150
        _assert_same_export(catalog, tmp_path)


def test_rows_chosen_by_a_filter_export_the_same_data(tmp_path, chunk_rows):
    folder = _write_layers(tmp_path / "layers", every=EVERY_KIND)
    catalog = load_catalog([folder], include_bundled_sources=False, use_cache=False)
    layer = catalog.layer("every")
    chosen = [8, 0, 3, 5, 1]  # out of order, points and other shapes, with and without figures
    shown = Catalog(layers=(dataclasses.replace(layer, features=layer.features.take(chosen)),), sources=catalog.sources)
    written = _assert_same_export(shown, tmp_path)
    assert [f["id"] for f in written["features"]] == [layer.features.ids[i] for i in chosen]


# -- tables of Feature objects ---------------------------------------------------------------

def _random_features(rng: random.Random, count: int, layer_id: str) -> list[Feature]:
    texts = ["", "plain", "ü%s", 'q"b\\', "line\nbreak\ttab", "🚄 العربية", "%(x)s %%", "\u2028\x7f"]
    shapes = [
        Point(1.5, -2.25), Point(0.1, 0.2, 3.0), Point(), MultiPoint([(1, 2), (3, 4)]),
        LineString([(0, 0), (1, 1), (2, 0.5)]), Polygon([(0, 0), (1, 0), (1, 1)]),
        Polygon([(0, 0), (4, 0), (4, 4), (0, 4)], [[(1, 1), (2, 1), (2, 2)]]),
        MultiPolygon([Polygon([(0, 0), (1, 0), (1, 1)]), Polygon([(5, 5), (6, 5), (6, 6)])]),
    ]
    numbers = [0, -0.0, 0.0, 1, 1.0, -3, 2.5e-9, 1e22, 12345678901234567890, math.nan, math.inf]
    features = []
    for i in range(count):
        shape = rng.choice(shapes) if rng.random() < 0.5 else Point(rng.uniform(-180, 180), rng.uniform(-90, 90))
        kind = GeometryKind.LINE if "Line" in shape.geom_type else GeometryKind.POLYGON if "Polygon" in shape.geom_type else GeometryKind.POINT
        start = rng.choice([None, "2001", "2001-02", "2001-02-03"])
        features.append(Feature(
            id=f"f{i}", name=rng.choice(texts) or "n", layer_id=layer_id, geometry=shape, kind=kind,
            citations=tuple(Citation(rng.choice(["doc-a", "doc-b", "nowhere"]), rng.choice([None, *texts]),
                                     rng.choice([None, *texts])) for _ in range(rng.randint(0, 3))),
            start=start, end=rng.choice([None, start]) if start else None, instant=rng.random() < 0.3,
            countries=tuple(rng.sample(["BY", "CN", "KZ"], rng.randint(0, 2))),
            actors=tuple(rng.sample(texts, rng.randint(0, 2))), tags=tuple(rng.sample(["a", "b%", "ü"], rng.randint(0, 3))),
            figures=tuple(Figure(rng.choice(texts), rng.choice(numbers), rng.choice([None, "USD", "%"]))
                          for _ in range(rng.randint(0, 2))),
            precision=rng.choice([None, *Precision]), description=rng.choice([None, *texts]),
            dating=rng.choice(["stated", "inferred", "approximate"]),
            extra=rng.choice([{}, {"x-a": rng.choice(numbers)}, {"x-b": [1, "ü", None, {"k": -0.0}], "x-c": True}]),
        ))
    return features


def test_tables_of_feature_objects_export_the_same_data(tmp_path, chunk_rows):
    """Tables made of Feature objects (an edit, a test): their own shapes (a point's third
    coordinate, an empty point), numbers of every type, citations of undefined sources left out,
    rows of another layer's id."""
    rng = random.Random(14)
    first = _random_features(rng, 120, "first")
    mixed = _random_features(rng, 40, "second") + _random_features(rng, 5, "third")
    sources = {"doc-a": Source("doc-a", "A %s", url="https://a"), "doc-b": Source("doc-b", "B", author="ü")}
    catalog = Catalog(layers=(Layer("first", "First", first), Layer("second", "Second", mixed)), sources=sources)
    assert catalog.layer("first").features.built
    written = _assert_same_export(catalog, tmp_path)
    coordinates = {f["id"]: f["geometry"]["coordinates"] for f in written["features"] if f["geometry"]["type"] == "Point"}
    assert [0.1, 0.2, 3.0] in coordinates.values() and [] in coordinates.values()


def test_a_table_built_from_columns_and_then_as_objects_exports_the_same_data(tmp_path):
    folder = _write_layers(tmp_path / "layers", every=EVERY_KIND)
    catalog = load_catalog([folder], include_bundled_sources=False, use_cache=False)
    assert not catalog.layer("every").features.built
    before = (tmp_path / "columns.geojson")
    write_geojson(catalog, before)
    list(catalog.layer("every").features)  # every Feature object built: the export reads their shapes
    assert catalog.layer("every").features.built
    _assert_same_export(catalog, tmp_path)
    assert (tmp_path / "out.geojson").read_bytes() == before.read_bytes()


# -- the file ------------------------------------------------------------------------------

def test_each_feature_is_one_line_and_gdal_reads_the_file(tmp_path):
    import pyogrio

    folder = _write_layers(tmp_path / "layers", every=EVERY_KIND)
    catalog = load_catalog([folder], include_bundled_sources=False, use_cache=False)
    out = tmp_path / "out.geojson"
    write_geojson(catalog, out)
    lines = out.read_text(encoding="utf-8").split("\n")  # not splitlines: U+2028 in a text is no line break
    assert lines.pop() == ""
    assert lines[0] == '{"type":"FeatureCollection","features":[' and lines[-1] == "]}"
    assert [json.loads(line.rstrip(","))["id"] for line in lines[1:-1]] == catalog.layer("every").features.ids
    info = pyogrio.read_info(out)
    assert info["features"] == catalog.feature_count
    frame = pyogrio.read_dataframe(out)
    assert list(frame["id"]) == catalog.layer("every").features.ids
    assert shapely.equals(frame.geometry.values[0], catalog.layer("every").features.shapes()[0])


def test_an_empty_catalog_is_an_empty_collection(tmp_path):
    out = tmp_path / "out.geojson"
    write_geojson(Catalog(), out)
    assert json.loads(out.read_text(encoding="utf-8")) == {"type": "FeatureCollection", "features": []}


def test_a_failure_while_writing_leaves_the_old_file_whole(tmp_path, monkeypatch):
    """The text is made chunk by chunk while the file is written: a failure half way (here in the
    second chunk) leaves the file as it was and no temporary file behind."""
    folder = _write_layers(tmp_path / "layers", every=EVERY_KIND)
    catalog = load_catalog([folder], include_bundled_sources=False, use_cache=False)
    out = tmp_path / "out.geojson"
    out.write_text("the old export\n", encoding="utf-8")
    monkeypatch.setattr(geojson_text, "CHUNK_ROWS", 2)
    made = []
    real = geojson_text._Line.lines

    def failing(self, start, stop):
        if made:
            raise OSError("disk full")
        made.append(start)
        return real(self, start, stop)

    monkeypatch.setattr(geojson_text._Line, "lines", failing)
    with pytest.raises(OSError, match="disk full"):
        write_geojson(catalog, out)
    assert made == [0]  # the first chunk was written to the temporary file
    assert out.read_text(encoding="utf-8") == "the old export\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


@pytest.mark.parametrize("values", [(0.0, -0.0), (-0.0, 0.0), (1, 1.0), (1.0, True), (2, 2)])
def test_equal_values_written_differently_are_not_taken_for_one(tmp_path, values):
    """A column whose values are all equal is written once, but 1, 1.0 and True, or 0.0 and
    -0.0, are equal and written differently: each row keeps its own."""
    features = [
        Feature(id=f"f{i}", name="n", layer_id="l", geometry=Point(i, i), kind=GeometryKind.POINT,
                citations=(Citation("doc"),), figures=(Figure("Loan", value, "USD"),), extra={"x-v": value})
        for i, value in enumerate(values)
    ]
    catalog = Catalog(layers=(Layer("l", "L", features),), sources={"doc": Source("doc", "Doc")})
    written = _assert_same_export(catalog, tmp_path)
    assert [repr(f["properties"]["figures"][0]["value"]) for f in written["features"]] == [repr(v) for v in values]


def test_a_failure_while_writing_a_hard_linked_export_leaves_both_names_whole(tmp_path, monkeypatch):
    """A hard-linked file is written in place (both names see the new bytes); the chunks are
    all made before the first byte is written, so a failure leaves it as it was."""
    import os

    folder = _write_layers(tmp_path / "layers", every=EVERY_KIND)
    catalog = load_catalog([folder], include_bundled_sources=False, use_cache=False)
    out, other = tmp_path / "out.geojson", tmp_path / "other-name.geojson"
    out.write_text("the old export\n", encoding="utf-8")
    os.link(out, other)
    monkeypatch.setattr(geojson_text, "CHUNK_ROWS", 2)
    real = geojson_text._Line.lines

    def failing(self, start, stop):
        if start:
            raise OSError("disk full")
        return real(self, start, stop)

    monkeypatch.setattr(geojson_text._Line, "lines", failing)
    with pytest.raises(OSError, match="disk full"):
        write_geojson(catalog, out)
    assert out.read_text(encoding="utf-8") == other.read_text(encoding="utf-8") == "the old export\n"
    monkeypatch.setattr(geojson_text._Line, "lines", real)
    write_geojson(catalog, out)  # and a write that succeeds reaches both names
    assert json.loads(other.read_text(encoding="utf-8"))["features"][0]["id"] == "plain-point"


@pytest.mark.parametrize("odd", ['"', "\\", "\x01", "\t", "\x1f", "é\\", "\u2028", "\x7f", "%s", "%"])
def test_one_text_needing_an_escape_among_many_plain_ones(tmp_path, odd):
    """Texts that need no escape are written between quotes as they are; one that does (ASCII
    or not) sends the column through the encoder."""
    features = [
        Feature(id=f"f{i}", name=f"name {i}" if i != 150 else f"name {odd} {i}", layer_id="l", geometry=Point(i, 0),
                kind=GeometryKind.POINT, citations=(Citation("doc"),), description=None if i % 2 else f"d{odd}")
        for i in range(300)
    ]
    catalog = Catalog(layers=(Layer("l", "L", features),), sources={"doc": Source("doc", "Doc")})
    written = _assert_same_export(catalog, tmp_path)
    assert written["features"][150]["properties"]["name"] == f"name {odd} 150"
