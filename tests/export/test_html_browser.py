"""The exported HTML map in a real browser: Debian's headless Chromium with the network blocked.

Chromium is driven over the DevTools protocol through a pipe (``--remote-debugging-pipe``), so
no Python package beyond the standard library is needed. Every request the page makes is
paused by the protocol's Fetch domain: ``file:`` loads go on, anything else fails and is
recorded. On top of that, the host resolver maps every name to nothing and the proxy is a
closed local port, so even a request the interception missed could not leave the machine.
"""

from __future__ import annotations

import base64
import json
import os
import queue
import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest

from influencemap.export.columns import encode_rows
from influencemap.export.geojson import feature_properties
from influencemap.export.html import HtmlOptions, write_html
from influencemap.model.catalog import Catalog
from influencemap.model.loader import load_catalog
from influencemap.paths import bundled_layers_dir

from .control_chars import control_layer_folder

pytestmark = pytest.mark.browser

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--no-first-run",
    "--no-default-browser-check",
    "--mute-audio",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--proxy-server=127.0.0.1:9",
    "--proxy-bypass-list=<-loopback>",
    "--remote-debugging-pipe",
)

LOCAL_SCHEMES = ("file:", "data:", "blob:", "about:")


class BrowserError(RuntimeError):
    pass


class Chromium:
    """A headless Chromium and one page in it, spoken to over the DevTools pipe."""

    def __init__(self, executable: str, profile: Path) -> None:
        commands_read, self._commands = os.pipe()
        self._replies, replies_write = os.pipe()
        # Chromium reads commands on fd 3 and writes replies on fd 4; bash puts the pipes there
        # (and closes the originals, unless one already is fd 3 or 4: a process with few open
        # files gets them).
        closes = " ".join(f"{fd}>&-" for fd in (commands_read, replies_write) if fd not in (3, 4))
        script = f'exec 3<&{commands_read} 4>&{replies_write} {closes}; exec "$0" "$@"'
        self.process = subprocess.Popen(
            ["bash", "-c", script, executable, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "about:blank"],
            pass_fds=(commands_read, replies_write),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(commands_read)
        os.close(replies_write)
        self._next_id = 0
        self._send_lock = threading.Lock()
        self._waiting: dict[int, queue.Queue] = {}
        self._waiting_lock = threading.Lock()
        self.requests: list[str] = []
        """Every URL the page asked for, in order (local ones included)."""
        self.blocked: list[str] = []
        """The URLs that were not local and so were failed."""
        self.console_errors: list[str] = []
        self._reader = threading.Thread(target=self._read_replies, daemon=True)
        self._reader.start()
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        self.call("Fetch.enable", {"patterns": [{"urlPattern": "*"}]}, session=True)
        self.call("Network.enable", session=True)
        self.call("Runtime.enable", session=True)
        self.call("Page.enable", session=True)

    # -- protocol ---------------------------------------------------------------------------

    def _send(self, method: str, params: dict | None, session: bool) -> int:
        with self._send_lock:
            self._next_id += 1
            message_id = self._next_id
            message = {"id": message_id, "method": method, "params": params or {}}
            if session:
                message["sessionId"] = self.session
            replies: queue.Queue = queue.Queue()
            with self._waiting_lock:
                self._waiting[message_id] = replies
            os.write(self._commands, json.dumps(message).encode() + b"\0")
        return message_id

    def call(self, method: str, params: dict | None = None, session: bool = False, timeout: float = 30) -> dict:
        message_id = self._send(method, params, session)
        try:
            reply = self._waiting[message_id].get(timeout=timeout)
        except queue.Empty:
            raise BrowserError(f"no reply to {method} within {timeout} s") from None
        finally:
            with self._waiting_lock:
                self._waiting.pop(message_id, None)
        if "error" in reply:
            raise BrowserError(f"{method}: {reply['error']}")
        return reply.get("result", {})

    def _read_replies(self) -> None:
        buffer = b""
        while True:
            try:
                chunk = os.read(self._replies, 1 << 16)
            except OSError:
                return
            if not chunk:
                return
            buffer += chunk
            while b"\0" in buffer:
                raw, buffer = buffer.split(b"\0", 1)
                message = json.loads(raw)
                if "id" in message:
                    with self._waiting_lock:
                        replies = self._waiting.get(message["id"])
                    if replies is not None:
                        replies.put(message)
                else:
                    self._on_event(message)

    def _on_event(self, message: dict) -> None:
        method = message.get("method")
        params = message.get("params", {})
        if method == "Fetch.requestPaused":
            url = params["request"]["url"]
            self.requests.append(url)
            if url.startswith(LOCAL_SCHEMES):
                self._send("Fetch.continueRequest", {"requestId": params["requestId"]}, True)
            else:
                self.blocked.append(url)
                self._send("Fetch.failRequest", {"requestId": params["requestId"], "errorReason": "BlockedByClient"}, True)
        elif method == "Network.requestWillBeSent":
            url = params["request"]["url"]
            if not url.startswith(LOCAL_SCHEMES) and url not in self.blocked:
                # seen by the network layer without passing the Fetch pause: count it too
                self.blocked.append(url)
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            thrown = details.get("exception", {})
            self.console_errors.append(str(thrown.get("description") or thrown.get("value") or details.get("text")))
        elif method == "Runtime.consoleAPICalled" and params.get("type") == "error":
            self.console_errors.append(" ".join(str(a.get("value", a.get("description"))) for a in params.get("args", [])))

    # -- page -------------------------------------------------------------------------------

    def open(self, path: Path, width: int = 1280, height: int = 800) -> None:
        self.call(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
            session=True,
        )
        self.call("Page.navigate", {"url": path.resolve().as_uri()}, session=True)
        self.wait_for("document.readyState === 'complete' && !!window.influencemap && influencemap.ready === true")

    def open_document(self, path: Path) -> None:
        """Open any file (an SVG, say) and wait until it is loaded; no map script expected."""
        self.call("Page.navigate", {"url": path.resolve().as_uri()}, session=True)
        self.wait_for("document.readyState === 'complete' && document.documentElement !== null")

    def evaluate(self, expression: str, timeout: float = 30):
        result = self.call(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
            session=True,
            timeout=timeout,
        )
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            raise BrowserError(details.get("exception", {}).get("description") or details.get("text"))
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.evaluate(f"!!({expression})"):
                return
            time.sleep(0.05)
        raise BrowserError(f"timed out waiting for {expression}; page errors: {self.console_errors}")

    def screenshot(self, out: Path) -> None:
        data = self.call("Page.captureScreenshot", {"format": "png"}, session=True)["data"]
        out.write_bytes(base64.b64decode(data))

    def close(self) -> None:
        try:
            self.call("Browser.close", timeout=5)
        except (BrowserError, OSError):
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        for fd in (self._commands, self._replies):
            try:
                os.close(fd)
            except OSError:
                pass


REQUIRE_BROWSER = "INFLUENCEMAP_REQUIRE_BROWSER"
"""Set to 1 by ``make test`` (and true in CI): a missing Chromium fails the browser tests
instead of skipping them, so the suite cannot pass without having run them."""


def chromium_executable() -> str:
    """Debian's chromium; missing, the test fails under ``make test`` and in CI (both install
    it) and skips in a plain ``pytest`` run elsewhere."""
    found = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    if found:
        return found
    if os.environ.get(REQUIRE_BROWSER) == "1" or os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"chromium is not installed, and {REQUIRE_BROWSER}=1 or CI asks for the browser tests: "
                    "apt-get install chromium (make system-deps)")
    pytest.skip("chromium is not installed (apt-get install chromium)")


