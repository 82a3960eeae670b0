"""Bulk data layers: rows of a CSV, GeoJSON, GeoPackage or GeoParquet file become features,
checked by the same rules as written features, with problems at the data:/fields: lines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from influencemap.model import load_cache
from tests.model.conftest import cached_layers_folder, load_flushed

SOURCES = "sources:\n  - {id: doc-a, title: A report}\n  - {id: doc-b, title: B}\n"


@pytest.fixture
def folder(tmp_path, monkeypatch) -> Path:
    yield from cached_layers_folder(tmp_path, monkeypatch, SOURCES)


load = load_flushed


def problems(folder: Path) -> list[str]:
    prefix = str(folder) + "/"
    return [p.format().removeprefix(prefix) for p in load(folder).problems]


CSV = """project_id,title,year,recipient,lon,lat,sector
p-1,Great Stone park,2012,BY,27.93,53.92,industry
p-2,Kyiv metro cars,2019-06,UA,30.52,50.45,transport; rail
p-3,Almaty road,,KZ,76.95,43.24,
"""

LAYER = """\
id: aid
name: Aid projects
data: projects.csv
fields:
  id: project_id
  name: title
  date: year
  countries: recipient
  tags: sector
defaults: {sources: [doc-a], precision: city}
"""


def test_csv_rows_become_features_with_the_layer_defaults(folder):
    (folder / "projects.csv").write_text(CSV, encoding="utf-8")
    (folder / "aid.yaml").write_text(LAYER, encoding="utf-8")
    catalog = load(folder)
    assert catalog.problems == ()
    layer = catalog.layer("aid")
    assert [f.id for f in layer.features] == ["p-1", "p-2", "p-3"]
    first, second, third = layer.features
    assert (first.geometry.x, first.geometry.y) == (27.93, 53.92)
    assert (first.start, first.end, first.instant) == ("2012", "2012", True)
    assert second.start == "2019-06" and third.start is None
    assert second.tags == ("transport", "rail") and third.tags == ()
    assert first.countries == ("BY",) and first.citations[0].ref == "doc-a"
    assert first.precision.value == "city"
    assert first.origin.line == 3 and first.origin.path.endswith("aid.yaml")


def test_a_dating_column_marks_inferred_rows_and_rejects_unknown_values(folder):
    (folder / "projects.csv").write_text(
        "id,name,year,how,lon,lat\na,A,2012,inferred,27.5,53.9\nb,B,2013,,27.5,53.9\nc,C,2014,guess,27.5,53.9\n",
        encoding="utf-8",
    )
    (folder / "l.yaml").write_text(
        "id: l\nname: L\ndata: projects.csv\nfields: {date: year, dating: how}\ndefaults: {sources: [doc-a]}\n",
        encoding="utf-8",
    )
    catalog = load(folder)
    assert [f.dating for f in catalog.layer("l").features] == ["inferred", "stated"]
    assert any("dating" in p.message and "guess" in p.message for p in catalog.errors)


def test_geojson_rows_with_their_geometry(folder):
    collection = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [27.5, 53.9]},
             "properties": {"id": "a", "name": "A", "tags": ["x", "y"], "date": "2015-06-01", "sources": "doc-b"}},
            {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[27.5, 53.9], [30.5, 50.4]]},
             "properties": {"id": "b", "name": "B", "tags": ["z"], "date": None, "sources": "doc-a; doc-b"}},
        ],
    }
    (folder / "rows.geojson").write_text(json.dumps(collection), encoding="utf-8")
    (folder / "g.yaml").write_text("id: g\nname: G\ndata: rows.geojson\n", encoding="utf-8")
    catalog = load(folder)
    assert catalog.problems == ()
    a, b = catalog.layer("g").features
    assert a.tags == ("x", "y") and a.start == "2015-06-01" and [c.ref for c in a.citations] == ["doc-b"]
    assert b.kind.value == "line" and [c.ref for c in b.citations] == ["doc-a", "doc-b"]


def _frame():
    import geopandas
    from shapely.geometry import Point, Polygon

    return geopandas.GeoDataFrame(
        {"id": ["a", "b"], "name": ["A", "B"], "countries": ["BY", "UA"]},
        geometry=[Point(27.5, 53.9), Polygon([(30, 50), (31, 50), (31, 51)])],
        crs="EPSG:4326",
    )


def test_geopackage_rows(folder):
    _frame().to_file(folder / "rows.gpkg", driver="GPKG")
    (folder / "p.yaml").write_text("id: p\nname: P\ndata: rows.gpkg\ndefaults: {sources: [doc-a]}\n", encoding="utf-8")
    catalog = load(folder)
    assert catalog.problems == ()
    assert [f.kind.value for f in catalog.layer("p").features] == ["point", "polygon"]
    assert catalog.layer("p").features[1].countries == ("UA",)


def test_geoparquet_rows(folder):
    pytest.importorskip("pyarrow")
    _frame().assign(id=["c", "d"]).to_parquet(folder / "rows.parquet")
    (folder / "q.yaml").write_text("id: q\nname: Q\ndata: rows.parquet\ndefaults: {sources: [doc-a]}\n", encoding="utf-8")
    catalog = load(folder)
    assert catalog.problems == ()
    assert [f.id for f in catalog.layer("q").features] == ["c", "d"]


def test_geoparquet_without_pyarrow_says_what_is_missing(folder, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_pyarrow(name, *args, **kwargs):
        if name.split(".")[0] == "pyarrow":
            raise ImportError("no pyarrow here")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pyarrow)
    (folder / "rows.parquet").write_bytes(b"PAR1")
    (folder / "q.yaml").write_text("id: q\nname: Q\ndata: rows.parquet\n", encoding="utf-8")
    assert problems(folder) == ["q.yaml:3:7: error: reading GeoParquet ('rows.parquet') needs pyarrow: pip install pyarrow"]


def test_bad_rows_are_reported_once_per_kind_naming_rows_and_column(folder):
    rows = CSV + "p-4,Bad date,2019-13,BY,27.5,53.9,\np-5,Bad too,2020-02-30,BY,27.5,53.9,\np-1,Again,2012,BY,27.5,53.9,\n"
    (folder / "projects.csv").write_text(rows, encoding="utf-8")
    (folder / "aid.yaml").write_text(LAYER, encoding="utf-8")
    found = problems(folder)
    assert (
        "aid.yaml:7:9: error: data file 'projects.csv': invalid date in 'year' in 2 rows: row 4 (invalid date "
        "'2019-13': month 13 is not 1-12); row 5 (invalid date '2020-02-30': day 30 is not in 1-29)" in found
    )
    assert any(p.startswith("aid.yaml:5:7: error: data file 'projects.csv': duplicate feature id in 'project_id' in 1 row: row 6 ('p-1' is also in row 1)") for p in found)
    assert [f.id for f in load(folder).layer("aid").features] == ["p-1", "p-2", "p-3"]


def test_points_outside_their_countries_warn_at_the_data_line(folder):
    (folder / "projects.csv").write_text("id,name,countries,lon,lat\na,A,BY,53.90,27.56\n", encoding="utf-8")
    (folder / "l.yaml").write_text("id: l\nname: L\ndata: projects.csv\ndefaults: {sources: [doc-a]}\n", encoding="utf-8")
    (warning,) = problems(folder)
    assert warning.startswith("l.yaml:3:7: warning: data file 'projects.csv': points outside their countries in 1 row: row 1 (")
    assert "would put it inside" in warning


def test_many_points_outside_their_countries_name_the_first_five_and_count_the_rest(folder):
    """Only the named rows are described (where each lies instead); every stray row is counted.
    A row inside its country among them is not counted."""
    from influencemap.model.country_check import point_country_warnings

    strays = [(24.10, 56.95), (21.0, 52.2), (30.52, 50.45), (25.28, 54.69), (37.6, 55.75), (34.0, 43.0), (53.90, 27.56)]
    lines = ["id,name,countries,lon,lat"] + [f"s-{i},S,BY,{lon},{lat}" for i, (lon, lat) in enumerate(strays)]
    lines.insert(3, "in-1,In,BY,27.56,53.90")
    (folder / "projects.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "l.yaml").write_text("id: l\nname: L\ndata: projects.csv\ndefaults: {sources: [doc-a]}\n", encoding="utf-8")
    (warning,) = problems(folder)
    import numpy as np

    expected = point_country_warnings(None, np.array(strays), declared=[("BY",)] * len(strays))
    assert [i for i, _ in expected] == list(range(7))
    named = [f"row {row} ({message.replace('point ', '', 1)})" for row, (_, message) in zip([1, 2, 4, 5, 6], expected)]
    assert warning == (
        "l.yaml:3:7: warning: data file 'projects.csv': points outside their countries in 7 rows: "
        + "; ".join(named) + ", and 2 more"
    )


def test_mapping_and_file_problems_point_at_their_lines(folder):
    (folder / "projects.csv").write_text(CSV, encoding="utf-8")
    (folder / "a.yaml").write_text(LAYER.replace("name: title", "name: titel"), encoding="utf-8")
    (folder / "b.yaml").write_text("id: b\nname: B\ndata: missing.csv\n", encoding="utf-8")
    (folder / "c.yaml").write_text("id: c\nname: C\ndata: rows.xlsx\n", encoding="utf-8")
    (folder / "d.yaml").write_text("id: d\nname: D\nfields: {id: x}\nfeatures: []\n", encoding="utf-8")
    (folder / "e.yaml").write_text("id: e\nname: E\ndata: projects.csv\nfields: {id: project_id, pont: x}\n", encoding="utf-8")
    found = problems(folder)
    assert "a.yaml:6:9: error: data file 'projects.csv' has no column 'titel'; did you mean 'title'?" in found
    assert "b.yaml:3:7: error: cannot read data file 'missing.csv': No such file or directory" in found
    assert any(p.startswith("c.yaml:3:7: error: data file 'rows.xlsx' has an unknown format") for p in found)
    assert any(p.startswith("d.yaml:3:9: error: 'fields' maps the columns of a data file") for p in found)
    assert [p for p in found if p.startswith("e.yaml")] == [
        "e.yaml:4:26: error: unknown key 'pont' in fields; expected one of: id, name, date, start, end, countries, "
        "actors, tags, precision, dating, description, sources, lon, lat, figures, locator, source_urls, "
        "source_titles, source_publishers (or x-... for your own keys)"
    ]


def test_undefined_source_in_a_row_is_an_error_at_the_data_line(folder):
    (folder / "projects.csv").write_text("id,name,sources,lon,lat\na,A,doc-zz,27.5,53.9\nb,B,doc-a,27.5,53.9\n", encoding="utf-8")
    (folder / "l.yaml").write_text("id: l\nname: L\ndata: projects.csv\n", encoding="utf-8")
    catalog = load(folder)
    prefix = str(folder) + "/"
    assert [p.format().removeprefix(prefix) for p in catalog.problems] == [
        "l.yaml:3:7: error: undefined source 'doc-zz'; did you mean 'doc-b'?"
    ]
    assert [f.id for f in catalog.layer("l").features] == ["b"]


def test_a_changed_data_file_is_read_again(folder):
    (folder / "projects.csv").write_text(CSV, encoding="utf-8")
    (folder / "aid.yaml").write_text(LAYER, encoding="utf-8")
    assert load(folder).feature_count == 3
    (folder / "projects.csv").write_text(CSV + "p-9,New,2020,BY,27.5,53.9,\n", encoding="utf-8")
    assert load(folder).feature_count == 4
    load_cache.clear_memory()
    assert load(folder).feature_count == 4


def test_a_data_files_ids_found_distinct_as_read_are_marked_so_yet_clashes_are_found(folder, monkeypatch):
    """The rows' reader knows whether their ids are distinct: the file's result says so (the
    catalog then need not hash them again); duplicate rows leave it unmarked, and an id
    another layer also uses is still an error."""
    from influencemap.model.precise_reader import FileReader

    results = []
    finish = FileReader.finish

    def spy(self):
        result = finish(self)
        results.append((result, result.distinct_ids))  # as read (the catalog marks it too, later)
        return result

    monkeypatch.setattr(FileReader, "finish", spy)

    def aid_marked() -> bool:
        (marked,) = [marked for r, marked in results if r.layer is not None and r.layer.id == "aid"]
        results.clear()
        return marked

    (folder / "projects.csv").write_text(CSV, encoding="utf-8")
    (folder / "aid.yaml").write_text(LAYER, encoding="utf-8")
    assert load(folder).problems == ()
    assert aid_marked() is True
    (folder / "projects.csv").write_text(CSV + "p-1,Again,2012,BY,27.93,53.92,\n", encoding="utf-8")
    assert any("duplicate feature id in 'project_id'" in p for p in problems(folder))
    assert aid_marked() is False
    (folder / "projects.csv").write_text(CSV, encoding="utf-8")
    (folder / "other.yaml").write_text(
        "id: other\nname: Other\nfeatures:\n  - {id: p-2, name: Clash, point: [30.5, 50.4], countries: [UA], sources: [doc-a]}\n",
        encoding="utf-8",
    )
    found = problems(folder)
    assert any("'p-2'" in p and "duplicate" in p for p in found), found


def test_giving_back_memory_finds_malloc_trim_without_spawning_a_process(monkeypatch):
    import subprocess
    import sys

    from influencemap.model import data_tables

    spawned = []

    def no_spawn(self, *args, **kwargs):
        spawned.append(args[0] if args else kwargs.get("args"))
        raise OSError("no process may be spawned here")

    monkeypatch.setattr(subprocess.Popen, "__init__", no_spawn)
    monkeypatch.setattr(data_tables, "_trim", None)
    data_tables.give_back_memory()
    assert spawned == []
    if sys.platform.startswith("linux") and "glibc" in " ".join(__import__("platform").libc_ver()):
        assert data_tables._trim() in (0, 1)  # malloc_trim(0) itself ran: 1 when it gave memory back
        import ctypes

        assert hasattr(ctypes.CDLL(None), "malloc_trim")


def test_a_data_files_rows_are_freed_without_the_garbage_collector(folder):
    """The loader pauses the garbage collector: a reference cycle through the rows' reader would
    keep the file's own columns (~50 MB for 1M GeoParquet points) alive past the load's peak."""
    import gc

    from influencemap.model.bulk_positions import RowPositions
    from influencemap.model.bulk_rows import Rows

    (folder / "projects.csv").write_text(CSV, encoding="utf-8")
    (folder / "aid.yaml").write_text(LAYER, encoding="utf-8")
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        catalog = load(folder)  # a first read: this test's cache folder is empty
        assert [f.id for f in catalog.layer("aid").features] == ["p-1", "p-2", "p-3"]
        gc.collect()
        ours = [type(o).__name__ for o in gc.garbage if isinstance(o, (Rows, RowPositions))]
        left = len(gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    assert ours == []
    assert left == 0  # no other cycle either (a data layer's load leaves none today)
