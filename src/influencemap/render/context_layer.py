"""Where-am-I context on the offline basemap: lakes, rivers, cities and region names.

The data are Natural Earth 1:10m places, lakes, rivers and admin-1 label points, reduced into
``geodata/context_*.fgb`` by ``scripts/build_context.py``. What shows depends on the web-map
zoom of the view (:func:`zoom_of`), as Natural Earth's ``min_zoom`` columns intend: big rivers
and capitals from country zoom, smaller rivers, towns and then region names as one zooms in.

Labels go through the frame's :class:`LabelGrid` *after* the layers' own labels and the country
names, so a place name never hides one of our symbols or labels; a place with one of our
markers on (or within a few pixels of) its dot is not drawn at all, since the feature's own
label already says where it is.

Projected data are kept in the user's cache (:func:`influencemap.cache.cached`), keyed by the
files' bytes, as :mod:`influencemap.render.basemap_layer` does for the countries.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field

import numpy as np
import shapely
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QImage, QPainter, QPainterPath, QPen, QTransform

from influencemap.render.labels import HALO, LabelGrid
from influencemap.render.projection import WORLD_HALF, MapSettings, project_xy
from influencemap.render.qt_arrays import polygonf

CONTEXT_FILES = ("context_places.fgb", "context_lakes.fgb", "context_rivers.fgb", "context_regions.fgb")

WATER = QColor("#dce8ef")
"""Lakes take the sea's colour, so water reads as one thing."""
LAKE_EDGE = QColor("#a9c3d3")
RIVER = QColor("#9dbfd6")
PLACE_TEXT = QColor("#3a3a3a")
CAPITAL_TEXT = QColor("#1f1f1f")
PLACE_DOT = QColor("#5a5a5a")
REGION_TEXT = QColor("#9a8f80")

CAPITAL_CLASSES = frozenset({"Admin-0 capital", "Admin-0 capital alt"})

CAPITAL_MIN_ZOOM = 3.5
"""Capitals show from about the zoom where one country fills a good part of the view."""
PLACE_ZOOM_LEAD = 0.2
"""Places show this much zoom before their Natural Earth ``min_zoom`` (our views are wider than
a 256-pixel tile world assumes, so more room for names)."""
WATER_ZOOM_LEAD = 0.8
REGION_MIN_ZOOM = 5.8
"""Region (admin-1) names: regional zoom and closer."""
MAX_PLACE_CANDIDATES = 1500
"""At most this many places are tried for a label per frame (most important first)."""
OURS_NEAR_PX = 8.0
"""A place whose dot has one of our markers this close is left to the marker's own label."""

LOD_TOLERANCES = (0.0, 500.0, 2000.0, 8000.0)
"""Water simplification per level in mercator metres; a frame uses the coarsest under ~0.7 px."""


def zoom_of(settings: MapSettings) -> float:
    """The web-map zoom level of the view (0: the world is 256 pixels wide)."""
    return math.log2(2 * WORLD_HALF / (256 * settings.resolution))


@dataclass
class _Lines:
    """Lakes or rivers: per feature its mercator bounds, min zoom, rank and rings per level."""

    bounds: np.ndarray
    min_zoom: np.ndarray
    rank: np.ndarray
    levels: list[list[tuple[bytes, list[int]]]]
    closed: bool
    _paths: dict[tuple[int, int], QPainterPath] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def path(self, level: int, i: int) -> QPainterPath:
        with self._lock:
            cached = self._paths.get((level, i))
            if cached is None:
                cached = self._paths[(level, i)] = _path(*self.levels[level][i], self.closed)
            return cached

    def visible(self, settings: MapSettings, zoom: float) -> np.ndarray:
        minx, miny, maxx, maxy = settings.extent
        b = self.bounds
        return np.flatnonzero(
            (b[:, 2] >= minx) & (b[:, 0] <= maxx) & (b[:, 3] >= miny) & (b[:, 1] <= maxy)
            & (self.min_zoom <= zoom + WATER_ZOOM_LEAD)
        )


def _path(coords: bytes, sizes: list[int], closed: bool) -> QPainterPath:
    path = QPainterPath()
    xy = np.frombuffer(coords, dtype=np.float64).reshape(-1, 2)
    start = 0
    for size in sizes:
        if size >= 2:
            polygon = polygonf(xy[start : start + size])
            if closed:
                path.addPolygon(polygon)
                path.closeSubpath()
            else:
                path.moveTo(polygon.at(0))
                for k in range(1, polygon.size()):
                    path.lineTo(polygon.at(k))
        start += size
    return path


