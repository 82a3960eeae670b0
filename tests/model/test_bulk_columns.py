"""Bulk data rows made a column at a time (issue 14, the first read of a million rows): where
every row takes the same thing the column is made at once, and only rows that differ go row by
row. These tests hold the two ways to the same result: the same features, the same problems
naming the same first rows, the same rows kept, whatever the format and whichever way a column
takes."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from influencemap.model import crs_lonlat, data_tables
from tests.model.conftest import cached_layers_folder, load_flushed

SOURCES = "sources:\n  - {id: doc-a, title: A report}\n  - {id: doc-b, title: B}\n"
COUNT = 1500
COUNTRY_BOXES = {"BY": (26.5, 53.0, 29.0, 54.5), "UA": (29.0, 48.5, 33.0, 50.0), "PL": (17.5, 51.5, 21.5, 53.0)}
"""Boxes well inside each country: no point of the seeded rows warns."""


@pytest.fixture
def folder(tmp_path, monkeypatch) -> Path:
    yield from cached_layers_folder(tmp_path, monkeypatch, SOURCES)


def _rows(count: int = COUNT) -> list[dict]:
    """Seeded rows inside their countries' boxes, dates of a few kinds (so they repeat)."""
    rng = np.random.default_rng(14)
    codes = list(COUNTRY_BOXES)
    rows = []
    for i in range(count):
        code = codes[i % 3]
        west, south, east, north = COUNTRY_BOXES[code]
        lon = round(float(rng.uniform(west, east)), 5)
        lat = round(float(rng.uniform(south, north)), 5)
        rows.append({"id": f"p-{i}", "name": f"Project {i}", "date": ["2012", "2019-06", "2021-03-04"][i % 3],
                     "countries": code, "lon": lon, "lat": lat})
    return rows


def _spoil(rows: list[dict]) -> None:
    """A few bad rows among the many good ones (each the only problem of its row)."""
    rows[17]["id"] = "Bad Id"
    rows[1203]["id"] = "Also Bad"
    rows[250]["name"] = ""
    rows[999]["lon"] = 200.0
    rows[5]["date"] = "2019-13"
    rows[1400]["id"] = "p-3"  # row 4's id again
    rows[42]["countries"] = "XX"


def _csv(path: Path, rows: list[dict]) -> None:
    keys = list(rows[0])
    lines = [",".join(keys)] + [",".join(str(row[k]) for k in keys) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _geojson(path: Path, rows: list[dict], extra: list[dict] | None = None) -> None:
    features = [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [row["lon"], row["lat"]]},
         "properties": {k: v for k, v in row.items() if k not in ("lon", "lat")}}
        for row in rows
    ]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features + (extra or [])}), encoding="utf-8")


def _frame(rows: list[dict]):
    import geopandas
    from shapely.geometry import Point

    return geopandas.GeoDataFrame(
        {k: [row[k] for row in rows] for k in ("id", "name", "date", "countries")},
        geometry=[Point(row["lon"], row["lat"]) for row in rows], crs="EPSG:4326",
    )


def _layer(folder: Path, data: str, more: str = "", defaults: str = "{sources: [doc-a], precision: site}") -> None:
    (folder / "l.yaml").write_text(f"id: l\nname: L\ndata: {data}\n{more}defaults: {defaults}\n", encoding="utf-8")


def _features(catalog) -> list[tuple]:
    """Each feature as plain values (its geometry as WKT), for comparing two readings."""
    return [
        (f.id, f.name, f.geometry.wkt, f.kind, f.start, f.end, f.instant, f.countries, f.actors, f.tags,
         tuple((c.ref, c.locator, c.quote) for c in f.citations), f.figures, f.precision, f.dating, f.description, f.extra)
        for f in catalog.layer("l").features
    ]


def _problems(catalog, folder: Path) -> list[str]:
    prefix = str(folder) + "/"
    return [p.format().removeprefix(prefix) for p in catalog.problems]


