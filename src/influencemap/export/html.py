"""Export the catalog as one HTML map made with folium (Leaflet), self-contained by default.

All folium code lives in this module; callers import it only when they export. folium
gives the page its structure: the global Leaflet map, one overlay per layer, the base layers and
the layer control. The project's own short script (``html_assets/influencemap.js``) builds each
layer from its GeoJSON — every feature its own Leaflet layer keeping its properties as written —
and adds the search box, the year filter, the legend and the full-screen button.

Self-contained means every script, stylesheet and image is in the file: Leaflet and
Leaflet.markercluster come from the XStatic packages, their images as ``data:`` URIs, and
folium's CDN defaults (jQuery, Bootstrap, icon fonts) are left out because nothing uses them.

The data — each layer's GeoJSON features, the sources, the basemap — sits in ``<script
type="application/json">`` blocks, as written: ``<``, ``>`` and ``&`` are JSON ``\\u`` escapes,
so no text can end the block, and the page's script puts every text into the page as text. A
layer's features are written column by column (:mod:`influencemap.export.columns`): ten thousand
features that repeat the same keys and values take a quarter of the room.

A layer of more single points than ``HtmlOptions.big_layer_min`` (10,000) is no Leaflet layer
per feature: :mod:`influencemap.export.html_big_layer` writes its columns compressed, and the
page clusters and draws its points on a canvas (``influencemap.bigLayer``).
"""

from __future__ import annotations

import base64
import gc
import html
import re
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

import folium
from branca.element import MacroElement
from folium.map import Layer as FoliumLayer
from folium.map import LayerControl
from folium.template import Template
from shapely.geometry import mapping

from influencemap.export import html_big_layer
from influencemap.export.columns import decode_rows, encode_rows
from influencemap.export.geojson import feature_properties
from influencemap.export.html_elements import BASEMAP_ATTRIBUTION
from influencemap.export.html_elements import Raw as _Raw
from influencemap.export.html_elements import WithData as _WithData
from influencemap.export.html_elements import js_json as _js_json
from influencemap.export.html_elements import script_tag as _script
from influencemap.export.html_elements import style_tag as _style
from influencemap.export.xml_chars import xml_safe
from influencemap.fileio import write_target, write_text_atomic
from influencemap.model.catalog import Catalog
from influencemap.model.extent import robust_bounds
from influencemap.model.present import FeatureDetails, feature_details
from influencemap.model.geometry_parts import unwrap_geometry
from influencemap.model import sizing
from influencemap.model.feature_table import POINT
from influencemap.model.types import Feature, GeometryKind, Layer, Style

COORD_DECIMALS = 5
"""Feature coordinates are rounded to 5 decimals (about a metre): compact and exact enough."""

BASEMAP_TOLERANCE_DEG = 0.03
"""The embedded basemap is simplified to about 3 km: two pixels at zoom 6. Readers who zoom in
further can switch to an online tile layer."""
BASEMAP_MIN_AREA_DEG2 = 0.002
"""Islands and lakes smaller than this (about 20 km²) are left out, except a country's largest part."""
BASEMAP_SCALE = 1000
"""Basemap coordinates are kept to 1/1000 degree."""
BASEMAP_COARSE = (0.12, 0.03, 4.5)
"""(tolerance, smallest area, zoom): below zoom 4.5 the map draws the countries simplified to
0.12 degree, two pixels there too, and without parts smaller than 0.03 degree² — a quarter of
the points to project and draw at the zooms that show whole continents."""
DEFAULT_VIEW = (-10.0, 25.0, 150.0, 65.0)
"""Europe and Asia: the view of a map without features."""

UNCATEGORISED = "Other"

PROPERTY_KEYS = (
    "id", "name", "layer", "countries", "start", "end", "dating", "tags", "precision",
    "description", "figures", "actors", "sources",
)
"""The documented properties, in the order the GeoJSON export writes them."""