@dataclass
class _Points:
    xy: np.ndarray
    names: list[str]
    min_zoom: np.ndarray
    capital: np.ndarray
    rank: np.ndarray


@dataclass
class ProjectedContext:
    places: _Points
    regions: _Points
    lakes: _Lines
    rivers: _Lines


_CONTEXT: ProjectedContext | None = None
_LOADED = False
_CONTEXT_LOCK = threading.Lock()
PROJECTED_FORMAT = b"projected-context-v1"


def projected_context() -> ProjectedContext | None:
    """The context, projected on first use (and cached on disk); None if its files are missing."""
    global _CONTEXT, _LOADED
    with _CONTEXT_LOCK:
        if not _LOADED:
            _CONTEXT = _load()
            _LOADED = True
        return _CONTEXT


def context_file_bytes() -> list[bytes]:
    from influencemap.paths import geodata_dir

    return [(geodata_dir() / name).read_bytes() for name in CONTEXT_FILES]


def _load() -> ProjectedContext | None:
    from influencemap.cache import cached

    try:
        key = [PROJECTED_FORMAT, shapely.__version__.encode(), repr(LOD_TOLERANCES).encode(), *context_file_bytes()]
        places, regions, lakes, rivers = cached("context-projected", key, _projected)
    except (ImportError, OSError, ValueError, KeyError):
        return None
    return ProjectedContext(_points(places), _points(regions), _lines(lakes, True), _lines(rivers, False))


def _points(data) -> _Points:
    xy, names, min_zoom, capital, rank = data
    return _Points(
        np.frombuffer(xy, dtype=np.float64).reshape(-1, 2), list(names),
        np.asarray(min_zoom, dtype=float), np.asarray(capital, dtype=bool), np.asarray(rank, dtype=np.int32),
    )


def _lines(data, closed: bool) -> _Lines:
    bounds, min_zoom, rank, levels = data
    return _Lines(
        np.frombuffer(bounds, dtype=np.float64).reshape(-1, 4), np.asarray(min_zoom, dtype=float),
        np.asarray(rank, dtype=np.int32), levels, closed,
    )


def _projected() -> tuple:
    """Everything in mercator metres, as plain data (bytes, lists, numbers) for the cache."""
    import pyogrio

    from influencemap.paths import geodata_dir

    folder = geodata_dir()
    places = pyogrio.read_dataframe(folder / CONTEXT_FILES[0])
    lakes = pyogrio.read_dataframe(folder / CONTEXT_FILES[1])
    rivers = pyogrio.read_dataframe(folder / CONTEXT_FILES[2])
    regions = pyogrio.read_dataframe(folder / CONTEXT_FILES[3])

    def point_data(frame, min_zoom, capital, rank):
        lonlat = shapely.get_coordinates(frame.geometry.values)
        lonlat[:, 1] = np.clip(lonlat[:, 1], -85.0, 85.0)
        return (
            np.ascontiguousarray(project_xy(lonlat), dtype=np.float64).tobytes(),
            [str(n) for n in frame["name"]], [float(v) for v in min_zoom], [bool(v) for v in capital],
            [int(v) for v in rank],
        )

    place_data = point_data(
        places, places["min_zoom"], places["featurecla"].isin(CAPITAL_CLASSES), places["scalerank"]
    )
    region_data = point_data(regions, np.full(len(regions), REGION_MIN_ZOOM), np.zeros(len(regions)), regions["scalerank"])

    def line_data(frame):
        geometries = shapely.clip_by_rect(frame.geometry.values, -180.0, -85.0, 180.0, 85.0)
        shapes = shapely.transform(geometries, project_xy)
        bounds = np.nan_to_num(shapely.bounds(shapes))
        levels = []
        for tolerance in LOD_TOLERANCES:
            simplified = shapely.simplify(shapes, tolerance, preserve_topology=False) if tolerance else shapes
            levels.append([_rings(shape) for shape in simplified])
        return (
            np.ascontiguousarray(bounds, dtype=np.float64).tobytes(), [float(v) for v in frame["min_zoom"]],
            [int(v) for v in frame["scalerank"]], levels,
        )

    return place_data, region_data, line_data(lakes), line_data(rivers)


def _rings(shape) -> tuple[bytes, list[int]]:
    if shape is None or shape.is_empty:
        return b"", []
    parts = shapely.get_parts(shape)
    if shape.geom_type.endswith("Polygon"):
        parts = shapely.get_rings(parts)
    coords, owner = shapely.get_coordinates(parts, return_index=True)
    sizes = np.bincount(owner, minlength=len(parts)) if len(parts) else np.zeros(0, dtype=np.intp)
    return np.ascontiguousarray(coords, dtype=np.float64).tobytes(), sizes.tolist()


