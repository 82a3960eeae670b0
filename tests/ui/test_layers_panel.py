"""The layers panel: grouped rows with symbols and counts, visibility, order, zoom to layer."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView

MINSK = (27.56, 53.90)
KYIV = (30.52, 50.45)


def _rows(panel):
    tree = panel.tree
    rows = []
    for c in range(tree.topLevelItemCount()):
        group = tree.topLevelItem(c)
        rows.append((group.text(0), [(group.child(i).text(0), group.child(i).text(1)) for i in range(group.childCount())]))
    return rows


def test_layers_are_grouped_by_category_with_counts_and_symbols(two_layer_window):
    panel = two_layer_window.layers_panel
    assert _rows(panel) == [
        ("Diplomacy", [("Layer diplo", "1")]),
        ("Economy", [("Layer econ", "2")]),
    ]
    item = panel.layer_item("econ")
    assert item.checkState(0) == Qt.CheckState.Checked
    icon = item.icon(0).pixmap(18, 18).toImage()
    blue = [icon.pixelColor(x, y) for x in range(18) for y in range(18)]
    assert any(c.blue() > 200 and c.red() < 60 and c.alpha() > 200 for c in blue)


def test_unchecking_a_layer_hides_it_from_the_map(two_layer_window, qtbot):
    window = two_layer_window
    canvas = window.canvas
    window.layers_panel.layer_item("econ").setCheckState(0, Qt.CheckState.Unchecked)
    assert window.state.visible_layer_ids == ["diplo"]
    qtbot.waitUntil(canvas.is_frame_current, timeout=20000)
    assert canvas.last_frame.settings.layer_ids == ("diplo",)
    kyiv = canvas.screen_point(*KYIV)
    color = canvas.last_frame.image.pixelColor(kyiv.x(), kyiv.y())
    assert not (color.blue() > 200 and color.red() < 60)


def _color_at_minsk(window, qtbot):
    canvas = window.canvas
    qtbot.waitUntil(canvas.is_frame_current, timeout=20000)
    point = canvas.screen_point(*MINSK)
    return canvas.last_frame.image.pixelColor(point.x(), point.y())


def test_reordering_layers_changes_the_drawing_order(layers, open_window, qtbot):
    layers.point_layer("blue", [("minsk-blue", "Blue in Minsk", MINSK)], "#0000ff", category="Same")
    layers.point_layer("red", [("minsk-red", "Red in Minsk", MINSK)], "#ff0000", category="Same")
    window = open_window([layers.folder])
    panel = window.layers_panel
    assert panel.panel_order() == ["blue", "red"]
    assert window.state.drawing_order == ["red", "blue"]
    color = _color_at_minsk(window, qtbot)
    assert color.blue() > 200 and color.red() < 60

    panel.move_layer("red", 0)
    assert panel.panel_order() == ["red", "blue"]
    assert window.state.drawing_order == ["blue", "red"]
    color = _color_at_minsk(window, qtbot)
    assert color.red() > 200 and color.blue() < 60
    assert window.canvas.features_at(window.canvas.screen_point(*MINSK))[0] == ("red", "minsk-red")


def test_dropping_a_layer_below_a_sibling_moves_it(layers, open_window):
    for name in ("a", "b", "c"):
        layers.point_layer(name, [(f"f-{name}", name, MINSK)], "#00aa00", category="Same")
    window = open_window([layers.folder])
    panel = window.layers_panel
    below = QAbstractItemView.DropIndicatorPosition.BelowItem
    panel._on_dropped(panel.layer_item("a"), panel.layer_item("c"), below)
    assert panel.panel_order() == ["b", "c", "a"]
    # A layer can't leave its category.
    layers_before = panel.panel_order()
    panel._on_dropped(panel.layer_item("a"), None, below)
    assert panel.panel_order() == layers_before


def test_categories_move_as_a_whole(two_layer_window):
    window = two_layer_window
    panel = window.layers_panel
    panel.move_category("Economy", 0)
    assert panel.categories() == ["Economy", "Diplomacy"]
    assert window.state.drawing_order == ["diplo", "econ"]


def test_zoom_to_layer_fits_the_layer(two_layer_window):
    window = two_layer_window
    canvas = window.canvas
    canvas.zoom_by(0.05)
    window.layers_panel.zoomToLayerRequested.emit("econ")
    rect = canvas.rect()
    minsk, kyiv = canvas.screen_point(*MINSK), canvas.screen_point(*KYIV)
    assert rect.contains(minsk) and rect.contains(kyiv)
    assert abs(minsk.y() - kyiv.y()) > canvas.height() / 2


def test_unchecking_a_category_hides_its_layers(two_layer_window):
    window = two_layer_window
    tree = window.layers_panel.tree
    economy = [tree.topLevelItem(i) for i in range(tree.topLevelItemCount()) if tree.topLevelItem(i).text(0) == "Economy"][0]
    economy.setCheckState(0, Qt.CheckState.Unchecked)
    assert window.state.visible_layer_ids == ["diplo"]



def test_a_drop_on_the_tree_moves_the_current_row_after_the_drag_ends(layers, open_window, qtbot):
    from PySide6.QtCore import QPointF
    from PySide6.QtGui import QDropEvent

    for name in ("a", "b", "c"):
        layers.point_layer(name, [(f"f-{name}", name, MINSK)], "#00aa00", category="Same")
    window = open_window([layers.folder])
    panel = window.layers_panel
    tree = panel.tree
    tree.setCurrentItem(panel.layer_item("a"))
    spot = QPointF(tree.visualItemRect(panel.layer_item("c")).center())
    event = QDropEvent(spot, Qt.DropAction.MoveAction, tree.mimeData([panel.layer_item("a")]),
                       Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    tree.dropEvent(event)
    assert panel.panel_order() == ["a", "b", "c"]  # nothing moves while the drag is still on
    assert event.dropAction() == Qt.DropAction.IgnoreAction  # Qt must not remove the dragged row
    qtbot.waitUntil(lambda: panel.panel_order() == ["b", "a", "c"], timeout=2000)
