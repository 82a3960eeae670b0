"""File > Export Map…: a map sheet (PNG, SVG or PDF) set up with a live preview.

The dialog only collects :class:`~influencemap.render.layout_spec.LayoutOptions`; the sheet is
drawn by :mod:`influencemap.render.print_layout`, the same code ``influencemap export`` runs,
so what the preview shows is what the file gets and what the command line writes. The preview
is drawn small on a worker thread, a moment after the last change; the options are remembered
between sessions.
"""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QImage, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from influencemap.export.file_names import suggested_name
from influencemap.render.layout_spec import (
    EXTENTS,
    FORMATS,
    LEGEND_POSITIONS,
    MAX_DPI,
    MAX_PIXELS,
    MIN_DPI,
    MIN_PIXELS,
    SIZE_PRESETS,
    LayoutError,
    LayoutOptions,
    page_geometry,
)
from influencemap.ui.map_state import MapState
from influencemap.ui.save_paths import export_path

PREVIEW_SIZE = (520, 380)
PREVIEW_DELAY_MS = 250
"""The preview waits this long after the last change, so typing a title draws it once."""

KEY = "exportMap/"
FORMAT_LABELS = {"png": "PNG image", "svg": "SVG drawing", "pdf": "PDF document"}
LEGEND_LABELS = {
    "auto": "Automatic (corner hiding fewest places, or beside the map)",
    "off": "Off",
    "top-left": "Top left",
    "top-right": "Top right",
    "bottom-left": "Bottom left",
    "bottom-right": "Bottom right",
}


class _PreviewSignals(QObject):
    ready = Signal(int, QImage, str)


def _parse_bbox(text: str) -> tuple[float, float, float, float] | None:
    try:
        values = tuple(float(v) for v in text.replace(";", ",").split(","))
    except ValueError:
        return None
    return values if len(values) == 4 else None  # type: ignore[return-value]


_PREVIEWS: set[threading.Thread] = set()
_PREVIEWS_LOCK = threading.Lock()


def wait_for_previews(timeout: float = 30.0) -> None:
    """Wait (the GIL released) for the preview drawings still running; see ``hideEvent``."""
    with _PREVIEWS_LOCK:
        running = list(_PREVIEWS)
    for thread in running:
        thread.join(timeout)
        if not thread.is_alive():
            with _PREVIEWS_LOCK:
                _PREVIEWS.discard(thread)


