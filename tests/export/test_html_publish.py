"""An exported map fit to publish, in headless Chromium (offline, the harness of
``test_html_browser``): the numbered sources and the popups that cite them, links that keep
the view, the open feature, the year range and the search in the URL fragment, printing, and
the keyboard.
"""

from __future__ import annotations

import base64
import shutil
import subprocess
from pathlib import Path

import pytest

from influencemap.export.html import HtmlOptions, write_html
from influencemap.model.catalog import Catalog
from influencemap.model.types import Source
from tests.export.test_html_browser import browser, tiny_export  # noqa: F401 (the fixtures)

pytestmark = pytest.mark.browser

DOC_A = "<script>window.__pwned=2</script>Report on <b>loans</b>"


def _open_at(browser, path: Path, fragment: str, width: int = 1280, height: int = 800) -> None:  # noqa: F811
    """Opens the page at ``path#fragment`` and waits until it is ready."""
    browser.call(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        session=True,
    )
    browser.call("Page.navigate", {"url": "about:blank"}, session=True)
    browser.wait_for("document.readyState === 'complete' && location.href === 'about:blank'")
    browser.call("Page.navigate", {"url": path.resolve().as_uri() + "#" + fragment}, session=True)
    browser.wait_for("document.readyState === 'complete' && !!window.influencemap && influencemap.ready === true")


@pytest.fixture
def publish_export(tiny_export, tmp_path):  # noqa: F811
    """The tiny export with a source no feature cites, and a title, subtitle and notes."""
    _, catalog = tiny_export
    unused = Source(id="doc-unused", title="A document nobody cites", url="https://example.org/unused")
    catalog = Catalog(catalog.layers, {**catalog.sources, unused.id: unused}, catalog.problems)
    out = tmp_path / "publish.html"
    options = HtmlOptions(title="Tiny map", subtitle="for the publish test", notes="First line.\nSecond line.")
    write_html(catalog, out, options)
    return out, catalog


SOURCE_LIST = """[...document.querySelectorAll('.im-about .im-sources-item')].map(li => ({
    id: li.dataset.source,
    number: li.querySelector('.im-sources-number').textContent,
    title: li.querySelector('.im-source-title').textContent,
    href: li.querySelector('.im-source-title').getAttribute('href'),
    meta: (li.querySelector('.im-source-meta') || {}).textContent || null,
    cited: li.querySelector('.im-sources-cited').textContent,
}))"""


def test_the_about_panel_lists_every_cited_source_numbered_and_only_those(browser, publish_export):  # noqa: F811
    path, catalog = publish_export
    browser.open(path)
    panel = browser.evaluate(
        """(() => { const box = document.querySelector('.im-title');
                    return {title: box.querySelector('h1').textContent,
                            subtitle: box.querySelector('.im-subtitle').textContent,
                            notes: box.querySelector('.im-notes').innerText,
                            summary: box.querySelector('.im-about summary').textContent}; })()"""
    )
    assert panel == {"title": "Tiny map", "subtitle": "for the publish test", "notes": "First line.\nSecond line.",
                     "summary": "About this map: 2 sources"}
    browser.evaluate("document.querySelector('.im-about summary').click()")
    browser.wait_for("document.querySelectorAll('.im-about .im-sources-item').length > 0")
    listed = browser.evaluate(SOURCE_LIST)
    # numbered in the order the features first cite them; the uncited document is not listed
    assert [item["id"] for item in listed] == ["doc-a", "doc-bad-link"]
    assert [item["number"] for item in listed] == ["[1]", "[2]"]
    assert listed[0]["title"] == DOC_A  # as text, never markup
    assert listed[0]["href"] == "https://example.org/a?x=1&y=2"
    assert listed[0]["meta"] == "A. Writer \u00b7 Some Press & Co \u00b7 30 June 2021"
    assert listed[0]["cited"] == "cited by 5 features"
    assert listed[1]["href"] is None  # a javascript: URL is no link
    assert listed[1]["cited"] == "cited by 1 feature"
    assert browser.evaluate("window.__pwned === undefined")
    # the panel folds away to the title, from a button
    browser.evaluate("document.querySelector('.im-title-toggle').click()")
    assert browser.evaluate("document.querySelector('.im-title-body').hidden") is True
    assert browser.evaluate("document.querySelector('.im-title-toggle').getAttribute('aria-expanded')") == "false"
    assert browser.console_errors == []