@pytest.fixture
def browser(tmp_path_factory):
    executable = chromium_executable()
    profile = Path(tempfile.mkdtemp(prefix="chromium-", dir=tmp_path_factory.getbasetemp()))
    chrome = Chromium(executable, profile)
    try:
        yield chrome
    finally:
        chrome.close()


# -- data ------------------------------------------------------------------------------------

SOURCES = """\
sources:
  - id: doc-a
    title: "<script>window.__pwned=2</script>Report on <b>loans</b>"
    publisher: Some Press & Co
    author: A. Writer
    date: 2021-06-30
    url: https://example.org/a?x=1&y=2
  - id: doc-bad-link
    title: A document with a bad link
"""

LOANS = """\
id: loans
name: Loans <i>and</i> credits
category: Economy
style: {color: "#1f78b4", fill: "#a6cee3", marker: square, size: 10}
features:
  - id: minsk-loan
    name: A loan in Minsk
    point: [27.56, 53.90]
    date: 2013-05-20
    countries: [BY]
    actors: [China Development Bank]
    tags: [loan]
    precision: city
    description: <img src=x onerror="window.__pwned=1">A credit line.
    figures: [{label: Loan, value: 1.18e9, unit: USD}]
    sources: [{ref: doc-a, locator: "para 3", quote: "a short <em>phrase</em>"}]
  - id: kyiv-span
    name: A span in Kyiv
    point: [30.52, 50.45]
    start: 2019-06
    countries: [UA]
    sources: [doc-a, doc-bad-link]
  - id: undated-office
    name: An office, undated
    point: [37.62, 55.75]
    countries: [RU]
    sources: [doc-a]
"""

