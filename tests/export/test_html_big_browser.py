"""A big point layer (over 10,000 points) of the HTML export in headless Chromium.

Its points are drawn in clusters on a canvas (influencemap.bigLayer): clicks are real mouse
events sent through the DevTools protocol at the pixels the page reports for its clusters and
points (``influencemap.bigPoints.drawn()``), so the hit-testing, the popups and the lists are
the ones a reader gets. The layer is written through the real loader and exporter, at the
default limit (``HtmlOptions.big_layer_min``), beside a small layer that keeps its DOM markers.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from influencemap.export import html_big_layer
from influencemap.export.html import HtmlOptions, write_html
from influencemap.model.loader import load_catalog

from .test_html_browser import browser  # noqa: F401  (the fixture)

pytestmark = pytest.mark.browser

GRID = 100  # a GRID x GRID lattice of points over Belarus, Ukraine and Poland
STACK = (27.5, 53.9)  # six features at exactly this place
LONELY = (60.0, 40.0)
UNDATED = 50


def _big_layer_text() -> str:
    lines = [
        "id: grid",
        "name: A grid of projects",
        "category: Economy",
        "style: {color: '#6a3d9a', marker: circle, size: 8}",
        "features:",
    ]
    for i in range(GRID):
        for j in range(GRID):
            n = i * GRID + j
            lines += [
                f"  - id: g{n}",
                f"    name: Grid point {n}",
                f"    point: [{20 + 0.2 * i:.1f}, {45 + 0.1 * j:.1f}]",
                f"    date: {2000 + n % 20}",
                f"    sources: [{{ref: report, locator: row {n}}}]",
            ]
    for k in range(6):
        lines += [
            f"  - id: stack-{k}",
            f"    name: Stacked project {k}",
            f"    point: [{STACK[0]}, {STACK[1]}]",
            "    date: 2021-03",
            "    sources: [report]",
        ]
    lines += [
        "  - id: lonely",
        "    name: A lonely dam",
        f"    point: [{LONELY[0]}, {LONELY[1]}]",
        "    start: 2016-05",
        "    countries: [UZ]",
        "    description: A dam on its own.",
        "    figures: [{label: Loan, value: 2.5e8, unit: USD}]",
        "    sources: [{ref: ledger, locator: p. 7, quote: a short phrase}, report]",
    ]
    for k in range(UNDATED):
        lines += [
            f"  - id: undated-{k}",
            f"    name: Undated project {k}",
            f"    point: [{30 + 0.05 * k:.2f}, 46.0]",
            "    sources: [report]",
        ]
    return "\n".join(lines) + "\n"


SOURCES = """\
sources:
  - id: report
    title: A report on projects
    publisher: Some Press
    url: https://example.org/report
  - id: ledger
    title: A ledger
    date: 2019-03
"""

SMALL = """\
id: offices
name: Offices
category: Diplomacy
style: {color: '#e31a1c', marker: square, size: 10}
features:
  - {id: office-a, name: Office A, point: [44.5, 40.2], date: 2012, sources: [report]}
  - {id: office-b, name: Office B, point: [69.3, 41.3], date: 2014, sources: [ledger]}