def _level(resolution: float) -> int:
    return max(i for i, t in enumerate(LOD_TOLERANCES) if t <= resolution * 0.7)


def _to_pixels(settings: MapSettings) -> QTransform:
    minx, _, _, maxy = settings.extent
    r = settings.resolution
    return QTransform(1 / r, 0, 0, -1 / r, -minx / r, maxy / r)


def river_width(rank: int) -> float:
    """Pixels: the big rivers (low scale rank) widest."""
    if rank <= 2:
        return 1.6
    if rank <= 5:
        return 1.2
    if rank <= 8:
        return 0.9
    return 0.7


def draw_water(painter: QPainter, settings: MapSettings, fills: bool = True) -> None:
    """Lakes (filled, or outlined only when ``fills`` is False, over tiles) and rivers."""
    context = projected_context()
    if context is None:
        return
    zoom = zoom_of(settings)
    level = _level(settings.resolution)
    transform = _to_pixels(settings)
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    rivers = context.rivers
    shown = rivers.visible(settings, zoom)
    if len(shown):
        by_width: dict[float, QPainterPath] = {}
        for i in shown.tolist():
            width = river_width(int(rivers.rank[i]))
            by_width.setdefault(width, QPainterPath()).addPath(rivers.path(level, i))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for width, path in sorted(by_width.items()):
            pen = QPen(RIVER, width)
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
            painter.setPen(pen)
            painter.drawPath(transform.map(path))
    lakes = context.lakes
    shown = lakes.visible(settings, zoom)
    if len(shown):
        path = QPainterPath()
        for i in shown.tolist():
            path.addPath(lakes.path(level, i))
        painter.setPen(QPen(LAKE_EDGE, 0.7))
        painter.setBrush(WATER if fills else Qt.BrushStyle.NoBrush)
        painter.drawPath(transform.map(path))
    painter.restore()


def _font(size: float, bold: bool = False, italic: bool = False, spacing: float = 100.0) -> QFont:
    font = QFont()
    font.setPointSizeF(size)
    font.setBold(bold)
    font.setItalic(italic)
    if spacing != 100.0:
        font.setLetterSpacing(QFont.SpacingType.PercentageSpacing, spacing)
    return font


def halo_text(painter: QPainter, origin: QPointF, text: str, font: QFont, color: QColor) -> None:
    """Text with a light outline; the letters are drawn as text, so an SVG export keeps them
    as searchable, selectable ``<text>``."""
    outline = QPainterPath()
    outline.addText(origin, font, text)
    pen = QPen(HALO, 3.0)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    painter.strokePath(outline, pen)
    if isinstance(painter.device(), QImage):
        # On images the glyph outline itself: the same pixels every frame (drawText's glyph
        # cache antialiases a font's first use slightly differently).
        painter.fillPath(outline, color)
        return
    painter.setPen(color)
    painter.setFont(font)
    painter.drawText(origin, text)


def _near_ours(xy: np.ndarray, ours: np.ndarray) -> np.ndarray:
    """For each place, whether one of our markers lies within about :data:`OURS_NEAR_PX`."""
    if not len(ours) or not len(xy):
        return np.zeros(len(xy), dtype=bool)
    cell = OURS_NEAR_PX
    width = 1 << 20
    keys = np.unique(np.floor(ours[:, 0] / cell).astype(np.int64) * width + np.floor(ours[:, 1] / cell).astype(np.int64))
    cx = np.floor(xy[:, 0] / cell).astype(np.int64)
    cy = np.floor(xy[:, 1] / cell).astype(np.int64)
    near = np.zeros(len(xy), dtype=bool)
    for dx in (-1, 0, 1):
        for dy in (-1, 0, 1):
            near |= np.isin((cx + dx) * width + cy + dy, keys)
    # The cell test reaches up to two cells; keep only real neighbours.
    close = np.flatnonzero(near)
    for i in close.tolist():
        d = np.hypot(ours[:, 0] - xy[i, 0], ours[:, 1] - xy[i, 1]).min()
        near[i] = d <= OURS_NEAR_PX
    return near


def draw_capital_labels(painter: QPainter, settings: MapSettings, grid: LabelGrid, ours: np.ndarray) -> int:
    """Capitals' dots and names: placed before the country names, which can move aside
    (a country name over its capital's dot would hide the one place everybody looks for)."""
    context = projected_context()
    if context is None or zoom_of(settings) < CAPITAL_MIN_ZOOM:
        return 0
    return _draw_places(painter, settings, grid, ours, context.places, context.places.capital)


