"""What is drawn over the map rather than on it: scale bar, legend and credit note.

The canvas shows the scale bar; an exported image also gets the legend and the credit, since
it travels without the app's panels.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPen

from influencemap.model.types import GeometryKind, Style
from influencemap.render.map_settings import MapSettings
from influencemap.render.symbols import draw_size_key, legend_symbol, size_key_extent

INK = QColor("#333333")
PANEL = QColor(255, 255, 255, 225)
PANEL_EDGE = QColor(0, 0, 0, 60)
MARGIN = 10.0


@dataclass(frozen=True)
class LegendEntry:
    name: str
    style: Style
    kinds: frozenset[GeometryKind]
    sizes: tuple[tuple[float, float, str], ...] = ()
    """For a layer sized by a figure, its reference sizes (value, diameter, text), drawn under
    its row as a size key."""


def nice_length(max_metres: float) -> float:
    """The longest 1, 2 or 5 × 10ⁿ metres not above ``max_metres``."""
    if max_metres <= 0:
        return 0.0
    power = 10 ** math.floor(math.log10(max_metres))
    for step in (5, 2, 1):
        if step * power <= max_metres:
            return step * power
    return power


def format_distance(metres: float) -> str:
    if metres >= 1000:
        km = metres / 1000
        return f"{km:,.0f} km" if km >= 1 and km.is_integer() else f"{km:g} km"
    return f"{metres:g} m"


def small_font(point_size: float = 8.0, bold: bool = False) -> QFont:
    font = QFont()
    font.setPointSizeF(point_size)
    font.setBold(bold)
    return font


def draw_scale_bar(painter: QPainter, settings: MapSettings, max_width: float = 120.0) -> None:
    """A scale bar true at the view's centre latitude (mercator's scale changes with latitude)."""
    _, center_lat = settings.pixels_to_lonlat(settings.width / 2, settings.height / 2)
    metres_per_pixel = settings.ground_resolution(float(center_lat))
    if metres_per_pixel <= 0:
        return
    length = nice_length(max_width * metres_per_pixel)
    if length <= 0:
        return
    pixels = length / metres_per_pixel
    font = small_font(8)
    metrics = QFontMetricsF(font)
    label = format_distance(length)
    left = MARGIN
    bottom = settings.height - MARGIN
    box = QRectF(left - 4, bottom - 22, max(pixels, metrics.horizontalAdvance(label)) + 8, 26)
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(255, 255, 255, 170))
    painter.drawRoundedRect(box, 3, 3)
    pen = QPen(INK, 1.5)
    pen.setCapStyle(Qt.PenCapStyle.FlatCap)
    painter.setPen(pen)
    y = bottom - 2
    painter.drawLine(QPointF(left, y), QPointF(left + pixels, y))
    painter.drawLine(QPointF(left, y), QPointF(left, y - 6))
    painter.drawLine(QPointF(left + pixels, y), QPointF(left + pixels, y - 6))
    painter.setFont(font)
    painter.drawText(QPointF(left + 2, y - 7), label)
    painter.restore()


def _legend_metrics(metrics: QFontMetricsF, entries: list[LegendEntry]) -> tuple[float, float, float]:
    row = max(18.0, metrics.height() + 4)
    max_text = min(260.0, max(metrics.horizontalAdvance(e.name) for e in entries))
    return row, 16.0, max_text


def legend_rect(settings: MapSettings, entries: list[LegendEntry]) -> QRectF:
    """Where the legend goes (top right), so labels can keep out of it."""
    if not entries:
        return QRectF()
    metrics = QFontMetricsF(small_font(8.5))
    row, symbol, max_text = _legend_metrics(metrics, entries)
    keys = [size_key_extent(e.sizes, metrics) for e in entries]
    width = max([max_text + symbol + 26] + [w + 26 for w, _ in keys])
    height = 26 + row * len(entries) + sum(h + 4 for _, h in keys if h) + 6
    return QRectF(settings.width - MARGIN - width, MARGIN, width, height)


def scale_bar_rect(settings: MapSettings, max_width: float = 120.0) -> QRectF:
    """The corner the scale bar may take (bottom left)."""
    return QRectF(MARGIN - 4, settings.height - MARGIN - 22, max_width + 8, 26)


def credit_rect(settings: MapSettings, text: str) -> QRectF:
    metrics = QFontMetricsF(small_font(7.5))
    width = metrics.horizontalAdvance(text) + 10
    height = metrics.height() + 4
    return QRectF(settings.width - width - 4, settings.height - height - 4, width, height)


def draw_legend(painter: QPainter, settings: MapSettings, entries: list[LegendEntry], title: str = "Layers") -> None:
    """A legend box in the top-right corner: one row per drawn layer, symbol and name."""
    if not entries:
        return
    font = small_font(8.5)
    title_font = small_font(9, bold=True)
    metrics = QFontMetricsF(font)
    row, symbol, max_text = _legend_metrics(metrics, entries)
    rect = legend_rect(settings, entries)
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(PANEL_EDGE, 1))
    painter.setBrush(PANEL)
    painter.drawRoundedRect(rect, 4, 4)
    painter.setPen(INK)
    painter.setFont(title_font)
    painter.drawText(QPointF(rect.left() + 8, rect.top() + 17), title)
    painter.setFont(font)
    top = rect.top() + 24 - row
    for i, entry in enumerate(entries):
        top += row
        legend_symbol(painter, QRectF(rect.left() + 8, top + (row - symbol) / 2, symbol, symbol), entry.style, entry.kinds)
        painter.setPen(INK)
        text = metrics.elidedText(entry.name, Qt.TextElideMode.ElideRight, max_text)
        painter.drawText(QPointF(rect.left() + 14 + symbol, top + row / 2 + metrics.ascent() / 2 - 1), text)
        if entry.sizes:
            draw_size_key(painter, rect.left() + 14, top + row, entry.style, entry.sizes, metrics, INK)
            top += size_key_extent(entry.sizes, metrics)[1] + 4
    painter.restore()


def credit_text(source_count: int) -> str:
    documents = f"{source_count} document{'s' if source_count != 1 else ''}"
    return f"Data: Natural Earth; sources: {documents} — see layers"


def draw_credit(painter: QPainter, settings: MapSettings, text: str) -> None:
    """The small credit line in the bottom-right corner."""
    font = small_font(7.5)
    rect = credit_rect(settings, text)
    painter.save()
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(255, 255, 255, 190))
    painter.drawRect(rect)
    painter.setPen(INK)
    painter.setFont(font)
    painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
    painter.restore()
