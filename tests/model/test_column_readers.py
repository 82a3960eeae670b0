"""Statistics, search and symbol sizes read a layer's columns (issue 14 (b)): the same answers
as from the layer's Feature objects, without building them."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from influencemap.model import load_cache, sizing
from influencemap.model.feature_table import FeatureTable
from influencemap.model.filters import FeatureFilter
from influencemap.model.identify import _symbol_radii
from influencemap.model.loader import load_catalog
from influencemap.model.search import search
from influencemap.model.stats import statistics
from influencemap.paths import bundled_layers_dir
from tests.model.conftest import cached_layers_folder
from tests.model.test_feature_table import SOURCES, from_disk, points_layer

VARIED = """\
id: varied
name: Varied layer
style: {color: "#0000ff", size: {figure: loan, scale: sqrt, min: 4, max: 30}}
features:
  - {id: v-1, name: Émigré office, point: [25.3, 54.7], countries: [LT, BY, LT], actors: [Wang Yi], tags: [office, soft],
     start: 2011, end: 2019, precision: city, sources: [doc-a, {ref: doc-b, locator: p. 2}], description: A quiet office.,
     figures: [{label: Share, value: 12.5, unit: "%"}, {label: Loan, value: 1.5e9, unit: USD}, {label: LOAN, value: 2, unit: USD}]}
  - {id: v-2, name: A line, line: [[27.5, 53.9], [28.0, 53.5]], countries: [BY], sources: [doc-b],
     figures: [{label: Loan, value: 9e9, unit: USD}]}
  - {id: v-3, name: "zeta tab", point: [30.5, 50.4], date: 2013-05-20, countries: [UA], sources: [doc-a],
     figures: [{label: Grant, value: 7, unit: EUR}, {label: Loan, value: 3e8, unit: usd}, {label: Loans per year, value: 4, unit: USD/year}]}
  - {id: v-4, name: A square, polygon: [[[30, 50], [31, 50], [31, 51], [30, 51], [30, 50]]], countries: [UA, PL], sources: [doc-a],
     figures: [{label: loan, value: 5e8, unit: USD}], tags: [office]}
  - {id: v-5, name: Nothing counted, point: [26.0, 52.0], sources: [doc-b]}
"""

QUERIES = ("feature", "office", "a report", "b report", "quiet", "t1", "wang", "émigré", "belt road", "bank", "rail",
           "huawei", "port", "university", "loan", "vaccine", "nothing at all here")


def _as_objects(catalog):
    """The same catalog with every layer's features as a table of Feature objects (built
    from the columns, then read back through the objects)."""
    layers = tuple(dataclasses.replace(layer, features=FeatureTable.of(list(layer.features))) for layer in catalog.layers)
    return dataclasses.replace(catalog, layers=layers)


def _answers(catalog) -> dict:
    rows = statistics(catalog)
    return {
        "stats": [(row, row.parts) for row in rows],
        "search": {query: search(catalog, query) for query in QUERIES},
        "sizes": [sizing.layer_sizes(layer) for layer in catalog.layers],
        "values": [np.asarray(sizing.values_of(layer.features, layer.style.size_by)).tolist()
                   for layer in catalog.layers if layer.style.size_by is not None],
        "radii": _symbol_radii(catalog, catalog.layers, catalog.feature_count).tolist(),
    }


def _same(a: dict, b: dict) -> None:
    assert a["stats"] == b["stats"]
    assert a["search"] == b["search"]
    assert a["sizes"] == b["sizes"]
    assert np.allclose(np.array(sum(a["values"], []), dtype=float), np.array(sum(b["values"], []), dtype=float), equal_nan=True)
    assert a["radii"] == b["radii"]


@pytest.fixture
def generated(tmp_path, monkeypatch):
    for folder in cached_layers_folder(tmp_path, monkeypatch, SOURCES):
        (folder / "a.yaml").write_text(points_layer("a", 40), encoding="utf-8")
        (folder / "v.yaml").write_text(VARIED, encoding="utf-8")
        _, catalog = from_disk(folder, monkeypatch)
        assert not any(layer.features.built for layer in catalog.layers)
        yield catalog


@pytest.fixture(scope="module")
def bundled(tmp_path_factory):
    """The bundled layers from the load cache (a second load, from disk)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("INFLUENCEMAP_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
        load_cache.clear_memory()
        load_catalog([bundled_layers_dir()])
        load_cache.flush()
        load_cache.clear_memory()
        catalog = load_catalog([bundled_layers_dir()])
        yield catalog
        load_cache.flush()
        load_cache.clear_memory()


def _unbuilt(catalog) -> list[str]:
    return [layer.id for layer in catalog.layers if not layer.features.built]


def test_generated_layer_answers_from_columns_equal_answers_from_feature_objects(generated):
    from_columns = _answers(generated)
    assert not any(layer.features.built for layer in generated.layers)  # nothing above built a Feature
    _same(from_columns, _answers(_as_objects(generated)))
    assert any(row.table == "figures not summed" for row, _ in from_columns["stats"])
    assert sum(1 for hits in from_columns["search"].values() if hits) >= 6
    varied = generated.layer("varied")
    assert sizing.layer_sizes(varied).top == 9e9  # the line's figure counts for the size key
    values = sizing.values_of(varied.features, varied.style.size_by).tolist()
    assert values[:4] == [1.5e9, 9e9, 3e8, 5e8] and math.isnan(values[4])  # the first matching figure


def test_filtered_rows_answer_like_their_feature_objects(generated):
    shown = FeatureFilter(countries=frozenset({"UA", "LT"})).apply(generated)
    assert shown.feature_count == 3
    from_columns = _answers(shown)
    assert not any(layer.features.built for layer in generated.layers + shown.layers if len(layer.features))
    _same(from_columns, _answers(_as_objects(shown)))


def test_bundled_layers_answer_from_columns_as_from_feature_objects(bundled):
    unbuilt = _unbuilt(bundled)
    assert len(unbuilt) >= 10
    from_columns = _answers(bundled)
    assert _unbuilt(bundled) == unbuilt  # statistics, search and sizes built no layer's features
    assert any(size is not None for size in from_columns["sizes"])  # the AidData layers are sized
    assert sum(1 for hits in from_columns["search"].values() if hits) >= 8
    _same(from_columns, _answers(_as_objects(bundled)))


def test_shapes_and_extent_of_a_mixed_layer_come_from_the_columns(generated):
    from influencemap.model.extent import feature_boxes, robust_layer_bounds

    varied = generated.layer("varied")
    shapes = varied.features.shapes()
    boxes = feature_boxes([varied])
    robust = robust_layer_bounds(varied)
    assert not varied.features.built
    geometries = [f.geometry for f in varied.features]
    assert [s.geom_type for s in shapes] == ["Point", "LineString", "Point", "Polygon", "Point"]
    assert all(a.equals(b) for a, b in zip(shapes, geometries, strict=True))
    assert boxes.tolist() == [list(g.bounds) for g in geometries]
    assert robust == (25.3, 50.0, 31.0, 54.7)