def test_popups_cite_by_the_numbers_of_the_list(browser, publish_export):  # noqa: F811
    path, _ = publish_export
    browser.open(path)
    assert browser.evaluate("influencemap.openFeature('kyiv-span')")
    browser.wait_for("document.querySelector('.leaflet-popup-content .im-popup')")
    cited = browser.evaluate(
        """[...document.querySelectorAll('.leaflet-popup-content .im-source')].map(li =>
            [li.querySelector('.im-source-number').textContent, li.querySelector('.im-source-title').textContent])"""
    )
    assert cited == [["[1]", DOC_A], ["[2]", "A document with a bad link"]]
    # [2] opens the list at source 2, with the focus on it
    browser.evaluate("document.querySelectorAll('.leaflet-popup-content .im-source-number')[1].click()")
    browser.wait_for("document.activeElement && document.activeElement.classList.contains('im-sources-item')")
    assert browser.evaluate("document.activeElement.dataset.source") == "doc-bad-link"
    assert browser.evaluate("document.querySelector('.im-about').open") is True


def test_a_date_not_stated_says_how_it_is_known(browser, tiny_export, tmp_path):  # noqa: F811
    from dataclasses import replace

    _, catalog = tiny_export
    layers = tuple(
        replace(layer, features=tuple(replace(f, dating="inferred") if f.id == "minsk-loan" else f for f in layer.features))
        for layer in catalog.layers
    )
    out = tmp_path / "dating.html"
    write_html(Catalog(layers, catalog.sources, catalog.problems), out)
    browser.open(out)
    assert browser.evaluate("influencemap.features.find(l => l.feature.properties.id === 'minsk-loan').feature.properties.dating") == "inferred"
    assert browser.evaluate("influencemap.features.find(l => l.feature.properties.id === 'kyiv-span').feature.properties.dating") == "stated"
    assert browser.evaluate("influencemap.features.find(l => l.feature.properties.id === 'undated-office').feature.properties.dating") is None
    browser.evaluate("influencemap.openFeature('minsk-loan')")
    browser.wait_for("document.querySelector('.leaflet-popup-content .im-popup')")
    fields = browser.evaluate("[...document.querySelectorAll('.leaflet-popup-content .im-popup-fields tr')].map(r => [r.cells[0].textContent, r.cells[1].textContent])")
    assert ["Date", "20 May 2013 (inferred)"] in fields


def test_the_fragment_restores_view_feature_years_and_search(browser, publish_export):  # noqa: F811
    path, _ = publish_export
    _open_at(browser, path, "map=7/53.9/27.56&feature=minsk-loan&years=2013-2017&q=loan")
    state = browser.evaluate(
        """(() => { const m = influencemap.map, c = m.getCenter();
                    return {zoom: m.getZoom(), lat: c.lat, lng: c.lng,
                            popup: (document.querySelector('.leaflet-popup-content .im-popup-name') || {}).textContent || null,
                            years: [...document.querySelectorAll('.im-years input[type=range]')].map(i => i.value),
                            shown: influencemap.features.filter(l => l.influencemapShown).map(l => l.feature.properties.id).sort(),
                            search: document.querySelector('.im-search input').value,
                            results: [...document.querySelectorAll('.im-search-name')].map(e => e.textContent)}; })()"""
    )
    assert state["zoom"] == 7
    assert abs(state["lat"] - 53.9) < 1e-6 and abs(state["lng"] - 27.56) < 1e-6
    assert state["popup"] == "A loan in Minsk"
    assert state["years"] == ["2013", "2017"]
    assert state["shown"] == ["corridor", "minsk-loan"]  # the 2019 span, the 2020 zone and the undated office are out
    assert state["search"] == "loan"
    assert state["results"] == ["A loan in Minsk"]
    assert browser.console_errors == []


