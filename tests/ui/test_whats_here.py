"""What's here: a real click on a stack lists every feature there; one feature is selected directly."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtWidgets import QApplication, QToolTip, QTreeView, QWidget

from tests.ui.conftest import KYIV, MINSK


def _click(qtbot, window, lonlat) -> None:
    canvas = window.canvas
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=canvas.screen_point(*lonlat))


def _rows(listed: QTreeView) -> list[str]:
    """The listed features' names in the order shown (the group headings left out)."""
    model = listed.model()
    return [model.index(row, 0).data() for row in model.feature_rows()]


def _shown(listed: QTreeView) -> list[str]:
    """Every row's text as shown, headings included."""
    model = listed.model()
    return [model.index(row, 0).data() for row in range(model.rowCount())]


def test_a_click_on_a_single_feature_selects_it_without_a_list(two_layer_window, qtbot):
    window = two_layer_window
    _click(qtbot, window, KYIV)
    assert window.state.selected_id == "kyiv-port"
    assert not window.whats_here.isVisible()
    assert window.features_at(*KYIV) == ["kyiv-port"]


def test_a_click_on_a_stack_lists_every_feature_and_choosing_one_shows_it(two_layer_window, qtbot):
    window = two_layer_window
    _click(qtbot, window, MINSK)
    listed = window.findChild(QWidget, "whatsHere")
    assert listed is window.whats_here and listed.isVisible()
    assert QApplication.activeModalWidget() is None  # non-modal
    assert _rows(listed) == ["Visit to Minsk", "Plant in Minsk"]  # top layer first
    assert window.features_at(*MINSK) == ["minsk-visit", "minsk-plant"]
    assert window.state.selected_id is None

    second = listed.visualRect(listed.model().index(listed.model().feature_rows()[1], 0)).center()
    qtbot.mouseClick(listed.viewport(), Qt.MouseButton.LeftButton, pos=second)
    assert window.state.selected_id == "minsk-plant"
    assert "Plant in Minsk" in window.details_text()
    assert listed.isVisible()  # stays open to click through the rest

    # A click elsewhere on the map closes it.
    _click(qtbot, window, KYIV)
    assert not listed.isVisible() and window.state.selected_id == "kyiv-port"


def test_the_list_works_with_the_keyboard(two_layer_window, qtbot):
    window = two_layer_window
    _click(qtbot, window, MINSK)
    listed = window.whats_here
    assert listed.current_feature_id() == "minsk-visit"
    qtbot.keyClick(listed, Qt.Key.Key_Down)
    assert listed.current_feature_id() == "minsk-plant"
    assert window.state.hovered_id == "minsk-plant"  # previewed on the map
    qtbot.keyClick(listed, Qt.Key.Key_Return)
    assert window.state.selected_id == "minsk-plant"
    assert "Plant in Minsk" in window.details_text()
    assert not listed.isVisible()

    _click(qtbot, window, MINSK)
    assert listed.isVisible()
    assert listed.current_feature_id() == "minsk-plant"  # the selected feature's row starts current
    qtbot.keyClick(listed, Qt.Key.Key_Up)
    qtbot.keyClick(listed, Qt.Key.Key_Escape)
    assert not listed.isVisible()
    assert window.state.selected_id == "minsk-plant"  # Esc chooses nothing
    assert window.state.hovered_id is None


MIXED = """\
id: mixed
name: Mixed shapes
style: {color: '#008800', size: 10}
features:
  - {id: spot, name: A point in the middle, point: [26.0, 42.0], sources: [uitest-doc-a]}
  - {id: road, name: A line through it, line: [[24.0, 42.0], [28.0, 42.0]], sources: [uitest-doc-a]}
  - id: zone
    name: A polygon around it
    polygon: [[24.0, 40.0], [28.0, 40.0], [28.0, 44.0], [24.0, 44.0]]
    sources: [uitest-doc-a]
"""


def test_a_point_a_line_through_it_and_a_polygon_around_it_are_all_listed(layers, open_window, qtbot):
    layers.write("mixed.yaml", MIXED)
    window = open_window([layers.folder])
    _click(qtbot, window, (26.0, 42.0))
    rows = _rows(window.whats_here)
    assert set(rows) == {"A point in the middle", "A line through it", "A polygon around it"}
    assert rows[-1] == "A polygon around it"
    # Inside the polygon, away from the point and the line, there is one feature: selected.
    window.whats_here.close()
    _click(qtbot, window, (25.0, 43.3))
    assert window.state.selected_id == "zone" and not window.whats_here.isVisible()


