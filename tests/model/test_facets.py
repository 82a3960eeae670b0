"""The timeline's years and the filter lists' values, counted without Qt."""

from __future__ import annotations

from influencemap.model.facets import facets, year_bounds, year_histogram

LAYER = """\
id: loans
name: Loans
category: Economy
features:
  - id: minsk-loan
    name: Credit line
    point: [27.56, 53.9]
    date: 2013-05
    countries: [BY, CN]
    actors: [China Development Bank]
    tags: [loan, bri]
    sources: [doc-a]
  - id: railway
    name: Railway
    point: [27.0, 53.0]
    start: 2011
    end: 2018
    countries: [BY]
    tags: [loan, loan]
    sources: [doc-a]
  - id: undated
    name: Undated
    point: [30.52, 50.45]
    countries: [UA]
    sources: [doc-a]
"""

OTHER = """\
id: visits
name: Visits
category: Diplomacy
features:
  - id: visit
    name: Visit
    point: [27.56, 53.9]
    date: 2015-02-01
    actors: [China Development Bank, Wang Yi]
    sources: [doc-a]
"""


def test_years_run_from_the_first_start_to_the_last_end_and_count_starts(files):
    files.write("loans.yaml", LAYER)
    files.write("visits.yaml", OTHER)
    catalog = files.load()
    assert year_bounds(catalog) == (2011, 2018)
    histogram = year_histogram(catalog)
    assert list(histogram) == list(range(2011, 2019))
    assert histogram[2011] == 1 and histogram[2013] == 1 and histogram[2015] == 1
    assert sum(histogram.values()) == 3


def test_a_catalog_without_dates_has_no_years(files):
    files.write("loans.yaml", LAYER.split("  - id: minsk-loan")[0] + "  - id: undated" + LAYER.split("  - id: undated")[1])
    catalog = files.load()
    assert catalog.feature_count == 1
    assert year_bounds(catalog) is None and year_histogram(catalog) == {}


def test_facets_count_features_once_per_value(files):
    files.write("loans.yaml", LAYER)
    files.write("visits.yaml", OTHER)
    found = facets(files.load())
    assert found.countries == {"BY": 2, "CN": 1, "UA": 1}
    assert found.tags == {"loan": 2, "bri": 1}
    assert found.actors == {"China Development Bank": 2, "Wang Yi": 1}
    assert found.categories == {"Economy": 3, "Diplomacy": 1}


def test_shown_catalog_keeps_visible_layers_and_passing_features_only(files):
    from influencemap.model.filters import FeatureFilter, shown_catalog

    files.write("loans.yaml", LAYER)
    files.write("visits.yaml", OTHER)
    catalog = files.load()
    shown = shown_catalog(catalog, FeatureFilter(date_from="2013"), ["loans"])
    assert [layer.id for layer in shown.layers] == ["loans"]
    assert sorted(f.id for f in shown.features()) == ["minsk-loan", "railway"]
    assert shown_catalog(catalog, None, []).feature_count == 0
    assert shown_catalog(catalog, None, ["loans", "visits"]).feature_count == 4


def test_faceted_counts_are_given_the_other_criteria(files):
    from influencemap.model.facets import faceted_counts
    from influencemap.model.filters import FeatureFilter

    files.write("loans.yaml", LAYER)
    files.write("visits.yaml", OTHER)
    catalog = files.load()
    both = ["loans", "visits"]
    # Nothing set: the plain counts.
    plain = faceted_counts(catalog, None, both)
    assert plain.facets == facets(catalog)
    assert plain.years == {2011: 1, 2013: 1, 2015: 1}
    # Checking CN leaves BY's count as BY's features with the rest of the filter: its own
    # list is not applied to it; the tags list is narrowed to CN's features.
    counted = faceted_counts(catalog, FeatureFilter(countries=frozenset({"CN"})), both)
    assert counted.facets.countries == {"BY": 2, "CN": 1, "UA": 1}
    assert counted.facets.tags == {"loan": 1, "bri": 1}
    assert counted.facets.categories == {"Economy": 1}
    assert counted.years == {2013: 1}
    # A date range narrows every list but not the years (the histogram's own criterion).
    dated = faceted_counts(catalog, FeatureFilter(date_from="2014"), both)
    assert dated.facets.countries == {"BY": 1}  # the railway runs to 2018; undated UA hides
    assert dated.years == {2011: 1, 2013: 1, 2015: 1}
    # Hidden layers count for nothing.
    assert faceted_counts(catalog, None, ["visits"]).facets.countries == {}


def test_unfiltered_faceted_counts_reuse_the_columns_counted_once(files, monkeypatch):
    """With nothing filtered and every layer shown, the faceted counts are the plain ones: made
    from each column's distinct values counted once and remembered with the catalog (issue 14:
    on a million features every recount of a column cost a tenth of a second), not recounted
    feature by feature. A filter still counts the features it lets through."""
    from collections import Counter

    from influencemap.model import facets as facets_module
    from influencemap.model.facets import faceted_counts
    from influencemap.model.filters import FeatureFilter

    files.write("loans.yaml", LAYER)
    files.write("visits.yaml", OTHER)
    catalog = files.load()
    both = ["loans", "visits"]
    plain, histogram = facets(catalog), year_histogram(catalog)
    recounted: list = []

    class Spy(Counter):
        def __init__(self, *args, **kwargs):
            if args and not isinstance(args[0], dict):
                recounted.append(args[0])
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(facets_module, "Counter", Spy)
    counted = faceted_counts(catalog, FeatureFilter(), both)
    years_only = faceted_counts(catalog, None, both, lists=False)
    assert recounted == []
    assert counted.facets == plain and counted.years == years_only.years == {2011: 1, 2013: 1, 2015: 1}
    assert {y: n for y, n in histogram.items() if n} == counted.years
    narrowed = faceted_counts(catalog, FeatureFilter(countries=frozenset({"BY"})), both)
    assert recounted  # a filter counts what it lets through
    assert narrowed.facets.countries == {"BY": 2, "CN": 1, "UA": 1} and narrowed.years == {2011: 1, 2013: 1}
