"""Statistics add figures only when they measure the same thing, and every total opens to its features."""

from __future__ import annotations

import pytest

from influencemap.cli import main
from influencemap.model.filters import FeatureFilter
from influencemap.model.loader import load_catalog
from influencemap.model.stats import (
    FIGURES_NOT_SUMMED,
    FIGURES_PER_COUNTRY,
    FIGURES_PER_YEAR,
    is_additive,
    statistics,
)
from influencemap.model.types import Figure

LAYER = """\
id: money
name: Money
features:
  - id: credit-a
    name: Credit line A
    point: [27.56, 53.9]
    date: 2009
    countries: [BY]
    figures: [{label: Credit line, value: 1.0e9, unit: USD}]
    sources: [doc-a]
  - id: credit-b
    name: Credit line B
    point: [27.56, 53.9]
    date: 2015
    countries: [BY]
    figures: [{label: "  credit   LINE ", value: 2.0e9, unit: USD}]
    sources: [doc-a]
  - id: debt
    name: Debt not written off
    point: [27.56, 53.9]
    date: 2019
    countries: [BY]
    figures:
      - {label: Debt China refused to write off, value: 2.3e8, unit: USD}
      - {label: Share of the state debt, value: 20, unit: "%"}
    sources: [doc-a]
  - id: share-b
    name: Another share
    point: [27.56, 53.9]
    date: 2019
    countries: [BY]
    figures: [{label: Share of the state debt, value: 30, unit: percent}]
    sources: [doc-a]
  - id: growth
    name: Freight grows
    point: [27.56, 53.9]
    date: 2019
    countries: [BY]
    figures:
      - {label: Rail freight growth, value: 1.6, unit: times}
      - {label: Investment per year, value: 3.0e7, unit: USD}
      - {label: Containers, value: 100, unit: TEU/year}
    sources: [doc-a]
  - id: elsewhere
    name: Credit line in Kazakhstan
    point: [71.4, 51.1]
    date: 2015
    countries: [KZ]
    figures: [{label: Credit line, value: 5.0e8, unit: usd}]
    sources: [doc-a]
"""


@pytest.fixture
def rows(files):
    files.write("money.yaml", LAYER)
    return statistics(files.load())


def _find(rows, table, group, label):
    return [r for r in rows if (r.table, r.group, r.label) == (table, group, label)]


def test_different_labels_in_the_same_unit_are_never_summed(rows):
    by_usd = [r for r in rows if r.table == FIGURES_PER_COUNTRY and r.group == "BY" and r.unit == "USD"]
    assert {(r.label, r.value) for r in by_usd} == {
        ("Credit line", 3.0e9),
        ("Debt China refused to write off", 2.3e8),
    }
    # no row anywhere holds the credit lines and the debt together
    assert not any({"credit-a", "debt"} <= set(r.feature_ids) for r in rows if r.table.startswith("figures"))
    assert not any(r.value == pytest.approx(3.23e9) for r in rows)


def test_the_same_label_in_another_case_and_spacing_is_summed(rows):
    [total] = _find(rows, FIGURES_PER_COUNTRY, "BY", "Credit line")
    assert total.value == 3.0e9
    assert total.label == "Credit line"  # as first written
    assert total.parts == (("credit-a", 1.0e9), ("credit-b", 2.0e9))


def test_units_must_match_exactly_but_for_spacing(rows):
    all_credit = _find(rows, FIGURES_PER_COUNTRY, "all", "Credit line")
    assert {(r.unit, r.value) for r in all_credit} == {("USD", 3.0e9), ("usd", 5.0e8)}


def test_percentages_multipliers_and_rates_are_listed_never_summed(rows):
    summed = [r for r in rows if r.table in (FIGURES_PER_COUNTRY, FIGURES_PER_YEAR)]
    assert not any(r.unit in ("%", "percent", "times", "TEU/year") for r in summed)
    assert not any(r.label == "Investment per year" for r in summed)
    listed = {(r.group, r.label, r.unit, r.value) for r in rows if r.table == FIGURES_NOT_SUMMED}
    assert listed == {
        ("Debt not written off", "Share of the state debt", "%", 20),
        ("Another share", "Share of the state debt", "percent", 30),
        ("Freight grows", "Rail freight growth", "times", 1.6),
        ("Freight grows", "Investment per year", "USD", 3.0e7),
        ("Freight grows", "Containers", "TEU/year", 100),
    }
    assert not any(r.value == 50 for r in rows)  # 20 % + 30 % is not a number anyone should see


def test_every_total_lists_the_features_it_adds(rows):
    year_2015 = {r.unit: r.feature_ids for r in _find(rows, FIGURES_PER_YEAR, "2015", "Credit line")}
    assert year_2015 == {"USD": ["credit-b"], "usd": ["elsewhere"]}
    [debt] = _find(rows, FIGURES_PER_COUNTRY, "BY", "Debt China refused to write off")
    assert debt.parts == (("debt", 2.3e8),)
    counts = next(r for r in rows if r.table == "features per country" and r.group == "KZ")
    assert counts.feature_ids == ["elsewhere"]
    everything = next(r for r in rows if r.table == "features per layer" and r.group == "all")
    assert everything.feature_ids == ["credit-a", "credit-b", "debt", "share-b", "growth", "elsewhere"]


@pytest.mark.parametrize(
    ("label", "unit", "additive"),
    [
        ("Loan", "USD", True),
        ("Doses received", "doses", True),
        ("Rail containers", "TEU", True),
        ("Share", "%", False),
        ("Share", " per cent ", False),
        ("Change", "pp", False),
        ("Growth", "x", False),
        ("Growth", "×", False),
        ("Growth (times)", "", False),
        ("Exports grew tenfold", "", False),
        ("Scaffolding", "t", True),
        ("Price to earnings ratio", "", False),
        ("Investment", "USD/year", False),
        ("Investment", "USD per year", False),
        ("Investment a year", "USD", False),
        ("Investment", "USD p.a.", False),
        ("Flights", "per week", False),
        ("Pressure", "Pa", True),
    ],
)
def test_what_does_not_add_up(label, unit, additive):
    assert is_additive(Figure(label, 1.0, unit)) is additive


def test_the_bundled_belarus_loans_are_two_totals_not_one():
    catalog = FeatureFilter(countries=frozenset({"BY"}), tags=frozenset({"loan"})).apply(load_catalog())
    totals = {(r.label, r.unit): r.value for r in statistics(catalog) if r.table == FIGURES_PER_COUNTRY and r.group == "all"}
    assert ("Debt China refused to write off", "USD") in totals
    assert totals[("Debt China refused to write off", "USD")] == 2.3e8
    assert all(value != pytest.approx(2.323e10) for value in totals.values())


def test_stats_csv_has_a_label_column(files, capsys):
    files.write("money.yaml", LAYER)
    assert main(["stats", str(files.folder), "--csv", "--country", "BY"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "table,group,label,unit,value"
    assert "figures per country,BY,Credit line,USD,3000000000" in lines
    assert "figures per country,BY,Debt China refused to write off,USD,230000000" in lines
    assert "figures not summed,Debt not written off,Share of the state debt,%,20" in lines
