"""The GeoJSON point reader without GDAL (``model/geojson_points.py``) gives what GDAL's path
gives, or declines: generated files and nasty ones read both ways, table by table and layer
by layer (problems and features)."""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

import pytest

from influencemap.model import data_access, data_tables, geojson_points
from tests.model.conftest import cached_layers_folder, load_flushed

ROOT = Path(__file__).resolve().parents[2]


def _gdal(content: bytes):
    """GDAL's path, as before the fast reader (None when GDAL cannot read the bytes)."""
    try:
        return data_tables._geo_table(data_access.read_with_gdal("GeoJSON", content, "t.geojson"))
    except data_access.DataAccessError:
        return None


def _cells(values: list) -> list:
    return [("NaN",) if isinstance(v, float) and math.isnan(v) else (type(v).__name__, v) for v in values]


def _same(fast, slow) -> None:
    assert slow is not None, "the fast reader read a file GDAL refuses"
    assert fast.rows == slow.rows and list(fast.columns) == list(slow.columns)
    for name in fast.columns:
        assert _cells(fast.columns[name]) == _cells(slow.columns[name]), name
    assert slow.points is not None
    for a, b in zip(fast.points, slow.points):
        assert a.dtype == b.dtype and a.tobytes() == b.tobytes()  # the same doubles, sign of zero and all


def _both(content: bytes):
    """The fast reader's table (or None when it declines) and GDAL's, of content that passes
    the signature check (what the loader checks before reading); (None, None) when refused there."""
    try:
        data_access.check_signature("GeoJSON", content, "t.geojson")
    except data_access.DataAccessError:
        return None, None
    return data_tables._plain_geojson(content, "t.geojson"), _gdal(content)


def _document(features: list, **members) -> dict:
    return {"type": "FeatureCollection", **members, "features": features}


def _point(properties, x=27.5, y=53.9) -> dict:
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [x, y]}, "properties": properties}


# -- generated files ---------------------------------------------------------------------------

TEXTS = ["Minsk", "", " padded ", "ünïcødé 北京", "emoji 🚀", 'a "quote"', "back\\slash", "new\nline", "tab\t",
         "}, {", "},\n{", "Ärger", "ǅ title"]
TEMPORAL = ["2023-01-05", "2023-01", "2023", "10:00:00", "10:00", "2023-01-05T10:00:00Z", "2023-01-05 10:00:00",
            "2023/01/05", "2023-01-05T10:00:00+02:00", "2023-01-05T10:00:00.123Z", "1.5", "12", "-3", "1e5",
            "2023-13-45", "24:61:00", " 2023-01-05", "T", "Z", "+", "05.01.2023", "2023-01-05T10"]
NUMBERS = [0, 1, -1, 2**31, 2**40, 2**62, -(2**63) + 1, 1.5, -0.0, 1e-300, 3.0, 2.5e10, 0.1]
OTHER = [True, False, [1, 2], ["a", "b"], [], {"k": "v"}, {}, [1.5, "x"]]
KINDS = ("texts", "temporal", "temporal and texts", "ints", "floats", "numbers", "bools", "mixed", "lists",
         "sparse", "nulls", "distinct texts", "distinct ints")


def _value(kind: str, rng: random.Random, row: int):
    if rng.random() < 0.08:
        return None
    if kind == "texts":
        return rng.choice(TEXTS)
    if kind == "temporal":
        return rng.choice(TEMPORAL[:4]) if rng.random() < 0.8 else rng.choice(TEMPORAL)
    if kind == "temporal and texts":
        return rng.choice(TEMPORAL + TEXTS[:2])
    if kind == "ints":
        return rng.choice(NUMBERS[:7])
    if kind == "floats":
        return rng.choice(NUMBERS[7:])
    if kind == "numbers":
        return rng.choice(NUMBERS)
    if kind == "bools":
        return rng.choice([True, False])
    if kind == "mixed":
        return rng.choice(TEXTS + NUMBERS + OTHER[:2])
    if kind == "lists":
        return rng.choice(OTHER[2:])
    if kind == "sparse":
        return "only here" if rng.random() < 0.1 else None
    if kind == "nulls":
        return None
    if kind == "distinct texts":
        return f"row {row} {rng.random()}"
    return row * 7 - 3


