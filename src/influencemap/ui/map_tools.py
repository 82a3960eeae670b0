"""Map tools: what the mouse does on the canvas, kept out of the canvas itself (as in QGIS).

The canvas forwards its mouse events to its current tool; the default tool pans with a drag,
selects with a click, zooms to a Shift+drag rubber band and zooms in on a double-click.

A tool drives the canvas through :class:`ToolCanvas`, the few things it may ask of it, and the
canvas holds any :class:`MapTool`: this module knows nothing of ``map_canvas``, so the canvas can
import its default tool without an import cycle (the import contract checks it).
"""

from __future__ import annotations

import enum
from typing import Protocol, runtime_checkable

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QMouseEvent

DRAG_THRESHOLD_PX = 4
"""A press that moves less than this before release is a click, not a drag."""

MIN_RUBBER_BAND_PX = 6


@runtime_checkable
class ToolCanvas(Protocol):
    """What a map tool may ask of the canvas it drives (``ui.map_canvas.MapCanvas`` is one)."""

    def hover_at(self, position: QPointF | None) -> None:
        """Show what is under ``position`` (None: under nothing, e.g. while panning)."""

    def select_at(self, position: QPointF) -> None:
        """Select what is under ``position`` (a click)."""

    def pan_by(self, dx: float, dy: float) -> None:
        """Move the map by this many pixels."""

    def zoom_by(self, factor: float, anchor: QPointF | None = None) -> None:
        """Zoom in (``factor`` > 1) or out, keeping ``anchor`` where it is on screen."""

    def zoom_to_pixel_rect(self, rect: QRectF) -> None:
        """Zoom to show what is inside this rectangle of the canvas."""

    def set_rubber_band(self, rect: QRectF | None) -> None:
        """Draw the zoom box being dragged (None: none)."""

    def setCursor(self, cursor: Qt.CursorShape) -> None:  # noqa: N802 (QWidget's name)
        """The mouse cursor over the canvas."""


@runtime_checkable
class MapTool(Protocol):
    """What the canvas forwards to its current tool: the mouse, and Escape or the mouse leaving."""

    def press(self, event: QMouseEvent) -> None: ...

    def move(self, event: QMouseEvent) -> None: ...

    def release(self, event: QMouseEvent) -> None: ...

    def double_click(self, event: QMouseEvent) -> None: ...

    def cancel(self) -> None: ...


class _Gesture(enum.Enum):
    NONE = "none"
    CLICK = "click"
    PAN = "pan"
    RUBBER_BAND = "rubber-band"


class PanIdentifyTool:
    """Drag to pan, click to select, Shift+drag to zoom to a box, double-click to zoom in."""

    def __init__(self, canvas: ToolCanvas) -> None:
        self.canvas = canvas
        self._gesture = _Gesture.NONE
        self._pressed_at = QPointF()
        self._last = QPointF()

    def press(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        self._pressed_at = event.position()
        self._last = event.position()
        shift = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        self._gesture = _Gesture.RUBBER_BAND if shift else _Gesture.CLICK

    def move(self, event: QMouseEvent) -> None:
        position = event.position()
        if self._gesture is _Gesture.NONE:
            self.canvas.hover_at(position)
            return
        if self._gesture is _Gesture.RUBBER_BAND:
            self.canvas.set_rubber_band(QRectF(self._pressed_at, position).normalized())
            return
        moved = position - self._pressed_at
        if self._gesture is _Gesture.CLICK and moved.manhattanLength() >= DRAG_THRESHOLD_PX:
            self._gesture = _Gesture.PAN
            self.canvas.setCursor(Qt.CursorShape.ClosedHandCursor)
            self.canvas.hover_at(None)
        if self._gesture is _Gesture.PAN:
            delta = position - self._last
            self.canvas.pan_by(delta.x(), delta.y())
        self._last = position

    def release(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        gesture, self._gesture = self._gesture, _Gesture.NONE
        if gesture is _Gesture.CLICK:
            self.canvas.select_at(event.position())
        elif gesture is _Gesture.RUBBER_BAND:
            band = QRectF(self._pressed_at, event.position()).normalized()
            self.canvas.set_rubber_band(None)
            if band.width() >= MIN_RUBBER_BAND_PX and band.height() >= MIN_RUBBER_BAND_PX:
                self.canvas.zoom_to_pixel_rect(band)
        self.canvas.hover_at(event.position())

    def double_click(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.canvas.zoom_by(2.0, event.position())

    def cancel(self) -> None:
        """Forget a gesture in progress (Escape, or the mouse left the window)."""
        if self._gesture is _Gesture.RUBBER_BAND:
            self.canvas.set_rubber_band(None)
        self._gesture = _Gesture.NONE
