"""Adding, editing and deleting features from the map: only the feature's lines change, bad
edits are refused with FILE:LINE problems, a file changed on disk is never overwritten."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QKeySequence

from influencemap.editing.yaml_text import read_feature
from influencemap.model.types import GeometryKind
from influencemap.ui.external_editor import editor_command
from tests.ui.conftest import KYIV, MINSK

RELOAD_MS = 10000
GOMEL = (30.98, 52.44)


def _window(layers, open_window):
    path = layers.point_layer("econ", [("minsk-plant", "Plant in Minsk", MINSK), ("kyiv-port", "Port in Kyiv", KYIV)], "#0000ff")
    return open_window([layers.folder]), path


def test_adding_a_point_through_the_form_appends_it_and_shows_it(layers, open_window, qtbot):
    window, path = _window(layers, open_window)
    before = path.read_text(encoding="utf-8")
    menu = window.editing.canvas_menu(window.canvas.screen_point(*GOMEL))
    assert [a.text() for a in menu.actions()][0] == "Add feature here…"
    form = window.editing.add_feature_at(*GOMEL)
    assert form.countries_edit.text() == "BY"  # from the basemap
    assert form.source_combo.currentData() is None  # no evidence chosen for the user
    form.set_source("uitest-doc-a")
    form.name_edit.setText("")
    qtbot.keyClicks(form.name_edit, "Gomel chemical plant")
    assert form.id_edit.text() == "gomel-chemical-plant"
    form.when_combo.setCurrentIndex(form.when_combo.findData("date"))
    form.start_edit.setText("2015-03")
    form.tags_edit.setText("industry, loan")
    form.locator_edit.setText("p. 4")
    form.accept()
    assert form.error_text() == ""
    after = path.read_text(encoding="utf-8")
    assert after.startswith(before)  # every byte of the old file is still there, in place
    assert after[len(before):] == (
        "  - id: gomel-chemical-plant\n    name: Gomel chemical plant\n    point: [30.98, 52.44]\n"
        "    date: 2015-03\n    countries: [BY]\n    tags: [industry, loan]\n"
        "    sources:\n    - {ref: uitest-doc-a, locator: p. 4}\n"
    )
    qtbot.waitUntil(lambda: window.catalog.find_feature("gomel-chemical-plant") is not None, timeout=RELOAD_MS)
    qtbot.waitUntil(lambda: window.state.selected_id == "gomel-chemical-plant", timeout=RELOAD_MS)
    assert window.catalog.feature("gomel-chemical-plant").start == "2015-03"
    assert (path.parent / "econ.yaml.bak").read_text(encoding="utf-8") == before


def test_a_new_source_from_the_form_goes_into_the_layer_file(layers, open_window, qtbot):
    window, path = _window(layers, open_window)
    form = window.editing.add_feature_at(*GOMEL)
    form.name_edit.setText("Gomel plant")
    form.id_edit.setText("gomel-plant")
    form.set_source("__new__")
    assert form.new_source_box.isVisibleTo(form)
    form.source_id_edit.setText("gomel-news")
    form.source_title_edit.setText("Gomel news")
    form.source_url_edit.setText("https://example.org/gomel")
    form.accept()
    assert form.error_text() == ""
    qtbot.waitUntil(lambda: window.catalog.find_feature("gomel-plant") is not None, timeout=RELOAD_MS)
    assert window.catalog.sources["gomel-news"].title == "Gomel news"
    assert "sources:\n  - {id: gomel-news, title: Gomel news, url: 'https://example.org/gomel'}\nfeatures:" in path.read_text(encoding="utf-8")


def test_an_edit_that_would_add_errors_is_refused_in_the_form(layers, open_window, qtbot):
    window, path = _window(layers, open_window)
    before = path.read_text(encoding="utf-8")
    form = window.editing.add_feature_at(*GOMEL)
    form.set_source("uitest-doc-a")
    form.name_edit.setText("Nowhere")
    form.id_edit.setText("nowhere")
    form.geometry_edit.setText("[300, 52.4]")
    form.accept()
    assert form.isVisible()
    assert f"{path}:" in form.error_text() and "longitude" in form.error_text()
    assert path.read_text(encoding="utf-8") == before
    form.id_edit.setText("Bad Id")
    form.accept()
    assert "not valid" in form.error_text()
    form.reject()


def test_editing_changes_only_that_features_lines(layers, open_window, qtbot):
    window, path = _window(layers, open_window)
    before = path.read_text(encoding="utf-8")
    window.select_feature("minsk-plant")
    assert window.editing.edit_action.isEnabled()
    form = window.editing.edit_feature("minsk-plant")
    assert form.name_edit.text() == "Plant in Minsk" and form.locator_edit.text() == "para 3"
    assert not form.layer_combo.isEnabled()
    form.name_edit.setText("Tractor plant")
    form.accept()
    assert form.error_text() == ""
    after = path.read_text(encoding="utf-8")
    head, tail = before.split("  - id: minsk-plant")[0], before[before.index("  - id: kyiv-port"):]
    assert after.startswith(head) and after.endswith(tail)  # only the feature's own lines changed
    assert read_feature(after, "minsk-plant") == {**read_feature(before, "minsk-plant"), "name": "Tractor plant"}
    qtbot.waitUntil(lambda: window.catalog.feature("minsk-plant").name == "Tractor plant", timeout=RELOAD_MS)


def test_delete_then_ctrl_z_brings_the_feature_back(layers, open_window, qtbot):
    window, path = _window(layers, open_window)
    before = path.read_text(encoding="utf-8")
    window.select_feature("kyiv-port")
    window.editing.delete_action.trigger()
    assert "kyiv-port" not in path.read_text(encoding="utf-8")
    assert "minsk-plant" in path.read_text(encoding="utf-8")
    qtbot.waitUntil(lambda: window.catalog.find_feature("kyiv-port") is None, timeout=RELOAD_MS)
    assert window.editing.undo_action.shortcut() == QKeySequence(QKeySequence.StandardKey.Undo)
    assert window.editing.undo_action.text() == "&Undo delete kyiv-port"
    window.activateWindow()
    window.canvas.setFocus()
    qtbot.keyClick(window.canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    if path.read_text(encoding="utf-8") != before:  # no shortcut delivery on this platform
        window.editing.undo_action.trigger()
    assert path.read_text(encoding="utf-8") == before
    qtbot.waitUntil(lambda: window.catalog.find_feature("kyiv-port") is not None, timeout=RELOAD_MS)
    assert not window.editing.undo_action.isEnabled()


def test_a_file_changed_on_disk_since_it_was_read_is_not_overwritten(layers, open_window, qtbot):
    window, path = _window(layers, open_window)
    form = window.editing.edit_feature("minsk-plant")
    form.name_edit.setText("My change")
    external = path.read_text(encoding="utf-8").replace("Port in Kyiv", "Port (edited elsewhere)")
    path.write_text(external, encoding="utf-8")
    form.accept()
    assert form.isVisible()
    assert "changed on disk" in form.error_text()
    assert path.read_text(encoding="utf-8") == external
    qtbot.waitUntil(lambda: window.catalog.feature("kyiv-port").name == "Port (edited elsewhere)", timeout=RELOAD_MS)
    form.reject()


def test_undo_refuses_to_overwrite_a_later_external_change(layers, open_window, qtbot):
    window, path = _window(layers, open_window)
    window.editing.delete_feature("kyiv-port")
    external = path.read_text(encoding="utf-8") + "# a note added in another editor\n"
    path.write_text(external, encoding="utf-8")
    assert not window.editing.undo()
    assert "changed since" in window.editing.last_error
    assert path.read_text(encoding="utf-8") == external


def test_drawing_a_line_opens_the_form_with_its_vertices(layers, open_window, qtbot):
    window, _path = _window(layers, open_window)
    canvas = window.canvas
    tool = window.editing.start_sketch(GeometryKind.LINE, MINSK)
    assert canvas.tool is tool
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=canvas.screen_point(*GOMEL))
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=canvas.screen_point(*KYIV))
    assert len(tool.vertices) == 3
    tool.remove_last_vertex()
    qtbot.keyClick(canvas, Qt.Key.Key_Return)
    form = window.editing.form
    assert form is not None and form.kind_combo.currentData() is GeometryKind.LINE
    assert form.geometry_edit.text().startswith("[[27.56, 53.9], [")
    assert canvas.tool is not tool
    form.reject()


def test_escape_cancels_a_drawing(layers, open_window, qtbot):
    window, _path = _window(layers, open_window)
    window.editing.start_sketch(GeometryKind.POLYGON, MINSK)
    qtbot.keyClick(window.canvas, Qt.Key.Key_Escape)
    assert window.editing.sketch is None and window.editing.form is None


def test_new_layer_creates_the_file_and_loads_it(layers, open_window, qtbot):
    window, _path = _window(layers, open_window)
    dialog = window.editing.new_layer()
    assert dialog.folder_edit.text() == str(layers.folder)
    qtbot.keyClicks(dialog.name_edit, "Ports of Belarus")
    assert dialog.id_edit.text() == "ports-of-belarus"
    dialog.accept()
    created = layers.folder / "ports-of-belarus.yaml"
    assert created.read_text(encoding="utf-8").startswith("# yaml-language-server: $schema=")
    qtbot.waitUntil(lambda: window.layers_panel.layer_item("ports-of-belarus") is not None, timeout=RELOAD_MS)
    assert any(layer.id == "ports-of-belarus" for layer in window.editing.writable_layers())


def test_the_details_panel_and_map_offer_edit_delete_and_open(layers, open_window, qtbot):
    window, _path = _window(layers, open_window)
    window.select_feature("minsk-plant")
    menu = window.editing.canvas_menu(window.canvas.screen_point(*MINSK))
    texts = [a.text() for a in menu.actions()]
    assert "Edit “Plant in Minsk”…" in texts and "Delete “Plant in Minsk”" in texts and "Open in Editor" in texts
    menu.deleteLater()
    assert window.editing.open_action.isEnabled()
    window.details_panel.browser.customContextMenuRequested.emit(QPoint(5, 5))


def test_editor_commands_go_to_the_line():
    assert editor_command("/l/a.yaml", 12, {"EDITOR": "vim"}) == ["vim", "+12", "/l/a.yaml"]
    assert editor_command("/l/a.yaml", 12, {"VISUAL": "code --wait", "EDITOR": "vi"}) == ["code", "--wait", "-g", "/l/a.yaml:12"]
    assert editor_command("/l/a.yaml", 12, {"EDITOR": "/usr/bin/emacs -nw"}) == ["/usr/bin/emacs", "-nw", "+12", "/l/a.yaml"]
    assert editor_command("/l/a.yaml", 12, {"EDITOR": "gedit"}) == ["gedit", "/l/a.yaml"]
    assert editor_command("/l/a.yaml", 12, {}) is None
