"""The one render function: a :class:`MapSettings` snapshot and a catalog onto any QPainter.

The map canvas calls it in a worker thread on a ``QImage``; the PNG and SVG exports call it on
their own devices. Drawing order: sea and land, each visible layer bottom first (within a
layer polygons, then lines, then points), point labels, country labels where room is left,
highlights, then the scale bar, legend and credit as the settings ask.

Coordinates go from mercator to pixels per layer as whole numpy arrays; Python loops only run
per drawn feature (one Qt call each), never per vertex.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace
from typing import Callable

import numpy as np
import shapely
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QImage, QPainter, QPainterPath, QPen

from influencemap.model import sizing
from influencemap.model.stats import adds_up, label_key, unit_key
from influencemap.model.catalog import Catalog
from influencemap.model.geometry_parts import unwrap_geometry
from influencemap.model.types import Feature, GeometryKind, Layer, Marker, Style
from influencemap.render import basemap_layer, context_layer, decorations, stacks as stacking, symbols, tiles
from influencemap.render.labels import CELL, LabelGrid, candidate_places, candidate_rects, draw_halo_text
from influencemap.render.layer_geometry import KindGeometry, filter_masks, layer_geometry
from influencemap.render.per_layer_cache import PerLayerCache
from influencemap.geo.mercator import project_xy
from influencemap.render.map_settings import MapSettings
from influencemap.render.qt_arrays import polygonf

TINY_POLYGON_PX = 5.0
"""Polygons smaller than this on screen are drawn as a small square, so they never vanish."""

MAX_LABELLED_POINTS = 4000
"""Above this many points in view, labels would be noise: none are tried."""

POINT_LABEL_MAX_GROUND_RESOLUTION = 3000.0
"""Point labels appear from about the scale of a few countries (true metres per pixel at the
view's centre); further out, names of far-apart facts would be long strings over empty land,
and the tooltip names them instead."""

LABEL_COLOR = QColor("#222222")
LABEL_MAX_CHARS = 40
"""Longer names are cut at a word boundary in labels (whole in the tooltip and details)."""

Cancelled = Callable[[], bool]


@dataclass
class RenderReport:
    """What a frame drew: for tests, timing and the export's credit line."""

    features: int = 0
    labels: int = 0
    label_texts: list[str] = field(default_factory=list)
    stacks: int = 0
    """Stack markers drawn (two or more points sharing a spot on screen)."""
    markers: stacking.FrameMarkers | None = None
    """Those markers and the features each draws (what a click on one lists); None without."""
    source_ids: set[str] = field(default_factory=set)
    cancelled: bool = False


@dataclass
class _PointBatch:
    layer: Layer
    kind: KindGeometry
    """The layer's points (all of them: ``positions`` says which are in view)."""
    xy: np.ndarray
    """Pixel positions, one row per feature in view."""
    positions: np.ndarray
    """The features' positions in the layer's point geometry."""

    def name(self, i: int) -> str:
        """The name of the ``i``-th feature in view."""
        return self.kind.name(int(self.positions[i]))


def render(
    painter: QPainter, settings: MapSettings, catalog: Catalog, cancelled: Cancelled | None = None
) -> RenderReport:
    """Draw the map described by ``settings`` with ``painter``.

    Parameters
    ----------
    cancelled
        Polled between layers; when it returns True the frame stops early and the report
        says so (the canvas then throws the image away).
    """
    report = RenderReport()
    stop = cancelled or (lambda: False)
    painter.save()
    painter.setClipRect(QRectF(0, 0, settings.width, settings.height))
    basemap_layer.draw_countries(painter, settings)
    context_layer.draw_water(painter, settings)
    if settings.tiles is not None:  # over the offline basemap, which shows where a tile is missing
        tiles.draw_tiles(painter, settings, settings.tiles)
    raster = isinstance(painter.device(), QImage)
    layers = _visible_layers(settings, catalog)
    batches = [_point_batch(settings, layer) for layer in layers]
    legend = legend_entries(settings, catalog) if settings.show_legend else []
    stacks, stacked = stacking.find_stacks([b.xy for b in batches], [b.layer.style.color for b in batches])
    stacks = _sized_stacks(batches, _feature_counts(batches, stacks, stacked), stacked)
    # Points in a stack are drawn by its marker only.
    starts = np.cumsum([0] + [len(b.xy) for b in batches]).tolist()
    keeps = [~stacked[start : start + len(batch.xy)] for batch, start in zip(batches, starts)]
    labels: list[tuple[QPointF, str]] = []
    if settings.show_labels:
        # Place labels before drawing: point labels first (they matter most), then country
        # names in the room left, drawn now so that the layers go over them.
        grid = LabelGrid(settings.size)
        # Keep labels out from under the scale bar (the canvas draws one too), legend and credit.
        grid.take(decorations.scale_bar_rect(settings))
        if settings.show_legend:
            grid.take(decorations.legend_rect(settings, legend))
            grid.take(decorations.credit_rect(settings, decorations.credit_text(99)))
        # What a stack's name may never cover: the above and the stack markers, no single points.
        stack_grid = grid.copy()
        _take_stacks(stack_grid, stacks)
        tiny_centres = [_tiny_polygon_centres(settings, layer) for layer in layers]
        for layer, batch, tiny in zip(layers, batches, tiny_centres):
            grid.take_points(batch.xy, layer.style.size / 2 + 1)
            grid.take_points(tiny, TINY_POLYGON_PX / 2 + 1)
        _take_stacks(grid, stacks)
        # Which markers carry a name of their own (stacks', labelled points'): a city under one
        # is left to it; under unnamed ones it keeps its name (see draw_place_labels).
        named = stacked.copy()
        if settings.show_point_labels:
            labels = _place_point_labels(settings, batches, grid, stacks, stacked, stack_grid, named)
        # One layer's markers as they are (a million: no 16 MB copy); several stacked. Then the
        # small squares of shapes too small to see, which carry no name.
        every_xy = [b.xy for b in batches]
        tiny = np.concatenate(tiny_centres) if tiny_centres else np.zeros((0, 2))
        if len(tiny):
            every_xy.append(tiny)
            named = np.concatenate((named, np.zeros(len(tiny), dtype=bool)))
        ours = context_layer.OurMarkers(every_xy[0] if len(every_xy) == 1 else np.concatenate(every_xy) if every_xy else np.zeros((0, 2)))
        if settings.tiles is None:  # tiles name places themselves
            context_layer.draw_capital_labels(painter, settings, grid, ours, named)
            basemap_layer.draw_country_labels(painter, settings, grid)
            context_layer.draw_place_labels(painter, settings, grid, ours, named)
    for layer, batch, keep in zip(layers, batches, keeps):
        if stop():
            report.cancelled = True
            painter.restore()
            return report
        _draw_layer(painter, settings, layer, batch, raster, report, keep)
    if stacks and not stop():
        stacking.draw_stacks(painter, stacks, raster, settings.device_pixel_ratio, settings.show_point_labels)
        report.stacks = len(stacks)
        report.markers = stacking.FrameMarkers(
            stacks, tuple(b.layer.id for b in batches), tuple(b.kind.features for b in batches),
            tuple(b.xy for b in batches), tuple(b.positions for b in batches), stacked,
        )
    if labels and not stop():
        font = _label_font()
        for baseline, text in labels:
            draw_halo_text(painter, baseline, text, font, LABEL_COLOR)
        report.labels = len(labels)
        report.label_texts = [text for _baseline, text in labels]
    if settings.hovered_id and settings.hovered_id != settings.selected_id:
        draw_highlight(painter, settings, catalog, settings.hovered_id, selected=False)
    if settings.selected_id:
        draw_highlight(painter, settings, catalog, settings.selected_id, selected=True)
    if settings.show_scale_bar:
        decorations.draw_scale_bar(painter, settings)
    if settings.show_legend:
        decorations.draw_legend(painter, settings, legend)
        decorations.draw_credit(painter, settings, decorations.credit_text(len(report.source_ids)))
    if settings.tiles is not None:
        above = decorations.credit_rect(settings, decorations.credit_text(99)).height() + 2 if settings.show_legend else 0.0
        tiles.draw_attribution(painter, settings, settings.tiles.attribution, above)
    painter.restore()
    report.cancelled = stop()
    return report


def _margin(settings: MapSettings, style: Style) -> float:
    """How far outside the view (in metres) a feature may lie and still show a symbol in it."""
    size = style.size if style.size_by is None else max(style.size, style.size_by.maximum)
    return (size + style.width + 4) * settings.resolution


def point_sizes(layer: Layer, kind: GeometryKind = GeometryKind.POINT) -> np.ndarray | None:
    """Per feature of that kind in the layer (its position in the layer's geometry of the kind),
    the symbol's diameter in pixels when the layer sizes its symbols by a figure
    (``style: {size: ...}``), else None. Points without the figure get the layer's ``size``;
    polygons without it NaN (they keep their small square when too small to see). Computed once
    per layer object: a frame only indexes it."""
    size_by = layer.style.size_by
    if size_by is None:
        return None

    def build() -> np.ndarray:
        part = layer_geometry(layer).points if kind is GeometryKind.POINT else layer_geometry(layer).polygons
        sizes = layer_sizes(layer)
        values = sizing.values_of(part.features, size_by)
        default = layer.style.size if kind is GeometryKind.POINT else np.nan
        return sizing.diameters(values, sizes.top if sizes else 0.0, size_by, default)

    return _POINT_SIZES.get(layer, build, key=kind)


_POINT_SIZES: PerLayerCache[np.ndarray] = PerLayerCache()
_LAYER_SIZES: PerLayerCache[sizing.LayerSizes | None] = PerLayerCache()


def layer_sizes(layer: Layer) -> sizing.LayerSizes | None:
    """:func:`~influencemap.model.sizing.layer_sizes`, once per layer object."""
    if layer.style.size_by is None:
        return None
    return _LAYER_SIZES.get(layer, lambda: sizing.layer_sizes(layer))


def _point_batch(settings: MapSettings, layer: Layer) -> _PointBatch:
    """The layer's points in view, with their pixel positions."""
    points = layer_geometry(layer).points
    mask = filter_masks(layer, settings.feature_filter)[2]
    visible = points.visible(settings.extent, _margin(settings, layer.style), mask)
    xy = settings.xy_to_pixels(points.points[visible]) if len(visible) else np.zeros((0, 2))
    if len(points.part_owner) and len(visible):  # the other parts of multipoints in view
        chosen = np.isin(points.part_owner, visible)
        xy = np.concatenate((xy, settings.xy_to_pixels(points.parts[chosen])))
        visible = np.concatenate((visible, points.part_owner[chosen]))
    return _PointBatch(layer, points, xy, visible)


def _tiny_polygon_centres(settings: MapSettings, layer: Layer) -> np.ndarray:
    polygons = layer_geometry(layer).polygons
    if not len(polygons):
        return np.zeros((0, 2))
    visible = polygons.visible(settings.extent, 0.0, filter_masks(layer, settings.feature_filter)[0])
    b = polygons.bounds[visible]
    tiny = ((b[:, 2:] - b[:, :2]) / settings.resolution).max(axis=1) < TINY_POLYGON_PX
    b = b[tiny]
    return settings.xy_to_pixels(np.column_stack(((b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2)))


def _visible_layers(settings: MapSettings, catalog: Catalog) -> list[Layer]:
    layers = []
    by_id = {layer.id: layer for layer in catalog.layers}
    for layer_id in settings.layer_ids:
        layer = by_id.get(layer_id)
        if layer is None:
            continue
        if settings.feature_filter is not None and not settings.feature_filter.accepts_layer(layer):
            continue
        layers.append(layer)
    return layers


def legend_entries(settings: MapSettings, catalog: Catalog) -> list[decorations.LegendEntry]:
    """The layers the picture shows a feature of, top first, as the legend lists them.

    A layer the filter empties, or whose features all lie outside the picture, draws nothing,
    so it is not listed (as the HTML export and the map sheet leave it out); a layer's symbol
    shows the kinds of geometry drawn (a line layer filtered to its points gets a point).
    """
    entries = []
    for layer in reversed(_visible_layers(settings, catalog)):
        kinds = _drawn_kinds(settings, layer)
        if not kinds:
            continue
        sizes = layer_sizes(layer) if kinds & {GeometryKind.POINT, GeometryKind.POLYGON} else None
        entries.append(decorations.LegendEntry(layer.name, layer.style, kinds, sizes.references if sizes else ()))
    return entries


def _drawn_kinds(settings: MapSettings, layer: Layer) -> frozenset[GeometryKind]:
    """The kinds of geometry of which the picture draws at least one of the layer's features:
    the filter keeps it and it meets the view, by the same test as :func:`_draw_layer` and
    :func:`_point_batch` (the layer's cached split by kind, not a pass over every feature)."""
    masks = filter_masks(layer, settings.feature_filter)
    margin = _margin(settings, layer.style)
    parts = zip((GeometryKind.POLYGON, GeometryKind.LINE, GeometryKind.POINT), layer_geometry(layer).by_kind(), masks)
    return frozenset(kind for kind, part, mask in parts if len(part.visible(settings.extent, margin, mask)))


def _draw_layer(
    painter: QPainter,
    settings: MapSettings,
    layer: Layer,
    batch: _PointBatch,
    raster: bool,
    report: RenderReport,
    keep: np.ndarray | None = None,
) -> None:
    """Draw a layer's polygons, lines and points (only the ``keep`` ones of ``batch`` as markers
    when given: the others are in stacks, drawn over all layers)."""
    geometry = layer_geometry(layer)
    masks = filter_masks(layer, settings.feature_filter)
    style = layer.style
    margin = _margin(settings, style)
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    for kind, mask, draw in ((geometry.polygons, masks[0], _draw_polygons), (geometry.lines, masks[1], _draw_lines)):
        visible = kind.visible(settings.extent, margin, mask)
        if not len(visible):
            continue
        report.features += len(visible)
        if settings.show_legend:
            _note_sources(report, kind, visible)
        if draw is _draw_polygons:
            _draw_polygons(painter, settings, kind, visible, style, point_sizes(layer, GeometryKind.POLYGON))
        else:
            draw(painter, settings, kind, visible, style)
    if len(batch.xy):
        report.features += len(batch.xy)
        if settings.show_legend:
            _note_sources(report, geometry.points, batch.positions)
        markers = batch.xy if keep is None else batch.xy[keep]
        sizes = point_sizes(layer)
        if len(markers) and sizes is not None:
            positions = batch.positions if keep is None else batch.positions[keep]
            _draw_sized_markers(painter, markers, sizes[positions], style, raster, settings.device_pixel_ratio)
        elif len(markers):
            _draw_markers(painter, markers, style, raster, settings.device_pixel_ratio)
    painter.restore()


def _note_sources(report: RenderReport, kind: KindGeometry, visible: np.ndarray) -> None:
    """Remember which documents the drawn features cite (for the export's credit line)."""
    report.source_ids.update(kind.cited_sources(visible))


def _ring_ranges(kind: KindGeometry, visible: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each visible feature, the first and past-the-last index of its rings."""
    owner = kind.rings.owner
    return np.searchsorted(owner, visible, "left"), np.searchsorted(owner, visible, "right")


def _draw_lines(painter: QPainter, settings: MapSettings, kind: KindGeometry, visible: np.ndarray, style: Style) -> None:
    rings = kind.rings
    pixels = settings.xy_to_pixels(rings.coords)
    painter.setPen(symbols.line_pen(style))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    first, last = _ring_ranges(kind, visible)
    for r0, r1 in zip(first.tolist(), last.tolist()):
        for r in range(r0, r1):
            painter.drawPolyline(polygonf(pixels[rings.starts[r] : rings.stops[r]]))


def _draw_polygons(
    painter: QPainter, settings: MapSettings, kind: KindGeometry, visible: np.ndarray, style: Style,
    sizes: np.ndarray | None = None,
) -> None:
    """The polygons in view; one too small to see is a small square, or, in a layer sized by a
    figure (``sizes``, per polygon), a symbol of its size when it has the figure: zoomed out, a
    large project's site stands out as a large loan's point does."""
    rings = kind.rings
    pixels = settings.xy_to_pixels(rings.coords)
    span = (kind.bounds[visible, 2:] - kind.bounds[visible, :2]) / settings.resolution
    tiny = span.max(axis=1) < TINY_POLYGON_PX
    painter.setPen(symbols.polygon_pen(style))
    painter.setBrush(symbols.polygon_brush(style))
    first, last = _ring_ranges(kind, visible)
    for r0, r1, small in zip(first.tolist(), last.tolist(), tiny.tolist()):
        if small:
            continue
        if r1 - r0 == 1:
            painter.drawPolygon(polygonf(pixels[rings.starts[r0] : rings.stops[r0]]))
            continue
        path = QPainterPath()
        for r in range(r0, r1):
            path.addPolygon(polygonf(pixels[rings.starts[r] : rings.stops[r]]))
            path.closeSubpath()
        painter.drawPath(path)
    if tiny.any():
        small = visible[tiny]
        if sizes is not None:
            sized = ~np.isnan(sizes[small])
            if sized.any():
                b = kind.bounds[small[sized]]
                centres = np.column_stack(((b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2))
                xy = settings.xy_to_pixels(centres)
                raster = isinstance(painter.device(), QImage)
                _draw_sized_markers(painter, xy, sizes[small[sized]], style, raster, settings.device_pixel_ratio)
            small = small[~sized]
        if len(small):
            _draw_tiny_polygons(painter, settings, kind.bounds[small], style)


def _draw_tiny_polygons(painter: QPainter, settings: MapSettings, bounds: np.ndarray, style: Style) -> None:
    centres = np.column_stack(((bounds[:, 0] + bounds[:, 2]) / 2, (bounds[:, 1] + bounds[:, 3]) / 2))
    half = TINY_POLYGON_PX / 2
    painter.setPen(QPen(symbols.qcolor(style.color), 1.2))
    painter.setBrush(QBrush(symbols.qcolor(style.fill_color, max(style.opacity, 0.6))))
    for x, y in settings.xy_to_pixels(centres).tolist():
        painter.drawRect(QRectF(x - half, y - half, 2 * half, 2 * half))


def _draw_markers(painter: QPainter, xy: np.ndarray, style: Style, raster: bool, dpr: float) -> None:
    if not raster:
        for x, y in zip(xy[:, 0].tolist(), xy[:, 1].tolist()):
            symbols.draw_marker(painter, x, y, style)
        return
    sprite, half = symbols.marker_sprite(style, dpr)
    corners = np.rint(xy - half).astype(np.int64)
    # Markers landing on the same pixel look like one: draw the last (topmost) of each once.
    if len(corners) > 256:
        keys = corners[:, 0] * 1_000_003 + corners[:, 1]
        _, last_first = np.unique(keys[::-1], return_index=True)
        corners = corners[np.sort(len(corners) - 1 - last_first)]
    # Two flat lists of ints: no per-point list objects for the garbage collector to chase.
    draw = painter.drawImage
    for x, y in zip(corners[:, 0].tolist(), corners[:, 1].tolist()):
        draw(x, y, sprite)


def _point_figures(layer: Layer) -> tuple[np.ndarray, list]:
    """Per point of a sized layer, its sizing value (NaN: none) and what a sum needs shared:
    (label, unit) as model.stats compares them, or None for a figure that does not add up."""

    def build() -> tuple[np.ndarray, list]:
        table = layer_geometry(layer).points.features
        rows = sizing.figure_rows(table, layer.style.size_by)
        flat_values = np.asarray(table.column("values"), dtype=float)
        values = np.full(len(rows), np.nan)
        known = rows >= 0
        values[known] = flat_values[rows[known]]
        labels, units = table.column("labels"), table.column("units")
        key_of: dict[tuple[str, str | None], tuple[str, str] | None] = {}  # each written (label, unit) once
        keys: list = []
        for row in rows.tolist():
            if row < 0:
                keys.append(None)
                continue
            written = (labels[row], units[row])
            if written not in key_of:
                label, unit = written
                key_of[written] = (label_key(label), unit_key(unit)) if adds_up(label, unit) else None
            keys.append(key_of[written])
        return values, keys

    return _POINT_FIGURES.get(layer, build)


_POINT_FIGURES: PerLayerCache[tuple[np.ndarray, list]] = PerLayerCache()


def _feature_counts(batches: list[_PointBatch], stacks: stacking.StackSet, stacked: np.ndarray) -> stacking.StackSet:
    """A stack's count in features, not in points: a multipoint with two parts in one marker
    is one feature on its badge, as it is one row in the list a click on it opens."""
    if not len(stacks) or stacks.point_stack is None or all(not len(b.kind.part_owner) for b in batches):
        return stacks
    offsets = np.cumsum([0] + [len(b.kind) for b in batches])
    feature = np.concatenate([b.positions + offsets[i] for i, b in enumerate(batches)])[stacked]
    pairs = np.unique(stacks.point_stack.astype(np.int64) * int(offsets[-1] + 1) + feature)
    count = np.bincount(pairs // int(offsets[-1] + 1), minlength=len(stacks))
    return replace(stacks, count=count)


def _sized_stacks(batches: list[_PointBatch], stacks: stacking.StackSet, stacked: np.ndarray) -> stacking.StackSet:
    """A stack of sized points is sized by the sum of their values when every one of them has
    the figure with the same label and unit, and it adds up (model.stats' rule for honest
    totals), on the scale of its top layer; any other stack keeps its size by count."""
    if not len(stacks) or stacks.point_stack is None or not any(b.layer.style.size_by for b in batches):
        return stacks
    codes: dict = {}
    values, keys = [], []
    for batch in batches:
        if batch.layer.style.size_by is None:
            values.append(np.full(len(batch.xy), np.nan))
            keys.append(np.full(len(batch.xy), -1))
            continue
        layer_values, layer_keys = _point_figures(batch.layer)
        values.append(layer_values[batch.positions])
        keys.append(np.array([-1 if k is None else codes.setdefault(k, len(codes)) for k in
                              (layer_keys[p] for p in batch.positions.tolist())], dtype=np.int64))
    value = np.concatenate(values)[stacked] if values else np.zeros(0)
    key = np.concatenate(keys)[stacked] if keys else np.zeros(0, dtype=np.int64)
    group, n = stacks.point_stack, len(stacks)
    missing = np.bincount(group, weights=(np.isnan(value) | (key < 0)).astype(float), minlength=n) > 0
    low = np.full(n, np.iinfo(np.int64).max)
    high = np.full(n, -1)
    np.minimum.at(low, group, key)
    np.maximum.at(high, group, key)
    ok = ~missing & (low == high)
    if not ok.any():
        return stacks
    sums = np.bincount(group, weights=np.nan_to_num(value), minlength=n)
    sized = np.full(n, np.nan)
    for i in np.flatnonzero(ok).tolist():
        layer = batches[int(stacks.top[i])].layer
        sizes = layer_sizes(layer)
        if layer.style.size_by is None or sizes is None:
            continue
        # The ring and the count badge need room: never below a stack of two.
        sized[i] = max(sizing.diameter(sums[i], sizes.top, layer.style.size_by) / 2, float(stacking.stack_radius(2)))
    return replace(stacks, sized=sized)


def _draw_sized_markers(
    painter: QPainter, xy: np.ndarray, sizes: np.ndarray, style: Style, raster: bool, dpr: float
) -> None:
    """Markers sized by a figure: one sprite per half-pixel size, the biggest drawn first so that
    a small project next to a large one stays visible on top of it."""
    steps = np.round(sizes * 2) / 2
    for size in np.unique(steps)[::-1].tolist():
        _draw_markers(painter, xy[steps == size], sizing.plain_style(style, size), raster, dpr)


def _label_font() -> QFont:
    font = QFont()
    font.setPointSizeF(8.0)
    return font


def _short(name: str) -> str:
    """The name whole when it fits a label, else cut at a word boundary with an ellipsis (the
    tooltip and the details give it whole)."""
    if len(name) <= LABEL_MAX_CHARS:
        return name
    cut = name[: LABEL_MAX_CHARS - 1]
    space = cut.rfind(" ")
    if space >= LABEL_MAX_CHARS // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:–-(") + "…"


MAX_NAMED_STACKS = 150
"""The biggest stacks in view are offered a place label; the rest count on the tooltip."""


def _take_stacks(grid: LabelGrid, stacks: stacking.StackSet) -> None:
    """Keep labels off the stack markers and their count badges: a few vectorised steps (each
    costs a pass over the grid), stacks binned by size, a little generously."""
    if not len(stacks):
        return
    xy = np.column_stack((stacks.x, stacks.y))
    radii = stacks.radius()
    low = 0.0
    for high in (9.0, 11.5, 14.0):
        at = xy[(radii > low) & (radii <= high)]
        low = high
        if len(at):
            grid.take_points(at, high + 1)
            # The badge, upper right: reserved a little high, so the label beside the stack fits.
            grid.take_points(at + np.array([high * 0.45 + 7, -high * 0.95 - 3]), 6)


def _place_point_labels(
    settings: MapSettings,
    batches: list[_PointBatch],
    grid: LabelGrid,
    stack_set: stacking.StackSet | None = None,
    stacked: np.ndarray | None = None,
    stack_grid: LabelGrid | None = None,
    named: np.ndarray | None = None,
) -> list[tuple[QPointF, str]]:
    """Where labels fit: stacks first (the most points first), named by their place ("Minsk ·
    30"), then single points, the top layer's first; (baseline origin, text) each. A single
    point whose label is placed is marked True in ``named`` (over every batch's points in turn).

    A stack whose name fits nowhere clear of every marker is named where it covers only single
    points' markers (``stack_grid`` holds what it may not cover): the place where thirty facts
    sit is worth more than a lone dot beside it, and a crowded city is where a name is needed."""
    total = sum(len(b.xy) for b in batches)
    _, centre_lat = settings.pixels_to_lonlat(settings.width / 2, settings.height / 2)
    too_far = settings.ground_resolution(float(centre_lat)) > POINT_LABEL_MAX_GROUND_RESOLUTION
    stacks = stack_set.biggest(MAX_NAMED_STACKS) if stack_set is not None else []
    if not total or total > MAX_LABELLED_POINTS or (too_far and not stacks):
        return []
    font = _label_font()
    metrics = QFontMetricsF(font)
    if stacked is None:
        stacked = np.zeros(total, dtype=bool)
    xs: list[float] = []
    ys: list[float] = []
    texts: list[str] = []
    offsets: list[float] = []
    points: list[int] = []
    """Each label's point (index over every batch's points), or -1 for a stack's."""
    if stacks:
        anchors = [s.anchor or (s.x, s.y) for s in stacks]
        lon, lat = settings.pixels_to_lonlat(np.array([a[0] for a in anchors]), np.array([a[1] for a in anchors]))
        names = stacking.place_names(list(zip(np.atleast_1d(lon).tolist(), np.atleast_1d(lat).tolist())))
        for stack, name in zip(stacks, names):
            xs.append(stack.x)
            ys.append(stack.y)
            texts.append(stacking.stack_label(name, stack.count))
            offsets.append(stack.radius + 2 + CELL)
            points.append(-1)
    starts = np.cumsum([0] + [len(b.xy) for b in batches])
    # Far out only stacks are named: a place name is short, a fact's name a long string.
    for batch, start in zip(reversed(batches), reversed(starts[:-1].tolist())):
        # Clear of the marker's reserved cells (radius size/2 + 1) by at least one cell.
        offset = batch.layer.style.size / 2 + 2 + CELL
        for i in range(len(batch.xy) - 1, -1, -1):
            if too_far or stacked[start + i]:
                continue
            xs.append(float(batch.xy[i, 0]))
            ys.append(float(batch.xy[i, 1]))
            texts.append(_short(batch.name(i)))
            offsets.append(offset)
            points.append(start + i)
    if not texts:
        return []
    font_key = font.key()
    widths = np.array([_text_width(font_key, metrics, text) for text in texts], dtype=float)
    height = metrics.ascent() + metrics.descent()
    heights = np.full(len(texts), height)
    # Every place already taken before any label is placed stays taken (cells are only ever
    # taken), so one vectorised test against the grid as it is now rules those places out; in
    # a dense view that is nearly all of them. The rest are tested one by one, in order.
    x, y = np.array(xs), np.array(ys)
    open_now = [
        grid.fit_many(left, top, widths, heights)
        for left, top in candidate_places(x, y, np.asarray(offsets), widths, height)
    ]
    worth_trying = np.logical_or.reduce(open_now)
    if stack_grid is not None:
        worth_trying[: len(stacks)] = True
    placed: list[tuple[QPointF, str]] = []
    for group in np.flatnonzero(worth_trying).tolist():
        px, py = float(x[group]), float(y[group])
        text = texts[group]
        places = candidate_rects(px, py, offsets[group], metrics, text, width=float(widths[group]))
        chosen = next((p for i, p in enumerate(places) if open_now[i][group] and grid.fits(p[0])), None)
        if chosen is None and stack_grid is not None and group < len(stacks):
            chosen = next((p for p in places if stack_grid.fits(p[0])), None)
        if chosen is None:
            continue
        rect, baseline = chosen
        for taken in (grid, stack_grid):
            if taken is not None:
                taken.take(rect.adjusted(-2, -1, 2, 1))
        placed.append((baseline, text))
        if named is not None and points[group] >= 0:
            named[points[group]] = True
    return placed


_WIDTHS: dict[tuple[str, str], float] = {}
_WIDTHS_LOCK = threading.Lock()
MAX_CACHED_WIDTHS = 200_000


def _text_width(font_key: str, metrics: QFontMetricsF, text: str) -> float:
    """The text's advance in the label font, remembered (the same names come back frame after frame)."""
    key = (font_key, text)
    width = _WIDTHS.get(key)
    if width is None:
        width = metrics.horizontalAdvance(text)
        with _WIDTHS_LOCK:
            if len(_WIDTHS) >= MAX_CACHED_WIDTHS:
                _WIDTHS.clear()
            _WIDTHS[key] = width
    return width


# -- highlights --------------------------------------------------------------------------


def draw_highlight(painter: QPainter, settings: MapSettings, catalog: Catalog, feature_id: str, selected: bool) -> None:
    """Draw a feature emphasised over the map: yellow when selected, a light glow when hovered.

    The canvas calls this on its own overlay, so hovering never waits for a new frame.
    """
    feature = catalog.find_feature(feature_id)
    if feature is None:
        return
    layer = catalog.layer(feature.layer_id)
    style = layer.style
    glow = QColor(symbols.SELECTION_COLOR) if selected else QColor(symbols.HOVER_COLOR)
    shape = shapely.transform(unwrap_geometry(feature.geometry), project_xy)
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    sized = _sized_style(layer, feature)
    if feature.kind is GeometryKind.POINT:
        style = sized or style
        for x, y in settings.xy_to_pixels(shapely.get_coordinates(shape)).tolist():  # every part of a multipoint
            _highlight_marker(painter, x, y, style, glow, selected)
    else:
        b = shapely.bounds(shape)
        if feature.kind is GeometryKind.POLYGON and max(b[2] - b[0], b[3] - b[1]) / settings.resolution < TINY_POLYGON_PX:
            x, y = settings.xy_to_pixels(np.array([[(b[0] + b[2]) / 2, (b[1] + b[3]) / 2]]))[0].tolist()
            small = sized or Style(color=style.color, fill=style.fill_color, marker=Marker.SQUARE, size=TINY_POLYGON_PX + 2)
            _highlight_marker(painter, x, y, small, glow, selected)
        else:
            _highlight_shape(painter, settings, feature, shape, style, glow, selected)
    painter.restore()


def _sized_style(layer: Layer, feature: Feature) -> Style | None:
    """The style of the feature's symbol when its layer sizes symbols by a figure it has."""
    size_by = layer.style.size_by
    if size_by is None:
        return None
    sizes = layer_sizes(layer)
    figure = sizing.figure_of(feature, size_by)
    if sizes is None or figure is None:
        return None
    return sizing.plain_style(layer.style, sizing.diameter(figure.value, sizes.top, size_by))


def _highlight_marker(painter: QPainter, x: float, y: float, style: Style, glow: QColor, selected: bool) -> None:
    radius = style.size * 0.75 + (5 if selected else 3)
    painter.setPen(QPen(QColor(0, 0, 0, 110), 5.0 if selected else 3.5))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawEllipse(QPointF(x, y), radius, radius)
    painter.setPen(QPen(glow, 3.0 if selected else 2.0))
    painter.drawEllipse(QPointF(x, y), radius, radius)
    symbols.draw_marker(painter, x, y, style, scale=1.25 if selected else 1.1)


def _highlight_shape(
    painter: QPainter, settings: MapSettings, feature: Feature, shape, style: Style, glow: QColor, selected: bool
) -> None:
    parts = shapely.get_parts(shape)
    lines = shapely.get_rings(parts) if feature.kind is GeometryKind.POLYGON else parts
    polylines = [polygonf(settings.xy_to_pixels(shapely.get_coordinates(line))) for line in lines]
    halo = symbols.line_pen(style, extra_width=6 if selected else 4, color=glow)
    if feature.kind is GeometryKind.POLYGON:
        path = QPainterPath()
        for poly in polylines:
            path.addPolygon(poly)
            path.closeSubpath()
        painter.setPen(halo)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(path)
        painter.setPen(symbols.polygon_pen(style))
        painter.setBrush(symbols.polygon_brush(style))
        painter.drawPath(path)
        return
    painter.setBrush(Qt.BrushStyle.NoBrush)
    for pen in (halo, symbols.line_pen(style)):
        painter.setPen(pen)
        for poly in polylines:
            painter.drawPolyline(poly)
