"""Cached features as columns (model/feature_table.py): the same features as a fresh load, built
only when a feature itself is needed, and never from a damaged cache entry."""

from __future__ import annotations

import dataclasses

from pathlib import Path

import pytest

from influencemap.model import load_cache, loader
from influencemap.model.feature_table import FeatureTable
from influencemap.model.filters import FeatureFilter
from influencemap.model.types import GeometryKind
from tests.model.conftest import cached_layers_folder, load_flushed

SOURCES = "sources:\n  - {id: doc-a, title: A report}\n  - {id: doc-b, title: B report}\n"


def points_layer(layer_id: str, count: int, first: int = 0) -> str:
    rows = []
    for i in range(first, first + count):
        rows.append(
            f"  - id: {layer_id}-{i}\n    name: Feature {i}\n    point: [{27.0 + i * 0.01:.2f}, 53.9]\n"
            f"    countries: [BY]\n    date: 20{10 + i % 10}\n    tags: [t{i % 3}]\n"
            f"    figures: [{{label: Loan, value: {i}.5e6, unit: USD}}]\n"
            f"    sources: [{{ref: doc-{'ab'[i % 2]}, locator: p. {i}, quote: phrase {i}}}]\n"
        )
    return f"id: {layer_id}\nname: Layer {layer_id}\nfeatures:\n" + "".join(rows)


MIXED = """\
id: mixed
name: Mixed
features:
  - id: m-point
    name: A point
    point: [27.5, 53.9]
    countries: [BY]
    sources: [doc-a]
  - id: m-line
    name: A line
    line: [[27.5, 53.9], [28.0, 53.5]]
    countries: [BY]
    sources: [doc-b]
"""


@pytest.fixture
def folder(tmp_path, monkeypatch) -> Path:
    yield from cached_layers_folder(tmp_path, monkeypatch, SOURCES)


def from_disk(folder: Path, monkeypatch):
    """Load ``folder`` once fresh and once from the disk cache (the file may not be read again)."""
    fresh = load_flushed(folder)
    load_cache.clear_memory()

    def fail(*args, **kwargs):
        raise AssertionError("the file was read again instead of taken from the cache")

    with monkeypatch.context() as patch:
        patch.setattr(loader, "read_file", fail)
        cached = load_flushed(folder)
    return fresh, cached


def test_a_cached_layer_holds_the_same_features_as_a_fresh_load(folder, monkeypatch):
    (folder / "a.yaml").write_text(points_layer("a", 30), encoding="utf-8")
    (folder / "m.yaml").write_text(MIXED, encoding="utf-8")
    fresh, cached = from_disk(folder, monkeypatch)
    tables = [layer.features for layer in cached.layers]
    assert all(isinstance(t, FeatureTable) and not t.built for t in tables)
    assert [layer.id for layer in cached.layers] == [layer.id for layer in fresh.layers]
    for old, new in zip(fresh.layers, cached.layers):
        assert list(new.features) == list(old.features)
        assert dataclasses.replace(new, features=()) == dataclasses.replace(old, features=())
        assert new.features[3:7] == old.features[3:7]
        assert new.features[-1] == old.features[-1]
        assert new.bounds == old.bounds
    assert cached.feature_count == fresh.feature_count == 32
    assert [p.format() for p in cached.problems] == [p.format() for p in fresh.problems]


def test_counting_checking_and_bounds_do_not_build_the_features(folder, monkeypatch):
    (folder / "a.yaml").write_text(points_layer("a", 20), encoding="utf-8")
    (folder / "b.yaml").write_text(points_layer("b", 5), encoding="utf-8")
    fresh, cached = from_disk(folder, monkeypatch)
    assert cached.feature_count == 25
    assert cached.bounds == pytest.approx(fresh.bounds)
    assert FeatureFilter().apply(cached) is cached
    table = cached.layers[0].features
    assert table.origin(4) == fresh.layers[0].features[4].origin
    assert table.name(4) == "Feature 4"
    assert not any(layer.features.built for layer in cached.layers)
    # One feature is built on its own (a row view); all of them only when all are asked for, once.
    feature = cached.layers[0].features[2]
    assert not table.built and feature is cached.layers[0].features[2]
    assert feature.kind is GeometryKind.POINT and feature.figures[0].value == 2.5e6
    assert list(table)[2] is feature and table.built


def test_the_timeline_and_filter_counts_of_a_cached_layer_match_a_fresh_load_without_building_it(folder, monkeypatch):
    from influencemap.model.facets import facets, year_histogram

    (folder / "a.yaml").write_text(points_layer("a", 30).replace("tags: [t0]", "tags: [t0, t0]"), encoding="utf-8")
    (folder / "m.yaml").write_text(MIXED, encoding="utf-8")
    fresh, cached = from_disk(folder, monkeypatch)
    assert year_histogram(cached) == year_histogram(fresh) and sum(year_histogram(cached).values()) == 30
    assert facets(cached) == facets(fresh)
    assert facets(cached).tags == {"t0": 10, "t1": 10, "t2": 10}  # a tag listed twice counts once
    assert facets(cached).countries == {"BY": 32}
    assert not any(layer.features.built for layer in cached.layers)


