"""Search over feature text, and statistics that follow the filters."""

from __future__ import annotations

import pytest

from influencemap.cli import main
from influencemap.model.filters import FeatureFilter
from influencemap.model.search import search
from influencemap.model.stats import statistics, to_csv

LAYER = """\
id: loans
name: Loans
features:
  - id: minsk-loan
    name: Credit line for Belarus
    point: [27.56, 53.9]
    date: 2013-05
    countries: [BY]
    actors: [China Development Bank]
    tags: [loan]
    description: Signed during Łukašenka's visit.
    figures: [{label: Loan, value: 1.0e9, unit: USD}, {label: Share, value: 20, unit: "%"}]
    sources: [doc-a]
  - id: montenegro-highway
    name: Highway loan
    point: [19.26, 42.44]
    date: 2014
    countries: [ME]
    tags: [loan]
    figures: [{label: Loan, value: 1.18e9, unit: USD}]
    sources: [doc-a]
  - id: kyiv-port
    name: Port deal
    point: [30.52, 50.45]
    countries: [UA]
    description: Wang Yi visits.
    sources: [doc-a]
"""


@pytest.fixture
def catalog(files):
    files.write("loans.yaml", LAYER)
    return files.load()


def test_search_ignores_case_and_accents_and_looks_beyond_the_name(catalog):
    assert [h.feature_id for h in search(catalog, "lukasenka")] == ["minsk-loan"]
    assert [h.feature_id for h in search(catalog, "WANG yi")] == ["kyiv-port"]
    assert [h.feature_id for h in search(catalog, "development bank")] == ["minsk-loan"]
    assert [h.feature_id for h in search(catalog, "a report")] == ["minsk-loan", "montenegro-highway", "kyiv-port"]


def test_name_hits_rank_first(catalog):
    hits = search(catalog, "loan")
    assert [h.feature_id for h in hits] == ["montenegro-highway", "minsk-loan"] or hits[0].in_name
    assert all(h.in_name for h in hits[: sum(h.in_name for h in hits)])


def test_every_word_must_match(catalog):
    assert search(catalog, "loan montenegro belarus") == []
    assert search(catalog, "   ") == []


def _values(rows):
    return {(r.table, r.group, r.label, r.unit): r.value for r in rows}


def test_statistics_count_and_sum_per_label_and_unit(catalog):
    rows = _values(statistics(catalog))
    assert rows[("features per layer", "Loans", "", "features")] == 3
    assert rows[("features per country", "BY", "", "features")] == 1
    assert rows[("figures per country", "ME", "Loan", "USD")] == 1.18e9
    assert rows[("figures per country", "all", "Loan", "USD")] == pytest.approx(2.18e9)
    assert rows[("figures per year", "2013", "Loan", "USD")] == 1.0e9
    # the share is listed with its feature, never in a sum
    assert not any(unit == "%" for (table, _, _, unit) in rows if table != "figures not summed")
    assert rows[("figures not summed", "Credit line for Belarus", "Share", "%")] == 20


def test_statistics_follow_the_filters(catalog):
    filtered = FeatureFilter(date_from="2014", date_to="2014").apply(catalog)
    rows = _values(statistics(filtered))
    assert rows[("features per layer", "Loans", "", "features")] == 1
    assert ("figures per country", "BY", "Loan", "USD") not in rows


def test_stats_command_prints_csv(files, capsys):
    files.write("loans.yaml", LAYER)
    assert main(["stats", str(files.folder), "--csv", "--country", "ME"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "table,group,label,unit,value"
    assert "figures per country,ME,Loan,USD,1180000000" in out
    assert to_csv([]) == "table,group,label,unit,value\n"
