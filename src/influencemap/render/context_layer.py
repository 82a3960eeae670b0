"""Where-am-I context on the offline basemap: lakes, rivers, cities and region names.

The data are Natural Earth 1:10m places, lakes, rivers and admin-1 label points, reduced into
``geodata/context_*.fgb`` by ``scripts/build_context.py``. What shows depends on the web-map
zoom of the view (:func:`zoom_of`), as Natural Earth's ``min_zoom`` columns intend: big rivers
and capitals from country zoom, smaller rivers, towns and then region names as one zooms in.

Labels go through the frame's :class:`LabelGrid` *after* the layers' own labels and the country
names, so a place name never hides one of our symbols or labels; a place with one of our
markers on (or within a few pixels of) its dot is not drawn at all, since the feature's own
label already says where it is.

Projected data are kept in the user's cache (:func:`influencemap.disk_cache.cached`), keyed by the
files' bytes, as :mod:`influencemap.render.basemap_layer` does for the countries.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

import numpy as np
import shapely
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QImage, QPainter, QPainterPath, QPen

from influencemap.geo.context_data import CAPITAL_CLASSES, CONTEXT_FILES
from influencemap.render.labels import HALO, LabelGrid
from influencemap.geo.mercator import WORLD_HALF, project_xy
from influencemap.render.map_settings import MapSettings
from influencemap.render.qt_arrays import polygonf


WATER = QColor("#dce8ef")
"""Lakes take the sea's colour, so water reads as one thing."""
LAKE_EDGE = QColor("#a9c3d3")
RIVER = QColor("#9dbfd6")
PLACE_TEXT = QColor("#3a3a3a")
CAPITAL_TEXT = QColor("#1f1f1f")
PLACE_DOT = QColor("#5a5a5a")
REGION_TEXT = QColor("#9a8f80")

CAPITAL_MIN_ZOOM = 3.5
"""Capitals show from about the zoom where one country fills a good part of the view."""
TOWN_MIN_ZOOM = 3.0
"""Other places not before this zoom, whatever their rank: a lone megacity name on the world
map reads as noise."""
PLACE_ZOOM_LEAD = 0.2
"""Places show this much zoom before their Natural Earth ``min_zoom`` (our views are wider than
a 256-pixel tile world assumes, so more room for names)."""
WATER_ZOOM_LEAD = 0.5
REGION_MIN_ZOOM = 5.8
"""Region (admin-1) names: regional zoom and closer."""
MAX_PLACE_CANDIDATES = 1500
"""At most this many places are tried for a label per frame (most important first)."""
OURS_NEAR_PX = 8.0
"""A place whose dot has one of our markers this close is left to the marker's own label."""

LOD_TOLERANCES = (0.0, 500.0, 2000.0, 8000.0, 32000.0)
"""Water simplification per level in mercator metres; a frame uses the coarsest under about a
pixel (a river's wiggle smaller than a pixel is not seen)."""


def zoom_of(settings: MapSettings) -> float:
    """The web-map zoom level of the view (0: the world is 256 pixels wide)."""
    return math.log2(2 * WORLD_HALF / (256 * settings.resolution))


@dataclass
class _Level:
    """One level of detail of lakes or rivers as flat arrays: every ring's vertices in one
    array, so a frame converts them to pixels in one numpy step."""

    coords: np.ndarray
    """(N, 2) mercator metres."""
    ring_starts: np.ndarray
    ring_stops: np.ndarray
    first_ring: np.ndarray
    """Per feature, its first ring; its rings run to the next feature's first."""


@dataclass
class _Water:
    """Lakes or rivers: per feature its mercator bounds, min zoom and rank; rings per level."""

    bounds: np.ndarray
    min_zoom: np.ndarray
    rank: np.ndarray
    levels: list[_Level]

    def visible(self, settings: MapSettings, zoom: float) -> np.ndarray:
        minx, miny, maxx, maxy = settings.extent
        b = self.bounds
        return np.flatnonzero(
            (b[:, 2] >= minx) & (b[:, 0] <= maxx) & (b[:, 3] >= miny) & (b[:, 1] <= maxy)
            & (self.min_zoom <= zoom + WATER_ZOOM_LEAD)
        )


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
    lakes: _Water
    rivers: _Water


