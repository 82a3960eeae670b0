"""The HTML export's offline context (places, lakes, rivers) in real headless Chromium."""

from __future__ import annotations

import json
import re

import pytest

from influencemap.export.html import HtmlOptions, render_html, write_html
from influencemap.model.loader import load_catalog

from tests.export.test_html_browser import LOCAL_SCHEMES, browser  # noqa: F401 (the fixture: headless chromium)

SOURCES = "sources:\n  - {id: doc-a, title: A report}\n"
LAYER = """\
id: facts
name: Facts
features:
  - {id: on-minsk, name: A fact in Minsk, point: [27.5615, 53.9022], sources: [doc-a]}
  - {id: in-almaty, name: A fact in Almaty, point: [76.95, 43.25], sources: [doc-a]}
"""


@pytest.fixture
def export(tmp_path) -> Path:
    folder = tmp_path / "layers"
    folder.mkdir()
    (folder / "sources.yaml").write_text(SOURCES, encoding="utf-8")
    (folder / "facts.yaml").write_text(LAYER, encoding="utf-8")
    catalog = load_catalog([folder], include_bundled_sources=False)
    assert not catalog.errors
    out = tmp_path / "map.html"
    write_html(catalog, out, HtmlOptions(title="Context"))
    return out


def _context_data(page: str) -> dict:
    match = re.search(r'<script type="application/json" id="(influencemap_context_[0-9a-f]+)_data">(.*?)</script>', page, re.S)
    assert match, "no context data block"
    return json.loads(match.group(2))


def test_the_page_carries_places_lakes_and_rivers(export):
    data = _context_data(export.read_text(encoding="utf-8"))
    names = {row[0] for row in data["places"]}
    assert {"Minsk", "Almaty", "Kyiv", "Barysaw", "Beijing"} <= names
    assert data["lakes"] and data["rivers"]
    assert {"Minsk", "Hrodna"} <= {row[0] for row in data["regions"]}
    assert all(len(row) == 3 and row[2] for row in data["lakes"] + data["rivers"])


def _labels(browser) -> list[str]:
    return browser.evaluate("[...document.querySelectorAll('.im-place .im-place-name')].map(e => e.textContent)")


@pytest.mark.browser
def test_places_are_named_by_zoom_and_ours_win(browser, export):
    browser.open(export)
    browser.wait_for("influencemap.ready")
    browser.evaluate("influencemap.map.setView([53.9, 27.9], 8, {animate: false}) && true")
    browser.evaluate("new Promise(r => setTimeout(r, 300))")
    near_minsk = _labels(browser)
    assert "Barysaw" in near_minsk and "Maladzyechna" in near_minsk
    assert "Minsk" not in near_minsk  # our fact sits on its dot: its own marker says where it is
    regions = browser.evaluate("[...document.querySelectorAll('.im-region-name')].map(e => e.textContent)")
    assert "Minsk" in regions  # the region (oblast), light and secondary
    browser.evaluate("influencemap.map.setView([50.45, 30.52], 9, {animate: false}) && true")
    browser.evaluate("new Promise(r => setTimeout(r, 300))")
    assert "Kyiv" in _labels(browser)
    # Zoomed out to a continent: capitals, not towns.
    browser.evaluate("influencemap.map.setView([50.0, 30.0], 4, {animate: false}) && true")
    browser.evaluate("new Promise(r => setTimeout(r, 300))")
    far = _labels(browser)
    capitals = {row[0] for row in _context_data(export.read_text(encoding="utf-8"))["places"] if row[4]}
    assert len(set(far) & capitals) >= 5 and "Barysaw" not in far and "Maladzyechna" not in far
    assert browser.evaluate("document.querySelectorAll('.im-region-name').length") == 0
    # Water is drawn, on its own canvas under the layers.
    assert browser.evaluate("!!document.querySelector('.leaflet-im-context-water-pane canvas')")
    assert browser.blocked == [] and all(url.startswith(LOCAL_SCHEMES) for url in browser.requests)
    assert browser.console_errors == []
    # Over an online tile layer (which names places itself) the context goes; back, it returns.
    base_change = "influencemap.map.fire('baselayerchange', {{layer: {}}}) && true"
    browser.evaluate(base_change.format("{options: {attribution: 'OpenStreetMap contributors'}}"))
    assert browser.evaluate("document.querySelectorAll('.im-place').length") == 0
    browser.evaluate(base_change.format("{options: {attribution: 'Basemap: Natural Earth'}}"))
    browser.evaluate("new Promise(r => setTimeout(r, 200))")
    assert browser.evaluate("document.querySelectorAll('.im-place').length") > 0
    # No two place names overlap.
    boxes = browser.evaluate(
        "[...document.querySelectorAll('.im-place-name, .im-region-name')].map(e => { const r = e.getBoundingClientRect();"
        " return [r.left, r.top, r.right, r.bottom]; })"
    )
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]), (a, b)


def test_an_online_basemap_opens_the_page_on_its_tiles_with_the_offline_one_offered(export, tmp_path):
    from influencemap.model.loader import load_catalog

    catalog = load_catalog([export.parent / "layers"], include_bundled_sources=False)
    offline = render_html(catalog, HtmlOptions())
    assert re.search(r"influencemap_basemap_\w+\.addTo\(", offline)
    assert not re.search(r"tile_layer_\w+\.addTo\(", offline)  # offered, never fetched unless picked
    osm = render_html(catalog, HtmlOptions(basemap="osm"))
    assert not re.search(r"influencemap_basemap_\w+\.addTo\(", osm)
    shown = re.findall(r"var (tile_layer_\w+) = L\.tileLayer\(\s*\"([^\"]+)\"", osm)
    added = set(re.findall(r"(tile_layer_\w+)\.addTo\(", osm))
    assert [url for name, url in shown if name in added] == ["https://tile.openstreetmap.org/{z}/{x}/{y}.png"]
    custom = render_html(catalog, HtmlOptions(basemap="xyz:http://127.0.0.1:9/{z}/{x}/{y}.png"))
    assert "http://127.0.0.1:9/{z}/{x}/{y}.png" in custom and "Tiles: 127.0.0.1:9" in custom
