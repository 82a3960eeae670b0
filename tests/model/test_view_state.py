"""The store of what is shown (model/view_state.py), without Qt: its events fire once per real
change, a view can write back without a loop, reloads keep the user's layout, and one method
answers "the catalog as currently shown"."""

from __future__ import annotations

import gc

import pytest

from influencemap.model.catalog import Catalog
from influencemap.model.filters import FeatureFilter
from influencemap.model.view_state import Event, ViewState

LOANS = """\
id: loans
name: Loans
category: Economy
features:
  - {id: minsk-loan, name: Minsk loan, point: [27.56, 53.90], countries: [BY], date: 2012, sources: [doc-a]}
  - {id: kyiv-loan, name: Kyiv loan, point: [30.52, 50.45], countries: [UA], date: 2016, sources: [doc-a]}
  - {id: undated-loan, name: Undated loan, point: [71.45, 51.17], countries: [KZ], sources: [doc-a]}
"""

EMBASSIES = """\
id: embassies
name: Embassies
category: Diplomacy
features:
  - {id: minsk-embassy, name: Minsk embassy, point: [27.57, 53.91], countries: [BY], date: 2014, sources: [doc-a]}
"""

PORTS = """\
id: ports
name: Ports
category: Economy
features:
  - {id: kyiv-port, name: Kyiv port, point: [30.50, 50.40], countries: [UA], date: 2018, sources: [doc-a]}
"""


@pytest.fixture
def catalog(files) -> Catalog:
    files.write("loans.yaml", LOANS)
    files.write("embassies.yaml", EMBASSIES)
    loaded = files.load()
    assert not loaded.errors, [p.format() for p in loaded.errors]
    return loaded


class Recorder:
    """A view: records every event it hears, as ``(name, args)``."""

    def __init__(self, store: ViewState) -> None:
        self.heard: list[tuple] = []
        for name in ("catalog", "layers", "filter", "selection", "hover", "shown"):
            getattr(store.events, name).connect(lambda *args, name=name: self.heard.append((name, *args)))

    def names(self) -> list[str]:
        return [entry[0] for entry in self.heard]


def shown_ids(store: ViewState) -> list[str]:
    return [f.id for f in store.shown_catalog().features()]


def test_the_store_works_with_qt_blocked(tmp_path, run_with_qt_blocked):
    (tmp_path / "l.yaml").write_text(
        "id: l\nname: L\nsources: [{id: s, title: S}]\nfeatures:\n"
        "  - {id: f, name: F, point: [27.5, 53.9], countries: [BY], date: 2015, sources: [s]}\n"
        "  - {id: g, name: G, point: [30.5, 50.4], countries: [UA], date: 2019, sources: [s]}\n",
        encoding="utf-8",
    )
    run_with_qt_blocked(
        f"""
        from influencemap.model.loader import load_catalog
        from influencemap.model.view_state import ViewState
        store = ViewState(load_catalog([{str(tmp_path)!r}], include_bundled_sources=False))
        heard = []
        store.events.shown.connect(lambda: heard.append('shown'))
        store.set_date_range('2016', None)
        store.select('g')
        assert [f.id for f in store.shown_catalog().features()] == ['g'], store.shown_catalog()
        store.set_visible('l', False)
        assert store.selected_id is None and store.shown_catalog().feature_count == 0
        assert heard == ['shown', 'shown']
        """
    )


def test_a_new_catalog_is_shown_whole_in_the_default_order(catalog):
    store = ViewState()
    heard = Recorder(store)
    store.set_catalog(catalog, keep_layout=False)
    # One category each, listed top first in load order: the bottom layer is the last loaded.
    assert store.drawing_order == list(reversed([layer.id for layer in catalog.layers]))
    assert store.visible_layer_ids == store.drawing_order
    assert heard.names() == ["catalog", "layers", "selection", "shown"]
    assert shown_ids(store) == [f.id for f in catalog.features()]


