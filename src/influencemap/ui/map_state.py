"""The app's one store: the loaded catalog, the layers' drawing order and visibility, the filter,
and the selected and hovered feature.

The canvas, the layers panel and the details panel all read from it and subscribe to its
signals; none keeps its own copy of the truth. Setters only emit when something changed, so
views can write back without loops.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from influencemap.model.catalog import Catalog
from influencemap.model.filters import FeatureFilter
from influencemap.model.types import Feature, Layer
from influencemap.render.drawing_order import default_drawing_order


class MapState(QObject):
    catalogChanged = Signal()
    """A new catalog was loaded (the order, visibility and selection may have changed too)."""
    layersChanged = Signal()
    """Layer visibility or drawing order changed."""
    filterChanged = Signal()
    selectionChanged = Signal(object)
    """The selected feature's id, or None."""
    hoverChanged = Signal(object)
    """The hovered feature's id, or None."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._catalog = Catalog()
        self._order: list[str] = []
        self._hidden: set[str] = set()
        self._filter: FeatureFilter | None = None
        self._selected: str | None = None
        self._hovered: str | None = None

    # -- catalog -------------------------------------------------------------------------

    @property
    def catalog(self) -> Catalog:
        return self._catalog

    def set_catalog(self, catalog: Catalog, keep_layout: bool = True) -> None:
        """Show a newly loaded catalog.

        With ``keep_layout`` (a reload), layers that are still there keep their place and
        visibility and the selection is kept if its feature still exists; new layers start
        visible in their default place.
        """
        default = default_drawing_order(catalog)
        if keep_layout:
            known = [layer_id for layer_id in self._order if layer_id in default]
            new = [layer_id for layer_id in default if layer_id not in known]
            self._order = _merge(known, new, default)
            self._hidden &= set(default)
        else:
            self._order = default
            self._hidden = set()
        self._catalog = catalog
        if self._selected is not None and (not keep_layout or catalog.find_feature(self._selected) is None):
            self._selected = None
        self._hovered = None
        self.catalogChanged.emit()
        self.layersChanged.emit()
        self.selectionChanged.emit(self._selected)

    # -- layers --------------------------------------------------------------------------

    @property
    def drawing_order(self) -> list[str]:
        """Every layer id, bottom first."""
        return list(self._order)

    @property
    def visible_layer_ids(self) -> list[str]:
        """The visible layers, bottom first: what the renderer draws and identify can hit."""
        return [layer_id for layer_id in self._order if layer_id not in self._hidden]

    def is_visible(self, layer_id: str) -> bool:
        return layer_id not in self._hidden

    def set_visible(self, layer_id: str, visible: bool) -> None:
        if visible == self.is_visible(layer_id):
            return
        if visible:
            self._hidden.discard(layer_id)
        else:
            self._hidden.add(layer_id)
            if self._selected and self._layer_of(self._selected) == layer_id:
                self.select(None)
        self.layersChanged.emit()

    def set_drawing_order(self, order: list[str]) -> None:
        """A new order (bottom first) for the same layers."""
        if sorted(order) != sorted(self._order):
            raise ValueError("the new drawing order must hold exactly the loaded layers")
        if order == self._order:
            return
        self._order = list(order)
        self.layersChanged.emit()

    def layer(self, layer_id: str) -> Layer:
        return self._catalog.layer(layer_id)

    # -- filter --------------------------------------------------------------------------

    @property
    def feature_filter(self) -> FeatureFilter | None:
        return self._filter

    def set_filter(self, feature_filter: FeatureFilter | None) -> None:
        if feature_filter == self._filter:
            return
        self._filter = feature_filter
        if self._selected and not self.is_shown(self._selected):
            self.select(None)
        self.filterChanged.emit()

    def is_shown(self, feature_id: str) -> bool:
        """True when the feature is drawn: its layer is visible and the filter accepts it."""
        feature = self._catalog.find_feature(feature_id)
        if feature is None or feature.layer_id in self._hidden:
            return False
        if self._filter is None:
            return True
        return self._filter.accepts_layer(self._catalog.layer(feature.layer_id)) and self._filter.accepts(feature)

    # -- selection and hover -------------------------------------------------------------

    @property
    def selected_id(self) -> str | None:
        return self._selected

    @property
    def selected_feature(self) -> Feature | None:
        return self._catalog.find_feature(self._selected) if self._selected else None

    def select(self, feature_id: str | None) -> None:
        if feature_id is not None and self._catalog.find_feature(feature_id) is None:
            raise KeyError(f"no feature with id '{feature_id}'")
        if feature_id == self._selected:
            return
        self._selected = feature_id
        self.selectionChanged.emit(feature_id)

    @property
    def hovered_id(self) -> str | None:
        return self._hovered

    def set_hovered(self, feature_id: str | None) -> None:
        if feature_id == self._hovered:
            return
        self._hovered = feature_id
        self.hoverChanged.emit(feature_id)

    def _layer_of(self, feature_id: str) -> str | None:
        feature = self._catalog.find_feature(feature_id)
        return feature.layer_id if feature else None


def _merge(known: list[str], new: list[str], default: list[str]) -> list[str]:
    """Keep the user's order of known layers; put each new layer above its default neighbour."""
    order = list(known)
    for layer_id in new:
        position = default.index(layer_id)
        below = [d for d in default[:position] if d in order]
        order.insert(order.index(below[-1]) + 1 if below else 0, layer_id)
    return order