BAD_ROWS = {17, 1203, 250, 999, 5, 1400}
"""The rows left out (row 42's unknown country is an error too, below)."""


def test_a_few_bad_rows_among_many_good_ones_are_reported_and_left_out_in_every_format(folder):
    rows = _rows()
    _spoil(rows)
    kept = [f"p-{i}" for i in range(COUNT) if i not in BAD_ROWS | {42}]
    found = {}
    for name, write in (("r.csv", lambda p: _csv(p, rows)), ("r.geojson", lambda p: _geojson(p, rows)),
                        ("r.parquet", lambda p: _frame(rows).to_parquet(p))):
        for old in folder.glob("r.*"):
            old.unlink()
        write(folder / name)
        _layer(folder, name)
        catalog = load_flushed(folder)
        assert [f.id for f in catalog.layer("l").features] == kept, name
        found[name] = _problems(catalog, folder)
    at = "l.yaml:3:7: error: data file"
    assert found["r.csv"] == [
        f"{at} 'r.csv': invalid id in 'id' in 2 rows: row 18 ('Bad Id': use lowercase letters, digits and hyphens); "
        "row 1204 ('Also Bad': use lowercase letters, digits and hyphens)",
        f"{at} 'r.csv': empty 'name' (name) in 1 row: row 251 (empty)",
        f"{at} 'r.csv': longitude out of range (-180 to 180) in 'lon' in 1 row: row 1000 (200)",
        f"{at} 'r.csv': invalid date in 'date' in 1 row: row 6 (invalid date '2019-13': month 13 is not 1-12)",
        f"{at} 'r.csv': invalid countries in 'countries' in 1 row: row 43 (unknown country 'XX': use an ISO 3166-1 code (BY, BLR) or an English name)",
        f"{at} 'r.csv': duplicate feature id in 'id' in 1 row: row 1401 ('p-3' is also in row 4)",
    ]
    for name in ("r.geojson", "r.parquet"):  # a geometry's coordinates are checked as a geometry, the rest alike
        assert found[name] == [
            p.replace("'r.csv'", f"'{name}'").replace(
                "longitude out of range (-180 to 180) in 'lon' in 1 row: row 1000 (200)",
                "coordinates out of range (lon -180 to 180, lat -90 to 90) in points in 1 row: row 1000 ((200, "
                f"{rows[999]['lat']:g}))")
            for p in found["r.csv"]
        ], name


def test_rows_citing_the_defaults_are_the_rows_citing_the_same_source_cell_by_cell(folder):
    rows = _rows(300)
    _csv(folder / "r.csv", rows)
    _layer(folder, "r.csv")
    at_once = _features(load_flushed(folder))
    _csv(folder / "r.csv", [{**row, "sources": "doc-a"} for row in rows])
    by_row = _features(load_flushed(folder))
    assert at_once == by_row and len(at_once) == 300
    assert at_once[0][10] == (("doc-a", None, None),)


def test_rows_without_sources_are_each_an_error_whichever_way_their_citations_are_made(folder):
    _csv(folder / "r.csv", _rows(40))
    _layer(folder, "r.csv", defaults="{precision: site}")
    (problem,) = _problems(load_flushed(folder), folder)
    assert problem.startswith("l.yaml:3:7: error: data file 'r.csv': no sources in 40 rows: row 1 (add a 'sources' column")


def test_cells_of_other_types_are_read_as_the_text_cells_they_stand_for(folder):
    rows = [{**row, "name": i, "date": 2012 + i % 2} for i, row in enumerate(_rows(300))]
    frame = _frame(rows)
    assert frame["name"].dtype.kind == "i" and frame["date"].dtype.kind == "i"
    frame.to_parquet(folder / "r.parquet")
    _layer(folder, "r.parquet")
    numbers = _features(load_flushed(folder))  # numbers, not texts: these columns go cell by cell
    (folder / "r.parquet").unlink()
    _csv(folder / "r.csv", rows)
    _layer(folder, "r.csv")
    assert _features(load_flushed(folder)) == numbers
    assert numbers[7][1] == "7" and numbers[0][4] == "2012" and numbers[1][4] == "2013"