_CONTEXT: ProjectedContext | None = None
_LOADED = False
_CONTEXT_LOCK = threading.Lock()
PROJECTED_FORMAT = b"projected-context-v2"


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
    from influencemap.disk_cache import cached

    try:
        key = [PROJECTED_FORMAT, shapely.__version__.encode(), repr(LOD_TOLERANCES).encode(), *context_file_bytes()]
        places, regions, lakes, rivers = cached("context-projected", key, _projected)
        return ProjectedContext(_points(places), _points(regions), _water(lakes), _water(rivers))
    except (ImportError, OSError, ValueError, KeyError, TypeError):
        return None


def _array(data: bytes, dtype, columns: int = 0) -> np.ndarray:
    array = np.frombuffer(data, dtype=dtype)
    return array.reshape(-1, columns) if columns else array


def _points(data) -> _Points:
    xy, names, min_zoom, capital, rank = data
    return _Points(
        _array(xy, np.float64, 2), names.split("\n") if names else [], _array(min_zoom, np.float64),
        _array(capital, np.bool_), _array(rank, np.int32),
    )


def _water(data) -> _Water:
    bounds, min_zoom, rank, levels = data
    return _Water(
        _array(bounds, np.float64, 4), _array(min_zoom, np.float64), _array(rank, np.int32),
        [
            _Level(_array(c, np.float64, 2), _array(a, np.int64), _array(b, np.int64), _array(f, np.int64))
            for c, a, b, f in levels
        ],
    )


def _projected() -> tuple:
    """Everything in mercator metres as a few flat byte strings, for the cache (marshal reads
    a handful of big strings in milliseconds, where thousands of small tuples take a third of
    a second)."""
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
        names = [str(n).replace("\n", " ") for n in frame["name"]]
        return (
            np.ascontiguousarray(project_xy(lonlat), dtype=np.float64).tobytes(), "\n".join(names),
            np.asarray(min_zoom, dtype=np.float64).tobytes(), np.asarray(capital, dtype=np.bool_).tobytes(),
            np.asarray(rank, dtype=np.int32).tobytes(),
        )

    place_data = point_data(
        places, places["min_zoom"], places["featurecla"].isin(CAPITAL_CLASSES), places["scalerank"]
    )
    region_data = point_data(regions, np.full(len(regions), REGION_MIN_ZOOM), np.zeros(len(regions)), regions["scalerank"])

    def water_data(frame):
        geometries = shapely.clip_by_rect(frame.geometry.values, -180.0, -85.0, 180.0, 85.0)
        shapes = shapely.transform(geometries, project_xy)
        bounds = np.nan_to_num(shapely.bounds(shapes))
        levels = []
        for tolerance in LOD_TOLERANCES:
            simplified = shapely.simplify(shapes, tolerance, preserve_topology=False) if tolerance else shapes
            levels.append(_flat_rings(simplified))
        return (
            np.ascontiguousarray(bounds, dtype=np.float64).tobytes(),
            np.asarray(frame["min_zoom"], dtype=np.float64).tobytes(),
            np.asarray(frame["scalerank"], dtype=np.int32).tobytes(), levels,
        )

    return place_data, region_data, water_data(lakes), water_data(rivers)


