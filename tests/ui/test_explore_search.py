"""Search (Ctrl+F): results show layer and date, choosing one selects and zooms, filters apply."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QKeySequence

from influencemap.model.filters import FeatureFilter

KYIV = (30.52, 50.45)


def test_ctrl_f_shows_the_search_panel_with_the_cursor_in_the_box(explore_window, qtbot):
    window = explore_window
    window.layers_dock.raise_()
    window.activateWindow()
    qtbot.waitActive(window)
    assert window.find_action.shortcut() == QKeySequence(QKeySequence.StandardKey.Find)
    qtbot.keyClick(window.canvas, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.search_panel.query.hasFocus())
    assert window.search_dock.isVisible()


def test_results_show_name_layer_and_date(explore_window):
    panel = explore_window.search_panel
    panel.set_query("PORT deal")
    assert panel.result_ids() == ["kyiv-port"]
    row = panel.results.topLevelItem(0)
    assert [row.text(i) for i in range(3)] == ["Port deal in Kyiv", "Loans", "2019"]
    panel.set_query("astana")
    assert panel.results.topLevelItem(0).text(2) == "undated"


def test_choosing_a_result_selects_the_feature_and_zooms_to_it(explore_window):
    window = explore_window
    canvas = window.canvas
    canvas.zoom_by(0.05)
    resolution = canvas.view.resolution
    window.search_panel.set_query("port deal")
    window.search_panel.choose(0)
    assert window.state.selected_id == "kyiv-port"
    assert "Port deal in Kyiv" in window.details_text()
    assert canvas.view.resolution < resolution
    centre = QPoint(canvas.width() // 2, canvas.height() // 2)
    assert (canvas.screen_point(*KYIV) - centre).manhattanLength() <= 2


def test_enter_in_the_box_chooses_the_first_result(explore_window, qtbot):
    window = explore_window
    qtbot.keyClicks(window.search_panel.query, "wang yi")
    qtbot.keyClick(window.search_panel.query, Qt.Key.Key_Return)
    assert window.state.selected_id == "wang-visit"


def test_search_looks_at_actors_and_ignores_accents(explore_window):
    panel = explore_window.search_panel
    panel.set_query("development bánk")
    assert panel.result_ids() == ["minsk-loan"]


def test_features_hidden_by_the_timeline_or_filters_are_not_listed(explore_window):
    window = explore_window
    panel = window.search_panel
    panel.set_query("report on minsk")  # every feature cites it
    assert len(panel.result_ids()) == 5
    window.timeline.slider.set_range(2016, 2019)
    assert sorted(panel.result_ids()) == ["kyiv-port", "wang-visit"]
    window.state.set_filter(FeatureFilter(countries=frozenset({"BY"})))
    assert sorted(panel.result_ids()) == ["brest-rail", "minsk-loan", "wang-visit"]
    window.state.set_filter(None)
    assert len(panel.result_ids()) == 5