def test_every_feature_at_minsk_in_the_bundled_layers_is_listed(open_window, qtbot):
    window = open_window([])
    minsk = window.features_at(*MINSK)
    assert len(minsk) >= 20
    _click(qtbot, window, MINSK)
    listed = window.whats_here
    model = listed.model()
    assert model.feature_count() == len(minsk)
    names = {window.catalog.feature(fid).name for fid in minsk}
    assert set(_rows(listed)) == names  # full names, one row each
    assert {model.feature_id(row) for row in model.feature_rows()} == set(minsk)
    # Each can be opened from the list. (The order among equally ranked facts follows the
    # distance from the click, and a real click lands on a pixel, not exactly on MINSK.)
    for row in model.feature_rows():
        qtbot.mouseClick(listed.viewport(), Qt.MouseButton.LeftButton,
                         pos=_scrolled_to(listed, row))
        assert window.state.selected_id == model.feature_id(row)


def _scrolled_to(listed: QTreeView, row: int) -> QPoint:
    index = listed.model().index(row, 0)
    listed.scrollTo(index)
    return listed.visualRect(index).center()


def test_right_click_on_a_stack_offers_each_feature_to_edit_delete_and_zoom_to(two_layer_window, qtbot):
    window = two_layer_window
    menu = window.editing.canvas_menu(window.canvas.screen_point(*MINSK))
    texts = [a.text() for a in menu.actions()]
    assert "What's Here (2)…" in texts
    for title in ("Edit", "Delete", "Zoom to"):
        sub = next(a.menu() for a in menu.actions() if a.text() == title)
        assert [a.text() for a in sub.actions()] == ["Visit to Minsk", "Plant in Minsk"]
    zoom = next(a.menu() for a in menu.actions() if a.text() == "Zoom to")
    window.canvas.zoom_by(0.05)
    resolution = window.canvas.view.resolution
    zoom.actions()[1].trigger()
    assert window.canvas.view.resolution < resolution
    next(a for a in menu.actions() if a.text() == "What's Here (2)…").trigger()
    assert window.whats_here.isVisible() and _rows(window.whats_here) == ["Visit to Minsk", "Plant in Minsk"]
    menu.deleteLater()


def test_the_list_is_titled_with_the_place_and_the_marker_heading_counts(two_layer_window, qtbot):
    window = two_layer_window
    _click(qtbot, window, MINSK)
    header = window.whats_here.model().headerData(0, Qt.Orientation.Horizontal)
    assert header == "What's here at Minsk"
    assert _shown(window.whats_here) == ["At this marker (2)", "Visit to Minsk", "Plant in Minsk"]


def test_closing_the_list_gives_the_keys_back_to_the_map(two_layer_window, qtbot):
    from PySide6.QtWidgets import QApplication

    window = two_layer_window
    window.activateWindow()
    window.canvas.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.canvas)
    _click(qtbot, window, MINSK)
    listed = window.whats_here
    qtbot.waitUntil(lambda: QApplication.focusWidget() is listed)
    qtbot.keyClick(listed, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.canvas)  # Ctrl+F, arrows work again
    assert QApplication.activeWindow() is window
    # A shortcut typed now (sent where the keyboard focus is) reaches the main window.
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.search_panel.isAncestorOf(QApplication.focusWidget()))


AROUND_MINSK = """\
id: regions
name: Project areas
category: Economy
style: {color: '#888888'}
features:
  - id: minsk-region
    name: Project area around Minsk
    polygon: [[26.5, 53.4], [28.6, 53.4], [28.6, 54.4], [26.5, 54.4]]
    sources: [uitest-doc-a]
"""


