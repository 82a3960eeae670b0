"""The statistics panel: counts per layer and country, and figures totalled per label and unit,
of what the map shows.

The rows are :func:`influencemap.model.stats.statistics` of the visible layers through the
current filter, recomputed whenever the catalog, the layers or the filter change. A one-line
note under the tree states the rule (which figures are added, which only listed). Every row
opens to the features it is made of (made when first opened: a count of 100,000 features is
not 100,000 items until someone asks), and choosing one emits :attr:`StatsPanel.featureChosen`.
"Copy" puts the plain-text report on the clipboard; "Save CSV…" writes the same CSV as
``influencemap stats --csv``.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QFont, QPalette
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
from influencemap.model.present import country_label, format_number
from influencemap.model.stats import (
    ALL,
    FIGURES_NOT_SUMMED,
    FIGURES_PER_COUNTRY,
    FIGURES_PER_YEAR,
    RULE,
    StatRow,
    statistics,
    to_csv,
    to_text,
)
from influencemap.ui.map_state import MapState

ROW_INDEX = Qt.ItemDataRole.UserRole
"""On a row's item: its index in :attr:`StatsPanel.rows`."""
FEATURE_ID = Qt.ItemDataRole.UserRole + 1
"""On a feature's item: the feature's id."""
GROUPED_TABLES = frozenset({FIGURES_PER_COUNTRY, FIGURES_PER_YEAR})
"""Tables whose rows sit under one item per group (country, year)."""
MAX_CHILDREN = 2000
"""A row opens to at most this many features (the feature table lists any number)."""


def _group_label(row: StatRow) -> str:
    if row.group == ALL:
        return "All"
    if row.table.endswith("per country"):
        return country_label(row.group)
    return row.group


def _row_label(row: StatRow) -> str:
    """What the first column shows: the group, and the figure's label for a figure row."""
    if not row.label or row.table == FIGURES_NOT_SUMMED:
        return _group_label(row) if row.table != FIGURES_NOT_SUMMED else row.label
    return f"{_group_label(row)} \N{EM DASH} {row.label}"


def _with_unit(value: float, unit: str) -> str:
    unit = "" if unit == "features" else f" {unit}".rstrip()
    return f"{format_number(value)}{unit}"


