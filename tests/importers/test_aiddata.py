"""``influencemap import aiddata`` on small real extracts: the 2.0 per-project GeoJSONs, and
spreadsheet rows (values copied from the Military and Huawei Finance datasets, written to an
.xlsx here with openpyxl, as AidData's own files are). See tests/data/aiddata/README.md."""

from __future__ import annotations

import json
import shutil
from datetime import datetime
from pathlib import Path

import pytest
import shapely

from influencemap.cli import main
from influencemap.geo import basemap
from influencemap.importers.aiddata import ImportError_, import_aiddata
from influencemap.model.loader import load_catalog

DATA = Path(__file__).resolve().parents[1] / "data" / "aiddata"
TITLES = {
    39661: "China to expand Tashkent Confucius Institutes",
    54004: "Expansion of Chinese Culture and Education Center",
}


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    monkeypatch.setenv("INFLUENCEMAP_CACHE_DIR", str(tmp_path / "cache"))


def _load(layer: Path):
    return load_catalog([str(layer)], include_bundled_sources=False)


def _geojsons(tmp_path: Path, names=("39661", "54004", "67711")) -> Path:
    folder = tmp_path / "geojsons"
    folder.mkdir()
    for name in names:
        shutil.copy(DATA / f"{name}.geojson", folder)
    return folder


def _xlsx(tmp_path: Path, change: dict | None = None, only: set[int] | None = None) -> Path:
    """An .xlsx of the copied rows (dates as real Excel dates), one row changed if asked."""
    import openpyxl

    table = json.loads((DATA / "xlsx-rows.json").read_text(encoding="utf-8"))
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Military"
    sheet.append(table["columns"])
    for row in table["rows"]:
        values = [datetime.fromisoformat(v["datetime"]) if isinstance(v, dict) else v for v in row]
        if only is not None and values[0] not in only:
            continue
        sheet.append(values)
    if change:
        sheet.append([change.get(column) for column in table["columns"]])
    path = tmp_path / "rows.xlsx"
    workbook.save(path)
    return path


def test_per_project_geojsons_become_a_layer_that_loads_with_no_errors(tmp_path):
    result = import_aiddata(tmp_path / "out" / "projects.yaml", geojsons=_geojsons(tmp_path))
    assert result.records == 3 and result.placed_at_country == 0 and result.warnings == []
    assert result.data_path == tmp_path / "out" / "projects.geojson" and result.data_path.exists()
    catalog = _load(result.layer_path)
    assert [p.format() for p in catalog.problems] == []
    features = {f.id: f for f in catalog.features()}
    assert sorted(features) == ["aiddata-39661", "aiddata-54004", "aiddata-67711"]
    published = json.loads((DATA / "54004.geojson").read_text(encoding="utf-8"))["features"][0]
    kg = features["aiddata-54004"]
    assert kg.name == published["properties"]["Title"].strip()  # AidData's Title, unchanged (but for end spaces)
    assert kg.name.startswith(TITLES[54004])
    assert kg.countries == ("KG",)  # "Kyrgyz Republic"
    assert kg.geometry.geom_type == "MultiPolygon"
    assert any(len(p.interiors) for p in shapely.get_parts(kg.geometry))  # its holes are kept
    assert kg.precision.value == "site"
    assert [(c.ref, c.locator) for c in kg.citations] == [("aiddata-gcdf-2", "project 54004")]
    assert kg.start == "2015"
    assert "AidData project 54004" in kg.description
    source = catalog.sources["aiddata-gcdf-2"]
    assert source.url == "https://www.aiddata.org/data/aiddatas-global-chinese-development-finance-dataset-version-2-0"
    layer_text = result.layer_path.read_text(encoding="utf-8")
    assert "ODC-By 1.0" in layer_text and "© OpenStreetMap contributors" in layer_text and "ODbL" in layer_text


def test_spreadsheet_rows_join_shapes_by_id_and_the_rest_sit_at_their_country(tmp_path):
    result = import_aiddata(tmp_path / "mil.yaml", geojsons=DATA / "military", xlsx=_xlsx(tmp_path), category="Security")
    catalog = _load(result.layer_path)
    assert [p.format() for p in catalog.errors] == []
    features = {f.id: f for f in catalog.features()}
    # 87522's recipient, "Africa, regional", is no one country and AidData gives it no shape:
    assert sorted(features) == ["aiddata-35133", "aiddata-38001", "aiddata-54377"]
    assert result.warnings == [
        "project 87522: no shape and recipient 'Africa, regional' is not one known country: left out"
    ]
    joined = features["aiddata-38001"]
    assert joined.geometry.geom_type == "MultiPolygon" and joined.countries == ("TL",)
    assert (joined.start, joined.end) == ("2010", "2012-03-01")
    kyrgyz = features["aiddata-54377"]
    assert kyrgyz.countries == ("KG",) and kyrgyz.precision.value == "country"
    assert (kyrgyz.geometry.x, kyrgyz.geometry.y) == pytest.approx(basemap.country_label_point("KG"))
    assert [(f.label, f.value, f.unit) for f in kyrgyz.figures] == [
        ("Amount (constant 2017 USD)", pytest.approx(14798489.4873379), "USD"),
        ("Amount (original currency)", 100000000.0, "CNY"),
    ]
    assert kyrgyz.actors == ("China Ministry of Defense", "Kyrgyz Ministry of Defense")
    assert features["aiddata-35133"].countries == ("VN",)  # "Viet Nam"
    cited = [c.ref for c in kyrgyz.citations]
    assert cited[0] == "aiddata-gcdf-2" and cited[1:] and all(ref.startswith("aiddata-54377-source-") for ref in cited[1:])
    first = catalog.sources[cited[1]]
    assert first.url.startswith("http") and first.title