def test_the_marker_comes_first_under_its_count_then_the_areas_and_the_keys_step_over_headings(layers, open_window, qtbot):
    layers.write("regions.yaml", AROUND_MINSK)
    layers.point_layer("econ", [("minsk-plant", "Plant in Minsk", MINSK)], "#0000ff")
    layers.point_layer("diplo", [("minsk-visit", "Visit to Minsk", MINSK)], "#ff0000", category="Diplomacy")
    window = open_window([layers.folder])
    _click(qtbot, window, MINSK)
    listed = window.whats_here
    assert _shown(listed) == ["At this marker (2)", "Visit to Minsk", "Plant in Minsk",
                              "Areas here (1)", "Project area around Minsk"]
    assert listed.current_feature_id() == "minsk-visit"  # the first feature, not the heading
    qtbot.keyClick(listed, Qt.Key.Key_Down)
    assert listed.current_feature_id() == "minsk-plant"
    qtbot.keyClick(listed, Qt.Key.Key_Down)  # over "Areas here (1)"
    assert listed.current_feature_id() == "minsk-region"
    assert window.state.hovered_id == "minsk-region"
    qtbot.keyClick(listed, Qt.Key.Key_Up)
    assert listed.current_feature_id() == "minsk-plant"
    qtbot.keyClick(listed, Qt.Key.Key_Up)
    qtbot.keyClick(listed, Qt.Key.Key_Up)  # the first heading above: the key stays on the first feature
    assert listed.current_feature_id() == "minsk-visit"
    for key, landing in ((Qt.Key.Key_End, "minsk-region"), (Qt.Key.Key_Home, "minsk-visit"),
                         (Qt.Key.Key_PageDown, "minsk-region"), (Qt.Key.Key_PageUp, "minsk-visit")):
        qtbot.keyClick(listed, key)
        assert listed.current_feature_id() == landing, key  # never a heading

    # A click on a heading chooses nothing and keeps the list open.
    heading = listed.visualRect(listed.model().index(3, 0)).center()
    qtbot.mouseClick(listed.viewport(), Qt.MouseButton.LeftButton, pos=heading)
    assert window.state.selected_id is None and listed.isVisible()
    # The area opens like any feature: its details and sources.
    area = listed.visualRect(listed.model().index(4, 0)).center()
    qtbot.mouseClick(listed.viewport(), Qt.MouseButton.LeftButton, pos=area)
    assert window.state.selected_id == "minsk-region"
    assert "A report on Minsk" in window.details_text()
    qtbot.keyClick(listed, Qt.Key.Key_Down)
    qtbot.keyClick(listed, Qt.Key.Key_Return)
    assert window.state.selected_id == "minsk-region" and not listed.isVisible()


def test_at_minsk_in_the_bundled_layers_the_heading_counts_what_the_markers_badge_counts(open_window, qtbot):
    from influencemap.render.stacks import stack_at

    window = open_window([])
    canvas = window.canvas
    point = canvas.screen_point(*MINSK)
    markers = canvas.last_frame.report.markers
    stack = stack_at(markers.stacks, point.x(), point.y())
    assert stack is not None
    badge = int(markers.stacks.count[stack])  # the number drawn on the marker
    _click(qtbot, window, MINSK)
    listed = window.whats_here
    shown = _shown(listed)
    assert shown[0] == f"At this marker ({badge})"
    # Named as the marker's label names it, and opened with its heading in view.
    assert listed.title == "What's here at Minsk"
    assert listed.visualRect(listed.model().index(0, 0)).top() >= 0
    here = listed.model().here
    assert len(here.at_marker) == badge
    kinds = {window.catalog.feature(fid).kind.name for _layer, fid in here.at_marker}
    assert kinds == {"POINT"}  # the loans and visits drawn there, no project shape among them
    assert here.areas and {window.catalog.feature(fid).kind.name for _layer, fid in here.areas} == {"POLYGON"}
    areas_heading = shown.index(f"Areas here ({len(here.areas)})")
    assert areas_heading > badge  # after every feature of the marker
    assert any(window.catalog.feature(fid).layer_id == "chinese-loans" for fid in _ids(listed)[:badge])
    # Hovering the marker counts as its badge does too, and says what else a click lists.
    listed.close()
    canvas.hover_at(QPointF(point))
    tip = QToolTip.text()
    assert f"{badge} features at this marker" in tip and f"{len(here.areas)} areas here" in tip


def _ids(listed: QTreeView) -> list[str]:
    model = listed.model()
    return [model.feature_id(row) for row in model.feature_rows()]


BIG_MARKER = 50_400
"""Points generated within a few hundred metres of Minsk: one stack marker at any zoom shown here."""