ROUTES = """\
id: routes
name: Routes
category: Transport
style: {color: "#e31a1c", width: 3, dash: dashed}
features:
  - id: corridor
    name: A corridor
    line: [[23.7, 52.1], [27.56, 53.9]]
    start: 2016
    end: 2018
    countries: [BY]
    sources: [doc-a]
  - id: zone
    name: A zone
    polygon: [[27.9, 53.9], [28.0, 53.9], [28.0, 54.0], [27.9, 54.0]]
    start: 2020
    countries: [BY]
    sources: [doc-a]
"""


@pytest.fixture
def tiny_export(tmp_path: Path) -> tuple[Path, object]:
    folder = tmp_path / "layers"
    folder.mkdir()
    (folder / "sources.yaml").write_text(SOURCES, encoding="utf-8")
    (folder / "loans.yaml").write_text(LOANS, encoding="utf-8")
    (folder / "routes.yaml").write_text(ROUTES, encoding="utf-8")
    catalog = load_catalog([folder], include_bundled_sources=False)
    assert not catalog.errors, [p.format() for p in catalog.errors]
    # The loader refuses a javascript: URL; the export must not make a link of one either.
    bad = replace(catalog.sources["doc-bad-link"], url="javascript:window.__pwned=3")
    catalog = Catalog(catalog.layers, {**catalog.sources, bad.id: bad}, catalog.problems)
    out = tmp_path / "map.html"
    write_html(catalog, out, HtmlOptions(title="Tiny map", subtitle="for the browser test"))
    return out, catalog


# -- tests -----------------------------------------------------------------------------------


def test_the_default_export_makes_no_network_request(browser, tiny_export):
    path, _ = tiny_export
    browser.open(path)
    browser.evaluate("new Promise(r => setTimeout(r, 500))")  # let late loads (tiles, fonts) start
    assert browser.blocked == []
    assert any(url.startswith("file:") for url in browser.requests)  # the interception saw the page load
    assert all(url.startswith(LOCAL_SCHEMES) for url in browser.requests)
    assert browser.console_errors == []
    assert browser.evaluate("typeof L.version") == "string"


def test_every_feature_is_its_own_leaflet_layer_with_its_properties_as_written(browser, tiny_export):
    path, catalog = tiny_export
    browser.open(path)
    found = browser.evaluate(
        """(() => {
            const out = {};
            for (const [id, entry] of Object.entries(influencemap.layers)) {
                out[id] = {
                    onMap: influencemap.map.hasLayer(entry.layer),
                    features: entry.layer.getLayers().map(l => l.feature.properties),
                };
            }
            return out;
        })()"""
    )
    assert set(found) == {"loans", "routes"}
    assert all(entry["onMap"] for entry in found.values())
    assert sum(len(entry["features"]) for entry in found.values()) == catalog.feature_count == 5
    expected = {f.id: json.loads(json.dumps(feature_properties(catalog, f))) for f in catalog.features()}
    for entry in found.values():
        for properties in entry["features"]:
            assert properties == expected[properties["id"]]
    # the map folium made is a global
    assert browser.evaluate("Object.keys(window).some(k => k.startsWith('map_') && window[k] === influencemap.map)")