"""

TOTAL = GRID * GRID + 6 + 1 + UNDATED

OPEN_POPUP = "influencemap.map._popup.getElement()"
"""The open popup (a closed one fades out for a moment after the next has opened)."""


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("big-layers")
    (folder / "sources.yaml").write_text(SOURCES, encoding="utf-8")
    (folder / "grid.yaml").write_text(_big_layer_text(), encoding="utf-8")
    (folder / "offices.yaml").write_text(SMALL, encoding="utf-8")
    catalog = load_catalog([folder], include_bundled_sources=False)
    assert not catalog.errors
    assert html_big_layer.is_big(catalog.layer("grid")) and not html_big_layer.is_big(catalog.layer("offices"))
    out = folder / "map.html"
    write_html(catalog, out, HtmlOptions(title="Big layer"))
    return out


def _open(browser, page: Path, fragment: str = "") -> None:
    browser.call("Emulation.setDeviceMetricsOverride", {"width": 1280, "height": 800, "deviceScaleFactor": 1, "mobile": False}, session=True)
    browser.call("Page.navigate", {"url": "about:blank"}, session=True)  # a new page, not a new fragment
    browser.wait_for("location.href === 'about:blank'")
    browser.call("Page.navigate", {"url": page.resolve().as_uri() + fragment}, session=True)
    browser.wait_for("document.readyState === 'complete' && !!window.influencemap && influencemap.ready === true", timeout=60)
    assert browser.console_errors == []


def _view(browser, lat: float, lon: float, zoom: float) -> None:
    """Move the map (once an earlier zoom's animation is over) and draw its view."""
    browser.wait_for("!influencemap.map._animatingZoom")
    browser.evaluate(f"influencemap.map.setView([{lat}, {lon}], {zoom}, {{animate: false}}), influencemap.bigPoints.refresh(), 1")
    assert browser.evaluate("influencemap.map.getZoom()") == zoom
    assert browser.evaluate("influencemap.bigPoints.drawn().length") > 0


def _drawn(browser) -> list[dict]:
    return browser.evaluate("influencemap.bigPoints.drawn()")


def _click(browser, x: float, y: float) -> None:
    """A real left click at page pixel (x, y) (the map fills the page)."""
    for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
        browser.call("Input.dispatchMouseEvent", {"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1}, session=True)


def _nearest(drawn: list[dict], x: float, y: float) -> dict:
    return min(drawn, key=lambda d: (d["x"] - x) ** 2 + (d["y"] - y) ** 2)


def _screen(browser, lat: float, lon: float) -> dict:
    return browser.evaluate(f"(function () {{ var p = influencemap.map.latLngToContainerPoint([{lat}, {lon}]); return {{x: p.x, y: p.y}}; }})()")


def test_big_layer_is_drawn_as_clusters_on_a_canvas_not_as_dom_markers(browser, page):
    _open(browser, page)
    # the small layer's two markers are the page's only DOM markers (in clusters or not)
    assert browser.evaluate("influencemap.features.length") == 2
    assert browser.evaluate("document.querySelectorAll('.leaflet-marker-icon.im-marker').length") <= 2
    assert browser.evaluate("influencemap.featureCount()") == TOTAL + 2
    _view(browser, 48, 40, 3)  # everything in view
    drawn = _drawn(browser)
    clusters = [d for d in drawn if d["cluster"]]
    assert clusters and sum(d["count"] for d in drawn) == TOTAL
    # the canvas really shows them: the light disc at a cluster's centre is painted
    alpha = browser.evaluate(
        "(function () { var c = document.querySelector('canvas.im-big-points'); var d = influencemap.bigPoints.drawn()"
        ".filter(function (d) { return d.cluster; })[0]; var r = c.getBoundingClientRect();"
        " var m = influencemap.map.getContainer().getBoundingClientRect();"
        " return c.getContext('2d').getImageData(Math.round(d.x + m.left - r.left), Math.round(d.y + m.top - r.top), 1, 1).data[3]; })()"
    )
    assert alpha > 200


def test_click_on_a_cluster_zooms_in_and_on_a_point_opens_its_sourced_popup(browser, page):
    _open(browser, page)
    _view(browser, 48, 40, 3)
    before = browser.evaluate("influencemap.map.getZoom()")
    cluster = max((d for d in _drawn(browser) if d["cluster"]), key=lambda d: d["count"])
    _click(browser, cluster["x"], cluster["y"])
    browser.wait_for(f"influencemap.map.getZoom() > {before}")
    assert browser.evaluate("!influencemap.map._popup")  # zoomed in, nothing listed

    _view(browser, LONELY[1], LONELY[0], 9)
    at = _screen(browser, LONELY[1], LONELY[0])
    point = _nearest(_drawn(browser), at["x"], at["y"])
    assert not point["cluster"] and abs(point["x"] - at["x"]) < 1 and abs(point["y"] - at["y"]) < 1
    _click(browser, point["x"], point["y"])
    browser.wait_for("!!document.querySelector('.leaflet-popup .im-popup-name')")
    popup = browser.evaluate("document.querySelector('.leaflet-popup-content').innerText")
    assert "A lonely dam" in popup and "A dam on its own." in popup and "USD 250" in popup
    numbers = browser.evaluate("[influencemap.sourceNumber('ledger'), influencemap.sourceNumber('report')]")
    assert f"[{numbers[0]}]" in popup and f"[{numbers[1]}]" in popup
    assert "A ledger" in popup and "p. 7" in popup and "a short phrase" in popup
    assert "feature=lonely" in browser.evaluate("influencemap.stateFragment()")


def test_a_stack_lists_its_features_and_each_opens_its_popup(browser, page):
    _open(browser, page)
    _view(browser, STACK[1], STACK[0], 14)
    at = _screen(browser, STACK[1], STACK[0])
    stack = _nearest(_drawn(browser), at["x"], at["y"])
    assert stack["cluster"] and stack["count"] == 6
    _click(browser, stack["x"], stack["y"])
    browser.wait_for("!!document.querySelector('.im-stack-title')")
    assert browser.evaluate("document.querySelector('.im-stack-title').textContent") == "6 features here"
    names = browser.evaluate("Array.from(document.querySelectorAll('.im-stack-name')).map(function (n) { return n.textContent; })")
    assert names == [f"Stacked project {k}" for k in range(6)]
    browser.evaluate("document.querySelectorAll('.im-stack-item')[2].click(), 1")
    browser.wait_for("!!document.querySelector('.leaflet-popup .im-popup-name')")
    assert browser.evaluate("document.querySelector('.im-popup-name').textContent") == "Stacked project 2"
    assert browser.evaluate("document.querySelector('.im-stack-back').textContent").endswith("All 6 features here")
    browser.evaluate("document.querySelector('.im-stack-back').click(), 1")
    browser.wait_for("!!document.querySelector('.im-stack-title')")


def test_year_filter_reduces_the_counts_and_the_clusters(browser, page):
    _open(browser, page)
    _view(browser, 48, 40, 3)
    browser.evaluate("influencemap.setYears(2010, 2012), 1")
    # grid points dated 2010, 2011, 2012 (3 of every 20); the stack is 2021, the dam 2016-; undated are hidden
    expected = GRID * GRID * 3 // 20
    assert browser.evaluate("influencemap.shownCount()") == expected + 1  # and office A (2012), not B (2014)
    browser.wait_for(f"influencemap.bigPoints.drawn().reduce(function (s, d) {{ return s + d.count; }}, 0) === {expected}")
    assert browser.evaluate("document.querySelector('.im-years-count').textContent") == f"{expected + 1:,} of {TOTAL + 2:,} shown"
    browser.evaluate("influencemap.setYears(null, null), 1")
    browser.wait_for(f"influencemap.bigPoints.drawn().reduce(function (s, d) {{ return s + d.count; }}, 0) === {TOTAL}")


def test_search_and_links_reach_a_big_layers_features(browser, page):
    _open(browser, page)
    browser.evaluate(
        "(function () { var input = document.querySelector('.im-search input'); input.value = 'lonely dam';"
        " input.dispatchEvent(new Event('input')); })(), 1"
    )
    browser.wait_for("!!document.querySelector('.im-search-result')")
    assert browser.evaluate("document.querySelector('.im-search-name').textContent") == "A lonely dam"
    box = browser.evaluate("(function () { var r = document.querySelector('.im-search-result').getBoundingClientRect();"
                           " return {x: r.left + r.width / 2, y: r.top + r.height / 2}; })()")
    _click(browser, box["x"], box["y"])
    browser.wait_for("!!document.querySelector('.leaflet-popup .im-popup-name')")
    time.sleep(0.3)  # the popup stays: the click that chose it does not reach the map, which would close it
    assert browser.evaluate("document.querySelector('.im-popup-name').textContent") == "A lonely dam"

    _open(browser, page, "#feature=stack-3")
    browser.wait_for("!!document.querySelector('.leaflet-popup .im-popup-name')")
    assert browser.evaluate("document.querySelector('.im-popup-name').textContent") == "Stacked project 3"
    assert browser.evaluate("document.querySelector('.im-stack-back').textContent").endswith("All 6 features here")
    assert browser.evaluate("influencemap.openFeature('g4321')") is True
    assert browser.evaluate(f"{OPEN_POPUP}.querySelector('.im-popup-name').textContent") == "Grid point 4321"
    assert "row 4321" in browser.evaluate(f"{OPEN_POPUP}.innerText")


def test_small_layer_beside_a_big_one_keeps_dom_markers_with_keyboard_access(browser, page):
    _open(browser, page)
    assert browser.evaluate("influencemap.features.map(function (f) { return f.feature.properties.id; })") == ["office-a", "office-b"]
    _view(browser, 41, 57, 5)
    browser.wait_for("document.querySelectorAll('.leaflet-marker-icon.im-marker').length === 2")
    assert browser.evaluate(
        "Array.from(document.querySelectorAll('.leaflet-marker-icon.im-marker')).every(function (m) { return m.tabIndex === 0; })"
    )
    browser.evaluate("document.querySelector('.leaflet-marker-icon.im-marker').focus(), 1")
    for kind in ("rawKeyDown", "char", "keyUp"):  # Enter, as a keyboard gives it
        params = {"type": kind, "key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 13, "nativeVirtualKeyCode": 13}
        if kind == "char":
            params["text"] = "\r"
        browser.call("Input.dispatchKeyEvent", params, session=True)
    browser.wait_for("!!document.querySelector('.leaflet-popup .im-popup-name')")
    assert browser.evaluate("document.querySelector('.im-popup-name').textContent") in ("Office A", "Office B")


def _press_enter(browser) -> None:
    for kind in ("rawKeyDown", "char", "keyUp"):
        params = {"type": kind, "key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 13, "nativeVirtualKeyCode": 13}
        if kind == "char":
            params["text"] = "\r"
        browser.call("Input.dispatchKeyEvent", params, session=True)


def test_keyboard_opens_the_big_layers_stack_at_the_maps_centre(browser, page):
    _open(browser, page)
    _view(browser, STACK[1], STACK[0], 14)
    browser.evaluate("influencemap.map.getContainer().focus(), 1")
    _press_enter(browser)
    browser.wait_for("!!document.querySelector('.im-stack-title')")
    assert browser.evaluate("document.querySelector('.im-stack-title').textContent") == "6 features here"
    # the list has the focus: Enter on its first feature opens that feature's popup
    assert browser.evaluate("document.activeElement.classList.contains('im-stack-item')")
    _press_enter(browser)
    browser.wait_for(f"!!{OPEN_POPUP}.querySelector('.im-popup-name')")
    assert browser.evaluate(f"{OPEN_POPUP}.querySelector('.im-popup-name').textContent") == "Stacked project 0"


def test_two_big_layers_share_one_set_of_clusters_counted_by_layer(browser, tmp_path):
    folder = tmp_path / "two"
    folder.mkdir()
    (folder / "sources.yaml").write_text(SOURCES, encoding="utf-8")
    for layer, colour, shift in (("north", "#1f78b4", 0.0), ("south", "#e31a1c", 0.05)):
        rows = [f"id: {layer}", f"name: Layer {layer}", f"style: {{color: '{colour}', size: 6}}", "features:"]
        for n in range(60):
            rows.append(f"  - {{id: {layer}-{n}, name: {layer} {n}, point: [{24 + (n % 10) * 0.3 + shift:.2f}, {50 + (n // 10) * 0.3:.2f}],"
                        " sources: [report]}")
        (folder / f"{layer}.yaml").write_text("\n".join(rows) + "\n", encoding="utf-8")
    catalog = load_catalog([folder], include_bundled_sources=False)
    out = tmp_path / "two.html"
    write_html(catalog, out, HtmlOptions(big_layer_min=50))
    _open(browser, out)
    _view(browser, 51, 25, 5)
    drawn = _drawn(browser)
    assert sum(d["count"] for d in drawn) == 120
    for d in drawn:
        assert sum(d["layers"].values()) == d["count"]  # every point counted once, in its layer
    assert any(set(d["layers"]) == {"north", "south"} for d in drawn)  # one cluster, both layers' colours
    # unchecking a layer in the layer list takes its points off the clusters
    browser.evaluate("influencemap.map.removeLayer(influencemap.layers.south.layer), 1")
    drawn = _drawn(browser)
    assert sum(d["count"] for d in drawn) == 60 and all(set(d["layers"]) == {"north"} for d in drawn)
