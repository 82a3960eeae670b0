"""The columnar search index (issue 14: a million features searched while typing) answers
exactly as the row-by-row search it replaced, on the bundled layers and on a cached layer
whose texts repeat."""

from __future__ import annotations

import pytest

from influencemap.geo.gazetteer import fold
from influencemap.model import search as search_module
from influencemap.model.filters import FeatureFilter
from influencemap.model.search import SearchHit, filter_rows, ready_search_index, search, search_index
from tests.model.conftest import cached_layers_folder
from tests.model.test_feature_table import from_disk


def reference_search(catalog, query: str, limit: int | None = None) -> list[SearchHit]:
    """The search before the columnar index (commit 92c8ea7), row by row: the judge."""
    entries = []
    for layer in catalog.layers:
        column = layer.features.column
        titles = {ref: source.title for ref, source in catalog.sources.items()}
        refs, counts = column("refs"), column("citation_counts")
        at = 0
        for fid, name, start, description, actors, tags, count in zip(
            column("ids"), column("names"), column("starts"), column("descriptions"), column("actors"), column("tags"), counts
        ):
            cited = [titles[ref] for ref in refs[at:at + count] if ref in titles]
            at += count
            also = [s for a in actors for s in (tuple(catalog.actor(a).aliases) if catalog.actor(a) else ())]
            rest = " \n ".join([description or "", *actors, *also, *tags, *cited])
            entries.append((fid, layer.id, name, start, fold(name), fold(rest)))
    words = fold(query).split()
    if not words:
        return []
    hits = []
    for feature_id, layer_id, shown, start, name, rest in entries:
        if all(w in name or w in rest for w in words):
            hits.append(SearchHit(feature_id, layer_id, shown, start, all(w in name for w in words)))
    hits.sort(key=lambda h: (not h.in_name, h.start is None, h.start or "", h.name))
    return hits[:limit] if limit else hits


SOURCES = "sources:\n  - {id: doc-a, title: A report on ports}\n  - {id: doc-b, title: Belt and Road review}\n"

NAMES = ["Port of Piraeus", "Émigré office", "port deal", "Rail link", "Zeta tab", "Kyiv PORT", "Łukašenka visit", "Bank branch"]
DESCRIPTIONS = ["A loan for the port.", "Rail and road.", "", "Huawei office opened.", "Bank loan; Wang Yi visits."]
DATES = ["2013-05", "2014", "", "2013-05-20", "2020", ""]


def repeated_layer(layer_id: str, count: int) -> str:
    """A layer whose names, descriptions, tags, actors and dates repeat (as in a data file);
    several rows share name and date, so ties are ordered by file order."""
    rows = []
    for i in range(count):
        date = DATES[i % len(DATES)]
        row = [
            f"  - id: {layer_id}-{i}",
            f"    name: \"{NAMES[i % len(NAMES)]}\"",
            f"    point: [{27.0 + (i % 50) * 0.01:.2f}, 53.9]",
            f"    tags: [t{i % 3}, {'loan' if i % 4 else 'rail'}]",
            f"    sources: [doc-{'ab'[i % 2]}]",
        ]
        if date:
            row.append(f"    date: {date}")
        if DESCRIPTIONS[i % len(DESCRIPTIONS)]:
            row.append(f"    description: \"{DESCRIPTIONS[i % len(DESCRIPTIONS)]}\"")
        if i % 5 == 0:
            row.append("    actors: [Wang Yi]")
        rows.append("\n".join(row) + "\n")
    return f"id: {layer_id}\nname: Layer {layer_id}\nfeatures:\n" + "".join(rows)


QUERIES = ("port", "PORT deal", "a", "o", "emigre", "lukasenka", "loan port", "rail", "road belt", "t1", "t1 bank",
           "wang", "huawei office", "report", "review", "zeta", "nothing here", "   ", "p", "of", "ports", "2013")


@pytest.fixture
def repeated(tmp_path, monkeypatch):
    for folder in cached_layers_folder(tmp_path, monkeypatch, SOURCES):
        (folder / "a.yaml").write_text(repeated_layer("a", 300), encoding="utf-8")
        (folder / "b.yaml").write_text(repeated_layer("b", 57), encoding="utf-8")
        _, catalog = from_disk(folder, monkeypatch)
        assert not any(layer.features.built for layer in catalog.layers)
        yield catalog


@pytest.mark.parametrize("few", [0, 4096], ids=["numpy-scan", "bytes-find"])
def test_repeated_texts_of_a_cached_layer_are_found_as_row_by_row(repeated, monkeypatch, few):
    monkeypatch.setattr(search_module, "_FEW", few)
    for query in QUERIES:
        expected = reference_search(repeated, query)
        assert search(repeated, query) == expected, query
        assert search(repeated, query, limit=7) == expected[:7], query
        assert len(search_index(repeated).find(query)) == len(expected)
        assert list(search_index(repeated).find(query)) == expected
    assert len(search(repeated, "port")) > 100  # the queries find many rows, with ties to order


@pytest.mark.parametrize("few", [0, 4096], ids=["numpy-scan", "bytes-find"])
def test_bundled_layers_are_found_as_row_by_row(loaded_bundled, monkeypatch, few):
    monkeypatch.setattr(search_module, "_FEW", few)
    for query in QUERIES + ("china", "belarus loan", "huawei", "confucius institute", "bri", "minsk"):
        assert search(loaded_bundled, query) == reference_search(loaded_bundled, query), query


@pytest.fixture(scope="module")
def loaded_bundled():
    from influencemap.model.loader import load_catalog
    from influencemap.paths import bundled_layers_dir

    return load_catalog([bundled_layers_dir()])


def test_the_index_is_built_once_and_told_ready_only_once_built(repeated):
    assert ready_search_index(repeated) is None
    index = search_index(repeated)
    assert ready_search_index(repeated) is index
    search(repeated, "port")
    assert search_index(repeated) is index


def test_only_the_asked_hits_are_built_while_all_are_counted(repeated):
    matches = search_index(repeated).find("port")
    assert len(matches) == len(reference_search(repeated, "port"))
    assert matches.first(3) == reference_search(repeated, "port")[:3]
    assert matches.first(0) == []


@pytest.mark.parametrize("feature_filter", [
    FeatureFilter(tags=frozenset({"rail"})),
    FeatureFilter(date_from="2013-05-20", date_to="2014-12-31"),
    FeatureFilter(date_from="2013-01-01", date_to="2013-12-31", include_undated=True, tags=frozenset({"t0", "t2"})),
    FeatureFilter(layers=frozenset({"b"})),
], ids=["tags", "dates", "dates-undated-tags", "layer"])
def test_a_filter_as_row_mask_keeps_the_matches_it_accepts_one_by_one(repeated, feature_filter):
    allowed = filter_rows(repeated, feature_filter)
    for query in ("port", "a", "loan port", "t1", "wang"):
        kept = [hit for hit in reference_search(repeated, query)
                if feature_filter.accepts_layer(repeated.layer(hit.layer_id))
                and feature_filter.accepts(repeated.find_feature(hit.feature_id))]
        matches = search_index(repeated).find(query, allowed)
        assert len(matches) == len(kept), query
        assert matches.first(5) == kept[:5], query
    assert 0 < allowed.sum() < len(allowed)