def _flat_rings(shapes: np.ndarray) -> tuple[bytes, bytes, bytes, bytes]:
    """All features' rings (polygon rings or line parts) as (coords, ring starts, ring stops,
    each feature's first ring) byte strings."""
    parts, part_owner = shapely.get_parts(shapes, return_index=True)
    polygonal = np.array([p.geom_type == "Polygon" for p in parts], dtype=bool)
    rings, ring_part = [], []
    for i, part in enumerate(parts):
        if polygonal[i]:
            part_rings = shapely.get_rings(part)
            rings.extend(part_rings)
            ring_part.extend([i] * len(part_rings))
        else:
            rings.append(part)
            ring_part.append(i)
    ring_owner = part_owner[np.asarray(ring_part, dtype=np.int64)] if rings else np.zeros(0, dtype=np.int64)
    coords, vertex_ring = shapely.get_coordinates(np.asarray(rings, dtype=object), return_index=True)
    sizes = np.bincount(vertex_ring, minlength=len(rings)).astype(np.int64)
    stops = np.cumsum(sizes)
    starts = stops - sizes
    first_ring = np.searchsorted(ring_owner, np.arange(len(shapes) + 1), "left").astype(np.int64)
    return (
        np.ascontiguousarray(coords, dtype=np.float64).tobytes(), starts.tobytes(), stops.tobytes(),
        first_ring.tobytes(),
    )


def _level(resolution: float) -> int:
    return max(i for i, t in enumerate(LOD_TOLERANCES) if t <= resolution * 1.5)


def river_width(rank: int) -> float:
    """Pixels: the big rivers (low scale rank) widest."""
    if rank <= 2:
        return 1.6
    if rank <= 5:
        return 1.2
    if rank <= 8:
        return 0.9
    return 0.7


def draw_water(painter: QPainter, settings: MapSettings) -> None:
    """Lakes (filled like the sea, outlined) and rivers (wider for bigger ones)."""
    context = projected_context()
    if context is None:
        return
    zoom = zoom_of(settings)
    level = _level(settings.resolution)
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    rivers = context.rivers
    shown = rivers.visible(settings, zoom)
    if len(shown):
        rings = rivers.levels[level]
        pixels = settings.xy_to_pixels(rings.coords)
        widths = np.array([river_width(int(r)) for r in rivers.rank[shown].tolist()])
        for width in sorted(set(widths.tolist())):
            pen = QPen(RIVER, width)
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
            painter.setPen(pen)
            for f in shown[widths == width].tolist():
                for r in range(int(rings.first_ring[f]), int(rings.first_ring[f + 1])):
                    a, b = int(rings.ring_starts[r]), int(rings.ring_stops[r])
                    if b - a >= 2:
                        painter.drawPolyline(polygonf(pixels[a:b]))
    lakes = context.lakes
    shown = lakes.visible(settings, zoom)
    if len(shown):
        rings = lakes.levels[level]
        pixels = settings.xy_to_pixels(rings.coords)
        painter.setPen(QPen(LAKE_EDGE, 0.7))
        painter.setBrush(WATER)
        for f in shown.tolist():
            r0, r1 = int(rings.first_ring[f]), int(rings.first_ring[f + 1])
            polygons = [
                polygonf(pixels[rings.ring_starts[r] : rings.ring_stops[r]])
                for r in range(r0, r1) if rings.ring_stops[r] - rings.ring_starts[r] >= 3
            ]
            if len(polygons) == 1:
                painter.drawPolygon(polygons[0])
            elif polygons:
                path = QPainterPath()  # a lake with islands: its rings as one odd-even path
                for polygon in polygons:
                    path.addPolygon(polygon)
                    path.closeSubpath()
                painter.drawPath(path)
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
    """Text with a light outline. On an image it is a cached sprite (stroking a text outline
    costs about a millisecond a label, a sprite a few microseconds); on other devices the
    letters are drawn as text, so an SVG export keeps them as searchable ``<text>``."""
    device = painter.device()
    if isinstance(device, QImage):
        sprite, dx, dy = _sprite(text, font, color, device.devicePixelRatio())
        painter.drawImage(QPointF(round(origin.x() - dx), round(origin.y() - dy)), sprite)
        return
    _stroke_halo(painter, origin, text, font)
    painter.setPen(color)
    painter.setFont(font)
    painter.drawText(origin, text)