_OMITTED_WHEN_EMPTY = ("countries", "start", "end", "dating", "tags", "precision", "description", "figures", "actors")


_CDN = {
    "leaflet_js": "https://cdn.jsdelivr.net/npm/leaflet@{leaflet}/dist/leaflet.js",
    "leaflet_css": "https://cdn.jsdelivr.net/npm/leaflet@{leaflet}/dist/leaflet.css",
    "markercluster_js": "https://cdn.jsdelivr.net/npm/leaflet.markercluster@{cluster}/dist/leaflet.markercluster.js",
    "markercluster_css": "https://cdn.jsdelivr.net/npm/leaflet.markercluster@{cluster}/dist/MarkerCluster.css",
}

_SOURCE_MAP = re.compile(r"^\s*//# sourceMappingURL=.*$", re.MULTILINE)
_CSS_IMAGE = re.compile(r"url\((['\"]?)images/([\w.-]+\.png)\1\)")


@dataclass(frozen=True)
class HtmlOptions:
    """What the HTML export writes besides the features.

    Parameters
    ----------
    title, subtitle, notes
        Shown in a collapsible panel at the top of the map and on the printed page; the title is
        also the page's ``<title>``, the subtitle (or the notes' first line) its description.
        Notes keep their line breaks.
    sources_list
        The "About this map" panel's numbered list of every source the exported features cite,
        which the popups cite by number and the printed page lists too. Off, the popups give
        each source in full without a number, and the printed page has no list.
    cdn
        Load Leaflet and Leaflet.markercluster from CDNs: a smaller file that needs the network.
    online_tiles
        Offer OpenStreetMap and OpenTopoMap tiles as base layers the reader can switch to (the
        offline basemap stays the default either way).

    Every point of every small layer goes into one Leaflet.markercluster group, however few
    there are: features that share a place are one cluster whose count is theirs, and a click on
    it lists them (``html_assets/influencemap.js``). The points of the big layers (over
    ``big_layer_min``) are clustered together on one canvas, the same way.
    """

    title: str | None = None
    subtitle: str | None = None
    notes: str | None = None
    sources_list: bool = True
    cdn: bool = False
    online_tiles: bool = True
    basemap: str = "offline"
    """The base layer the page opens on (``influencemap.geo.basemaps.parse_basemap`` text): an
    online one becomes the default, with its attribution; the offline basemap stays offered."""
    big_layer_min: int = html_big_layer.BIG_LAYER_MIN
    """A layer of more single points than this is written as compressed columns and drawn on a
    canvas in clusters (:mod:`influencemap.export.html_big_layer`); smaller layers keep a DOM
    marker per feature."""


Progress = Callable[[int, int], None]
"""Called with (steps done, steps in all) while the map is built."""


def write_html(
    catalog: Catalog,
    out: Path,
    options: HtmlOptions = HtmlOptions(),
    progress: Progress | None = None,
) -> None:
    """Write the catalog's layers as an HTML map to ``out`` (replaced atomically)."""
    write_target(Path(out))  # a folder or a read-only file is refused before the work is done
    write_text_atomic(Path(out), render_html(catalog, options, progress), remove_stale_temps=True)


def render_html(catalog: Catalog, options: HtmlOptions = HtmlOptions(), progress: Progress | None = None) -> str:
    """The HTML map as text."""
    with _collector_paused():
        m = build_map(catalog, options, progress)
        text = m.get_root().render()
    # the last step, so that no text of any layer, source or option can bring in a character
    # HTML (and XML) does not allow, nor a lone surrogate that UTF-8 cannot encode
    text = xml_safe(_valid_page(text.replace("<html>", '<html lang="en">', 1)))
    # The big layers' packed columns (base64: nothing to escape) go in last, so that the passes
    # over the page above copy a few megabytes, not a million points' tens of megabytes.
    for token, payload in getattr(m, "influencemap_payloads", {}).items():
        text = text.replace(token, payload, 1)
    return text