def _big_marker_folder(layers) -> None:
    import json
    import random

    rng = random.Random(14)
    features = [
        {"type": "Feature", "geometry": {"type": "Point",
                                         "coordinates": [MINSK[0] + rng.uniform(-0.002, 0.002), MINSK[1] + rng.uniform(-0.002, 0.002)]},
         "properties": {"id": f"m{i}", "name": f"Project {i}", "date": "2015-03"}}
        for i in range(BIG_MARKER)
    ]
    layers.write("points.geojson", json.dumps({"type": "FeatureCollection", "features": features}))
    layers.write("dense.yaml", "id: dense\nname: Dense projects\ncategory: Economy\ndata: points.geojson\n"
                               "defaults: {sources: [uitest-doc-a], precision: site}\n")
    layers.write("regions.yaml", AROUND_MINSK)


def test_a_marker_of_fifty_thousand_lists_them_all_lazily_and_the_keys_reach_the_last(layers, open_window, qtbot):
    _big_marker_folder(layers)
    window = open_window([layers.folder])
    _click(qtbot, window, MINSK)
    listed = window.whats_here
    assert listed.isVisible()
    model = listed.model()
    # The heading counts every feature of the marker; the view holds only the rows fetched so far.
    assert model.index(0, 0).data() == f"At this marker ({BIG_MARKER:,})"
    assert model.feature_count() == BIG_MARKER + 1  # and the area around Minsk
    assert model.total_rows() == BIG_MARKER + 3
    assert model.rowCount() < 1000
    assert model.canFetchMore(listed.rootIndex())
    first = listed.current_feature_id()
    assert first is not None and first.startswith("m")
    # Down walks on past the rows fetched when the list opened.
    fetched = model.rowCount()
    listed.setCurrentIndex(model.index(fetched - 1, 0))
    qtbot.keyClick(listed, Qt.Key.Key_Down)
    assert listed.currentIndex().row() == fetched and model.rowCount() > fetched
    # End reaches the real last feature (the area after every point of the marker), Enter opens it.
    qtbot.keyClick(listed, Qt.Key.Key_End)
    assert listed.current_feature_id() == "minsk-region"
    assert listed.currentIndex().row() == model.total_rows() - 1
    qtbot.keyClick(listed, Qt.Key.Key_Up)  # over "Areas here (1)" to the marker's last point
    last_point = listed.current_feature_id()
    assert last_point.startswith("m") and model.index(listed.currentIndex().row(), 0).data().startswith("Project ")
    qtbot.keyClick(listed, Qt.Key.Key_Return)
    assert window.state.selected_id == last_point and not listed.isVisible()
    assert window.catalog.feature(last_point).name in window.details_text()
    # Every feature of the marker is listed once.
    ids = [model.feature_id(row) for row in range(1, BIG_MARKER + 1)]
    assert len(set(ids)) == BIG_MARKER and all(fid.startswith("m") for fid in ids)
    # Reopened, the selected feature's row (far past the first batch) starts current.
    _click(qtbot, window, MINSK)
    assert listed.current_feature_id() == last_point
    qtbot.keyClick(listed, Qt.Key.Key_Home)
    assert listed.current_feature_id() == first


def test_right_click_on_a_marker_of_fifty_thousand_names_the_first_and_counts_the_rest(layers, open_window, qtbot):
    from influencemap.ui.editing_controller import STACK_MENU_ROWS

    _big_marker_folder(layers)
    window = open_window([layers.folder])
    menu = window.editing.canvas_menu(window.canvas.screen_point(*MINSK))
    texts = [a.text() for a in menu.actions()]
    listed = BIG_MARKER + 1  # the marker's points and the area around Minsk
    assert f"What's Here ({listed:,})…" in texts
    zoom = next(a.menu() for a in menu.actions() if a.text() == "Zoom to")
    names = [a.text() for a in zoom.actions()]
    assert len(names) == STACK_MENU_ROWS + 1
    assert names[-1] == f"{listed - STACK_MENU_ROWS:,} more: What's Here lists them all"
    assert not zoom.actions()[-1].isEnabled()
    next(a for a in menu.actions() if a.text() == f"What's Here ({listed:,})…").trigger()
    assert window.whats_here.model().feature_count() == listed
    menu.deleteLater()
