"""Live reload: edits made by any editor show up; a broken file keeps its last good layer."""

from __future__ import annotations

import os

from PySide6.QtWidgets import QApplication

from tests.ui.conftest import KYIV, MINSK

RELOAD_MS = 10000


def _replace_atomically(path, text):
    temp = path.with_name(f".{path.name}.swp")
    temp.write_text(text, encoding="utf-8")
    os.replace(temp, path)


def test_an_atomic_save_by_rename_is_picked_up_and_keeps_the_view(layers, open_window, qtbot):
    path = layers.point_layer("econ", [("minsk-plant", "Plant in Minsk", MINSK)], "#0000ff")
    window = open_window([layers.folder])
    window.select_feature("minsk-plant")
    view = window.canvas.view_bounds()
    for name in ("Tractor plant", "Tractor works"):  # twice: the watch survives the first rename
        _replace_atomically(path, path.read_text(encoding="utf-8").replace("name: Plant in Minsk", f"name: {name}")
                            .replace("name: Tractor plant", f"name: {name}"))
        qtbot.waitUntil(lambda n=name: window.catalog.feature("minsk-plant").name == n, timeout=RELOAD_MS)
    assert window.state.selected_id == "minsk-plant"
    assert window.canvas.view_bounds() == view
    assert QApplication.activeModalWidget() is None


def test_an_in_place_save_is_picked_up(layers, open_window, qtbot):
    path = layers.point_layer("econ", [("minsk-plant", "Plant in Minsk", MINSK)], "#0000ff")
    window = open_window([layers.folder])
    with open(path, "a", encoding="utf-8") as handle:
        handle.write("  - id: kyiv-port\n    name: Port\n    point: [30.52, 50.45]\n    sources: [uitest-doc-a]\n")
    qtbot.waitUntil(lambda: window.catalog.find_feature("kyiv-port") is not None, timeout=RELOAD_MS)
    assert window.layers_panel.layer_item("econ").text(1) == "2"


def test_an_invalid_edit_keeps_the_last_good_layer_and_lists_the_problem(layers, open_window, qtbot):
    path = layers.point_layer("econ", [("minsk-plant", "Plant in Minsk", MINSK), ("kyiv-port", "Port", KYIV)], "#0000ff")
    window = open_window([layers.folder])
    good = path.read_text(encoding="utf-8")
    _replace_atomically(path, good.replace("point: [27.56, 53.9]", "pont: [27.56, 53.9]"))
    qtbot.waitUntil(lambda: any(f"{path}:" in line for line in window.problems_panel.lines()), timeout=RELOAD_MS)
    assert window.catalog.find_feature("minsk-plant") is not None  # still shown: the last good version
    assert window.catalog.find_feature("kyiv-port") is not None
    lines = window.problems_panel.lines()
    assert any(line.startswith(f"{path}:8:") and "pont" in line for line in lines)
    assert any("last good version of layer 'econ'" in line for line in lines)
    item = window.layers_panel.layer_item("econ")
    assert not item.icon(1).isNull()
    assert "last good version is shown" in item.toolTip(0)
    _replace_atomically(path, good.replace("Plant in Minsk", "Fixed plant"))
    qtbot.waitUntil(lambda: window.catalog.feature("minsk-plant").name == "Fixed plant", timeout=RELOAD_MS)
    assert not window.catalog.problems
    assert window.layers_panel.layer_item("econ").icon(1).isNull()


def test_a_new_file_in_the_folder_appears_and_a_deleted_one_disappears(layers, open_window, qtbot):
    layers.point_layer("econ", [("minsk-plant", "Plant in Minsk", MINSK)], "#0000ff")
    window = open_window([layers.folder])
    added = layers.point_layer("diplo", [("kyiv-visit", "Visit", KYIV)], "#ff0000", category="Diplomacy")
    qtbot.waitUntil(lambda: window.layers_panel.layer_item("diplo") is not None, timeout=RELOAD_MS)
    assert window.catalog.find_feature("kyiv-visit") is not None
    added.unlink()
    qtbot.waitUntil(lambda: window.layers_panel.layer_item("diplo") is None, timeout=RELOAD_MS)
    assert window.catalog.find_feature("kyiv-visit") is None
    assert window.catalog.find_feature("minsk-plant") is not None
