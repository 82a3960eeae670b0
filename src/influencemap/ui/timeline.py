"""The timeline under the map: a two-handled year slider over a histogram of features per year,
a play button that steps through the years, and the "include undated" toggle.

It is a view of the store's timeline range (the filter's date bounds, see
:class:`~influencemap.model.view_state.ViewState`): moving a handle writes the range
(the whole span means no date bound at all, so undated features stay until the range is
narrowed); a filter set elsewhere (Reset, a reload) moves the handles. Dates follow the
:class:`FeatureFilter` rules: a year is inclusive and a feature shows when its span overlaps.
"""

from __future__ import annotations

import dataclasses
import enum

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFocusEvent, QKeyEvent, QMouseEvent, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QLabel,
    QSizePolicy,
    QStyle,
    QToolButton,
    QToolTip,
    QWidget,
)

from influencemap.model.dates import parse_partial_date
from influencemap.model.facets import year_histogram
from influencemap.model.filters import FeatureFilter
from influencemap.ui.map_state import MapState

PLAY_INTERVAL_MS = 900
"""How long each year stays on screen while playing."""

_MARGIN = 10
_LABEL_HEIGHT = 16
_HANDLE_GRAB_PX = 8


class Handle(enum.IntEnum):
    LOW = 0
    HIGH = 1


class PlayMode(enum.Enum):
    CUMULATIVE = "Cumulative"
    """The start stays; each step adds a year."""
    WINDOW = "Moving window"
    """The range keeps its width and slides a year per step."""