_VIEWPORT = re.compile(r'<meta name="viewport"[^>]*>')


def _valid_page(text: str) -> str:
    """folium's page, made valid HTML and zoomable: its map script, which folium writes after
    ``</body>``, goes at the end of the body, and the viewport no longer forbids readers to
    zoom the page (``user-scalable=no`` fails low-vision readers)."""
    text = _VIEWPORT.sub('<meta name="viewport" content="width=device-width, initial-scale=1">', text, count=1)
    body, end, after = text.rpartition("</body>")
    tail = after.rstrip()
    if end and tail.endswith("</html>"):
        text = body + tail[: -len("</html>")].rstrip() + "\n</body>\n</html>\n"
    return text


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector: the export makes hundreds of thousands of small dicts
    and lists (none in cycles), and the passes it triggers over them and the catalog took
    about 40% of the time of a 10,000-feature export."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# -- the page ----------------------------------------------------------------------------------


def build_map(catalog: Catalog, options: HtmlOptions = HtmlOptions(), progress: Progress | None = None) -> folium.Map:
    """The folium map, with every layer that has features, the base layers and the controls.

    A layer the filter emptied is left out (of the legend and the layer list too). The view
    fits where the features are (:func:`influencemap.model.extent.robust_bounds`: a filtered
    export opens on what the filter kept, and a few far-off statements do not pull the view
    to the whole hemisphere); the page can still zoom out to everything.
    """
    layers = [layer for layer in _ordered_layers(catalog) if len(layer.features)]
    steps = len(layers) + 2
    _report(progress, 0, steps)

    bounds = robust_bounds(catalog)
    view = bounds or DEFAULT_VIEW
    center = ((view[1] + view[3]) / 2, (view[0] + view[2]) / 2)
    # maxZoom: without a tile layer Leaflet knows no zoom limit, and markercluster needs one
    m = folium.Map(
        location=center,
        zoom_start=3,
        tiles=None,
        zoom_control=False,  # our script adds it under the title and the search box
        font_size="13px",
        minZoom=2,
        maxZoom=18,
        zoomSnap=0.25,
        zoomDelta=0.5,
    )
    # folium's defaults pull Leaflet, jQuery, Bootstrap and icon fonts from CDNs: take none.
    m.default_js = []
    m.default_css = []

    figure = m.get_root()
    figure.title = html.escape(options.title or "influencemap")
    figure.header.add_child(_Raw(_page_meta(options, layers)), name="influencemap_meta")
    big = [html_big_layer.is_big(layer, options.big_layer_min) for layer in layers]
    clustered = any(_has_points(layer) and not is_big for layer, is_big in zip(layers, big))
    for name, code in _page_assets(options.cdn, clustered, any(big)):
        figure.header.add_child(_Raw(code), name=name)

    tables = _new_tables(layers)
    collections = []
    m.influencemap_payloads = {}  # placeholder: packed columns (see render_html)
    for done, (layer, is_big) in enumerate(zip(layers, big), start=1):
        if is_big:
            packed = html_big_layer.pack_layer(catalog, layer, tables)
            token = f"influencemap-payload-{uuid.uuid4().hex}"
            m.influencemap_payloads[token] = packed["gzip"]
            collections.append({**packed, "gzip": token})
        else:
            collections.append(_layer_collection(catalog, layer, tables))
        _report(progress, done, steps)

    _Script("influencemap.setTables", tables).add_to(m)
    specs = [_layer_spec(layer, options, is_big) for layer, is_big in zip(layers, big)]
    # The view fits the data; our script does it, once it knows how much room the controls
    # take, and before any layer is on the map, so that each is drawn once.
    _View({
        "title": options.title,
        "subtitle": options.subtitle,
        "notes": options.notes,
        "sourcesList": options.sources_list,
        "legend": [{**spec, "count": len(layer.features)} for spec, layer in zip(specs, layers)],
        "bounds": [[view[1], view[0]], [view[3], view[2]]],
        "maxZoom": 9,
    }).add_to(m)
    offline = _Basemap(_basemap_payload())
    offline.add_to(m)
    from influencemap.export import html_context  # places, water and the tile basemaps (issue 16)

    html_context.add_context(m, catalog, offline, options)
    _report(progress, len(layers) + 1, steps)
    for layer, spec, collection, is_big in zip(layers, specs, collections, big):
        (_BigLayer if is_big else _DataLayer)(layer, {"spec": spec, "data": collection}).add_to(m)

    control = LayerControl(position="topright", collapsed=True)
    control.add_to(m)
    _Controls(control).add_to(m)
    _report(progress, steps, steps)
    return m


