"""The map canvas: shows frames drawn off the UI thread and handles navigation.

The view is a :class:`MapSettings`. Whenever it, the layers or the filter change, a new frame
is requested from the :class:`FrameRenderer`; until it arrives the last frame is drawn moved and
scaled to the new view, so panning and zooming stay smooth on big layers. Hover and selection
highlights, the rubber band and the scale bar are drawn over the frame on the UI thread with
the renderer's own functions, so they follow the mouse without a new frame.
"""

from __future__ import annotations

import dataclasses
import html
import math

from PySide6.QtCore import QPoint, QPointF, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QToolTip, QWidget

from influencemap.model.geometry_parts import short_bounds
from influencemap.model.identify import Hit, WhatsHere, features_here_top, identify, identify_top, index_pending, whats_here
from influencemap.model.types import GeometryKind
from influencemap.render.basemap_layer import SEA
from influencemap.render.decorations import draw_scale_bar
from influencemap.geo.mercator import EARTH_RADIUS, Bounds, mercator_bounds
from influencemap.render.map_settings import MapSettings
from influencemap.render.renderer import draw_highlight
from influencemap.render.stacks import MarkerHit
from influencemap.ui.frame_renderer import Frame, FrameRenderer
from influencemap.ui.map_state import MapState
from influencemap.ui.map_tools import MapTool, PanIdentifyTool

DEFAULT_BBOX: Bounds = (20.0, 35.0, 90.0, 60.0)
"""Europe to Central Asia: the view before anything is loaded."""

ZOOM_STEP = 1.5
"""Zoom factor of one wheel notch or one +/- key press."""

CLICK_TOLERANCE_PX = 6
LIST_TOLERANCE_PX = 8
"""What a click lists reaches a little further than what it picks: a stack marker (points
closer than a marker's size, drawn as one) is that big, and every point in it must be listed."""
HOVER_GROUPS_UP_TO = 500
"""Up to this many features under the cursor the tooltip groups them as a click's list does
(the clicked marker's count first); over more it counts them all, cheaply."""
TOOLTIP_NAMES = 5
"""The hover tooltip names this many of the features a click would list."""
HOVER_WAITS_UP_TO = 50_000
"""A hover waits for the hit-test index of a catalog up to this many features while the worker
builds it (milliseconds); over a bigger one it passes (a million points take half a second)."""
KEY_PAN_FRACTION = 0.2
FIT_MARGIN = 0.06
MIN_FIT_SPAN_DEG = 6.0
"""Zooming to a point shows at least this many degrees (of longitude) around it."""
MIN_SHAPE_SPAN_DEG = 0.1
"""Zooming to a tiny line or polygon shows at least this much."""

RENDER_DELAY_MS = 30
"""Coalesce bursts of changes (a drag, several layers toggled) into one new frame."""