def test_layer_control_groups_layers_by_category(browser, tiny_export):
    path, _ = tiny_export
    browser.open(path)
    entries = browser.evaluate(
        """[...document.querySelectorAll('.leaflet-control-layers-overlays > *')].map(e =>
            e.classList.contains('im-layers-category') ? 'heading:' + e.textContent : 'layer:' + e.textContent.trim())"""
    )
    assert entries == ["heading:Economy", "layer:Loans <i>and</i> credits", "heading:Transport", "layer:Routes"]
    bases = browser.evaluate("[...document.querySelectorAll('.leaflet-control-layers-base label')].map(e => e.textContent.trim())")
    assert bases[0] == "Natural Earth (offline)"
    assert browser.evaluate("document.querySelector('.leaflet-control-layers-base input').checked")
    # Leaflet rebuilds the list when a layer leaves the map: the headings come back with it
    browser.evaluate("influencemap.map.removeLayer(influencemap.layers.routes.layer) && true")
    browser.wait_for("document.querySelectorAll('.leaflet-control-layers-overlays .im-layers-category').length === 2")
    checked = browser.evaluate("[...document.querySelectorAll('.leaflet-control-layers-overlays input')].map(i => i.checked)")
    assert checked == [True, False]


def test_popup_shows_the_sources_and_data_is_shown_as_text(browser, tiny_export):
    path, _ = tiny_export
    browser.open(path)
    assert browser.evaluate("influencemap.openFeature('minsk-loan')")
    browser.wait_for("document.querySelector('.leaflet-popup-content .im-popup')")
    popup = browser.evaluate(
        """(() => {
            const box = document.querySelector('.leaflet-popup-content .im-popup');
            const link = box.querySelector('.im-source-title');
            return {
                name: box.querySelector('.im-popup-name').textContent,
                fields: [...box.querySelectorAll('.im-popup-fields tr')].map(r => [r.cells[0].textContent, r.cells[1].textContent]),
                description: box.querySelector('.im-popup-description').textContent,
                title: link.textContent, href: link.getAttribute('href'), target: link.target, rel: link.rel,
                quote: box.querySelector('.im-source-quote').textContent,
                images: box.querySelectorAll('img').length, scripts: box.querySelectorAll('script, b, em').length,
            };
        })()"""
    )
    assert popup["name"] == "A loan in Minsk"
    assert ["Date", "20 May 2013"] in popup["fields"]
    assert ["Where", "Belarus (BY)"] in popup["fields"]
    assert ["Loan", "USD 1.18 bn"] in popup["fields"]
    assert popup["title"] == "<script>window.__pwned=2</script>Report on <b>loans</b>"
    assert popup["href"] == "https://example.org/a?x=1&y=2"
    assert (popup["target"], popup["rel"]) == ("_blank", "noopener noreferrer")
    assert popup["description"] == '<img src=x onerror="window.__pwned=1">A credit line.'
    assert popup["quote"] == "\u201ca short <em>phrase</em>\u201d"
    assert popup["images"] == 0 and popup["scripts"] == 0
    browser.evaluate("new Promise(r => setTimeout(r, 300))")
    assert browser.evaluate("window.__pwned === undefined")
    assert browser.evaluate("document.querySelector('.im-legend-name').textContent") == "Loans <i>and</i> credits"


def test_a_javascript_link_is_not_made(browser, tiny_export):
    path, _ = tiny_export
    browser.open(path)
    browser.evaluate("influencemap.openFeature('kyiv-span')")
    browser.wait_for("document.querySelector('.leaflet-popup-content .im-popup')")
    titles = browser.evaluate(
        "[...document.querySelectorAll('.leaflet-popup-content .im-source-title')].map(e => [e.tagName, e.textContent, e.getAttribute('href')])"
    )
    assert titles == [["A", titles[0][1], "https://example.org/a?x=1&y=2"], ["SPAN", "A document with a bad link", None]]


