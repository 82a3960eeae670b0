"""A layer's style turned into Qt pens, brushes and marker shapes, the same for every target.

The layers panel's legend icons, the canvas, the PNG and the SVG all come through here, so a
layer looks the same everywhere. Markers for raster targets are pre-drawn sprites (one
``drawImage`` per point is several times faster than filling a path per point); vector targets
get real paths.
"""

from __future__ import annotations

import math
import threading
from dataclasses import replace
from functools import lru_cache

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QImage, QPainter, QPainterPath, QPen, QPolygonF

from influencemap.model.types import GeometryKind, Marker, Style

MARKER_OUTLINE = QColor(255, 255, 255, 235)
"""Markers whose style has no separate fill get a light rim, so they stand out on any land."""

MARKER_FILL_ALPHA = 0.92
SELECTION_COLOR = QColor("#ffcc00")
HOVER_COLOR = QColor(255, 255, 255, 200)


def qcolor(hex_color: str, alpha: float | None = None) -> QColor:
    """A style colour (``#rgb``, ``#rrggbb`` or ``#rrggbbaa``) as a QColor."""
    text = hex_color.strip()
    if len(text) == 9:  # CSS order #rrggbbaa; Qt reads 8 digits as #aarrggbb
        color = QColor(text[:7])
        color.setAlpha(int(text[7:], 16))
    else:
        color = QColor(text)
    if not color.isValid():
        color = QColor("#d7301f")
    if alpha is not None:
        color.setAlphaF(max(0.0, min(1.0, alpha)) * color.alphaF())
    return color


@lru_cache(maxsize=64)
def _marker_path_cached(marker: Marker, size: float) -> QPainterPath:
    r = size / 2
    path = QPainterPath()
    if marker is Marker.SQUARE:
        side = size * 0.9
        path.addRect(QRectF(-side / 2, -side / 2, side, side))
    elif marker is Marker.TRIANGLE:
        radius = r * 1.2
        path.addPolygon(_regular(3, radius, -math.pi / 2))
        path.closeSubpath()
    elif marker is Marker.DIAMOND:
        radius = r * 1.15
        path.addPolygon(_regular(4, radius, -math.pi / 2))
        path.closeSubpath()
    elif marker is Marker.STAR:
        outer = r * 1.3
        path.addPolygon(_star(outer, outer * 0.45))
        path.closeSubpath()
    else:
        path.addEllipse(QPointF(0, 0), r, r)
    return path


def marker_path(marker: Marker, size: float) -> QPainterPath:
    """The marker's outline centred on (0, 0), about ``size`` pixels across."""
    # QPainterPath is implicitly shared: hand out a copy so callers may translate it freely.
    return QPainterPath(_marker_path_cached(marker, round(float(size), 2)))


def _regular(sides: int, radius: float, start: float) -> QPolygonF:
    return QPolygonF(
        [QPointF(radius * math.cos(start + 2 * math.pi * i / sides), radius * math.sin(start + 2 * math.pi * i / sides))
         for i in range(sides)]
    )


def _star(outer: float, inner: float) -> QPolygonF:
    points = []
    for i in range(10):
        radius = outer if i % 2 == 0 else inner
        angle = -math.pi / 2 + math.pi * i / 5
        points.append(QPointF(radius * math.cos(angle), radius * math.sin(angle)))
    return QPolygonF(points)


def marker_pen(style: Style) -> QPen:
    color = qcolor(style.color) if style.fill else MARKER_OUTLINE
    pen = QPen(color, 1.2)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    return pen


def marker_brush(style: Style) -> QBrush:
    return QBrush(qcolor(style.fill_color, MARKER_FILL_ALPHA))


