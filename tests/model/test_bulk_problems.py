"""Each kind of problem of a bulk data row (issue 14 (b): one path from a column to its
problems, the rules' column forms answering RowProblem records that bulk data only words) gives
exactly the message it gave when bulk data checked cell by cell, and the same rows are kept.

The expected texts below were captured by running the previous code (main at 61d6e62, before
this change: `git archive main`, the same files loaded with its `src/` first on PYTHONPATH) and
pasted here; the new code gives them byte for byte. They are not derived from the new code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.model.conftest import cached_layers_folder, load_flushed

SOURCES = "sources:\n  - {id: doc-a, title: A report}\n  - {id: doc-b, title: B}\n"


@pytest.fixture
def folder(tmp_path, monkeypatch) -> Path:
    yield from cached_layers_folder(tmp_path, monkeypatch, SOURCES)


def load(folder: Path, data: str, text: str, layer: str) -> tuple[list[str], list[str]]:
    """(the problems as the user reads them, the ids of the kept rows)."""
    (folder / data).write_text(text, encoding="utf-8")
    (folder / "l.yaml").write_text(layer, encoding="utf-8")
    catalog = load_flushed(folder)
    prefix = str(folder) + "/"
    return [p.format().removeprefix(prefix) for p in catalog.problems], [f.id for f in catalog.layer("l").features]


EVERY_KIND_CSV = """\
id,name,date,start,end,countries,precision,dating,amount,sources,url,lon,lat
ok-1,Good,2012,,,BY,site,stated,"1,000",doc-a,https://example.org/a,27.5,53.9
Bad Id,Bad id,2012,,,BY,,,,,,27.5,53.9
,No id,2012,,,BY,,,,,,27.5,53.9
no-name,,2012,,,BY,,,,,,27.5,53.9
bad-date,Bad date,2019-13,,,BY,,,,,,27.5,53.9
early-end,End before start,,2015,2014-06,BY,,,,,,27.5,53.9
only-end,End only,,,2014,BY,,,,,,27.5,53.9
both,Both,2012,2010,,BY,,,,,,27.5,53.9
bad-country,Bad country,2012,,,BY;Atlantis,,,,,,27.5,53.9
bad-precision,Bad precision,2012,,,BY,street,,,,,27.5,53.9
bad-dating,Bad dating,2012,,,BY,,guess,,,,27.5,53.9
bad-amount,Bad amount,2012,,,BY,,,lots,,,27.5,53.9
inf-amount,Inf amount,2012,,,BY,,,inf,,,27.5,53.9
ok-1,Duplicate,2012,,,BY,,,,,,27.5,53.9
bad-source,Bad source,2012,,,BY,,,,Doc A,,27.5,53.9
bad-url,Bad url,2012,,,BY,,,,,ftp://example.org/x,27.5,53.9
bad-port,Bad port,2012,,,BY,,,,,http://example.org:99999/,27.5,53.9
far-east,Far east,2012,,,BY,,,,,,200,53.9
swapped,Swapped,2012,,,BY,,,,,,53.9,127.5
no-lon,No lon,2012,,,BY,,,,,,,53.9
text-lat,Text lat,2012,,,BY,,,,,,27.5,north
ok-2,Good two,2019-06,,,UA,city,inferred,7,doc-b,,30.5,50.4
"""
EVERY_KIND_LAYER = """\
id: l
name: L
data: r.csv
fields:
  figures: [{label: Amount, value: amount, unit: USD}]
  source_urls: url
