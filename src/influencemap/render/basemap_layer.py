"""The offline basemap: countries on a quiet sea, with their names where they fit.

Country outlines are projected to Web Mercator and simplified for a few zoom steps once, and
kept in the user's cache; a country becomes a painter path the first time it is drawn at a
zoom step, so a frame at a zoom seen before only maps cached paths to pixels.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import numpy as np
import shapely
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen, QTransform

from influencemap.render.labels import LabelGrid, draw_halo_text
from influencemap.geo.mercator import project_xy
from influencemap.render.map_settings import MapSettings
from influencemap.render.qt_arrays import polygonf

SEA = QColor("#dce8ef")
LAND = QColor("#f6f3ec")
BORDER = QColor("#b8b0a2")
COUNTRY_LABEL = QColor("#8c8579")


@dataclass
class _Country:
    iso: str
    name: str
    label_xy: tuple[float, float]
    bounds: tuple[float, float, float, float]
    area: float


LOD_TOLERANCES = (0.0, 250.0, 1000.0, 4000.0, 16000.0)
"""Simplification tolerances in mercator metres, one set of paths each, built on first use.

A frame uses the coarsest whose tolerance is under ~0.7 pixel, so outlines look exact while
far-out views draw a fraction of the vertices.
"""


@dataclass
class ProjectedBasemap:
    """Countries in mercator metres: per level of detail, each country's rings as flat arrays,
    turned into a painter path the first time that country is drawn at that level."""

    countries: list[_Country]
    bounds: np.ndarray
    levels: list[list[tuple[bytes, list[int]]]]
    """Per entry of :data:`LOD_TOLERANCES`, per country: (float64 x, y pairs, points per ring)."""
    _paths: dict[tuple[int, int], QPainterPath] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @staticmethod
    def level(resolution: float) -> int:
        """The coarsest level whose tolerance is under ~0.7 pixel at ``resolution`` (m/pixel)."""
        return max(i for i, t in enumerate(LOD_TOLERANCES) if t <= resolution * 0.7)

    def path(self, level: int, country: int) -> QPainterPath:
        key = (level, country)
        with self._lock:
            cached = self._paths.get(key)
            if cached is None:
                cached = self._paths[key] = _path(*self.levels[level][country])
            return cached


def _path(coords: bytes, ring_sizes: list[int]) -> QPainterPath:
    path = QPainterPath()
    xy = np.frombuffer(coords, dtype=np.float64).reshape(-1, 2)
    start = 0
    for size in ring_sizes:
        if size >= 3:
            path.addPolygon(polygonf(xy[start : start + size]))
            path.closeSubpath()
        start += size
    return path


_BASEMAP: ProjectedBasemap | None = None
_BASEMAP_LOCK = threading.Lock()
PROJECTED_FORMAT = b"projected-basemap-v1"


def projected_basemap() -> ProjectedBasemap | None:
    """The basemap, projected and simplified on first use; None if the basemap data is missing.

    The projected outlines are kept in the user's cache (:mod:`influencemap.disk_cache`), keyed by the
    basemap file's bytes: a drawing process then reads flat arrays instead of importing pyogrio
    and geopandas, projecting and simplifying (about a second)."""
    global _BASEMAP
    with _BASEMAP_LOCK:
        if _BASEMAP is None:
            _BASEMAP = _load()
        return _BASEMAP


def _load() -> ProjectedBasemap | None:
    from influencemap.disk_cache import cached
    from influencemap.geo.basemap import countries_file_bytes

    try:
        key = [PROJECTED_FORMAT, shapely.__version__.encode(), repr(LOD_TOLERANCES).encode(), countries_file_bytes()]
        countries, levels = cached("basemap-projected", key, _projected_outlines)
    except (ImportError, OSError, ValueError):
        return None
    made = [
        _Country(iso=iso, name=name, label_xy=(x, y), bounds=tuple(bounds), area=area)  # type: ignore[arg-type]
        for iso, name, x, y, bounds, area in countries
    ]
    return ProjectedBasemap(made, np.array([c.bounds for c in made], dtype=float).reshape(-1, 4), levels)


def _projected_outlines() -> tuple[list, list]:
    """The countries projected to mercator, as plain data for the cache: (iso, name, label x,
    label y, bounds, area) each, and per level of detail each country's rings."""
    from influencemap.geo.basemap import load_countries

    frame = load_countries()
    geometries = np.asarray(frame.geometry.values, dtype=object)
    # Stay inside mercator's square world: the poles would project to infinity.
    polar = np.abs(shapely.bounds(geometries)[:, [1, 3]]).max(axis=1) > 85.0
    if polar.any():
        geometries = geometries.copy()
        geometries[polar] = shapely.clip_by_rect(geometries[polar], -180.0, -85.0, 180.0, 85.0)
    shapes = shapely.transform(geometries, project_xy)
    bounds = np.nan_to_num(shapely.bounds(shapes))
    areas = shapely.area(shapes)
    countries = []
    for i, row in enumerate(frame.itertuples(index=False)):
        lon = getattr(row, "label_lon", None)
        lat = getattr(row, "label_lat", None)
        if lon is None or lat is None or not (np.isfinite(lon) and np.isfinite(lat)):
            label_xy = tuple(shapely.get_coordinates(shapely.point_on_surface(shapes[i]))[0]) if not shapes[i].is_empty else (0.0, 0.0)
        else:
            label_xy = tuple(project_xy(np.array([[lon, lat]]))[0])
        countries.append((
            str(getattr(row, "iso_a2", "") or ""), str(getattr(row, "name", "") or ""),
            float(label_xy[0]), float(label_xy[1]), tuple(float(v) for v in bounds[i]), float(areas[i]),
        ))
    levels = []
    for tolerance in LOD_TOLERANCES:
        # Not preserving topology is several times faster; at under a pixel nobody sees it.
        simplified = shapely.simplify(shapes, tolerance, preserve_topology=False) if tolerance else shapes
        levels.append([_rings(shape) for shape in simplified])
    return countries, levels