def test_list_cells_of_a_geojson_array_are_the_texts_split(folder):
    rows = _rows(300)
    _geojson(folder / "r.geojson", [{**row, "countries": [row["countries"], "BY"]} for row in rows])
    _layer(folder, "r.geojson")
    arrays = _features(load_flushed(folder))
    _csv(folder / "r.csv", [{**row, "countries": f"{row['countries']};BY"} for row in rows])
    _layer(folder, "r.csv")
    texts = _features(load_flushed(folder))
    assert texts == arrays and texts[1][7] == ("UA", "BY") and texts[0][7] == ("BY",)


def test_rows_with_the_same_list_cell_share_one_tuple(folder):
    _csv(folder / "r.csv", _rows(300))
    _layer(folder, "r.csv")
    layer = load_flushed(folder).layer("l")
    countries = layer.features.column("countries")
    assert countries[0] == ("BY",) and countries[0] is countries[3] and countries[1] is countries[4]


def test_points_taken_from_the_coordinate_arrays_are_the_points_read_row_by_row(folder):
    rows = _rows(300)
    _csv(folder / "r.csv", rows)
    _layer(folder, "r.csv")
    at_once = _features(load_flushed(folder))
    # One cell that is not a number: the columns no longer convert as a whole, every row is read on its own.
    _csv(folder / "r.csv", rows + [{**rows[0], "id": "extra", "lon": "east"}])
    catalog = load_flushed(folder)
    assert _features(catalog) == at_once
    assert any("'lon' (lon) must be a number" in p.message for p in catalog.errors)


def test_a_point_file_with_one_other_shape_gives_the_same_point_features(folder):
    rows = _rows(300)
    _geojson(folder / "r.geojson", rows)
    _layer(folder, "r.geojson")
    points = _features(load_flushed(folder))
    line = {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[27.5, 53.9], [28.0, 53.5]]},
            "properties": {"id": "line", "name": "Line", "countries": "BY"}}
    _geojson(folder / "r.geojson", rows, [line])
    mixed = _features(load_flushed(folder))
    assert mixed[:-1] == points and mixed[-1][0] == "line" and mixed[-1][3].value == "line"


def test_a_point_table_keeps_its_points_as_a_read_only_array_and_its_cache_entry_gives_the_same_features(folder):
    rows = _rows(300)
    _frame(rows).to_parquet(folder / "r.parquet")
    _layer(folder, "r.parquet")
    catalog = load_flushed(folder)
    points = catalog.layer("l").features.column("points")
    assert isinstance(points, np.ndarray) and not points.flags.writeable
    assert points[:2].tolist() == [rows[0]["lon"], rows[0]["lat"]]
    first = _features(catalog)
    from influencemap.model import load_cache

    load_cache.clear_memory()
    assert _features(load_flushed(folder)) == first  # from the disk entry


def test_several_point_files_read_as_one_table_keep_their_rows_and_problems(folder):
    rows = _rows(300)
    rows[250]["lon"] = 200.0
    _frame(rows[:100]).to_parquet(folder / "a.parquet")
    _frame(rows[100:]).to_parquet(folder / "b.parquet")
    _layer(folder, "[a.parquet, b.parquet]")
    catalog = load_flushed(folder)
    assert [f.id for f in catalog.layer("l").features] == [f"p-{i}" for i in range(300) if i != 250]
    (problem,) = _problems(catalog, folder)
    assert "coordinates out of range" in problem and "b.parquet row 151 ((200," in problem


# -- GeoParquet without geopandas ---------------------------------------------------------------