def test_the_fragment_follows_the_page_and_reopens_it(browser, publish_export):  # noqa: F811
    path, _ = publish_export
    browser.open(path)
    assert browser.evaluate("location.hash") == ""  # nothing written until the reader does something
    browser.evaluate("influencemap.setYears(2016, 2019, true) || true")
    browser.evaluate(
        """(() => { const input = document.querySelector('.im-search input');
                    input.value = 'a span'; input.dispatchEvent(new Event('input')); })()"""
    )
    browser.evaluate("influencemap.openFeature('kyiv-span') && true")
    browser.evaluate("influencemap.map.setView([50.4, 30.5], 8.5, {animate: false}) && true")
    browser.wait_for("location.hash.indexOf('map=8.5/') >= 0")
    fragment = browser.evaluate("location.hash.slice(1)")
    assert fragment == "map=8.5/50.4000/30.5000&feature=kyiv-span&years=2016-2019&undated=1&q=a%20span"
    # the popup closed: the feature leaves the fragment
    browser.evaluate("influencemap.map.closePopup() && true")
    browser.wait_for("location.hash.indexOf('feature=') < 0")
    # the copied address opens the same state in a fresh page
    _open_at(browser, path, fragment)
    again = browser.evaluate(
        """(() => { const m = influencemap.map;
                    return [m.getZoom(), m.getCenter().lat.toFixed(3), m.getCenter().lng.toFixed(3),
                            document.querySelector('.leaflet-popup-content .im-popup-name').textContent,
                            document.querySelector('.im-years-undated input').checked,
                            document.querySelector('.im-search input').value]; })()"""
    )
    assert again == [8.5, "50.400", "30.500", "A span in Kyiv", True, "a span"]
    # a fragment changed by hand (or a link within the page) is followed too
    browser.evaluate("location.hash = 'map=5/50/30&feature=zone'")
    browser.wait_for("document.querySelector('.leaflet-popup-content .im-popup-name') && "
                     "document.querySelector('.leaflet-popup-content .im-popup-name').textContent === 'A zone'")
    assert browser.evaluate("influencemap.map.getZoom()") == 5
    assert browser.console_errors == []


def test_copy_link_to_a_feature(browser, publish_export):  # noqa: F811
    path, _ = publish_export
    browser.open(path)
    browser.evaluate("influencemap.openFeature('corridor') && true")
    browser.wait_for("document.querySelector('.leaflet-popup-content .im-copy-link')")
    # the clipboard gets the link (a stand-in records what the page writes)
    browser.evaluate(
        """(() => { window.__copied = [];
                    Object.defineProperty(navigator, 'clipboard', {configurable: true, value: {
                        writeText: text => { window.__copied.push(text); return Promise.resolve(); }}}); })()"""
    )
    browser.evaluate("document.querySelector('.leaflet-popup-content .im-copy-link').click()")
    browser.wait_for("document.querySelector('.leaflet-popup-content .im-copy-status').textContent === 'Link copied'")
    (link,) = browser.evaluate("window.__copied")
    assert link.startswith(path.resolve().as_uri() + "#map=")
    assert "&feature=corridor" in link
    # refused by the browser: the link is shown, selected, to copy by hand
    browser.evaluate(
        """Object.defineProperty(navigator, 'clipboard', {configurable: true, value: {
               writeText: () => Promise.reject(new Error('denied'))}}) && true"""
    )
    browser.evaluate("document.querySelector('.leaflet-popup-content .im-copy-link').click()")
    browser.wait_for("document.querySelector('.leaflet-popup-content .im-copy-field')")
    field = browser.evaluate(
        """(() => { const f = document.querySelector('.leaflet-popup-content .im-copy-field');
                    return [f.value, document.activeElement === f, f.selectionStart, f.selectionEnd, f.readOnly]; })()"""
    )
    assert field[0] == link and field[1] is True and (field[2], field[3]) == (0, len(link)) and field[4] is True
    # the link reopens the page on the feature
    _open_at(browser, path, link.split("#", 1)[1])
    assert browser.evaluate("document.querySelector('.leaflet-popup-content .im-popup-name').textContent") == "A corridor"


