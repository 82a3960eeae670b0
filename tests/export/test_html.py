"""The HTML export's structure, checked on the generated text without a browser.

The browser test (test_html_browser.py) covers what the page does; these check what the file
holds: no network references, one GeoJSON per layer with the properties as written, escaping,
the layer control, the options and the command line.
"""

from __future__ import annotations

import base64
import html
import json
import re
from dataclasses import replace
from pathlib import Path

import pytest
from shapely.geometry import Point

from influencemap.cli import main
from influencemap.export import html as html_export
from influencemap.export.geojson import feature_properties
from influencemap.export.html import HtmlOptions, compact_properties, layer_features, render_html, write_html
from influencemap.model.catalog import Catalog
from influencemap.model.loader import load_catalog
from influencemap.model.present import feature_details
from influencemap.model.types import Citation, Feature, GeometryKind, Layer, Source, Style

SOURCES = """\
sources:
  - id: doc-a
    title: "</script><script>window.__pwned=2</script> Report & <b>loans</b>"
    publisher: Some Press & Co
    author: A. Writer
    date: 2021-06-30
    url: https://example.org/a?x=1&y=2
"""

LOANS = """\
id: loans
name: Loans <i>and</i> credits
category: Economy
style: {color: "#1f78b4", fill: "#a6cee3", marker: square, size: 10}
features:
  - id: minsk-loan
    name: A loan in Minsk
    point: [27.5612345678, 53.9012345678]
    date: 2013-05-20
    countries: [BY]
    actors: [China Development Bank]
    tags: [loan]
    precision: city
    description: <img src=x onerror="window.__pwned=1">A credit line.
    figures: [{label: Loan, value: 1.18e9, unit: USD}]
    sources: [{ref: doc-a, locator: "para 3", quote: "a short <em>phrase</em>"}]
  - id: kyiv-span
    name: "{{ 7 * 7 }} in Kyiv {% raw %}"
    point: [30.52, 50.45]
    start: 2019-06
    countries: [UA]
    sources: [doc-a]
  - id: undated-office
    name: An office, undated
    point: [37.62, 55.75]
    countries: [RU]
    sources: [doc-a]
"""

ROUTES = """\
id: routes
name: "Routes {{ 6 * 7 }}"
category: Transport
style: {color: "#e31a1c", width: 3, dash: dashed}
features:
  - id: corridor
    name: A corridor
    line: [[23.7, 52.1], [27.56, 53.9]]
    start: 2016
    end: 2018
    dating: approximate
    countries: [BY]
    sources: [doc-a]
"""

LOOSE = """\
id: loose
name: Without a category
features:
  - id: lone
    name: A lone point
    point: [44.5, 40.2]
    date: 2020
    sources: [doc-a]
"""


@pytest.fixture
def layer_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "layers"
    folder.mkdir()
    (folder / "sources.yaml").write_text(SOURCES, encoding="utf-8")
    (folder / "loose.yaml").write_text(LOOSE, encoding="utf-8")
    (folder / "loans.yaml").write_text(LOANS, encoding="utf-8")
    (folder / "routes.yaml").write_text(ROUTES, encoding="utf-8")
    return folder


@pytest.fixture
def catalog(layer_dir: Path) -> Catalog:
    loaded = load_catalog([layer_dir], include_bundled_sources=False)
    assert not loaded.errors, [p.format() for p in loaded.errors]
    return loaded


@pytest.fixture
def page(catalog: Catalog) -> str:
    return render_html(catalog, HtmlOptions(title="Loans & <routes>", subtitle="Sub {{ title }} & <i>more</i>"))


# -- reading the page ------------------------------------------------------------------------

_BLOCK = re.compile(r'<script type="application/json" id="([^"]+)">(.*?)</script>', re.DOTALL)


def data_blocks(page: str) -> dict[str, object]:
    return {block_id: json.loads(text) for block_id, text in _BLOCK.findall(page)}


def layer_blocks(page: str) -> dict[str, dict]:
    """Each layer's {spec, data} and its GeoJSON features read back from the columns of its
    data ("features"), by layer id, in page order."""
    return {
        value["spec"]["id"]: {**value, "features": layer_features(value["data"])}
        for block_id, value in data_blocks(page).items()
        if block_id.startswith("influencemap_layer_")
    }


def block_named(page: str, prefix: str) -> object:
    (value,) = [v for k, v in data_blocks(page).items() if k.startswith(prefix)]
    return value


