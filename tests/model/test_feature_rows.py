"""FeatureRows: the table's rows without Qt — shown features, cells, sorting, the text filter."""

from __future__ import annotations

from influencemap.model.feature_rows import COLUMN_INDEX, FeatureRows
from influencemap.model.filters import FeatureFilter

LAYER = """\
id: facts
name: Facts
features:
  - {id: a, name: Zeta loan, point: [27.5, 53.9], date: 2013-05-20, countries: [BY], sources: [doc-a],
     figures: [{label: Loan, value: 9.0e8, unit: USD}]}
  - {id: b, name: alpha port, point: [30.5, 50.4], start: 2011, end: 2019, countries: [UA], sources: [doc-a],
     figures: [{label: Loan, value: 1.5e9, unit: USD}]}
  - {id: c, name: Émigré office, point: [25.3, 54.7], countries: [LT], sources: [doc-a]}
  - {id: d, name: Beta bridge, point: [71.4, 51.1], date: 2012-12, countries: [KZ], sources: [doc-a],
     figures: [{label: Share, value: 12, unit: percent}]}
"""


def _names(rows: FeatureRows) -> list[str]:
    return [rows.feature(i).name for i in range(len(rows))]


def test_rows_sort_as_dates_numbers_and_folded_text(files):
    files.write("facts.yaml", LAYER)
    rows = FeatureRows.shown(files.load())
    assert _names(rows) == ["Zeta loan", "alpha port", "Émigré office", "Beta bridge"]  # catalog order
    rows.sort(COLUMN_INDEX["date"])
    assert _names(rows) == ["alpha port", "Beta bridge", "Zeta loan", "Émigré office"]  # undated last
    rows.sort(COLUMN_INDEX["date"], descending=True)
    assert _names(rows) == ["Zeta loan", "Beta bridge", "alpha port", "Émigré office"]
    rows.sort(COLUMN_INDEX["figures"])
    assert _names(rows) == ["Beta bridge", "Zeta loan", "alpha port", "Émigré office"]  # 12 < 9e8 < 1.5e9
    rows.sort(COLUMN_INDEX["name"])
    assert _names(rows) == ["alpha port", "Beta bridge", "Émigré office", "Zeta loan"]  # case and accents ignored
    assert rows.row_of("c") == 2 and rows.row_of("nope") == -1


def test_the_filter_and_the_query_decide_the_rows(files):
    files.write("facts.yaml", LAYER)
    catalog = files.load()
    assert _names(FeatureRows.shown(catalog, FeatureFilter(countries=frozenset({"UA", "KZ"})))) == ["alpha port", "Beta bridge"]
    assert len(FeatureRows.shown(catalog, None, [])) == 0
    rows = FeatureRows.shown(catalog)
    rows.sort(COLUMN_INDEX["name"], descending=True)
    rows.set_query("emigre")
    assert _names(rows) == ["Émigré office"]
    rows.set_query("")
    assert _names(rows) == ["Zeta loan", "Émigré office", "Beta bridge", "alpha port"]


def test_cells_tsv_and_the_shown_catalog(files):
    files.write("facts.yaml", LAYER)
    rows = FeatureRows.shown(files.load())
    rows.set_query("loan")
    assert rows.cells(0)[: 3] == ["Zeta loan", "Facts", "20 May 2013"]
    assert rows.cells(0)[COLUMN_INDEX["figures"]] == "Loan: 900,000,000 USD"
    assert rows.cells(0)[COLUMN_INDEX["sources"]] == 1
    assert rows.tsv([0]).startswith("Zeta loan\tFacts\t20 May 2013\t")
    shown = rows.shown_catalog()
    assert [f.id for f in shown.features()] == ["a"]