class StatsPanel(QWidget):
    statusMessage = Signal(str)
    featureChosen = Signal(str)
    """A feature under a row was clicked or activated: its id."""

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
        self.rule_note = QLabel(RULE, self)
        self.rule_note.setObjectName("statsRule")
        self.rule_note.setTextFormat(Qt.TextFormat.PlainText)
        self.rule_note.setWordWrap(True)
        note_font = QFont(self.rule_note.font())
        note_font.setPointSizeF(max(note_font.pointSizeF() - 1, 7))
        self.rule_note.setFont(note_font)
        self.rule_note.setForegroundRole(QPalette.ColorRole.PlaceholderText)
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
        layout.addWidget(self.rule_note)
        layout.addLayout(buttons)

        # A burst of changes (a reload emits catalog, layers and selection) recomputes once.
        self._pending = QTimer(self)
        self._pending.setSingleShot(True)
        self._pending.setInterval(0)
        self._pending.timeout.connect(self.refresh)
        self.tree.itemExpanded.connect(self._fill_features)
        self.tree.itemClicked.connect(self._on_item_chosen)
        self.tree.itemActivated.connect(self._on_item_chosen)
        self.copy_button.clicked.connect(self.copy)
        self.save_button.clicked.connect(self._on_save_clicked)
        # Counting 100,000 features takes about half a second: while the panel is hidden (it
        # shares a tab with Details) changes only mark it out of date; showing it catches up.
        self._stale = False
        self._shown = True
        state.shownChanged.connect(self._on_state_changed)
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
        catalog = state.shown_catalog()
        self._rows = statistics(catalog)
        expanded = {
            self.tree.topLevelItem(i).text(0): self.tree.topLevelItem(i).isExpanded()
            for i in range(self.tree.topLevelItemCount())
        }
        self.tree.clear()
        bold = QFont(self.font())
        bold.setBold(True)
        tables: dict[str, QTreeWidgetItem] = {}
        groups: dict[tuple[str, str], QTreeWidgetItem] = {}
        for index, row in enumerate(self._rows):
            parent = tables.get(row.table)
            if parent is None:
                parent = QTreeWidgetItem([row.table.capitalize(), ""])
                parent.setFont(0, bold)
                parent.setFirstColumnSpanned(True)
                tables[row.table] = parent
                self.tree.addTopLevelItem(parent)
            text = _row_label(row)
            if row.table in GROUPED_TABLES:
                # figure totals sit under their country or year, so that a narrow dock shows
                # the figure's label rather than the group's name again and again
                group = groups.get((row.table, row.group))
                if group is None:
                    group = groups[(row.table, row.group)] = QTreeWidgetItem([_group_label(row), ""])
                    group.setFirstColumnSpanned(True)
                    if row.group == ALL:
                        group.setFont(0, bold)
                    parent.addChild(group)
                    group.setExpanded(True)
                parent, text = group, row.label
            child = QTreeWidgetItem([text, _with_unit(row.value, row.unit)])
            tip = _row_label(row) if row.table != FIGURES_NOT_SUMMED else f"{row.label} ({row.group})"
            child.setToolTip(0, f"{tip}\nOpen the row to list the features it is made of")
            child.setTextAlignment(1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            child.setData(0, ROW_INDEX, index)
            if row.value or row.table.startswith("figures"):  # not row.parts: found when opened
                child.setChildIndicatorPolicy(QTreeWidgetItem.ChildIndicatorPolicy.ShowIndicator)
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

    def _fill_features(self, item: QTreeWidgetItem) -> None:
        """A row opened for the first time gets one child per feature it is made of."""
        index = item.data(0, ROW_INDEX)
        if index is None or item.childCount():
            return
        row = self._rows[index]
        catalog = self._state.catalog
        unit = row.unit
        children = []
        for feature_id, value in row.parts[:MAX_CHILDREN]:
            feature = catalog.find_feature(feature_id)
            name = feature.name if feature is not None else feature_id
            shown = "" if unit == "features" else _with_unit(value, unit)
            child = QTreeWidgetItem([name, shown])
            child.setToolTip(0, f"{name}\nClick to select it on the map")
            child.setTextAlignment(1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            child.setData(0, FEATURE_ID, feature_id)
            children.append(child)
        if len(row.parts) > MAX_CHILDREN:
            more = QTreeWidgetItem([f"\N{HORIZONTAL ELLIPSIS} and {len(row.parts) - MAX_CHILDREN:,} more (see the feature table)", ""])
            more.setFlags(Qt.ItemFlag.NoItemFlags)
            children.append(more)
        item.addChildren(children)

    def _on_item_chosen(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        feature_id = item.data(0, FEATURE_ID)
        if feature_id is not None:
            self.featureChosen.emit(str(feature_id))

    def row_item(self, row: StatRow) -> QTreeWidgetItem | None:
        """The tree's item showing ``row`` (one of :attr:`rows`, the same object), for scripts and tests."""
        self._catch_up()
        pending = [self.tree.topLevelItem(i) for i in range(self.tree.topLevelItemCount())]
        while pending:
            item = pending.pop()
            index = item.data(0, ROW_INDEX)
            if index is not None:
                if self._rows[index] is row:
                    return item
                continue  # its children are features
            pending += [item.child(j) for j in range(item.childCount())]
        return None

    def copy(self) -> None:
        self._catch_up()
        QApplication.clipboard().setText(to_text(self._rows))
        self.statusMessage.emit("Statistics copied")

    def save_csv(self, out: Path) -> None:
        """Write the statistics as shown to ``out`` (``table,group,label,unit,value``)."""
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
