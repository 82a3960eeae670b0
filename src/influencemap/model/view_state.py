"""The app's one store of what is shown: the loaded catalog, the layers' drawing order and
visibility, the filter (with the timeline's date range), the basemap, the selected and the
hovered feature.

Qt-free, as napari's ``ViewerModel``: the map canvas, every panel, the feature table and every
export read this object, and none keeps its own copy of the truth. Views learn of changes
through plain-Python events (``store.events.filter.connect(callback)``); the app's widgets
subscribe through the thin Qt adapter :class:`influencemap.ui.map_state.MapState`, which
re-emits the events as signals (Qt then drops a connection when its widget is deleted).

Setters emit only when something changed, so a view can write back what it was just told
without a loop. What the map shows — visible layers, through the filter — is answered by one
method, :meth:`ViewState.shown_catalog`, which the table, the statistics and the exports call.
"""

from __future__ import annotations

import dataclasses
import inspect
import weakref
from collections.abc import Callable, Iterable
from typing import Any

from influencemap.geo.basemaps import OFFLINE, Basemap
from influencemap.model.catalog import Catalog
from influencemap.model.filters import FeatureFilter, shown_catalog
from influencemap.model.layer_order import default_drawing_order, merged_order
from influencemap.model.types import Feature, Layer


class Event:
    """Callbacks called in the order they connected, each with the event's arguments.

    A bound method is held weakly (a view that is gone is not kept alive nor called); other
    callables are held until disconnected. When a callback raises, the others are still
    called and the first error is raised afterwards, so one broken view cannot leave the rest
    out of date.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self._callbacks: list[Callable[[], Callable[..., Any] | None]] = []

    def connect(self, callback: Callable[..., Any]) -> Callable[..., Any]:
        if inspect.ismethod(callback):
            ref: Callable[[], Callable[..., Any] | None] = weakref.WeakMethod(callback)
        else:
            ref = _Strong(callback)
        self._callbacks.append(ref)
        return callback

    def disconnect(self, callback: Callable[..., Any]) -> None:
        """Forget ``callback`` (nothing happens when it was not connected)."""
        self._callbacks = [ref for ref in self._callbacks if ref() not in (None, callback)]

    @property
    def callback_count(self) -> int:
        return sum(1 for ref in self._callbacks if ref() is not None)

    def emit(self, *args: Any) -> None:
        first_error: BaseException | None = None
        for ref in list(self._callbacks):
            callback = ref()
            if callback is None:
                continue
            try:
                callback(*args)
            except Exception as exc:  # re-raised below, after every view has heard
                first_error = first_error or exc
        self._callbacks = [ref for ref in self._callbacks if ref() is not None]
        if first_error is not None:
            raise first_error


class _Strong:
    def __init__(self, callback: Callable[..., Any]) -> None:
        self._callback = callback

    def __call__(self) -> Callable[..., Any]:
        return self._callback


class ViewEvents:
    """The store's events. ``catalog``, ``layers`` and ``filter`` take no argument;
    ``selection`` and ``hover`` get the feature id (or None)."""

    def __init__(self) -> None:
        self.catalog = Event("catalog")
        """A new catalog was loaded (order, visibility and selection may have changed too)."""
        self.layers = Event("layers")
        """Layer visibility or drawing order changed."""
        self.filter = Event("filter")
        """The filter changed (checks, the timeline's date range, include undated)."""
        self.basemap = Event("basemap")
        """The basemap under the layers changed (gets the new :class:`Basemap`)."""
        self.selection = Event("selection")
        self.hover = Event("hover")
        self.shown = Event("shown")
        """What the map shows changed (after ``catalog``, ``layers`` or ``filter``): once per
        change, for views that only care about the result (the table, the statistics)."""


class ViewState:
    """What the app shows. Every setter checks its argument and emits only on change."""

    def __init__(self, catalog: Catalog | None = None) -> None:
        self.events = ViewEvents()
        self._catalog = Catalog()
        self._order: list[str] = []
        self._hidden: set[str] = set()
        self._filter: FeatureFilter | None = None
        self._selected: str | None = None
        self._hovered: str | None = None
        self._basemap: Basemap = OFFLINE
        self._shown: tuple[tuple, Catalog] | None = None
        if catalog is not None:
            self.set_catalog(catalog, keep_layout=False)

    # -- catalog -------------------------------------------------------------------------

    @property
    def catalog(self) -> Catalog:
        """Everything loaded, shown or not."""
        return self._catalog

    def set_catalog(self, catalog: Catalog, keep_layout: bool = True) -> None:
        """Show a newly loaded catalog.

        With ``keep_layout`` (a reload), layers that are still there keep their place and
        visibility and the selection is kept if its feature still exists; new layers start
        visible in their default place. The filter is kept either way (the panels list the
        values it holds even when the new catalog lost them, so they can be unchecked).
        """
        default = default_drawing_order(catalog)
        if keep_layout:
            self._order = merged_order(self._order, default)
            self._hidden &= set(default)
        else:
            self._order = default
            self._hidden = set()
        self._catalog = catalog
        if self._selected is not None and (not keep_layout or catalog.find_feature(self._selected) is None):
            self._selected = None
        self._hovered = None
        self.events.catalog.emit()
        self.events.layers.emit()
        self.events.selection.emit(self._selected)
        self.events.shown.emit()

    def layer(self, layer_id: str) -> Layer:
        return self._catalog.layer(layer_id)

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
        """Show or hide a loaded layer; hiding the selected feature's layer clears the selection."""
        if layer_id not in self._order:
            raise KeyError(f"no layer with id '{layer_id}'")
        if visible == self.is_visible(layer_id):
            return
        if visible:
            self._hidden.discard(layer_id)
        else:
            self._hidden.add(layer_id)
            if self._selected and self._layer_of(self._selected) == layer_id:
                self.select(None)
        self.events.layers.emit()
        self.events.shown.emit()

    def set_drawing_order(self, order: Iterable[str]) -> None:
        """A new order (bottom first) for the same layers."""
        order = list(order)
        if sorted(order) != sorted(self._order):
            raise ValueError("the new drawing order must hold exactly the loaded layers")
        if order == self._order:
            return
        self._order = order
        self.events.layers.emit()
        self.events.shown.emit()

    # -- filter and timeline -------------------------------------------------------------

    @property
    def feature_filter(self) -> FeatureFilter | None:
        return self._filter

    def set_filter(self, feature_filter: FeatureFilter | None) -> None:
        """Filter what is shown (None: no filter); a selected feature the filter now hides is
        deselected. A filter that sets nothing is stored as None: "no filter" has one spelling,
        so views comparing filters see no change where there is none."""
        if feature_filter == FeatureFilter():
            feature_filter = None
        if feature_filter == self._filter:
            return
        self._filter = feature_filter
        if self._selected and not self.is_shown(self._selected):
            self.select(None)
        self.events.filter.emit()
        self.events.shown.emit()

    def update_filter(self, **changes: Any) -> None:
        """Change some of the filter's fields (``countries=…``, ``date_from=…``), keep the rest."""
        self.set_filter(dataclasses.replace(self._filter or FeatureFilter(), **changes))

    @property
    def date_range(self) -> tuple[str | None, str | None]:
        """The timeline's range, ``(date_from, date_to)`` as ``YYYY[-MM[-DD]]``; None is open."""
        current = self._filter or FeatureFilter()
        return current.date_from, current.date_to

    def set_date_range(self, date_from: str | None, date_to: str | None) -> None:
        """Show only features whose span overlaps the range (the timeline's handles)."""
        self.update_filter(date_from=date_from, date_to=date_to)

    @property
    def include_undated(self) -> bool:
        return (self._filter or FeatureFilter()).include_undated

    def set_include_undated(self, include: bool) -> None:
        self.update_filter(include_undated=include)

    def reset_filter(self) -> None:
        """Show every feature of the visible layers again (Reset)."""
        self.set_filter(None)

    # -- basemap -------------------------------------------------------------------------

    @property
    def basemap(self) -> Basemap:
        """What the layers are drawn on: the offline outlines or a tile basemap. The image
        export draws on it, the map sheet too, and the HTML export opens its page on it."""
        return self._basemap

    def set_basemap(self, basemap: Basemap) -> None:
        if basemap == self._basemap:
            return
        self._basemap = basemap
        self.events.basemap.emit(basemap)

    # -- what is shown -------------------------------------------------------------------

    @property
    def shown_key(self) -> tuple:
        """Equal as long as what is shown is the same (catalog, visible layers in order,
        filter): views compare it to skip work."""
        return id(self._catalog), tuple(self.visible_layer_ids), self._filter

    def shown_catalog(self) -> Catalog:
        """The catalog as the map shows it ("export what I see"): the visible layers only,
        through the filter; no visible layer is an empty catalog. Sources and problems are
        kept. Layers stay in load order: the drawing order is :attr:`visible_layer_ids`.

        Made once per change and shared by every caller (table, statistics, exports).
        """
        key = self.shown_key
        if self._shown is None or self._shown[0] != key:
            self._shown = (key, shown_catalog(self._catalog, self._filter, self.visible_layer_ids))
        return self._shown[1]

    def shown_features(self) -> list[Feature]:
        """Every shown feature, in load order (layer by layer)."""
        return list(self.shown_catalog().features())

    def is_shown(self, feature_id: str) -> bool:
        """True when the feature is drawn: its layer is visible and the filter accepts it."""
        feature = self._catalog.find_feature(feature_id)
        if feature is None or feature.layer_id in self._hidden:
            return False
        return self.passes_filter(feature_id)

    def passes_filter(self, feature_id: str) -> bool:
        """True when the filter (and the timeline) let the feature through, whether its layer
        is visible or not: search lists hidden layers' features, and choosing one shows its
        layer, but never a feature the filter hides."""
        feature = self._catalog.find_feature(feature_id)
        if feature is None:
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
        """Select a feature (None: nothing). Any loaded feature can be selected; the canvas
        highlights it only while it is shown."""
        if feature_id is not None and self._catalog.find_feature(feature_id) is None:
            raise KeyError(f"no feature with id '{feature_id}'")
        if feature_id == self._selected:
            return
        self._selected = feature_id
        self.events.selection.emit(feature_id)

    def reveal(self, feature_id: str) -> bool:
        """Select a feature and show its layer if hidden (a search hit, a statistics row, a
        feature just saved); False when there is no such feature."""
        feature = self._catalog.find_feature(feature_id)
        if feature is None:
            return False
        self.set_visible(feature.layer_id, True)
        self.select(feature_id)
        return True

    @property
    def hovered_id(self) -> str | None:
        return self._hovered

    def set_hovered(self, feature_id: str | None) -> None:
        if feature_id == self._hovered:
            return
        self._hovered = feature_id
        self.events.hover.emit(feature_id)

    def _layer_of(self, feature_id: str) -> str | None:
        feature = self._catalog.find_feature(feature_id)
        return feature.layer_id if feature else None
