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

What the user was looking at outlives the session: :meth:`ViewState.to_plain` gives it as
plain JSON-able data (layer order and visibility by id, filter, timeline range, undated,
basemap, selection, the feature table's row filter) and :meth:`ViewState.restore` puts it back
on whatever catalog is loaded then — files change between sessions, so everything that no
longer fits is dropped, never an error (the app keeps it per layers folder in its settings:
``influencemap.ui.view_memory``).

Of the app's three text boxes only the feature table's row filter is part of the view. It
decides which rows the table shows and which a "Save CSV" writes, as the map's filter decides
which features the map shows; a user who narrowed the table to the loans of one bank expects
the table to be so narrowed when the project reopens (and sees why: the text is in the box,
the count says "12 of 566 rows"). The search box and "Find in the lists…" are not kept: a
search is a question asked once (a box that reopened filled, listing old hits, would look
like a search the user just made), and "Find in the lists…" only hides checkboxes while the
user looks for one — reopened, it would hide filter values with nothing on the map to say so.
"""

from __future__ import annotations

import dataclasses
import inspect
import logging
import weakref
from collections.abc import Callable, Iterable
from typing import Any

from influencemap.geo.basemaps import BASEMAPS, OFFLINE, Basemap, BasemapError, custom_xyz, parse_basemap
from influencemap.model.dates import DateError, parse_partial_date
from influencemap.model.facets import facets
from influencemap.model.catalog import Catalog
from influencemap.model.filters import FeatureFilter, shown_catalog
from influencemap.model.layer_order import default_drawing_order, merged_order
from influencemap.model.types import Feature, Layer

log = logging.getLogger(__name__)

PLAIN_FORMAT = "influencemap-view"
PLAIN_VERSION = 1
"""What :meth:`ViewState.to_plain` writes; :meth:`ViewState.restore` reads only this version
(a newer app's snapshot is ignored rather than half understood)."""

FILTER_SETS = ("countries", "tags", "actors", "layers", "categories")
"""The filter's value lists, each a set of texts."""


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
        self.table_query = Event("table_query")
        """The feature table's row filter changed (gets the new text)."""
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
        self._table_query = ""
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

    # -- the feature table's row filter ---------------------------------------------------

    @property
    def table_query(self) -> str:
        """The text the feature table's rows are filtered by ("" shows every shown feature);
        it narrows the table (and what it saves), never the map."""
        return self._table_query

    def set_table_query(self, text: str) -> None:
        if not isinstance(text, str):
            raise TypeError(f"the table's row filter must be a text, not {type(text).__name__}")
        if text == self._table_query:
            return
        self._table_query = text
        self.events.table_query.emit(text)

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

    # -- remembered between sessions ----------------------------------------------------

    def to_plain(self) -> dict[str, Any]:
        """What the user is looking at, as plain data (dicts, lists, texts, booleans) that
        JSON keeps as is: layers by id (drawing order bottom first, the hidden ones), the
        filter with the timeline's range and the undated choice, the basemap, the selected
        feature, the feature table's row filter (see the module's docstring for why the
        other text boxes are not). Hover is passing, and not kept."""
        current = self._filter or FeatureFilter()
        basemap = self._basemap
        return {
            "format": PLAIN_FORMAT,
            "version": PLAIN_VERSION,
            "order": list(self._order),
            "hidden": [layer_id for layer_id in self._order if layer_id in self._hidden],
            "filter": {
                "date_from": current.date_from,
                "date_to": current.date_to,
                "include_undated": current.include_undated,
                **{name: sorted(getattr(current, name)) for name in FILTER_SETS},
            },
            "basemap": {"spec": basemap.spec, "max_zoom": basemap.max_zoom, "attribution": basemap.attribution},
            "selected": self._selected,
            "table_query": self._table_query,
        }

    def restore(self, plain: object, basemap: bool = True) -> Restored:
        """Put back what :meth:`to_plain` gave, on the catalog loaded now.

        The files may have changed since: layers no longer there are ignored and new ones
        appear, visible, in their default place; filter values no feature carries any more
        and dates that do not parse are dropped; a selected feature that is gone or not shown
        is not selected. Anything not in the expected shape (a broken or foreign settings
        value) is ignored: the result says what was dropped, the log too, nothing raises.
        ``basemap=False`` leaves the basemap alone (the command line chose one).

        One event of each kind at most, after everything is in place.
        """
        restored = Restored()
        if not isinstance(plain, dict):
            restored.note(f"not a saved view ({type(plain).__name__})")
            return restored.logged(logging.WARNING)
        if plain.get("format") != PLAIN_FORMAT or plain.get("version") != PLAIN_VERSION:
            restored.note(f"not a saved view of this version (format {plain.get('format')!r}, "
                          f"version {plain.get('version')!r})")
            return restored.logged(logging.WARNING)
        old = self._snapshot()

        order, hidden = self._plain_layers(plain, restored)
        self._order = order
        self._hidden = hidden
        self._filter = self._plain_filter(plain.get("filter"), restored)
        if basemap and "basemap" in plain:
            self._basemap = _plain_basemap(plain["basemap"], restored) or self._basemap
        selected = plain.get("selected")
        if selected is not None and not isinstance(selected, str):
            restored.note("the selected feature is not a text")
            selected = None
        if selected is not None and not self.is_shown(selected):
            restored.note(f"the selected feature '{selected}' is gone or not shown")
            selected = None
        self._selected = selected
        self._table_query = _plain_table_query(plain.get("table_query", ""), restored)
        if self._hovered is not None and not self.is_shown(self._hovered):
            self._hovered = None

        restored.applied = True
        self._emit_changes(old)
        return restored.logged()

    def restore_basemap(self, plain: object) -> Restored:
        """Only the basemap of a saved view (it needs no catalog: the app puts it back before
        the layers have loaded, so a basemap named on the command line still wins)."""
        restored = Restored()
        if isinstance(plain, dict) and plain.get("format") == PLAIN_FORMAT and plain.get("version") == PLAIN_VERSION:
            basemap = _plain_basemap(plain.get("basemap"), restored) if "basemap" in plain else None
            if basemap is not None:
                restored.applied = True
                self.set_basemap(basemap)
        return restored.logged()

    def reset_view(self) -> None:
        """Every layer visible and no filter, timeline range, undated choice or table row filter
        (View > Reset View: everything shows, in the table too); the drawing order, the basemap
        and a still shown selection stay."""
        old = self._snapshot()
        self._hidden = set()
        self._filter = None
        self._table_query = ""
        self._emit_changes(old)

    def _snapshot(self) -> tuple:
        """What :meth:`_emit_changes` compares with after several fields were set at once."""
        return list(self._order), set(self._hidden), self._filter, self._basemap, self._selected, self._table_query

    def _plain_layers(self, plain: dict, restored: Restored) -> tuple[list[str], set[str]]:
        default = default_drawing_order(self._catalog)
        saved = _texts(plain.get("order"), "the layer order", restored)
        known = set(default)
        gone = [layer_id for layer_id in saved if layer_id not in known]
        if gone:
            restored.note(f"{len(gone)} saved layer{'s' * (len(gone) != 1)} no longer loaded: {', '.join(gone[:5])}")
        order = merged_order(list(dict.fromkeys(saved)), default) if saved else default
        hidden = set(_texts(plain.get("hidden"), "the hidden layers", restored)) & known
        return order, hidden

    def _plain_filter(self, plain: object, restored: Restored) -> FeatureFilter | None:
        if plain is None:
            return None
        if not isinstance(plain, dict):
            restored.note("the filter is not a mapping")
            return None
        found = facets(self._catalog)
        offered = {
            "countries": found.countries.keys(),
            "tags": found.tags.keys(),
            "actors": found.actors.keys(),
            "layers": {layer.id for layer in self._catalog.layers},
            "categories": {layer.category for layer in self._catalog.layers if layer.category},
        }
        values: dict[str, Any] = {}
        for name in FILTER_SETS:
            wanted = _texts(plain.get(name), f"the filter's {name}", restored)
            kept = frozenset(value for value in wanted if value in offered[name])
            dropped = sorted(set(wanted) - kept)
            if dropped:
                restored.note(f"filter {name} no feature has now: {', '.join(dropped[:5])}")
            values[name] = kept
        for name in ("date_from", "date_to"):
            text = plain.get(name)
            if text is None:
                values[name] = None
                continue
            try:
                if not isinstance(text, str):
                    raise DateError(f"{text!r} is not a text")
                parse_partial_date(text)
            except DateError as error:
                restored.note(f"the timeline's {name.replace('_', ' ')}: {error}")
                text = None
            values[name] = text
        undated = plain.get("include_undated", False)
        if not isinstance(undated, bool):
            restored.note(f"include undated is not true or false: {undated!r}")
            undated = False
        feature_filter = FeatureFilter(include_undated=undated, **values)
        return None if feature_filter == FeatureFilter() else feature_filter

    def _emit_changes(self, old: tuple) -> None:
        """After several fields were set at once: each event whose part changed, once."""
        order, hidden, feature_filter, basemap, selected, table_query = old
        if self._selected is not None and not self.is_shown(self._selected):
            self._selected = None
        layers = order != self._order or hidden != self._hidden
        if layers:
            self.events.layers.emit()
        if feature_filter != self._filter:
            self.events.filter.emit()
        if basemap != self._basemap:
            self.events.basemap.emit(self._basemap)
        if selected != self._selected:
            self.events.selection.emit(self._selected)
        if table_query != self._table_query:
            self.events.table_query.emit(self._table_query)
        if layers or feature_filter != self._filter:
            self.events.shown.emit()

    def _layer_of(self, feature_id: str) -> str | None:
        feature = self._catalog.find_feature(feature_id)
        return feature.layer_id if feature else None


TABLE_QUERY_MAX = 500
"""A saved row filter longer than this is not one a person typed: ignored."""


def _plain_table_query(value: object, restored: Restored) -> str:
    """The saved table row filter, or "" when it is not a plausible one (not a text, too long,
    with control characters: a broken or foreign settings value)."""
    if not isinstance(value, str):
        restored.note(f"the table's row filter is not a text: {value!r}")
        return ""
    if len(value) > TABLE_QUERY_MAX or any(ord(c) < 32 or 0x7F <= ord(c) < 0xA0 for c in value):
        restored.note("the table's row filter is not one a person typed (too long or with control characters)")
        return ""
    return value


@dataclasses.dataclass
class Restored:
    """What :meth:`ViewState.restore` did: ``applied`` when the saved view was read (parts of
    it may have been dropped), ``dropped`` says what was left out and why."""

    applied: bool = False
    dropped: list[str] = dataclasses.field(default_factory=list)

    def note(self, text: str) -> None:
        self.dropped.append(text)

    def logged(self, level: int = logging.INFO) -> Restored:
        """Log what was dropped: files changing between sessions is normal (info); a saved
        value that is no saved view at all is worth a warning."""
        for text in self.dropped:
            log.log(level, "saved view: %s", text)
        return self


def _texts(value: object, what: str, restored: Restored) -> list[str]:
    """A saved list of texts; anything else is noted and read as empty."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        restored.note(f"{what} is not a list of texts")
        return []
    return value


def _plain_basemap(value: object, restored: Restored) -> Basemap | None:
    """The saved basemap: a named one, a custom XYZ server with its zoom and attribution (the
    tile provider's credit must come back with it), or an MBTiles file."""
    if not isinstance(value, dict) or not isinstance(value.get("spec"), str):
        restored.note("the basemap is not a saved basemap")
        return None
    spec = value["spec"]
    try:
        named = next((basemap for basemap in BASEMAPS if basemap.spec == spec), None)
        if named is not None:
            return named
        if spec.startswith("xyz:"):
            max_zoom = value.get("max_zoom", 19)
            attribution = value.get("attribution", "")
            if not isinstance(max_zoom, int) or isinstance(max_zoom, bool) or not isinstance(attribution, str):
                raise BasemapError("its max zoom or attribution is not readable")
            return custom_xyz(spec[4:], max_zoom, attribution)
        return parse_basemap(spec)
    except BasemapError as error:
        restored.note(f"the basemap {spec!r}: {error}")
        return None