def test_a_duplicate_of_a_cached_feature_is_reported_where_the_first_one_is_written(folder, monkeypatch):
    (folder / "a.yaml").write_text(points_layer("a", 10), encoding="utf-8")
    load_flushed(folder)
    load_cache.clear_memory()
    # b.yaml repeats a-7; a.yaml comes from the disk cache as a table, b.yaml is read fresh.
    (folder / "b.yaml").write_text(points_layer("a", 1, first=7).replace("id: a\nname: Layer a", "id: b\nname: Layer b"), encoding="utf-8")
    catalog = load_flushed(folder)
    assert isinstance(catalog.layers[0].features, FeatureTable)
    errors = [p.format() for p in catalog.errors]
    first_line = 4 + 7 * 8  # the header, then 8 lines a feature
    assert errors == [f"{folder / 'b.yaml'}:4:5: error: duplicate feature id 'a-7' (first defined at {folder / 'a.yaml'}:{first_line}:5)"]
    assert [f.id for f in catalog.layers[1].features] == []


def test_an_undefined_source_in_a_cached_file_is_still_reported(folder, monkeypatch):
    (folder / "a.yaml").write_text(points_layer("a", 4).replace("ref: doc-b", "ref: doc-c"), encoding="utf-8")
    fresh, cached = from_disk(folder, monkeypatch)
    assert [p.format() for p in cached.errors] == [p.format() for p in fresh.errors]
    assert len(cached.errors) == 2 and "undefined source 'doc-c'" in cached.errors[0].message
    assert [f.id for f in cached.layers[0].features] == ["a-0", "a-2"]


def test_a_damaged_cache_entry_is_read_again_from_the_file(folder, monkeypatch):
    (folder / "a.yaml").write_text(points_layer("a", 12), encoding="utf-8")
    fresh = load_flushed(folder)
    load_cache.clear_memory()
    entries = list((folder.parent / "cache").glob("load-*.marshal"))
    assert len(entries) == 2  # sources.yaml and a.yaml
    for entry in entries:
        data = bytearray(entry.read_bytes())
        data[len(data) // 2] ^= 0xFF  # one flipped byte inside a column blob
        entry.write_bytes(bytes(data))
    reads = []
    real_read = loader.read_file
    monkeypatch.setattr(loader, "read_file", lambda *a, **k: reads.append(a[0]) or real_read(*a, **k))
    again = load_flushed(folder)
    assert sorted(Path(r).name for r in reads) == ["a.yaml", "sources.yaml"]
    assert list(again.layers[0].features) == list(fresh.layers[0].features)


def test_a_duplicate_names_the_file_that_took_the_id_first_among_files_taken_whole(folder):
    # a.yaml and b.yaml are taken whole (their ids are remembered as a set, not per feature);
    # c.yaml repeats one id of each, so the message must find b.yaml's row, past a.yaml.
    (folder / "a.yaml").write_text(points_layer("a", 5), encoding="utf-8")
    (folder / "b.yaml").write_text(points_layer("b", 5), encoding="utf-8")
    (folder / "c.yaml").write_text(points_layer("b", 1, first=3).replace("id: b\nname: Layer b", "id: c\nname: Layer c")
                                   + points_layer("a", 1, first=2).split("features:\n")[1], encoding="utf-8")
    catalog = load_flushed(folder)
    errors = [p.format() for p in catalog.errors]
    assert errors == [
        f"{folder / 'c.yaml'}:4:5: error: duplicate feature id 'b-3' (first defined at {folder / 'b.yaml'}:{4 + 3 * 8}:5)",
        f"{folder / 'c.yaml'}:12:5: error: duplicate feature id 'a-2' (first defined at {folder / 'a.yaml'}:{4 + 2 * 8}:5)",
    ]
    assert [f.id for f in catalog.layers[2].features] == []
    assert catalog.feature("b-3").origin.path.endswith("b.yaml") and catalog.find_feature("a-2").origin.line == 4 + 2 * 8
    assert catalog.find_feature("c-0") is None
    with pytest.raises(KeyError):
        catalog.feature("c-0")


def test_a_column_read_without_keeping_is_the_kept_one_and_is_not_held(folder, monkeypatch):
    (folder / "a.yaml").write_text(points_layer("a", 12), encoding="utf-8")
    _, cached = from_disk(folder, monkeypatch)
    table = cached.layers[0].features
    names = table.column("names", keep=False)
    assert names == [f"Feature {i}" for i in range(12)]
    assert "names" not in table._decoded  # decoded for the caller only
    kept = table.column("names")
    assert kept == names and kept is not names and table.column("names", keep=False) is kept
    # a taken table gathers from its parent the same way
    part = table.take([3, 1])
    assert part.column("ids", keep=False) == [table.ids[3], table.ids[1]] and "ids" not in part._decoded