def _generated(seed: int) -> bytes:
    rng = random.Random(seed)
    names = rng.sample(["id", "name", "date", "countries", "amount", "Name", "x", "sector", "ünï", "year", "tags"], rng.randint(1, 6))
    kinds = {name: rng.choice(KINDS) for name in names}
    features = []
    for row in range(rng.randint(1, 40)):
        present = [n for n in names if rng.random() < 0.9] if rng.random() < 0.4 else names
        if rng.random() < 0.1:
            present = rng.sample(present, len(present))  # another order
        properties = {n: _value(kinds[n], rng, row) for n in present}
        x = round(rng.uniform(-180, 180), rng.randint(0, 7))
        y = rng.choice([round(rng.uniform(-90, 90), 5), 0, -0.0, 45])
        features.append(_point(properties, x, y))
    text = json.dumps(_document(features), ensure_ascii=rng.random() < 0.5)
    if rng.random() < 0.3:
        text = text.replace("}, {", "},\n{")
    return text.encode()


@pytest.mark.filterwarnings("ignore:Several features with id:RuntimeWarning")  # GDAL, on integer ids
@pytest.mark.parametrize("slice_bytes", [geojson_points.SLICE_BYTES, 300])
def test_generated_files_are_read_as_gdal_reads_them_or_left_to_gdal(monkeypatch, slice_bytes):
    monkeypatch.setattr(geojson_points, "SLICE_BYTES", slice_bytes)
    read = 0
    for seed in range(250):
        content = _generated(seed)
        fast, slow = _both(content)
        if fast is not None:
            _same(fast, slow)
            read += 1
    assert read > 100  # most take the fast path (the others: lists, mixed texts and numbers, names that
    # differ in case, an order GDAL changes, a cut inside a text)


def test_a_big_file_of_many_slices_read_through_structs_is_the_gdal_reading(monkeypatch):
    monkeypatch.setattr(geojson_points, "SLICE_BYTES", 4000)
    rng = random.Random(7)
    features = []
    for row in range(3000):
        properties = {"id": f"p-{row}", "name": rng.choice(TEXTS[:9]), "date": rng.choice(TEMPORAL[:3]),
                      "amount": rng.choice([1, 2.5, None]), "flag": rng.choice([True, False])}
        if row % 50 == 7:
            del properties["name"]  # a subset of the names: still the struct path
        if row % 90 == 3:
            properties = dict(reversed(properties.items()))  # another order of the same names
        features.append(_point(properties, round(rng.uniform(20, 40), 5), round(rng.uniform(40, 60), 5)))
    calls = []
    original = geojson_points._struct_slice
    monkeypatch.setattr(geojson_points, "_struct_slice", lambda *a: calls.append(1) or original(*a))
    fast, slow = _both(json.dumps(_document(features)).replace("}}, {", "}},\n{").encode())
    assert fast is not None and len(calls) > 10
    _same(fast, slow)


def test_names_in_an_order_gdal_would_change_are_left_to_gdal():
    documents = [
        [_point({"a": "x", "c": "y"}), _point({"b": "y", "c": "x"})],  # GDAL: a, b, c
        [_point({"a": "x"}), _point({"b": "y"}), _point({"b": "y", "a": "z"})],  # GDAL: b, a
    ]
    for features in documents:
        content = json.dumps(_document(features)).encode()
        fast, slow = _both(content)
        assert fast is None and slow is not None


# -- nasty files -------------------------------------------------------------------------------

GOOD = json.dumps(_document([_point({"id": "p-1", "name": "Minsk"}), _point({"id": "p-2", "name": "Brest"}, 23.7, 52.1)]))

