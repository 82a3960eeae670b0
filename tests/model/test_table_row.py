"""One feature of a cached table built alone (model/table_row.py), and the catalog's lookup by id
that uses it: the same Feature the whole table would hold, without building the table."""

from __future__ import annotations

from pathlib import Path

import pytest

from influencemap.model import catalog as catalog_module
from influencemap.model.table_row import table_feature
from tests.model.conftest import cached_layers_folder
from tests.model.test_feature_table import MIXED, SOURCES, from_disk, points_layer

SHAPES = """\
id: shapes
name: Shapes
features:
  - id: s-zone
    name: A zone
    polygon: [[27.0, 53.0], [27.4, 53.0], [27.4, 53.3], [27.0, 53.3]]
    description: Where the park is planned.
    countries: [BY]
    sources: [{ref: doc-a, locator: p. 4}]
  - {id: s-pair, name: A pair, multipoint: [[26.0, 53.0], [26.5, 53.0]], countries: [BY], sources: [doc-b]}
  - id: s-spot
    name: A spot
    point: [28.0, 54.0]
    start: 2011
    end: 2014
    countries: [BY, LT]
    actors: [Some company]
    figures: [{label: Loan, value: 2.0e6, unit: USD}, {label: Jobs, value: 300}]
    sources: [doc-a, {ref: doc-b, locator: s. 2, quote: a short phrase}]
"""


@pytest.fixture
def folder(tmp_path, monkeypatch) -> Path:
    yield from cached_layers_folder(tmp_path, monkeypatch, SOURCES)


def cached_catalogs(folder: Path, monkeypatch):
    (folder / "a.yaml").write_text(points_layer("a", 12), encoding="utf-8")
    (folder / "mixed.yaml").write_text(MIXED, encoding="utf-8")
    (folder / "shapes.yaml").write_text(SHAPES, encoding="utf-8")
    fresh, cached = from_disk(folder, monkeypatch)
    assert not fresh.errors
    assert all(not layer.features.built for layer in cached.layers)
    return fresh, cached


def test_each_feature_built_alone_is_the_one_the_whole_table_holds(folder, monkeypatch):
    fresh, cached = cached_catalogs(folder, monkeypatch)
    alone = {
        layer.id: [table_feature(layer.features, row, layer.id) for row in range(len(layer.features))]
        for layer in cached.layers
    }
    assert not any(layer.features.built for layer in cached.layers)
    for layer in cached.layers:
        whole = list(layer.features)
        assert alone[layer.id] == whole == list(fresh.layer(layer.id).features)
        assert [f.origin for f in alone[layer.id]] == [f.origin for f in whole]
        assert [f.geometry.wkt for f in alone[layer.id]] == [f.geometry.wkt for f in whole]
    spot = fresh.feature("s-spot")
    assert cached.find_feature("s-spot") == spot and spot.figures and spot.citations[1].quote == "a short phrase"


def test_the_catalog_finds_a_cached_feature_by_id_without_building_its_table(folder, monkeypatch):
    fresh, cached = cached_catalogs(folder, monkeypatch)
    for fid in ("a-3", "m-line", "s-zone", "s-pair", "s-spot"):
        found = cached.feature(fid)
        assert found == fresh.feature(fid)
        assert cached.find_feature(fid) is found  # the same object each time
    assert cached.find_feature("nowhere") is None
    with pytest.raises(KeyError):
        cached.feature("nowhere")
    assert not any(layer.features.built for layer in cached.layers)


def test_asked_for_many_the_catalog_builds_the_table_once(folder, monkeypatch):
    monkeypatch.setattr(catalog_module, "ROW_FEATURES", 3)
    fresh, cached = cached_catalogs(folder, monkeypatch)
    ids = [f"a-{i}" for i in range(12)]
    assert [cached.feature(fid) for fid in ids] == [fresh.feature(fid) for fid in ids]
    assert cached.layer("a").features.built
    assert cached.feature("a-11") is cached.layer("a").features[11]