class YearRangeSlider(QWidget):
    """Two handles over a bar chart of features per year; the years between them are chosen.

    Keyboard: Left/Right move the active handle a year, Page Up/Down five, Home/End to the ends;
    Tab goes from the start handle to the end handle before leaving the widget.
    """

    rangeChanged = Signal(int, int)
    """(first year, last year), both inclusive; emitted on every change."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("yearRangeSlider")
        self.setAccessibleName("Year range")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self._counts: dict[int, int] = {}
        self._filtered: dict[int, int] | None = None
        self._minimum = self._maximum = 0
        self._low = self._high = 0
        self._active = Handle.LOW
        self._dragging: Handle | None = None

    # -- values --------------------------------------------------------------------------

    def set_years(self, counts: dict[int, int]) -> None:
        """The years to offer (consecutive) and their feature counts; the range is kept if it fits."""
        self._counts = dict(counts)
        years = sorted(counts)
        old = (self._low, self._high)
        if years:
            self._minimum, self._maximum = years[0], years[-1]
        else:
            self._minimum = self._maximum = 0
        self._low = min(max(self._low, self._minimum), self._maximum)
        self._high = min(max(self._high, self._low), self._maximum)
        self.setEnabled(bool(years))
        self._update_accessible()
        self.update()
        if (self._low, self._high) != old:
            self.rangeChanged.emit(self._low, self._high)

    def set_filtered_counts(self, counts: dict[int, int] | None) -> None:
        """Per year, the features the other filters (countries, tags, …, visible layers) leave;
        None when nothing but the date range filters (the bars are then the totals)."""
        self._filtered = None if counts is None else dict(counts)
        self.update()

    @property
    def filtered_counts(self) -> dict[int, int]:
        """The counts the bars show (the totals when nothing else filters)."""
        return dict(self._counts if self._filtered is None else self._filtered)

    @property
    def minimum(self) -> int:
        return self._minimum

    @property
    def maximum(self) -> int:
        return self._maximum

    @property
    def low(self) -> int:
        return self._low

    @property
    def high(self) -> int:
        return self._high

    @property
    def active_handle(self) -> Handle:
        return self._active

    def is_full_range(self) -> bool:
        return self._low == self._minimum and self._high == self._maximum

    def set_range(self, low: int, high: int) -> None:
        """Choose the years ``low`` to ``high`` (clamped to the offered years)."""
        low = min(max(low, self._minimum), self._maximum)
        high = min(max(high, low), self._maximum)
        if (low, high) == (self._low, self._high):
            return
        self._low, self._high = low, high
        self._update_accessible()
        self.update()
        self.rangeChanged.emit(low, high)

    def _move_handle(self, handle: Handle, year: int) -> None:
        if handle is Handle.LOW:
            self.set_range(min(year, self._high), self._high)
        else:
            self.set_range(self._low, max(year, self._low))

    def _update_accessible(self) -> None:
        self.setAccessibleDescription(f"Years {self._low} to {self._high} of {self._minimum} to {self._maximum}")

    # -- geometry ------------------------------------------------------------------------

    def sizeHint(self) -> QSize:
        return QSize(480, 66)

    def minimumSizeHint(self) -> QSize:
        return QSize(160, 66)

    def _slot_width(self) -> float:
        years = self._maximum - self._minimum + 1
        return max(1.0, (self.width() - 2 * _MARGIN) / years)

    def _boundary_x(self, boundary: int) -> float:
        """x of the line before year ``minimum + boundary``."""
        return _MARGIN + boundary * self._slot_width()

    def _handle_x(self, handle: Handle) -> float:
        if handle is Handle.LOW:
            return self._boundary_x(self._low - self._minimum)
        return self._boundary_x(self._high - self._minimum + 1)

    def _year_at(self, x: float) -> int:
        year = self._minimum + int((x - _MARGIN) // self._slot_width())
        return min(max(year, self._minimum), self._maximum)

    def _boundary_at(self, x: float) -> int:
        return round((x - _MARGIN) / self._slot_width())

    # -- painting ------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        chart = QRectF(_MARGIN, 4, self.width() - 2 * _MARGIN, self.height() - 4 - _LABEL_HEIGHT)
        painter.fillRect(chart, palette.color(QPalette.ColorRole.Base))
        if not self._counts:
            painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(chart, Qt.AlignmentFlag.AlignCenter, "No dated features")
            painter.end()
            return
        highlight = palette.color(QPalette.ColorRole.Highlight)
        band = QColor(highlight)
        band.setAlpha(40)
        left, right = self._handle_x(Handle.LOW), self._handle_x(Handle.HIGH)
        painter.fillRect(QRectF(left, chart.top(), right - left, chart.height()), band)

        slot = self._slot_width()
        peak = max(self._counts.values()) or 1
        muted = palette.color(QPalette.ColorRole.Mid)
        shown = self._counts if self._filtered is None else self._filtered
        outline = QPen(muted, 1.0)
        for year, total in self._counts.items():
            x = self._boundary_x(year - self._minimum)
            left_x, width = x + max(1.0, slot * 0.12), max(1.0, slot * 0.76)
            if self._filtered is not None and total:
                # The unfiltered count as a faint outline behind what the other filters leave.
                height = max(2.0, (chart.height() - 4) * total / peak)
                painter.setPen(outline)
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawRect(QRectF(left_x, chart.bottom() - height, width, height))
            count = shown.get(year, 0)
            if not count:
                continue
            height = max(2.0, (chart.height() - 4) * count / peak)
            bar = QRectF(left_x, chart.bottom() - height, width, height)
            painter.fillRect(bar, highlight if self._low <= year <= self._high else muted)

        # Year labels: as many as fit without overlapping, on round years when thinned out.
        metrics = painter.fontMetrics()
        label_width = metrics.horizontalAdvance("0000") + 8
        step = next((s for s in (1, 2, 5, 10, 20, 50, 100, 200, 500) if s * slot >= label_width), 1000)
        painter.setPen(palette.color(QPalette.ColorRole.WindowText))
        for year in range(self._minimum, self._maximum + 1):
            if year % step:
                continue
            centre = self._boundary_x(year - self._minimum) + slot / 2
            rect = QRectF(centre - label_width / 2, chart.bottom() + 1, label_width, _LABEL_HEIGHT - 1)
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, str(year))

        for handle in Handle:
            x = self._handle_x(handle)
            active = self.hasFocus() and handle is self._active
            pen = QPen(palette.color(QPalette.ColorRole.WindowText), 2)
            painter.setPen(pen)
            painter.drawLine(QPointF(x, chart.top()), QPointF(x, chart.bottom()))
            grip = QRectF(x - 5, chart.top() + chart.height() / 2 - 9, 10, 18)
            painter.setBrush(highlight if active else palette.color(QPalette.ColorRole.Button))
            painter.setPen(QPen(palette.color(QPalette.ColorRole.WindowText), 2 if active else 1))
            painter.drawRoundedRect(grip, 3, 3)
        painter.end()

    # -- mouse ---------------------------------------------------------------------------

    def _handle_near(self, x: float) -> Handle | None:
        distances = {h: abs(self._handle_x(h) - x) for h in Handle}
        nearest = min(distances, key=distances.get)
        if self._low == self._high and x > self._handle_x(Handle.HIGH) - 1:
            nearest = Handle.HIGH
        return nearest if distances[nearest] <= _HANDLE_GRAB_PX else None

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton or not self._counts:
            return super().mousePressEvent(event)
        x = event.position().x()
        handle = self._handle_near(x)
        if handle is None:
            # A click on a year moves the nearer handle there.
            year = self._year_at(x)
            if year < self._low:
                handle = Handle.LOW
            elif year > self._high:
                handle = Handle.HIGH
            else:
                handle = Handle.LOW if year - self._low < self._high - year else Handle.HIGH
            self._move_handle(handle, year)
        self._active = self._dragging = handle
        self.update()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        x = event.position().x()
        if self._dragging is not None:
            boundary = self._boundary_at(x)
            year = self._minimum + boundary if self._dragging is Handle.LOW else self._minimum + boundary - 1
            self._move_handle(self._dragging, year)
        elif self._counts:
            year = self._year_at(x)
            count = self._counts.get(year, 0)
            self.setToolTip(f"{year}: {count} feature{'s' * (count != 1)} starting")

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._dragging = None

    # -- keyboard ------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        value = self._low if self._active is Handle.LOW else self._high
        moves = {
            Qt.Key.Key_Left: value - 1,
            Qt.Key.Key_Down: value - 1,
            Qt.Key.Key_Right: value + 1,
            Qt.Key.Key_Up: value + 1,
            Qt.Key.Key_PageDown: value - 5,
            Qt.Key.Key_PageUp: value + 5,
            Qt.Key.Key_Home: self._minimum,
            Qt.Key.Key_End: self._maximum,
        }
        if key in moves and self._counts:
            self._move_handle(self._active, moves[key])
            QToolTip.hideText()
            event.accept()
            return
        super().keyPressEvent(event)

    def focusNextPrevChild(self, next: bool) -> bool:  # noqa: A002 - Qt's name
        # Tab walks from the start handle to the end handle before leaving (and back with Shift+Tab).
        if next and self._active is Handle.LOW:
            self._active = Handle.HIGH
            self.update()
            return True
        if not next and self._active is Handle.HIGH:
            self._active = Handle.LOW
            self.update()
            return True
        return super().focusNextPrevChild(next)

    def focusInEvent(self, event: QFocusEvent) -> None:
        if event.reason() == Qt.FocusReason.TabFocusReason:
            self._active = Handle.LOW
        elif event.reason() == Qt.FocusReason.BacktabFocusReason:
            self._active = Handle.HIGH
        self.update()
        super().focusInEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        self.update()
        super().focusOutEvent(event)


def _year(text: str | None) -> int | None:
    return parse_partial_date(text)[0] if text else None


class TimelinePanel(QWidget):
    """The slider with its play button, play mode, range label and "include undated" toggle."""

    def __init__(self, state: MapState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("timelinePanel")
        self.setAccessibleName("Timeline")
        self._state = state
        self._writing = False

        self.slider = YearRangeSlider(self)
        self.play_button = QToolButton(self)
        self.play_button.setObjectName("timelinePlay")
        self.play_button.setCheckable(True)
        self.play_button.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_MediaPlay))
        self.play_button.setText("Play")
        self.play_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.play_button.setToolTip("Step through the years")
        self.play_button.setAccessibleName("Play the timeline")
        self.mode = QComboBox(self)
        self.mode.setObjectName("timelineMode")
        self.mode.setAccessibleName("Play mode")
        for mode in PlayMode:
            self.mode.addItem(mode.value, mode)
        self.mode.setToolTip("Cumulative: each step adds a year. Moving window: the range slides a year per step.")
        self.range_label = QLabel(self)
        self.range_label.setObjectName("timelineRange")
        self.range_label.setTextFormat(Qt.TextFormat.PlainText)
        self.range_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.range_label.setMinimumWidth(self.range_label.fontMetrics().horizontalAdvance("All years (0000–0000)") + 8)
        self.include_undated = QCheckBox("Include undated", self)
        self.include_undated.setObjectName("timelineUndated")
        self.include_undated.setToolTip("Keep features without a date on the map while a year range is set")

        layout = QGridLayout(self)
        layout.setContentsMargins(6, 2, 6, 2)
        layout.setVerticalSpacing(2)
        layout.addWidget(self.play_button, 0, 0)
        layout.addWidget(self.mode, 1, 0)
        layout.addWidget(self.slider, 0, 1, 2, 1)
        layout.addWidget(self.range_label, 0, 2)
        layout.addWidget(self.include_undated, 1, 2)
        layout.setColumnStretch(1, 1)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

        self.play_timer = QTimer(self)
        self.play_timer.setInterval(PLAY_INTERVAL_MS)
        self.play_timer.timeout.connect(self.step)

        self.slider.rangeChanged.connect(self._on_slider_range_changed)
        self.include_undated.toggled.connect(self._on_include_undated_toggled)
        self.play_button.toggled.connect(self._on_play_toggled)
        state.catalogChanged.connect(self._on_catalog_changed)
        state.filterChanged.connect(self._on_filter_changed)
        state.layersChanged.connect(self._update_filtered_counts)
        self._on_catalog_changed()

    # -- playing -------------------------------------------------------------------------

    @property
    def play_mode(self) -> PlayMode:
        return self.mode.currentData()

    def set_play_mode(self, mode: PlayMode) -> None:
        self.mode.setCurrentIndex(self.mode.findData(mode))

    @property
    def is_playing(self) -> bool:
        return self.play_timer.isActive()

    def play(self) -> None:
        self.play_button.setChecked(True)

    def stop(self) -> None:
        self.play_button.setChecked(False)

    def _on_play_toggled(self, playing: bool) -> None:
        style = self.style()
        self.play_button.setIcon(style.standardIcon(
            QStyle.StandardPixmap.SP_MediaPause if playing else QStyle.StandardPixmap.SP_MediaPlay))
        self.play_button.setText("Pause" if playing else "Play")
        if not playing:
            self.play_timer.stop()
            return
        if not self.slider.isEnabled():
            self.play_button.setChecked(False)
            return
        self._rewind_if_at_end()
        self.play_timer.start()

    def _rewind_if_at_end(self) -> None:
        """Playing from the end starts over: from the first year, or the start handle when cumulative."""
        slider = self.slider
        if slider.high < slider.maximum:
            return
        if self.play_mode is PlayMode.CUMULATIVE:
            low = slider.minimum if slider.is_full_range() else slider.low
            slider.set_range(low, low)
        else:
            width = 1 if slider.is_full_range() else slider.high - slider.low + 1
            slider.set_range(slider.minimum, slider.minimum + width - 1)

    def step(self) -> None:
        """One year on; playing stops when the end of the timeline is shown."""
        slider = self.slider
        if slider.high < slider.maximum:
            if self.play_mode is PlayMode.CUMULATIVE:
                slider.set_range(slider.low, slider.high + 1)
            else:
                slider.set_range(slider.low + 1, slider.high + 1)
        if slider.high >= slider.maximum:
            self.stop()

    # -- the store -----------------------------------------------------------------------

    def _on_slider_range_changed(self, low: int, high: int) -> None:
        self._update_label()
        slider = self.slider
        self._writing = True
        try:
            self._state.set_date_range(None if low <= slider.minimum else str(low),
                                       None if high >= slider.maximum else str(high))
        finally:
            self._writing = False

    def _on_include_undated_toggled(self, checked: bool) -> None:
        self._writing = True
        try:
            self._state.set_include_undated(checked)
        finally:
            self._writing = False

    def _on_catalog_changed(self) -> None:
        self.slider.blockSignals(True)
        try:
            self.slider.set_years(year_histogram(self._state.catalog))
        finally:
            self.slider.blockSignals(False)
        enabled = self.slider.isEnabled()
        self.play_button.setEnabled(enabled)
        self.mode.setEnabled(enabled)
        if not enabled:
            self.stop()
        self._on_filter_changed()

    def _update_filtered_counts(self) -> None:
        from influencemap.model.facets import faceted_counts

        state = self._state
        current = state.feature_filter or FeatureFilter()
        others = dataclasses.replace(current, date_from=None, date_to=None)
        all_visible = len(state.visible_layer_ids) == len(state.drawing_order)
        if not others.is_active and all_visible:
            self.slider.set_filtered_counts(None)
            return
        years = faceted_counts(state.catalog, current, state.visible_layer_ids, lists=False).years
        slider = self.slider
        self.slider.set_filtered_counts({year: years.get(year, 0) for year in range(slider.minimum, slider.maximum + 1)})

    def _on_filter_changed(self) -> None:
        self._update_filtered_counts()
        if self._writing:
            return
        # Someone else changed the filter (Reset, another panel, a reload): follow it; a new
        # date range also stops playing.
        date_from, date_to = self._state.date_range
        slider = self.slider
        low = slider.minimum if date_from is None else _year(date_from)
        high = slider.maximum if date_to is None else _year(date_to)
        if (low, high) != (slider.low, slider.high):
            self.stop()
        for widget in (slider, self.include_undated):
            widget.blockSignals(True)
        try:
            slider.set_range(low, high)
            self.include_undated.setChecked(self._state.include_undated)
        finally:
            for widget in (slider, self.include_undated):
                widget.blockSignals(False)
        self._update_label()

    def _update_label(self) -> None:
        slider = self.slider
        if not slider.isEnabled():
            self.range_label.setText("No dated features")
        elif slider.is_full_range():
            self.range_label.setText(f"All years ({slider.minimum}–{slider.maximum})")
        elif slider.low == slider.high:
            self.range_label.setText(str(slider.low))
        else:
            self.range_label.setText(f"{slider.low}–{slider.high}")
