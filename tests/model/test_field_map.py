"""``fields:`` maps a real table without preprocessing: country names and ISO-3 codes, id
templates and the slug rule, list separators and several columns, figures, precision codes,
real-world dates, per-row citations, several data files; each bad row named at its line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from influencemap.model.field_map import country_code, normal_date, slug
from tests.model.conftest import cached_layers_folder, load_flushed

SOURCES = "sources:\n  - {id: gcdf, title: AidData GCDF 2.0}\n"
AIDDATA = Path(__file__).resolve().parents[1] / "data" / "aiddata"


@pytest.fixture
def folder(tmp_path, monkeypatch) -> Path:
    yield from cached_layers_folder(tmp_path, monkeypatch, SOURCES)


def load(folder: Path):
    return load_flushed(folder)


def problems(folder: Path) -> list[str]:
    prefix = str(folder) + "/"
    return [p.format().removeprefix(prefix) for p in load(folder).problems]


def write(folder: Path, csv: str, fields: str, extra: str = "") -> None:
    (folder / "rows.csv").write_text(csv, encoding="utf-8")
    (folder / "aid.yaml").write_text(
        f"id: aid\nname: Aid\ndata: rows.csv\nfields:\n{fields}defaults: {{sources: [gcdf], precision: city}}\n{extra}",
        encoding="utf-8",
    )


def features(folder: Path) -> dict:
    catalog = load(folder)
    return {f.id: f for f in catalog.features()}


# -- countries -----------------------------------------------------------------------------


def test_country_table_reads_codes_iso3_and_the_names_real_tables_use():
    assert [country_code(t) for t in ("BY", "by", "BLR", "Belarus", "Kyrgyz Republic", "Russia", "Türkiye",
                                      "Turkey", "Viet Nam", "Cote d'Ivoire", "Côte d’Ivoire",
                                      "Lao People's Democratic Republic", "KAZ", "Moldova")] == [
        "BY", "BY", "BY", "BY", "KG", "RU", "TR", "TR", "VN", "CI", "CI", "LA", "KZ", "MD"]
    assert country_code("Atlantis") is None
    assert country_code("Africa, regional") is None


def test_countries_column_takes_names_and_iso3_and_names_unknown_values_with_their_rows(folder):
    write(folder, "id,name,country,lon,lat\n"
                  "a,A,Kyrgyz Republic,74.6,42.87\nb,B,KAZ,71.43,51.13\nc,C,Russia;Belarus,37.6,55.75\n"
                  "d,D,Atlantis,27.5,53.9\n",
          "  countries: country\n")
    found = features(folder)
    assert found["a"].countries == ("KG",) and found["b"].countries == ("KZ",)
    assert found["c"].countries == ("RU", "BY")
    assert "d" not in found
    assert problems(folder) == [
        "aid.yaml:5:14: error: data file 'rows.csv': invalid countries in 'country' in 1 row: row 4 "
        "(unknown country 'Atlantis': use an ISO 3166-1 code (BY, BLR) or an English name)"
    ]


# -- ids -----------------------------------------------------------------------------------


def test_id_from_a_template_over_the_row_and_the_slug_rule(folder):
    write(folder, "Project ID,iso,Title,lon,lat\n42183,IDN,Road,27.5,53.9\n42184,Côte d'Ivoire 2,Rail,27.6,53.9\n",
          "  id: {column: iso, slug: true}\n  name: Title\n")
    assert sorted(features(folder)) == ["cote-d-ivoire-2", "idn"]
    write(folder, "Project ID,Title,lon,lat\n42183,Road,27.5,53.9\n,Rail,27.6,53.9\n",
          '  id: "aiddata-{Project ID}"\n  name: Title\n')
    assert sorted(features(folder)) == ["aiddata-42183"]
    assert problems(folder) == [
        "aid.yaml:5:7: error: data file 'rows.csv': empty 'Project ID' in the template of id in 1 row: row 2 (empty)"
    ]


def test_a_template_naming_a_missing_column_is_an_error_at_its_line(folder):
    write(folder, "pid,Title,lon,lat\n1,Road,27.5,53.9\n", '  id: "aiddata-{Project ID}"\n  name: Title\n')
    assert problems(folder) == ["aid.yaml:5:7: error: data file 'rows.csv' has no column 'Project ID'"]


def test_slug_rule():
    assert slug("IDN") == "idn" and slug("  Côte d'Ivoire / 42 ") == "cote-d-ivoire-42"


# -- lists ---------------------------------------------------------------------------------


def test_a_separator_per_field_and_several_columns_feeding_one_key(folder):
    write(folder, "id,name,Funding,Receiving,tags,lon,lat\n"
                  "a,A,Export-Import Bank of China|China Development Bank,Government of Belarus,x;y,27.5,53.9\n"
                  "b,B,,Ministry of Finance,,27.6,53.9\n",
          '  actors: {columns: [Funding, Receiving], separator: "|"}\n')
    found = features(folder)
    assert found["a"].actors == ("Export-Import Bank of China", "China Development Bank", "Government of Belarus")
    assert found["a"].tags == ("x", "y")  # the default separator, ';', elsewhere
    assert found["b"].actors == ("Ministry of Finance",)


# -- figures -------------------------------------------------------------------------------


def test_figures_from_columns_with_a_constant_or_a_column_unit(folder):
    write(folder, "id,name,usd,amount,currency,lon,lat\n"
                  "a,A,1151326506.11,1000000000,USD,27.5,53.9\nb,B,,169000000,PHP,27.6,53.9\nc,C,12,,,27.7,53.9\n"
                  "d,D,lots,,,27.8,53.9\n",
          "  figures:\n"
          "    - {label: Amount (constant 2017 USD), value: usd, unit: USD-2017}\n"
          "    - {label: Amount (original currency), value: amount, unit: {column: currency}}\n")
    found = features(folder)
    assert [(f.label, f.value, f.unit) for f in found["a"].figures] == [
        ("Amount (constant 2017 USD)", 1151326506.11, "USD-2017"), ("Amount (original currency)", 1e9, "USD")]
    assert [(f.value, f.unit) for f in found["b"].figures] == [(169000000.0, "PHP")]
    assert [(f.value, f.unit) for f in found["c"].figures] == [(12.0, "USD-2017")]
    assert "d" not in found
    assert problems(folder) == [
        "aid.yaml:6:5: error: data file 'rows.csv': figure 'Amount (constant 2017 USD)': 'usd' must be a number "
        "in 1 row: row 4 ('lots')"
    ]


# -- precision -----------------------------------------------------------------------------


def test_precision_through_a_value_map_with_a_default(folder):
    write(folder, "id,name,code,lon,lat\na,A,PRECISE,27.5,53.9\nb,B,ADM1,27.6,53.9\nc,C,APPROXIMATE,27.7,53.9\nd,D,,27.8,53.9\n",
          "  precision: {column: code, map: {PRECISE: site, ADM1: region, ADM2: city}, default: country}\n")
    found = features(folder)
    assert {k: f.precision.value for k, f in found.items()} == {"a": "site", "b": "region", "c": "country", "d": "country"}


def test_an_unmapped_precision_without_a_default_names_its_rows(folder):
    write(folder, "id,name,code,lon,lat\na,A,PRECISE,27.5,53.9\nb,B,ADM9,27.6,53.9\n",
          "  precision: {column: code, map: {PRECISE: site}}\n")
    assert sorted(features(folder)) == ["a"]
    assert problems(folder)[0].startswith(
        "aid.yaml:5:14: error: data file 'rows.csv': invalid precision in 'code' in 1 row: row 2 ('ADM9' is not one of")


# -- dates ---------------------------------------------------------------------------------


def test_dates_from_years_year_floats_iso_dates_and_date_times():
    assert [normal_date(t, None) for t in ("2007", "2007.0", "2007-06-28", "2007-06-28 00:00:00",
                                            "2007-06-28T10:30:00Z", "2007-06")] == [
        "2007", "2007", "2007-06-28", "2007-06-28", "2007-06-28", "2007-06"]
    assert normal_date("06/28/2007", "%m/%d/%Y") == "2007-06-28"
    with pytest.raises(ValueError, match="does not match the format"):
        normal_date("2007-06-28", "%m/%d/%Y")


def test_start_and_end_from_different_columns_and_a_stated_pattern(folder):
    write(folder, "id,name,planned,actual,done,lon,lat\n"
                  "a,A,,2012-09-10 00:00:00,2019.0,27.5,53.9\n"
                  "b,B,2014-01-01 00:00:00,,,27.6,53.9\n"
                  "c,C,,09/10/2012,,27.7,53.9\n",
          "  start: {columns: [actual, planned]}\n  end: done\n")
    found = features(folder)
    assert (found["a"].start, found["a"].end) == ("2012-09-10", "2019")
    assert (found["b"].start, found["b"].end) == ("2014-01-01", None)
    assert "c" not in found and "invalid date '09/10/2012'" in problems(folder)[0]
    write(folder, "id,name,actual,lon,lat\na,A,09/10/2012,27.5,53.9\nb,B,2012-09-10,27.6,53.9\n",
          '  start: {column: actual, format: "%m/%d/%Y"}\n')
    assert features(folder)["a"].start == "2012-09-10"
    assert problems(folder) == [
        "aid.yaml:5:10: error: data file 'rows.csv': invalid start in 'actual' in 1 row: row 2 "
        "('2012-09-10' does not match the format '%m/%d/%Y')"
    ]


def test_a_date_format_on_another_key_is_refused(folder):
    write(folder, "id,name,lon,lat\na,A,27.5,53.9\n", '  name: {column: name, format: "%Y"}\n')
    assert problems(folder) == ["aid.yaml:5:32: error: 'format' is for dates (date, start, end), not 'name'"]


# -- citations -----------------------------------------------------------------------------


def test_a_locator_from_a_template_and_the_rows_own_documents(folder):
    write(folder, "Project ID,name,urls,titles,publishers,lon,lat\n"
                  "42183,A,https://a.example/1|https://b.example/2,First|Second,Pub A|,27.5,53.9\n"
                  "42184,B,,,,27.6,53.9\n"
                  "42185,C,ftp://c.example/3,Third,,27.7,53.9\n",
          '  id: "p-{Project ID}"\n  locator: "project {Project ID}"\n'
          '  source_urls: {column: urls, separator: "|"}\n  source_titles: {column: titles, separator: "|"}\n'
          '  source_publishers: {column: publishers, separator: "|"}\n')
    catalog = load(folder)
    found = {f.id: f for f in catalog.features()}
    a = found["p-42183"]
    assert [(c.ref, c.locator) for c in a.citations] == [("gcdf", "project 42183"), ("p-42183-source-1", None), ("p-42183-source-2", None)]
    first, second = catalog.sources["p-42183-source-1"], catalog.sources["p-42183-source-2"]
    assert (first.title, first.publisher, first.url) == ("First", "Pub A", "https://a.example/1")
    assert (second.title, second.publisher, second.url) == ("Second", None, "https://b.example/2")
    assert [(c.ref, c.locator) for c in found["p-42184"].citations] == [("gcdf", "project 42184")]
    assert "p-42185" not in found and "p-42185-source-1" not in catalog.sources
    assert [p.format().removeprefix(str(folder) + "/") for p in catalog.problems] == [
        "aid.yaml:7:16: error: data file 'rows.csv': invalid source_urls in 'urls' in 1 row: row 3 "
        "('ftp://c.example/3' is not an http:// or https:// address)"
    ]


def test_a_template_is_only_for_text_keys(folder):
    write(folder, "id,name,c,lon,lat\na,A,BY,27.5,53.9\n", '  countries: {template: "{c}"}\n')
    assert problems(folder) == ["aid.yaml:5:14: error: a template is for id, name, description, locator, not 'countries'"]


# -- several files -------------------------------------------------------------------------


def _aiddata_layer(folder: Path, data: str) -> None:
    target = folder / "projects"
    target.mkdir()
    for path in sorted(AIDDATA.glob("*.geojson")):
        shutil.copy(path, target / path.name)
    (folder / "aid.yaml").write_text(
        f"id: aid\nname: Aid\ndata: {data}\n"
        "fields:\n"
        '  id: "aiddata-{AidData TUFF Project ID}"\n  name: Title\n  countries: Recipient\n'
        '  date: Commitment Year\n  actors: {columns: [Funding Agencies, Receiving Agencies], separator: "|"}\n'
        '  locator: "project {AidData TUFF Project ID}"\n'
        "  figures:\n    - {label: Amount, value: Amount (Constant USD2017), unit: USD}\n"
        "defaults: {sources: [gcdf], precision: site}\n",
        encoding="utf-8",
    )


@pytest.mark.parametrize("data", ["projects/*.geojson", "[projects/39661.geojson, projects/54004.geojson, projects/67711.geojson]"])
def test_several_data_files_read_as_one_table(folder, data):
    _aiddata_layer(folder, data)
    catalog = load(folder)
    assert [p.format() for p in catalog.problems] == []
    found = {f.id: f for f in catalog.features()}
    assert sorted(found) == ["aiddata-39661", "aiddata-54004", "aiddata-67711"]
    assert found["aiddata-54004"].countries == ("KG",)
    assert found["aiddata-39661"].start == found["aiddata-39661"].end and found["aiddata-39661"].start
    assert [f.figures for f in found.values()] == [(), (), ()]  # AidData gives no amount for these three
    assert found["aiddata-67711"].citations[0].locator == "project 67711"
    assert found["aiddata-39661"].geometry.geom_type == "MultiPolygon"


def test_rows_of_several_files_are_named_with_their_file(folder):
    _aiddata_layer(folder, "projects/*.geojson")
    text = (folder / "projects" / "54004.geojson").read_text(encoding="utf-8")
    (folder / "projects" / "54004.geojson").write_text(text.replace('"Recipient": "Kyrgyz Republic"', '"Recipient": "Kyrgyzia"'), encoding="utf-8")
    assert problems(folder) == [
        "aid.yaml:7:14: error: data file 'projects/*.geojson': invalid countries in 'Recipient' in 1 row: "
        "projects/54004.geojson row 1 (unknown country 'Kyrgyzia': use an ISO 3166-1 code (BY, BLR) or an English name)"
    ]


def test_a_pattern_matching_nothing_or_leaving_the_folder_is_an_error(folder):
    (folder / "aid.yaml").write_text("id: aid\nname: Aid\ndata: nothing/*.csv\n", encoding="utf-8")
    assert problems(folder) == [f"aid.yaml:3:7: error: data pattern 'nothing/*.csv' matches no file in {folder}"]
    (folder / "aid.yaml").write_text("id: aid\nname: Aid\ndata: ../*.csv\n", encoding="utf-8")
    assert problems(folder) == ["aid.yaml:3:7: error: data pattern '../*.csv' must be relative to the layer's folder, without '..'"]


def test_a_listed_file_outside_the_folder_is_still_refused(folder, tmp_path):
    (tmp_path / "outside.csv").write_text("id,name,lon,lat\na,A,27.5,53.9\n", encoding="utf-8")
    (folder / "rows.csv").write_text("id,name,lon,lat\nb,B,27.5,53.9\n", encoding="utf-8")
    (folder / "aid.yaml").write_text("id: aid\nname: Aid\ndata: [rows.csv, ../outside.csv]\ndefaults: {sources: [gcdf]}\n", encoding="utf-8")
    found = problems(folder)
    assert len(found) == 1 and found[0].startswith("aid.yaml:3:7: error: data file '../outside.csv' is outside the layer's folder")


def test_strict_does_not_ask_a_rows_own_documents_for_a_locator(folder):
    from influencemap.model.strict import strict_problems

    write(folder, "Project ID,name,urls,lon,lat\n42183,A,https://a.example/1,27.5,53.9\n",
          '  id: "p-{Project ID}"\n  source_urls: urls\n')
    # the layer's source has no locator (no 'locator:' template): that one is still warned
    messages = [p.message for p in strict_problems(load(folder))]
    assert messages == ["citation 1 of feature 'p-42183' (source 'gcdf') has no locator: "
                        "say where in the document the evidence is (section, paragraph, page)"]