def _same_table(fast, slow) -> None:
    assert fast.rows == slow.rows and list(fast.columns) == list(slow.columns)
    from influencemap.model.field_map import missing

    for name in fast.columns:  # an empty cell: None from pyarrow, NaN from pandas (both missing)
        assert [None if missing(v) else v for v in fast.columns[name]] == [None if missing(v) else v for v in slow.columns[name]]
    assert all(np.array_equal(a, b) for a, b in zip(fast.points, slow.points))
    assert [g.wkb for g in fast.geometries] == [g.wkb for g in slow.geometries]


def test_a_text_and_point_geoparquet_is_read_by_pyarrow_as_geopandas_reads_it(tmp_path):
    rows = _rows(5000)
    frame = _frame(rows)
    frame.loc[3, "name"] = None
    frame.loc[10, "date"] = None
    frame.to_parquet(tmp_path / "r.parquet")
    content = (tmp_path / "r.parquet").read_bytes()
    fast = data_tables._point_geoparquet(content)
    assert fast is not None and isinstance(fast.geometries, data_tables.PointGeometries)
    _same_table(fast, data_tables._geo_table(data_tables._read_geoparquet(content, "r.parquet")))
    dates = fast.columns["date"]  # a repeating column: each text once, shared by its rows
    assert dates[0] == dates[3] == "2012" and dates[0] is dates[3] and dates[10] is None


