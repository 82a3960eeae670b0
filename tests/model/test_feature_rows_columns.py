"""A cached layer's table rows come from its columns: the same cells as from its Feature
objects, without building them (issue 14: the app opening a million cached features)."""

from __future__ import annotations

import pytest

from influencemap.model.feature_rows import COLUMN_INDEX, COLUMNS, FeatureRows
from tests.model.conftest import cached_layers_folder
from tests.model.test_feature_table import SOURCES, from_disk, points_layer

VARIED = """\
id: varied
name: Varied layer
features:
  - {id: v-1, name: Émigré office, point: [25.3, 54.7], countries: [LT, BY], actors: [Wang Yi], tags: [office, soft],
     start: 2011, end: 2019, precision: city, sources: [doc-a, {ref: doc-b, locator: p. 2}],
     figures: [{label: Loan, value: 1.5e9, unit: USD}, {label: Share, value: 12.5}]}
  - {id: v-2, name: A line, line: [[27.5, 53.9], [28.0, 53.5]], countries: [BY], sources: [doc-b]}
  - {id: v-3, name: "zeta\\ttab", point: [30.5, 50.4], date: 2013-05-20, countries: [UA], sources: [doc-a],
     figures: [{label: Grant, value: 7, unit: EUR}]}
"""


@pytest.fixture
def folder(tmp_path, monkeypatch):
    yield from cached_layers_folder(tmp_path, monkeypatch, SOURCES)


@pytest.fixture
def cached(folder, monkeypatch):
    (folder / "a.yaml").write_text(points_layer("a", 12), encoding="utf-8")
    (folder / "v.yaml").write_text(VARIED, encoding="utf-8")
    _, catalog = from_disk(folder, monkeypatch)
    tables = [layer.features for layer in catalog.layers]
    assert tables and not any(table.built for table in tables)
    return catalog


def _all_cells(rows: FeatureRows) -> list[list]:
    return [rows.cells(row) for row in range(len(rows))]


def test_rows_from_unbuilt_columns_equal_rows_from_the_built_features_cell_for_cell(cached):
    from_columns = FeatureRows(cached, layers=cached.layers)
    cells = _all_cells(from_columns)
    texts = [[from_columns.cell_text(row, c) for c in range(len(COLUMNS))] for row in range(len(from_columns))]
    ids = [from_columns.feature_id(row) for row in range(len(from_columns))]
    assert not any(layer.features.built for layer in cached.layers)  # reading the rows built nothing

    from_features = FeatureRows(cached, [f for layer in cached.layers for f in layer.features])
    assert any(layer.features.built for layer in cached.layers)
    assert len(cells) == 15
    assert cells == _all_cells(from_features)
    assert texts == [[from_features.text(from_features.feature(r), c) for c in range(len(COLUMNS))] for r in range(15)]
    assert ids == [from_features.feature(r).id for r in range(15)]
    varied = cells[ids.index("v-1")]
    assert varied[COLUMN_INDEX["figures"]] == "Loan: 1,500,000,000 USD; Share: 12.5"
    assert varied[COLUMN_INDEX["sources"]] == 2


def _sorted_and_filtered(rows: FeatureRows, column: str) -> dict:
    rows.sort(COLUMN_INDEX[column], descending=True)
    rows.set_query("by")
    return {"cells": _all_cells(rows), "tsv": rows.tsv(range(3)), "a-4": rows.row_of("a-4"), "v-3": rows.row_of("v-3")}


@pytest.mark.parametrize("column", [c.key for c in COLUMNS])
def test_sorting_filtering_and_finding_rows_from_columns_agree_with_the_features(cached, column):
    from_columns = _sorted_and_filtered(FeatureRows(cached, layers=cached.layers), column)
    assert not any(layer.features.built for layer in cached.layers)
    from_features = _sorted_and_filtered(FeatureRows(cached, [f for layer in cached.layers for f in layer.features]), column)
    assert from_columns == from_features
    assert from_columns["v-3"] == -1 and from_columns["a-4"] >= 0  # v-3 is in UA only: filtered out
    assert len(from_columns["cells"]) == 14


def test_the_geojson_of_the_rows_shown_builds_only_those_rows(cached):
    rows = FeatureRows(cached, layers=cached.layers)
    rows.set_query("émigré")
    shown = rows.shown_catalog()
    assert [f.id for f in shown.features()] == ["v-1"]
    assert shown.layers[0].name == "Varied layer"
    assert not any(layer.features.built for layer in cached.layers)
