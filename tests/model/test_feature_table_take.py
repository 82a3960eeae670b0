"""The feature table is the only in-memory form of a layer's features (issue 14 b):
``take(rows)`` chooses rows of a table sharing its columns, ``FeatureTable.of`` makes a table of
Feature objects, filters choose rows from the columns, and ``Layer.features`` is a table after
every producer (loader, filter, actors registry, attribute table, last good layers)."""

from __future__ import annotations

import dataclasses
import random

import numpy as np
import pytest

from influencemap.editing.last_good import LastGoodLayers
from influencemap.model.actors import canonical_layers
from influencemap.model.feature_rows import FeatureRows
from influencemap.model.feature_table import COLUMNS, FeatureTable
from influencemap.model.filters import FeatureFilter
from influencemap.model.loader import load_catalog
from influencemap.model.catalog import Catalog
from influencemap.model.types import Actor, Layer, Origin, Problem, Severity
from tests.model.conftest import cached_layers_folder
from tests.model.test_feature_table import SOURCES, from_disk

KINDS = ("point", "line", "polygon", "multipoint")


def varied_layer(layer_id: str, count: int, seed: int = 7) -> str:
    """``count`` features of every geometry kind with 0–3 citations, 0–2 figures, dated,
    undated and ongoing spans, several countries, tags and actors (seeded)."""
    pick = random.Random(seed)
    rows = []
    for i in range(count):
        x, y = 20.0 + (i % 400) * 0.05, 40.0 + (i // 400) * 0.05
        kind = KINDS[i % 4] if pick.random() < 0.6 else "point"
        geometry = {
            "point": f"point: [{x:.2f}, {y:.2f}]",
            "line": f"line: [[{x:.2f}, {y:.2f}], [{x + 0.5:.2f}, {y + 0.3:.2f}]]",
            "polygon": f"polygon: [[{x:.2f}, {y:.2f}], [{x + 0.4:.2f}, {y:.2f}], [{x + 0.2:.2f}, {y + 0.3:.2f}]]",
            "multipoint": f"multipoint: [[{x:.2f}, {y:.2f}], [{x + 0.1:.2f}, {y + 0.1:.2f}]]",
        }[kind]
        cited = ", ".join(f"{{ref: doc-{'ab'[j % 2]}, locator: p. {i}-{j}}}" for j in range(pick.randint(1, 3)))
        figures = ", ".join(f"{{label: L{j}, value: {i + j}.5, unit: USD}}" for j in range(pick.randint(0, 2)))
        when = pick.choice(["", f"date: {2000 + i % 25}", f"start: {2005 + i % 10}-0{1 + i % 9}",
                            f"start: {2001 + i % 7}\n    end: {2012 + i % 9}"])
        rows.append(
            f"  - id: {layer_id}-{i}\n    name: Feature {i}\n    {geometry}\n"
            f"    countries: [{pick.choice(['BY', 'UA', 'KZ', 'BY, UA', 'RS'])}]\n"
            f"    tags: [{pick.choice(['loan', 'rail', 'loan, port', 'grant'])}]\n"
            f"    actors: [{pick.choice(['Bank A', 'Firm B', 'Bank A, Firm B', 'Ministry C'])}]\n"
            + (f"    {when}\n" if when else "")
            + (f"    figures: [{figures}]\n" if figures else "")
            + f"    sources: [{cited}]\n"
        )
    return f"id: {layer_id}\nname: Layer {layer_id}\nfeatures:\n" + "".join(rows)


@pytest.fixture
def folder(tmp_path, monkeypatch):
    yield from cached_layers_folder(tmp_path, monkeypatch, SOURCES)


@pytest.fixture
def cached(folder, monkeypatch):
    """A catalog of a generated layer read back from the disk cache (its table not built)."""
    (folder / "v.yaml").write_text(varied_layer("v", 5000), encoding="utf-8")
    _, catalog = from_disk(folder, monkeypatch)
    (layer,) = catalog.layers
    assert isinstance(layer.features, FeatureTable) and not layer.features.built
    return catalog


def _table(catalog) -> FeatureTable:
    return catalog.layers[0].features


def test_take_gives_the_chosen_rows_in_the_order_given(cached):
    table = _table(cached)
    rows = [4999, 3, 17, 2, 1000]
    chosen = table.take(rows)
    assert len(chosen) == 5
    assert chosen.ids == [table.ids[r] for r in rows]
    assert [chosen.origin(i) for i in range(5)] == [table.origin(r) for r in rows]
    assert list(chosen) == [table.row(r) for r in rows]
    assert chosen[-1] == table.row(1000)


def test_a_chosen_row_is_the_parent_s_own_feature_and_its_columns_are_the_parent_s_values(cached):
    table = _table(cached)
    chosen = table.take([10, 20, 30])
    assert chosen[1] is table.row(20)
    assert all(chosen.column("names")[i] is table.column("names")[r] for i, r in enumerate([10, 20, 30]))
    assert not table.built and not chosen.built  # reading rows and columns built no whole table


def test_take_shares_the_parent_columns_through_row_positions(cached):
    table = _table(cached)
    chosen = table.take(np.arange(0, 5000, 2))
    # The chosen table holds positions into the parent, not a copy of its columns…
    assert chosen.rows_of_parent.dtype == np.intp and chosen.rows_of_parent.tolist() == list(range(0, 5000, 2))
    # …and a column of it is gathered from the parent's: the same objects, not copies.
    tags = chosen.column("tags")
    assert all(tags[i] is table.column("tags")[2 * i] for i in range(0, 2500, 97))


def test_nested_take_chooses_rows_of_the_first_table(cached):
    table = _table(cached)
    outer = table.take([1, 3, 5, 7, 9])
    inner = outer.take([4, 0, 2])
    assert inner.ids == [table.ids[r] for r in (9, 1, 5)]
    assert inner.rows_of_parent.tolist() == [9, 1, 5]
    assert inner[0] is table.row(9)


def test_taking_nothing_or_everything(cached):
    table = _table(cached)
    empty = table.take([])
    assert len(empty) == 0 and list(empty) == [] and empty.ids == [] and empty.lonlat_bounds() is None
    assert table.take(range(len(table))) is table
    assert table.take([0]).take([]) is empty
    with pytest.raises(IndexError):
        table.take([5000])
    with pytest.raises(IndexError):
        table.take([-1])


def test_every_column_of_chosen_rows_builds_the_same_features_as_the_parent(cached):
    """Many rows (more than are built one by one) are built together from the gathered
    columns: points, other shapes, citations, figures and source references all line up."""
    table = _table(cached)
    rows = sorted(random.Random(3).sample(range(5000), 4500), reverse=True)
    chosen = table.take(rows)
    built = list(chosen)  # from the gathered columns, the parent still not built
    assert not table.built
    assert built == [table.row(r) for r in rows]
    assert {f.kind.value for f in built} == {"point", "line", "polygon"}
    assert any(f.geometry.geom_type == "MultiPoint" for f in built)
    refs = [ref for f in built for ref in f.citations]
    assert chosen.column("ref_names") == [c.ref for c in refs]
    assert chosen.lonlat_bounds() == pytest.approx(
        Layer("x", "X", tuple(table.row(r) for r in rows)).bounds)


def test_a_table_of_feature_objects_has_their_columns_and_holds_the_objects(cached):
    table = _table(cached)
    features = [table.row(r) for r in range(0, 5000, 7)]
    made = FeatureTable.of(features, "v.yaml")
    assert made[3] is features[3] and made.built
    reference = table.take(range(0, 5000, 7))
    for name in COLUMNS:
        if name in ("points", "kinds"):
            assert np.array_equal(np.asarray(made.column(name)).reshape(-1), np.asarray(reference.column(name)).reshape(-1))
        elif name == "ref_places":  # where a source reference is written is known only when read from the file
            assert len(made.column(name)) == len(reference.column(name))
        else:
            assert list(made.column(name)) == list(reference.column(name)), name
    assert made.take([2, 0])[0] is features[2]
    assert FeatureTable.of(made) is made


def test_a_layer_makes_what_it_is_given_into_a_table():
    layer = Layer("a", "A", ())
    assert isinstance(layer.features, FeatureTable) and len(layer.features) == 0
    assert Layer("a", "A", []) == layer  # no features: the same (empty) table
    catalog = load_catalog()
    given = tuple(catalog.layers[0].features)[:3]
    assert isinstance(dataclasses.replace(catalog.layers[0], features=given).features, FeatureTable)
    assert list(dataclasses.replace(catalog.layers[0], features=given).features) == list(given)


FILTERS = [
    FeatureFilter(countries=frozenset({"BY"})),
    FeatureFilter(countries=frozenset({"UA", "KZ"}), tags=frozenset({"loan"})),
    FeatureFilter(actors=frozenset({"Bank A"})),
    FeatureFilter(date_from="2008", date_to="2012-06"),
    FeatureFilter(date_from="2008", include_undated=True),
    FeatureFilter(date_to="2003-02-11", countries=frozenset({"BY", "UA", "RS"})),
    FeatureFilter(date_from="2030"),
    FeatureFilter(tags=frozenset({"nothing-has-this"})),
    FeatureFilter(date_from="2015", tags=frozenset({"loan", "rail", "port", "grant", "railway", "bank"}), include_undated=True),
]


def _by_reference(feature_filter: FeatureFilter, catalog) -> list[tuple[str, str]]:
    """What the filter keeps, one Feature at a time (the rule :meth:`FeatureFilter.accepts` states)."""
    return [(layer.id, f.id) for layer in catalog.layers if feature_filter.accepts_layer(layer)
            for f in layer.features if feature_filter.accepts(f)]


@pytest.mark.parametrize("feature_filter", FILTERS, ids=range(len(FILTERS)))
def test_filtering_columns_keeps_what_filtering_features_one_by_one_keeps(cached, feature_filter):
    filtered = feature_filter.apply(cached)
    assert not _table(cached).built  # chosen from the columns: no Feature built
    assert all(isinstance(layer.features, FeatureTable) for layer in filtered.layers)
    assert [(layer.id, f.id) for layer in filtered.layers for f in layer.features] == _by_reference(feature_filter, cached)


def test_filtering_the_bundled_layers_keeps_what_filtering_features_one_by_one_keeps():
    catalog = load_catalog()
    countries = sorted({c for f in catalog.features() for c in f.countries})
    tags = sorted({t for f in catalog.features() for t in f.tags})
    actors = sorted({a for f in catalog.features() for a in f.actors})
    filters = FILTERS + [
        FeatureFilter(countries=frozenset(countries[:3])),
        FeatureFilter(tags=frozenset(tags[::5])),
        FeatureFilter(actors=frozenset(actors[:4]), date_from="2016"),
        FeatureFilter(date_from="2014-03", date_to="2019", categories=frozenset({"Finance"})),
    ]
    for feature_filter in filters:
        filtered = feature_filter.apply(catalog)
        assert [(layer.id, f.id) for layer in filtered.layers for f in layer.features] == _by_reference(feature_filter, catalog)
    assert sum(len(FeatureFilter(countries=frozenset(countries[:3])).apply(catalog).layers[i].features)
               for i in range(len(catalog.layers))) > 0


def test_the_loader_gives_tables_fresh_cached_and_when_it_drops_features(folder, monkeypatch):
    (folder / "v.yaml").write_text(varied_layer("v", 40), encoding="utf-8")
    # w repeats two of v's ids: those two are dropped, the rest of w is the rows kept of its table.
    (folder / "w.yaml").write_text(varied_layer("w", 30).replace("id: w-3\n", "id: v-3\n").replace("id: w-9\n", "id: v-9\n"),
                                   encoding="utf-8")
    fresh, cached = from_disk(folder, monkeypatch)
    for catalog in (fresh, cached):
        assert all(isinstance(layer.features, FeatureTable) for layer in catalog.layers)
        w = catalog.layer("w")
        assert len(w.features) == 28 and "v-3" not in w.features.ids
        assert w.features.rows_of_parent is not None  # the kept rows of the file's table
        assert sum(p.message.startswith("duplicate feature id") for p in catalog.problems) == 2


def test_the_actors_registry_gives_tables_from_the_columns(cached):
    registry = {"bank-a": Actor("bank-a", "Bank A Ltd", ("Bank A",))}
    table = _table(cached)
    layers, _ = canonical_layers(list(cached.layers), registry)
    (layer,) = layers
    renamed_table = layer.features
    assert isinstance(renamed_table, FeatureTable) and not table.built  # the actors column replaced, nothing built
    assert "Bank A" not in {a for row in renamed_table.column("actors") for a in row}
    assert renamed_table.column("names") is table.column("names")  # the other columns are the same

    def expected(feature):
        if "Bank A" not in feature.actors:
            return feature
        names = tuple(dict.fromkeys("Bank A Ltd" if a == "Bank A" else a for a in feature.actors))
        return dataclasses.replace(feature, actors=names, actors_as_written=feature.actors)

    wanted = [expected(table.row(i)) for i in range(len(table))]
    one_by_one = [renamed_table.row(i) for i in range(0, len(table), 50)]
    assert [(f.actors, f.actors_as_written) for f in one_by_one] == [(f.actors, f.actors_as_written) for f in wanted[::50]]
    assert [(f.actors, f.actors_as_written) for f in renamed_table] == [(f.actors, f.actors_as_written) for f in wanted]
    assert list(renamed_table) == wanted
    # A filter on the canonical name, and rows chosen from the renamed table, keep the written spelling.
    chosen = FeatureFilter(actors=frozenset({"Bank A Ltd"})).apply(Catalog(layers=(layer,), sources=cached.sources))
    assert len(chosen.layers[0].features) == sum("Bank A" in f.actors for f in table)
    assert all(f.actors_as_written and "Bank A" in f.actors_as_written for f in chosen.layers[0].features)
    # Feature objects (a layer given them) get the same rows.
    (from_objects,), _ = canonical_layers([Layer("v", "V", tuple(table.row(i) for i in range(300)))], registry)
    assert [(f.actors, f.actors_as_written) for f in from_objects.features] == [(f.actors, f.actors_as_written) for f in wanted[:300]]


def test_the_attribute_table_s_shown_rows_and_the_last_good_layers_give_tables(cached):
    rows = FeatureRows(cached, layers=cached.layers)
    rows.set_query("feature 12")
    shown = rows.shown_catalog()
    assert all(isinstance(layer.features, FeatureTable) for layer in shown.layers)
    assert shown.layers[0].features.ids == [rows.feature_id(r) for r in range(len(rows))]
    assert not _table(cached).built

    keeper = LastGoodLayers()
    layer = cached.layers[0]
    keeper.merge(cached)
    other = Layer("other", "Other", (layer.features.row(5),), path="other.yaml")
    broken = Catalog(layers=(other,), sources=cached.sources,
                     problems=(Problem(Origin(layer.path, 1, 1), Severity.ERROR, "broken"),))
    merged = keeper.merge(broken)
    kept = merged.layer(layer.id)
    assert isinstance(kept.features, FeatureTable) and len(kept.features) == len(layer.features) - 1
    assert layer.features.ids[5] not in kept.features.ids