class ExportMapDialog(QDialog):
    """The export dialog over what the map shows.

    Parameters
    ----------
    state
        The app's store (its Qt adapter): the sheet shows its shown catalog (visible layers
        through the filter and the timeline) in its drawing order, read when the preview is
        drawn and when the file is written, so a reload while the dialog is open is followed.
    view_bbox
        The canvas's lon/lat box (the ``Current view`` extent).
    """

    exported = Signal(Path)

    def __init__(
        self,
        state: MapState,
        view_bbox: tuple[float, float, float, float] | None,
        settings: QSettings,
        folder: str = "",
        parent: QWidget | None = None,
        basemap=None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("exportMapDialog")
        self._basemap = basemap
        """The window's tile basemap, or None: the exported sheet draws on it (its tiles fetched
        then); the preview stays on the offline basemap, so typing a title fetches nothing."""
        self.setWindowTitle("Export Map")
        self._state = state
        self._view_bbox = tuple(view_bbox) if view_bbox else None
        self._settings = settings
        self._folder = folder
        self._generation = 0
        self.previews_drawn = 0
        self.last_report = None
        self._signals = _PreviewSignals(self)
        self._signals.ready.connect(self._on_preview_ready)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(PREVIEW_DELAY_MS)
        self._timer.timeout.connect(self._start_preview)
        self._build()
        self._load_settings()
        self._connect()
        self._update_enabled()
        state.shownChanged.connect(self.schedule_preview)
        self.schedule_preview()

    @property
    def _sheet(self):
        """What the sheet shows, as the store says now."""
        from influencemap.render.print_layout import SheetInput

        return SheetInput(self._state.shown_catalog(), tuple(self._state.visible_layer_ids), self._view_bbox)

    # -- widgets -------------------------------------------------------------------------

    def _build(self) -> None:
        form = QFormLayout()
        self.format_combo = QComboBox(objectName="formatCombo")
        for fmt in FORMATS:
            self.format_combo.addItem(FORMAT_LABELS[fmt], fmt)
        self.size_combo = QComboBox(objectName="sizeCombo")
        for key, label in SIZE_PRESETS:
            self.size_combo.addItem(label, key)
        self.width_spin = QSpinBox(objectName="widthSpin", minimum=MIN_PIXELS, maximum=MAX_PIXELS, value=1600, suffix=" px")
        self.height_spin = QSpinBox(objectName="heightSpin", minimum=MIN_PIXELS, maximum=MAX_PIXELS, value=1000, suffix=" px")
        custom = QHBoxLayout()
        custom.addWidget(self.width_spin)
        custom.addWidget(QLabel("×"))
        custom.addWidget(self.height_spin)
        self.dpi_spin = QSpinBox(objectName="dpiSpin", minimum=MIN_DPI, maximum=MAX_DPI, value=150, suffix=" dpi")
        self.dpi_spin.setSingleStep(25)
        self.pixels_label = QLabel(objectName="pixelsLabel")
        self.pixels_label.setStyleSheet("color: palette(mid);")
        self.extent_combo = QComboBox(objectName="extentCombo")
        for key, label in EXTENTS:
            self.extent_combo.addItem(label, key)
        self.bbox_edit = QLineEdit(objectName="bboxEdit", placeholderText="min lon, min lat, max lon, max lat")
        self.title_edit = QLineEdit(objectName="titleEdit", placeholderText="A title for the map")
        self.subtitle_edit = QLineEdit(objectName="subtitleEdit", placeholderText="A line under the title")
        self.notes_edit = QPlainTextEdit(objectName="notesEdit", placeholderText="Notes printed under the map")
        self.notes_edit.setFixedHeight(60)
        self.legend_combo = QComboBox(objectName="legendCombo")
        for key in LEGEND_POSITIONS:
            self.legend_combo.addItem(LEGEND_LABELS[key], key)
        self.scale_bar_check = QCheckBox("Scale bar", objectName="scaleBarCheck", checked=True)
        self.sources_check = QCheckBox("Numbered source list", objectName="sourcesCheck", checked=True)
        self.places_check = QCheckBox("Numbered places", objectName="placesCheck", checked=True)
        checks = QHBoxLayout()
        for check in (self.scale_bar_check, self.sources_check, self.places_check):
            checks.addWidget(check)
        form.addRow("&Format:", self.format_combo)
        form.addRow("&Size:", self.size_combo)
        form.addRow("Custom size:", custom)
        form.addRow("&Resolution:", self.dpi_spin)
        form.addRow("", self.pixels_label)
        form.addRow("&Extent:", self.extent_combo)
        form.addRow("Bounding box:", self.bbox_edit)
        form.addRow("&Title:", self.title_edit)
        form.addRow("S&ubtitle:", self.subtitle_edit)
        form.addRow("&Notes:", self.notes_edit)
        form.addRow("&Legend:", self.legend_combo)
        form.addRow("", checks)

        self.preview_label = QLabel("Drawing the preview…", objectName="previewLabel")
        self.preview_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview_label.setMinimumSize(*PREVIEW_SIZE)
        self.preview_label.setStyleSheet("background: #d8d8d8; border: 1px solid #aaa;")
        self.status_label = QLabel(objectName="exportStatus")
        self.status_label.setWordWrap(True)
        right = QVBoxLayout()
        right.addWidget(self.preview_label, 1)
        right.addWidget(self.status_label)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.export_button = self.buttons.addButton("&Export…", QDialogButtonBox.ButtonRole.AcceptRole)
        self.export_button.setObjectName("exportButton")
        self.export_button.setDefault(True)
        self.buttons.accepted.connect(self._on_export_clicked)
        self.buttons.rejected.connect(self.reject)

        top = QHBoxLayout()
        left = QWidget()
        left.setLayout(form)
        left.setMinimumWidth(400)
        top.addWidget(left)
        top.addLayout(right, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.buttons)

    def _connect(self) -> None:
        for combo in (self.format_combo, self.size_combo, self.extent_combo, self.legend_combo):
            combo.currentIndexChanged.connect(self._changed)
        for spin in (self.width_spin, self.height_spin, self.dpi_spin):
            spin.valueChanged.connect(self._changed)
        for edit in (self.bbox_edit, self.title_edit, self.subtitle_edit):
            edit.textChanged.connect(self._changed)
        self.notes_edit.textChanged.connect(self._changed)
        for check in (self.scale_bar_check, self.sources_check, self.places_check):
            check.toggled.connect(self._changed)

    def _changed(self, *_args) -> None:
        self._update_enabled()
        self.schedule_preview()

    def _update_enabled(self) -> None:
        custom = self.size_combo.currentData() == "custom"
        self.width_spin.setEnabled(custom)
        self.height_spin.setEnabled(custom)
        self.bbox_edit.setEnabled(self.extent_combo.currentData() == "bbox")
        self.extent_combo.model().item(0).setEnabled(self._sheet.view_bbox is not None)
        try:
            page = page_geometry(self.options())
            fmt = self.format_combo.currentData()
            if fmt == "png":
                text = f"{page.pixels[0]} × {page.pixels[1]} pixels at {page.dpi} dpi"
            else:
                text = f"{page.page_mm[0]:.0f} × {page.page_mm[1]:.0f} mm, vector"
            self.pixels_label.setText(text)
        except LayoutError:
            self.pixels_label.setText("")

    # -- options and settings ------------------------------------------------------------

    def fmt(self) -> str:
        return self.format_combo.currentData()

    def options(self) -> LayoutOptions:
        """The options as set now (not yet checked)."""
        extent = self.extent_combo.currentData()
        bbox = _parse_bbox(self.bbox_edit.text()) if extent == "bbox" else None
        return LayoutOptions(
            size=self.size_combo.currentData(),
            custom_size=(self.width_spin.value(), self.height_spin.value()),
            dpi=self.dpi_spin.value(),
            extent=extent,
            bbox=bbox,
            title=self.title_edit.text(),
            subtitle=self.subtitle_edit.text(),
            notes=self.notes_edit.toPlainText(),
            legend=self.legend_combo.currentData(),
            scale_bar=self.scale_bar_check.isChecked(),
            sources_list=self.sources_check.isChecked(),
            number_places=self.places_check.isChecked(),
        )

    @staticmethod
    def _select(combo: QComboBox, value) -> None:
        index = combo.findData(value)
        if index >= 0:
            combo.setCurrentIndex(index)

    def _load_settings(self) -> None:
        s = self._settings
        defaults = LayoutOptions()
        self._select(self.format_combo, s.value(KEY + "format", "pdf"))
        self._select(self.size_combo, s.value(KEY + "size", defaults.size))
        self._select(self.extent_combo, s.value(KEY + "extent", defaults.extent))
        self._select(self.legend_combo, s.value(KEY + "legend", defaults.legend))
        for spin, key, default in ((self.width_spin, "width", 1600), (self.height_spin, "height", 1000), (self.dpi_spin, "dpi", defaults.dpi)):
            try:
                spin.setValue(int(s.value(KEY + key, default)))
            except (TypeError, ValueError):
                spin.setValue(default)
        self.bbox_edit.setText(str(s.value(KEY + "bbox", "") or ""))
        self.title_edit.setText(str(s.value(KEY + "title", "") or ""))
        self.subtitle_edit.setText(str(s.value(KEY + "subtitle", "") or ""))
        self.notes_edit.setPlainText(str(s.value(KEY + "notes", "") or ""))
        for check, key in ((self.scale_bar_check, "scaleBar"), (self.sources_check, "sourcesList"), (self.places_check, "numberPlaces")):
            check.setChecked(str(s.value(KEY + key, "true")).lower() in ("true", "1"))
        if self.extent_combo.currentData() == "view" and self._sheet.view_bbox is None:
            self._select(self.extent_combo, "evidence")

    def save_settings(self) -> None:
        o = self.options()
        s = self._settings
        for key, value in (
            ("format", self.fmt()), ("size", o.size), ("width", o.custom_size[0]), ("height", o.custom_size[1]),
            ("dpi", o.dpi), ("extent", o.extent), ("bbox", self.bbox_edit.text()), ("title", o.title),
            ("subtitle", o.subtitle), ("notes", o.notes), ("legend", o.legend), ("scaleBar", o.scale_bar),
            ("sourcesList", o.sources_list), ("numberPlaces", o.number_places),
        ):
            s.setValue(KEY + key, value)
        s.sync()

    # -- preview -------------------------------------------------------------------------

    def schedule_preview(self) -> None:
        self._timer.start()

    def _start_preview(self) -> None:
        self._generation += 1
        generation = self._generation
        try:
            options = self.options().checked()
        except LayoutError as exc:
            self.status_label.setText(str(exc))
            return
        sheet, signals = self._sheet, self._signals
        paged = self.fmt() == "pdf"

        def work() -> None:
            from influencemap.render.print_layout import sheet_image

            try:
                image, report = sheet_image(options, sheet, PREVIEW_SIZE, paged=paged)
                summary = _summary(report)
            except Exception as exc:  # shown in the dialog, never a crash of the app
                image, summary = QImage(), f"The preview failed: {exc}"
            try:
                signals.ready.emit(generation, image, summary)
            except RuntimeError:  # the dialog was closed (and deleted) while the preview drew
                pass
            with _PREVIEWS_LOCK:
                _PREVIEWS.discard(threading.current_thread())

        thread = threading.Thread(target=work, name="export-preview", daemon=True)
        with _PREVIEWS_LOCK:
            _PREVIEWS.add(thread)
        thread.start()

    # A preview draws on a worker thread with Qt text objects, and some of PySide6's calls keep
    # the GIL while they wait for a Qt lock; the main thread, deleting widgets, can hold that
    # lock while it waits for the GIL (seen once in the test run: a hang in a teardown). So
    # nothing of the dialog is taken down while a preview draws: hiding it (which closing,
    # Export and Cancel all do) and the window's shutdown wait for it (a preview takes well
    # under a second).

    def hideEvent(self, event) -> None:  # noqa: N802 - Qt's name
        wait_for_previews()
        super().hideEvent(event)

    def _on_preview_ready(self, generation: int, image: QImage, summary: str) -> None:
        if generation != self._generation:
            return  # an older preview finished after a newer change: drop it
        if not image.isNull():
            self.preview_label.setPixmap(QPixmap.fromImage(image))
        self.status_label.setText(summary)
        self.previews_drawn += 1

    def preview_image(self) -> QImage:
        pixmap = self.preview_label.pixmap()
        return pixmap.toImage() if pixmap is not None and not pixmap.isNull() else QImage()

    # -- export --------------------------------------------------------------------------

    def _on_export_clicked(self) -> None:
        fmt = self.fmt()
        start = str(Path(self._folder or Path.home()) / suggested_name(self.title_edit.text(), f".{fmt}"))
        name, _ = QFileDialog.getSaveFileName(self, "Export map", start, f"{FORMAT_LABELS[fmt]} (*.{fmt})")
        if not name:
            return
        out = export_path(self, name, (f".{fmt}",), f".{fmt}")
        if out is not None and self.export_to(out):
            self.accept()

    def export_to(self, out: Path) -> bool:
        """Write the sheet to ``out`` (its suffix is the format); True when written."""
        from influencemap.export.image import write_sheet

        try:
            options = self.options().checked()
        except LayoutError as exc:
            QMessageBox.warning(self, "Export failed", str(exc))
            return False
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        sheet = self._sheet
        try:
            self.last_report = write_sheet(sheet.catalog, out, options, sheet.layer_ids, sheet.view_bbox, self._basemap)
        except (OSError, ValueError) as exc:
            QMessageBox.warning(self, "Export failed", f"Could not write {out}:\n{exc}")
            return False
        finally:
            QGuiApplication.restoreOverrideCursor()
        self.save_settings()
        self.exported.emit(out)
        return True


def _summary(report) -> str:
    content = report.content
    parts = [f"{content.feature_count} features", f"{len(content.legend)} layers", f"{len(content.places)} numbered places",
             f"{len(content.sources)} sources"]
    text = ", ".join(parts)
    if report.left_out:
        text += f". {report.left_out} key entries do not fit this size: a PDF continues them on another page."
    elif report.pages > 1:
        text += f"; the key and sources continue on page 2 (of {report.pages})."
    return text


def open_export_dialog(window) -> ExportMapDialog:
    """File > Export Map… on the main window: the dialog over what the map shows."""
    dialog = ExportMapDialog(
        window.state,
        tuple(window.canvas.view_bounds()),
        window.settings,
        window.last_folder(),
        window,
        basemap=window.store.basemap if window.store.basemap.tiled else None,
    )

    def done(out: Path) -> None:
        window.remember_folder(out.parent)
        warnings = dialog.last_report.warnings if dialog.last_report is not None else []
        window.show_message(f"Exported {out}" + "".join(f" — {w}" for w in warnings), 6000)

    dialog.exported.connect(done)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    window.export_map_dialog = dialog
    return dialog