def test_a_recipient_that_is_not_one_country_gets_its_countries_from_the_shape(tmp_path):
    # A constructed row: project 54004's own values with a regional recipient, to show the rule.
    properties = json.loads((DATA / "54004.geojson").read_text(encoding="utf-8"))["features"][0]["properties"]
    row = dict(properties, Recipient="Central Asia, regional")
    result = import_aiddata(tmp_path / "r.yaml", geojsons=_geojsons(tmp_path, ("54004",)), xlsx=_xlsx(tmp_path, row, only=set()))
    catalog = _load(result.layer_path)
    assert catalog.errors == ()
    (feature,) = catalog.features()
    assert feature.countries == ("KG",)
    assert result.warnings == [
        "project 54004: recipient 'Central Asia, regional' is not one known country: countries from the shape (KG)"
    ]
    assert "AidData's recipient is 'Central Asia, regional'" in feature.description


def test_recipients_and_years_select_records(tmp_path):
    xlsx = _xlsx(tmp_path)
    result = import_aiddata(tmp_path / "a.yaml", xlsx=xlsx, recipients=["KG", "Viet Nam"])
    assert sorted(f.id for f in _load(result.layer_path).features()) == ["aiddata-35133", "aiddata-54377"]
    result = import_aiddata(tmp_path / "b.yaml", xlsx=xlsx, year_from=2010, year_to=2016)
    assert sorted(f.id for f in _load(result.layer_path).features()) == ["aiddata-38001"]


def test_the_command_writes_the_files_validates_them_and_never_overwrites(tmp_path, capsys):
    out = tmp_path / "projects.yaml"
    assert main(["import", "aiddata", "--geojsons", str(_geojsons(tmp_path)), "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert f"wrote {out} and projects.geojson: 3 records" in printed and "3 features, 0 errors" in printed
    before = out.read_bytes()
    assert main(["import", "aiddata", "--geojsons", str(tmp_path / "geojsons"), "-o", str(out)]) == 2
    assert "exists: choose another name or pass --overwrite" in capsys.readouterr().err
    assert out.read_bytes() == before
    assert main(["import", "aiddata", "-o", str(tmp_path / "x.yaml")]) == 2
    assert "give --geojsons DIR and/or --xlsx FILE" in capsys.readouterr().err


def test_nothing_selected_writes_nothing(tmp_path):
    with pytest.raises(ImportError_, match="no AidData record matches"):
        import_aiddata(tmp_path / "none.yaml", geojsons=_geojsons(tmp_path), recipients=["Chile"])
    assert not (tmp_path / "none.yaml").exists() and not (tmp_path / "none.geojson").exists()


def test_precision_is_read_from_the_shapes_size():
    from influencemap.importers.aiddata import shape_precision

    assert shape_precision(shapely.box(27.5, 53.9, 27.52, 53.91)) == "site"  # about 1.5 km²
    assert shape_precision(shapely.box(27.5, 53.9, 27.8, 54.1)) == "city"  # about 440 km²
    assert shape_precision(shapely.box(52.0, 56.5, 54.0, 58.5)) == "region"  # about 27,000 km²


def test_amounts_aiddata_does_not_recommend_for_aggregates_are_kept_apart(tmp_path):
    from influencemap.importers.aiddata import _amounts

    counted = {"Recommended For Aggregates": "Yes", "Amount (Constant USD2017)": 5.0, "Amount (Original Currency)": 4}
    apart = {"Recommended For Military Aggregates": "No", "Amount (Constant USD2017)": 5.0, "Amount (Original Currency)": 4}
    assert _amounts(counted) == {"usd2017": 5.0, "original": 4, "usd2017_not_for_totals": None, "original_not_for_totals": None}
    assert _amounts(apart) == {"usd2017": None, "original": None, "usd2017_not_for_totals": 5.0, "original_not_for_totals": 4}
    result = import_aiddata(tmp_path / "mil.yaml", xlsx=_xlsx(tmp_path))
    text = result.layer_path.read_text(encoding="utf-8")
    assert '"Amount (constant 2017 USD), not for totals (AidData)", value: usd2017_not_for_totals' in text
