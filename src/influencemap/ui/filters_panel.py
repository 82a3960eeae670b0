"""The filters panel: checkable lists of the catalog's countries, tags, actors and layer categories.

A feature shows when it has any checked value of a list, for every list with checks (the rules
of :class:`FeatureFilter`). The panel is a view of the filter in :class:`MapState`: a check
writes the filter there, and a filter set elsewhere (Reset) updates the checks.
"""

from __future__ import annotations

from collections import Counter

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QPalette
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QToolBox,
    QVBoxLayout,
    QWidget,
)

from influencemap.geo.gazetteer import fold
from influencemap.model.facets import faceted_counts, facets
from influencemap.model.filters import FeatureFilter
from influencemap.model.present import country_label
from influencemap.ui.map_state import MapState

FACETS = (
    ("countries", "Countries"),
    ("tags", "Tags"),
    ("actors", "Actors"),
    ("categories", "Layer categories"),
)
"""(FeatureFilter field, title) of each list, in display order."""

_VALUE_ROLE = Qt.ItemDataRole.UserRole
_LABEL_ROLE = Qt.ItemDataRole.UserRole + 1
_COUNT_ROLE = Qt.ItemDataRole.UserRole + 2


class FiltersPanel(QWidget):
    def __init__(self, state: MapState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("filtersPanel")
        self.setAccessibleName("Filters")
        self._state = state
        self._writing = False
        self._counts_stale = True

        self.find = QLineEdit(self)
        self.find.setObjectName("filtersFind")
        self.find.setPlaceholderText("Find in the lists…")
        self.find.setAccessibleName("Find in the filter lists")
        self.find.setClearButtonEnabled(True)
        self.toolbox = QToolBox(self)
        self.lists: dict[str, QListWidget] = {}
        for name, title in FACETS:
            widget = QListWidget(self)
            widget.setObjectName(f"filter_{name}")
            widget.setAccessibleName(f"Filter by {title.lower()}")
            widget.setUniformItemSizes(True)
            widget.itemChanged.connect(lambda _item, name=name: self._on_item_changed(name))
            self.lists[name] = widget
            self.toolbox.addItem(widget, title)
        self.clear_button = QPushButton("Clear checks", self)
        self.clear_button.setToolTip("Uncheck every country, tag, actor and category (the timeline stays)")
        hint = QLabel("A feature shows when it has one of the checked values in each list.", self)
        hint.setWordWrap(True)
        font = hint.font()
        font.setPointSizeF(font.pointSizeF() * 0.9)
        hint.setFont(font)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.addWidget(self.find)
        layout.addWidget(self.toolbox, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(hint, 1)
        bottom.addWidget(self.clear_button)
        layout.addLayout(bottom)

        self.find.textChanged.connect(self._on_find_changed)
        self.clear_button.clicked.connect(self.clear_checks)
        state.catalogChanged.connect(self._on_catalog_changed)
        state.filterChanged.connect(self._on_filter_changed)
        state.layersChanged.connect(self._update_counts)
        self._on_catalog_changed()

    # -- used by the window and tests ----------------------------------------------------

    def values(self, name: str) -> list[str]:
        """The values a list offers, in order."""
        widget = self.lists[name]
        return [widget.item(i).data(_VALUE_ROLE) for i in range(widget.count())]

    def set_checked(self, name: str, value: str, checked: bool = True) -> None:
        """Check or uncheck ``value`` in list ``name``, as a click would."""
        widget = self.lists[name]
        for i in range(widget.count()):
            item = widget.item(i)
            if item.data(_VALUE_ROLE) == value:
                item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
                return
        raise KeyError(f"no {value!r} in the {name} list")

    def clear_checks(self) -> None:
        self._write_filter(**{name: frozenset() for name, _title in FACETS})

    # -- handlers ------------------------------------------------------------------------

    def _checked(self, name: str) -> frozenset[str]:
        widget = self.lists[name]
        return frozenset(
            widget.item(i).data(_VALUE_ROLE)
            for i in range(widget.count())
            if widget.item(i).checkState() == Qt.CheckState.Checked
        )

    def _write_filter(self, **changes) -> None:
        self._writing = True
        try:
            self._state.update_filter(**changes)
        finally:
            self._writing = False
        self._update_titles()

    def _on_item_changed(self, name: str) -> None:
        self._write_filter(**{name: self._checked(name)})

    def _on_catalog_changed(self) -> None:
        found = facets(self._state.catalog)
        current = self._state.feature_filter or FeatureFilter()
        for name, _title in FACETS:
            counts: Counter[str] = getattr(found, name)
            # Values the filter holds but the catalog lost (a reload) stay listed, so they can be unchecked.
            for value in getattr(current, name):
                counts.setdefault(value, 0)
            label = country_label if name == "countries" else str
            rows = sorted(counts.items(), key=lambda item: (-item[1], fold(label(item[0]))))
            widget = self.lists[name]
            widget.blockSignals(True)
            try:
                widget.clear()
                for value, count in rows:
                    item = QListWidgetItem(f"{label(value)}  ({count})")
                    item.setData(_VALUE_ROLE, value)
                    item.setData(_LABEL_ROLE, label(value))
                    item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
                    item.setCheckState(Qt.CheckState.Checked if value in getattr(current, name) else Qt.CheckState.Unchecked)
                    item.setToolTip(f"{count} feature{'s' * (count != 1)}")
                    widget.addItem(item)
            finally:
                widget.blockSignals(False)
        self._on_find_changed(self.find.text())
        self._update_titles()
        self._update_counts()

    def _update_counts(self) -> None:
        """Each value's count given the other lists' checks, the timeline and the visible layers
        (faceted search); values with no match stay listed, dimmed. The order stays as loaded
        (by the whole catalog's counts), so checking a value never moves the others."""
        if not self.isVisible():
            # Counted when next shown (or asked for): 100,000 features take a tenth of a second.
            self._counts_stale = True
            return
        self._update_counts_now()

    def _update_counts_now(self) -> None:
        self._counts_stale = False
        state = self._state
        found = faceted_counts(state.catalog, state.feature_filter, state.visible_layer_ids).facets
        dim = QBrush(self.palette().color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text))
        for name, _title in FACETS:
            counts = getattr(found, name)
            widget = self.lists[name]
            widget.blockSignals(True)
            try:
                for i in range(widget.count()):
                    item = widget.item(i)
                    count = counts.get(item.data(_VALUE_ROLE), 0)
                    item.setText(f"{item.data(_LABEL_ROLE)}  ({count})")
                    item.setData(_COUNT_ROLE, count)
                    item.setForeground(dim if count == 0 else QBrush())
                    item.setToolTip(
                        f"{count} feature{'s' * (count != 1)} with the other filters as they are"
                        if count else "No feature matches with the other filters as they are"
                    )
            finally:
                widget.blockSignals(False)
        self._on_find_changed(self.find.text())

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._counts_stale:
            self._update_counts()

    def count(self, name: str, value: str) -> int:
        """The count a list shows for ``value`` (given the other filters)."""
        if self._counts_stale:
            self._counts_stale = False
            self._update_counts_now()
        widget = self.lists[name]
        for i in range(widget.count()):
            if widget.item(i).data(_VALUE_ROLE) == value:
                return int(widget.item(i).data(_COUNT_ROLE))
        raise KeyError(f"no {value!r} in the {name} list")

    def is_dimmed(self, name: str, value: str) -> bool:
        return self.count(name, value) == 0

    def _on_filter_changed(self) -> None:
        self._update_counts()
        if self._writing:
            return
        current = self._state.feature_filter or FeatureFilter()
        for name, _title in FACETS:
            wanted = getattr(current, name)
            widget = self.lists[name]
            widget.blockSignals(True)
            try:
                for i in range(widget.count()):
                    item = widget.item(i)
                    state = Qt.CheckState.Checked if item.data(_VALUE_ROLE) in wanted else Qt.CheckState.Unchecked
                    if item.checkState() != state:
                        item.setCheckState(state)
            finally:
                widget.blockSignals(False)
        self._update_titles()

    def _on_find_changed(self, text: str) -> None:
        words = fold(text).split()
        for widget in self.lists.values():
            for i in range(widget.count()):
                item = widget.item(i)
                haystack = fold(item.text())
                item.setHidden(not all(w in haystack for w in words))

    def _update_titles(self) -> None:
        for index, (name, title) in enumerate(FACETS):
            checked = len(self._checked(name))
            self.toolbox.setItemText(index, f"{title} — {checked} checked" if checked else title)
