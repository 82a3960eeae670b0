"""The offline map context in the HTML export: places, lakes and rivers drawn by Leaflet.

The same Natural Earth data the app draws (``geodata/context_*.fgb``, see
:mod:`influencemap.render.context_layer`), reduced for a page: water simplified to about two
kilometres, as integer deltas like the basemap's countries; every place in the data's region
(the catalog's robust extent grown by :data:`REGION_MARGIN_DEG`), with its region (admin-1) names,
and the world's capitals and biggest cities elsewhere. ``html_assets/context.js`` shows water by zoom and places names where they
overlap no other name and none of our markers, as the app does.

Kept apart from :mod:`influencemap.export.html` so that the page's structure and its context
change independently; ``build_map`` calls :func:`add_context` once, and both build from
:mod:`influencemap.export.html_elements` (this module never imports the page's).
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any

from folium.map import Layer as FoliumLayer
from folium.template import Template

from influencemap.export.html_elements import BASEMAP_ATTRIBUTION, Raw, WithData, script_tag, style_tag

SCALE = 1000
"""Coordinates in 1/1000 degree, as the basemap's."""
WATER_TOLERANCE_DEG = 0.02
"""About two kilometres: under two pixels up to zoom 7; the 1:10m source is not much finer."""
WORLD_WATER_MAX_ZOOM = 3.0
"""Outside the data's region, only water shown from this zoom or earlier (the big lakes and rivers)."""
WORLD_PLACE_MAX_ZOOM = 3.0
REGION_MARGIN_DEG = 8.0
MIN_LAKE_AREA_DEG2 = 0.002