def test_setters_emit_only_on_change(catalog):
    store = ViewState(catalog)
    heard = Recorder(store)
    store.set_visible("loans", True)
    store.set_drawing_order(store.drawing_order)
    store.set_filter(None)
    store.select(None)
    store.set_hovered(None)
    assert heard.heard == []

    store.set_visible("loans", False)
    store.set_visible("loans", False)
    store.set_filter(FeatureFilter(countries=frozenset({"BY"})))
    store.set_filter(FeatureFilter(countries=frozenset({"BY"})))
    store.select("minsk-embassy")
    store.select("minsk-embassy")
    store.set_hovered("minsk-embassy")
    store.set_hovered("minsk-embassy")
    assert heard.heard == [
        ("layers",), ("shown",), ("filter",), ("shown",), ("selection", "minsk-embassy"), ("hover", "minsk-embassy"),
    ]


def test_a_view_writing_back_what_it_heard_makes_no_loop(catalog):
    store = ViewState(catalog)
    calls = []

    def echo() -> None:  # a panel that writes its widgets' state back on every change
        calls.append(store.feature_filter)
        store.set_filter(store.feature_filter)
        store.set_date_range(*store.date_range)

    store.events.filter.connect(echo)
    store.set_date_range("2013", "2016")
    assert calls == [FeatureFilter(date_from="2013", date_to="2016")]


def test_hiding_or_filtering_out_the_selected_feature_deselects_it(catalog):
    store = ViewState(catalog)
    store.select("minsk-loan")
    heard = Recorder(store)
    store.set_visible("loans", False)
    assert store.selected_id is None
    assert heard.names() == ["selection", "layers", "shown"]

    store.set_visible("loans", True)
    store.select("kyiv-loan")
    store.set_filter(FeatureFilter(countries=frozenset({"BY"})))
    assert store.selected_id is None
    store.select("minsk-loan")  # still shown: kept through a date range that covers it
    store.set_date_range("2010", "2013")
    assert store.selected_id == "minsk-loan"


def test_the_timeline_range_is_part_of_the_filter_and_keeps_the_other_criteria(catalog):
    store = ViewState(catalog)
    store.update_filter(countries=frozenset({"BY", "KZ"}))
    store.set_date_range("2013", None)
    assert store.date_range == ("2013", None)
    assert store.feature_filter == FeatureFilter(date_from="2013", countries=frozenset({"BY", "KZ"}))
    assert shown_ids(store) == ["minsk-embassy"]  # the undated Astana loan is hidden while a range is set
    store.set_include_undated(True)
    assert store.include_undated
    assert sorted(shown_ids(store)) == ["minsk-embassy", "undated-loan"]
    store.reset_filter()
    assert store.feature_filter is None and store.date_range == (None, None) and not store.include_undated
    heard = Recorder(store)
    store.update_filter(countries=frozenset())  # nothing set is no filter, and no change
    store.set_filter(FeatureFilter())
    assert store.feature_filter is None and heard.heard == []
    store.set_date_range("2013", None)
    store.set_date_range(None, None)  # the timeline back to all years: no filter left
    assert store.feature_filter is None


def test_the_shown_catalog_is_the_visible_layers_through_the_filter(catalog):
    store = ViewState(catalog)
    first = store.shown_catalog()
    assert store.shown_catalog() is first  # made once, shared by the table, the statistics and the exports
    store.set_visible("embassies", False)
    store.set_date_range(None, "2013")
    shown = store.shown_catalog()
    assert shown is not first
    assert [layer.id for layer in shown.layers] == ["loans"]
    assert [f.id for f in shown.features()] == ["minsk-loan"]
    assert shown.sources is catalog.sources  # citations still resolve in an export
    assert store.is_shown("minsk-loan") and not store.is_shown("kyiv-loan") and not store.is_shown("minsk-embassy")
    # a hidden layer's feature the filter lets through (search lists it; choosing it shows its layer)
    store.set_date_range(None, "2014")
    assert store.passes_filter("minsk-embassy") and not store.is_shown("minsk-embassy")
    assert not store.passes_filter("kyiv-loan")
    store.set_visible("loans", False)
    assert store.shown_catalog().feature_count == 0  # no visible layer is an empty map, not every layer


