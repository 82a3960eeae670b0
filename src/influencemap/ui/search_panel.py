"""The search panel: a query box and the matching features with their layer and date.

Matching is :func:`influencemap.model.search.search` (case- and accent-insensitive, over names,
descriptions, actors, tags and source titles). Features the current filter hides (timeline,
countries, tags…) are not listed; features of a switched-off layer are, since choosing one
switches its layer back on. Choosing a result (click, Enter) emits :attr:`featureChosen`; the
window selects the feature and zooms to it.

A big catalog's search index takes seconds to build (a million features: ~4 s), so it is built
on a worker thread when the panel is first shown or searched, and the panel says "Indexing N
features…" meanwhile instead of freezing the window; the query runs as soon as it is ready.
Only the listed results are built (:meth:`influencemap.model.search.Matches.first`).
"""

from __future__ import annotations

import logging
import threading

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QShowEvent
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
from influencemap.model.catalog import Catalog
from influencemap.model.search import SearchHit, filter_rows, ready_search_index, search_index
from influencemap.ui.map_state import MapState

log = logging.getLogger(__name__)

MAX_RESULTS = 500
"""More than this is not a result list anyone reads; the count still tells how many matched."""

BUILD_AT_ONCE = 50_000
"""Up to this many features the index is built on the UI thread (a tenth of a second or less)."""

_ID_ROLE = Qt.ItemDataRole.UserRole


class _Indexed(QObject):
    done = Signal(object, bool)
    """(catalog, built) from the worker, queued to the UI thread."""


class SearchPanel(QWidget):
    featureChosen = Signal(str)
    """The id of the result the user chose."""
    indexReady = Signal()
    """The current catalog's search index is built (after "Indexing…")."""

    def __init__(self, state: MapState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("searchPanel")
        self.setAccessibleName("Search")
        self._state = state
        self._hits: list[SearchHit] = []
        self._indexing: Catalog | None = None  # the catalog a worker is indexing
        self._failed: Catalog | None = None  # the catalog whose index could not be built
        self._indexed = _Indexed(self)
        self._indexed.done.connect(self._on_indexed)
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
        self._start_indexing()
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

    def is_indexing(self) -> bool:
        """True while the current catalog's index is being built off the UI thread."""
        return self._indexing is not None and self._indexing is self._state.catalog

    def refresh(self) -> None:
        self._debounce.stop()
        text = self.query.text()
        catalog = self._state.catalog
        feature_filter = self._state.feature_filter
        self.results.clear()
        self._hits = []
        if not text.strip():
            self.summary.setText("Type to search the features.")
            return
        index = ready_search_index(catalog)
        if index is None:
            if catalog is self._failed:
                self.summary.setText("Search is unavailable: its index could not be built (see the log).")
                return
            if catalog.feature_count > BUILD_AT_ONCE:
                self._start_indexing()
                self.summary.setText(f"Indexing {catalog.feature_count:,} features…")
                return
            index = search_index(catalog)
        # The filter as a row mask from the layers' columns: a million rows are one numpy `&`.
        active = feature_filter is not None and feature_filter.is_active
        matches = index.find(text, filter_rows(catalog, feature_filter) if active else None)
        count, hits = len(matches), matches.first(MAX_RESULTS)
        self._hits = hits
        items = []
        for hit in hits:
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
        if not count:
            hidden = "" if feature_filter is None or not feature_filter.is_active else " (filters are active)"
            self.summary.setText(f"No matches{hidden}.")
        else:
            shown = f", first {MAX_RESULTS} listed" if count > MAX_RESULTS else ""
            self.summary.setText(f"{count:,} match{'es' * (count != 1)}{shown}")

    def showEvent(self, event: QShowEvent) -> None:
        # Shown means a search is likely: a big catalog's index starts now, not at the first key.
        super().showEvent(event)
        self._start_indexing()

    def _start_indexing(self) -> None:
        """Build the current catalog's index on a worker thread if it is big and not built."""
        catalog = self._state.catalog
        if (catalog.feature_count <= BUILD_AT_ONCE or self.is_indexing() or catalog is self._failed
                or ready_search_index(catalog) is not None):
            return
        self._indexing = catalog
        signal = self._indexed

        def build() -> None:
            built = True
            try:
                search_index(catalog)
            except Exception:  # unforeseen: said in the panel, the window keeps working
                log.exception("building the search index failed")
                built = False
            try:
                signal.done.emit(catalog, built)
            except RuntimeError:  # the panel is gone
                pass

        threading.Thread(target=build, name="search-index", daemon=True).start()

    def _on_indexed(self, catalog: Catalog, built: bool) -> None:
        if catalog is self._indexing:
            self._indexing = None
        if not built:
            self._failed = catalog
        if catalog is self._state.catalog:
            if self.query.text().strip():
                self.refresh()
            self.indexReady.emit()

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
