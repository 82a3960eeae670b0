"""Every feature of the exported map can be reached with the mouse: the features at one place
are one cluster whose click lists them all, each opening its own sourced popup; a search
suggestion opens its popup on a click; the legend and the view follow a filtered export.

Headless Chromium, offline, through the harness of ``test_html_browser``; every click is a real
mouse event (``Input.dispatchMouseEvent``), not a script calling ``click()``.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest

from influencemap.export.html import HtmlOptions, write_html
from influencemap.model.extent import robust_bounds
from influencemap.model.filters import FeatureFilter
from influencemap.model.loader import load_catalog
from tests.export.test_html_browser import browser  # noqa: F401 (the fixture)

pytestmark = pytest.mark.browser

MINSK = (27.56, 53.90)


@pytest.fixture(scope="module")
def bundled():
    return load_catalog()


def _export(catalog, out: Path) -> Path:
    write_html(catalog, out, HtmlOptions(title="China's influence across Eurasia"))
    return out


def _click(browser, x: float, y: float) -> None:
    browser.call("Input.dispatchMouseEvent", {"type": "mouseMoved", "x": x, "y": y}, session=True)
    for kind in ("mousePressed", "mouseReleased"):
        browser.call(
            "Input.dispatchMouseEvent",
            {"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1},
            session=True,
        )


def _click_element(browser, expression: str) -> None:
    """A real click on the middle of the element ``expression`` gives (scrolled into view)."""
    box = browser.evaluate(
        f"""(() => {{ const e = {expression}; e.scrollIntoView({{block: 'nearest'}});
                      const r = e.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; }})()"""
    )
    _click(browser, *box)


def _stack_at(catalog, near: tuple[float, float]) -> tuple[tuple[float, float], list]:
    """The biggest set of points sharing one position within 0.2 degree of ``near``."""
    places = defaultdict(list)
    for feature in catalog.features():
        geometry = feature.geometry
        if geometry.geom_type == "Point" and abs(geometry.x - near[0]) < 0.2 and abs(geometry.y - near[1]) < 0.2:
            places[(round(geometry.x, 5), round(geometry.y, 5))].append(feature)
    place = max(places, key=lambda key: len(places[key]))
    return place, places[place]


def test_every_feature_at_minsk_opens_from_its_one_cluster(browser, bundled, tmp_path):  # noqa: F811
    (lon, lat), features = _stack_at(bundled, MINSK)
    assert len(features) >= 20  # the bundled layers pile their Minsk facts on the city's point
    assert len({f.layer_id for f in features}) > 1  # from several layers: still one cluster
    path = _export(bundled, tmp_path / "bundled.html")
    browser.open(path, 1400, 900)
    # zoomed in on the city, its features are one cluster whose count is theirs
    browser.evaluate(f"influencemap.map.setView([{lat}, {lon}], 11, {{animate: false}}) && true")
    nearest_cluster = f"""[...document.querySelectorAll('.im-cluster')].map(e => {{
            const r = e.getBoundingClientRect(), p = influencemap.map.latLngToContainerPoint([{lat}, {lon}]),
                  m = influencemap.map.getContainer().getBoundingClientRect();
            return {{e, d: Math.hypot(r.x + r.width / 2 - m.x - p.x, r.y + r.height / 2 - m.y - p.y)}};
        }}).sort((a, b) => a.d - b.d)[0]"""
    browser.wait_for(f"({nearest_cluster}) && ({nearest_cluster}).d < 3")
    assert browser.evaluate(f"({nearest_cluster}).e.textContent") == str(len(features))
    # one click lists every feature there by name, in one scrolling list (not pages)
    _click_element(browser, f"({nearest_cluster}).e")
    browser.wait_for("document.querySelectorAll('.im-stack-item').length > 0")
    listed = browser.evaluate("[...document.querySelectorAll('.im-stack-item')].map(b => b.dataset.feature)")
    assert sorted(listed) == sorted(f.id for f in features)
    names = browser.evaluate("[...document.querySelectorAll('.im-stack-item .im-stack-name')].map(e => e.textContent)")
    by_id = {f.id: f for f in features}
    assert names == [by_id[i].name for i in listed]
    assert browser.evaluate("document.querySelector('.im-stack-title').textContent") == f"{len(features)} features here"
    scroll = browser.evaluate("(() => { const u = document.querySelector('.im-stack-list'); return [u.scrollHeight, u.clientHeight]; })()")
    assert scroll[0] > scroll[1]  # it scrolls
    # each one opens its own popup, with its name and its sources, and leads back to the list
    for index, feature_id in enumerate(listed):
        feature = by_id[feature_id]
        _click_element(browser, f"document.querySelector('.im-stack-item[data-feature={json.dumps(feature_id)}]')")
        browser.wait_for(
            f"document.querySelector('.im-feature-popup .im-popup-name') && "
            f"document.querySelector('.im-feature-popup .im-popup-name').textContent === {json.dumps(feature.name)}"
        )
        sources = browser.evaluate("[...document.querySelectorAll('.im-feature-popup .im-source-title')].map(e => e.textContent)")
        assert sources and sources[0] == bundled.sources[feature.citations[0].ref].title, feature.id
        browser.wait_for("document.querySelectorAll('.leaflet-popup').length === 1")  # the list's faded out
        _click_element(browser, "document.querySelector('.im-stack-back')")
        browser.wait_for(f"document.querySelectorAll('.im-stack-item').length === {len(features)}")
    assert browser.console_errors == []
    assert browser.blocked == []


def test_a_stack_at_low_zoom_zooms_in_and_the_cluster_counts_every_layer(browser, bundled, tmp_path):  # noqa: F811
    path = _export(bundled, tmp_path / "bundled.html")
    browser.open(path, 1400, 900)
    # every point of every layer is in the one cluster group; lines and polygons are drawn
    points = sum(1 for f in bundled.features() if f.geometry.geom_type == "Point")
    assert browser.evaluate("influencemap.features.filter(l => l.influencemapClustered && influencemap.cluster.hasLayer(l)).length") == points
    counts = browser.evaluate("[...document.querySelectorAll('.im-cluster span')].map(s => parseInt(s.textContent, 10))")
    singles = browser.evaluate("document.querySelectorAll('.im-marker').length")
    # nothing piled unseen: every point in view is in a count or shown; the others lie outside
    # the first view (the robust extent leaves far outliers such as Alaska off-screen)
    off_view = browser.evaluate(
        "influencemap.features.filter(l => l.influencemapClustered && !influencemap.cluster.getVisibleParent(l))"
        ".map(l => influencemap.map.getBounds().contains(l.getLatLng()))"
    )
    assert True not in off_view
    assert sum(counts) + singles == points - len(off_view)
    # a layer switched off in the layer list takes its points out of the shared clusters, and back
    layer = max(bundled.layers, key=lambda l: sum(1 for f in l.features if f.geometry.geom_type == "Point"))
    own = sum(1 for f in layer.features if f.geometry.geom_type == "Point")
    in_cluster = "influencemap.features.filter(l => l.influencemapClustered && influencemap.cluster.hasLayer(l)).length"
    browser.evaluate(f"influencemap.map.removeLayer(influencemap.layers[{json.dumps(layer.id)}].layer) && true")
    assert browser.evaluate(in_cluster) == points - own
    browser.evaluate(f"influencemap.map.addLayer(influencemap.layers[{json.dumps(layer.id)}].layer) && true")
    assert browser.evaluate(in_cluster) == points
    # the year filter too: a range leaves out the undated points ("include undated" is off)
    undated = sum(1 for f in bundled.features() if f.geometry.geom_type == "Point" and not f.start)
    assert undated > 0
    browser.evaluate("influencemap.setYears(1990, null) || true")
    hidden = browser.evaluate("influencemap.features.filter(l => l.influencemapClustered && !l.influencemapShown).length")
    assert hidden >= undated
    assert browser.evaluate(in_cluster) == points - hidden


def test_clicking_a_search_suggestion_opens_its_popup(browser, bundled, tmp_path):  # noqa: F811
    path = _export(bundled, tmp_path / "bundled.html")
    browser.open(path, 1400, 900)
    _click_element(browser, "document.querySelector('.im-search input')")
    browser.call("Input.insertText", {"text": "great stone"}, session=True)
    browser.wait_for("document.querySelectorAll('.im-search-result').length > 1")
    suggestions = browser.evaluate("[...document.querySelectorAll('.im-search-name')].map(e => e.textContent)")
    chosen = suggestions[1]  # not the first, which Enter would open
    _click_element(browser, "document.querySelectorAll('.im-search-result')[1]")
    browser.wait_for(
        f"document.querySelector('.leaflet-popup-content .im-popup-name') && "
        f"document.querySelector('.leaflet-popup-content .im-popup-name').textContent === {json.dumps(chosen)}"
    )
    assert browser.evaluate("document.querySelectorAll('.leaflet-popup-content .im-source-title').length") > 0
    assert browser.evaluate("document.querySelectorAll('.im-search-result').length") == 0  # the list closed
    assert browser.console_errors == []


def test_a_filtered_export_lists_only_its_layers_and_fits_its_features(browser, bundled, tmp_path):  # noqa: F811
    filtered = FeatureFilter(countries=frozenset({"KZ"})).apply(bundled)
    kept = [layer for layer in filtered.layers if len(layer.features)]
    assert 0 < len(kept) < len(bundled.layers)
    path = _export(filtered, tmp_path / "kz.html")
    browser.open(path, 1400, 900)
    legend = browser.evaluate("[...document.querySelectorAll('.im-legend-name')].map(e => e.textContent)")
    assert sorted(legend) == sorted(layer.name for layer in kept)
    in_control = browser.evaluate("[...document.querySelectorAll('.leaflet-control-layers-overlays .im-overlay')].map(e => e.dataset.layer)")
    assert sorted(in_control) == sorted(layer.id for layer in kept)
    minx, miny, maxx, maxy = robust_bounds(filtered)
    box = f"L.latLngBounds([{miny}, {minx}], [{maxy}, {maxx}])"
    assert browser.evaluate(f"influencemap.map.getBounds().contains({box})")
    # fitted: the map could not zoom in further and still show the box
    assert browser.evaluate(f"influencemap.map.getBoundsZoom({box}) - influencemap.map.getZoom()") < 1.5
    # and it is not the whole export's view
    assert browser.evaluate("influencemap.map.getZoom()") >= 4
    assert browser.console_errors == []


def _key(browser, key: str, code: int) -> None:
    for kind in ("rawKeyDown", "char", "keyUp"):
        params = {"type": kind, "key": key, "code": key, "windowsVirtualKeyCode": code, "nativeVirtualKeyCode": code}
        if kind == "char":
            params["text"] = "\r"
        browser.call("Input.dispatchKeyEvent", params, session=True)


def test_a_stack_can_be_listed_and_opened_from_the_keyboard(browser, bundled, tmp_path):  # noqa: F811
    (lon, lat), features = _stack_at(bundled, MINSK)
    path = _export(bundled, tmp_path / "bundled.html")
    browser.open(path, 1400, 900)
    browser.evaluate(f"influencemap.map.setView([{lat}, {lon}], 11, {{animate: false}}) && true")
    stack = f"[...document.querySelectorAll('.im-cluster')].find(e => e.textContent === '{len(features)}')"
    browser.wait_for(stack)
    browser.evaluate(f"{stack}.focus() || true")
    _key(browser, "Enter", 13)
    browser.wait_for("document.activeElement && document.activeElement.classList.contains('im-stack-item')")
    first = browser.evaluate("document.activeElement.dataset.feature")
    name = next(f.name for f in features if f.id == first)
    _key(browser, "Enter", 13)
    browser.wait_for(f"document.querySelector('.im-feature-popup .im-popup-name') && "
                     f"document.querySelector('.im-feature-popup .im-popup-name').textContent === {json.dumps(name)}")
    assert browser.evaluate("document.activeElement.classList.contains('im-stack-back')")
    _key(browser, "Enter", 13)
    browser.wait_for(f"document.querySelectorAll('.im-stack-item').length === {len(features)}")
