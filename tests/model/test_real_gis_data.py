"""Real published GIS data loads through data: as it is: Natural Earth 1:10m countries (the
project's own basemap file: 238 MultiPolygons with small islands and holes, parts meeting at
±180°; it has no Antarctica, which the project's copy leaves out) as FlatGeobuf,
GeoPackage and GeoJSON, and AidData project files (MultiPolygons from OpenStreetMap)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import shapely

from influencemap.paths import bundled_layers_dir
from tests.model.conftest import cached_layers_folder, load_flushed

SOURCES = "sources:\n  - {id: ne-10m, title: Natural Earth 1:10m Admin 0 Countries 5.1.1}\n"
COUNTRIES = Path(bundled_layers_dir()).parent / "geodata" / "countries.fgb"
DATA = Path(__file__).resolve().parents[1] / "data" / "aiddata"


@pytest.fixture
def folder(tmp_path, monkeypatch) -> Path:
    yield from cached_layers_folder(tmp_path, monkeypatch, SOURCES)


@pytest.fixture(scope="module")
def countries():
    import geopandas

    frame = geopandas.read_file(COUNTRIES)
    # An id column: the file's ISO codes are upper case, and a rule turning a key column into
    # ids (a template or slug) belongs to the fields: mapping, not yet there.
    return frame.assign(key=["ne-" + code.lower() for code in frame["iso_a2"]])


@pytest.mark.parametrize("suffix, driver", [(".fgb", "FlatGeobuf"), (".gpkg", "GPKG"), (".geojson", "GeoJSON")])
def test_natural_earth_countries_load_completely(folder, countries, suffix, driver):
    countries.to_file(folder / f"countries{suffix}", driver=driver)
    (folder / "ne.yaml").write_text(
        f"id: ne\nname: Countries\ndata: countries{suffix}\n"
        "fields: {id: key, name: name, countries: iso_a2}\n"
        "defaults: {sources: [ne-10m], precision: country}\n",
        encoding="utf-8",
    )
    catalog = load_flushed(folder)
    assert [p.format() for p in catalog.problems] == []
    features = catalog.layer("ne").features
    assert len(features) == len(countries) > 230
    assert {f.kind.value for f in features} == {"polygon"}
    by_code = {f.countries[0]: f for f in features}
    # Russia and Fiji reach both +180 and -180 (Natural Earth splits them there).
    for code in ("RU", "FJ"):
        west, _, east, _ = shapely.bounds(by_code[code].geometry)
        assert (west, east) == (pytest.approx(-180), pytest.approx(180)), code
    holed = {f.countries[0] for f in features if any(len(p.interiors) for p in shapely.get_parts(f.geometry))}
    expected_holes = {
        code for code, g in zip(countries["iso_a2"], countries.geometry)
        if any(len(p.interiors) for p in shapely.get_parts(g))
    }
    assert holed == expected_holes and len(holed) >= 10  # e.g. South Africa around Lesotho
    assert "ZA" in holed
    parts = sum(len(shapely.get_parts(f.geometry)) for f in features)
    assert parts == sum(len(shapely.get_parts(g)) for g in countries.geometry)  # every small island


def test_aiddata_project_files_load_as_multipolygons(folder):
    for path in sorted(DATA.glob("*.geojson")):
        shutil.copy(path, folder / path.name)
    names = sorted(p.name for p in DATA.glob("*.geojson"))
    assert len(names) >= 2
    for i, name in enumerate(names):
        (folder / f"a{i}.yaml").write_text(
            f"id: a{i}\nname: AidData {i}\ndata: {name}\n"
            "fields: {name: Title}\n"
            "defaults: {sources: [ne-10m], precision: site}\n",
            encoding="utf-8",
        )
    catalog = load_flushed(folder)
    assert [p.format() for p in catalog.problems] == []
    features = [f for i in range(len(names)) for f in catalog.layer(f"a{i}").features]
    assert len(features) == len(names)
    assert {f.geometry.geom_type for f in features} == {"MultiPolygon"}
    assert any(len(p.interiors) for f in features for p in shapely.get_parts(f.geometry))  # one has holes


def test_multi_part_features_come_back_the_same_from_the_disk_cache(folder, countries):
    from influencemap.model import load_cache

    countries.to_file(folder / "countries.fgb", driver="FlatGeobuf")
    (folder / "ne.yaml").write_text(
        "id: ne\nname: Countries\ndata: countries.fgb\nfields: {id: key, name: name, countries: iso_a2}\n"
        "defaults: {sources: [ne-10m]}\n"
        "features:\n"
        "  - {id: lake, name: Lake, polygon: [[[22, 44], [28, 44], [28, 50], [22, 50]], [[24, 46], [26, 46], [26, 48]]], sources: [ne-10m]}\n"
        "  - {id: spots, name: Spots, multipoint: [[27.5, 53.9], [30.5, 50.4]], sources: [ne-10m]}\n",
        encoding="utf-8",
    )
    first = load_flushed(folder)
    load_cache.clear_memory()  # the next load reads the disk cache
    again = load_flushed(folder)
    assert type(again.layer("ne").features).__name__ == "FeatureTable"  # it did come from the cache
    before = {f.id: (f.kind, f.geometry.wkb) for f in first.layer("ne").features}
    after = {f.id: (f.kind, f.geometry.wkb) for f in again.layer("ne").features}
    assert after == before and len(after) == len(countries) + 2