def draw_place_labels(painter: QPainter, settings: MapSettings, grid: LabelGrid, ours: np.ndarray) -> int:
    """Other cities' dots and names by rank, then region names, where room is left; returns
    how many places were drawn.

    ``ours`` is the pixel positions of the frame's own markers: a place with one on its dot is
    skipped. Call after the layers' labels, the capitals and the country names."""
    context = projected_context()
    if context is None:
        return 0
    zoom = zoom_of(settings)
    places = context.places
    wanted = ~places.capital & (places.min_zoom <= zoom + PLACE_ZOOM_LEAD)
    drawn = _draw_places(painter, settings, grid, ours, places, wanted)
    if zoom >= REGION_MIN_ZOOM:
        _draw_regions(painter, settings, grid, context.regions, zoom)
    return drawn


def _in_view(settings: MapSettings, points: _Points, wanted: np.ndarray, margin_px: float = 0.0) -> np.ndarray:
    minx, miny, maxx, maxy = settings.extent
    m = margin_px * settings.resolution
    x, y = points.xy[:, 0], points.xy[:, 1]
    return np.flatnonzero(wanted & (x >= minx - m) & (x <= maxx + m) & (y >= miny - m) & (y <= maxy + m))


def _draw_places(
    painter: QPainter, settings: MapSettings, grid: LabelGrid, ours: np.ndarray, places: _Points, wanted: np.ndarray
) -> int:
    index = _in_view(settings, places, wanted)[:MAX_PLACE_CANDIDATES]  # in the file's order of importance
    if not len(index):
        return 0
    xy = settings.xy_to_pixels(places.xy[index])
    keep = ~_near_ours(xy, ours)
    index, xy = index[keep], xy[keep]
    city_font, capital_font = _font(8.0), _font(8.5, bold=True)
    city_metrics, capital_metrics = QFontMetricsF(city_font), QFontMetricsF(capital_font)
    placed: list[tuple[float, float, bool, QPointF, str]] = []
    for i, (x, y) in zip(index.tolist(), xy.tolist()):
        capital = bool(places.capital[i])
        metrics = capital_metrics if capital else city_metrics
        radius = 3.0 if capital else 2.2
        dot = QRectF(x - radius - 1, y - radius - 1, 2 * radius + 2, 2 * radius + 2)
        if not grid.fits(dot):
            continue
        name = places.names[i]
        width = metrics.horizontalAdvance(name)
        height = metrics.ascent() + metrics.descent()
        offset = radius + 3
        for left, top in ((x + offset, y - height / 2), (x - offset - width, y - height / 2),
                          (x - width / 2, y - offset - height), (x - width / 2, y + offset)):
            rect = QRectF(left, top, width, height)
            if grid.fits(rect):
                grid.take(rect.adjusted(-5, -3, 5, 3))
                grid.take(dot)
                placed.append((x, y, capital, QPointF(left, top + metrics.ascent()), name))
                break
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    for x, y, capital, _, _ in placed:
        radius = 3.0 if capital else 2.2
        painter.setPen(QPen(QColor("white"), 1.0))
        painter.setBrush(CAPITAL_TEXT if capital else PLACE_DOT)
        if capital:
            painter.drawRect(QRectF(x - radius, y - radius, 2 * radius, 2 * radius))
        else:
            painter.drawEllipse(QPointF(x, y), radius, radius)
    for _, _, capital, origin, name in placed:
        halo_text(painter, origin, name, capital_font if capital else city_font, CAPITAL_TEXT if capital else PLACE_TEXT)
    painter.restore()
    return len(placed)


def _draw_regions(painter: QPainter, settings: MapSettings, grid: LabelGrid, regions: _Points, zoom: float) -> None:
    index = _in_view(settings, regions, np.ones(len(regions.names), dtype=bool))
    if not len(index):
        return
    font = _font(7.5, italic=True, spacing=104)
    metrics = QFontMetricsF(font)
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    xy = settings.xy_to_pixels(regions.xy[index])
    for i, (x, y) in zip(index.tolist(), xy.tolist()):
        name = regions.names[i]
        width = metrics.horizontalAdvance(name)
        height = metrics.ascent() + metrics.descent()
        rect = QRectF(x - width / 2, y - height / 2, width, height)
        if not grid.fits(rect):
            continue
        grid.take(rect.adjusted(-6, -3, 6, 3))
        halo_text(painter, QPointF(rect.left(), rect.top() + metrics.ascent()), name, font, REGION_TEXT)
    painter.restore()
