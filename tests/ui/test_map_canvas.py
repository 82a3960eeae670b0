"""The map canvas: selecting, hiding, zooming, panning, hovering, and closing while drawing."""

from __future__ import annotations

import math

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication, QToolTip, QWidget

from influencemap.model.catalog import Catalog
from influencemap.model.types import Citation, Feature, GeometryKind, Layer, Source, Style

MINSK = (27.56, 53.90)
KYIV = (30.52, 50.45)


def test_window_opens_with_every_layer_visible_and_the_view_fitted(two_layer_window):
    window = two_layer_window
    canvas = window.canvas
    assert {layer.id for layer in window.catalog.layers} == {"econ", "diplo"}
    assert sorted(window.state.visible_layer_ids) == ["diplo", "econ"]
    rect = canvas.rect()
    for lon, lat in (MINSK, KYIV):
        assert rect.contains(canvas.screen_point(lon, lat))
    assert window.findChild(QWidget, "mapCanvas") is canvas
    assert window.findChild(QWidget, "layersPanel") is window.layers_panel
    assert window.findChild(QWidget, "detailsPanel") is window.details_panel
    assert QApplication.activeModalWidget() is None


def test_screen_point_and_geo_point_are_inverse(two_layer_window):
    canvas = two_layer_window.canvas
    lon, lat = canvas.geo_point(canvas.screen_point(*KYIV))
    tolerance = 1.0 * canvas.view.degrees_per_pixel()
    assert abs(lon - KYIV[0]) <= tolerance and abs(lat - KYIV[1]) <= tolerance


def test_click_on_a_feature_shows_its_sources(two_layer_window, qtbot):
    window = two_layer_window
    qtbot.mouseClick(window.canvas, Qt.MouseButton.LeftButton, pos=window.canvas.screen_point(*KYIV))
    assert window.state.selected_id == "kyiv-port"
    text = window.details_text()
    assert "Port in Kyiv" in text
    assert "[1] A report on Minsk" in text
    assert "Some Press" in text and "Jane Writer" in text and "30 June 2021" in text
    assert "para 3" in text and "a short phrase" in text
    assert "https://example.org/a" in text


def test_a_click_on_a_stack_lists_it_and_a_hidden_layers_features_are_not_hit(two_layer_window, qtbot):
    window = two_layer_window
    canvas = window.canvas
    minsk = canvas.screen_point(*MINSK)
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=minsk)
    assert window.state.selected_id is None  # two features here: the list opens instead
    listed = window.whats_here
    assert listed.isVisible() and listed.model().feature_count() == 2
    listed.close()

    window.layers_panel.layer_item("diplo").setCheckState(0, Qt.CheckState.Unchecked)
    assert not window.state.is_visible("diplo")
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=minsk)
    assert window.state.selected_id == "minsk-plant"

    window.layers_panel.layer_item("econ").setCheckState(0, Qt.CheckState.Unchecked)
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=minsk)
    assert window.state.selected_id is None
    assert "Plant in Minsk" not in window.details_text()


def test_a_click_on_empty_land_selects_nothing(two_layer_window, qtbot):
    window = two_layer_window
    window.select_feature("kyiv-port")
    canvas = window.canvas
    empty = canvas.screen_point(*KYIV) + QPoint(60, 60)
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=empty)
    assert window.state.selected_id is None