DECLINED = {
    "crs member": GOOD.replace('"features"', '"crs": {"type": "name", "properties": {"name": "EPSG:3857"}}, "features"'),
    "crs of another datum": GOOD.replace('"features"', '"crs": {"type": "name", "properties": {"name": "EPSG:4269"}}, "features"'),
    "crs84 that pyproj tells from EPSG:4326": GOOD.replace('"features"', '"crs": {"type": "name", "properties": {"name": "OGC:CRS84"}}, "features"'),
    "crs null": GOOD.replace('"features"', '"crs": null, "features"'),
    "crs with an escape": GOOD.replace('"features"', '"crs": {"type": "name", "properties": {"name": "EPSG:\\u0034326"}}, "features"'),
    "crs with a brace in a text": GOOD.replace('"features"', '"crs": {"type": "name", "properties": {"name": "EPSG:4326}"}}, "features"'),
    "crs nested deeper": GOOD.replace('"features"', '"crs": {"type": "name", "properties": {"name": {"x": {}}}}, "features"'),
    "crs after features": GOOD[:-1] + ', "crs": {"type": "name", "properties": {"name": "EPSG:4326"}}}',
    "crs twice": GOOD.replace('"features"', '"crs": {"type": "name", "properties": {"name": "EPSG:4326"}}, '
                              '"crs": {"type": "name", "properties": {"name": "EPSG:3857"}}, "features"'),
    "tiny number property": GOOD.replace('"name": "Minsk"', '"name": 1e-400').replace('"name": "Brest"', '"name": 2.5'),
    "tiny number coordinate": GOOD.replace("[27.5, 53.9]", "[1e-400, 53.9]"),
    "tiny number without exponent": GOOD.replace("[27.5, 53.9]", "[0." + "0" * 400 + "1, 53.9]"),
    "huge integer property": GOOD.replace('"name": "Minsk"', '"name": 123456789012345678901234567890').replace('"name": "Brest"', '"name": 5'),
    "integer beyond int64": GOOD.replace('"name": "Minsk"', '"name": 9223372036854775808').replace('"name": "Brest"', '"name": 5'),
    "int64 maximum": GOOD.replace('"name": "Minsk"', '"name": 9223372036854775807').replace('"name": "Brest"', '"name": 5'),
    "int64 minimum": GOOD.replace('"name": "Minsk"', '"name": -9223372036854775808').replace('"name": "Brest"', '"name": 5'),
    "huge float property": GOOD.replace('"name": "Minsk"', '"name": 1e400').replace('"name": "Brest"', '"name": 5'),
    "other member": GOOD.replace('"features"', '"bbox": [0, 0, 1, 1], "features"'),
    "features first": json.dumps({"features": json.loads(GOOD)["features"], "type": "FeatureCollection"}),
    "member after features": GOOD[:-1] + ', "name": "x"}',
    "trailing garbage": GOOD + "garbage",
    "two objects": GOOD + GOOD,
    "feature id": GOOD.replace('{"type": "Feature", ', '{"type": "Feature", "id": 5, '),
    "feature bbox": GOOD.replace('"properties": {"id": "p-1"', '"bbox": [1, 2, 1, 2], "properties": {"id": "p-1"'),
    "polygon": GOOD.replace('"type": "Point", "coordinates": [27.5, 53.9]',
                            '"type": "Polygon", "coordinates": [[[27, 53], [28, 53], [28, 54], [27, 53]]]'),
    "multipoint": GOOD.replace('"type": "Point", "coordinates": [27.5, 53.9]', '"type": "MultiPoint", "coordinates": [[27.5, 53.9]]'),
    "z point": GOOD.replace("[27.5, 53.9]", "[27.5, 53.9, 100]"),
    "text coordinate": GOOD.replace("[27.5, 53.9]", '["27.5", 53.9]'),
    "boolean coordinate": GOOD.replace("[27.5, 53.9]", "[true, 53.9]"),
    "null coordinate": GOOD.replace("[27.5, 53.9]", "[null, 53.9]"),
    "huge coordinate": GOOD.replace("[27.5, 53.9]", "[1e400, 53.9]"),
    "long integer coordinate": GOOD.replace("[27.5, 53.9]", "[123456789012345678901234567890, 53.9]"),
    "null geometry": GOOD.replace('{"type": "Point", "coordinates": [27.5, 53.9]}', "null"),
    "null properties": GOOD.replace('{"id": "p-1", "name": "Minsk"}', "null"),
    "nul character": GOOD.replace("Minsk", "Min\\u0000sk"),
    "lone surrogate": GOOD.replace("Minsk", "Min\\ud800sk"),
    "raw control character": GOOD.replace("Minsk", "Min\tsk"),
    "comment": GOOD.replace('"features":', '/* c */ "features":'),
    "nested object": GOOD.replace('"name": "Minsk"', '"name": {"en": "Minsk"}'),
    "list": GOOD.replace('"name": "Minsk"', '"name": ["Minsk"]'),
    "number among texts": GOOD.replace('"name": "Minsk"', '"name": 1.50'),
    "names differing in case": GOOD.replace('{"id": "p-2", "name"', '{"id": "p-2", "Name"'),
    "empty name": GOOD.replace('"name": "Minsk"', '"": "Minsk"'),
    "geometry name": GOOD.replace('"name": "Minsk"', '"geometry": "Minsk"'),
    "empty features": '{"type": "FeatureCollection", "features": []}',
    "a feature": json.dumps(_point({"id": "p-1"})),
    "nan literal": GOOD.replace("27.5", "NaN"),
    "trailing comma": GOOD.replace("]}", ",]}"),
    "invalid utf-8": GOOD.replace("Minsk", "Min\udcffsk"),
}