def test_search_finds_a_feature_and_opens_its_popup(browser, tiny_export):
    path, _ = tiny_export
    browser.open(path)
    browser.evaluate(
        """(() => { const input = document.querySelector('.im-search input');
                    input.value = 'kyiv'; input.dispatchEvent(new Event('input')); })()"""
    )
    results = browser.evaluate("[...document.querySelectorAll('.im-search-name')].map(e => e.textContent)")
    assert results == ["A span in Kyiv"]
    browser.evaluate("document.querySelector('.im-search-result').click()")
    browser.wait_for("document.querySelector('.leaflet-popup-content .im-popup-name')")
    assert browser.evaluate("document.querySelector('.leaflet-popup-content .im-popup-name').textContent") == "A span in Kyiv"


def test_year_slider_filters_by_span_and_starts_open(browser, tiny_export):
    path, _ = tiny_export
    browser.open(path)
    shown = "influencemap.features.filter(l => l.influencemapShown).map(l => l.feature.properties.id).sort()"
    on_map = "Object.values(influencemap.layers).flatMap(e => e.layer.getLayers()).map(l => l.feature.properties.id).sort()"
    everything = ["corridor", "kyiv-span", "minsk-loan", "undated-office", "zone"]
    assert browser.evaluate(shown) == everything
    ends = browser.evaluate("[...document.querySelectorAll('.im-years input[type=range]')].map(i => [i.min, i.max, i.value])")
    assert ends == [["2013", "2020", "2013"], ["2013", "2020", "2020"]]
    # move the "from" thumb to 2017 the way a user does: the corridor (2016-2018) overlaps, the
    # ongoing span from 2019 too; the 2013 loan does not
    browser.evaluate(
        """(() => { const from = document.querySelector('.im-years-from');
                    from.value = 2017; from.dispatchEvent(new Event('input')); })()"""
    )
    # once a range is set, the undated office hides: "include undated" is off by default, as in the app
    browser.wait_for(f"JSON.stringify({shown}) === JSON.stringify(['corridor','kyiv-span','zone'])")
    assert browser.evaluate(on_map) == ["corridor", "kyiv-span", "zone"]
    assert browser.evaluate("document.querySelector('.im-years-undated input').checked") is False
    browser.evaluate(
        """(() => { const box = document.querySelector('.im-years-undated input');
                    box.checked = true; box.dispatchEvent(new Event('change')); })()"""
    )
    browser.wait_for(f"JSON.stringify({on_map}) === JSON.stringify(['corridor','kyiv-span','undated-office','zone'])")
    # the whole span again: every feature, dated or not, whatever the box says
    browser.evaluate("influencemap.setYears(null, null, false)")
    assert browser.evaluate(on_map) == everything


def test_controls_are_there(browser, tiny_export):
    path, _ = tiny_export
    browser.open(path)
    present = browser.evaluate(
        """['.im-title h1', '.im-search input', '.leaflet-control-zoom', '.im-fullscreen a',
            '.leaflet-control-scale', '.im-years', '.im-legend', '.leaflet-control-layers']
           .filter(s => !document.querySelector(s))"""
    )
    assert present == []
    assert browser.evaluate("document.querySelector('.im-title h1').textContent") == "Tiny map"
    assert browser.evaluate("document.title") == "Tiny map"
    # the view fits the data: every feature is inside the map's bounds
    assert browser.evaluate(
        "influencemap.features.every(l => influencemap.map.getBounds().contains(l.getLatLng ? l.getLatLng() : l.getBounds()))"
    )