class ContextLayer(FoliumLayer, WithData):
    """Places and water: part of the offline basemap, not an entry of its own in the layer
    list (the list's overlays are the catalog's layers); the script hides it while an online
    tile layer, which names places itself, is the base."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "var {{ this.get_name() }} = influencemap.context({{ this._parent.get_name() }}, "
        "influencemap.data({{ this.data_id|tojson }}));\n"
        "{% endmacro %}"
    )

    def __init__(self, data: dict) -> None:
        super().__init__(name="Places and water (Natural Earth)", overlay=True, control=False, show=True)
        self._data = data
        self._name = "InfluencemapContext"


def add_context(m, catalog, offline_base, options) -> None:
    """Add the context overlay (with its script and style) and the tile base layers to the
    folium map ``m``: all places and water where the evidence is (the catalog's robust extent),
    the big ones elsewhere; the base layers from :data:`influencemap.geo.basemaps.BASEMAPS`,
    the one ``options.basemap`` names shown first."""
    from influencemap.geo.basemaps import parse_basemap
    from influencemap.model.extent import robust_bounds

    chosen = parse_basemap(options.basemap)
    online_first = chosen.online
    if online_first:
        offline_base.show = False
    add_tile_layers(m, chosen, options.online_tiles)
    payload = context_payload(_region(robust_bounds(catalog)))
    if payload is None:
        return
    figure = m.get_root()
    assets = resources.files("influencemap.export") / "html_assets"
    figure.header.add_child(Raw(style_tag(assets.joinpath("context.css").read_text(encoding="utf-8"))), name="context_css")
    figure.header.add_child(Raw(script_tag(assets.joinpath("context.js").read_text(encoding="utf-8"))), name="context_js")
    context = ContextLayer({**payload, "baseAttribution": BASEMAP_ATTRIBUTION})
    context.show = not online_first
    context.add_to(m)


def add_tile_layers(m, chosen, offer_named: bool) -> None:
    """The online base layers: the named ones when offered (never fetched unless the reader
    picks one), and the chosen one — a custom XYZ server too — shown first."""
    import folium

    from influencemap.geo.basemaps import BASEMAPS, FOLIUM_PROVIDERS

    for basemap in BASEMAPS:
        if not basemap.online or not (offer_named or basemap == chosen):
            continue
        folium.TileLayer(
            FOLIUM_PROVIDERS[basemap.spec], name=f"{basemap.label} (online)", overlay=False, control=True,
            show=basemap == chosen,
        ).add_to(m)
    if chosen.online and chosen not in BASEMAPS:
        folium.TileLayer(
            chosen.url, attr=chosen.attribution, name=f"{chosen.label} (online)", max_zoom=chosen.max_zoom,
            subdomains="".join(chosen.subdomains) or "abc", overlay=False, control=True, show=True,
        ).add_to(m)


def _region(bounds) -> tuple[float, float, float, float]:
    if bounds is None:
        return (-180.0, -90.0, 180.0, 90.0)
    minlon, minlat, maxlon, maxlat = bounds
    m = REGION_MARGIN_DEG
    return (round(minlon - m, 1), round(minlat - m, 1), round(maxlon + m, 1), round(maxlat + m, 1))


@lru_cache(maxsize=4)
def context_payload(region: tuple[float, float, float, float]) -> dict[str, Any] | None:
    """The page's data for a region, kept in the on-disk cache; None without the context files."""
    from influencemap.disk_cache import cached
    from influencemap.geo.context_data import CONTEXT_FILES

    try:
        from influencemap.paths import geodata_dir

        files = [(geodata_dir() / name).read_bytes() for name in CONTEXT_FILES[:3]]
    except OSError:
        return None
    settings = repr((SCALE, WATER_TOLERANCE_DEG, WORLD_WATER_MAX_ZOOM, WORLD_PLACE_MAX_ZOOM, MIN_LAKE_AREA_DEG2, region))
    return cached("html-context", [b"v2", settings.encode(), *files], lambda: _build(region))


def _build(region: tuple[float, float, float, float]) -> dict[str, Any]:
    import numpy as np
    import pyogrio
    import shapely

    from influencemap.paths import geodata_dir
    from influencemap.geo.context_data import CAPITAL_CLASSES

    folder = geodata_dir()
    box = shapely.box(*region)

    places = pyogrio.read_dataframe(folder / "context_places.fgb")
    xy = shapely.get_coordinates(places.geometry.values)
    inside = shapely.contains_xy(box, xy[:, 0], xy[:, 1])
    capital = places["featurecla"].isin(CAPITAL_CLASSES).to_numpy()
    keep = inside | capital | (places["min_zoom"].to_numpy() <= WORLD_PLACE_MAX_ZOOM)
    place_rows = [
        [str(name), round(float(x), 3), round(float(y), 3), round(float(z), 1), int(c)]
        for name, (x, y), z, c, k in zip(places["name"], xy, places["min_zoom"], capital, keep)
        if k
    ]

    def water(name: str, polygonal: bool) -> list:
        water_data = pyogrio.read_dataframe(folder / name)
        geometries = water_data.geometry.values
        near = shapely.intersects(geometries, box)
        keep = near | (water_data["min_zoom"].to_numpy() <= WORLD_WATER_MAX_ZOOM)
        simplified = shapely.simplify(geometries, WATER_TOLERANCE_DEG, preserve_topology=polygonal)
        rows = []
        for geometry, zoom, rank, wanted in zip(simplified, water_data["min_zoom"], water_data["scalerank"], keep):
            if not wanted or geometry is None or geometry.is_empty:
                continue
            if polygonal:
                parts = [p for p in shapely.get_parts(geometry) if p.area >= MIN_LAKE_AREA_DEG2]
                rings = [_encoded(np.asarray(r.coords)) for p in parts for r in (p.exterior, *p.interiors)]
            else:
                rings = [_encoded(np.asarray(p.coords)) for p in shapely.get_parts(geometry)]
            rings = [r for r in rings if len(r) >= (8 if polygonal else 4)]
            if rings:
                rows.append([round(float(zoom), 1), int(rank), rings])
        return rows

    regions = pyogrio.read_dataframe(folder / "context_regions.fgb")
    rxy = shapely.get_coordinates(regions.geometry.values)
    region_rows = [
        [str(name), round(float(x), 3), round(float(y), 3)]
        for name, (x, y), inside in zip(regions["name"], rxy, shapely.contains_xy(box, rxy[:, 0], rxy[:, 1]))
        if inside
    ]
    return {"scale": SCALE, "places": place_rows, "regions": region_rows, "lakes": water("context_lakes.fgb", True),
            "rivers": water("context_rivers.fgb", False)}


def _encoded(coords) -> list[int]:
    """A line as integer deltas of 1/SCALE degree, repeated points dropped."""
    import numpy as np

    q = np.round(coords[:, :2] * SCALE).astype(np.int64)
    keep = np.ones(len(q), dtype=bool)
    keep[1:] = np.any(q[1:] != q[:-1], axis=1)
    q = q[keep]
    return np.vstack([q[:1], np.diff(q, axis=0)]).ravel().tolist() if len(q) else []
