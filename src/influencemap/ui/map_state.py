"""The thin Qt adapter over the app's store (:class:`~influencemap.model.view_state.ViewState`).

The truth — catalog, drawing order, visibility, filter and timeline range, selection, hover —
lives in the Qt-free store; this object only re-emits the store's events as Qt signals, so a
widget connects to a signal and Qt drops the connection when the widget is deleted (a plain
callback would keep calling a deleted widget). Reads and writes go straight to the store:
the properties and setters below forward to it, so views can hold one object.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from PySide6.QtCore import QObject, Signal

from influencemap.geo.basemaps import Basemap
from influencemap.model.catalog import Catalog
from influencemap.model.filters import FeatureFilter
from influencemap.model.types import Feature, Layer
from influencemap.model.view_state import Restored, ViewState


class MapState(QObject):
    catalogChanged = Signal()
    """A new catalog was loaded (the order, visibility and selection may have changed too)."""
    layersChanged = Signal()
    """Layer visibility or drawing order changed."""
    filterChanged = Signal()
    """The filter changed (a check, the timeline's range, Reset)."""
    shownChanged = Signal()
    """What the map shows changed (once per change of catalog, layers or filter)."""
    basemapChanged = Signal(object)
    """The chosen :class:`~influencemap.geo.basemaps.Basemap`."""
    selectionChanged = Signal(object)
    """The selected feature's id, or None."""
    hoverChanged = Signal(object)
    """The hovered feature's id, or None."""
    tableQueryChanged = Signal(str)
    """The feature table's row filter (a restored view, Reset View, or typed in the table)."""

    def __init__(self, store: ViewState | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store if store is not None else ViewState()
        events = self.store.events
        self._relays = (
            (events.catalog, self._relay_catalog),
            (events.layers, self._relay_layers),
            (events.filter, self._relay_filter),
            (events.shown, self._relay_shown),
            (events.basemap, self._relay_basemap),
            (events.selection, self._relay_selection),
            (events.hover, self._relay_hover),
            (events.table_query, self._relay_table_query),
        )
        for event, relay in self._relays:
            event.connect(relay)
        # The store may outlive this adapter (a test's, or a second window's): stop relaying
        # before the Qt object is gone.
        self.destroyed.connect(lambda *_args, relays=self._relays: _disconnect(relays))

    # -- relays (bound methods: the store holds them weakly) ----------------------------

    def _relay_catalog(self) -> None:
        self.catalogChanged.emit()

    def _relay_layers(self) -> None:
        self.layersChanged.emit()

    def _relay_filter(self) -> None:
        self.filterChanged.emit()

    def _relay_shown(self) -> None:
        self.shownChanged.emit()

    def _relay_basemap(self, basemap: object) -> None:
        self.basemapChanged.emit(basemap)

    def _relay_selection(self, feature_id: object) -> None:
        self.selectionChanged.emit(feature_id)

    def _relay_hover(self, feature_id: object) -> None:
        self.hoverChanged.emit(feature_id)

    def _relay_table_query(self, text: str) -> None:
        self.tableQueryChanged.emit(text)

    # -- the store's API, forwarded ------------------------------------------------------

    @property
    def catalog(self) -> Catalog:
        return self.store.catalog

    def set_catalog(self, catalog: Catalog, keep_layout: bool = True) -> None:
        self.store.set_catalog(catalog, keep_layout)

    def layer(self, layer_id: str) -> Layer:
        return self.store.layer(layer_id)

    @property
    def drawing_order(self) -> list[str]:
        return self.store.drawing_order

    @property
    def visible_layer_ids(self) -> list[str]:
        return self.store.visible_layer_ids

    def is_visible(self, layer_id: str) -> bool:
        return self.store.is_visible(layer_id)

    def set_visible(self, layer_id: str, visible: bool) -> None:
        self.store.set_visible(layer_id, visible)

    def set_drawing_order(self, order: Iterable[str]) -> None:
        self.store.set_drawing_order(order)

    @property
    def feature_filter(self) -> FeatureFilter | None:
        return self.store.feature_filter

    def set_filter(self, feature_filter: FeatureFilter | None) -> None:
        self.store.set_filter(feature_filter)

    def update_filter(self, **changes: Any) -> None:
        self.store.update_filter(**changes)

    @property
    def date_range(self) -> tuple[str | None, str | None]:
        return self.store.date_range

    def set_date_range(self, date_from: str | None, date_to: str | None) -> None:
        self.store.set_date_range(date_from, date_to)

    @property
    def include_undated(self) -> bool:
        return self.store.include_undated

    def set_include_undated(self, include: bool) -> None:
        self.store.set_include_undated(include)

    def reset_filter(self) -> None:
        self.store.reset_filter()

    @property
    def basemap(self) -> Basemap:
        return self.store.basemap

    def set_basemap(self, basemap: Basemap) -> None:
        self.store.set_basemap(basemap)

    @property
    def table_query(self) -> str:
        return self.store.table_query

    def set_table_query(self, text: str) -> None:
        self.store.set_table_query(text)

    @property
    def shown_key(self) -> tuple:
        return self.store.shown_key

    def shown_catalog(self) -> Catalog:
        return self.store.shown_catalog()

    def is_shown(self, feature_id: str) -> bool:
        return self.store.is_shown(feature_id)

    def passes_filter(self, feature_id: str) -> bool:
        return self.store.passes_filter(feature_id)

    @property
    def selected_id(self) -> str | None:
        return self.store.selected_id

    @property
    def selected_feature(self) -> Feature | None:
        return self.store.selected_feature

    def select(self, feature_id: str | None) -> None:
        self.store.select(feature_id)

    def reveal(self, feature_id: str) -> bool:
        return self.store.reveal(feature_id)

    @property
    def hovered_id(self) -> str | None:
        return self.store.hovered_id

    def to_plain(self) -> dict[str, Any]:
        return self.store.to_plain()

    def restore(self, plain: object, basemap: bool = True) -> Restored:
        return self.store.restore(plain, basemap)

    def reset_view(self) -> None:
        self.store.reset_view()

    def set_hovered(self, feature_id: str | None) -> None:
        self.store.set_hovered(feature_id)


def _disconnect(relays) -> None:
    for event, relay in relays:
        event.disconnect(relay)