def test_a_reload_keeps_order_visibility_and_selection(catalog, files):
    store = ViewState(catalog)
    store.set_drawing_order(list(reversed(store.drawing_order)))
    order = store.drawing_order
    store.set_visible("embassies", False)
    store.select("kyiv-loan")
    files.write("ports.yaml", PORTS)
    reloaded = files.load()
    store.set_catalog(reloaded)
    assert [i for i in store.drawing_order if i != "ports"] == order
    assert "ports" in store.visible_layer_ids and not store.is_visible("embassies")
    assert store.selected_id == "kyiv-loan"

    (files.folder / "loans.yaml").write_text(LOANS.replace("kyiv-loan", "kyiv-credit"), encoding="utf-8")
    store.set_catalog(files.load())
    assert store.selected_id is None  # its feature is gone
    store.set_catalog(files.load(), keep_layout=False)
    assert store.visible_layer_ids == store.drawing_order  # a new folder: everything shows


def test_the_basemap_is_offline_until_another_is_chosen(catalog):
    from influencemap.geo.basemaps import OFFLINE, OSM

    store = ViewState(catalog)
    heard = []
    store.events.basemap.connect(heard.append)
    assert store.basemap == OFFLINE
    store.set_basemap(OSM)
    store.set_basemap(OSM)
    assert store.basemap == OSM and heard == [OSM]
    store.set_catalog(catalog)  # a reload keeps it
    assert store.basemap == OSM


def test_revealing_a_feature_shows_its_layer_and_selects_it(catalog):
    store = ViewState(catalog)
    store.set_visible("embassies", False)
    assert store.reveal("minsk-embassy")
    assert store.is_visible("embassies") and store.selected_id == "minsk-embassy"
    assert not store.reveal("no-such-feature") and store.selected_id == "minsk-embassy"


def test_bad_writes_are_refused(catalog):
    store = ViewState(catalog)
    with pytest.raises(ValueError):
        store.set_drawing_order(["loans"])
    with pytest.raises(KeyError):
        store.set_visible("no-such-layer", False)
    with pytest.raises(KeyError):
        store.select("no-such-feature")
    assert store.selected_id is None and store.visible_layer_ids == store.drawing_order


def test_a_view_that_is_gone_is_neither_kept_nor_called(catalog):
    store = ViewState(catalog)

    class View:
        calls = 0

        def on_shown(self) -> None:
            View.calls += 1

    view = View()
    store.events.shown.connect(view.on_shown)
    store.set_visible("loans", False)
    del view
    gc.collect()
    store.set_visible("loans", True)
    assert View.calls == 1
    assert store.events.shown.callback_count == 0


def test_one_failing_view_does_not_keep_the_others_out_of_date():
    event = Event("shown")
    heard = []

    def broken() -> None:
        raise RuntimeError("a broken view")

    event.connect(broken)
    event.connect(lambda: heard.append("second"))
    with pytest.raises(RuntimeError, match="a broken view"):
        event.emit()
    assert heard == ["second"]
    event.disconnect(broken)
    event.emit()
    assert heard == ["second", "second"]


# -- remembered between sessions (to_plain / restore) ----------------------------------------


def _looked_at(store: ViewState) -> tuple:
    """Everything a saved view holds, to compare two stores."""
    return (store.drawing_order, store.visible_layer_ids, store.feature_filter, store.basemap, store.selected_id,
            store.table_query)


