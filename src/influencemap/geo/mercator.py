"""Web Mercator (EPSG:3857), vectorised with numpy: the projection of the canvas, the image
export and the HTML export. Qt-free, so the core's identify uses it too."""

from __future__ import annotations

import math

import numpy as np

EARTH_RADIUS = 6378137.0
"""The WGS 84 semi-major axis: Web Mercator (EPSG:3857) uses a sphere of this radius."""

MAX_LATITUDE = 85.0511287798066
"""Where Web Mercator's square world ends; latitudes beyond are clamped."""

WORLD_HALF = math.pi * EARTH_RADIUS
"""Half the world's width (and height) in mercator metres."""

Bounds = tuple[float, float, float, float]


def lonlat_to_mercator(lon: np.ndarray | float, lat: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    """Project longitudes and latitudes (degrees) to Web Mercator metres, element-wise."""
    lon = np.asarray(lon, dtype=np.float64)
    lat = np.clip(np.asarray(lat, dtype=np.float64), -MAX_LATITUDE, MAX_LATITUDE)
    x = np.radians(lon) * EARTH_RADIUS
    y = np.log(np.tan(np.pi / 4 + np.radians(lat) / 2)) * EARTH_RADIUS
    return x, y


def mercator_to_lonlat(x: np.ndarray | float, y: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    """The inverse of :func:`lonlat_to_mercator`."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    lon = np.degrees(x / EARTH_RADIUS)
    lat = np.degrees(2 * np.arctan(np.exp(y / EARTH_RADIUS)) - np.pi / 2)
    return lon, lat


def project_xy(coords: np.ndarray) -> np.ndarray:
    """An (N, 2) array of lon/lat turned into an (N, 2) array of mercator metres."""
    coords = np.asarray(coords, dtype=np.float64).reshape(-1, 2)
    x, y = lonlat_to_mercator(coords[:, 0], coords[:, 1])
    return np.column_stack((x, y))


def mercator_bounds(bbox: Bounds) -> Bounds:
    """A lon/lat box (minlon, minlat, maxlon, maxlat) in mercator metres."""
    x, y = lonlat_to_mercator([bbox[0], bbox[2]], [bbox[1], bbox[3]])
    return float(x[0]), float(y[0]), float(x[1]), float(y[1])