def test_printing_gives_the_map_the_legend_and_the_sources(browser, publish_export, tmp_path):  # noqa: F811
    path, _ = publish_export
    browser.open(path)
    screen = browser.evaluate("(() => { const m = influencemap.map, b = m.getBounds(); "
                              "return [m.getZoom(), b.getSouth(), b.getWest(), b.getNorth(), b.getEast(), m.getSize().y]; })()")
    browser.call("Emulation.setEmulatedMedia", {"media": "print"}, session=True)
    # the map takes its printed size and still shows what the screen showed
    browser.wait_for(f"influencemap.map.getSize().y !== {screen[5]}")
    shown_on_paper = f"L.latLngBounds([{screen[1]}, {screen[2]}], [{screen[3]}, {screen[4]}])"
    assert browser.evaluate(f"influencemap.map.getBounds().pad(0.01).contains({shown_on_paper})")
    printed = browser.evaluate(
        """(() => { const shown = e => !!e && getComputedStyle(e).display !== 'none' && e.getClientRects().length > 0;
                    const sheet = document.querySelector('section.im-print');
                    return {sheet: shown(sheet),
                            head: document.querySelector('header.im-print h2').textContent,
                            legend: [...sheet.querySelectorAll('.im-print-name')].map(e => e.textContent),
                            sources: [...sheet.querySelectorAll('.im-sources-item')].map(li => li.innerText.replace(/\\s+/g, ' ')),
                            map: shown(document.querySelector('.folium-map')),
                            search: shown(document.querySelector('.im-search')),
                            years: shown(document.querySelector('.im-years')),
                            mapBottom: document.querySelector('.folium-map').getBoundingClientRect().bottom,
                            sheetTop: sheet.getBoundingClientRect().top}; })()"""
    )
    browser.call("Emulation.setEmulatedMedia", {"media": ""}, session=True)
    browser.wait_for(f"influencemap.map.getSize().y === {screen[5]}")
    assert browser.evaluate("influencemap.map.getZoom()") == screen[0]  # the screen's view is back
    assert browser.evaluate("location.hash") == ""  # the paper's view is not the reader's
    assert printed["sheet"] and printed["map"]
    assert printed["head"] == "Tiny map"
    assert printed["legend"] == ["Loans <i>and</i> credits", "Routes"]
    assert printed["sources"][0].startswith("[1] " + DOC_A)
    assert "https://example.org/a?x=1&y=2" in printed["sources"][0]  # on paper the address is written out
    assert printed["sources"][1].startswith("[2] A document with a bad link")
    assert not printed["search"] and not printed["years"]
    assert printed["sheetTop"] >= printed["mapBottom"]  # under the map, not over it
    # on screen the sheet is hidden
    assert browser.evaluate("getComputedStyle(document.querySelector('section.im-print')).display") == "none"
    # and a real print to PDF has the title, the legend and the numbered sources as text
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed")
    data = browser.call("Page.printToPDF", {"printBackground": True}, session=True, timeout=60)["data"]
    pdf = tmp_path / "printed.pdf"
    pdf.write_bytes(base64.b64decode(data))
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = " ".join(text.split())
    for expected in ("Tiny map", "Legend", "Loans <i>and</i> credits", "Sources", "[1]", "Report on <b>loans</b>",
                     "[2] A document with a bad link", "5 of 5 features shown"):
        assert expected in flat, expected
    assert "A document nobody cites" not in flat


def _tab(browser, shift: bool = False) -> None:  # noqa: F811
    modifiers = 8 if shift else 0
    for kind in ("rawKeyDown", "keyUp"):
        browser.call("Input.dispatchKeyEvent", {"type": kind, "key": "Tab", "code": "Tab", "windowsVirtualKeyCode": 9,
                                                "nativeVirtualKeyCode": 9, "modifiers": modifiers}, session=True)


def _press(browser, key: str, code: int, text: str | None = None) -> None:  # noqa: F811
    for kind in ("rawKeyDown", "char", "keyUp"):
        if kind == "char" and text is None:
            continue
        params = {"type": kind, "key": key, "code": key, "windowsVirtualKeyCode": code, "nativeVirtualKeyCode": code}
        if kind == "char":
            params["text"] = text
        browser.call("Input.dispatchKeyEvent", params, session=True)


