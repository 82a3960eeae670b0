"""Multi-part geometries and holes in the GeoJSON and HTML exports; the HTML draws lines across
±180° the short way (checked in the page's data and in real headless Chromium)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from influencemap.export.geojson import to_feature_collection
from influencemap.export.html import HtmlOptions, layer_features, render_html, write_html
from influencemap.model.loader import load_catalog
from tests.export.test_html_browser import browser  # noqa: F401 - the fixture

SOURCES = "sources:\n  - {id: doc-a, title: A report}\n"

MULTI = """\
id: multi
name: Multi
features:
  - {id: offices, name: Offices, multipoint: [[27.56, 53.9], [30.52, 50.45]], sources: [doc-a]}
  - {id: routes, name: Routes, multiline: [[[24, 52], [27, 53]], [[31, 50], [33, 49]]], sources: [doc-a]}
  - id: lake
    name: Square with a lake
    polygon: [[[22, 44], [28, 44], [28, 50], [22, 50]], [[24, 46], [26, 46], [26, 48], [24, 48]]]
    sources: [doc-a]
  - {id: twins, name: Twins, multipolygon: [[[30, 44], [32, 44], [32, 46]], [[36, 44], [38, 44], [38, 46]]], sources: [doc-a]}
  - {id: across, name: Across, line: [[179.5, 65], [-179.5, 65.5]], sources: [doc-a]}
"""


@pytest.fixture
def catalog(tmp_path: Path):
    folder = tmp_path / "layers"
    folder.mkdir()
    (folder / "sources.yaml").write_text(SOURCES, encoding="utf-8")
    (folder / "multi.yaml").write_text(MULTI, encoding="utf-8")
    loaded = load_catalog([folder], include_bundled_sources=False)
    assert not loaded.errors, [p.format() for p in loaded.errors]
    return loaded


def test_geojson_export_keeps_parts_and_holes_and_the_coordinates_as_written(catalog):
    geometries = {f["id"]: f["geometry"] for f in to_feature_collection(catalog)["features"]}
    assert geometries["offices"] == {"type": "MultiPoint", "coordinates": ((27.56, 53.9), (30.52, 50.45))}
    assert geometries["routes"]["type"] == "MultiLineString" and len(geometries["routes"]["coordinates"]) == 2
    assert geometries["lake"]["type"] == "Polygon" and len(geometries["lake"]["coordinates"]) == 2
    assert geometries["twins"]["type"] == "MultiPolygon" and len(geometries["twins"]["coordinates"]) == 2
    # GeoJSON keeps the data: the line is written as it was, from 179.5 to -179.5.
    assert geometries["across"] == {"type": "LineString", "coordinates": ((179.5, 65.0), (-179.5, 65.5))}


def _page_geometries(catalog) -> dict[str, dict]:
    import re

    page = render_html(catalog, HtmlOptions(title="t"))
    found = {}
    for block in re.findall(r'<script type="application/json"[^>]*>(.*?)</script>', page, re.S):
        value = json.loads(block)
        if isinstance(value, dict) and "spec" in value and "data" in value:
            for feature in layer_features(value["data"]):
                found[feature["properties"]["id"] if "properties" in feature else feature["id"]] = feature["geometry"]
    return found


def test_html_export_holds_every_part_and_draws_the_dateline_line_the_short_way(catalog):
    geometries = _page_geometries(catalog)
    assert geometries["offices"]["type"] == "MultiPoint"
    assert geometries["twins"]["type"] == "MultiPolygon" and len(geometries["lake"]["coordinates"]) == 2
    across = geometries["across"]
    assert across["type"] == "MultiLineString"  # the short way, and its copy at the other edge
    assert across["coordinates"] == [[[179.5, 65.0], [180.5, 65.5]], [[-180.5, 65.0], [-179.5, 65.5]]]


@pytest.mark.browser
def test_leaflet_draws_each_part_and_the_short_way(browser, catalog, tmp_path):  # noqa: F811
    out = tmp_path / "map.html"
    write_html(catalog, out, HtmlOptions(title="Multi"))
    browser.open(out)
    found = browser.evaluate(
        """(() => {
            const out = {};
            influencemap.layers["multi"].features.forEach(l => {
                const id = l.feature.properties.id;
                // Every point is a clustered marker of its own: a MultiPoint's parts are several.
                if (l.getLatLng) { out[id] = {parts: ((out[id] || {}).parts || 0) + 1}; return; }
                const flat = l.getLatLngs().flat(3);
                const parts = Array.isArray(l.getLatLngs()[0]) ? l.getLatLngs().length : 1;
                let jump = 0;
                const lines = Array.isArray(l.getLatLngs()[0]) ? l.getLatLngs() : [l.getLatLngs()];
                lines.forEach(line => { for (let i = 1; i < line.length; i++) {
                    if (Array.isArray(line[i])) continue;
                    jump = Math.max(jump, Math.abs(line[i].lng - line[i - 1].lng)); } });
                out[id] = {parts: parts, vertices: flat.length, jump: jump};
            });
            return out;
        })()"""
    )
    assert found["offices"] == {"parts": 2}  # one marker per point
    assert found["routes"]["parts"] == 2 and found["twins"]["parts"] == 2
    assert found["across"]["parts"] == 2 and found["across"]["jump"] == pytest.approx(1.0)
    assert browser.console_errors == []


@pytest.mark.browser
def test_a_clustered_layer_takes_a_multipoint_as_one_marker_per_part(browser, tmp_path):  # noqa: F811
    folder = tmp_path / "layers"
    folder.mkdir()
    (folder / "sources.yaml").write_text(SOURCES, encoding="utf-8")
    (folder / "spots.yaml").write_text(
        "id: spots\nname: Spots\nfeatures:\n"
        "  - {id: offices, name: Offices, multipoint: [[27.56, 53.9], [30.52, 50.45], [37.6, 55.75]], sources: [doc-a]}\n"
        "  - {id: one, name: One, point: [76.9, 43.2], sources: [doc-a]}\n",
        encoding="utf-8",
    )
    catalog = load_catalog([folder], include_bundled_sources=False)
    out = tmp_path / "map.html"
    write_html(catalog, out, HtmlOptions(title="Clustered"))  # every point layer is clustered
    browser.open(out)
    found = browser.evaluate(
        """(() => {
            const entry = influencemap.layers["spots"];
            const markers = [];
            entry.layer.getLayers().forEach(m => markers.push(m));
            return {cluster: entry.cluster, markers: markers.length,
                    ids: markers.map(m => m.feature && m.feature.properties.id).sort()};
        })()"""
    )
    assert found["cluster"] is True
    assert found["markers"] == 4  # three parts and the single point
    assert found["ids"] == ["offices", "offices", "offices", "one"]  # each part knows its feature (popup, filter)
    assert browser.evaluate("influencemap.features.length") == 2  # counted and searched once per feature
    browser.evaluate("influencemap.setYears(2030, 2031, false)")  # both are undated: all hidden
    assert browser.evaluate("influencemap.layers.spots.layer.getLayers().length") == 0
    assert browser.console_errors == []