def test_a_saved_view_comes_back_whole_through_json(catalog, files):
    import json

    from influencemap.geo.basemaps import custom_xyz

    store = ViewState(catalog)
    store.set_drawing_order(list(reversed(store.drawing_order)))
    store.set_visible("embassies", False)
    store.set_filter(FeatureFilter(date_from="2010-03", date_to="2016", include_undated=True,
                                   countries=frozenset({"UA", "KZ"}), categories=frozenset({"Economy"})))
    tiles = custom_xyz("https://tiles.example.org/{z}/{x}/{y}.png", 12, "© Example tiles")
    store.set_basemap(tiles)
    store.select("kyiv-loan")
    saved = json.loads(json.dumps(store.to_plain()))  # what the settings file keeps

    later = ViewState(files.load())  # the next session: the same files, read again
    heard = Recorder(later)
    basemaps = []
    later.events.basemap.connect(basemaps.append)
    result = later.restore(saved)
    assert result.applied and result.dropped == []
    assert _looked_at(later) == _looked_at(store)
    assert later.basemap.attribution == "© Example tiles" and later.basemap.max_zoom == 12
    assert sorted(shown_ids(later)) == ["kyiv-loan", "undated-loan"]
    assert heard.names() == ["layers", "filter", "selection", "shown"] and basemaps == [tiles]
    assert later.restore(saved).dropped == [] and heard.names() == ["layers", "filter", "selection", "shown"]


def test_restoring_onto_changed_files_drops_what_is_gone_and_shows_what_is_new(catalog, files):
    store = ViewState(catalog)
    store.set_visible("embassies", False)
    store.set_filter(FeatureFilter(countries=frozenset({"BY", "KZ"}), tags=frozenset({"gone-tag"}), date_from="2011"))
    store.select("minsk-loan")
    saved = store.to_plain()

    # Between sessions the embassies file was deleted, the Astana loan (the only KZ feature)
    # and the Minsk loan's id changed, and a ports layer was added.
    (files.folder / "embassies.yaml").unlink()
    files.write("loans.yaml", LOANS.replace("minsk-loan", "minsk-credit").replace(
        "  - {id: undated-loan, name: Undated loan, point: [71.45, 51.17], countries: [KZ], sources: [doc-a]}\n", ""))
    files.write("ports.yaml", PORTS)
    later = ViewState(files.load())
    result = later.restore(saved)

    assert result.applied
    assert set(later.drawing_order) == {"loans", "ports"}
    assert later.visible_layer_ids == later.drawing_order  # the new layer shows, in its place
    assert later.feature_filter == FeatureFilter(countries=frozenset({"BY"}), date_from="2011")
    assert later.selected_id is None
    assert shown_ids(later) == ["minsk-credit"]
    said = " | ".join(result.dropped)
    assert "embassies" in said and "KZ" in said and "gone-tag" in said and "minsk-loan" in said


def test_a_saved_layer_order_keeps_new_layers_in_their_default_place(files):
    files.write("loans.yaml", LOANS)
    files.write("embassies.yaml", EMBASSIES)
    store = ViewState(files.load())
    assert store.drawing_order == ["loans", "embassies"]  # Diplomacy listed first, so on top
    store.set_drawing_order(["embassies", "loans"])
    saved = store.to_plain()
    # A new Diplomacy layer, loaded before the embassies: by default just above them.
    files.write("consulates.yaml", EMBASSIES.replace("embassies", "consulates").replace("minsk-embassy", "minsk-consulate"))
    later = ViewState(files.load())
    assert later.drawing_order == ["loans", "embassies", "consulates"]
    later.restore(saved)
    assert later.drawing_order == ["embassies", "consulates", "loans"]


