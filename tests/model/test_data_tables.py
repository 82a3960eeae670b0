"""A data file read into columns (model/data_tables.py, issue 14): pyarrow reads CSV exactly as
the pandas reader it replaces (and hands pandas what it could read differently), point files
give their coordinates as arrays, GDAL opens a GeoJSON file once, and a big GeoJSON file's
signature is checked from its leading ``type`` member without parsing a million features."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from influencemap.model import data_access, data_tables
from influencemap.model.data_tables import DataTableError, read_csv, read_table
from tests.model.conftest import cached_layers_folder, load_flushed

pytest.importorskip("pyarrow")


def _pandas(content: bytes) -> dict[str, list]:
    frame = pd.read_csv(io.BytesIO(content), dtype=str, keep_default_na=False, na_filter=False, encoding="utf-8-sig")
    return {str(c): frame[c].tolist() for c in frame.columns}


CSV_CASES = {
    "plain": b"id,name,lon,lat\na,A,27.5,53.9\nb,B,30.5,50.4\n",
    "bom and crlf": b"\xef\xbb\xbfid,name,lon,lat\r\na,A,27.5,53.9\r\n",
    "quoted newline and comma": b'id,name,lon,lat\na,"Great\nStone, park",27.5,53.9\n',
    "empty cells and NA words": b"id,name,lon,lat,note\na,,27.5,53.9,NA\nb,null,1,2,\n",
    "leading zeros and spaces": b"id,name,code,lon,lat\na, A ,007,27.5,53.9\n",
    "blank lines": b"id,name,lon,lat\n\na,A,1,2\n\n",
    "header only": b"id,name,lon,lat\n",
    "repeated names": b"id,id,lon,lat\na,b,1,2\n",
    "short row": b"id,name,lon,lat\na,A,1\n",
    "non-ascii": "id,name,lon,lat\nа,Мінск,27.5,53.9\n".encode(),
}


@pytest.mark.parametrize("case", sorted(CSV_CASES))
def test_csv_columns_are_what_pandas_read(case):
    content = CSV_CASES[case]
    table = read_csv(content, "x.csv")
    assert table.columns == _pandas(content)
    assert table.rows == len(_pandas(content)["id"])
    assert table.geometries is None


def test_pyarrow_reads_the_plain_csv_and_leaves_repeated_names_to_pandas(monkeypatch):
    used = []
    real = data_tables._pandas_csv
    monkeypatch.setattr(data_tables, "_pandas_csv", lambda content, label: used.append(label) or real(content, label))
    read_csv(CSV_CASES["plain"], "plain.csv")
    read_csv(CSV_CASES["quoted newline and comma"], "quoted.csv")
    read_csv(CSV_CASES["repeated names"], "repeated.csv")
    assert used == ["repeated.csv"]


def test_a_csv_neither_reader_can_read_says_why():
    with pytest.raises(DataTableError, match=r"^cannot read data file 'x.csv' as CSV: "):
        read_csv(b"id,name\n\xff\xfe,x\n", "x.csv")


def _points_geojson(rows: int, first_key: str = "type") -> bytes:
    features = [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [20 + i / rows, 50 - i / rows]},
         "properties": {"id": f"p{i}", "name": f"P {i}"}}
        for i in range(rows)
    ]
    members = {"type": "FeatureCollection", "features": features}
    if first_key == "features":
        members = {"features": features, "type": "FeatureCollection"}
    return json.dumps(members).encode()


def test_a_point_file_gives_its_coordinates_as_arrays():
    table = read_table(_points_geojson(3), "GeoJSON", "p.geojson")
    assert table.rows == 3 and table.columns["id"] == ["p0", "p1", "p2"]
    lon, lat = table.points
    assert lon.tolist() == pytest.approx([20, 20 + 1 / 3, 20 + 2 / 3])
    assert lat.tolist() == pytest.approx([50, 50 - 1 / 3, 50 - 2 / 3])
    assert [g.x for g in table.geometries] == lon.tolist()


def test_a_file_with_other_shapes_gives_no_point_arrays():
    document = json.loads(_points_geojson(2))
    document["features"][1]["geometry"] = {"type": "LineString", "coordinates": [[20, 50], [21, 51]]}
    table = read_table(json.dumps(document).encode(), "GeoJSON", "p.geojson")
    assert table.points is None and table.rows == 2


def test_geojson_is_opened_by_gdal_once(monkeypatch):
    import pyogrio

    def no_info(*args, **kwargs):
        raise AssertionError("read_info parses the whole GeoJSON document a second time")

    monkeypatch.setattr(pyogrio, "read_info", no_info)
    assert read_table(_points_geojson(2), "GeoJSON", "p.geojson").rows == 2


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (_points_geojson(50), None),
        (_points_geojson(50).replace(b'"FeatureCollection"', b'"Topology"', 1),
         "its top level is not a GeoJSON FeatureCollection or Feature"),
        # 'features' first: the leading members do not tell, so the document is parsed whole
        (_points_geojson(50, "features"), None),
        (_points_geojson(50, "features")[:-30], "it is not valid JSON"),
        (b'{"crs": {"type": "name", "properties": {"name": "EPSG:4326"}}, "type": "Feature", "geometry": null}', None),
        (b'{"name": "x", "type": "Topology", "objects": {}}' + b" " * 5000,
         "its top level is not a GeoJSON FeatureCollection or Feature"),
    ],
)
def test_a_big_geojson_file_is_checked_by_its_leading_type_member(monkeypatch, content, problem):
    monkeypatch.setattr(data_access, "WHOLE_JSON_CHECK_BYTES", 10)
    monkeypatch.setattr(data_access.json, "loads", _refuse_whole_parse(content, allowed=problem is not None or b'{"features"' in content[:20]))
    found = data_access._signature_problem("GeoJSON", content)
    assert (found is None) if problem is None else found.startswith(problem)


def _refuse_whole_parse(content: bytes, allowed: bool):
    real = json.loads

    def loads(text, *args, **kwargs):
        if len(text) >= len(content) - 3 and not allowed:
            raise AssertionError("the whole document was parsed for its signature")
        return real(text, *args, **kwargs)

    return loads


@pytest.fixture
def folder(tmp_path, monkeypatch) -> Path:
    yield from cached_layers_folder(tmp_path, monkeypatch, "sources:\n  - {id: doc-a, title: A report}\n")


def test_a_big_geojson_layer_loads_with_the_quick_signature_check(folder, monkeypatch):
    monkeypatch.setattr(data_access, "WHOLE_JSON_CHECK_BYTES", 10)
    (folder / "p.geojson").write_bytes(_points_geojson(20))
    (folder / "p.yaml").write_text("id: p\nname: P\ndata: p.geojson\ndefaults: {sources: [doc-a]}\n", encoding="utf-8")
    catalog = load_flushed(folder)
    assert catalog.problems == ()
    assert [f.id for f in catalog.layer("p").features][:3] == ["p0", "p1", "p2"]
    assert np.isclose(catalog.layer("p").features[19].geometry.x, 20 + 19 / 20)


def test_broken_json_past_the_leading_members_is_reported_by_gdal(folder, monkeypatch):
    monkeypatch.setattr(data_access, "WHOLE_JSON_CHECK_BYTES", 10)
    (folder / "p.geojson").write_bytes(_points_geojson(20)[:-40])
    (folder / "p.yaml").write_text("id: p\nname: P\ndata: p.geojson\ndefaults: {sources: [doc-a]}\n", encoding="utf-8")
    found = [p.format().removeprefix(str(folder) + "/") for p in load_flushed(folder).problems]
    assert len(found) == 1 and found[0].startswith("p.yaml:3:7: error: cannot read data file 'p.geojson' as GeoJSON: ")