def _wheel(widget: QWidget, position: QPoint, notches: int) -> None:
    event = QWheelEvent(
        QPointF(position),
        QPointF(widget.mapToGlobal(position)),
        QPoint(0, 0),
        QPoint(0, 120 * notches),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(widget, event)


@pytest.mark.parametrize("notches", [1, 3, -2])
def test_wheel_zoom_keeps_the_point_under_the_cursor_fixed(two_layer_window, notches):
    canvas = two_layer_window.canvas
    cursor = QPoint(canvas.width() // 3, canvas.height() // 4)
    before_lon, before_lat = canvas.geo_point(cursor)
    resolution = canvas.view.resolution
    _wheel(canvas, cursor, notches)
    assert canvas.view.resolution == pytest.approx(resolution / 1.5**notches)
    after_lon, after_lat = canvas.geo_point(cursor)
    assert after_lon == pytest.approx(before_lon, abs=1e-9)
    assert after_lat == pytest.approx(before_lat, abs=1e-9)


def test_escape_clears_the_selection(two_layer_window, qtbot):
    window = two_layer_window
    assert window.select_feature("kyiv-port")
    assert "Port in Kyiv" in window.details_text()
    window.canvas.setFocus()
    qtbot.keyClick(window.canvas, Qt.Key.Key_Escape)
    assert window.state.selected_id is None
    assert "Port in Kyiv" not in window.details_text()


def test_select_feature_selects_shows_details_and_zooms_to_it(two_layer_window):
    window = two_layer_window
    canvas = window.canvas
    canvas.zoom_by(0.05)  # far out: the whole world
    resolution = canvas.view.resolution
    assert window.select_feature("minsk-plant")
    assert window.state.selected_id == "minsk-plant"
    assert "Plant in Minsk" in window.details_text()
    assert canvas.view.resolution < resolution
    centre = QPoint(canvas.width() // 2, canvas.height() // 2)
    assert (canvas.screen_point(*MINSK) - centre).manhattanLength() <= 2
    assert not window.select_feature("no-such-feature")


def test_dragging_pans_the_map(two_layer_window, qtbot):
    canvas = two_layer_window.canvas
    start = QPoint(200, 200)
    lon, lat = canvas.geo_point(start)
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=start)
    for step in range(1, 6):
        qtbot.mouseMove(canvas, start + QPoint(20 * step, 10 * step))
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=start + QPoint(100, 50))
    moved = canvas.screen_point(lon, lat)
    assert abs(moved.x() - 300) <= 1 and abs(moved.y() - 250) <= 1
    assert two_layer_window.state.selected_id is None  # a drag is not a click


def test_arrow_keys_pan_and_plus_minus_zoom(two_layer_window, qtbot):
    canvas = two_layer_window.canvas
    canvas.setFocus()
    x_before = canvas.screen_point(*KYIV).x()
    qtbot.keyClick(canvas, Qt.Key.Key_Left)
    assert canvas.screen_point(*KYIV).x() > x_before
    resolution = canvas.view.resolution
    qtbot.keyClick(canvas, Qt.Key.Key_Plus)
    assert canvas.view.resolution < resolution
    qtbot.keyClick(canvas, Qt.Key.Key_Minus)
    qtbot.keyClick(canvas, Qt.Key.Key_Minus)
    assert canvas.view.resolution > resolution


def test_double_click_zooms_in_on_the_spot(two_layer_window, qtbot):
    canvas = two_layer_window.canvas
    spot = QPoint(300, 240)
    lon, lat = canvas.geo_point(spot)
    resolution = canvas.view.resolution
    qtbot.mouseDClick(canvas, Qt.MouseButton.LeftButton, pos=spot)
    assert canvas.view.resolution == pytest.approx(resolution / 2)
    assert (canvas.screen_point(lon, lat) - spot).manhattanLength() <= 1


def test_shift_drag_zooms_to_the_rubber_band(two_layer_window, qtbot):
    canvas = two_layer_window.canvas
    top_left, bottom_right = QPoint(100, 100), QPoint(300, 220)
    corner_a, corner_b = canvas.geo_point(top_left), canvas.geo_point(bottom_right)
    shift = Qt.KeyboardModifier.ShiftModifier
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, shift, top_left)
    qtbot.mouseMove(canvas, QPoint(200, 160))
    qtbot.mouseMove(canvas, bottom_right)
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, shift, bottom_right)
    a = canvas.screen_point(*corner_a)
    b = canvas.screen_point(*corner_b)
    assert canvas.rect().adjusted(-1, -1, 1, 1).contains(a) and canvas.rect().adjusted(-1, -1, 1, 1).contains(b)
    # Fitted: the box fills the canvas one way and is centred.
    assert abs((b.x() - a.x()) - canvas.width()) <= 2 or abs((b.y() - a.y()) - canvas.height()) <= 2
    assert abs((a.x() + b.x()) / 2 - canvas.width() / 2) <= 2


def test_zoom_to_all_shows_every_feature(two_layer_window):
    window = two_layer_window
    canvas = window.canvas
    canvas.zoom_by(40)
    assert not canvas.rect().contains(canvas.screen_point(*KYIV)) or not canvas.rect().contains(canvas.screen_point(*MINSK))
    window.zoom_all_action.trigger()
    assert canvas.rect().contains(canvas.screen_point(*KYIV)) and canvas.rect().contains(canvas.screen_point(*MINSK))
    assert window.zoom_all_action.shortcut().toString() == "Ctrl+0"


