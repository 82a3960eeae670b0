"""Columns of JSON numbers in the GeoJSON point reader without GDAL (``model/geojson_numbers.py``):
generated files whose properties are numbers written every way JSON allows (integers of every
width, floats in every form, -0, 1.0, exponents, long mantissas, numbers beyond int64 or beyond
a double) mixed with booleans, nulls and texts, read both ways — each file is read as GDAL's path
reads it, cell for cell, or left to GDAL; and what GDAL does with such numbers, measured."""

from __future__ import annotations

import random

import pytest

from influencemap.model import data_access, data_tables, geojson_numbers, geojson_points
from tests.model.test_geojson_points import ROOT, _both, _gdal, _same

INT32_EDGES = ["0", "-0", "1", "-1", "2147483647", "-2147483648", "7", "-65536"]
INT64_EDGES = ["2147483648", "-2147483649", "4294967296", "9007199254740992", "9007199254740993",
               "-9007199254740995", "9223372036854775806", "-9223372036854775807", "1152921504606846977"]
FLOAT_FORMS = ["1.0", "-0.0", "0.0", "0.1", "1E+2", "1e5", "2.5e10", "-3.75E-3", "0.10000000000000001",
               "5e-324", "3e-324", "1e-320", "2.2250738585072011e-308", "1.7976931348623157e308", "123456789012345678.0",
               "9007199254740993.0", "4.35", "0e-400", "0.0e-999", "-1.5e+00005", "1e-300"]
BEYOND = ["9223372036854775807", "-9223372036854775808", "9223372036854775808", "-9223372036854775809",
          "123456789012345678901234567890", "1e400", "-1e400", "1e-400", "2e-324", "-2.4e-324",
          "0." + "0" * 330 + "1", "1" + "0" * 330 + ".0"]
KINDS = ("int32", "int64", "floats", "ints and floats", "ints and bools", "floats and bools", "bools", "all numbers",
         "numbers and texts", "numbers beyond", "nulls and numbers")


def _random_float(rng: random.Random) -> str:
    form = rng.randrange(6)
    if form == 0:
        return repr(rng.uniform(-1e6, 1e6))
    if form == 1:
        return f"{rng.uniform(-1, 1) * 10 ** rng.randint(-300, 300):.{rng.randint(0, 20)}e}"
    if form == 2:  # more digits than a double holds, ties and all
        return f"{rng.randint(0, 9)}.{''.join(rng.choice('0123456789') for _ in range(rng.randint(15, 30)))}"
    if form == 3:
        return f"{rng.randint(-10**6, 10**6)}.{rng.choice(['0', '5', '25', '125'])}"
    if form == 4:
        return f"{rng.choice(['', '-'])}{rng.randint(1, 9)}{rng.choice(['e', 'E'])}{rng.choice(['', '+', '-'])}{rng.randint(0, 20)}"
    return rng.choice(FLOAT_FORMS)


def _random_int(rng: random.Random, wide: bool) -> str:
    if rng.random() < 0.2:
        return rng.choice(INT64_EDGES if wide else INT32_EDGES)
    if wide:
        return str(rng.choice([-1, 1]) * rng.randint(2**31, 2**63 - 2))
    return str(rng.randint(-(2**31), 2**31 - 1))


def _literal(kind: str, rng: random.Random) -> str:
    if rng.random() < 0.1 and kind != "nulls and numbers":
        return "null"
    if kind == "int32":
        return _random_int(rng, False)
    if kind == "int64":
        return _random_int(rng, rng.random() < 0.5)
    if kind == "floats":
        return _random_float(rng)
    if kind == "ints and floats":
        return _random_int(rng, rng.random() < 0.3) if rng.random() < 0.5 else _random_float(rng)
    if kind == "ints and bools":
        return rng.choice(["true", "false"]) if rng.random() < 0.3 else _random_int(rng, rng.random() < 0.3)
    if kind == "floats and bools":
        return rng.choice(["true", "false"]) if rng.random() < 0.3 else _random_float(rng)
    if kind == "bools":
        return rng.choice(["true", "false"])
    if kind == "all numbers":
        return _literal(rng.choice(["int64", "floats", "bools"]), rng)
    if kind == "numbers and texts":
        return rng.choice(['"12"', '"1.5"', '"x"']) if rng.random() < 0.2 else _literal("ints and floats", rng)
    if kind == "numbers beyond":
        return rng.choice(BEYOND) if rng.random() < 0.05 else _literal("ints and floats", rng)
    return "null" if rng.random() < 0.7 else _literal("ints and floats", rng)