def line_pen(style: Style, extra_width: float = 0.0, color: QColor | None = None) -> QPen:
    """The pen for a line or a polygon outline; ``dash`` lengths are in pixels."""
    width = max(style.width, 0.0) + extra_width
    pen = QPen(color if color is not None else qcolor(style.color), max(width, 1.0))
    pen.setCapStyle(Qt.PenCapStyle.RoundCap if not style.dash else Qt.PenCapStyle.FlatCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    if style.dash and extra_width == 0:
        # Qt measures dashes in pen widths; the format measures them in pixels.
        unit = max(width, 1.0)
        pattern = [max(d / unit, 0.01) for d in style.dash]
        if len(pattern) % 2:
            pattern = pattern * 2
        pen.setDashPattern(pattern)
    return pen


def polygon_brush(style: Style) -> QBrush:
    return QBrush(qcolor(style.fill_color, style.opacity))


def polygon_pen(style: Style) -> QPen:
    pen = line_pen(style)
    pen.setCapStyle(Qt.PenCapStyle.FlatCap)
    return pen


def draw_marker(painter: QPainter, x: float, y: float, style: Style, scale: float = 1.0) -> None:
    """One marker as a vector path (SVG, highlights, legend)."""
    path = marker_path(style.marker, style.size * scale)
    path.translate(x, y)
    painter.setPen(marker_pen(style))
    painter.setBrush(marker_brush(style))
    painter.drawPath(path)


_SPRITES: dict[tuple[Style, float], tuple[QImage, float]] = {}
_SPRITES_LOCK = threading.Lock()


def marker_sprite(style: Style, device_pixel_ratio: float = 1.0) -> tuple[QImage, float]:
    """The marker pre-drawn into a small image, and the offset from its corner to its centre.

    The image carries the device pixel ratio, so it stays crisp on high-DPI screens.
    """
    key = (style, float(device_pixel_ratio))
    with _SPRITES_LOCK:
        cached = _SPRITES.get(key)
    if cached is not None:
        return cached
    half = math.ceil(style.size * 0.7 + 2)
    side = 2 * half
    dpr = float(device_pixel_ratio)
    image = QImage(math.ceil(side * dpr), math.ceil(side * dpr), QImage.Format.Format_ARGB32_Premultiplied)
    image.setDevicePixelRatio(dpr)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    draw_marker(painter, half, half, style)
    painter.end()
    with _SPRITES_LOCK:
        _SPRITES[key] = (image, float(half))
    return image, float(half)


def legend_symbol(
    painter: QPainter, rect: QRectF, style: Style, kinds: frozenset[GeometryKind] | set[GeometryKind]
) -> None:
    """A legend swatch for a layer: its polygon fill, its line and its marker, as it has them."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    inset = rect.adjusted(2, 2, -2, -2)
    if GeometryKind.POLYGON in kinds or not kinds:
        painter.setPen(polygon_pen(replace(style, width=min(style.width, 1.5))))
        painter.setBrush(polygon_brush(style))
        painter.drawRect(inset)
    if GeometryKind.LINE in kinds:
        limited = replace(style, width=min(max(style.width, 1.0), 3.0))
        painter.setPen(line_pen(limited))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        mid = inset.center().y()
        painter.drawLine(QPointF(inset.left(), mid + inset.height() / 4), QPointF(inset.right(), mid - inset.height() / 4))
    if GeometryKind.POINT in kinds:
        size = min(style.size, min(rect.width(), rect.height()) * 0.75)
        limited = replace(style, size=size)
        draw_marker(painter, rect.center().x(), rect.center().y(), limited)
    painter.restore()


def size_key_extent(references, metrics) -> tuple[float, float]:
    """Width and height of :func:`draw_size_key` for ``references`` ((value, diameter, text),
    largest first) with labels in ``metrics``' font."""
    if not references:
        return 0.0, 0.0
    biggest = max(d for _, d, _ in references)
    text = max(metrics.horizontalAdvance(t) for _, _, t in references)
    return biggest + 10 + text, max(biggest + 4, len(references) * metrics.height() + 4)


def draw_size_key(painter: QPainter, left: float, top: float, style: Style, references, metrics, ink: QColor) -> None:
    """The size legend of a layer sized by a figure: its reference symbols nested on one
    baseline (the way readers know from printed maps), each labelled with its value and unit
    at its top, with a thin leader line. The same sizes as on the map (see model.sizing)."""
    if not references:
        return
    width, height = size_key_extent(references, metrics)
    biggest = max(d for _, d, _ in references)
    base = top + height - 2
    cx = left + biggest / 2
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    for _, d, _ in references:  # largest first: the smaller ones sit on top of it
        draw_marker(painter, cx, base - d / 2, replace(style, size=d, size_by=None))
    text_x = left + biggest + 8
    y_text = top - 1e9
    line = metrics.height()
    for _, d, text in references:
        tip = base - d
        y_text = max(tip + metrics.ascent() / 2 - 1, y_text + line, top + metrics.ascent())
        painter.setPen(QPen(ink, 0.6))
        painter.drawLine(QPointF(cx, tip), QPointF(text_x - 2, y_text - metrics.ascent() / 2 + 1))
        painter.drawText(QPointF(text_x, y_text), text)
    painter.restore()