class MapCanvas(QWidget):
    cursorMoved = Signal(float, float)
    """The lon/lat under the mouse."""
    cursorLeft = Signal()
    viewChanged = Signal()
    frameRendered = Signal()
    stackClicked = Signal(object, QPoint)
    """A click landed on several features: what is there (a :class:`WhatsHere`) and the global position."""
    plainClicked = Signal()
    """A click landed on one feature (now selected) or on none."""
    basemapProblem = Signal(str)
    """A note on tiles that could not be had (for the status bar); the offline basemap shows."""

    def __init__(self, state: MapState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mapCanvas")
        self.setAccessibleName("Map")
        self.setAccessibleDescription("The map. Drag to pan, wheel to zoom, click a feature to show its sources.")
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setMinimumSize(240, 180)
        self.setCursor(Qt.CursorShape.OpenHandCursor)
        self._state = state
        self._view = MapSettings.fit_lonlat(DEFAULT_BBOX, (max(self.width(), 1), max(self.height(), 1)))
        # The mercator box the view was last fitted to; kept (and refitted on resize) until the
        # user moves the map, so a window shown after it was fitted still shows that box.
        self._fit: tuple[Bounds, float] | None = (mercator_bounds(DEFAULT_BBOX), 0.0)
        self._frame: Frame | None = None
        self._rubber_band: QRectF | None = None
        self._tool: MapTool = PanIdentifyTool(self)
        self._hover_total = 0
        self._renderer = FrameRenderer(self)
        self._renderer.frameReady.connect(self._on_frame_ready)
        self._tiles = None  # a render.tiles.TileSource when a tile basemap is chosen
        self._tile_timer = QTimer(self)  # tiles arrive one by one: one frame for a burst
        self._tile_timer.setSingleShot(True)
        self._tile_timer.setInterval(120)
        self._tile_timer.timeout.connect(self.request_render)
        self._render_timer = QTimer(self)
        self._render_timer.setSingleShot(True)
        self._render_timer.setInterval(RENDER_DELAY_MS)
        self._render_timer.timeout.connect(self._start_render)
        state.shownChanged.connect(self.request_render)
        state.basemapChanged.connect(self._on_basemap_changed)
        state.selectionChanged.connect(self._on_highlight_changed)
        state.hoverChanged.connect(self._on_highlight_changed)
        if state.basemap.tiled:  # a store that already draws on tiles (a second view of it)
            self._on_basemap_changed(state.basemap)
        self.request_render()

    def sizeHint(self) -> QSize:
        return QSize(900, 650)

    # -- the automation contract ---------------------------------------------------------

    def screen_point(self, lon: float, lat: float) -> QPoint:
        """The widget pixel showing (lon, lat)."""
        px, py = self._view.lonlat_to_pixels(lon, lat)
        return QPoint(round(float(px)), round(float(py)))

    def geo_point(self, point: QPoint | QPointF) -> tuple[float, float]:
        """The (lon, lat) shown at a widget pixel."""
        lon, lat = self._view.pixels_to_lonlat(point.x(), point.y())
        return float(lon), float(lat)

    def set_extent(self, minlon: float, minlat: float, maxlon: float, maxlat: float) -> None:
        """Show this lon/lat box whole and centred (it stays fitted when the canvas resizes)."""
        self._fit_to((minlon, minlat, maxlon, maxlat), 0.0)

    # -- the view ------------------------------------------------------------------------

    @property
    def view(self) -> MapSettings:
        """The current view (centre, resolution, size); layers are added per frame."""
        return self._view

    def view_bounds(self) -> Bounds:
        """The lon/lat box the canvas shows now."""
        return self._view.lonlat_bounds

    def frame_settings(self, **changes) -> MapSettings:
        """A full snapshot of what the canvas shows: view, visible layers in order, filter."""
        settings = self._view.replace(
            layer_ids=tuple(self._state.visible_layer_ids),
            feature_filter=self._state.feature_filter,
            show_scale_bar=False,
            device_pixel_ratio=self.devicePixelRatioF(),
            tiles=self._tiles,
        )
        return settings.replace(**changes) if changes else settings

    def export_settings(self) -> MapSettings:
        """The current view as an image export draws it: with legend, credit and scale bar."""
        return self.frame_settings(show_scale_bar=True, show_legend=True, device_pixel_ratio=1.0)

    def _set_view(self, view: MapSettings, keep_fit: bool = False) -> None:
        if not keep_fit:
            self._fit = None
        if view == self._view:
            return
        self._view = view
        self.viewChanged.emit()
        self.request_render()
        self.update()

    def _fit_to(self, bbox: Bounds, margin: float) -> None:
        """Fit a lon/lat box."""
        self._fit_mercator(mercator_bounds(bbox), margin)

    def _fit_mercator(self, extent: Bounds, margin: float) -> None:
        self._fit = (extent, margin)
        self._set_view(MapSettings.fit_mercator(extent, self._size(), margin), keep_fit=True)

    def _size(self) -> tuple[int, int]:
        return max(1, self.width()), max(1, self.height())

    def zoom_by(self, factor: float, anchor: QPointF | None = None) -> None:
        """Zoom in by ``factor`` (below 1 zooms out) keeping the point under ``anchor`` still."""
        if anchor is None:
            anchor = QPointF(self.width() / 2, self.height() / 2)
        self._set_view(self._view.zoomed(factor, (anchor.x(), anchor.y())))

    def zoom_in(self) -> None:
        self.zoom_by(ZOOM_STEP)

    def zoom_out(self) -> None:
        self.zoom_by(1 / ZOOM_STEP)

    def pan_by(self, dx: float, dy: float) -> None:
        """Move the map by (dx, dy) pixels, as a drag does."""
        self._set_view(self._view.panned(dx, dy))

    def zoom_to_pixel_rect(self, rect: QRectF) -> None:
        (minlon, maxlat), (maxlon, minlat) = self.geo_point(rect.topLeft()), self.geo_point(rect.bottomRight())
        self._set_view(MapSettings.fit_lonlat((minlon, minlat, maxlon, maxlat), self._size()))

    def zoom_to_bbox(self, bbox: Bounds | None, margin: float = FIT_MARGIN) -> None:
        """Fit a lon/lat box with some room around it; a point gets a small area around it."""
        if bbox is not None:
            self._fit_mercator(_padded(bbox), margin)

    def zoom_all(self) -> None:
        """Show every feature (Ctrl+0); with none loaded, Europe to Central Asia."""
        bounds = self._state.catalog.bounds
        self.zoom_to_bbox(bounds if bounds is not None else DEFAULT_BBOX)

    def zoom_to_evidence(self) -> None:
        """Show where the evidence is: the central mass of the features, not their outliers
        (the app's first view); with none loaded, Europe to Central Asia."""
        from influencemap.model.extent import robust_bounds

        bounds = robust_bounds(self._state.catalog)
        self.zoom_to_bbox(bounds if bounds is not None else DEFAULT_BBOX)

    def zoom_to_layer(self, layer_id: str) -> None:
        """Where the layer's evidence is (its robust extent: a far outlier does not zoom out)."""
        from influencemap.model.extent import robust_layer_bounds

        self.zoom_to_bbox(robust_layer_bounds(self._state.catalog.layer(layer_id)))

    def zoom_to_feature(self, feature_id: str) -> None:
        """Bring the feature into view: centred, and close enough to tell it from its neighbours.

        When the view is already closer than that and the feature fits, only re-centre.
        """
        feature = self._state.catalog.find_feature(feature_id)
        if feature is None:
            return
        bbox = short_bounds(feature.geometry)  # a line across ±180° is framed the short way
        # A point gets the country around it; a line or polygon fills the view itself.
        least = MIN_FIT_SPAN_DEG if feature.kind is GeometryKind.POINT else MIN_SHAPE_SPAN_DEG
        target = MapSettings.fit_mercator(_padded(bbox, least), self._size(), FIT_MARGIN)
        if self._view.resolution < target.resolution:
            closer = target.replace(resolution=self._view.resolution)
            minx, miny, maxx, maxy = closer.extent
            fx0, fy0, fx1, fy1 = mercator_bounds(bbox)
            if minx <= fx0 and fx1 <= maxx and miny <= fy0 and fy1 <= maxy:
                target = closer
        self._set_view(self._view.replace(center=target.center, resolution=target.resolution))

    # -- identify, hover and selection ---------------------------------------------------

    def features_at(self, position: QPointF | QPoint) -> list[Hit]:
        """The shown features under a pixel, topmost first."""
        return identify(*self._identify_args(position), degrees_per_pixel=self._view.degrees_per_pixel())

    def topmost_at(self, position: QPointF | QPoint) -> tuple[Hit | None, int]:
        """The topmost shown feature under a pixel and how many there are in all (cheaper than
        :meth:`features_at` when zoomed out over thousands)."""
        top, total = identify_top(*self._identify_args(position), limit=1, degrees_per_pixel=self._view.degrees_per_pixel())
        return (top[0] if top else None), total

    def _identify_args(self, position: QPointF | QPoint, tolerance_px: float = CLICK_TOLERANCE_PX) -> tuple:
        lon, lat = self.geo_point(position)
        tolerance = tolerance_px * self._view.degrees_per_pixel()
        return self._state.catalog, lon, lat, tolerance, self._state.visible_layer_ids, self._state.feature_filter

    def list_at(self, position: QPointF | QPoint) -> list[Hit]:
        """Every shown feature a click at a pixel lists (What's here), in list order."""
        return self.whats_here_at(position).hits

    def whats_here_at(self, position: QPointF | QPoint, marker_limit: int | None = None) -> WhatsHere:
        """What a click at a pixel lists, grouped: the clicked marker's features first (as many
        as its badge says), then other points and lines there, then the areas around it. A
        marker of more than ``marker_limit`` features is not grouped (the hover's bound)."""
        marker = self.marker_at(position, marker_limit)
        if marker is None:
            return whats_here(*self._identify_args(position, LIST_TOLERANCE_PX), degrees_per_pixel=self._view.degrees_per_pixel())
        here = whats_here(*self._identify_args(position, LIST_TOLERANCE_PX), degrees_per_pixel=self._view.degrees_per_pixel(),
                          marker=marker.hits, marker_distances=marker.distances)
        lon, lat = self._frame.settings.pixels_to_lonlat(*marker.anchor)  # type: ignore[union-attr]
        return dataclasses.replace(here, marker_lonlat=(float(lon), float(lat)))

    def marker_at(self, position: QPointF | QPoint, limit: int | None = None) -> MarkerHit | None:
        """The features of the stack marker shown at a pixel, their distances from it (in the
        shown frame's pixels) and where the marker is named after, or None: asked of the frame
        on screen, whose stacks drew the badges the user sees. A frame drawn for other layers,
        another filter or other files (a newer one is on its way) answers nothing."""
        frame = self._frame
        markers = frame.report.markers if frame is not None else None
        if markers is None:
            return None
        drawn = frame.settings
        if (drawn.layer_ids != tuple(self._state.visible_layer_ids) or drawn.feature_filter != self._state.feature_filter
                or frame.catalog() is not self._state.catalog):
            return None
        target = _frame_target(drawn, self._view)  # the frame may be shown moved and scaled
        scale = target.width() / drawn.width if drawn.width else 1.0
        x = (QPointF(position).x() - target.left()) / scale
        y = (QPointF(position).y() - target.top()) / scale
        return markers.members_at(x, y, limit)

    def select_at(self, position: QPointF) -> None:
        """A click: one feature under it is selected; several open the What's-here list."""
        here = self.whats_here_at(position)
        if len(here) > 1:
            self.stackClicked.emit(here, self.mapToGlobal(QPointF(position).toPoint()))
            return
        hits = here.hits
        self._state.select(hits[0][1] if hits else None)
        self.plainClicked.emit()

    def hover_at(self, position: QPointF | None) -> None:
        if position is None:
            self._state.set_hovered(None)
            QToolTip.hideText()
            return
        catalog = self._state.catalog
        if catalog.feature_count > HOVER_WAITS_UP_TO and index_pending(catalog):
            return  # the worker is indexing a big new catalog: a move after that hovers
        top, total = features_here_top(*self._identify_args(position, LIST_TOLERANCE_PX), limit=TOOLTIP_NAMES,
                                       degrees_per_pixel=self._view.degrees_per_pixel())
        here = None
        if 0 < total <= HOVER_GROUPS_UP_TO:
            # Few enough to group as the click's list does: the tooltip counts what the badge
            # counts and glows the list's first row.
            here = self.whats_here_at(position, marker_limit=HOVER_GROUPS_UP_TO)
            top, total = here.first(TOOLTIP_NAMES), len(here)
        feature_id = top[0][1] if top else None
        changed = feature_id != self._state.hovered_id or total != self._hover_total
        self._hover_total = total
        self._state.set_hovered(feature_id)
        if feature_id is None:
            self.setCursor(Qt.CursorShape.OpenHandCursor)
            if changed:
                QToolTip.hideText()
            return
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        if changed:
            QToolTip.showText(self.mapToGlobal(position.toPoint()), self._tooltip(top, total, here), self)

    def _tooltip(self, top: list[Hit], total: int, here: WhatsHere | None = None) -> str:
        """Rich text built from escaped names, so a name is never read as markup.

        One feature: its whole name and layer. Several: how many (over a marker, as many as
        its badge says, and what else a click lists beside them), the first few names, and
        how many more a click lists."""
        catalog = self._state.catalog
        if total == 1:
            feature = catalog.feature(top[0][1])
            layer = catalog.layer(feature.layer_id)
            return (f"<qt><b>{html.escape(feature.name)}</b><br/>"
                    f"<span style='color:#555'>{html.escape(layer.name)}</span></qt>")
        rows = []
        for layer_id, feature_id in top:
            colour = catalog.layer(layer_id).style.color
            rows.append(f"<span style='color:{html.escape(colour)}'>&#9679;</span> {html.escape(catalog.feature(feature_id).name)}")
        if here is not None and here.at_marker:
            headline = f"{len(here.at_marker)} features at this marker"
            others = [f"{len(group)} {word}" for group, word in ((here.nearby, "also here"), (here.areas, "areas here")) if group]
            if others:
                headline += f" <span style='font-weight:normal'>(and {', '.join(others)})</span>"
        else:
            headline = f"{total} features here"
        text = f"<qt><b>{headline}</b><br/>" + "<br/>".join(rows)
        more = total - len(top)
        if more > 0:
            text += f"<br/><i>…and {more} more: click to list them all</i>"
        else:
            text += "<br/><i>Click to list them</i>"
        return text + "</qt>"

    @property
    def tool(self) -> MapTool:
        """The map tool that gets the mouse events."""
        return self._tool

    def set_tool(self, tool: MapTool | None = None) -> None:
        """Hand the mouse to another map tool (None: back to panning and identifying)."""
        self._tool = tool if tool is not None else PanIdentifyTool(self)

    def set_rubber_band(self, rect: QRectF | None) -> None:
        self._rubber_band = rect
        self.update()

    def _on_highlight_changed(self, _feature_id: object) -> None:
        self.update()

    # -- frames --------------------------------------------------------------------------

    def request_render(self) -> None:
        """Ask for a new frame soon; many requests in a burst make one frame."""
        self._render_timer.start()

    def _start_render(self) -> None:
        if self.width() < 1 or self.height() < 1:
            return
        settings = self.frame_settings()
        if self._tiles is not None:
            from influencemap.render.tiles import PREFETCH_MARGIN, view_tiles

            self._tiles.request(view_tiles(settings, self._tiles, PREFETCH_MARGIN))
        self._renderer.request(settings, self._state.catalog)

    # -- the basemap ---------------------------------------------------------------------

    @property
    def basemap(self):
        """The chosen :class:`~influencemap.geo.basemaps.Basemap` (the store's)."""
        return self._state.basemap

    @property
    def tile_source(self):
        return self._tiles

    def set_basemap(self, basemap) -> None:
        """Draw on ``basemap`` (the store's choice): tiles load in the background and show as
        they arrive."""
        self._state.set_basemap(basemap)

    def _on_basemap_changed(self, basemap) -> None:
        from influencemap.render.tiles import make_source

        old = self._tiles
        self._tiles = make_source(basemap, self)
        if old is not None:
            old.deleteLater()
        if self._tiles is not None:
            self._tiles.tiles_arrived.connect(self._tile_timer.start)
            self._tiles.failed.connect(self.basemapProblem)
            note = self._tiles.failure_note()  # a broken MBTiles file says so at once
            if note:
                QTimer.singleShot(0, lambda: self.basemapProblem.emit(note))
        self.request_render()

    def _on_frame_ready(self, frame: Frame) -> None:
        self._frame = frame
        self.update()
        self.frameRendered.emit()

    @property
    def last_frame(self) -> Frame | None:
        return self._frame

    def is_frame_current(self) -> bool:
        """True when the shown frame was drawn for exactly the current view and layers."""
        if self._frame is None or self._render_timer.isActive() or self._renderer.busy:
            return False
        return self._frame.settings == self.frame_settings()

    def shutdown(self) -> None:
        """Stop rendering for good (the window is closing or the app quits)."""
        self._render_timer.stop()
        self._renderer.shutdown()

    # -- Qt events -----------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), SEA)
        frame = self._frame
        view = self._view
        if frame is not None:
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, frame.settings.resolution != view.resolution)
            painter.drawImage(_frame_target(frame.settings, view), frame.image)
        settings = self.frame_settings()
        catalog = self._state.catalog
        hovered, selected = self._state.hovered_id, self._state.selected_id
        if hovered and hovered != selected and self._state.is_shown(hovered):
            draw_highlight(painter, settings, catalog, hovered, selected=False)
        if selected and self._state.is_shown(selected):
            draw_highlight(painter, settings, catalog, selected, selected=True)
        if self._rubber_band is not None:
            pen = QPen(QColor("#1f5fa8"), 1.0, Qt.PenStyle.DashLine)
            painter.setPen(pen)
            painter.setBrush(QColor(31, 95, 168, 40))
            painter.drawRect(self._rubber_band)
        draw_scale_bar(painter, view)
        painter.end()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._fit is not None:
            extent, margin = self._fit
            self._set_view(MapSettings.fit_mercator(extent, self._size(), margin), keep_fit=True)
        else:
            self._set_view(self._view.resized(self._size()))

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        self._tool.press(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        lon, lat = self.geo_point(event.position())
        self.cursorMoved.emit(lon, lat)
        self._tool.move(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._tool.release(event)
        if self.cursor().shape() == Qt.CursorShape.ClosedHandCursor:
            self.setCursor(Qt.CursorShape.OpenHandCursor)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        self._tool.double_click(event)

    def wheelEvent(self, event: QWheelEvent) -> None:
        notches = event.angleDelta().y() / 120.0
        if notches == 0:
            event.ignore()
            return
        self.zoom_by(ZOOM_STEP**notches, event.position())
        event.accept()

    def leaveEvent(self, event) -> None:
        self._state.set_hovered(None)
        self.cursorLeft.emit()
        super().leaveEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        step_x, step_y = self.width() * KEY_PAN_FRACTION, self.height() * KEY_PAN_FRACTION
        pans = {
            Qt.Key.Key_Left: (step_x, 0),
            Qt.Key.Key_Right: (-step_x, 0),
            Qt.Key.Key_Up: (0, step_y),
            Qt.Key.Key_Down: (0, -step_y),
        }
        if key in pans:
            self.pan_by(*pans[key])
        elif key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom_in()
        elif key in (Qt.Key.Key_Minus, Qt.Key.Key_Underscore):
            self.zoom_out()
        elif key == Qt.Key.Key_Escape:
            self._tool.cancel()
            self._state.select(None)
        else:
            super().keyPressEvent(event)
            return
        event.accept()


def _frame_target(frame: MapSettings, view: MapSettings) -> QRectF:
    """Where an older frame's image lands in the current view (moved and scaled)."""
    scale = frame.resolution / view.resolution
    fminx, _, _, fmaxy = frame.extent
    vminx, _, _, vmaxy = view.extent
    left = (fminx - vminx) / view.resolution
    top = (vmaxy - fmaxy) / view.resolution
    return QRectF(left, top, frame.width * scale, frame.height * scale)


def _padded(bbox: Bounds, least_deg: float = MIN_FIT_SPAN_DEG) -> Bounds:
    """A lon/lat box as a mercator box, grown around its centre to a useful minimum size."""
    minx, miny, maxx, maxy = mercator_bounds(bbox)
    least = math.radians(least_deg) * EARTH_RADIUS
    if maxx - minx < least and maxy - miny < least:
        cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
        return cx - least / 2, cy - least / 2, cx + least / 2, cy + least / 2
    return minx, miny, maxx, maxy