FAVICON = (
    "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 32 32'>"
    "<circle cx='16' cy='16' r='15' fill='#dce8ef' stroke='#8c8579'/>"
    "<path d='M16 5a7.5 7.5 0 0 0-7.5 7.5C8.5 18 16 27 16 27s7.5-9 7.5-14.5A7.5 7.5 0 0 0 16 5z' fill='#d7301f'/>"
    "<circle cx='16' cy='12.5' r='2.8' fill='#fff'/></svg>"
)
"""The page's icon: a pin on the sea colour of the map, inlined (no request)."""


def _page_meta(options: HtmlOptions, layers: Sequence[Layer]) -> str:
    """The head's description and icon. The description is the subtitle, else the notes'
    first line, else what the map holds."""
    description = options.subtitle or next((line.strip() for line in (options.notes or "").splitlines() if line.strip()), None)
    if not description:
        features = sum(len(layer.features) for layer in layers)
        description = f"A map of {features:,} sourced features in {len(layers)} layers, made with influencemap."
    icon = base64.b64encode(FAVICON.encode("utf-8")).decode("ascii")
    return (
        f'<meta name="description" content="{_html_text(description)}">\n'
        f'<link rel="icon" type="image/svg+xml" href="data:image/svg+xml;base64,{icon}">\n'
    )


def _report(progress: Progress | None, done: int, total: int) -> None:
    if progress is not None:
        progress(done, total)


def _ordered_layers(catalog: Catalog) -> list[Layer]:
    """Layers grouped by category, categories in order of first appearance, "Other" last."""
    categories: dict[str, list[Layer]] = {}
    for layer in catalog.layers:
        categories.setdefault(layer.category or UNCATEGORISED, []).append(layer)
    order = sorted(categories, key=lambda c: c == UNCATEGORISED)
    return [layer for category in order for layer in categories[category]]


def _has_points(layer: Layer) -> bool:
    """Whether the layer has single points: they go into the page's one cluster group."""
    return POINT in layer.features.kind_code_set()  # from the kinds column: no Feature built


# -- folium elements ---------------------------------------------------------------------------
#
# branca turns each element's rendered script back into a Jinja template before it renders the
# page, so text from the data must never be in a script: a name like "{{ 7*7 }}" would be run.
# The data goes into <script type="application/json"> blocks (written as given, never parsed
# as a template), and the scripts only name the block to read.


class _Script(_WithData):
    """A call of one of our functions with data, in order with the map's other elements."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "{{ this.function }}(influencemap.data({{ this.data_id|tojson }}));\n"
        "{% endmacro %}"
    )

    def __init__(self, function: str, data: Any) -> None:
        super().__init__()
        self._data = data
        self._name = "InfluencemapScript"
        self.function = function


class _DataLayer(FoliumLayer, _WithData):
    """One catalog layer: an overlay built by ``influencemap.dataLayer`` from its GeoJSON."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "var {{ this.get_name() }} = influencemap.dataLayer(influencemap.data({{ this.data_id|tojson }}));\n"
        "{% endmacro %}"
    )

    def __init__(self, layer: Layer, data: dict) -> None:
        # Leaflet's layer control shows names as HTML. The span lets our script put category
        # headings and the layer's symbols in the list.
        label = (
            f'<span class="im-overlay" data-layer="{_html_text(layer.id)}" '
            f'data-category="{_html_text(layer.category or UNCATEGORISED)}">{_html_text(layer.name)}</span>'
        )
        super().__init__(name=label, overlay=True, control=True, show=True)
        self._data = data
        self._name = "InfluencemapLayer"