def _numbers_file(seed: int) -> bytes:
    rng = random.Random(seed)
    names = rng.sample(["amount", "id", "year", "share", "count", "usd2017"], rng.randint(1, 4))
    kinds = {name: rng.choice(KINDS) for name in names}
    rows = rng.choice([1, 2, 5, 30, 80]) if rng.random() < 0.9 else rng.randint(2100, 2600)  # more values than asked
    coordinate = rng.choice(["27.5", "0", "-0.0", "0.0", "1e-5", "30.123456789012345678"])
    features = []
    for row in range(rows):
        properties = ", ".join(f'"{name}": {_literal(kinds[name], rng)}' for name in names)
        features.append('{"type": "Feature", "geometry": {"type": "Point", "coordinates": [%s, %s]}, "properties": {%s}}'
                        % (coordinate if row % 3 == 0 else f"{rng.uniform(-180, 180):.5f}", f"{rng.uniform(-90, 90):.6f}", properties))
    text = '{"type": "FeatureCollection", "features": [%s]}' % ",\n".join(features)
    return text.encode()


@pytest.mark.filterwarnings("ignore:Several features with id:RuntimeWarning")  # GDAL, on integer ids
@pytest.mark.filterwarnings("ignore:Integer values probably ranging out of 64bit:RuntimeWarning")  # GDAL clamps
@pytest.mark.parametrize("slice_bytes", [geojson_points.SLICE_BYTES, 500])
def test_files_of_numbers_are_read_as_gdal_reads_them_or_left_to_gdal(monkeypatch, slice_bytes):
    monkeypatch.setattr(geojson_points, "SLICE_BYTES", slice_bytes)
    read = declined = 0
    many = 0
    for seed in range(200):
        content = _numbers_file(seed)
        fast, slow = _both(content)
        if fast is not None:
            _same(fast, slow)
            read += 1
            many += fast.rows > geojson_points.MAX_ASKED_VALUES
        else:
            declined += 1
    assert read > 120 and many >= 5  # most are read (declined: texts among numbers, numbers beyond, 1e-400)
    assert declined > 10


def _asking(asked: list):
    """``ask_gdal`` as data_tables builds it, recording how many values each question holds."""
    def ask(name, values):
        asked.append(len(values))
        frame = data_access.read_with_gdal("GeoJSON", geojson_points.ask_document(name, values), "t.geojson")
        return data_tables._geo_table(frame).columns[name]
    return ask


@pytest.mark.filterwarnings("ignore:Several features with id:RuntimeWarning")
def test_a_column_of_many_distinct_numbers_is_typed_from_a_few_asked_values():
    rng = random.Random(11)
    features = []
    for row in range(5000):
        amount = rng.choice([f"{rng.uniform(0, 1e9):.2f}", "null", str(rng.randint(0, 10**6))])
        features.append('{"type": "Feature", "geometry": {"type": "Point", "coordinates": [%.5f, %.5f]}, '
                        '"properties": {"id": %d, "big": %d, "amount": %s, "name": "p-%d"}}'
                        % (rng.uniform(20, 40), rng.uniform(40, 60), row, 2**40 + row * 977, amount, row))
    content = ('{"type": "FeatureCollection", "features": [%s]}' % ",\n".join(features)).encode()
    asked: list[int] = []
    found = geojson_points.read_points(content, _asking(asked))
    assert found is not None and asked and max(asked) <= 6
    columns, lons, lats = found
    slow = _gdal(content)
    assert [type(v) for v in columns["id"][:2]] == [int, int] and type(columns["amount"][1]) is float
    fast = data_tables.DataTable(columns, data_tables.PointGeometries(lons, lats), len(lons), (lons, lats))
    _same(fast, slow)


