"""The basemaps a map can sit on: the one list the app, the image export and the HTML export share.

*Offline (Natural Earth)* is the default and needs nothing; *OpenStreetMap* and *OpenTopoMap*
are XYZ tile servers; *Custom XYZ* is any ``{z}/{x}/{y}`` URL template (``{s}`` for
subdomains); *MBTiles* is an offline tile file. A basemap is named on the command line as
``offline``, ``osm``, ``opentopomap``, ``xyz:URL_TEMPLATE`` or ``mbtiles:FILE``
(:func:`parse_basemap`), and that same text is what the app remembers.

Qt-free: tile arithmetic and naming only; fetching lives in ``influencemap.render.tiles``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from influencemap import __version__

TILE_SIZE = 256

USER_AGENT = f"influencemap/{__version__} (desktop map viewer for sourced layers; Qt)"
"""Sent with every tile request, as the OpenStreetMap tile usage policy asks: a name that says
which application fetches."""


@dataclass(frozen=True)
class Basemap:
    """One basemap. ``spec`` is its command-line text, and what the app remembers."""

    spec: str
    label: str
    kind: str
    """``offline``, ``xyz`` or ``mbtiles``."""
    url: str = ""
    subdomains: tuple[str, ...] = ()
    max_zoom: int = 19
    attribution: str = ""
    path: str = ""

    @property
    def online(self) -> bool:
        return self.kind == "xyz"

    @property
    def tiled(self) -> bool:
        return self.kind in ("xyz", "mbtiles")

    def tile_url(self, z: int, x: int, y: int) -> str:
        """The URL of one tile; ``{s}`` takes a subdomain chosen by the tile, so the same
        tile always comes from the same host (and the same cache entry)."""
        url = self.url.replace("{z}", str(z)).replace("{x}", str(x)).replace("{y}", str(y))
        if "{s}" in url:
            url = url.replace("{s}", self.subdomains[(x + y) % len(self.subdomains)] if self.subdomains else "a")
        return url


OFFLINE = Basemap("offline", "Offline (Natural Earth)", "offline", attribution="Natural Earth")
OSM = Basemap(
    "osm", "OpenStreetMap", "xyz", url="https://tile.openstreetmap.org/{z}/{x}/{y}.png", max_zoom=19,
    attribution="© OpenStreetMap contributors",
)
OPENTOPOMAP = Basemap(
    "opentopomap", "OpenTopoMap", "xyz", url="https://{s}.tile.opentopomap.org/{z}/{x}/{y}.png",
    subdomains=("a", "b", "c"), max_zoom=17,
    attribution="Map data: © OpenStreetMap contributors, SRTM | Map style: © OpenTopoMap (CC-BY-SA)",
)
BASEMAPS = (OFFLINE, OSM, OPENTOPOMAP)
"""The named basemaps, in menu order. Custom XYZ and MBTiles are made by :func:`parse_basemap`."""

FOLIUM_PROVIDERS = {"osm": "OpenStreetMap.Mapnik", "opentopomap": "OpenTopoMap"}
"""The HTML export's names (xyzservices, through folium) for the named online basemaps."""


class BasemapError(ValueError):
    """A basemap text that names no basemap; the message says why."""


def custom_xyz(url: str, max_zoom: int = 19, attribution: str = "", subdomains: tuple[str, ...] = ("a", "b", "c")) -> Basemap:
    """A user's XYZ tile server (View > Basemap > Custom…, ``--basemap xyz:URL``)."""
    url = url.strip()
    missing = [part for part in ("{z}", "{x}", "{y}") if part not in url]
    if missing:
        raise BasemapError(f"the tile URL needs {', '.join(missing)}: {url}")
    if not url.lower().startswith(("http://", "https://")):
        raise BasemapError(f"the tile URL must start with http:// or https://: {url}")
    host = url.split("/")[2] if url.count("/") >= 2 else url
    return Basemap(
        f"xyz:{url}", f"Custom ({host})", "xyz", url=url, subdomains=subdomains if "{s}" in url else (),
        max_zoom=max(0, min(int(max_zoom), 22)), attribution=attribution or f"Tiles: {host}",
    )


def mbtiles(path: str | Path) -> Basemap:
    """An MBTiles file as the basemap (its attribution and zooms come from the file when read)."""
    path = str(Path(path).expanduser())
    return Basemap(f"mbtiles:{path}", f"MBTiles ({Path(path).name})", "mbtiles", path=path, max_zoom=22,
                   attribution=f"Tiles: {Path(path).name}")


def parse_basemap(text: str) -> Basemap:
    """``offline``, ``osm``, ``opentopomap``, ``xyz:URL_TEMPLATE`` or ``mbtiles:FILE``."""
    value = (text or "").strip()
    for basemap in BASEMAPS:
        if value.lower() == basemap.spec:
            return basemap
    if value.lower().startswith("xyz:"):
        return custom_xyz(value[4:])
    if value.lower().startswith("mbtiles:"):
        if not value[8:].strip():
            raise BasemapError("mbtiles: needs a file, e.g. mbtiles:/data/belarus.mbtiles")
        return mbtiles(value[8:].strip())
    raise BasemapError(f"unknown basemap '{value}': use offline, osm, opentopomap, xyz:URL_TEMPLATE or mbtiles:FILE")


# -- tile arithmetic (web mercator, as every XYZ server and MBTiles file uses) -------------------


def tile_zoom(resolution: float, device_pixel_ratio: float = 1.0, max_zoom: int = 19) -> int:
    """The tile zoom whose pixels are closest to, and not coarser than about 1.4 times, the
    view's (metres per physical pixel)."""
    from influencemap.geo.mercator import WORLD_HALF

    per_pixel = resolution / max(device_pixel_ratio, 1.0)
    z = math.log2(2 * WORLD_HALF / (TILE_SIZE * per_pixel))
    return int(max(0, min(max_zoom, math.floor(z + 0.5))))


def tile_bounds(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """A tile's (minx, miny, maxx, maxy) in mercator metres (y of XYZ counts from the north)."""
    from influencemap.geo.mercator import WORLD_HALF

    size = 2 * WORLD_HALF / (1 << z)
    return -WORLD_HALF + x * size, WORLD_HALF - (y + 1) * size, -WORLD_HALF + (x + 1) * size, WORLD_HALF - y * size


def tiles_in_view(extent: tuple[float, float, float, float], z: int, margin: int = 0) -> list[tuple[int, int, int]]:
    """The tiles covering a mercator extent at zoom ``z`` (plus ``margin`` tiles around it, no
    more: the OSM usage policy forbids bulk prefetching), nearest the centre first."""
    from influencemap.geo.mercator import WORLD_HALF

    n = 1 << z
    size = 2 * WORLD_HALF / n
    minx, miny, maxx, maxy = extent
    x0 = max(0, int(math.floor((minx + WORLD_HALF) / size)) - margin)
    x1 = min(n - 1, int(math.floor((maxx + WORLD_HALF) / size)) + margin)
    y0 = max(0, int(math.floor((WORLD_HALF - maxy) / size)) - margin)
    y1 = min(n - 1, int(math.floor((WORLD_HALF - miny) / size)) + margin)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    tiles = [(z, x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]
    tiles.sort(key=lambda t: (t[1] - cx) ** 2 + (t[2] - cy) ** 2)
    return tiles