class _BigLayer(_DataLayer):
    """A big point layer: an overlay built by ``influencemap.bigLayer`` from its packed columns
    (:mod:`influencemap.export.html_big_layer`)."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "var {{ this.get_name() }} = influencemap.bigLayer(influencemap.data({{ this.data_id|tojson }}));\n"
        "{% endmacro %}"
    )


class _Basemap(FoliumLayer, _WithData):
    """The offline Natural Earth countries: the default base layer."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "var {{ this.get_name() }} = influencemap.basemap({{ this._parent.get_name() }}, "
        "influencemap.data({{ this.data_id|tojson }}), {{ this.attribution|tojson }});\n"
        "{% endmacro %}"
    )

    def __init__(self, data: dict) -> None:
        super().__init__(name="Natural Earth (offline)", overlay=False, control=True, show=True)
        self._data = data
        self._name = "InfluencemapBasemap"
        self.attribution = BASEMAP_ATTRIBUTION


class _View(_WithData):
    """Title, search, zoom, full screen, scale and legend, and the view that fits the data:
    made before the layers, so that they are drawn once, for that view."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "influencemap.view({{ this._parent.get_name() }}, influencemap.data({{ this.data_id|tojson }}));\n"
        "{% endmacro %}"
    )

    def __init__(self, options: dict) -> None:
        super().__init__()
        self._data = options
        self._name = "InfluencemapView"


class _Controls(MacroElement):
    """The year filter and the layer list's headings, once the layers are made."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "influencemap.controls({{ this._parent.get_name() }}, {{ this.control.get_name() }});\n"
        "{% endmacro %}"
    )

    def __init__(self, control: LayerControl) -> None:
        super().__init__()
        self._name = "InfluencemapControls"
        self.control = control


def _html_text(text: str) -> str:
    """Text for HTML that folium passes through Jinja: escaped, no braces to template with, and
    only XML characters (folium writes it as a JSON string, where a control character would be
    escaped past the last pass over the page)."""
    return html.escape(xml_safe(text)).replace("{", "&#123;").replace("}", "&#125;")


# -- data --------------------------------------------------------------------------------------


def _style_spec(style: Style) -> dict[str, Any]:
    return {
        "color": style.color,
        "fill": style.fill,
        "opacity": style.opacity,
        "width": style.width,
        "dash": list(style.dash),
        "marker": style.marker.value,
        "size": style.size,
    }


_KIND_ORDER = (GeometryKind.POLYGON, GeometryKind.LINE, GeometryKind.POINT)


def _layer_spec(layer: Layer, options: HtmlOptions, big: bool = False) -> dict[str, Any]:
    kinds = {GeometryKind.POINT} if big else set(layer.features.geometry_kinds())
    spec = {
        "id": layer.id,
        "name": layer.name,
        "category": layer.category or UNCATEGORISED,
        "style": _style_spec(layer.style),
        "kinds": [kind.value for kind in _KIND_ORDER if kind in kinds],
        "cluster": _has_points(layer),
    }
    if big:
        spec["big"] = True
    sizes = sizing.layer_sizes(layer) if GeometryKind.POINT in kinds else None  # from the figure columns
    if sizes is not None:
        # The legend's size key: [diameter in pixels, "USD 1 bn"], largest first.
        spec["sizeKey"] = [[round(d, 1), text] for _, d, text in sizes.references]
    return spec