def test_gdal_types_numbers_by_the_widest_kind_present_as_the_rule_assumes():
    """What the rule stands on, measured: a field's type comes from the kinds of its values in any
    order, a boolean among integers becomes 1, an integer column with a null becomes floats."""
    def cells(*literals):
        features = ",".join('{"type": "Feature", "geometry": {"type": "Point", "coordinates": [0, 0]}, '
                            '"properties": {"v": %s}}' % literal for literal in literals)
        table = _gdal(('{"type": "FeatureCollection", "features": [%s]}' % features).encode())
        return [(type(v).__name__, v) for v in table.columns["v"]]

    assert cells("1", "2147483648") == [("int", 1), ("int", 2147483648)]
    assert cells("2147483648", "1") == [("int", 2147483648), ("int", 1)]
    assert cells("true", "2") == cells("true", "2")[::-1][::-1] == [("int", 1), ("int", 2)]
    assert cells("2", "true") == [("int", 2), ("int", 1)]
    assert cells("1.5", "true") == [("float", 1.5), ("float", 1.0)]
    assert cells("-0", "1") == [("int", 0), ("int", 1)]
    assert cells("1.0", "2") == [("float", 1.0), ("float", 2.0)]
    assert cells("9007199254740993", "0.5") == [("float", 9007199254740992.0), ("float", 0.5)]
    assert cells("-9223372036854775808", "1") == [("float", -9.223372036854776e18), ("float", 1.0)]  # INT64_MIN: a double
    assert _gdal(b'{"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": {"type": "Point", '
                 b'"coordinates": [0, 0]}, "properties": {"v": 1e-400}}]}') is None  # refused, though msgspec reads 0.0


@pytest.mark.parametrize("literal, underflows", [
    ("1e-400", True), ("-2E-324", True), ("0." + "0" * 400 + "1", True), ("0.0000001e-330", True),
    ("1e-320", False), ("0e-400", False), ("0.0", False), ("1e-300", False), ('"state-owned e-100"', False),
])
def test_numbers_that_a_double_cannot_hold_but_are_not_zero_are_found(literal, underflows):
    content = b'{"v": [1, ' + literal.encode() + b", 2]}"
    assert geojson_numbers.may_underflow(content) is underflows


def test_the_bundled_aiddata_points_take_the_fast_path_and_read_alike():
    """The military layer is points; the GCDF layer is MultiPolygons (shapes), which GDAL reads."""
    fast, slow = _both((ROOT / "layers/aiddata-military.geojson").read_bytes())
    assert fast is not None
    _same(fast, slow)
    assert type(fast.columns["Amount (Original Currency)"][0]) is float  # integers with nulls: floats, as GDAL's
    assert data_tables._plain_geojson((ROOT / "layers/aiddata-gcdf.geojson").read_bytes(), "g.geojson") is None


# -- whole layers --------------------------------------------------------------------------------

NUMBERS_LAYER = """\
id: l
name: L
data: r.geojson
fields:
  id: "p-{pid}"
  name: title
  start: year
  figures:
    - {label: Amount, value: amount, unit: USD}
    - {label: Share, value: share, unit: "%"}
defaults: {sources: [doc-a], precision: city}
"""


@pytest.fixture
def folder(tmp_path, monkeypatch):
    from tests.model.conftest import cached_layers_folder
    from tests.model.test_geojson_points import SOURCES

    yield from cached_layers_folder(tmp_path, monkeypatch, SOURCES)


def test_a_layer_of_numeric_columns_loads_alike_both_ways_problems_and_all(folder, monkeypatch):
    import json

    from tests.model.test_geojson_points import _document, _loaded_both_ways, _point

    rng = random.Random(5)
    features = []
    for row in range(3000):  # more distinct values than the old limit of GDAL's answers
        properties = {"pid": rng.choice([row, row, 2**40 + row, row // 2]), "title": f"Project {row}",
                      "year": rng.choice([2012, 2019, 1800, None, 2021.0]),
                      "amount": rng.choice([rng.uniform(0, 1e9), rng.randint(0, 10**7), None, -5, 0.0]),
                      "share": rng.choice([0.5, 1, True, None, 1e-320])}
        features.append(_point(properties, rng.choice([27.5, 30.52, 200.0]), rng.choice([53.9, 50.45])))
    (folder / "r.geojson").write_text(json.dumps(_document(features)), encoding="utf-8")
    (folder / "l.yaml").write_text(NUMBERS_LAYER, encoding="utf-8")
    assert data_tables._plain_geojson((folder / "r.geojson").read_bytes(), "r.geojson") is not None  # the fast path
    fast, slow, calls = _loaded_both_ways(folder, monkeypatch)
    assert calls and fast == slow
    assert fast[0] and fast[1]  # problems and features both