def layer_control(page: str) -> tuple[list[str], list[str]]:
    """The (base layer names, overlay names) of folium's layer control, as the page has them."""
    match = re.search(r"base_layers : \{(.*?)\},\s*overlays :\s*\{(.*?)\},\s*\};", page, re.DOTALL)
    assert match, "no layer control in the page"
    key = re.compile(r'^\s*("(?:[^"\\]|\\.)*")\s*:', re.MULTILINE)
    return (
        [json.loads(k) for k in key.findall(match.group(1))],
        [json.loads(k) for k in key.findall(match.group(2))],
    )


def linked_urls(page: str) -> list[str]:
    """The addresses the page loads from (``data:`` URIs, which load nothing, left out)."""
    found = re.findall(r'<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)="([^"]*)"', page)
    return [url for url in found if not url.startswith("data:")]


# -- tests -----------------------------------------------------------------------------------


def test_default_export_is_self_contained(page):
    assert linked_urls(page) == []
    for library_host in ("cdn.jsdelivr.net", "code.jquery.com", "bootstrapcdn", "cdnjs.cloudflare.com"):
        assert library_host not in page
    for unused in ("jquery", "bootstrap", "font-awesome", "fontawesome", "awesome-markers", "glyphicon"):
        assert unused not in page.lower()
    assert "Leaflet 1.9" in page  # the library's banner: inlined
    assert "url(images/" not in page and "url(data:image/png;base64," in page
    assert "sourceMappingURL" not in page
    assert 'var influencemap = ' not in page and "window.influencemap" in page  # our own script, inlined


def test_markercluster_is_inlined_when_the_export_has_points_however_few(catalog):
    clustered = render_html(catalog)
    assert "L.MarkerClusterGroup=" in clustered
    assert layer_blocks(clustered)["loans"]["spec"]["cluster"] is True
    assert layer_blocks(clustered)["routes"]["spec"]["cluster"] is False  # lines never cluster
    assert linked_urls(clustered) == []
    routes_only = Catalog(tuple(layer for layer in catalog.layers if layer.id == "routes"), catalog.sources, ())
    assert "MarkerClusterGroup" not in render_html(routes_only)


def test_layers_the_filter_emptied_are_left_out_of_the_page(catalog):
    from influencemap.model.filters import FeatureFilter

    only_routes = FeatureFilter(layers=frozenset({"routes"}))
    page = render_html(FeatureFilter(date_from="2016", date_to="2016").apply(catalog))
    assert set(layer_blocks(page)) == {"routes"}  # the loans of 2013 and 2019 are filtered out
    assert [row["id"] for row in block_named(page, "influencemap_view_")["legend"]] == ["routes"]
    assert set(layer_blocks(render_html(only_routes.apply(catalog)))) == {"routes"}


