"""The map settings snapshot that every rendering target reads.

:class:`MapSettings` is a frozen snapshot, in the spirit of QGIS's
``QgsMapSettings``: the canvas, the PNG and the SVG export each build one and hand it to the
same render function, so a frame never sees the view change half-way through. The projection
itself (Web Mercator) is :mod:`influencemap.geo.mercator`, Qt-free.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from influencemap.model.filters import FeatureFilter

from influencemap.geo.mercator import (
    EARTH_RADIUS,
    WORLD_HALF,
    Bounds,
    lonlat_to_mercator,
    mercator_bounds,
    mercator_to_lonlat,
)

MIN_RESOLUTION = 0.5
"""Metres per pixel at the closest zoom: street level is close enough for sourced facts."""

MAX_RESOLUTION = 2 * WORLD_HALF / 256
"""Metres per pixel when the whole world is 256 pixels wide."""

@dataclass(frozen=True)
class MapSettings:
    """Everything one frame needs, frozen so a worker thread can read it safely.

    The view is a ``center`` in mercator metres and a ``resolution`` in metres per logical
    pixel, so the map is never stretched whatever the output's aspect ratio.

    Parameters
    ----------
    center
        The view's centre in mercator metres.
    resolution
        Metres per logical pixel.
    size
        The output's logical size in pixels (width, height).
    layer_ids
        Visible layers in drawing order, bottom first.
    feature_filter
        Only features it accepts are drawn; None draws all.
    selected_id, hovered_id
        Features drawn highlighted.
    show_labels
        Country and point labels where they fit.
    show_scale_bar
        A scale bar in the bottom-left corner.
    show_legend
        A legend and a credit note (the image export; the canvas has its panels instead).
    show_point_labels
        Point names where they fit, and stacks' count badges (a map sheet numbers its places
        instead, and its key gives the counts: two kinds of number on one map would be misread).
    device_pixel_ratio
        Physical pixels per logical pixel of the target (for crisp cached sprites).
    tiles
        A tile basemap (``influencemap.render.tiles.TileSource``) drawn over the offline one,
        or None for the offline basemap alone. Not part of the comparison: a frame is current
        for a view whatever tiles arrived since.
    """

    center: tuple[float, float] = (0.0, 0.0)
    resolution: float = MAX_RESOLUTION
    size: tuple[int, int] = (800, 600)
    layer_ids: tuple[str, ...] = ()
    feature_filter: FeatureFilter | None = None
    selected_id: str | None = None
    hovered_id: str | None = None
    show_labels: bool = True
    show_scale_bar: bool = True
    show_legend: bool = False
    show_point_labels: bool = True
    device_pixel_ratio: float = 1.0
    tiles: object | None = field(default=None, compare=False)

    # -- building ------------------------------------------------------------------------

    @classmethod
    def fit_lonlat(cls, bbox: Bounds, size: tuple[int, int], margin: float = 0.0, **kwargs) -> "MapSettings":
        """The settings that show a lon/lat box whole, centred, in an output of ``size``.

        ``margin`` is a fraction of the output left free on each side.
        """
        return cls.fit_mercator(mercator_bounds(bbox), size, margin, **kwargs)

    @classmethod
    def fit_mercator(cls, extent: Bounds, size: tuple[int, int], margin: float = 0.0, **kwargs) -> "MapSettings":
        width, height = max(1, int(size[0])), max(1, int(size[1]))
        usable = max(1e-6, 1.0 - 2 * margin)
        span_x = max(extent[2] - extent[0], 0.0)
        span_y = max(extent[3] - extent[1], 0.0)
        resolution = max(span_x / (width * usable), span_y / (height * usable), MIN_RESOLUTION)
        center = ((extent[0] + extent[2]) / 2, (extent[1] + extent[3]) / 2)
        return cls(center=center, resolution=_clamp_resolution(resolution), size=(width, height), **kwargs)

    def replace(self, **changes) -> "MapSettings":
        return dataclasses.replace(self, **changes)

    # -- the view ------------------------------------------------------------------------

    @property
    def width(self) -> int:
        return self.size[0]

    @property
    def height(self) -> int:
        return self.size[1]

    @property
    def extent(self) -> Bounds:
        """(minx, miny, maxx, maxy) in mercator metres."""
        half_w = self.size[0] * self.resolution / 2
        half_h = self.size[1] * self.resolution / 2
        cx, cy = self.center
        return cx - half_w, cy - half_h, cx + half_w, cy + half_h

    @property
    def lonlat_bounds(self) -> Bounds:
        """(minlon, minlat, maxlon, maxlat) of the view, clamped to the mercator world."""
        minx, miny, maxx, maxy = self.extent
        lon, lat = mercator_to_lonlat(
            np.clip([minx, maxx], -WORLD_HALF, WORLD_HALF), np.clip([miny, maxy], -WORLD_HALF, WORLD_HALF)
        )
        return float(lon[0]), float(lat[0]), float(lon[1]), float(lat[1])

    def to_pixels(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Mercator metres to logical pixels (origin top-left, y down)."""
        minx, _, _, maxy = self.extent
        return (np.asarray(x) - minx) / self.resolution, (maxy - np.asarray(y)) / self.resolution

    def xy_to_pixels(self, xy: np.ndarray) -> np.ndarray:
        """An (N, 2) mercator array to an (N, 2) pixel array, in one vectorised step."""
        minx, _, _, maxy = self.extent
        out = np.empty_like(xy, dtype=np.float64)
        np.subtract(xy[:, 0], minx, out=out[:, 0])
        np.subtract(maxy, xy[:, 1], out=out[:, 1])
        out /= self.resolution
        return out

    def from_pixels(self, px: np.ndarray | float, py: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
        """Logical pixels to mercator metres."""
        minx, _, _, maxy = self.extent
        return minx + np.asarray(px, dtype=np.float64) * self.resolution, maxy - np.asarray(py, dtype=np.float64) * self.resolution

    def lonlat_to_pixels(self, lon, lat) -> tuple[np.ndarray, np.ndarray]:
        return self.to_pixels(*lonlat_to_mercator(lon, lat))

    def pixels_to_lonlat(self, px, py) -> tuple[np.ndarray, np.ndarray]:
        return mercator_to_lonlat(*self.from_pixels(px, py))

    def degrees_per_pixel(self) -> float:
        """Degrees of longitude one pixel spans (the same at every latitude in mercator)."""
        return math.degrees(self.resolution / EARTH_RADIUS)

    def ground_resolution(self, lat: float) -> float:
        """True metres per pixel at a latitude (mercator stretches by 1/cos(lat))."""
        return self.resolution * math.cos(math.radians(lat))

    # -- moving --------------------------------------------------------------------------

    def zoomed(self, factor: float, anchor: tuple[float, float] | None = None) -> "MapSettings":
        """Zoom in by ``factor`` (< 1 zooms out) keeping the pixel ``anchor`` on the same place."""
        resolution = _clamp_resolution(self.resolution / factor)
        if anchor is None:
            return self.replace(resolution=resolution)
        ax, ay = anchor
        mx, my = self.from_pixels(ax, ay)
        cx = float(mx) - (ax - self.size[0] / 2) * resolution
        cy = float(my) + (ay - self.size[1] / 2) * resolution
        return self.replace(resolution=resolution, center=_clamp_center((cx, cy)))

    def panned(self, dx: float, dy: float) -> "MapSettings":
        """Move the map by (dx, dy) pixels, as when dragging it."""
        cx, cy = self.center
        return self.replace(center=_clamp_center((cx - dx * self.resolution, cy + dy * self.resolution)))

    def resized(self, size: tuple[int, int]) -> "MapSettings":
        """A new output size with the same centre and scale (as QGIS does on resize)."""
        return self.replace(size=(max(1, int(size[0])), max(1, int(size[1]))))


def _clamp_resolution(resolution: float) -> float:
    return float(min(max(resolution, MIN_RESOLUTION), MAX_RESOLUTION))


def _clamp_center(center: tuple[float, float]) -> tuple[float, float]:
    return (float(np.clip(center[0], -WORLD_HALF, WORLD_HALF)), float(np.clip(center[1], -WORLD_HALF, WORLD_HALF)))