def _rings(shape) -> tuple[bytes, list[int]]:
    if shape is None or shape.is_empty:
        return b"", []
    rings = shapely.get_rings(shapely.get_parts(shape))
    coords, owner = shapely.get_coordinates(rings, return_index=True)
    sizes = np.bincount(owner, minlength=len(rings)) if len(rings) else np.zeros(0, dtype=np.intp)
    return np.ascontiguousarray(coords, dtype=np.float64).tobytes(), sizes.tolist()


def _to_pixels(settings: MapSettings) -> QTransform:
    minx, _, _, maxy = settings.extent
    r = settings.resolution
    return QTransform(1 / r, 0, 0, -1 / r, -minx / r, maxy / r)


def _visible(basemap: ProjectedBasemap, settings: MapSettings) -> np.ndarray:
    minx, miny, maxx, maxy = settings.extent
    b = basemap.bounds
    return np.flatnonzero((b[:, 2] >= minx) & (b[:, 0] <= maxx) & (b[:, 3] >= miny) & (b[:, 1] <= maxy))


def draw_countries(painter: QPainter, settings: MapSettings) -> None:
    """Sea, land and borders."""
    painter.fillRect(QRectF(0, 0, settings.width, settings.height), SEA)
    basemap = projected_basemap()
    if basemap is None:
        return
    level = basemap.level(settings.resolution)
    transform = _to_pixels(settings)
    shown = [transform.map(basemap.path(level, i)) for i in _visible(basemap, settings).tolist()]
    painter.save()
    # Fill without antialiasing (the cost of a big country's fill halves), then draw the
    # antialiased borders over the fill's edges, which hides any stair-steps.
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(LAND)
    for path in shown:
        painter.drawPath(path)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setPen(QPen(BORDER, 0.8))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    for path in shown:
        painter.drawPath(path)
    painter.restore()