@pytest.mark.parametrize("case", sorted(DECLINED))
def test_files_the_reader_cannot_be_sure_of_are_left_to_gdal(case):
    content = DECLINED[case].encode("utf-8", errors="surrogateescape")
    try:
        data_access.check_signature("GeoJSON", content, "t.geojson")
    except data_access.DataAccessError:
        return  # refused before any reader
    assert geojson_points.read_points(content, lambda name, values: pytest.fail("asked")) is None
    assert data_tables._plain_geojson(content, "t.geojson") is None


READ = {
    "plain": GOOD,
    "byte order mark": "\ufeff" + GOOD,
    "layer name": GOOD.replace('"features"', '"name": "points", "features"'),
    "white space around": "\n  " + GOOD.replace(", ", " ,\n\t") + " \n\r\n",
    "duplicate key": GOOD.replace('"name": "Minsk"', '"name": "Pinsk", "name": "Minsk"'),
    "unicode": GOOD.replace("Minsk", "Мінск \\u00e9 🚀"),
    "escaped slash and quote": GOOD.replace("Minsk", 'Min\\/sk \\"q\\"'),
    "integer coordinates": GOOD.replace("[27.5, 53.9]", "[27, 54]"),
    "negative zero": GOOD.replace("[27.5, 53.9]", "[-0.0, -0]"),
    "exponent": GOOD.replace("[27.5, 53.9]", "[2.75e1, 5390E-2]"),
    "out of range": GOOD.replace("[27.5, 53.9]", "[200.5, -95]"),
    "missing key": GOOD.replace('"id": "p-2", ', ""),
    "null value": GOOD.replace('"Brest"', "null"),
    "iso dates": GOOD.replace('"name": "Minsk"', '"name": "2023-01-05"').replace('"name": "Brest"', '"name": "2024-02-29"'),
    "date and time": GOOD.replace('"name": "Minsk"', '"name": "2023-01-05T10:00:00Z"').replace('"name": "Brest"', '"name": "2023-01-05"'),
    "months": GOOD.replace('"name": "Minsk"', '"name": "2023-01"').replace('"name": "Brest"', '"name": "2023-02"'),
    "numbers": GOOD.replace('"name": "Minsk"', '"name": 1').replace('"name": "Brest"', '"name": 2.5'),
    "big integers": GOOD.replace('"name": "Minsk"', '"name": 9007199254740993').replace('"name": "Brest"', '"name": 5'),
    "booleans": GOOD.replace('"name": "Minsk"', '"name": true').replace('"name": "Brest"', '"name": false'),
    "one and true": GOOD.replace('"name": "Minsk"', '"name": 1').replace('"name": "Brest"', '"name": true'),
    "keys in another order": GOOD.replace('"id": "p-2", "name": "Brest"', '"name": "Brest", "id": "p-2"'),
    "geometry first": GOOD.replace('"type": "Feature", "geometry": {"type": "Point", "coordinates": [27.5, 53.9]}',
                                   '"geometry": {"coordinates": [27.5, 53.9], "type": "Point"}, "type": "Feature"'),
    "cut-like text": GOOD.replace("Minsk", "a},\\n{b}, {"),
    "crs84 member": GOOD.replace('"features"', '"crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}}, "features"'),
    "crs84 after a name, as GDAL and QGIS write it": GOOD.replace('"features"', '"name": "points",\n"crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}},\n"features"'),
    "crs84 before a name": GOOD.replace('"features"', '"crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}}, "name": "points", "features"'),
    "crs EPSG:4326": GOOD.replace('"features"', '"crs": {"type": "name", "properties": {"name": "EPSG:4326"}}, "features"'),
    "crs EPSG urn": GOOD.replace('"features"', '"crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4326"}}, "features"'),
    "crs EPSG code": GOOD.replace('"features"', '"crs": {"type": "EPSG", "properties": {"code": 4326}}, "features"'),
    "small but not too small number": GOOD.replace('"name": "Minsk"', '"name": 1e-320').replace('"name": "Brest"', '"name": 0.0'),
    "zeros of both signs and exponents": GOOD.replace('"name": "Minsk"', '"name": -0.0').replace('"name": "Brest"', '"name": 0e-400')
                                        .replace("[27.5, 53.9]", "[0.0, -0.0e-5]"),
    "negative zero integer": GOOD.replace('"name": "Minsk"', '"name": -0').replace('"name": "Brest"', '"name": 1.5'),
    "int64 but one from the ends": GOOD.replace('"name": "Minsk"', '"name": 9223372036854775806').replace('"name": "Brest"', '"name": -9223372036854775807'),
    "integers beyond doubles among nulls": GOOD.replace('"name": "Minsk"', '"name": 9007199254740993').replace('"name": "Brest"', '"name": null'),
    "integers beyond doubles among floats": GOOD.replace('"name": "Minsk"', '"name": 9007199254740995').replace('"name": "Brest"', '"name": 0.5'),
    "exponent forms": GOOD.replace('"name": "Minsk"', '"name": 1E+2').replace('"name": "Brest"', '"name": 7'),
    "one point zero": GOOD.replace('"name": "Minsk"', '"name": 1.0').replace('"name": "Brest"', '"name": 7'),
    "true and a wide integer": GOOD.replace('"name": "Minsk"', '"name": true').replace('"name": "Brest"', '"name": 4294967296'),
}