def _stroke_halo(painter: QPainter, origin: QPointF, text: str, font: QFont) -> QPainterPath:
    outline = QPainterPath()
    outline.addText(origin, font, text)
    pen = QPen(HALO, 3.0)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    painter.strokePath(outline, pen)
    return outline


_SPRITES: dict[tuple, tuple[QImage, float, float]] = {}
_SPRITES_LOCK = threading.Lock()
MAX_SPRITES = 6000
SPRITE_PAD = 2.0
HALO_OFFSETS = ((-1, -1), (0, -1), (1, -1), (-1, 0), (1, 0), (-1, 1), (0, 1), (1, 1), (0, -1.5), (0, 1.5), (-1.5, 0), (1.5, 0))


def _sprite(text: str, font: QFont, color: QColor, dpr: float) -> tuple[QImage, float, float]:
    """The label drawn once on a transparent image: (image, x and y of the text's origin in it)."""
    key = (text, font.key(), color.rgba(), dpr)
    with _SPRITES_LOCK:
        hit = _SPRITES.get(key)
    if hit is not None:
        return hit
    metrics = QFontMetricsF(font)
    dx, dy = SPRITE_PAD, SPRITE_PAD + metrics.ascent()
    width = metrics.horizontalAdvance(text) + 2 * SPRITE_PAD + 2
    height = metrics.ascent() + metrics.descent() + 2 * SPRITE_PAD
    image = QImage(max(1, math.ceil(width * dpr)), max(1, math.ceil(height * dpr)), QImage.Format.Format_ARGB32_Premultiplied)
    image.setDevicePixelRatio(dpr)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    painter.setFont(font)
    # The halo as the text drawn around itself: glyphs come from Qt's glyph cache, where
    # stroking the letters' outline costs a millisecond or more a label (a first frame
    # names a hundred places).
    painter.setPen(HALO)
    for ox, oy in HALO_OFFSETS:
        painter.drawText(QPointF(dx + ox, dy + oy), text)
    painter.setPen(color)
    painter.drawText(QPointF(dx, dy), text)
    painter.end()
    with _SPRITES_LOCK:
        if len(_SPRITES) >= MAX_SPRITES:
            _SPRITES.clear()
        _SPRITES[key] = (image, dx, dy)
    return image, dx, dy