FOCUSED = """(() => { const e = document.activeElement; if (!e || e === document.body) return null;
    if (e.matches('.im-search input')) return 'search';
    if (e.matches('.im-years-from')) return 'from-year';
    if (e.matches('.im-years-to')) return 'to-year';
    if (e.matches('.im-legend summary')) return 'legend';
    if (e.matches('.im-about summary')) return 'about';
    if (e.matches('.im-title-toggle')) return 'title-toggle';
    if (e.matches('path.leaflet-interactive')) return 'path:' + e.getAttribute('aria-label');
    if (e.matches('.leaflet-marker-icon')) return 'marker';
    return e.tagName.toLowerCase() + '.' + e.className; })()"""


def test_the_keyboard_reaches_the_controls_before_the_features_and_opens_every_popup(browser, tiny_export):  # noqa: F811
    path, _ = tiny_export
    browser.open(path)
    seen = []
    for _ in range(40):
        _tab(browser)
        seen.append(browser.evaluate(FOCUSED))
    first_feature = next(i for i, name in enumerate(seen) if name and (name == "marker" or name.startswith("path:")))
    controls = seen[:first_feature]
    for control in ("title-toggle", "about", "search", "from-year", "to-year", "legend"):
        assert control in controls, (control, seen)
    # the lines and polygons take the focus too, and show it
    assert {"path:A corridor", "path:A zone"} <= set(seen), seen
    browser.evaluate("[...document.querySelectorAll('path.leaflet-interactive')].find(p => p.getAttribute('aria-label') === 'A zone').focus() || true")
    outline = browser.evaluate("getComputedStyle(document.activeElement).stroke")
    assert outline == "rgb(31, 95, 153)"  # the focus colour, not the layer's red
    _press(browser, "Enter", 13, "\r")
    browser.wait_for("document.querySelector('.leaflet-popup-content .im-popup-name')")
    # the popup takes the focus; Tab walks its links and buttons; Escape gives the focus back
    assert browser.evaluate("document.activeElement.classList.contains('im-popup-name')")
    assert browser.evaluate("document.activeElement.textContent") == "A zone"
    _tab(browser)
    assert browser.evaluate("document.activeElement.closest('.leaflet-popup') !== null")
    _press(browser, "Escape", 27)
    browser.wait_for("!document.querySelector('.leaflet-popup')")
    assert browser.evaluate(FOCUSED) == "path:A zone"
    # a marker: Enter opens its popup the same way
    browser.evaluate("document.querySelector('.leaflet-marker-icon.im-marker').focus() || true")
    assert browser.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid"
    _press(browser, "Enter", 13, "\r")
    browser.wait_for("document.activeElement && document.activeElement.classList.contains('im-popup-name')")
    assert browser.console_errors == []


def test_head_of_the_page(browser, publish_export):  # noqa: F811
    path, _ = publish_export
    browser.open(path)
    head = browser.evaluate(
        """({lang: document.documentElement.lang, title: document.title,
             description: document.querySelector('meta[name=description]').content,
             icon: document.querySelector('link[rel=icon]').href.slice(0, 26),
             viewport: document.querySelector('meta[name=viewport]').content})"""
    )
    assert head == {"lang": "en", "title": "Tiny map", "description": "for the publish test",
                    "icon": "data:image/svg+xml;base64,", "viewport": "width=device-width, initial-scale=1"}
    assert browser.blocked == []


def test_without_the_sources_list_popups_give_sources_unnumbered(browser, tiny_export, tmp_path):  # noqa: F811
    _, catalog = tiny_export
    out = tmp_path / "unlisted.html"
    write_html(catalog, out, HtmlOptions(title="No list", sources_list=False))
    browser.open(out)
    assert browser.evaluate("document.querySelector('.im-about')") is None
    assert browser.evaluate("document.querySelector('section.im-print .im-sources-item')") is None
    browser.evaluate("influencemap.openFeature('kyiv-span') && true")
    browser.wait_for("document.querySelector('.leaflet-popup-content .im-popup')")
    titles = browser.evaluate("[...document.querySelectorAll('.leaflet-popup-content .im-source')].map(li => li.textContent)")
    assert titles[0].startswith(DOC_A) and titles[1].startswith("A document with a bad link")
    assert browser.evaluate("document.querySelectorAll('.leaflet-popup-content .im-source-number').length") == 0