WHOLE = geojson_points.SLICE_BYTES


@pytest.mark.parametrize("slice_bytes", [WHOLE, 40])
@pytest.mark.parametrize("case", sorted(READ))
def test_nasty_but_plain_files_are_read_as_gdal_reads_them(monkeypatch, case, slice_bytes):
    monkeypatch.setattr(geojson_points, "SLICE_BYTES", slice_bytes)
    fast, slow = _both(READ[case].encode())
    if slice_bytes == WHOLE or case != "cut-like text":
        assert fast is not None, "declined"
    if fast is not None:
        _same(fast, slow)


def test_a_date_column_takes_gdal_cells_and_is_read_as_gdal_reads_it():
    fast, slow = _both(READ["iso dates"].encode())
    import datetime

    assert fast.columns["name"] == [datetime.date(2023, 1, 5), datetime.date(2024, 2, 29)]
    _same(fast, slow)


# -- whole layers --------------------------------------------------------------------------------

SOURCES = "sources:\n  - {id: doc-a, title: A report}\n"


@pytest.fixture
def folder(tmp_path, monkeypatch) -> Path:
    yield from cached_layers_folder(tmp_path, monkeypatch, SOURCES)


def _features(catalog) -> list[tuple]:
    return [
        (f.id, f.name, f.geometry.wkt, f.kind, f.start, f.end, f.instant, f.countries, f.actors, f.tags,
         tuple((c.ref, c.locator, c.quote) for c in f.citations), f.figures, f.precision, f.dating, f.description, f.extra)
        for layer in catalog.layers for f in layer.features
    ]


def _loaded_both_ways(folder: Path, monkeypatch) -> tuple:
    from influencemap.model import load_cache

    readings = []
    calls = []
    real = geojson_points.read_points
    for fast in (True, False):
        load_cache.clear_memory()
        for entry in (folder.parent / "cache").glob("**/*"):
            if entry.is_file():
                entry.unlink()
        monkeypatch.setattr(geojson_points, "read_points",
                            (lambda c, a: calls.append(1) or real(c, a)) if fast else (lambda c, a: None))
        catalog = load_flushed(folder)
        prefix = str(folder) + "/"
        readings.append(([p.format().removeprefix(prefix) for p in catalog.problems], _features(catalog)))
    return readings[0], readings[1], calls


