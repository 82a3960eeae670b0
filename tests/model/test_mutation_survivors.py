"""Behaviour the mutation run (scripts/mutation.sh) found untested in the Qt-free core.

Each test pins what a user sees: which features a filter keeps, what search finds and in what
order, what the statistics count, how a span is written. Figures are read only through what
``statistics()`` promises (see test_caught_mutants.py), so a change of how figure rows are
grouped does not break them.
"""

from __future__ import annotations

import pytest
from shapely.geometry import Point

from influencemap.model.catalog import Catalog
from influencemap.model.dates import format_span
from influencemap.model.filters import FeatureFilter, shown_catalog
from influencemap.model.search import SearchHit, search
from influencemap.model.stats import ALL, statistics, to_text
from influencemap.model.types import Feature, GeometryKind, Layer

LAYERS = """\
id: loans
name: Loans
category: Economy
features:
  - id: a-minsk
    name: Credit line
    point: [27.56, 53.9]
    date: 2013-05
    countries: [BY]
    actors: [China Development Bank]
    tags: [loan]
    description: Signed during a state visit.
    sources: [doc-a]
  - id: b-kyiv
    name: Port deal
    point: [30.52, 50.45]
    start: 2011
    countries: [UA, BY]
    actors: [COSCO]
    tags: [shipping]
    sources: [doc-a]
  - id: c-undated
    name: Office
    point: [37.6, 55.7]
    countries: [RU]
    sources: [doc-a]
"""

UNCATEGORISED = """\
id: misc
name: Misc
features:
  - {id: d-misc, name: Credit office, point: [27.6, 53.9], date: 2013-01, countries: [BY], sources: [doc-a]}
"""


@pytest.fixture
def catalog(files) -> Catalog:
    files.write("loans.yaml", LAYERS)
    files.write("misc.yaml", UNCATEGORISED)
    loaded = files.load()
    assert not loaded.errors, loaded.errors
    return loaded


def ids(catalog: Catalog) -> list[str]:
    return [f.id for f in catalog.features()]


# -- filters ------------------------------------------------------------------------------------


def test_the_actor_filter_keeps_features_of_those_actors_only(catalog):
    assert ids(FeatureFilter(actors=frozenset({"COSCO"})).apply(catalog)) == ["b-kyiv"]
    assert ids(FeatureFilter(actors=frozenset({"Nobody"})).apply(catalog)) == []


def test_the_category_filter_and_layers_without_a_category(catalog):
    assert ids(FeatureFilter(categories=frozenset({"Economy"})).apply(catalog)) == ["a-minsk", "b-kyiv", "c-undated"]
    # a layer without a category is in none: filtering by a category leaves it out
    assert ids(FeatureFilter(categories=frozenset({"Other"})).apply(catalog)) == []
    assert "misc" not in [layer.id for layer in FeatureFilter(categories=frozenset({"Economy"})).apply(catalog).layers]


def test_a_filtered_catalog_keeps_its_sources_and_problems(catalog):
    filtered = FeatureFilter(countries=frozenset({"UA"})).apply(catalog)
    assert filtered.sources == catalog.sources
    assert filtered.problems == catalog.problems
    assert list(filtered.citations(next(filtered.features())))  # citations still resolve


def test_shown_catalog_is_the_visible_layers_through_the_filter(catalog):
    shown = shown_catalog(catalog, FeatureFilter(countries=frozenset({"BY"})), ["loans"])
    assert [layer.id for layer in shown.layers] == ["loans"]
    assert ids(shown) == ["a-minsk", "b-kyiv"]
    assert shown.sources == catalog.sources and shown.problems == catalog.problems
    assert ids(shown_catalog(catalog, None, ["misc"])) == ["d-misc"]
    assert ids(shown_catalog(catalog, None, [])) == []  # no visible layer: nothing, not everything
    assert ids(shown_catalog(catalog, FeatureFilter(), ["loans", "misc"])) == ids(catalog)


# -- search -------------------------------------------------------------------------------------


def test_search_looks_in_descriptions_actors_tags_and_source_titles(catalog):
    assert [h.feature_id for h in search(catalog, "state visit")] == ["a-minsk"]
    assert [h.feature_id for h in search(catalog, "cosco")] == ["b-kyiv"]
    assert [h.feature_id for h in search(catalog, "shipping")] == ["b-kyiv"]
    assert {h.feature_id for h in search(catalog, "a report")} == set(ids(catalog))  # doc-a's title