def test_hovering_a_feature_highlights_it(two_layer_window, qtbot):
    window = two_layer_window
    canvas = window.canvas
    qtbot.mouseMove(canvas, canvas.screen_point(*KYIV))
    qtbot.waitUntil(lambda: window.state.hovered_id == "kyiv-port", timeout=2000)
    assert "Port in Kyiv" in canvas._tooltip([("econ", "kyiv-port")], 1)
    qtbot.mouseMove(canvas, canvas.screen_point(*KYIV) + QPoint(80, 80))
    qtbot.waitUntil(lambda: window.state.hovered_id is None, timeout=2000)


def test_hovering_stacked_features_names_them_and_says_a_click_lists_them(two_layer_window):
    canvas = two_layer_window.canvas
    minsk = QPointF(canvas.screen_point(*MINSK))
    assert canvas.topmost_at(minsk) == (("diplo", "minsk-visit"), 2)
    canvas.hover_at(minsk)
    assert two_layer_window.state.hovered_id == "minsk-visit"
    text = QToolTip.text()
    assert "2 features at this marker" in text and "Visit to Minsk" in text and "Plant in Minsk" in text
    assert "click to list" in text.lower()
    assert canvas.topmost_at(minsk + QPointF(80, 80)) == (None, 0)


def test_the_tooltip_names_the_first_few_and_counts_the_rest(layers, open_window):
    layers.point_layer("many", [(f"m{i}", f"Fact number {i} in Minsk", MINSK) for i in range(12)], "#0000ff")
    window = open_window([layers.folder])
    canvas = window.canvas
    canvas.hover_at(QPointF(canvas.screen_point(*MINSK)))
    text = QToolTip.text()
    assert "12 features at this marker" in text and "7 more: click to list them all" in text
    assert text.count("Fact number") == 5


def test_cursor_position_is_shown_in_the_status_bar(two_layer_window, qtbot):
    window = two_layer_window
    position = window.canvas.screen_point(*KYIV)
    lon, lat = window.canvas.geo_point(position)
    qtbot.mouseMove(window.canvas, position)
    qtbot.waitUntil(lambda: f"{lat:.4f}° N" in window._coords.text(), timeout=2000)
    assert f"{lon:.4f}° E" in window._coords.text()


def test_a_frame_shows_features_at_their_screen_points(two_layer_window):
    canvas = two_layer_window.canvas
    image = canvas.last_frame.image
    kyiv = canvas.screen_point(*KYIV)
    color = image.pixelColor(kyiv.x(), kyiv.y())
    assert color.blue() > 200 and color.red() < 60 and color.green() < 60


def _big_catalog(count: int) -> Catalog:
    import numpy as np
    import shapely

    rng = np.random.default_rng(7)
    points = shapely.points(rng.uniform([20, 40], [80, 60], (count, 2)))
    features = tuple(
        Feature(f"p{i}", f"Point {i}", "big", point, GeometryKind.POINT, (Citation("s"),))
        for i, point in enumerate(points)
    )
    return Catalog((Layer("big", "Big", features, Style()),), {"s": Source("s", "S")})


def test_closing_while_a_frame_renders_ends_cleanly(two_layer_window, qtbot):
    window = two_layer_window
    window.state.set_catalog(_big_catalog(60000), keep_layout=False)
    window.canvas._start_render()  # start at once, not after the coalescing delay
    assert window.canvas._renderer.busy
    window.close()
    assert not window.canvas._renderer.busy
    assert window.canvas._renderer._pool.activeThreadCount() == 0


def test_panning_while_rendering_shows_the_last_frame_moved(two_layer_window, qtbot):
    canvas = two_layer_window.canvas
    frame = canvas.last_frame
    canvas.pan_by(50, 0)
    assert canvas.last_frame is frame and not canvas.is_frame_current()
    qtbot.waitUntil(canvas.is_frame_current, timeout=20000)
    assert canvas.last_frame is not frame
    assert math.isclose(canvas.last_frame.settings.center[0], canvas.view.center[0])


def test_the_canvas_and_its_tools_keep_the_map_tool_interfaces(two_layer_window):
    """map_tools knows the canvas only as a ToolCanvas (so there is no import cycle): the real
    canvas must keep offering every method of it, and its tools every method of MapTool."""
    from influencemap.ui.map_tools import MapTool, PanIdentifyTool, ToolCanvas
    from influencemap.ui.sketch_tool import SketchTool

    canvas = two_layer_window.canvas
    assert isinstance(canvas, ToolCanvas)
    assert isinstance(canvas.tool, PanIdentifyTool) and isinstance(canvas.tool, MapTool)
    sketch = SketchTool(canvas, GeometryKind.LINE, lambda _vertices: None, lambda: None)
    try:
        assert isinstance(sketch, MapTool)
    finally:
        sketch.cancel()
