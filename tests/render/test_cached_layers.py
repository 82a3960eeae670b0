"""Drawing from the caches: a layer read from the load cache (a FeatureTable) and the basemap read
from its projected cache draw exactly what a fresh load draws."""

from __future__ import annotations

import textwrap

import numpy as np
import pytest
from PySide6.QtGui import QImage, QPainter

from influencemap.model import load_cache
from influencemap.model.feature_table import FeatureTable
from influencemap.model.filters import FeatureFilter
from influencemap.model.loader import load_catalog
from influencemap.render import basemap_layer
from influencemap.render.layer_geometry import build_layer_geometry
from influencemap.render.map_settings import MapSettings
from influencemap.render.renderer import render

SOURCES = "sources:\n  - {id: doc-a, title: A report}\n  - {id: doc-b, title: B report}\n  - {id: doc-c, title: C report}\n"


def points_layer(count: int) -> str:
    rows = "".join(
        f"  - {{id: p{i}, name: Place {i}, point: [{24 + (i * 7) % 13 + i / 100:.2f}, {46 + (i * 3) % 8}],"
        f" date: 20{10 + i % 9}, tags: [t{i % 2}], sources: [doc-{'ab'[i % 2]}]}}\n"
        for i in range(count)
    )
    return f'id: pts\nname: Points\nstyle: {{color: "#0000ff", marker: square, size: 10}}\nfeatures:\n{rows}'


@pytest.fixture
def fresh_and_cached(tmp_path, monkeypatch):
    monkeypatch.setenv("INFLUENCEMAP_CACHE_DIR", str(tmp_path / "cache"))
    load_cache.clear_memory()
    folder = tmp_path / "layers"
    folder.mkdir()
    (folder / "sources.yaml").write_text(SOURCES, encoding="utf-8")
    (folder / "pts.yaml").write_text(points_layer(60), encoding="utf-8")
    # A second layer citing a source the first does not, drawn out of view in one test.
    far = 'id: far\nname: Far\nfeatures:\n  - {id: far1, name: Far away, point: [100, 10], sources: [doc-c]}\n'
    (folder / "far.yaml").write_text(textwrap.dedent(far), encoding="utf-8")
    fresh = load_catalog([folder], include_bundled_sources=False)
    load_cache.flush()
    load_cache.clear_memory()
    cached = load_catalog([folder], include_bundled_sources=False)
    yield fresh, cached
    load_cache.flush()
    load_cache.clear_memory()


def draw(catalog, bbox=(23.0, 45.0, 38.0, 54.0), **changes):
    settings = MapSettings.fit_lonlat(bbox, (500, 360), layer_ids=("far", "pts"), show_legend=True).replace(**changes)
    image = QImage(500, 360, QImage.Format.Format_ARGB32_Premultiplied)
    painter = QPainter(image)
    report = render(painter, settings, catalog)
    painter.end()
    return image, report


def test_a_cached_points_layer_has_the_same_geometry_as_a_fresh_one(fresh_and_cached, qapp):
    fresh, cached = fresh_and_cached
    table = cached.layer("pts").features
    assert isinstance(table, FeatureTable)
    old, new = build_layer_geometry(fresh.layer("pts")), build_layer_geometry(cached.layer("pts"))
    assert not table.built
    for a, b in zip(old.by_kind(), new.by_kind()):
        assert len(a) == len(b)
        np.testing.assert_array_equal(a.bounds, b.bounds)
        np.testing.assert_array_equal(a.points, b.points)
        np.testing.assert_array_equal(a.citation_owner, b.citation_owner)
        assert a.citation_refs.tolist() == b.citation_refs.tolist()
    assert [new.points.name(i) for i in range(60)] == [f.name for f in fresh.layer("pts").features]


@pytest.mark.parametrize("labels", [True, False])
def test_a_cached_catalog_draws_the_same_picture_without_building_features(fresh_and_cached, qapp, labels):
    fresh, cached = fresh_and_cached
    draw(fresh, show_labels=labels)  # the process's first text is drawn a few pixels differently
    old_image, old_report = draw(fresh, show_labels=labels)
    new_image, new_report = draw(cached, show_labels=labels)
    assert new_image == old_image
    assert new_report.features == old_report.features == 60
    assert new_report.source_ids == old_report.source_ids == {"doc-a", "doc-b"}  # not doc-c: out of view
    assert new_report.labels == old_report.labels and (new_report.labels > 0) is labels
    assert not any(layer.features.built for layer in cached.layers)


def test_a_filtered_cached_catalog_draws_what_a_fresh_one_does(fresh_and_cached, qapp):
    fresh, cached = fresh_and_cached
    only = FeatureFilter(tags=frozenset({"t1"}))
    draw(fresh, feature_filter=only)  # text first drawn in a process differs a shade (as above)
    old_image, old_report = draw(fresh, feature_filter=only)
    new_image, new_report = draw(cached, feature_filter=only)
    assert new_image == old_image and new_report.features == old_report.features == 30
    assert new_report.source_ids == {"doc-b"}


def test_the_projected_basemap_from_its_cache_equals_a_fresh_projection(tmp_path, monkeypatch, qapp):
    monkeypatch.setenv("INFLUENCEMAP_CACHE_DIR", "")  # no cache: projected in this process
    built = basemap_layer._load()
    monkeypatch.setenv("INFLUENCEMAP_CACHE_DIR", str(tmp_path / "cache"))
    basemap_layer._load()  # writes the entry
    assert list((tmp_path / "cache").glob("basemap-projected-*.marshal"))
    read = basemap_layer._load()
    assert built is not None and read is not None
    assert [c.iso for c in read.countries] == [c.iso for c in built.countries]
    assert "UA" in {c.iso for c in read.countries} and len(read.countries) > 200
    np.testing.assert_array_equal(read.bounds, built.bounds)
    assert read.levels == built.levels
    # Coarser levels have fewer vertices; every level draws every country that has an outline.
    sizes = [sum(len(coords) for coords, _ in level) for level in read.levels]
    assert sizes == sorted(sizes, reverse=True) and sizes[-1] < sizes[0] / 4
    russia = [c.iso for c in read.countries].index("RU")
    assert not read.path(0, russia).isEmpty() and not read.path(len(read.levels) - 1, russia).isEmpty()
