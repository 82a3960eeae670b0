"""What the exported page draws where, checked in headless Chromium on the bundled layers:
country names only inside their own country (also when the country's label point is off
screen), and polygons far smaller than a pixel drawn as a square one can see and click.

Through the harness of ``test_html_browser``; the click is a real mouse event.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import shapely

from influencemap.export.html import HtmlOptions, write_html
from influencemap.geo.basemap import load_countries
from influencemap.model.loader import load_catalog
from tests.export.test_html_browser import browser  # noqa: F401 (the fixture)
from tests.export.test_html_reach import _click

pytestmark = pytest.mark.browser

WIDTH, HEIGHT = 1400, 900

TINY_PROJECT = "aiddata-66983"
"""An AidData project in Belarus whose OpenStreetMap shape is about a kilometre across: a
fraction of a pixel at zoom 5, far from any point of the bundled layers."""


@pytest.fixture(scope="module")
def bundled_page(tmp_path_factory):
    catalog = load_catalog()
    out = tmp_path_factory.mktemp("shapes") / "bundled.html"
    write_html(catalog, out, HtmlOptions(title="China's influence across Eurasia"))
    return out, catalog


def _set_view(browser, lat: float, lon: float, zoom: float) -> None:  # noqa: F811
    browser.evaluate(f"influencemap.map.setView([{lat}, {lon}], {zoom}, {{animate: false}}) && true")


def _country_names(browser) -> dict[str, tuple[float, float]]:  # noqa: F811
    """Each country name shown: the (lon, lat) under the middle of its text."""
    shown = browser.evaluate(
        """(() => {
            const map = influencemap.map, box = map.getContainer().getBoundingClientRect();
            return [...document.querySelectorAll('.im-country-label span')].map(span => {
                const r = span.getBoundingClientRect();
                if (r.width === 0 || getComputedStyle(span).display === 'none' || getComputedStyle(span.parentNode).display === 'none') return null;
                const at = map.containerPointToLatLng([r.x + r.width / 2 - box.x, r.y + r.height / 2 - box.y]);
                return [span.textContent, at.lng, at.lat];
            }).filter(Boolean);
        })()"""
    )
    return {name: (lon, lat) for name, lon, lat in shown}


def test_country_names_are_placed_only_inside_their_country(browser, bundled_page):  # noqa: F811
    path, _ = bundled_page
    browser.open(path, WIDTH, HEIGHT)
    _set_view(browser, 53.9, 27.56, 7)  # Minsk: Ukraine's and Russia's label points are far off screen
    names = _country_names(browser)
    outlines = {str(name): geometry for name, geometry in zip(load_countries()["name"], load_countries().geometry)}
    # The countries that fill a good part of this view are named, in their visible part
    # (before, a country whose label point was off screen had no name at all).
    for wanted in ("Belarus", "Ukraine", "Russia", "Lithuania"):
        assert wanted in names, names
    for name, (lon, lat) in names.items():
        assert shapely.contains_xy(outlines[name], lon, lat), f"{name} is drawn at {lon:.3f}, {lat:.3f}, outside it"
    # Panned, the names follow: still each inside its own country.
    _set_view(browser, 50.5, 60.0, 5)
    names = _country_names(browser)
    assert "Russia" in names and "Kazakhstan" in names, names
    for name, (lon, lat) in names.items():
        assert shapely.contains_xy(outlines[name], lon, lat), f"{name} is drawn at {lon:.3f}, {lat:.3f}, outside it"
    assert browser.console_errors == []


def _project_path(feature_id: str) -> str:
    return f"influencemap.features.find(l => l.feature.properties.id === {feature_id!r})"


def test_a_building_sized_polygon_shows_as_a_square_that_opens_its_popup(browser, bundled_page):  # noqa: F811
    path, catalog = bundled_page
    feature = next(f for f in catalog.features() if f.id == TINY_PROJECT)
    assert "Polygon" in feature.geometry.geom_type
    minlon, minlat, maxlon, maxlat = feature.geometry.bounds
    assert max(maxlon - minlon, maxlat - minlat) < 0.02  # under half a pixel at zoom 5
    browser.open(path, WIDTH, HEIGHT)
    _set_view(browser, 53.5, 28.0, 5)
    layer = _project_path(TINY_PROJECT)
    box = browser.evaluate(f"(() => {{ const r = {layer}.getElement().getBoundingClientRect(); return [r.x, r.y, r.width, r.height]; }})()")
    x, y, w, h = box
    assert 6 <= w <= 12 and 6 <= h <= 12, box  # a square of a few pixels, not an invisible speck
    assert 0 < x < WIDTH and 0 < y < HEIGHT
    # visible: nothing of ours covers it, and it is drawn in the layer's colours
    assert browser.evaluate(f"document.elementFromPoint({x + w / 2}, {y + h / 2}) === {layer}.getElement()")
    style = browser.evaluate(f"(() => {{ const s = getComputedStyle({layer}.getElement()); return [s.fill, s.stroke, s.fillOpacity]; }})()")
    assert style[0] == "rgb(239, 138, 98)" and style[1] == "rgb(178, 24, 43)" and float(style[2]) >= 0.8, style
    # keyboard reachable like the other shapes: focused, Enter opens its popup
    assert browser.evaluate(f"{layer}.getElement().getAttribute('tabindex')") == "0"
    browser.evaluate(f"{layer}.getElement().focus() || true")
    for kind in ("keyDown", "keyUp"):
        browser.call("Input.dispatchKeyEvent", {"type": kind, "key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 13}, session=True)
    browser.wait_for("document.querySelector('.leaflet-popup-content .im-popup-name')")
    assert browser.evaluate("document.querySelector('.leaflet-popup-content .im-popup-name').textContent") == feature.name
    browser.evaluate("influencemap.map.closePopup() && true")
    # filtered out and back in (a new path element), it is still the square
    browser.evaluate("influencemap.setYears(1900, 1901) || true")
    browser.evaluate("influencemap.setYears(null, null) || true")
    assert browser.evaluate(f"{layer}.getElement().classList.contains('im-tiny-polygon')")
    _click(browser, x + w / 2, y + h / 2)
    browser.wait_for("document.querySelector('.leaflet-popup-content .im-popup-name')")
    popup = browser.evaluate(
        "(() => { const box = document.querySelector('.leaflet-popup-content .im-popup');"
        " return [box.querySelector('.im-popup-name').textContent,"
        " [...box.querySelectorAll('.im-source-title')].map(e => e.textContent)]; })()"
    )
    assert popup[0] == feature.name
    assert "AidData's Global Chinese Development Finance Dataset, Version 2.0" in popup[1]
    # zoomed in, the real shape is drawn again
    browser.evaluate("influencemap.map.closePopup() && true")
    centre = feature.geometry.centroid
    _set_view(browser, centre.y, centre.x, 15)
    w, h = browser.evaluate(f"(() => {{ const r = {layer}.getElement().getBoundingClientRect(); return [r.width, r.height]; }})()")
    assert max(w, h) > 50
    assert not browser.evaluate(f"{layer}.getElement().classList.contains('im-tiny-polygon')")
    assert browser.console_errors == []