@pytest.mark.parametrize(
    "garbage",
    [
        None,
        "order=loans",
        ["loans"],
        {"format": "something-else", "version": 1},
        {"format": "influencemap-view", "version": 99, "hidden": ["loans"]},
        {"format": "influencemap-view", "version": 1, "order": "loans", "hidden": [1, 2], "filter": "BY",
         "basemap": {"spec": "gopher://tiles"}, "selected": 5, "table_query": 7},
        {"format": "influencemap-view", "version": 1, "hidden": None, "selected": ["minsk-loan"],
         "filter": {"date_from": "2020-13", "date_to": 2016, "include_undated": "yes", "countries": "BY",
                    "tags": [None]},
         "basemap": {"spec": "xyz:https://t.example.org/{z}/{x}/{y}.png", "max_zoom": "twelve"},
         "table_query": "loan\x00" + "x" * 600},
    ],
    ids=["none", "text", "list", "foreign", "newer", "wrong-types", "wrong-values"],
)
def test_a_broken_or_foreign_saved_view_is_ignored_and_logged(catalog, garbage, caplog):
    import logging

    store = ViewState(catalog)
    store.set_visible("embassies", False)
    store.set_date_range("2013", None)
    store.set_table_query("bank")
    before = _looked_at(store)
    with caplog.at_level(logging.INFO, logger="influencemap.model.view_state"):
        result = store.restore(garbage)
    assert result.dropped, "every broken part is named"
    assert caplog.records and all("saved view" in record.getMessage() for record in caplog.records)
    if isinstance(garbage, dict) and garbage.get("format") == "influencemap-view" and garbage.get("version") == 1:
        # read, its broken parts left out: every layer shows, no filter, no selection
        assert result.applied
        assert store.visible_layer_ids == store.drawing_order and store.feature_filter is None
        assert store.selected_id is None and store.basemap.spec == "offline"
        assert store.table_query == ""  # a row filter no person typed is not put in the table's box
    else:
        assert not result.applied and _looked_at(store) == before


def test_reset_view_shows_every_layer_and_feature_and_keeps_the_order(catalog):
    store = ViewState(catalog)
    store.set_drawing_order(list(reversed(store.drawing_order)))
    order = store.drawing_order
    store.set_visible("loans", False)
    store.set_filter(FeatureFilter(countries=frozenset({"BY"}), date_from="2013", include_undated=True))
    store.select("minsk-embassy")
    heard = Recorder(store)
    store.reset_view()
    assert store.visible_layer_ids == order and store.feature_filter is None
    assert store.selected_id == "minsk-embassy"  # still shown: kept
    assert heard.names() == ["layers", "filter", "shown"]
    store.reset_view()
    assert heard.names() == ["layers", "filter", "shown"]  # nothing to reset: no event


def test_the_basemap_alone_comes_back_before_any_layer_is_loaded(catalog):
    from influencemap.geo.basemaps import OFFLINE, OPENTOPOMAP

    store = ViewState(catalog)
    store.set_basemap(OPENTOPOMAP)
    saved = store.to_plain()
    empty = ViewState()  # the window before its layers arrive
    assert empty.restore_basemap(saved).applied and empty.basemap == OPENTOPOMAP
    for broken in (None, {"format": "influencemap-view", "version": 1, "basemap": {"spec": "ftp://x"}},
                   {"format": "influencemap-view", "version": 1}):
        later = ViewState()
        assert not later.restore_basemap(broken).applied and later.basemap == OFFLINE


def test_the_tables_row_filter_is_saved_with_the_view_cleared_by_reset_view_and_undone(catalog, files):
    import json

    store = ViewState(catalog)
    typed = []
    store.events.table_query.connect(typed.append)
    store.set_table_query("minsk bank")
    store.set_table_query("minsk bank")  # the same text again: no event
    assert typed == ["minsk bank"]
    saved = json.loads(json.dumps(store.to_plain()))
    assert saved["table_query"] == "minsk bank"

    later = ViewState(files.load())
    heard = []
    later.events.table_query.connect(heard.append)
    assert later.restore(saved).dropped == []
    assert later.table_query == "minsk bank" and heard == ["minsk bank"]

    before = later.to_plain()
    later.reset_view()  # everything shows again, in the table too
    assert later.table_query == "" and heard == ["minsk bank", ""]
    later.restore(before, basemap=False)  # Undo Reset View
    assert later.table_query == "minsk bank"

    # A view saved before the table's filter was kept has none: no complaint, an empty box.
    older = {key: value for key, value in saved.items() if key != "table_query"}
    result = later.restore(older)
    assert result.dropped == [] and later.table_query == ""
    with pytest.raises(TypeError):
        later.set_table_query(None)  # type: ignore[arg-type]
