"""The offline basemap: countries on a quiet sea, with their names where they fit.

Country outlines are projected to Web Mercator once. For each zoom step (a power of two in
metres per pixel) they are simplified to about half a pixel and turned into painter paths, so
a frame at a zoom seen before only maps cached paths to pixels.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import numpy as np
import shapely
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen, QTransform

from influencemap.render.labels import LabelGrid, draw_halo_text
from influencemap.render.projection import MapSettings, project_xy
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
    """Countries in mercator metres, and their painter paths per level of detail."""

    countries: list[_Country]
    shapes: np.ndarray
    bounds: np.ndarray
    _paths: dict[float, list[QPainterPath]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def paths(self, resolution: float) -> list[QPainterPath]:
        tolerance = max(t for t in LOD_TOLERANCES if t <= resolution * 0.7)
        with self._lock:
            cached = self._paths.get(tolerance)
            if cached is not None:
                return cached
            # Not preserving topology is several times faster; at under a pixel nobody sees it.
            simplified = shapely.simplify(self.shapes, tolerance, preserve_topology=False) if tolerance else self.shapes
            built = [_path(shape) for shape in simplified]
            self._paths[tolerance] = built
            return built


def _path(shape) -> QPainterPath:
    path = QPainterPath()
    if shape is None or shape.is_empty:
        return path
    for ring in shapely.get_rings(shapely.get_parts(shape)):
        coords = shapely.get_coordinates(ring)
        if len(coords) >= 3:
            path.addPolygon(polygonf(coords))
            path.closeSubpath()
    return path


_BASEMAP: ProjectedBasemap | None = None
_BASEMAP_LOCK = threading.Lock()


def projected_basemap() -> ProjectedBasemap | None:
    """The basemap, loaded and projected on first use; None if the basemap data is missing."""
    global _BASEMAP
    with _BASEMAP_LOCK:
        if _BASEMAP is None:
            _BASEMAP = _load()
        return _BASEMAP


def _load() -> ProjectedBasemap | None:
    try:
        from influencemap.geo.basemap import load_countries

        frame = load_countries()
    except (ImportError, OSError, ValueError):
        return None
    geometries = np.asarray(frame.geometry.values, dtype=object)
    # Stay inside mercator's square world: the poles would project to infinity.
    polar = np.abs(shapely.bounds(geometries)[:, [1, 3]]).max(axis=1) > 85.0
    if polar.any():
        geometries = geometries.copy()
        geometries[polar] = shapely.clip_by_rect(geometries[polar], -180.0, -85.0, 180.0, 85.0)
    shapes = shapely.transform(geometries, project_xy)
    bounds = shapely.bounds(shapes)
    areas = shapely.area(shapes)
    countries = []
    for i, row in enumerate(frame.itertuples(index=False)):
        lon = getattr(row, "label_lon", None)
        lat = getattr(row, "label_lat", None)
        if lon is None or lat is None or not (np.isfinite(lon) and np.isfinite(lat)):
            label_xy = tuple(shapely.get_coordinates(shapely.point_on_surface(shapes[i]))[0]) if not shapes[i].is_empty else (0.0, 0.0)
        else:
            label_xy = tuple(project_xy(np.array([[lon, lat]]))[0])
        countries.append(
            _Country(
                iso=str(getattr(row, "iso_a2", "") or ""),
                name=str(getattr(row, "name", "") or ""),
                label_xy=(float(label_xy[0]), float(label_xy[1])),
                bounds=tuple(float(v) for v in bounds[i]),  # type: ignore[arg-type]
                area=float(areas[i]),
            )
        )
    return ProjectedBasemap(countries, shapes, np.nan_to_num(bounds))


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
    paths = basemap.paths(settings.resolution)
    transform = _to_pixels(settings)
    shown = [transform.map(paths[i]) for i in _visible(basemap, settings).tolist()]
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
        rect = QRectF(float(px) - text_w / 2, float(py) - metrics.height() / 2, text_w, metrics.height())
        if not grid.fits(rect):
            continue
        grid.take(rect.adjusted(-4, -2, 4, 2))
        draw_halo_text(painter, QPointF(rect.left(), rect.top() + metrics.ascent()), country.name, font, COUNTRY_LABEL, LAND)