def test_search_words_do_not_match_across_two_fields(catalog):
    # "visit" ends the description and "china" begins the actors: "visit china" is no phrase
    # of the feature, but both words are in it, so it is found; "visitchina" is not
    assert [h.feature_id for h in search(catalog, "visit china")] == ["a-minsk"]
    assert search(catalog, "visitchina") == []


def test_search_hits_carry_the_feature_and_rank_name_hits_then_dated_then_by_date(catalog):
    hits = search(catalog, "credit")
    assert hits[0] == SearchHit("d-misc", "misc", "Credit office", "2013-01", True)
    assert [h.feature_id for h in hits] == ["d-misc", "a-minsk"]  # both in the name: the earlier first
    office = search(catalog, "office")
    assert [h.feature_id for h in office] == ["d-misc", "c-undated"]  # dated before undated
    assert [h.in_name for h in search(catalog, "credit bank")] == [False]


def test_search_limit(catalog):
    assert len(search(catalog, "a report")) == 4
    assert [h.feature_id for h in search(catalog, "a report", limit=2)] == [h.feature_id for h in search(catalog, "a report")[:2]]
    assert len(search(catalog, "a report", limit=None)) == 4


def test_undated_hits_sort_by_name_after_the_dated_ones(files):
    features = "".join(
        f"  - {{id: {fid}, name: {name}, point: [27.5, 53.9], {date}sources: [doc-a]}}\n"
        for fid, name, date in [("x1", "Zeta plant", ""), ("x2", "Alpha plant", ""), ("x3", "Beta plant", "date: 2020, ")]
    )
    files.write("p.yaml", "id: p\nname: P\nfeatures:\n" + features)
    assert [h.name for h in search(files.load(), "plant")] == ["Beta plant", "Alpha plant", "Zeta plant"]


# -- statistics ---------------------------------------------------------------------------------


def rows_of(rows, table):
    return {r.group: r.value for r in rows if r.table == table}


def test_feature_counts_per_layer_and_country(catalog):
    rows = statistics(catalog)
    assert rows_of(rows, "features per layer") == {"Loans": 3, "Misc": 1, ALL: 4}
    # b-kyiv is in UA and BY: counted in each
    assert rows_of(rows, "features per country") == {"BY": 3, "UA": 1, "RU": 1}
    assert all(r.unit == "features" for r in rows if r.table.startswith("features"))


def test_undated_figures_are_summed_under_undated(files):
    files.write("l.yaml", """\
        id: l
        name: L
        features:
          - {id: a, name: A, point: [27.5, 53.9], countries: [BY], figures: [{label: Loan, value: 4, unit: USD}], sources: [doc-a]}
          - {id: b, name: B, point: [27.5, 53.9], countries: [BY], figures: [{label: Loan, value: 6, unit: USD}], sources: [doc-a]}
        """)
    per_year = {r.group: r.value for r in statistics(files.load()) if "year" in r.table}
    assert per_year == {"undated": 10}


def test_the_text_report_lays_out_tables_groups_and_units(catalog):
    text = to_text(statistics(catalog))
    lines = text.splitlines()
    assert lines[0] == "Features per layer"
    assert lines[1] == "  Loans  3"  # the group, then the value right-aligned to its column
    assert "" in lines and "Features per country" in lines
    assert lines[lines.index("Features per country") - 1] == ""  # a blank line between tables
    assert text.endswith("\n")


# -- dates --------------------------------------------------------------------------------------


def test_a_span_of_one_period_is_written_once():
    assert format_span("2015", "2015", False) == "2015"
    assert format_span("2015-05-20", "2015-05-20", True) == "20 May 2015"
    assert format_span("2015", None, False) == "since 2015"
    assert format_span("2015", "2019", False) == "2015 – 2019"
    assert format_span(None, None, False) is None


def test_filters_on_hand_made_features():
    layer = Layer(id="l", name="L", features=(
        Feature(id="f", name="F", layer_id="l", geometry=Point(1, 1), kind=GeometryKind.POINT, citations=(),
                actors=("A",), countries=("BY",)),
    ))
    catalog = Catalog(layers=(layer,), sources={}, problems=())
    assert ids(FeatureFilter(actors=frozenset({"A"}), countries=frozenset({"BY"})).apply(catalog)) == ["f"]
    assert ids(FeatureFilter(actors=frozenset({"B"}), countries=frozenset({"BY"})).apply(catalog)) == []
