"""The feature table: every feature the map shows, as sortable rows in sync with the map.

A ``QTableView`` (objectName ``featureTable``) over :class:`FeatureTableModel`, a thin Qt model
over :class:`~influencemap.model.feature_rows.FeatureRows` (cells made when shown, so 100,000
rows cost nothing until scrolled to; a cached layer's cells are read from its columns, so a
million cached rows build no Feature object). It follows the map state: visible layers, filters and
the timeline decide the rows; selecting a row selects the feature (double-click zooms to it);
selecting on the map selects and scrolls to the row. Ctrl+C copies the selected rows as
tab-separated text; Save as CSV (through the project's one CSV writer) or GeoJSON writes
exactly the rows shown, in their order.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QAbstractTableModel, QItemSelectionModel, QModelIndex, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from influencemap.model.catalog import Catalog
from influencemap.model.feature_rows import COLUMNS, FeatureRows
from influencemap.ui.map_state import MapState

QUERY_DELAY_MS = 200
"""Typing in the filter box waits this long for the next key before filtering 100,000 rows."""


class FeatureTableModel(QAbstractTableModel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.rows = FeatureRows(Catalog(), [])

    def set_rows(self, rows: FeatureRows) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self.rows.cell_text(index.row(), index.column())
        if role == Qt.ItemDataRole.UserRole:
            return self.rows.feature_id(index.row())
        if role == Qt.ItemDataRole.TextAlignmentRole and COLUMNS[index.column()].key == "sources":
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section].title
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self.layoutAboutToBeChanged.emit()
        self.rows.sort(column, descending=order == Qt.SortOrder.DescendingOrder)
        self.layoutChanged.emit()

    def set_query(self, text: str) -> None:
        self.beginResetModel()
        self.rows.set_query(text)
        self.endResetModel()


class _TableView(QTableView):
    """The table; Ctrl+C copies whole selected rows (Qt's own copies the current cell only)."""

    copyRequested = Signal()

    def keyPressEvent(self, event) -> None:
        if event.matches(QKeySequence.StandardKey.Copy):
            self.copyRequested.emit()
            event.accept()
            return
        super().keyPressEvent(event)


class FeatureTablePanel(QWidget):
    """The dock's content: a filter box, the count, save buttons and the table."""

    zoomToFeatureRequested = Signal(str)
    statusMessage = Signal(str)
    rowsChanged = Signal()
    """New rows: what the map shows changed."""

    def __init__(self, state: MapState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("featureTablePanel")
        self._state = state
        self._syncing = False
        self._key: tuple | None = None

        self.find = QLineEdit(self)
        self.find.setObjectName("featureTableFind")
        self.find.setPlaceholderText("Filter rows: name, layer, country, actor, tag…")
        self.find.setClearButtonEnabled(True)
        self.find.setAccessibleName("Filter the table's rows")
        self.count_label = QLabel(self)
        self.count_label.setTextFormat(Qt.TextFormat.PlainText)
        self.save_csv_button = QToolButton(self)
        self.save_csv_button.setText("Save CSV…")
        self.save_csv_button.setToolTip("Save the rows shown as a CSV file")
        self.save_geojson_button = QToolButton(self)
        self.save_geojson_button.setText("Save GeoJSON…")
        self.save_geojson_button.setToolTip("Save the rows shown as GeoJSON")

        self.model = FeatureTableModel(self)
        self.view = _TableView(self)
        self.view.setObjectName("featureTable")
        self.view.setAccessibleName("Features")
        self.view.setModel(self.model)
        self.view.setSortingEnabled(True)
        # Catalog order until the user sorts (a click on a column title).
        self.view.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.view.horizontalHeader().setSortIndicatorShown(False)
        self.view.horizontalHeader().sortIndicatorChanged.connect(
            lambda *_: self.view.horizontalHeader().setSortIndicatorShown(True))
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setWordWrap(False)
        self.view.setMinimumHeight(24)  # the bottom docks share their height; the map keeps its room
        self.view.setAlternatingRowColors(True)
        self.view.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        self.view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.view.verticalHeader().hide()
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        widths = {"name": 300, "layer": 150, "date": 120, "countries": 90, "actors": 160, "tags": 140,
                  "figures": 200, "precision": 70, "sources": 60, "dating": 70}
        for i, column in enumerate(COLUMNS):
            header.resizeSection(i, widths.get(column.key, 100))

        top = QHBoxLayout()
        top.addWidget(self.find, 1)
        top.addWidget(self.count_label)
        top.addWidget(self.save_csv_button)
        top.addWidget(self.save_geojson_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.setSpacing(2)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)

        self._query_timer = QTimer(self)
        self._query_timer.setSingleShot(True)
        self._query_timer.setInterval(QUERY_DELAY_MS)
        self._query_timer.timeout.connect(self._apply_query)
        self.find.setText(state.table_query)
        self.find.textChanged.connect(self._on_find_edited)
        self.find.returnPressed.connect(self._apply_query)
        self.view.selectionModel().selectionChanged.connect(self._on_rows_selected)
        self.view.doubleClicked.connect(self._on_double_clicked)
        self.view.copyRequested.connect(self.copy_selection)
        self.save_csv_button.clicked.connect(self._on_save_csv)
        self.save_geojson_button.clicked.connect(self._on_save_geojson)
        state.shownChanged.connect(self._on_state_changed)
        state.selectionChanged.connect(self._on_map_selection)
        state.tableQueryChanged.connect(self._on_stored_query)
        self.refresh()

    # -- rows ----------------------------------------------------------------------------

    @property
    def rows(self) -> FeatureRows:
        return self.model.rows

    def _on_state_changed(self) -> None:
        """New rows when what the map shows changed (a new catalog changes layers and selection
        too: one refresh); the view's own key says whether anything did."""
        if self._state.shown_key != self._key:
            self.refresh()

    def refresh(self) -> None:
        """Rows anew from the state: what the map shows, keeping the sort, the query and the selection."""
        state = self._state
        self._key = state.shown_key
        # A cached layer's rows are read from its columns: no Feature object is built here.
        rows = FeatureRows(state.catalog, layers=state.shown_catalog().layers)
        column = self.view.horizontalHeader().sortIndicatorSection()
        if 0 <= column < len(COLUMNS) and self.view.horizontalHeader().isSortIndicatorShown():
            rows.sort(column, self.view.horizontalHeader().sortIndicatorOrder() == Qt.SortOrder.DescendingOrder)
        if self.find.text().strip():
            rows.set_query(self.find.text())
        self.model.set_rows(rows)
        self._update_count()
        self._on_map_selection(state.selected_id)
        self.rowsChanged.emit()

    def _on_find_edited(self, text: str) -> None:
        """Typed: the store keeps the row filter (the saved view has it), the rows follow once
        the keys settle."""
        self._state.set_table_query(text)
        self._query_timer.start()

    def _on_stored_query(self, text: str) -> None:
        """The row filter changed in the store (a saved view came back, Reset View, its undo):
        the box shows it and the rows follow at once."""
        if self.find.text() != text:
            self.find.blockSignals(True)
            try:
                self.find.setText(text)
            finally:
                self.find.blockSignals(False)
            self._apply_query()

    def _apply_query(self) -> None:
        self._query_timer.stop()
        rows = self.rows
        if rows.query == " ".join(self.find.text().split()).casefold() and rows.query:
            return
        self.model.set_query(self.find.text())
        self._update_count()
        self._on_map_selection(self._state.selected_id)

    def _update_count(self) -> None:
        rows = self.model.rows
        total = rows.total
        shown = len(rows)
        self.count_label.setText(f"{shown} of {total} rows" if shown != total else f"{shown} rows")

    # -- selection -----------------------------------------------------------------------

    def selected_rows(self) -> list[int]:
        return sorted(index.row() for index in self.view.selectionModel().selectedRows())

    def _on_rows_selected(self, *_args) -> None:
        if self._syncing:
            return
        current = self.view.currentIndex()
        rows = self.selected_rows()
        if not rows:
            return
        row = current.row() if current.isValid() and current.row() in rows else rows[0]
        feature_id = self.model.rows.feature_id(row)
        self._syncing = True
        try:
            self._state.select(feature_id)
        finally:
            self._syncing = False

    def _on_map_selection(self, feature_id: object) -> None:
        if self._syncing:
            return
        selection = self.view.selectionModel()
        self._syncing = True
        try:
            row = self.model.rows.row_of(feature_id) if isinstance(feature_id, str) else -1
            if row < 0:
                selection.clearSelection()
                return
            index = self.model.index(row, 0)
            if row in self.selected_rows() and self.view.currentIndex().row() == row:
                return
            flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
            selection.setCurrentIndex(index, flags)
            self.view.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)
        finally:
            self._syncing = False

    def _on_double_clicked(self, index: QModelIndex) -> None:
        if index.isValid():
            feature_id = self.model.rows.feature_id(index.row())
            self._state.select(feature_id)
            self.zoomToFeatureRequested.emit(feature_id)

    # -- copy and save -------------------------------------------------------------------

    def copy_selection(self) -> str:
        """Put the selected rows on the clipboard as tab-separated text (and return it)."""
        text = self.model.rows.tsv(self.selected_rows())
        if text:
            QGuiApplication.clipboard().setText(text)
            count = text.count("\n")
            self.statusMessage.emit(f"Copied {count} row{'s' * (count != 1)}")
        return text

    def save_csv(self, out: Path) -> None:
        """Write exactly the rows shown, in their order, as CSV (formula cells neutralised)."""
        from influencemap.fileio import write_text_atomic
        from influencemap.model.csv_table import to_csv

        rows = self.rows
        write_text_atomic(out, to_csv(rows.header(), (rows.cells(i) for i in range(len(rows)))))

    def save_geojson(self, out: Path) -> None:
        """Write exactly the rows shown as a GeoJSON FeatureCollection."""
        from influencemap.export.geojson import write_geojson

        write_geojson(self.rows.shown_catalog(), out)

    def _ask_path(self, title: str, name: str, pattern: str) -> Path | None:
        folder = QSettings().value("files/lastFolder", "", type=str) or str(Path.home())
        chosen, _ = QFileDialog.getSaveFileName(self, title, str(Path(folder) / name), pattern)
        if not chosen:
            return None
        out = Path(chosen)
        suffix = Path(name).suffix
        return out if out.suffix else out.with_suffix(suffix)

    def _save(self, writer, out: Path | None) -> None:
        if out is None:
            return
        try:
            writer(out)
        except (OSError, ValueError) as exc:
            QMessageBox.warning(self, "Save failed", f"Could not write {out}:\n{exc}")
            return
        count = len(self.rows)
        self.statusMessage.emit(f"Saved {count} row{'s' * (count != 1)} to {out}")

    def _on_save_csv(self) -> None:
        self._save(self.save_csv, self._ask_path("Save table as CSV", "features.csv", "CSV (*.csv)"))

    def _on_save_geojson(self) -> None:
        self._save(self.save_geojson, self._ask_path("Save table as GeoJSON", "features.geojson",
                                                     "GeoJSON (*.geojson *.json)"))