def _new_tables(layers: Sequence[Layer]) -> dict[str, Any]:
    """What the features share, written once; :func:`_layer_collection` fills it in.

    ``sources`` are the sources as written (as the GeoJSON export has them); ``sourceOrder``
    numbers them, [1] the first one cited, in the order of the layers and their features (the
    "About this map" list and the popups cite by these numbers); ``sourceDisplay``
    and ``countries`` are what the details panel shows for them: the date formatted, the link
    only when it is http(s) or mailto, ``Belarus (BY)``.
    """
    return {
        "layers": {layer.id: {"name": layer.name, "category": layer.category or UNCATEGORISED} for layer in layers},
        "sources": {},
        "sourceOrder": [],
        "sourceDisplay": {},
        "countries": {},
        "propertyKeys": list(PROPERTY_KEYS),
        "emptyProperties": {key: ([] if key in _LIST_KEYS else None) for key in _OMITTED_WHEN_EMPTY},
    }


_LIST_KEYS = frozenset({"countries", "tags", "figures", "actors"})


def compact_properties(properties: dict[str, Any]) -> dict[str, Any]:
    """The properties as the file carries them, to keep it small: the layer id, which the
    layer gives, and empty documented keys left out, and each source cited by id with its
    locator and quote. The page's script restores the rest before any layer is made.

    Every value that is kept is as written.
    """
    out: dict[str, Any] = {}
    for key, value in properties.items():
        if key == "sources":
            out["sources"] = [
                {"ref": s["id"], **{k: s[k] for k in ("locator", "quote") if s[k] is not None}}
                for s in value
            ]
        elif key == "layer" or (key in _OMITTED_WHEN_EMPTY and (value is None or value == [])):
            continue
        else:
            out[key] = value
    return out


def _rounded(coords: Any, decimals: int) -> Any:
    if isinstance(coords, (int, float)):
        return round(coords, decimals)
    return [_rounded(c, decimals) for c in coords]


def _geometry(feature: Feature) -> dict[str, Any]:
    # Lines and polygons across ±180° go the short way (longitudes past 180 are fine for Leaflet).
    geometry = mapping(unwrap_geometry(feature.geometry))
    return {"type": geometry["type"], "coordinates": _rounded(geometry["coordinates"], COORD_DECIMALS)}


def _geometries(features: Sequence[Feature]) -> list[dict[str, Any]]:
    """Each feature's GeoJSON geometry, coordinates rounded; the layer's flat points read at once
    (shapely's ``mapping`` of each point took a sixth of a 10,000-point export)."""
    import numpy as np
    import shapely

    shapes = np.array([feature.geometry for feature in features], dtype=object)
    out: list[dict[str, Any] | None] = [None] * len(features)
    if len(features):
        flat_points = (shapely.get_type_id(shapes) == 0) & ~shapely.has_z(shapes) & ~shapely.is_empty(shapes)
        rows = np.flatnonzero(flat_points)
        coordinates = shapely.get_coordinates(shapes[rows]).tolist()
        for row, (x, y) in zip(rows.tolist(), coordinates):
            out[row] = {"type": "Point", "coordinates": [round(x, COORD_DECIMALS), round(y, COORD_DECIMALS)]}
    return [shape if shape is not None else _geometry(feature) for shape, feature in zip(out, features)]


def _display(details: FeatureDetails) -> dict[str, Any]:
    """What the popup shows that is not in the properties as written: the dates and figures as
    the details panel formats them (labels are the figures' own)."""
    shown: dict[str, Any] = {}
    if details.dates:
        shown["dates"] = details.dates
    if details.figures:
        shown["figures"] = [value for _, value in details.figures]
    return shown