def test_the_view_fits_the_central_mass_not_the_outliers(tmp_path):
    from influencemap.model.extent import robust_bounds

    lines = ["id: many", "name: Many", "sources: [{id: doc-a, title: A}]", "features:"]
    for i in range(40):
        lines.append(f"  - {{id: p{i}, name: P{i}, point: [{27 + i * 0.05}, {53 + i * 0.02}], sources: [doc-a]}}")
    lines.append("  - {id: far, name: Far away, point: [-74.0, 40.7], sources: [doc-a]}")
    (tmp_path / "many.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    catalog = load_catalog([tmp_path], include_bundled_sources=False)
    assert not catalog.errors
    minx, miny, maxx, maxy = robust_bounds(catalog)
    assert minx > 26 and maxx < 30  # New York is left out of the view
    assert block_named(render_html(catalog), "influencemap_view_")["bounds"] == [[miny, minx], [maxy, maxx]]


def test_each_layer_is_one_geojson_holding_every_feature(page, catalog):
    layers = layer_blocks(page)
    assert {layer_id: len(block["features"]) for layer_id, block in layers.items()} == {
        layer.id: len(layer.features) for layer in catalog.layers
    }
    assert sum(len(b["features"]) for b in layers.values()) == catalog.feature_count == 5
    for block in layers.values():
        assert block["data"]["count"] == len(block["features"])
        assert all(f["type"] == "Feature" for f in block["features"])


def test_properties_are_embedded_as_written(page, catalog):
    features = {
        f["properties"]["id"]: f for block in layer_blocks(page).values() for f in block["features"]
    }
    loan = features["minsk-loan"]["properties"]
    assert loan["description"] == '<img src=x onerror="window.__pwned=1">A credit line.'
    assert loan["name"] == "A loan in Minsk"
    assert loan["start"] == loan["end"] == "2013-05-20"
    assert loan["figures"] == [{"label": "Loan", "value": 1.18e9, "unit": "USD"}]
    assert loan["sources"] == [{"ref": "doc-a", "locator": "para 3", "quote": "a short <em>phrase</em>"}]
    assert features["kyiv-span"]["properties"]["name"] == "{{ 7 * 7 }} in Kyiv {% raw %}"
    assert "end" not in features["kyiv-span"]["properties"]  # ongoing: null, restored by the page
    # how each date is known, as the GeoJSON export writes it; an undated feature has none
    assert features["corridor"]["properties"]["dating"] == "approximate"
    assert features["kyiv-span"]["properties"]["dating"] == "stated"
    assert "dating" not in features["undated-office"]["properties"]
    assert feature_properties(catalog, catalog.feature("undated-office"))["dating"] is None
    tables = block_named(page, "influencemap_script_")
    assert tables["sources"]["doc-a"] == {
        "id": "doc-a",
        "title": "</script><script>window.__pwned=2</script> Report & <b>loans</b>",
        "url": "https://example.org/a?x=1&y=2",
        "publisher": "Some Press & Co",
        "author": "A. Writer",
        "date": "2021-06-30",
    }
    # every compacted property is the GeoJSON export's value, unchanged
    for feature in catalog.features():
        embedded = features[feature.id]["properties"]
        written = feature_properties(catalog, feature)
        for key, value in embedded.items():
            if key != "sources":
                assert value == written[key]


def test_compact_properties_leave_out_only_what_the_page_restores(catalog):
    feature = catalog.feature("kyiv-span")
    written = feature_properties(catalog, feature)
    compact = compact_properties(written)
    assert compact == {
        "id": "kyiv-span",
        "name": "{{ 7 * 7 }} in Kyiv {% raw %}",
        "countries": ["UA"],
        "start": "2019-06",
        "dating": "stated",
        "sources": [{"ref": "doc-a"}],
    }
    # what is left out is the layer (the layer block gives it) and empty documented values
    left_out = {k: v for k, v in written.items() if k not in compact}
    assert left_out.pop("layer") == "loans"
    assert all(v is None or v == [] for v in left_out.values())
    assert list(written) == list(html_export.PROPERTY_KEYS)


def test_user_keys_are_kept(catalog):
    layer = catalog.layer("loose")
    extra = replace(layer.features[0], extra={"x-project-id": "A-17", "x-note": None})
    catalog = Catalog((replace(layer, features=(extra,)),), catalog.sources, ())
    (block,) = layer_blocks(render_html(catalog)).values()
    properties = block["features"][0]["properties"]
    assert properties["x-project-id"] == "A-17"
    assert "x-note" in properties and properties["x-note"] is None


def test_no_text_from_the_data_can_end_its_block_or_make_markup(page):
    blocks = _BLOCK.findall(page)
    assert blocks
    for _, text in blocks:
        assert not set("<>&") & set(text)  # written as JSON \\u escapes: nothing can end the block
    rest = _BLOCK.sub("", page)
    assert "__pwned" not in rest and "<img src=x" not in rest and "<em>" not in rest
    assert page.count("window.__pwned=2") == 1  # once: in the sources table
    assert "\\u003c/script\\u003e\\u003cscript\\u003ewindow.__pwned=2" in page


def test_template_syntax_in_the_data_is_not_run(page):
    # folium renders scripts through Jinja; the data must never be part of a template
    overlays = layer_control(page)[1]
    assert any("Routes &#123;&#123; 6 * 7 &#125;&#125;" in name for name in overlays)
    assert "Routes 42" not in page and "Routes {{ 6 * 7 }}" in json.dumps(layer_blocks(page)["routes"]["spec"])
    features = {f["properties"]["id"]: f for b in layer_blocks(page).values() for f in b["features"]}
    assert features["kyiv-span"]["properties"]["name"] == "{{ 7 * 7 }} in Kyiv {% raw %}"
    assert block_named(page, "influencemap_view_")["subtitle"] == "Sub {{ title }} & <i>more</i>"


def test_layer_control_groups_overlays_by_category_with_names_escaped(page):
    bases, overlays = layer_control(page)
    assert bases == ["Natural Earth (offline)", "OpenStreetMap (online)", "OpenTopoMap (online)"]
    categories = [re.search(r'data-category="([^"]*)"', name).group(1) for name in overlays]
    names = [html.unescape(re.sub(r"<[^>]+>", "", name)) for name in overlays]
    assert categories == ["Economy", "Transport", "Other"]  # by category, uncategorised last
    assert names == ["Loans <i>and</i> credits", "Routes {{ 6 * 7 }}", "Without a category"]
    assert "Loans &lt;i&gt;and&lt;/i&gt; credits" in overlays[0]
    legend = block_named(page, "influencemap_view_")["legend"]
    assert [(row["id"], row["count"]) for row in legend] == [("loans", 3), ("routes", 1), ("loose", 1)]
    assert legend[0]["name"] == "Loans <i>and</i> credits" and legend[0]["style"] == layer_blocks(page)["loans"]["spec"]["style"]


def test_the_offline_basemap_is_the_default_and_tile_layers_are_not_added(page):
    tiles = re.findall(r"var (tile_layer_\w+) = L\.tileLayer\(\s*\"(https://[^\"]+)\"", page)
    assert len(tiles) == 2
    for name, _ in tiles:
        assert f"{name}.addTo(" not in page
    basemap = re.search(r"var (influencemap_basemap_\w+) = influencemap\.basemap\(", page).group(1)
    assert re.search(rf"{basemap}\.addTo\(map_\w+\)", page)
    countries = block_named(page, "influencemap_basemap_")
    assert {"BY", "UA", "CN"} <= {c["code"] for c in countries["countries"]}
    assert all(isinstance(v, int) for c in countries["countries"] for p in c["polygons"] for r in p for v in r)


def test_the_basemap_has_coarse_outlines_for_the_low_zooms(page):
    basemap = block_named(page, "influencemap_basemap_")
    assert basemap["coarseBelowZoom"] == html_export.BASEMAP_COARSE[2]

    def points(key):
        return sum(len(ring) // 2 for c in basemap["countries"] for polygon in c[key] for ring in polygon)

    assert 0 < points("coarse") < points("polygons") / 2
    assert all(isinstance(v, int) for c in basemap["countries"] for p in c["coarse"] for r in p for v in r)
    assert all(c["coarse"] for c in basemap["countries"] if c["rank"] == 1)  # large countries keep an outline


def test_the_basemap_is_read_from_the_cache_once_built(monkeypatch, tmp_path):
    monkeypatch.setenv("INFLUENCEMAP_CACHE_DIR", str(tmp_path))
    html_export._basemap_payload.cache_clear()
    built = html_export._basemap_payload()
    assert list(tmp_path.glob("html-basemap-*"))
    html_export._basemap_payload.cache_clear()
    monkeypatch.setattr(html_export, "_build_basemap_payload", lambda: pytest.fail("the basemap was built again"))
    assert html_export._basemap_payload() == built
    html_export._basemap_payload.cache_clear()


def test_without_online_tiles_only_the_basemap_is_a_base_layer(catalog):
    page = render_html(catalog, HtmlOptions(online_tiles=False))
    assert layer_control(page)[0] == ["Natural Earth (offline)"]
    assert "L.tileLayer" not in page


def test_popup_content_is_the_details_panel_content(page, catalog):
    tables = block_named(page, "influencemap_script_")
    features = {f["properties"]["id"]: f for b in layer_blocks(page).values() for f in b["features"]}
    for feature in catalog.features():
        details = feature_details(catalog, feature)
        shown = features[feature.id].get("display", {})
        assert shown.get("dates") == details.dates
        assert [(f.label, value) for f, value in zip(feature.figures, shown.get("figures", []))] == list(details.figures)
        assert tuple(tables["countries"][code] for code in feature.countries) == details.countries
        assert tables["layers"][feature.layer_id]["name"] == details.layer
        for entry in details.sources:
            assert tables["sourceDisplay"][entry.source_id] == {"date": entry.date, "url": entry.url}
    assert features["minsk-loan"]["display"] == {"dates": "20 May 2013", "figures": ["USD 1.18 bn"]}
    assert tables["countries"]["BY"] == "Belarus (BY)"


def test_only_http_and_mailto_links_are_offered(catalog):
    sources = dict(catalog.sources)
    sources["doc-a"] = replace(sources["doc-a"], url="javascript:alert(1)")
    bad = Catalog(catalog.layers, sources, ())
    tables = block_named(render_html(bad), "influencemap_script_")
    assert tables["sourceDisplay"]["doc-a"]["url"] is None
    assert tables["sources"]["doc-a"]["url"] == "javascript:alert(1)"  # the data as written, never a link
    sources["doc-a"] = replace(sources["doc-a"], url="mailto:press@example.org")
    tables = block_named(render_html(Catalog(catalog.layers, sources, ())), "influencemap_script_")
    assert tables["sourceDisplay"]["doc-a"]["url"] == "mailto:press@example.org"


def test_layer_styles_are_passed_as_the_app_has_them(page):
    loans = layer_blocks(page)["loans"]["spec"]
    assert loans["style"] == {
        "color": "#1f78b4", "fill": "#a6cee3", "opacity": 0.35, "width": 2.0,
        "dash": [], "marker": "square", "size": 10.0,
    }
    assert loans["kinds"] == ["point"] and loans["category"] == "Economy" and loans["name"] == "Loans <i>and</i> credits"
    routes = layer_blocks(page)["routes"]["spec"]
    assert routes["style"]["dash"] == [6.0, 4.0] and routes["style"]["fill"] is None
    assert routes["kinds"] == ["line"]


def test_coordinates_are_rounded(page):
    loan = next(f for f in layer_blocks(page)["loans"]["features"] if f["properties"]["id"] == "minsk-loan")
    assert loan["geometry"] == {"type": "Point", "coordinates": [27.56123, 53.90123]}


def test_title_and_subtitle(page):
    assert "<title>Loans &amp; &lt;routes&gt;</title>" in page
    options = block_named(page, "influencemap_view_")
    assert (options["title"], options["subtitle"]) == ("Loans & <routes>", "Sub {{ title }} & <i>more</i>")
    assert '<html lang="en">' in page


def test_notes_and_the_sources_list_reach_the_page(catalog):
    page = render_html(catalog, HtmlOptions(title="T", notes="Line one.\nLine <two> {{ x }}.", sources_list=False))
    options = block_named(page, "influencemap_view_")
    assert options["notes"] == "Line one.\nLine <two> {{ x }}."
    assert options["sourcesList"] is False
    assert block_named(render_html(catalog), "influencemap_view_")["sourcesList"] is True


def test_sources_are_numbered_by_first_citation_and_only_cited_ones(catalog):
    extra = {
        "doc-b": Source(id="doc-b", title="Cited second"),
        "doc-unused": Source(id="doc-unused", title="Cited by nothing"),
    }
    layers = tuple(
        replace(layer, features=tuple(
            replace(f, citations=(*f.citations, Citation("doc-b"))) if f.id == "corridor" else f for f in layer.features
        ))
        for layer in catalog.layers
    )
    page = render_html(Catalog(layers, {**catalog.sources, **extra}, ()))
    tables = block_named(page, "influencemap_script_")
    assert tables["sourceOrder"] == ["doc-a", "doc-b"]
    assert set(tables["sources"]) == {"doc-a", "doc-b"}
    assert "Cited by nothing" not in page


def test_the_head_describes_the_page(catalog):
    page = render_html(catalog, HtmlOptions(title="T", subtitle='A "quoted" & <marked> line'))
    head = page.split("</head>", 1)[0]
    assert '<meta name="description" content="A &quot;quoted&quot; &amp; &lt;marked&gt; line">' in head
    icon = re.search(r'<link rel="icon" type="image/svg\+xml" href="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)">', head)
    assert icon and base64.b64decode(icon.group(1)).startswith(b"<svg xmlns=")
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in head
    # no subtitle: the notes' first line; neither: what the map holds
    notes = render_html(catalog, HtmlOptions(notes="\nFirst line.\nSecond."))
    assert '<meta name="description" content="First line.">' in notes
    plain = render_html(catalog)
    assert '<meta name="description" content="A map of 5 sourced features in 3 layers, made with influencemap.">' in plain


def test_the_map_script_is_inside_the_body(page):
    body = page.split("<body>", 1)[1]
    assert body.rstrip().endswith("</script>\n</body>\n</html>")
    assert page.count("</body>") == 1 and "influencemap.controls(" in body


def test_view_is_the_data_bounds(page, catalog):
    minx, miny, maxx, maxy = catalog.bounds
    assert block_named(page, "influencemap_view_")["bounds"] == [[miny, minx], [maxy, maxx]]


def test_cdn_variant_is_smaller_and_loads_the_libraries_from_cdns(catalog):
    inline = render_html(catalog)
    cdn = render_html(catalog, HtmlOptions(cdn=True))
    assert len(cdn) < len(inline) - 150_000
    urls = linked_urls(cdn)
    assert "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js" in urls
    assert "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css" in urls
    assert any(u.startswith("https://cdn.jsdelivr.net/npm/leaflet.markercluster@") for u in urls)
    assert all(u.startswith("https://") for u in urls)
    assert "Leaflet 1.9" not in cdn  # not inlined
    assert "window.influencemap" in cdn  # our own script stays in the file


def test_progress_is_reported_to_the_end(catalog):
    calls = []
    render_html(catalog, progress=lambda done, total: calls.append((done, total)))
    assert calls[0][0] == 0 and calls[-1][0] == calls[-1][1]
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)


def test_an_empty_catalog_still_makes_a_map():
    page = render_html(Catalog())
    assert layer_blocks(page) == {}
    assert block_named(page, "influencemap_view_")["bounds"] == [[25.0, -10.0], [65.0, 150.0]]


def test_ten_thousand_points_make_a_compact_clustered_file(tmp_path):
    source = Source(id="s", title="A dataset of projects", publisher="Someone", date="2023", url="https://example.org/d")
    features = tuple(
        Feature(
            id=f"p-{i:05d}",
            name=f"Project {i}",
            layer_id="dense",
            geometry=Point(20 + (i % 200) * 0.3, 35 + (i // 200) * 0.4),
            kind=GeometryKind.POINT,
            citations=(Citation("s"),),
            start=str(2000 + i % 20),
            end=str(2000 + i % 20),
            instant=True,
            countries=("KZ",),
        )
        for i in range(10_000)
    )
    catalog = Catalog((Layer(id="dense", name="Dense", features=features, style=Style()),), {"s": source})
    out = tmp_path / "dense.html"
    write_html(catalog, out)
    assert out.stat().st_size <= 5_000_000
    page = out.read_text(encoding="utf-8")
    block = layer_blocks(page)["dense"]
    assert len(block["features"]) == 10_000 and block["spec"]["cluster"] is True
    assert page.count("A dataset of projects") == 1  # the source is written once, not per feature
    assert linked_urls(page) == []


def test_cli_export_writes_the_filtered_html(layer_dir, tmp_path, capsys):
    out = tmp_path / "map.html"
    code = main(["export", str(layer_dir), "-o", str(out), "--layers", "loans,routes", "--from", "2016",
                 "--title", "Loans since 2016", "--subtitle", "A test"])
    assert code == 0
    page = out.read_text(encoding="utf-8")
    ids = {f["properties"]["id"] for b in layer_blocks(page).values() for f in b["features"]}
    assert ids == {"kyiv-span", "corridor"}  # 2013 loan, undated office and the loose layer left out
    assert "<title>Loans since 2016</title>" in page
    assert block_named(page, "influencemap_view_")["subtitle"] == "A test"
    assert linked_urls(page) == []
    assert "wrote" in capsys.readouterr().err


def test_cli_export_notes(layer_dir, tmp_path):
    out = tmp_path / "map.html"
    assert main(["export", str(layer_dir), "-o", str(out), "--title", "T", "--notes", "Compiled in 2024."]) == 0
    assert block_named(out.read_text(encoding="utf-8"), "influencemap_view_")["notes"] == "Compiled in 2024."


def test_cli_export_keeps_undated_features_with_undated(layer_dir, tmp_path):
    out = tmp_path / "map.htm"
    assert main(["export", str(layer_dir), "-o", str(out), "--to", "2013", "--undated"]) == 0
    ids = {f["properties"]["id"] for b in layer_blocks(out.read_text(encoding="utf-8")).values() for f in b["features"]}
    assert ids == {"minsk-loan", "undated-office"}


def test_cli_cdn_option(layer_dir, tmp_path):
    out = tmp_path / "cdn.html"
    assert main(["export", str(layer_dir), "-o", str(out), "--cdn"]) == 0
    assert any(u.startswith("https://cdn.jsdelivr.net/") for u in linked_urls(out.read_text(encoding="utf-8")))


def test_html_assets_ship_inside_the_package():
    from importlib import resources

    assets = resources.files("influencemap.export") / "html_assets"
    assert assets.joinpath("influencemap.js").is_file()
    assert assets.joinpath("influencemap.css").is_file()