def test_a_text_and_point_geoparquet_is_read_without_importing_pandas(tmp_path):
    """pandas costs 0.24 s to import, and pyarrow's to_numpy/fill_null import it even for
    columns that need none of it: the fast path reads the buffers itself (nulls included)."""
    import subprocess
    import sys

    rows = _rows(9000)
    frame = _frame(rows)
    frame.loc[7, "date"] = None  # a null among repeating texts: the dictionary path's missing cell
    frame.loc[8, "name"] = None  # and among distinct texts
    frame.to_parquet(tmp_path / "r.parquet", row_group_size=4000)  # several chunks per column
    script = (
        "import sys, json\n"
        "from influencemap.model import data_tables\n"
        f"table = data_tables._point_geoparquet(open({str(tmp_path / 'r.parquet')!r}, 'rb').read())\n"
        "assert 'pandas' not in sys.modules, 'pandas was imported'\n"
        "print(json.dumps({k: v for k, v in table.columns.items()}))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    columns = json.loads(done.stdout)
    content = (tmp_path / "r.parquet").read_bytes()
    slow = data_tables._geo_table(data_tables._read_geoparquet(content, "r.parquet"))
    from influencemap.model.field_map import missing

    assert list(columns) == list(slow.columns)
    for name, cells in columns.items():
        assert cells == [None if missing(v) else v for v in slow.columns[name]]
    assert columns["date"][7] is None and columns["name"][8] is None and columns["date"][6] is not None


@pytest.mark.parametrize("change", ["number column", "polygon", "z point", "empty point", "other crs", "no crs", "kept index"])
def test_any_other_geoparquet_is_left_to_geopandas(tmp_path, change):
    from shapely.geometry import Point, Polygon

    frame = _frame(_rows(20))
    if change == "number column":
        frame["amount"] = range(20)
    elif change == "polygon":
        frame.loc[2, "geometry"] = Polygon([(27, 53), (28, 53), (28, 54)])
    elif change == "z point":
        frame.loc[2, "geometry"] = Point(27.5, 53.9, 100.0)
    elif change == "empty point":
        frame.loc[2, "geometry"] = Point()
    elif change == "other crs":
        frame = frame.to_crs("EPSG:3857")
    elif change == "no crs":
        frame = frame.set_crs(None, allow_override=True)
    else:
        frame.index = [f"r{i}" for i in range(20)]
    frame.to_parquet(tmp_path / "r.parquet")
    content = (tmp_path / "r.parquet").read_bytes()
    assert data_tables._point_geoparquet(content) is None
    table = data_tables.read_table(content, "GeoParquet", "r.parquet")  # still read, by geopandas
    assert table.rows == 20


def test_point_geometries_are_the_points_of_the_arrays():
    lons, lats = np.array([27.5, 30.25, -0.0]), np.array([53.9, 50.4, 10.0])
    shapes = data_tables.PointGeometries(lons, lats)
    assert len(shapes) == 3 and (shapes[1].x, shapes[1].y) == (30.25, 50.4) and shapes[-1].x == 0.0
    assert [(p.x, p.y) for p in shapes] == list(zip(lons.tolist(), lats.tolist()))
    assert [(p.x, p.y) for p in shapes[1:]] == [(30.25, 50.4), (0.0, 10.0)]
    assert math.copysign(1, shapes[2].x) == math.copysign(1, shapes[1:][1].x) == -1  # the coordinate itself, sign and all
    with pytest.raises(IndexError):
        shapes[3]


def test_ensemble_member_ids_are_dropped_as_geopandas_drops_them():
    import copy
    import json

    import pyproj
    from geopandas.io.arrow import _remove_id_from_member_of_ensembles

    for code in ("EPSG:4326", "EPSG:4258", "EPSG:3857", "OGC:CRS84"):
        projjson = json.loads(pyproj.CRS.from_user_input(code).to_json())
        theirs, ours = copy.deepcopy(projjson), copy.deepcopy(projjson)
        _remove_id_from_member_of_ensembles(theirs)
        assert crs_lonlat.drop_ensemble_member_ids(ours)
        assert ours == theirs
    assert "members" in json.dumps(json.loads(pyproj.CRS.from_user_input("EPSG:4326").to_json()))  # the case it is for
    assert not crs_lonlat.drop_ensemble_member_ids({"datum_ensemble": {"members": ["WGS 84 (G730)"]}})


@pytest.mark.parametrize("empty_countries", [True, False])
@pytest.mark.parametrize("fields", ["", "fields: {countries: {column: countries, separator: '|'}}\n"])
def test_dictionary_columns_are_read_by_their_codes_as_cell_by_cell(folder, monkeypatch, fields, empty_countries):
    """A GeoParquet's few-distinct-text columns (dates, countries) come with their dictionary
    codes and are read per distinct cell, the rows found by code: the features and the
    problems (bad dates and countries among them, empty cells, several countries in a cell,
    rows outside their countries) are those of reading the same cells row by row (the same
    file through geopandas, whose columns carry no codes)."""
    rows = _rows(3000)
    _spoil(rows)
    rows[7]["countries"] = "BY|UA"  # two countries: BY's point is inside one of them
    rows[8]["countries"] = "UA|PL"  # neither is BY's (row 8's point lies in PL's box: inside)
    rows[9]["countries"] = "XX|BY"
    rows[10]["lon"], rows[10]["lat"] = 24.1, 56.95  # Riga, declared BY: outside
    frame = _frame(rows)
    if empty_countries:  # the defaults' countries (none) fill them: the column is no longer coded
        frame.loc[[3, 30, 33], "countries"] = None
    frame.loc[[6, 60], "date"] = None
    frame.to_parquet(folder / "r.parquet")
    _layer(folder, "r.parquet", fields)
    content = (folder / "r.parquet").read_bytes()
    table = data_tables._point_geoparquet(content)
    assert table is not None and set(table.codes) == {"date", "countries"}
    from influencemap.model import country_check

    grouped = []
    by_country = country_check._rows_by_country
    monkeypatch.setattr(country_check, "_rows_by_country", lambda *a: grouped.append(1) or by_country(*a))
    fast = load_flushed(folder)
    assert grouped == ([] if empty_countries else [1])  # the country check grouped the rows by their codes
    monkeypatch.setattr(data_tables, "_point_geoparquet", lambda content: None)
    (folder / "l.yaml").write_text((folder / "l.yaml").read_text() + "\n", encoding="utf-8")  # read again, not from the cache
    slow = load_flushed(folder)
    assert _problems(fast, folder) == _problems(slow, folder)
    assert any("XX" in p for p in _problems(fast, folder)) and any("outside their countries" in p for p in _problems(fast, folder))
    assert _features(fast) == _features(slow)
    assert len(_features(fast)) > 2900