def _layer_collection(catalog: Catalog, layer: Layer, tables: dict[str, Any]) -> dict[str, Any]:
    """The layer's GeoJSON features, each one's properties compacted, written column by column
    (:mod:`influencemap.export.columns`; :func:`layer_features` reads them back); what the
    features share goes into ``tables``."""
    features = []
    sources, source_display, countries = tables["sources"], tables["sourceDisplay"], tables["countries"]
    size_by = layer.style.size_by
    sizes = sizing.layer_sizes(layer) if size_by is not None else None
    for feature, geometry in zip(layer.features, _geometries(layer.features)):
        properties = feature_properties(catalog, feature)
        details = feature_details(catalog, feature)
        for written, entry in zip(properties["sources"], details.sources):
            if entry.source_id not in sources:
                sources[entry.source_id] = {key: written[key] for key in _SOURCE_KEYS}
                tables["sourceOrder"].append(entry.source_id)
                source_display[entry.source_id] = {"date": entry.date, "url": entry.url}
        for code, label in zip(feature.countries, details.countries):
            countries.setdefault(code, label)
        item: dict[str, Any] = {
            "type": "Feature",
            "geometry": geometry,
            "properties": compact_properties(properties),
        }
        shown = _display(details)
        if shown:
            item["display"] = shown
        if sizes is not None and feature.kind is GeometryKind.POINT:
            figure = sizing.figure_of(feature, size_by)
            if figure is not None:  # the marker's diameter in pixels, as the map images draw it
                item["symbolSize"] = round(sizing.diameter(figure.value, sizes.top, size_by), 1)
        features.append(item)
    return {"count": len(features), "features": encode_rows(features)}


_SOURCE_KEYS = ("id", "title", "url", "publisher", "author", "date")


