"""The map tool that draws a new line or polygon, one click per vertex (as QGIS's add-feature tool).

Click adds a vertex, a drag still pans, Backspace removes the last vertex, Enter or a
double-click finishes, Escape cancels. The shape in progress is drawn by a transparent overlay
on the canvas, so the canvas and its renderer know nothing about sketching.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from PySide6.QtCore import QEvent, QObject, QPointF, Qt
from PySide6.QtGui import QColor, QKeyEvent, QMouseEvent, QPainter, QPainterPath, QPen, QPolygonF
from PySide6.QtWidgets import QWidget

from influencemap.model.types import GeometryKind
from influencemap.ui.map_tools import DRAG_THRESHOLD_PX

if TYPE_CHECKING:
    from influencemap.ui.map_canvas import MapCanvas

SKETCH_COLOR = QColor("#d01c8b")
HINT = "Click to add points · Enter or double-click finishes · Backspace removes the last point · Esc cancels"

LonLat = tuple[float, float]
_SKETCH_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Escape, Qt.Key.Key_Backspace, Qt.Key.Key_Delete)


def minimum_vertices(kind: GeometryKind) -> int:
    return 3 if kind is GeometryKind.POLYGON else 2


class _SketchOverlay(QWidget):
    """Draws the vertices so far and the segment to the mouse."""

    def __init__(self, tool: "SketchTool") -> None:
        super().__init__(tool.canvas)
        self._tool = tool
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground)
        self.setGeometry(tool.canvas.rect())

    def paintEvent(self, event) -> None:
        canvas = self._tool.canvas
        points = [QPointF(canvas.screen_point(lon, lat)) for lon, lat in self._tool.vertices]
        if self._tool.cursor is not None:
            points.append(self._tool.cursor)
        if not points:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        pen = QPen(SKETCH_COLOR, 2.0)
        painter.setPen(pen)
        if self._tool.kind is GeometryKind.POLYGON and len(points) >= 3:
            fill = QColor(SKETCH_COLOR)
            fill.setAlpha(50)
            path = QPainterPath()
            path.addPolygon(QPolygonF(points))
            path.closeSubpath()
            painter.fillPath(path, fill)
            painter.drawPolygon(QPolygonF(points))
        else:
            painter.drawPolyline(QPolygonF(points))
        painter.setBrush(QColor("white"))
        for point in points[: len(self._tool.vertices)]:
            painter.drawEllipse(point, 4.0, 4.0)
        painter.end()


class SketchTool(QObject):
    """Collects the vertices of a line or polygon; calls ``on_finish(vertices)`` or ``on_cancel()``."""

    def __init__(
        self,
        canvas: MapCanvas,
        kind: GeometryKind,
        on_finish: Callable[[list[LonLat]], None],
        on_cancel: Callable[[], None],
        first: LonLat | None = None,
    ) -> None:
        super().__init__(canvas)
        self.canvas = canvas
        self.kind = kind
        self.vertices: list[LonLat] = [first] if first is not None else []
        self.cursor: QPointF | None = None
        self._on_finish = on_finish
        self._on_cancel = on_cancel
        self._pressed_at: QPointF | None = None
        self._last = QPointF()
        self._panning = False
        self._done = False
        self._overlay = _SketchOverlay(self)
        self._overlay.show()
        canvas.installEventFilter(self)
        canvas.viewChanged.connect(self._overlay.update)
        canvas.setCursor(Qt.CursorShape.CrossCursor)

    # -- the map tool interface (called by the canvas) -----------------------------------

    def press(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._pressed_at = event.position()
            self._last = event.position()
            self._panning = False

    def move(self, event: QMouseEvent) -> None:
        position = event.position()
        if self._pressed_at is not None:
            if not self._panning and (position - self._pressed_at).manhattanLength() >= DRAG_THRESHOLD_PX:
                self._panning = True
            if self._panning:
                delta = position - self._last
                self.canvas.pan_by(delta.x(), delta.y())
                self._last = position
        self.cursor = position
        self._overlay.update()

    def release(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton or self._pressed_at is None:
            return
        pressed, self._pressed_at = self._pressed_at, None
        if not self._panning:
            self.add_vertex(self.canvas.geo_point(pressed))
        self._panning = False
        self.canvas.setCursor(Qt.CursorShape.CrossCursor)

    def double_click(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._pressed_at = None  # the double-click's own release adds no vertex
            self.finish()

    def cancel(self) -> None:
        """Escape (the canvas calls this too): stop drawing, nothing is kept."""
        if self._done:
            return
        self._stop()
        self._on_cancel()

    # -- editing the sketch --------------------------------------------------------------

    def add_vertex(self, lonlat: LonLat) -> None:
        lon, lat = lonlat
        vertex = (round(lon, 5), round(lat, 5))
        if not self.vertices or self.vertices[-1] != vertex:
            self.vertices.append(vertex)
        self._overlay.update()

    def remove_last_vertex(self) -> None:
        if self.vertices:
            self.vertices.pop()
            self._overlay.update()

    @property
    def can_finish(self) -> bool:
        return len(self.vertices) >= minimum_vertices(self.kind)

    def finish(self) -> bool:
        """Hand the vertices over; False (and keep drawing) while there are too few."""
        if self._done or not self.can_finish:
            return False
        self._stop()
        self._on_finish(list(self.vertices))
        return True

    def _stop(self) -> None:
        self._done = True
        self.canvas.removeEventFilter(self)
        self.canvas.viewChanged.disconnect(self._overlay.update)
        self._overlay.hide()
        self._overlay.deleteLater()
        self.canvas.setCursor(Qt.CursorShape.OpenHandCursor)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            self._overlay.setGeometry(self.canvas.rect())
        elif event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent):
            # Esc is also the window's "Clear Selection" shortcut: while drawing, it is ours.
            if event.key() in _SKETCH_KEYS:
                event.accept()
                return True
        elif event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            key = event.key()
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.finish()
                return True
            if key == Qt.Key.Key_Escape:
                self.cancel()
                return True
            if key in (Qt.Key.Key_Backspace, Qt.Key.Key_Delete):
                self.remove_last_vertex()
                return True
        return False
