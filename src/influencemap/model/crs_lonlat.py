"""Whether a GeoParquet geometry column's CRS is EPSG:4326 as geopandas takes it.

The fast GeoParquet path (:mod:`.data_tables`) may keep a file's coordinates as they are only
when geopandas, reading the same file, would not transform them: when the CRS it builds
equals EPSG:4326. pyproj decides that; importing it costs 0.1–0.5 s on this machine, a sixth
of a million-point file's first read. Nearly every such file carries the definition PROJ
itself writes for EPSG:4326, so that definition is recognised here by plain comparison: a
file whose CRS *is* it (give or take the ids of the datum ensemble's members, which
geopandas drops, the PROJJSON schema version, and the members newer PROJ versions added)
gets pyproj's answer for it without asking. tests/model/test_crs_lonlat.py checks with
pyproj that every definition recognised here equals EPSG:4326; any other CRS goes to pyproj.
"""

from __future__ import annotations

import json
import re
from typing import Any

_WGS84_MEMBERS = tuple(
    f"World Geodetic System 1984 ({realisation})"
    for realisation in ("Transit", "G730", "G873", "G1150", "G1674", "G1762", "G2139", "G2296")
)
"""The WGS 84 ensemble's members in PROJ's order (PROJ 9.5: eight)."""

MEMBER_COUNTS = (6, 7, 8)
"""How many of them PROJ versions list (G2139 came with the EPSG database of 2021, G2296 with 2024's)."""

WGS84_PROJJSON: dict[str, Any] = {
    "type": "GeographicCRS",
    "name": "WGS 84",
    "datum_ensemble": {
        "name": "World Geodetic System 1984 ensemble",
        "members": [{"name": name} for name in _WGS84_MEMBERS],
        "ellipsoid": {"name": "WGS 84", "semi_major_axis": 6378137, "inverse_flattening": 298.257223563},
        "accuracy": "2.0",
        "id": {"authority": "EPSG", "code": 6326},
    },
    "coordinate_system": {
        "subtype": "ellipsoidal",
        "axis": [
            {"name": "Geodetic latitude", "abbreviation": "Lat", "direction": "north", "unit": "degree"},
            {"name": "Geodetic longitude", "abbreviation": "Lon", "direction": "east", "unit": "degree"},
        ],
    },
    "scope": "Horizontal component of 3D system.",
    "area": "World.",
    "bbox": {"south_latitude": -90, "west_longitude": -180, "north_latitude": 90, "east_longitude": 180},
    "id": {"authority": "EPSG", "code": 4326},
}
"""EPSG:4326 as PROJ 9.5 writes it in PROJJSON (``pyproj.CRS("EPSG:4326").to_json_dict()``,
what geopandas puts in a GeoParquet file), without ``$schema`` and the members' ids."""

SCHEMA = re.compile(r"https://proj\.org/schemas/v0\.[4-7]/projjson\.schema\.json")
"""The PROJJSON schema versions (0.4–0.7) a recognised definition may name."""


def is_lonlat(info: dict) -> bool:
    """Whether geopandas would take the geometry column ``info`` (the ``geo`` metadata's
    entry) as EPSG:4326, so that it would not transform it: the CRS built as geopandas
    builds it (the GeoParquet default OGC:CRS84 when there is none; a PROJJSON object with its
    ensemble members' ids dropped)."""
    if "crs" not in info:
        crs: Any = "OGC:CRS84"  # the GeoParquet default, as geopandas reads it
    else:
        crs = info["crs"]
        if crs is None:
            return False  # no CRS: geopandas keeps the coordinates as they are; leave it to that path
        if isinstance(crs, dict):
            crs = json.loads(json.dumps(crs))
            if not drop_ensemble_member_ids(crs):
                return False  # an odd PROJJSON: leave the file to geopandas
            if is_wgs84_definition(crs):
                return True
    import pyproj

    try:
        return pyproj.CRS.from_user_input(crs).equals("EPSG:4326")
    except pyproj.exceptions.CRSError:
        return False


def is_wgs84_definition(projjson: dict) -> bool:
    """Whether ``projjson`` (member ids already dropped) is :data:`WGS84_PROJJSON` with one of
    the recognised schema versions (or none) and the first 6, 7 or 8 members."""
    if not isinstance(projjson, dict):
        return False
    schema = projjson.get("$schema")
    if schema is not None and not (isinstance(schema, str) and SCHEMA.fullmatch(schema)):
        return False
    given = {key: value for key, value in projjson.items() if key != "$schema"}
    ensemble = given.get("datum_ensemble")
    if not isinstance(ensemble, dict) or not isinstance(ensemble.get("members"), list):
        return False
    members = ensemble["members"]
    if len(members) not in MEMBER_COUNTS or members != WGS84_PROJJSON["datum_ensemble"]["members"][:len(members)]:
        return False
    expected = {**WGS84_PROJJSON, "datum_ensemble": {**WGS84_PROJJSON["datum_ensemble"], "members": members}}
    return _same_json(given, expected)


def _same_json(a: Any, b: Any) -> bool:
    """Equal as JSON values: as ``==``, except that a boolean is not a number (``True == 1``)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same_json(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(map(_same_json, a, b))
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b  # 6378137 and 6378137.0 are one JSON number
    return type(a) is type(b) and a == b


def drop_ensemble_member_ids(projjson: dict) -> bool:
    """Drop the ids of datum ensemble members throughout a PROJJSON object, as geopandas does
    before it builds a file's CRS (older PROJ versions reject member ids newer databases
    added); done here instead of calling geopandas' private helper, whose import costs 0.2 s
    (pandas with it). False when a ``members`` list holds something that is not an object:
    geopandas would fail on it, so the file is left to geopandas to report."""
    for key, value in projjson.items():
        if isinstance(value, dict):
            if not drop_ensemble_member_ids(value):
                return False
        elif key == "members" and isinstance(value, list):
            if not all(isinstance(member, dict) for member in value):
                return False
            for member in value:
                member.pop("id", None)
    return True