class OurMarkers:
    """The frame's own markers (pixel positions), binned once into cells of
    :data:`OURS_NEAR_PX`, so that a context place is measured only against the markers in its
    3 × 3 neighbouring cells (a marker that close lies in one of them).

    The capitals and then the other places of a frame ask the same markers: a million of them
    are binned once, by counting (no sort), not once per question; only the markers around
    the places that have any are then ordered by cell."""

    def __init__(self, xy: np.ndarray) -> None:
        self.xy = xy
        if not len(xy):
            return
        column = np.floor(xy[:, 0] / OURS_NEAR_PX).astype(np.int64)
        row = np.floor(xy[:, 1] / OURS_NEAR_PX).astype(np.int64)
        # Two cells of room on every side: a place with a marker in its 3 × 3 cells then has
        # all nine in the grid.
        self._column0, self._row0 = int(column.min()) - 2, int(row.min()) - 2
        self._columns = int(column.max()) - self._column0 + 3
        self._rows = int(row.max()) - self._row0 + 3
        self._keys = (column - self._column0) * self._rows + (row - self._row0)
        cells = self._columns * self._rows
        # Which cells hold a marker: counted on a grid the size of the picture, or for markers
        # spread over a huge area (far outside any picture) the sorted distinct keys.
        self._occupied = np.bincount(self._keys, minlength=cells) > 0 if cells <= 8 * len(xy) + 4_000_000 else None
        self._distinct = np.unique(self._keys) if self._occupied is None else None

    def _holds(self, keys: np.ndarray) -> np.ndarray:
        """Whether the cells ``keys`` hold a marker."""
        if self._occupied is not None:
            return self._occupied[keys]
        return np.isin(keys, self._distinct)

    def near(self, xy: np.ndarray) -> np.ndarray:
        """For each place (pixel positions), whether one of the markers lies within
        :data:`OURS_NEAR_PX` of it."""
        return np.array([len(found) > 0 for found in self.near_which(xy)], dtype=bool)

    def near_which(self, xy: np.ndarray) -> list[np.ndarray]:
        """For each place (pixel positions), the indices of the markers within
        :data:`OURS_NEAR_PX` of it (most places: none)."""
        none = np.zeros(0, dtype=np.int64)
        found = [none] * len(xy)
        if not len(self.xy) or not len(xy):
            return found
        column = np.floor(xy[:, 0] / OURS_NEAR_PX).astype(np.int64) - self._column0
        row = np.floor(xy[:, 1] / OURS_NEAR_PX).astype(np.int64) - self._row0
        # A place whose 3 × 3 cells are not all in the grid has none of the markers around it.
        inside = np.flatnonzero((column >= 1) & (column <= self._columns - 2) & (row >= 1) & (row <= self._rows - 2))
        steps = np.array([-1, 0, 1])
        around = ((column[inside, None, None] + steps[:, None]) * self._rows + row[inside, None, None] + steps[None, :])
        around = around.reshape(len(inside), 9)
        close = self._holds(around.ravel()).reshape(len(inside), 9).any(axis=1)
        inside, around = inside[close], around[close]
        if not len(inside):
            return found
        # The markers in those cells, ordered by cell; each place's three columns of three
        # cells are three runs of consecutive keys.
        if self._occupied is not None:  # marked on the grid: one pass, no sort of the markers
            wanted = np.zeros(len(self._occupied), dtype=bool)
            wanted[around.ravel()] = True
            candidates = np.flatnonzero(wanted[self._keys])
        else:
            candidates = np.flatnonzero(np.isin(self._keys, np.unique(around)))
        order = np.argsort(self._keys[candidates], kind="stable")
        candidates = candidates[order]
        keys = self._keys[candidates]
        low = around[:, [0, 3, 6]]
        starts = np.searchsorted(keys, low, "left")
        stops = np.searchsorted(keys, low + 2, "right")
        for i, place_starts, place_stops in zip(inside.tolist(), starts.tolist(), stops.tolist()):
            chosen = np.concatenate([candidates[a:b] for a, b in zip(place_starts, place_stops)])
            d = np.hypot(self.xy[chosen, 0] - xy[i, 0], self.xy[chosen, 1] - xy[i, 1])
            found[i] = chosen[d <= OURS_NEAR_PX]
        return found


def _near_ours(xy: np.ndarray, ours: np.ndarray) -> np.ndarray:
    """For each place, whether one of our markers lies within about :data:`OURS_NEAR_PX`."""
    return OurMarkers(ours).near(xy)


def draw_capital_labels(
    painter: QPainter, settings: MapSettings, grid: LabelGrid, ours: OurMarkers, named: np.ndarray | None = None
) -> int:
    """Capitals' dots and names: placed before the country names, which can move aside
    (a country name over its capital's dot would hide the one place everybody looks for).
    ``named``: see :func:`draw_place_labels`."""
    context = projected_context()
    if context is None or zoom_of(settings) < CAPITAL_MIN_ZOOM:
        return 0
    return _draw_places(painter, settings, grid, ours, context.places, context.places.capital, named)