defaults: {sources: [doc-a], precision: site}
"""
NO_SOURCES_CSV = "id,name,lon,lat,sources\na,A,27.5,53.9,\nb,B,27.5,53.9,doc-b\nc,C,27.5,53.9,\n"
NO_SOURCES_LAYER = "id: l\nname: L\ndata: r.csv\ndefaults: {precision: site}\n"


def geojson_rows() -> str:
    def feature(fid, name, geometry):
        return {"type": "Feature", "geometry": geometry, "properties": {"id": fid, "name": name, "date": "2012"}}
    point = lambda lon, lat: {"type": "Point", "coordinates": [lon, lat]}
    return json.dumps({"type": "FeatureCollection", "features": [
        feature("ok-1", "Good", point(27.5, 53.9)),
        feature("far-east", "Far east", point(200.0, 53.9)),
        feature("far-north", "Far north", point(27.5, 95.0)),
        feature("no-shape", "No shape", None),
        feature("line", "Line", {"type": "LineString", "coordinates": [[27.5, 53.9], [190.0, 54.0]]}),
        feature("ok-2", "Good two", point(30.5, 50.4)),
    ]})


GEOJSON_LAYER = "id: l\nname: L\ndata: r.geojson\ndefaults: {sources: [doc-a]}\n"


def many_rows(count: int = 1200) -> list[dict]:
    """Rows with every 97th id bad, every 89th date bad (dates repeat: read once per distinct
    cell), every 83rd country unknown, every 79th source id bad, every 71st point out of range."""
    rows = []
    for i in range(count):
        rows.append({
            "id": f"Row {i}" if i % 97 == 5 else f"r-{i}",
            "name": f"Row {i}",
            "date": f"2019-{13 + i % 3}" if i % 89 == 7 else ["2012", "2019-06", "2021-03-04"][i % 3],
            "countries": ["BY", "Atlantis"] if i % 83 == 11 else ["BY"],
            "sources": "doc a" if i % 79 == 3 else "doc-a",
            "lon": 181.5 if i % 71 == 2 else 27.5,
            "lat": 53.9,
        })
    return rows


def many_csv(rows) -> str:
    lines = ["id,name,date,countries,sources,lon,lat"]
    lines += [f"{r['id']},{r['name']},{r['date']},{';'.join(r['countries'])},{r['sources']},{r['lon']},{r['lat']}" for r in rows]
    return "\n".join(lines) + "\n"


def many_geojson(rows) -> str:
    return json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [r["lon"], r["lat"]]},
         "properties": {k: v for k, v in r.items() if k not in ("lon", "lat")}} for r in rows]})


MANY_LAYER = "id: l\nname: L\ndata: {name}\ndefaults: {{precision: site}}\n"


def test_every_kind_of_bad_csv_row_is_worded_as_before_and_left_out(folder):
    found, kept = load(folder, "r.csv", EVERY_KIND_CSV, EVERY_KIND_LAYER)
    assert found == [
        "l.yaml:3:7: error: data file 'r.csv': invalid id in 'id' in 1 row: row 2 ('Bad Id': use lowercase letters, digits and hyphens)",
        "l.yaml:3:7: error: data file 'r.csv': empty 'id' (id) in 1 row: row 3 (empty)",
        "l.yaml:3:7: error: data file 'r.csv': empty 'name' (name) in 1 row: row 4 (empty)",
        "l.yaml:3:7: error: data file 'r.csv': longitude out of range (-180 to 180) in 'lon' in 1 row: row 18 (200)",
        "l.yaml:3:7: error: data file 'r.csv': latitude out of range (-90 to 90) in 'lat' in 1 row: row 19 (127.5; are longitude and latitude swapped?)",
        "l.yaml:3:7: error: data file 'r.csv': empty 'lon' (lon) in 1 row: row 20 (empty)",
        "l.yaml:3:7: error: data file 'r.csv': 'lat' (lat) must be a number in 1 row: row 21 ('north')",
        "l.yaml:3:7: error: data file 'r.csv': invalid date in 'date' in 1 row: row 5 (invalid date '2019-13': month 13 is not 1-12)",
        "l.yaml:3:7: error: data file 'r.csv': invalid countries in 'countries' in 1 row: row 9 (unknown country 'Atlantis': use an ISO 3166-1 code (BY, BLR) or an English name)",
        "l.yaml:3:7: error: data file 'r.csv': invalid precision in 'precision' in 1 row: row 10 ('street' is not one of exact, site, city, region, country)",
        "l.yaml:3:7: error: data file 'r.csv': invalid dating in 'dating' in 1 row: row 11 ('guess' is not one of stated, inferred, approximate)",
        "l.yaml:3:7: error: data file 'r.csv': invalid sources in 'sources' in 1 row: row 15 ('Doc A': use lowercase letters, digits and hyphens)",
        "l.yaml:3:7: error: data file 'r.csv': 'end' before 'start' in 1 row: row 6 (end 2014-06 is before start 2015)",
        "l.yaml:3:7: error: data file 'r.csv': 'end' without a 'start' in 1 row: row 7 (end 2014)",
        "l.yaml:3:7: error: data file 'r.csv': both 'date' and 'start'/'end' in 1 row: row 8 (use one)",
        "l.yaml:3:7: error: data file 'r.csv': duplicate feature id in 'id' in 1 row: row 14 ('ok-1' is also in row 1)",
        "l.yaml:5:12: error: data file 'r.csv': figure 'Amount': 'amount' must be a number in 1 row: row 12 ('lots')",
        "l.yaml:5:12: error: data file 'r.csv': figure 'Amount': 'amount' must be a finite number in 1 row: row 13 ('inf')",
        "l.yaml:6:16: error: data file 'r.csv': invalid source_urls in 'url' in 2 rows: row 16 ('ftp://example.org/x' is not an http:// or https:// address); row 17 ('http://example.org:99999/': Port out of range 0-65535)",
    ]
    assert kept == ["ok-1", "ok-2"]


def test_rows_without_sources_are_worded_as_before_and_left_out(folder):
    found, kept = load(folder, "r.csv", NO_SOURCES_CSV, NO_SOURCES_LAYER)
    assert found == [
        "l.yaml:3:7: error: data file 'r.csv': no sources in 2 rows: row 1 (add a 'sources' column or 'defaults: {sources: [...]}'); row 3 (add a 'sources' column or 'defaults: {sources: [...]}')",
    ]
    assert kept == ["b"]


def test_bad_geometries_are_worded_as_before_and_left_out(folder):
    found, kept = load(folder, "r.geojson", geojson_rows(), GEOJSON_LAYER)
    assert found == [
        "l.yaml:3:7: error: data file 'r.geojson': coordinates out of range (lon -180 to 180, lat -90 to 90) in points in 2 rows: row 2 ((200, 53.9)); row 3 ((27.5, 95); are longitude and latitude swapped?)",
        "l.yaml:3:7: error: data file 'r.geojson': row without a geometry in 1 row: row 4 (none)",
        "l.yaml:3:7: error: data file 'r.geojson': coordinates out of range (lon -180 to 180, lat -90 to 90) in lines in 1 row: row 5 ((190, 54))",
    ]
    assert kept == ["ok-1", "ok-2"]


MANY_CSV_PROBLEMS = [
    "l.yaml:3:7: error: data file 'r.csv': invalid id in 'id' in 13 rows: row 6 ('Row 5': use lowercase letters, digits and hyphens); row 103 ('Row 102': use lowercase letters, digits and hyphens); row 200 ('Row 199': use lowercase letters, digits and hyphens); row 297 ('Row 296': use lowercase letters, digits and hyphens); row 394 ('Row 393': use lowercase letters, digits and hyphens), and 8 more",
    "l.yaml:3:7: error: data file 'r.csv': longitude out of range (-180 to 180) in 'lon' in 17 rows: row 3 (181.5); row 74 (181.5); row 145 (181.5); row 216 (181.5); row 287 (181.5), and 12 more",
    "l.yaml:3:7: error: data file 'r.csv': invalid date in 'date' in 14 rows: row 8 (invalid date '2019-14': month 14 is not 1-12); row 97 (invalid date '2019-13': month 13 is not 1-12); row 186 (invalid date '2019-15': month 15 is not 1-12); row 275 (invalid date '2019-14': month 14 is not 1-12); row 364 (invalid date '2019-13': month 13 is not 1-12), and 9 more",
    "l.yaml:3:7: error: data file 'r.csv': invalid countries in 'countries' in 15 rows: row 12 (unknown country 'Atlantis': use an ISO 3166-1 code (BY, BLR) or an English name); row 95 (unknown country 'Atlantis': use an ISO 3166-1 code (BY, BLR) or an English name); row 178 (unknown country 'Atlantis': use an ISO 3166-1 code (BY, BLR) or an English name); row 261 (unknown country 'Atlantis': use an ISO 3166-1 code (BY, BLR) or an English name); row 344 (unknown country 'Atlantis': use an ISO 3166-1 code (BY, BLR) or an English name), and 10 more",
    "l.yaml:3:7: error: data file 'r.csv': invalid sources in 'sources' in 16 rows: row 4 ('doc a': use lowercase letters, digits and hyphens); row 83 ('doc a': use lowercase letters, digits and hyphens); row 162 ('doc a': use lowercase letters, digits and hyphens); row 241 ('doc a': use lowercase letters, digits and hyphens); row 320 ('doc a': use lowercase letters, digits and hyphens), and 11 more",
]
"""Five examples a kind, the first rows, then how many more; kinds in the order a row-by-row
reading first meets them."""


@pytest.mark.parametrize("data", ["r.csv", "r.geojson"])
def test_many_bad_rows_name_the_same_first_five_and_the_same_rows_are_kept(folder, data):
    rows = many_rows()
    text = many_csv(rows) if data == "r.csv" else many_geojson(rows)  # GeoJSON: list cells for countries
    found, kept = load(folder, data, text, MANY_LAYER.format(name=data))
    expected = MANY_CSV_PROBLEMS
    if data == "r.geojson":  # a geometry's coordinates are checked as a geometry, the rest alike
        expected = [
            p.replace("'r.csv'", "'r.geojson'").replace(
                "longitude out of range (-180 to 180) in 'lon' in 17 rows: row 3 (181.5); row 74 (181.5); row 145 (181.5); "
                "row 216 (181.5); row 287 (181.5)",
                "coordinates out of range (lon -180 to 180, lat -90 to 90) in points in 17 rows: row 3 ((181.5, 53.9)); "
                "row 74 ((181.5, 53.9)); row 145 ((181.5, 53.9)); row 216 ((181.5, 53.9)); row 287 ((181.5, 53.9))")
            for p in expected
        ]
    assert found == expected
    bad = {i for i in range(len(rows)) if i % 97 == 5 or i % 89 == 7 or i % 83 == 11 or i % 79 == 3 or i % 71 == 2}
    assert kept == [rows[i]["id"] for i in range(len(rows)) if i not in bad] and len(kept) == 1125
