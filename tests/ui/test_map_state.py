"""The Qt adapter over the store (ui/map_state.py): it re-emits each store event as its signal,
writes reach the one store, widgets follow changes made to the store by plain Python, and
neither a deleted adapter nor a deleted widget is called again."""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import Qt

from influencemap.model.filters import FeatureFilter
from influencemap.model.loader import load_catalog
from influencemap.model.view_state import ViewState
from influencemap.ui.map_state import MapState

from tests.ui.conftest import KYIV, MINSK


def _catalog(layers):
    layers.point_layer("econ", [("minsk-plant", "Plant in Minsk", MINSK), ("kyiv-port", "Port in Kyiv", KYIV)], "#0000ff")
    layers.point_layer("diplo", [("minsk-visit", "Visit to Minsk", MINSK)], "#ff0000", category="Diplomacy")
    return load_catalog([layers.folder])


def _record(adapter: MapState) -> list[tuple]:
    heard: list[tuple] = []
    for name in ("catalogChanged", "layersChanged", "filterChanged", "shownChanged", "selectionChanged", "hoverChanged"):
        getattr(adapter, name).connect(lambda *args, name=name: heard.append((name, *args)))
    return heard


def test_each_store_event_is_re_emitted_as_its_signal(layers, qtbot):
    store = ViewState()
    adapter = MapState(store)
    heard = _record(adapter)
    store.set_catalog(_catalog(layers), keep_layout=False)
    assert heard == [("catalogChanged",), ("layersChanged",), ("selectionChanged", None), ("shownChanged",)]
    heard.clear()
    store.set_visible("diplo", False)
    store.set_filter(FeatureFilter(date_to="2020"))
    store.select("kyiv-port")
    store.set_hovered("minsk-plant")
    assert heard == [
        ("layersChanged",), ("shownChanged",), ("filterChanged",), ("shownChanged",),
        ("selectionChanged", "kyiv-port"), ("hoverChanged", "minsk-plant"),
    ]


def test_writes_through_the_adapter_reach_the_one_store(layers, qtbot):
    store = ViewState(_catalog(layers))
    adapter = MapState(store)
    adapter.set_visible("econ", False)
    adapter.set_date_range("2015", None)
    adapter.update_filter(countries=frozenset({"BY"}))
    adapter.select("minsk-visit")
    assert not store.is_visible("econ")
    assert store.feature_filter == FeatureFilter(date_from="2015", countries=frozenset({"BY"}))
    assert store.selected_id == "minsk-visit"
    assert adapter.shown_catalog() is store.shown_catalog()
    assert (adapter.catalog, adapter.drawing_order, adapter.visible_layer_ids) == (
        store.catalog, store.drawing_order, store.visible_layer_ids)


def test_a_saved_view_restored_through_the_adapter_is_heard_once_per_signal(layers, qtbot):
    store = ViewState(_catalog(layers))
    store.set_visible("diplo", False)
    store.set_filter(FeatureFilter(layers=frozenset({"econ"})))  # the panel's layer filter
    store.select("kyiv-port")
    saved = store.to_plain()
    store.reset_view()
    store.select(None)
    adapter = MapState(store)
    heard = _record(adapter)
    assert adapter.restore(saved).applied and adapter.to_plain() == saved
    assert heard == [("layersChanged",), ("filterChanged",), ("selectionChanged", "kyiv-port"), ("shownChanged",)]
    heard.clear()
    adapter.reset_view()
    assert heard == [("layersChanged",), ("filterChanged",), ("shownChanged",)]
    assert store.visible_layer_ids == store.drawing_order and store.feature_filter is None


def test_a_panel_follows_a_change_made_to_the_store_by_plain_python(layers, qtbot):
    from influencemap.ui.layers_panel import LayersPanel

    store = ViewState(_catalog(layers))
    panel = LayersPanel(MapState(store))
    qtbot.addWidget(panel)
    assert panel.layer_item("econ").checkState(0) == Qt.CheckState.Checked
    store.set_visible("econ", False)
    assert panel.layer_item("econ").checkState(0) == Qt.CheckState.Unchecked
    store.set_drawing_order(list(reversed(store.drawing_order)))
    assert list(reversed(panel.panel_order())) == store.drawing_order
    # and the panel's own write comes back to it once, without a loop
    panel.layer_item("econ").setCheckState(0, Qt.CheckState.Checked)
    assert store.is_visible("econ")


def test_a_deleted_adapter_is_not_called_again(layers, qtbot):
    store = ViewState(_catalog(layers))
    before = store.events.layers.callback_count
    adapter = MapState(store)
    assert store.events.layers.callback_count == before + 1
    shiboken6.delete(adapter)
    assert store.events.layers.callback_count == before
    store.set_visible("econ", False)  # would raise "Internal C++ object already deleted" if still relayed
    assert not store.is_visible("econ")


def test_a_deleted_widget_is_dropped_by_qt(layers, qtbot):
    from influencemap.ui.feature_table import FeatureTablePanel

    store = ViewState(_catalog(layers))
    adapter = MapState(store)
    table = FeatureTablePanel(adapter)
    assert len(table.rows) == 3
    shiboken6.delete(table)
    store.set_visible("econ", False)
    store.select("minsk-visit")
    assert store.shown_catalog().feature_count == 1


def test_the_map_sheet_dialog_follows_the_store_while_open(layers, qtbot, settings_file):
    """A reload (the file watcher) or any other change while File > Export Map… is open: the
    preview and the file show the map as it is now, not as it was when the dialog opened."""
    from influencemap.ui.export_dialog import ExportMapDialog

    store = ViewState(_catalog(layers))
    dialog = ExportMapDialog(MapState(store), (20.0, 45.0, 40.0, 60.0), settings_file)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.previews_drawn >= 1, timeout=20000)
    assert {f.id for f in dialog._sheet.catalog.features()} == {"minsk-plant", "kyiv-port", "minsk-visit"}
    drawn = dialog.previews_drawn
    store.set_visible("econ", False)
    qtbot.waitUntil(lambda: dialog.previews_drawn > drawn, timeout=20000)
    assert dialog.status_label.text().startswith("1 features")
    assert [f.id for f in dialog._sheet.catalog.features()] == ["minsk-visit"]
    assert dialog._sheet.layer_ids == ("diplo",)


def test_the_basemap_is_the_stores_and_every_view_of_it_follows(two_layer_window, tmp_path):
    """Chosen in the store (by any code), the basemap is what the canvas draws on, what the
    menu ticks and what the image export draws on."""
    from influencemap.geo.basemaps import OFFLINE, mbtiles

    window = two_layer_window
    assert window.store.basemap == OFFLINE and window.canvas.tile_source is None
    chosen = mbtiles(tmp_path / "missing.mbtiles")  # a missing file: nothing is fetched, a note shows
    window.store.set_basemap(chosen)
    assert window.canvas.basemap == chosen
    assert window.canvas.tile_source is not None and window.canvas.tile_source.basemap == chosen
    assert window.canvas.export_settings().tiles.basemap == chosen
    assert window.basemap_menu.actions[chosen.spec].isChecked()
    window.basemap_menu.choose(OFFLINE)
    assert window.store.basemap == OFFLINE and window.canvas.tile_source is None
    assert window.basemap_menu.actions["offline"].isChecked()
