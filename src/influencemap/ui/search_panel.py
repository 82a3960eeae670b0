"""The search panel: a query box and the matching features with their layer and date.

Matching is :func:`influencemap.model.search.search` (case- and accent-insensitive, over names,
descriptions, actors, tags and source titles). Features the current filter hides (timeline,
countries, tags…) are not listed; features of a switched-off layer are, since choosing one
switches its layer back on. Choosing a result (click, Enter) emits :attr:`featureChosen`; the
window selects the feature and zooms to it.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from influencemap.model.dates import format_partial_date
from influencemap.model.search import SearchHit, search
from influencemap.ui.map_state import MapState

MAX_RESULTS = 500
"""More than this is not a result list anyone reads; the count still tells how many matched."""

_ID_ROLE = Qt.ItemDataRole.UserRole


class SearchPanel(QWidget):
    featureChosen = Signal(str)
    """The id of the result the user chose."""

    def __init__(self, state: MapState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("searchPanel")
        self.setAccessibleName("Search")
        self._state = state
        self._hits: list[SearchHit] = []
        self.query = QLineEdit(self)
        self.query.setObjectName("searchQuery")
        self.query.setPlaceholderText("Search names, actors, tags, sources…")
        self.query.setAccessibleName("Search features")
        self.query.setClearButtonEnabled(True)
        self.summary = QLabel(self)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.results = QTreeWidget(self)
        self.results.setObjectName("searchResults")
        self.results.setAccessibleName("Search results")
        self.results.setHeaderLabels(["Name", "Layer", "Date"])
        self.results.setRootIsDecorated(False)
        self.results.setUniformRowHeights(True)
        self.results.setAlternatingRowColors(True)
        self.results.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.results.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        # Long layer names are elided (full name in the tooltip) so the date always stays in view.
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        header.resizeSection(1, self.fontMetrics().horizontalAdvance("Diplomacy, v"))
        self.results.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.results.setTextElideMode(Qt.TextElideMode.ElideRight)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.addWidget(self.query)
        layout.addWidget(self.summary)
        layout.addWidget(self.results, 1)

        # Typing re-runs the search once the keys settle, not on every key.
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(120)
        self._debounce.timeout.connect(self.refresh)
        self.query.textChanged.connect(lambda _text: self._debounce.start())
        self.query.returnPressed.connect(self._on_return_pressed)
        self.query.installEventFilter(self)
        self.results.itemActivated.connect(self._on_item_chosen)
        self.results.itemClicked.connect(self._on_item_chosen)
        state.catalogChanged.connect(self.refresh)
        state.filterChanged.connect(self.refresh)
        self.refresh()

    # -- queries from the window and tests -------------------------------------------------

    def focus_search(self) -> None:
        """Put the cursor in the query box with its text selected (Ctrl+F)."""
        self.query.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.query.selectAll()

    def set_query(self, text: str) -> None:
        """Search for ``text`` now."""
        self.query.setText(text)
        self.refresh()

    def result_ids(self) -> list[str]:
        """The ids of the listed results, in order."""
        return [self.results.topLevelItem(i).data(0, _ID_ROLE) for i in range(self.results.topLevelItemCount())]

    def choose(self, row: int) -> None:
        """Choose the result in ``row``, as a click would."""
        self._on_item_chosen(self.results.topLevelItem(row))

    # -- handlers ------------------------------------------------------------------------

    def refresh(self) -> None:
        self._debounce.stop()
        text = self.query.text()
        catalog = self._state.catalog
        feature_filter = self._state.feature_filter
        hits = search(catalog, text)
        if feature_filter is not None and feature_filter.is_active:
            hits = [h for h in hits if self._state.passes_filter(h.feature_id)]
        self._hits = hits
        self.results.clear()
        items = []
        for hit in hits[:MAX_RESULTS]:
            layer = catalog.layer(hit.layer_id).name
            # The date as written (2020-09-24) is compact and sorts; the tooltip spells it out.
            when = hit.start or "undated"
            item = QTreeWidgetItem([hit.name, layer, when])
            if hit.start:
                item.setToolTip(2, format_partial_date(hit.start))
            item.setData(0, _ID_ROLE, hit.feature_id)
            item.setToolTip(0, hit.name)
            item.setToolTip(1, layer)
            items.append(item)
        self.results.addTopLevelItems(items)
        if not text.strip():
            self.summary.setText("Type to search the features.")
        elif not hits:
            hidden = "" if feature_filter is None or not feature_filter.is_active else " (filters are active)"
            self.summary.setText(f"No matches{hidden}.")
        else:
            shown = f", first {MAX_RESULTS} listed" if len(hits) > MAX_RESULTS else ""
            self.summary.setText(f"{len(hits)} match{'es' * (len(hits) != 1)}{shown}")

    def _on_return_pressed(self) -> None:
        self.refresh()
        if self.results.topLevelItemCount():
            self.results.setCurrentItem(self.results.topLevelItem(0))
            self.choose(0)

    def _on_item_chosen(self, item: QTreeWidgetItem | None) -> None:
        if item is not None:
            self.featureChosen.emit(item.data(0, _ID_ROLE))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Down in the query box moves into the results, as in a browser's address bar.
        if watched is self.query and event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            if event.key() == Qt.Key.Key_Down and self.results.topLevelItemCount():
                self.results.setFocus(Qt.FocusReason.OtherFocusReason)
                if self.results.currentItem() is None:
                    self.results.setCurrentItem(self.results.topLevelItem(0))
                return True
        return super().eventFilter(watched, event)