def layer_features(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The GeoJSON features (properties compacted) of a layer's data block, as the page's
    script reads them."""
    return decode_rows(data["features"], data["count"])


# -- the basemap -------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _basemap_payload() -> dict[str, Any]:
    """The offline basemap's countries, simplified, as the page's script reads them; kept in
    the on-disk cache (building it took half a second of every export)."""
    from influencemap.disk_cache import cached
    from influencemap.geo.basemap import countries_file_bytes

    settings = repr((BASEMAP_TOLERANCE_DEG, BASEMAP_MIN_AREA_DEG2, BASEMAP_COARSE, BASEMAP_SCALE)).encode()
    return cached("html-basemap", [b"v2", settings, countries_file_bytes()], _build_basemap_payload)


def _build_basemap_payload() -> dict[str, Any]:
    """Each country's ``polygons``, simplified to ``BASEMAP_TOLERANCE_DEG``, and ``coarse``
    ones for the map's low zooms (below ``coarseBelowZoom``), simplified further.

    Each ring is a flat list of integer deltas in 1/``BASEMAP_SCALE`` degree — half the size of
    GeoJSON coordinates. ``rank`` 1 marks the largest countries, whose names show first.
    """
    import shapely

    from influencemap.geo.basemap import load_countries

    countries = load_countries()
    # Without topology preservation simplifying is four times faster; a ring it collapses is
    # dropped below, and a slightly self-touching coastline draws the same.
    simplified = shapely.simplify(countries.geometry.values, BASEMAP_TOLERANCE_DEG, preserve_topology=False)
    coarse_tolerance, coarse_min_area, coarse_below = BASEMAP_COARSE
    coarse = shapely.simplify(simplified, coarse_tolerance, preserve_topology=False)
    entries = []
    for code, name, lon, lat, geometry, outline in zip(
        countries["iso_a2"], countries["name"], countries["label_lon"], countries["label_lat"], simplified, coarse
    ):
        polygons = _encoded_polygons(geometry, BASEMAP_MIN_AREA_DEG2)
        if not polygons:
            continue
        area = geometry.area
        entries.append(
            {
                "code": str(code),
                "name": str(name),
                "label": [round(float(lon), 2), round(float(lat), 2)],
                "rank": 1 if area >= 60 else 2 if area >= 8 else 3,
                "polygons": polygons,
                "coarse": _encoded_polygons(outline, coarse_min_area),
            }
        )
    return {"scale": BASEMAP_SCALE, "coarseBelowZoom": coarse_below, "countries": entries}


def _encoded_polygons(geometry: Any, min_area: float) -> list[list[list[int]]]:
    """The geometry's polygons as rings of integer deltas, leaving out parts and holes smaller
    than ``min_area`` (except the largest part) and rings that simplifying collapsed."""
    import numpy as np
    import shapely

    if geometry is None or geometry.is_empty:
        return []
    parts = list(getattr(geometry, "geoms", [geometry]))
    largest = max(parts, key=lambda part: part.area)
    polygons = []
    for polygon in parts:
        if polygon.area < min_area and polygon is not largest:
            continue
        rings = []
        for ring in (polygon.exterior, *polygon.interiors):
            if ring is not polygon.exterior and shapely.Polygon(ring).area < min_area:
                continue
            q = np.round(np.asarray(ring.coords)[:, :2] * BASEMAP_SCALE).astype(np.int64)
            keep = np.ones(len(q), dtype=bool)
            keep[1:] = np.any(q[1:] != q[:-1], axis=1)
            q = q[keep]
            if len(q) >= 4:
                rings.append(np.vstack([q[:1], np.diff(q, axis=0)]).ravel().tolist())
        if rings:
            polygons.append(rings)
    return polygons


# -- library assets ----------------------------------------------------------------------------


@lru_cache(maxsize=8)
def _page_assets(cdn: bool, clustered: bool, big: bool = False) -> tuple[tuple[str, str], ...]:
    return tuple(_read_page_assets(cdn, clustered, big))


def _read_page_assets(cdn: bool, clustered: bool, big: bool = False) -> Iterable[tuple[str, str]]:
    """(name, HTML) pieces for the page's head: the libraries, then our own CSS and script."""
    import xstatic.pkg.leaflet as leaflet
    import xstatic.pkg.leaflet_markercluster as markercluster

    leaflet_dir = Path(leaflet.BASE_DIR)
    cluster_dir = Path(markercluster.BASE_DIR)
    versions = {"leaflet": leaflet.VERSION, "cluster": markercluster.VERSION}
    if cdn:
        yield "leaflet_css", _css_link(_CDN["leaflet_css"].format(**versions))
        yield "leaflet_js", _script_link(_CDN["leaflet_js"].format(**versions))
        if clustered:
            yield "markercluster_css", _css_link(_CDN["markercluster_css"].format(**versions))
            yield "markercluster_js", _script_link(_CDN["markercluster_js"].format(**versions))
    else:
        yield "leaflet_css", _style(_inline_images(_read(leaflet_dir / "leaflet.css"), leaflet_dir / "images"))
        yield "leaflet_js", _script(_read(leaflet_dir / "leaflet.js"))
        if clustered:
            yield "markercluster_css", _style(_read(cluster_dir / "MarkerCluster.css"))
            yield "markercluster_js", _script(_read(cluster_dir / "leaflet.markercluster.js"))
    assets = resources.files("influencemap.export") / "html_assets"
    if big:
        # small (10 kB) and on no CDN we would trust more than the file itself: inlined either way
        yield "supercluster_js", _script(_SOURCE_MAP.sub("", assets.joinpath("supercluster.min.js").read_text(encoding="utf-8")))
    yield "influencemap_css", _style(assets.joinpath("influencemap.css").read_text(encoding="utf-8"))
    yield "influencemap_js", _script(assets.joinpath("influencemap.js").read_text(encoding="utf-8"))


def _read(path: Path) -> str:
    return _SOURCE_MAP.sub("", path.read_text(encoding="utf-8"))


def _inline_images(css: str, images: Path) -> str:
    def data_uri(match: re.Match) -> str:
        data = base64.b64encode((images / match.group(2)).read_bytes()).decode("ascii")
        return f"url(data:image/png;base64,{data})"

    return _CSS_IMAGE.sub(data_uri, css)


def _script_link(url: str) -> str:
    return f'<script src="{html.escape(url)}"></script>'


def _css_link(url: str) -> str:
    return f'<link rel="stylesheet" href="{html.escape(url)}"/>'