def test_ten_thousand_points_open_and_cluster(browser, tmp_path):
    lines = ["id: dense", "name: Dense", "features:"]
    for i in range(10_000):
        lon, lat = 20 + (i % 100) * 0.5, 40 + (i // 100) * 0.2
        lines.append(f"  - {{id: p{i}, name: Point {i}, point: [{lon}, {lat}], date: {2000 + i % 20}, sources: [s]}}")
    folder = tmp_path / "dense"
    folder.mkdir()
    (folder / "sources.yaml").write_text("sources:\n  - {id: s, title: S}\n", encoding="utf-8")
    (folder / "dense.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    catalog = load_catalog([folder], include_bundled_sources=False)
    out = tmp_path / "dense.html"
    write_html(catalog, out)
    browser.open(out)  # how fast: benchmarks/run_all.py ("open in headless Chromium")
    assert browser.evaluate("influencemap.layers.dense.cluster") is True
    assert browser.evaluate("influencemap.layers.dense.layer.getLayers().length") == 10_000
    assert browser.evaluate("document.querySelectorAll('.im-cluster').length") > 0
    # zoomed out, clusters of thousands: each count fits inside its circle, the title tells it in full
    browser.evaluate("influencemap.map.setView([50, 45], 2, {animate: false}) && true")
    browser.wait_for("Array.from(document.querySelectorAll('.im-cluster div')).reduce("
                     "(sum, d) => sum + parseInt(d.title.replace(/,/g, ''), 10), 0) === 10000")  # zoom animation done
    clusters = json.loads(browser.evaluate(
        "JSON.stringify(Array.from(document.querySelectorAll('.im-cluster div')).map(d => ({"
        "text: d.querySelector('span').textContent, title: d.title,"
        "text_width: d.querySelector('span').getBoundingClientRect().width, inner: d.clientWidth})))"
    ))
    assert clusters and sum(int(c["title"].split()[0].replace(",", "")) for c in clusters) == 10_000
    assert any(c["text"].endswith("k") for c in clusters), clusters
    for cluster in clusters:
        assert cluster["text_width"] <= cluster["inner"] - 4, cluster
    browser.evaluate("influencemap.map.fitBounds(influencemap.layers.dense.layer.getBounds(), {animate: false}) && true")
    # every feature read back from the columns is the GeoJSON export's, in catalog order
    properties = json.loads(browser.evaluate("JSON.stringify(influencemap.features.map(l => l.feature.properties))"))
    assert properties == [json.loads(json.dumps(feature_properties(catalog, f))) for f in catalog.features()]
    assert browser.evaluate("document.querySelector('.im-legend-count').textContent") == "10,000"
    assert browser.evaluate("influencemap.openFeature('p5000')")
    browser.wait_for("document.querySelector('.leaflet-popup-content .im-popup-name')")
    assert browser.evaluate("document.querySelector('.leaflet-popup-content .im-popup-name').textContent") == "Point 5000"
    assert browser.blocked == []


def test_clustered_markers_get_their_tooltip_and_popup_when_shown(browser, tiny_export, tmp_path):
    _, catalog = tiny_export
    out = tmp_path / "clustered.html"
    write_html(catalog, out)
    browser.open(out)
    assert browser.evaluate("influencemap.layers.loans.cluster") is True
    # the features are as written, whatever way their layers were made
    found = browser.evaluate("influencemap.features.map(l => l.feature.properties)")
    expected = {f.id: json.loads(json.dumps(feature_properties(catalog, f))) for f in catalog.features()}
    assert {p["id"]: p for p in found} == expected
    # the three loans are far apart: each is a marker on the map, not a cluster
    shown = "influencemap.layers.loans.features.filter(l => l.getElement())"
    assert browser.evaluate(f"{shown}.length") == 3
    name = browser.evaluate(
        f"""(() => {{ const layer = {shown}[0];
                      layer.getElement().dispatchEvent(new MouseEvent('mouseover', {{bubbles: true}}));
                      return layer.feature.properties.name; }})()"""
    )
    browser.wait_for("document.querySelector('.im-tooltip')")
    assert browser.evaluate("document.querySelector('.im-tooltip').textContent") == name
    browser.evaluate(f"{shown}[0].getElement().dispatchEvent(new MouseEvent('click', {{bubbles: true}}))")
    browser.wait_for("document.querySelector('.leaflet-popup-content .im-popup-name')")
    assert browser.evaluate("document.querySelector('.leaflet-popup-content .im-popup-name').textContent") == name
    # a marker never shown has neither yet; showing it from the search makes them
    browser.evaluate("influencemap.map.setView([53.9, 27.56], 3, {animate: false}) && true")
    assert browser.evaluate("influencemap.openFeature('kyiv-span')")
    browser.wait_for("document.querySelector('.leaflet-popup-content .im-popup-name').textContent === 'A span in Kyiv'")
    assert browser.console_errors == []


def test_the_page_reads_columns_as_python_writes_them(browser, tiny_export):
    from tests.export.test_columns import CASES

    path, _ = tiny_export
    browser.open(path)
    for name, values in CASES.items():
        values = [v for v in values if repr(v) != "-0.0"]  # JSON.stringify writes -0 as 0
        node = json.dumps(encode_rows(values))
        decoded = browser.evaluate(f"JSON.stringify(influencemap.decodeRows({node}, {len(values)}))")
        assert json.loads(decoded) == values, name
    # no two rows share a list
    assert browser.evaluate(
        """(() => { const rows = influencemap.decodeRows({c: {tags: ['a']}}, 2);
                    rows[0].tags.push('b'); return rows[1].tags.length; })()"""
    ) == 1


def test_cdn_variant_asks_for_the_libraries_from_the_network(browser, tiny_export, tmp_path):
    _, catalog = tiny_export
    out = tmp_path / "cdn.html"
    write_html(catalog, out, HtmlOptions(cdn=True))
    browser.call("Page.navigate", {"url": out.as_uri()}, session=True)
    browser.evaluate("new Promise(r => setTimeout(r, 1000))")
    assert any("leaflet" in url and url.startswith("https://") for url in browser.blocked)


def test_screenshot_of_the_bundled_layers(browser, tmp_path):
    """A picture of the bundled layers (or a tiny layer) for a person to look at."""
    if any(p.name != "sources.yaml" for p in bundled_layers_dir().glob("*.yaml")):
        catalog = load_catalog()
    else:
        (tmp_path / "loans.yaml").write_text(LOANS, encoding="utf-8")
        (tmp_path / "sources.yaml").write_text(SOURCES, encoding="utf-8")
        catalog = load_catalog([tmp_path], include_bundled_sources=False)
    out = tmp_path / "bundled.html"
    write_html(catalog, out, HtmlOptions(title="China's influence across Eurasia", subtitle="Sourced facts from the bundled layers"))
    browser.open(out)
    browser.evaluate("new Promise(r => setTimeout(r, 800))")
    picture = Path(os.environ.get("INFLUENCEMAP_SCREENSHOT", tmp_path / "html_export.png"))
    browser.screenshot(picture)
    assert picture.stat().st_size > 10_000
    assert browser.blocked == []
    assert browser.console_errors == []


def test_an_svg_export_of_names_with_control_characters_opens_in_chromium(browser, tmp_path, qapp):
    """Issue 18: a U+000B in a name made the SVG not well-formed, and Chromium showed its XML
    error page instead of the map."""
    from influencemap.export.image import write_image

    catalog = load_catalog([control_layer_folder(tmp_path)], include_bundled_sources=False)
    out = tmp_path / "map.svg"
    write_image(catalog, out, size=(800, 500))
    browser.open_document(out)
    assert browser.evaluate("document.documentElement.localName") == "svg"
    assert browser.evaluate("document.getElementsByTagName('parsererror').length") == 0
    texts = json.loads(browser.evaluate("JSON.stringify([...document.querySelectorAll('text')].map(t => t.textContent))"))
    assert "Layer\ufffd of \ufffd controls \ufffd" in texts


def test_texts_with_control_characters_show_in_the_page_marked(browser, tmp_path):
    catalog = load_catalog([control_layer_folder(tmp_path)], include_bundled_sources=False)
    out = tmp_path / "map.html"
    write_html(catalog, out)
    browser.open(out)
    assert browser.console_errors == []
    assert browser.evaluate("influencemap.openFeature('f1')")
    browser.wait_for("document.querySelector('.leaflet-popup-content .im-popup')")
    popup = json.loads(browser.evaluate(
        """JSON.stringify((() => {
            const box = document.querySelector('.leaflet-popup-content .im-popup');
            return {
                name: box.querySelector('.im-popup-name').textContent,
                title: box.querySelector('.im-source-title').textContent,
                quote: box.querySelector('.im-source-quote').textContent,
                all: box.textContent,
            };
        })())"""
    ))
    assert popup["name"] == "Minsk\ufffd\ufffd\ufffd end"
    assert popup["title"] == "Title\ufffd\ufffd \ufffd"
    assert popup["quote"] == "\u201cQ\ufffd\ufffd\u201d"
    assert not any(c in popup["all"] for c in "\x00\x0b\x0c\ufffe\uffff")
    legend = browser.evaluate("document.querySelector('.im-legend-name').textContent")
    assert legend == "Layer\ufffd of \ufffd controls \ufffd"


@pytest.mark.parametrize(("env", "outcome"), [({"INFLUENCEMAP_REQUIRE_BROWSER": "1"}, "fail"), ({"CI": "true"}, "fail"), ({}, "skip")])
def test_a_missing_chromium_fails_under_make_test_and_skips_otherwise(monkeypatch, env, outcome):
    monkeypatch.delenv("INFLUENCEMAP_REQUIRE_BROWSER", raising=False)
    monkeypatch.delenv("CI", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(shutil, "which", lambda name: None)
    real_exists = Path.exists
    monkeypatch.setattr(Path, "exists", lambda self: False if str(self) == "/usr/bin/chromium" else real_exists(self))
    expected = pytest.fail.Exception if outcome == "fail" else pytest.skip.Exception
    with pytest.raises(expected):
        chromium_executable()


def test_make_test_asks_for_the_browser_tests():
    makefile = (Path(__file__).resolve().parents[2] / "Makefile").read_text(encoding="utf-8")
    recipe = makefile.split("\ntest:", 1)[1].split("\n\n", 1)[0]
    assert "INFLUENCEMAP_REQUIRE_BROWSER=1" in recipe and "pytest" in recipe


SIZED_LOANS = """\
id: sized
name: Sized loans
category: Economy
style: {color: "#b2182b", fill: "#ef8a62", size: {figure: "amount (usd)", scale: sqrt, min: 6, max: 40}}
features:
  - {id: big, name: Big loan, point: [27.56, 53.90], sources: [doc-a], figures: [{label: Amount (USD), value: 2.0e9, unit: USD}]}
  - {id: small, name: Small loan, point: [44.8, 41.7], sources: [doc-a], figures: [{label: Amount (USD), value: 5.0e7, unit: USD}]}
  - {id: bare, name: No amount, point: [69.2, 41.3], sources: [doc-a]}
"""


def test_markers_sized_by_a_figure_differ_and_the_legend_has_a_size_key(browser, tmp_path):
    folder = tmp_path / "layers"
    folder.mkdir()
    (folder / "sources.yaml").write_text(SOURCES, encoding="utf-8")
    (folder / "sized.yaml").write_text(SIZED_LOANS, encoding="utf-8")
    catalog = load_catalog([folder], include_bundled_sources=False)
    assert not catalog.errors, [p.format() for p in catalog.errors]
    out = tmp_path / "sized.html"
    write_html(catalog, out)
    browser.open(out)
    widths = browser.evaluate(
        """(() => { const out = {};
                    for (const layer of influencemap.layers.sized.features) {
                      const el = layer.getElement();
                      out[layer.feature.id] = el ? el.getBoundingClientRect().width : null; }
                    return out; })()"""
    )
    assert None not in widths.values(), widths  # far apart: each is shown as its own marker
    assert widths["big"] > 2 * widths["small"] > 0
    sized = browser.evaluate(
        "Object.fromEntries(influencemap.layers.sized.features.map(l => "
        "[l.feature.id, l.getElement().classList.contains('im-marker-sized')]))"
    )
    assert sized == {"big": True, "small": True, "bare": False}  # no figure: the layer's normal icon
    browser.evaluate("document.querySelector('.im-legend details').open = true")
    key = browser.evaluate("[...document.querySelectorAll('.im-size-key-value')].map(e => e.textContent)")
    assert len(key) >= 2 and all("USD" in text for text in key), key
    assert browser.evaluate("document.querySelectorAll('.im-size-key circle').length") == len(key)
    assert browser.console_errors == []
