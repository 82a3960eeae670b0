"""The app reopens as the user left it: layers shown or hidden, their order, the filter, the
timeline range, the undated choice and the selection come back per layers folder after a quit
(the real MainWindow, quit and started again on the same settings file); View > Reset View
clears them, and can be undone."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QKeySequence

from influencemap.model.filters import FeatureFilter
from influencemap.ui import MainWindow
from influencemap.ui.main_window import _menu_of
from influencemap.ui.view_memory import MAX_FOLDERS, ViewMemory, folder_key

SOURCE = "sources: [{ref: uitest-doc-a, locator: 'para 3'}]"


def write_layer(folder: Path, layer_id: str, category: str, rows: list[tuple[str, float, float, str, str | None]]) -> None:
    """A point layer: (id, lon, lat, country, date or None) each."""
    features = "".join(
        f"  - id: {fid}\n    name: {fid.replace('-', ' ').title()}\n    point: [{lon}, {lat}]\n"
        f"    countries: [{country}]\n" + (f"    date: {date}\n" if date else "") + f"    {SOURCE}\n"
        for fid, lon, lat, country, date in rows
    )
    text = (f"id: {layer_id}\nname: Layer {layer_id}\ncategory: {category}\n"
            f"style: {{color: '#336699', marker: circle, size: 10}}\nfeatures:\n{features}")
    (folder / f"{layer_id}.yaml").write_text(text, encoding="utf-8")


@pytest.fixture
def project(layers):
    """A layers folder with three layers: loans (BY/UA/KZ, one undated), embassies, ports."""
    write_layer(layers.folder, "loans", "Economy", [
        ("minsk-loan", 27.56, 53.90, "BY", "2012"),
        ("kyiv-loan", 30.52, 50.45, "UA", "2016"),
        ("astana-loan", 71.45, 51.17, "KZ", None),
    ])
    write_layer(layers.folder, "embassies", "Diplomacy", [("minsk-embassy", 27.57, 53.91, "BY", "2014")])
    write_layer(layers.folder, "ports", "Economy", [("odesa-port", 30.73, 46.48, "UA", "2018")])
    return layers.folder


@pytest.fixture
def settings_path(tmp_path) -> Path:
    return tmp_path / "remember.ini"


def settings_at(path: Path) -> QSettings:
    """A new settings object on the file, as a new process would have."""
    return QSettings(str(path), QSettings.Format.IniFormat)


@pytest.fixture
def start(qtbot, settings_path):
    """Start the app on ``paths`` (as ``run_app`` does: load in the background) and wait for
    the layers; ``quit`` closes it through File > Quit."""

    def starter(paths, background=True) -> MainWindow:
        window = MainWindow([str(p) for p in paths], settings=settings_at(settings_path), load_in_background=background)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        qtbot.waitUntil(lambda: window.catalog.feature_count > 0 and not window.loader.busy, timeout=20000)
        return window

    return starter


def quit_app(window: MainWindow) -> None:
    window.quit_action.trigger()
    assert not window.isVisible()


def look_at_some(window: MainWindow) -> None:
    """What a user does in a session: hide a layer, move one, check a country, drag the
    timeline, tick "Include undated", click a feature."""
    window.state.set_visible("embassies", False)
    window.state.set_drawing_order(["loans", "ports", "embassies"])
    window.filters_panel.set_checked("countries", "UA")
    window.filters_panel.set_checked("countries", "KZ")
    window.timeline.slider.set_range(2013, 2016)
    window.timeline.include_undated.setChecked(True)
    window.state.select("kyiv-loan")


def test_a_quit_and_a_restart_bring_back_what_the_user_was_looking_at(project, start):
    first = start([project])
    assert first.store.visible_layer_ids == first.store.drawing_order  # the first time: everything
    look_at_some(first)
    wanted = FeatureFilter(date_from="2013", date_to="2016", include_undated=True, countries=frozenset({"UA", "KZ"}))
    assert first.store.feature_filter == wanted
    looked_at = first.store.to_plain()
    quit_app(first)

    second = start([project])
    store = second.store
    assert store.to_plain() == looked_at
    assert store.drawing_order == ["loans", "ports", "embassies"] and not store.is_visible("embassies")
    assert store.feature_filter == wanted and store.selected_id == "kyiv-loan"
    assert sorted(f.id for f in store.shown_features()) == ["astana-loan", "kyiv-loan"]
    # the views follow the restored store
    assert second.layers_panel.layer_item("embassies").checkState(0) == Qt.CheckState.Unchecked
    assert (second.timeline.slider.low, second.timeline.slider.high) == (2013, 2016)
    assert second.timeline.include_undated.isChecked()
    assert second.filters_panel._checked("countries") == frozenset({"UA", "KZ"})
    assert "Kyiv Loan" in second.details_text()
    # said, so nobody wonders where the other features went
    assert second.statusBar().currentMessage().startswith(
        "Filter, timeline range and 1 hidden layer restored: 2 of 5 features shown — "
        "View > Reset View (Ctrl+Shift+R) shows all")


def test_the_window_built_with_its_layers_restores_too(project, start):
    first = start([project], background=False)
    first.state.set_visible("ports", False)
    quit_app(first)
    second = start([project], background=False)
    assert not second.store.is_visible("ports") and second.store.is_visible("loans")
    assert second.statusBar().currentMessage().startswith("1 hidden layer restored: 4 of 5 features shown")
    second.state.set_visible("ports", True)
    second.state.set_date_range("2013", None)
    quit_app(second)
    third = start([project], background=False)
    assert third.statusBar().currentMessage().startswith("Timeline range restored: 3 of 5 features shown")


def test_nothing_hidden_says_nothing(project, start):
    first = start([project])
    first.state.select("minsk-loan")
    quit_app(first)
    second = start([project])
    assert second.store.selected_id == "minsk-loan"
    assert "restored" not in second.statusBar().currentMessage()


def test_the_map_comes_back_where_it_was_for_each_folder(project, tmp_path, start):
    first = start([project])
    everything = first.canvas.view_bounds()
    first.canvas.set_extent(26.0, 52.0, 29.0, 55.0)  # zoomed in on Minsk
    quit_app(first)
    second = start([project])
    west, south, east, north = second.canvas.view_bounds()
    assert west <= 26.0 and east >= 29.0 and south <= 52.0 and north >= 55.0  # the box is shown whole…
    assert east - west < 8 and north - south < 8  # …and the map is not fitted to every feature
    assert everything[2] - everything[0] > 40
    quit_app(second)

    other = tmp_path / "never-opened"
    other.mkdir()
    (other / "uitest-sources.yaml").write_text((project / "uitest-sources.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    write_layer(other, "far", "Economy", [("beijing", 116.4, 39.9, "CN", "2019"), ("minsk", 27.56, 53.90, "BY", "2019")])
    fresh = start([other])  # a folder never seen: every feature in view
    west, south, east, north = fresh.canvas.view_bounds()
    assert west <= 27.56 and east >= 116.4


def test_two_folders_keep_separate_views(project, tmp_path, start, qtbot):
    other = tmp_path / "other-project"
    other.mkdir()
    (other / "uitest-sources.yaml").write_text((project / "uitest-sources.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    write_layer(other, "camps", "Human rights", [("camp-1", 87.6, 43.8, "CN", "2018"), ("camp-2", 81.3, 43.9, "CN", "2019")])
    write_layer(other, "consulates", "Diplomacy", [("almaty-consulate", 76.9, 43.2, "KZ", "2010")])

    window = start([project])
    window.state.set_visible("embassies", False)
    window.load_paths([other])  # File > Open Layers Folder…
    qtbot.waitUntil(lambda: window.catalog.find_feature("camp-1") is not None and not window.loader.busy, timeout=20000)
    assert window.store.visible_layer_ids == window.store.drawing_order  # the other folder's own (none yet)
    window.state.set_visible("consulates", False)
    window.state.set_date_range("2019", None)
    window.load_paths([project])  # and back: the first folder's view, kept when the window left it
    qtbot.waitUntil(lambda: window.catalog.find_feature("minsk-loan") is not None and not window.loader.busy, timeout=20000)
    assert not window.store.is_visible("embassies") and window.store.feature_filter is None
    quit_app(window)

    again = start([other])
    assert not again.store.is_visible("consulates") and again.store.date_range == ("2019", None)
    assert [f.id for f in again.store.shown_features()] == ["camp-2"]
    quit_app(again)
    first_again = start([project])
    assert not first_again.store.is_visible("embassies") and first_again.store.feature_filter is None


def test_changed_files_between_sessions_are_safe(project, start):
    first = start([project])
    first.state.set_visible("embassies", False)
    first.filters_panel.set_checked("countries", "KZ")
    first.filters_panel.set_checked("countries", "BY")
    first.state.select("minsk-loan")
    quit_app(first)

    (project / "embassies.yaml").unlink()
    write_layer(project, "loans", "Economy", [("minsk-credit", 27.56, 53.90, "BY", "2012")])  # no KZ, id changed
    write_layer(project, "railways", "Economy", [("brest-terminal", 23.7, 52.1, "BY", "2020")])
    second = start([project])
    store = second.store
    assert set(store.drawing_order) == {"loans", "ports", "railways"}
    assert store.visible_layer_ids == store.drawing_order  # the new layer shows
    assert store.feature_filter == FeatureFilter(countries=frozenset({"BY"}))
    assert store.selected_id is None
    assert [f.id for f in store.shown_features()] == ["minsk-credit", "brest-terminal"]


@pytest.mark.parametrize("value", ["{not json", json.dumps(["a list"]), json.dumps({"view": "text"}),
                                   json.dumps({"view": {"format": "influencemap-view", "version": 1, "hidden": 7}})])
def test_a_broken_settings_value_is_ignored_and_logged(project, start, settings_path, value, caplog):
    settings = settings_at(settings_path)
    settings.setValue(f"viewState/{folder_key([project])}", value)
    settings.sync()
    with caplog.at_level(logging.INFO, logger="influencemap"):
        window = start([project])
    assert window.store.visible_layer_ids == window.store.drawing_order and window.store.feature_filter is None
    assert any("saved view" in record.getMessage() for record in caplog.records)
    window.state.set_visible("ports", False)
    quit_app(window)  # and the broken value is replaced by a good one
    assert not start([project]).store.is_visible("ports")


def test_quitting_before_the_layers_arrive_keeps_the_saved_view(project, start, qtbot, settings_path):
    first = start([project])
    first.state.set_visible("ports", False)
    quit_app(first)
    hurried = MainWindow([str(project)], settings=settings_at(settings_path), load_in_background=True)
    qtbot.addWidget(hurried)
    hurried.close()  # before the event loop started the load: nothing shown, nothing saved
    assert not start([project]).store.is_visible("ports")


def test_a_first_load_without_layers_waits_for_one_with_layers(project, tmp_path, start, qtbot, settings_path):
    first = start([project])
    first.state.set_visible("ports", False)
    quit_app(first)
    away = tmp_path / "unplugged"
    away.mkdir()
    for path in project.glob("*.yaml"):
        path.rename(away / path.name)
    window = MainWindow([str(project)], settings=settings_at(settings_path), load_in_background=True)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.windowTitle() != "influencemap — loading…" and not window.loader.busy, timeout=20000)
    assert window.catalog.feature_count == 0
    for path in away.glob("*.yaml"):
        path.rename(project / path.name)
    window.reload_action.trigger()  # the drive is back
    qtbot.waitUntil(lambda: window.catalog.feature_count > 0 and not window.loader.busy, timeout=20000)
    assert not window.store.is_visible("ports") and window.store.is_visible("loans")


def test_the_basemap_comes_back_per_folder_but_the_command_line_wins(project, start, qtbot, settings_path):
    from influencemap.geo.basemaps import mbtiles

    # MBTiles files that do not exist: offline, nothing fetched in a test (the map says the
    # tiles are missing and draws the offline basemap)
    tiles, given = mbtiles(project / "belarus.mbtiles"), mbtiles(project / "given.mbtiles")
    first = start([project])
    first.basemap_menu.choose(tiles)
    quit_app(first)
    settings = settings_at(settings_path)
    settings.setValue("basemap/current", "offline")  # the global last choice: made in another folder
    settings.sync()
    second = start([project])
    assert second.store.basemap == tiles and second.basemap_menu.actions[tiles.spec].isChecked()
    quit_app(second)
    # ``influencemap --basemap mbtiles:given.mbtiles FOLDER``: run_app chooses it right after
    # building the window, before the layers (and the rest of the saved view) arrive
    third = MainWindow([str(project)], settings=settings_at(settings_path), load_in_background=True)
    qtbot.addWidget(third)
    third.basemap_menu.choose(given)
    qtbot.waitUntil(lambda: third.catalog.feature_count > 0 and not third.loader.busy, timeout=20000)
    assert third.store.basemap == given
    third.close()


def test_reset_view_clears_filters_timeline_and_hidden_layers_and_can_be_undone(project, start):
    window = start([project])
    look_at_some(window)
    looked_at = window.store.to_plain()
    order = window.store.drawing_order
    assert not window.undo_reset_view_action.isEnabled()
    assert window.reset_view_action.shortcut() == QKeySequence("Ctrl+Shift+R")
    menu = [a.text() for a in _menu_of(window.reset_filters_action).actions()]
    assert menu[menu.index("&Reset Filters") + 1:][:2] == ["Reset &View", "Undo Reset View"]

    window.reset_view_action.trigger()
    assert window.store.visible_layer_ids == order and window.store.feature_filter is None
    assert (window.timeline.slider.low, window.timeline.slider.high) == (window.timeline.slider.minimum, window.timeline.slider.maximum)
    assert not window.timeline.include_undated.isChecked()
    assert window.layers_panel.layer_item("embassies").checkState(0) == Qt.CheckState.Checked
    assert window.statusBar().currentMessage().startswith("View reset: all 5 features of 3 layers shown")
    assert window.undo_reset_view_action.isEnabled()

    window.undo_reset_view_action.trigger()
    assert window.store.to_plain() == looked_at
    assert not window.undo_reset_view_action.isEnabled()
    assert window.statusBar().currentMessage() == "Filters and hidden layers back: 2 of 5 features shown"
    window.reset_view_action.trigger()
    window.reset_view_action.trigger()
    assert window.statusBar().currentMessage() == "Nothing to reset: every layer and feature is shown"


def test_an_action_given_one_key_twice_has_it_once(project, start):
    """On X11 the platform's Quit key is Ctrl+Q and Ctrl+Q was listed too: Qt found the
    shortcut ambiguous and Ctrl+Q quit nothing."""
    window = start([project])
    action = window._action("Twice", lambda: None, [QKeySequence("Ctrl+Q"), "Ctrl+Q", QKeySequence()])
    assert [key.toString() for key in action.shortcuts()] == ["Ctrl+Q"]


def test_only_the_most_recent_folders_are_kept(tmp_path, settings_path):
    memory = ViewMemory(settings_at(settings_path))
    folders = [tmp_path / f"project-{n}" for n in range(MAX_FOLDERS + 3)]
    for folder in folders:
        memory.save([folder], {"format": "influencemap-view", "version": 1, "order": [folder.name]})
    assert memory.load([folders[-1]]) == {"format": "influencemap-view", "version": 1, "order": [folders[-1].name]}
    assert memory.load([folders[3]]) is not None
    assert memory.load([folders[2]]) is None and memory.load([folders[0]]) is None
    assert folder_key([folders[0]]) == folder_key([str(folders[0]) + "/"]) != folder_key([])


@pytest.mark.parametrize("extent, kept", [
    ([20.0, 50.0, 30.0, 56.0], (20.0, 50.0, 30.0, 56.0)),
    ([30.0, 50.0, 20.0, 56.0], None),  # west of east
    ([20.0, 50.0, 30.0, "56"], None),
    ([20.0, 50.0, 30.0], None),
    ([20.0, -95.0, 30.0, 56.0], None),
    ("20,50,30,56", None),
])
def test_a_saved_extent_is_used_only_when_it_makes_sense(tmp_path, settings_path, extent, kept):
    settings = settings_at(settings_path)
    settings.setValue(f"viewState/{folder_key([tmp_path])}", json.dumps({"view": {}, "extent": extent}))
    assert ViewMemory(settings).load_extent([tmp_path]) == kept


def test_a_change_is_saved_soon_after_without_a_quit(project, start, qtbot, settings_path):
    """A crash (or a killed session) keeps what the user looked at until a moment before it:
    the view is saved after each pause in changes, not only on quit."""
    window = start([project])
    window._view_save_timer.setInterval(50)
    window.state.set_visible("ports", False)
    window.filters_panel.set_checked("countries", "UA")

    def saved_on_disk() -> dict | None:
        return ViewMemory(settings_at(settings_path)).load([project])  # what a new process reads

    qtbot.waitUntil(lambda: saved_on_disk() is not None, timeout=5000)
    assert saved_on_disk() == json.loads(json.dumps(window.store.to_plain()))
    # the window is never closed: a new one (as after a crash) still gets the view back
    again = start([project])
    assert not again.store.is_visible("ports")
    assert again.store.feature_filter.countries == frozenset({"UA"})


def test_the_tables_row_filter_comes_back_but_the_search_and_find_boxes_start_empty(project, start, qtbot):
    first = start([project])
    table = first.feature_table
    qtbot.keyClicks(table.find, "kyiv")
    qtbot.waitUntil(lambda: table.count_label.text() == "1 of 5 rows", timeout=3000)
    first.search_panel.set_query("loan")
    qtbot.keyClicks(first.filters_panel.find, "ukr")
    quit_app(first)

    second = start([project])
    table = second.feature_table
    assert table.find.text() == "kyiv"  # the table is narrowed as it was, and says so
    assert table.count_label.text() == "1 of 5 rows"
    assert table.rows.feature_id(0) == "kyiv-loan"
    assert second.search_panel.query.text() == ""  # a search is asked anew
    assert second.filters_panel.find.text() == ""  # and no filter value hides in the lists
    assert all(not widget.item(i).isHidden() for widget in second.filters_panel.lists.values()
               for i in range(widget.count()))

    # Reset View shows every row again; its undo narrows the table back.
    second.reset_view_action.trigger()
    assert table.find.text() == "" and table.count_label.text() == "5 rows"
    second.undo_reset_view_action.trigger()
    assert table.find.text() == "kyiv" and table.count_label.text() == "1 of 5 rows"
