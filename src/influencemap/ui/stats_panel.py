"""The statistics panel: counts per layer and country, figures summed per unit, of what the map shows.

The rows are :func:`influencemap.model.stats.statistics` of the visible layers through the
current filter, recomputed whenever the catalog, the layers or the filter change. "Copy" puts
the plain-text report on the clipboard; "Save CSV…" writes the same CSV as
``influencemap stats --csv``.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from influencemap.fileio import write_text_atomic
from influencemap.model.filters import shown_catalog
from influencemap.model.present import country_label, format_number
from influencemap.model.stats import ALL, StatRow, statistics, to_csv, to_text
from influencemap.ui.map_state import MapState


def _group_label(row: StatRow) -> str:
    if row.group == ALL:
        return "All"
    if row.table.endswith("per country"):
        return country_label(row.group)
    return row.group


class StatsPanel(QWidget):
    statusMessage = Signal(str)

    def __init__(self, state: MapState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("statsPanel")
        self.setAccessibleName("Statistics")
        self._state = state
        self._rows: list[StatRow] = []
        self._last_csv: Path | None = None
        self.summary = QLabel(self)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setWordWrap(True)
        self.tree = QTreeWidget(self)
        self.tree.setObjectName("statsTree")
        self.tree.setAccessibleName("Statistics of the features shown")
        self.tree.setHeaderLabels(["Group", "Value"])
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.copy_button = QPushButton("Copy", self)
        self.copy_button.setToolTip("Copy the statistics as text")
        self.save_button = QPushButton("Save CSV…", self)
        self.save_button.setToolTip("Save the statistics as a CSV file")
        buttons = QHBoxLayout()
        buttons.addWidget(self.summary, 1)
        buttons.addWidget(self.copy_button)
        buttons.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.addWidget(self.tree, 1)
        layout.addLayout(buttons)

        # A burst of changes (a reload emits catalog, layers and selection) recomputes once.
        self._pending = QTimer(self)
        self._pending.setSingleShot(True)
        self._pending.setInterval(0)
        self._pending.timeout.connect(self.refresh)
        self.copy_button.clicked.connect(self.copy)
        self.save_button.clicked.connect(self._on_save_clicked)
        # Counting 100,000 features takes about half a second: while the panel is hidden (it
        # shares a tab with Details) changes only mark it out of date; showing it catches up.
        self._stale = False
        self._shown = True
        for signal in (state.catalogChanged, state.layersChanged, state.filterChanged):
            signal.connect(self._on_state_changed)
        self.refresh()

    @property
    def rows(self) -> list[StatRow]:
        """The statistics as shown (brought up to date first if the panel is out of date)."""
        self._catch_up()
        return list(self._rows)

    def set_shown(self, shown: bool) -> None:
        """Whether anyone can see the panel (its dock's tab is the current one): the window
        connects its dock's ``visibilityChanged`` here."""
        self._shown = shown
        if shown and self._stale:
            self._pending.start()

    def _on_state_changed(self) -> None:
        self._stale = True
        if self._shown:
            self._pending.start()
        else:  # Copy and Save catch up when used
            has_layers = bool(self._state.catalog.layers)
            self.copy_button.setEnabled(has_layers)
            self.save_button.setEnabled(has_layers)

    def _catch_up(self) -> None:
        if self._stale:
            self.refresh()

    def refresh(self) -> None:
        self._pending.stop()
        self._stale = False
        state = self._state
        catalog = shown_catalog(state.catalog, state.feature_filter, state.visible_layer_ids)
        self._rows = statistics(catalog)
        expanded = {
            self.tree.topLevelItem(i).text(0): self.tree.topLevelItem(i).isExpanded()
            for i in range(self.tree.topLevelItemCount())
        }
        self.tree.clear()
        bold = QFont(self.font())
        bold.setBold(True)
        tables: dict[str, QTreeWidgetItem] = {}
        for row in self._rows:
            parent = tables.get(row.table)
            if parent is None:
                parent = QTreeWidgetItem([row.table.capitalize(), ""])
                parent.setFont(0, bold)
                parent.setFirstColumnSpanned(True)
                tables[row.table] = parent
                self.tree.addTopLevelItem(parent)
            unit = "" if row.unit == "features" else f" {row.unit}".rstrip()
            child = QTreeWidgetItem([_group_label(row), f"{format_number(row.value)}{unit}"])
            child.setToolTip(0, _group_label(row))
            child.setTextAlignment(1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if row.group == ALL:
                child.setFont(0, bold)
                child.setFont(1, bold)
            parent.addChild(child)
        for title, item in ((item.text(0), item) for item in tables.values()):
            item.setExpanded(expanded.get(title, True))
        filtered = state.feature_filter is not None and state.feature_filter.is_active
        hidden = len(state.drawing_order) - len(state.visible_layer_ids)
        notes = []
        if filtered:
            notes.append("filtered")
        if hidden:
            notes.append(f"{hidden} layer{'s' * (hidden != 1)} hidden")
        count = catalog.feature_count
        self.summary.setText(f"{count} feature{'s' * (count != 1)} shown" + (f" ({', '.join(notes)})" if notes else ""))
        has_rows = count > 0
        self.copy_button.setEnabled(has_rows)
        self.save_button.setEnabled(has_rows)

    def copy(self) -> None:
        self._catch_up()
        QApplication.clipboard().setText(to_text(self._rows))
        self.statusMessage.emit("Statistics copied")

    def save_csv(self, out: Path) -> None:
        """Write the statistics as shown to ``out`` (``table,group,unit,value``)."""
        self._catch_up()
        write_text_atomic(Path(out), to_csv(self._rows))
        self._last_csv = Path(out)
        self.statusMessage.emit(f"Saved {out}")

    def _on_save_clicked(self) -> None:
        start = self._last_csv or Path.home() / "statistics.csv"
        name, _ = QFileDialog.getSaveFileName(self, "Save statistics", str(start), "CSV (*.csv)")
        if not name:
            return
        out = Path(name)
        if out.suffix.lower() != ".csv":
            out = out.with_suffix(".csv")
        try:
            self.save_csv(out)
        except OSError as exc:
            QMessageBox.warning(self, "Save failed", f"Could not write {out}:\n{exc}")