def draw_place_labels(
    painter: QPainter, settings: MapSettings, grid: LabelGrid, ours: OurMarkers, named: np.ndarray | None = None
) -> int:
    """Other cities' dots and names by rank, then region names, where room is left; returns
    how many places were drawn.

    ``ours`` is the frame's own markers (their pixel positions): a place with one on its dot is
    left to that marker's label ("Minsk · 29"). ``named`` says which markers have one (a
    stack's, a fact's name); a place with only unnamed markers on it keeps its name, beside
    them and without its dot (a capital among a dozen unlabelled project points must still be
    named). None: every marker counts as named. Call after the layers' labels, the capitals and
    the country names."""
    context = projected_context()
    if context is None:
        return 0
    zoom = zoom_of(settings)
    places = context.places
    if zoom < TOWN_MIN_ZOOM:
        wanted = np.zeros(len(places.names), dtype=bool)
    else:
        wanted = ~places.capital & (places.min_zoom <= zoom + PLACE_ZOOM_LEAD)
    drawn = _draw_places(painter, settings, grid, ours, places, wanted, named)
    if zoom >= REGION_MIN_ZOOM:
        _draw_regions(painter, settings, grid, context.regions, zoom)
    return drawn


def _in_view(settings: MapSettings, points: _Points, wanted: np.ndarray, margin_px: float = 0.0) -> np.ndarray:
    minx, miny, maxx, maxy = settings.extent
    m = margin_px * settings.resolution
    x, y = points.xy[:, 0], points.xy[:, 1]
    return np.flatnonzero(wanted & (x >= minx - m) & (x <= maxx + m) & (y >= miny - m) & (y <= maxy + m))


def _draw_places(
    painter: QPainter,
    settings: MapSettings,
    grid: LabelGrid,
    ours: OurMarkers,
    places: _Points,
    wanted: np.ndarray,
    named: np.ndarray | None = None,
) -> int:
    index = _in_view(settings, places, wanted)[:MAX_PLACE_CANDIDATES]  # in the file's order of importance
    if not len(index):
        return 0
    xy = settings.xy_to_pixels(places.xy[index])
    markers = ours.near_which(xy)
    on_marker = np.array([len(found) > 0 for found in markers], dtype=bool)
    if named is None:
        keep = ~on_marker
    else:
        keep = np.array([not bool(named[found].any()) for found in markers], dtype=bool)
    index, xy, on_marker = index[keep], xy[keep], on_marker[keep]
    city_font, capital_font = _font(8.0), _font(8.5, bold=True)
    city_metrics, capital_metrics = QFontMetricsF(city_font), QFontMetricsF(capital_font)
    placed: list[tuple[float, float, bool, bool, QPointF, str]] = []
    for i, (x, y), under in zip(index.tolist(), xy.tolist(), on_marker.tolist()):
        capital = bool(places.capital[i])
        metrics = capital_metrics if capital else city_metrics
        radius = 3.0 if capital else 2.2
        dot = QRectF(x - radius - 1, y - radius - 1, 2 * radius + 2, 2 * radius + 2)
        # Under unnamed markers of ours the place has no dot of its own (they mark it): its name
        # goes beside them, clear of the markers the grid already holds.
        if not under and not grid.fits(dot):
            continue
        name = places.names[i]
        width = metrics.horizontalAdvance(name)
        height = metrics.ascent() + metrics.descent()
        offset = OURS_NEAR_PX + 3 if under else radius + 3
        for left, top in ((x + offset, y - height / 2), (x - offset - width, y - height / 2),
                          (x - width / 2, y - offset - height), (x - width / 2, y + offset)):
            rect = QRectF(left, top, width, height)
            if grid.fits(rect):
                grid.take(rect.adjusted(-5, -3, 5, 3))
                if not under:
                    grid.take(dot)
                placed.append((x, y, capital, under, QPointF(left, top + metrics.ascent()), name))
                break
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    for x, y, capital, under, _, _ in placed:
        if under:
            continue
        radius = 3.0 if capital else 2.2
        painter.setPen(QPen(QColor("white"), 1.0))
        painter.setBrush(CAPITAL_TEXT if capital else PLACE_DOT)
        if capital:
            painter.drawRect(QRectF(x - radius, y - radius, 2 * radius, 2 * radius))
        else:
            painter.drawEllipse(QPointF(x, y), radius, radius)
    for _, _, capital, _, origin, name in placed:
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