def draw_country_labels(painter: QPainter, settings: MapSettings, grid: LabelGrid) -> None:
    """Country names, biggest countries first, where the name fits inside the country's box."""
    basemap = projected_basemap()
    if basemap is None:
        return
    font = QFont()
    font.setPointSizeF(8.0)
    font.setLetterSpacing(QFont.SpacingType.PercentageSpacing, 106)
    metrics = QFontMetricsF(font)
    visible = sorted(_visible(basemap, settings).tolist(), key=lambda i: -basemap.countries[i].area)
    r = settings.resolution
    for i in visible:
        country = basemap.countries[i]
        if not country.name:
            continue
        width_px = (country.bounds[2] - country.bounds[0]) / r
        height_px = (country.bounds[3] - country.bounds[1]) / r
        text_w = metrics.horizontalAdvance(country.name)
        if text_w > width_px * 0.7 or metrics.height() > height_px * 0.6:
            continue
        px, py = settings.to_pixels(country.label_xy[0], country.label_xy[1])
        def rects(points):
            return (QRectF(x - text_w / 2, y - metrics.height() / 2, text_w, metrics.height()) for x, y in points)

        on_screen = text_w / 2 <= px <= settings.width - text_w / 2 and metrics.height() <= py <= settings.height - metrics.height()
        rect = next((r for r in rects([(float(px), float(py))]) if grid.fits(r)), None) if on_screen else None
        if rect is None and (not on_screen or width_px > settings.width / 4):
            # Zoomed in, the country's own label point is often off screen (Almaty is far
            # from Kazakhstan's middle) or taken by our labels (Belarus): name it elsewhere
            # inside its part of the view, the most central place that is free.
            rect = next((r for r in rects(_anchors_in_view(basemap, settings, i, text_w, metrics.height())) if grid.fits(r)), None)
        if rect is None:
            continue
        grid.take(rect.adjusted(-4, -2, 4, 2))
        draw_halo_text(painter, QPointF(rect.left(), rect.top() + metrics.ascent()), country.name, font, COUNTRY_LABEL, LAND)


ANCHOR_GRID = (9, 6)
"""Sample points across the view when looking for where an off-screen country's name can go."""


def _anchors_in_view(
    basemap: ProjectedBasemap, settings: MapSettings, country: int, text_w: float, text_h: float
) -> list[tuple[float, float]]:
    """Pixel points inside the country's on-screen part for its name, the most central first;
    none when the country covers too little of the view (its neighbour's name says enough)."""
    cols, rows = ANCHOR_GRID
    xs = (np.arange(cols) + 0.5) * settings.width / cols
    ys = (np.arange(rows) + 0.5) * settings.height / rows
    gx, gy = np.meshgrid(xs, ys)
    mx, my = settings.from_pixels(gx.ravel(), gy.ravel())
    # Samples are far apart: an outline simplified to a quarter of their spacing answers the
    # same, and testing Russia's coarse outline is many times cheaper than its detailed one.
    spacing = min(settings.width / cols, settings.height / rows) * settings.resolution
    level = max(i for i, t in enumerate(LOD_TOLERANCES) if t <= spacing / 4)
    path = basemap.path(level, country)
    inside = np.array([path.contains(QPointF(x, y)) for x, y in zip(mx.tolist(), my.tolist())])
    if inside.sum() < 4:
        return []
    px, py = gx.ravel()[inside], gy.ravel()[inside]
    # Nearest the middle of the country's samples first: inside it, and away from its edges.
    order = np.argsort((px - px.mean()) ** 2 + (py - py.mean()) ** 2, kind="stable")
    x = np.clip(px[order], text_w / 2 + 4, settings.width - text_w / 2 - 4)
    y = np.clip(py[order], text_h + 4, settings.height - text_h - 4)
    return list(zip(x.tolist(), y.tolist()))