LAYER = """\
id: l
name: L
data: {data}
fields: {{id: {id}, name: {name}, date: {date}, countries: {countries}}}
defaults: {{sources: [doc-a], precision: city}}
"""


def test_layers_of_generated_rows_load_alike_both_ways_problems_and_all(folder, monkeypatch):
    rng = random.Random(3)
    features = []
    for row in range(400):
        properties = {"pid": rng.choice([f"p-{row}", f"p-{row}", "Bad Id", f"p-{row // 2}", "", None]),
                      "title": rng.choice(["Great Stone", "", "  Spaced  ", None, "Мінск"]),
                      "when": rng.choice(["2012", "2019-06", "2021-03-04", "2019-13", "", None, "2023-01-05T10:00:00Z"]),
                      "iso": rng.choice(["BY", "UA", "XX", "by", None])}
        if row % 37 == 5:
            del properties["title"]
        features.append(_point(properties, rng.choice([27.5, 30.52, 200.0, -0.0]), rng.choice([53.9, 50.45, 95.0])))
    (folder / "r.geojson").write_text(json.dumps(_document(features)), encoding="utf-8")
    (folder / "l.yaml").write_text(LAYER.format(data="r.geojson", id="pid", name="title", date="when", countries="iso"), encoding="utf-8")
    fast, slow, calls = _loaded_both_ways(folder, monkeypatch)
    assert calls and fast == slow
    assert fast[0] and fast[1]  # problems and features both


@pytest.mark.parametrize("path", ["tests/data/aiddata/54004.geojson", "tests/data/aiddata/39661.geojson",
                                  "tests/data/aiddata/military/38001.geojson", "tests/data/aiddata/67711.geojson",
                                  "layers/aiddata-gcdf.geojson", "layers/aiddata-military.geojson"])
def test_the_projects_geojson_files_read_alike_both_ways(path):
    content = (ROOT / path).read_bytes()
    fast, slow = _both(content)
    if fast is not None:
        _same(fast, slow)
    else:
        assert slow is not None


def test_the_bundled_aiddata_layers_load_alike_both_ways(folder, monkeypatch):
    import shutil

    for name in ("aiddata-gcdf", "aiddata-military"):
        shutil.copy(ROOT / "layers" / f"{name}.geojson", folder)
        shutil.copy(ROOT / "layers" / f"{name}.yaml", folder)
    fast, slow, calls = _loaded_both_ways(folder, monkeypatch)
    assert calls and fast == slow and fast[1]


def test_a_column_of_repeated_texts_shares_one_text_per_value_and_numbers_stay_apart(monkeypatch):
    monkeypatch.setattr(geojson_points, "SLICE_BYTES", 2000)
    features = [_point({"id": f"p-{row}", "date": ["2012", "2019-06"][row % 2], "code": ["BY", "UA", None][row % 3],
                        "flag": [1, True, 1.0, None][row % 4]})
                for row in range(6000)]
    fast, slow = _both(json.dumps(_document(features)).replace("}}, {", "}},\n{").encode())
    _same(fast, slow)
    codes, ids = fast.columns["code"], fast.columns["id"]
    assert codes[0] == codes[3] == codes[5997] == "BY" and codes[0] is codes[3] is codes[5997]
    assert ids[0] == "p-0" and len({id(v) for v in ids}) == 6000
    assert [type(v) for v in fast.columns["flag"][:4]] == [type(v) for v in slow.columns["flag"][:4]]


def test_a_date_column_that_starts_with_a_slice_keeps_the_nulls_of_the_rows_before(monkeypatch):
    dates = ["2023-01-05", "2023-02-06"]
    features = [_point({"id": f"p-{row}"}) for row in range(20)]
    features += [_point({"id": f"p-{row}", "date": dates[row % 2]}) for row in range(20, 2000)]
    content = json.dumps(_document(features)).replace("}}, {", "}},\n{").encode()
    start = geojson_points._HEAD.match(content).end()
    first_dated = content.index(b'"date"')
    cut = content.rindex(b"},\n{", 0, first_dated)  # the first slice ends where the dated rows begin
    monkeypatch.setattr(geojson_points, "SLICE_BYTES", cut - start)
    fast, slow = _both(content)
    _same(fast, slow)
    assert fast.columns["date"][20].year == 2023 and fast.columns["date"][0] is None
