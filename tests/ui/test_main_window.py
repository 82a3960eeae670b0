"""The window: settings remembered, reload, drag and drop, export, menus and shortcuts."""

from __future__ import annotations

import sys

from PySide6.QtCore import QMimeData, QPoint, QPointF, QSettings, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QImage, QKeySequence
from PySide6.QtWidgets import QApplication

from influencemap.ui import MainWindow

MINSK = (27.56, 53.90)
KYIV = (30.52, 50.45)


def test_window_geometry_and_panels_are_remembered(layers, qtbot, tmp_path):
    layers.point_layer("econ", [("minsk-plant", "Plant", MINSK)], "#0000ff")
    settings = QSettings(str(tmp_path / "remember.ini"), QSettings.Format.IniFormat)
    first = MainWindow([str(layers.folder)], settings=settings)
    qtbot.addWidget(first)
    first.show()
    qtbot.waitExposed(first)
    first.resize(760, 560)
    first.problems_dock.hide()
    qtbot.waitUntil(lambda: first.size().width() == 760)
    first.close()

    second = MainWindow([str(layers.folder)], settings=QSettings(str(tmp_path / "remember.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(second)
    second.show()
    qtbot.waitExposed(second)
    assert (second.width(), second.height()) == (760, 560)
    assert not second.problems_dock.isVisible()
    assert second.layers_dock.isVisible()


def test_a_saved_view_never_overrides_explicit_paths(layers, qtbot, tmp_path):
    layers.point_layer("econ", [("minsk-plant", "Plant", MINSK), ("kyiv-port", "Port", KYIV)], "#0000ff")
    settings = QSettings(str(tmp_path / "view.ini"), QSettings.Format.IniFormat)
    settings.setValue("view/bbox", [100.0, 10.0, 110.0, 20.0])  # somewhere in Indochina
    window = MainWindow([str(layers.folder)], settings=settings)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    rect = window.canvas.rect()
    assert rect.contains(window.canvas.screen_point(*MINSK)) and rect.contains(window.canvas.screen_point(*KYIV))


def test_the_last_folder_is_remembered(two_layer_window, settings_file, tmp_path):
    out = tmp_path / "exports"
    out.mkdir()
    two_layer_window.export_image(out / "map.png")
    assert settings_file.value("files/lastFolder") == str(out)
    assert two_layer_window.last_folder() == str(out)


def test_reload_picks_up_changes_and_keeps_hidden_layers(layers, open_window, qtbot):
    path = layers.point_layer("econ", [("minsk-plant", "Plant in Minsk", MINSK)], "#0000ff")
    layers.point_layer("diplo", [("minsk-visit", "Visit", MINSK)], "#ff0000", category="Diplomacy")
    window = open_window([layers.folder])
    window.state.set_visible("diplo", False)
    path.write_text(path.read_text(encoding="utf-8").replace("Plant in Minsk", "Tractor plant"), encoding="utf-8")
    window.reload_action.trigger()
    qtbot.waitUntil(lambda: window.catalog.feature("minsk-plant").name == "Tractor plant", timeout=20000)
    assert not window.state.is_visible("diplo")
    assert QApplication.activeModalWidget() is None
    assert {"F5", "Ctrl+R"} <= {s.toString() for s in window.reload_action.shortcuts()}


def _drop(window, paths):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    position = QPointF(window.width() / 2, window.height() / 2)
    enter = QDragEnterEvent(position.toPoint(), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, enter)
    accepted = enter.isAccepted()
    if accepted:
        drop = QDropEvent(position, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(window, drop)
    return accepted


def test_dropping_a_yaml_file_loads_it(layers, open_window, qtbot, tmp_path):
    layers.point_layer("econ", [("minsk-plant", "Plant", MINSK)], "#0000ff")
    window = open_window([layers.folder])
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "extra.yaml").write_text(
        "id: extra\nname: Extra\nfeatures:\n  - {id: kyiv-extra, name: Extra in Kyiv, point: [30.52, 50.45], sources: [uitest-doc-a]}\n",
        encoding="utf-8",
    )
    (extra / "notes.txt").write_text("not a layer", encoding="utf-8")
    assert not _drop(window, [extra / "notes.txt"])
    assert _drop(window, [extra / "extra.yaml"])
    qtbot.waitUntil(lambda: window.catalog.find_feature("kyiv-extra") is not None, timeout=20000)
    assert window.catalog.find_feature("minsk-plant") is not None
    assert window.state.visible_layer_ids.count("extra") == 1


def test_export_writes_the_current_view(two_layer_window, tmp_path):
    window = two_layer_window
    window.state.set_visible("diplo", False)
    out = tmp_path / "view.png"
    window.export_image(out)
    image = QImage(str(out))
    assert (image.width(), image.height()) == (window.canvas.width(), window.canvas.height())
    minsk = window.canvas.screen_point(*MINSK)
    color = image.pixelColor(minsk.x(), minsk.y())
    assert color.blue() > 200 and color.red() < 60  # econ's blue, not the hidden red layer


def test_menus_and_standard_shortcuts(two_layer_window):
    window = two_layer_window
    titles = [action.text().replace("&", "") for action in window.menuBar().actions()]
    assert titles == ["File", "Edit", "View", "Help"]
    assert window.open_action.shortcut() == QKeySequence(QKeySequence.StandardKey.Open)
    assert "Ctrl+Q" in [s.toString() for s in window.quit_action.shortcuts()]
    assert window.export_action.isEnabled()
    panels = [a.text() for a in window.menuBar().actions()[titles.index("View")].menu().actions() if a.menu()]
    assert panels == ["&Basemap", "&Panels"]


def test_html_export_is_offered_when_its_module_exists(two_layer_window, layers, open_window, monkeypatch):
    assert two_layer_window.export_html_action.isEnabled()
    # without the module (an install without folium's exporter), the action is there but off,
    # and triggering it anyway asks for no file
    monkeypatch.setitem(sys.modules, "influencemap.export.html", None)
    asked = []
    monkeypatch.setattr("influencemap.ui.main_window.QFileDialog.getSaveFileName", lambda *a, **k: asked.append(a) or ("", ""))
    window = open_window([layers.folder])
    assert not window.export_html_action.isEnabled()
    assert window.export_html_action.text() == "Export &HTML…"
    window._export_html()
    assert asked == []


def test_visible_catalog_is_what_the_map_shows(two_layer_window):
    window = two_layer_window
    window.state.set_visible("econ", False)
    assert [layer.id for layer in window.visible_catalog().layers] == ["diplo"]


def test_about_names_the_data_credits():
    from influencemap.ui.about import about_html

    text = about_html()
    assert "Natural Earth" in text and "public domain" in text
    assert "GeoNames" in text and "CC BY 4.0" in text
    assert "AidData" in text and "ODC-By 1.0" in text and "© OpenStreetMap contributors" in text and "ODbL 1.0" in text


def test_closing_stops_every_worker(two_layer_window):
    window = two_layer_window
    window.reload()
    window.close()
    assert not window.loader.busy and not window.canvas._renderer.busy
    assert window.canvas.is_frame_current() in (True, False)  # still callable after closing
    assert QPoint(0, 0) == QPoint(0, 0)


def test_a_slow_load_shows_progress_without_a_dialog(two_layer_window, qtbot, monkeypatch):
    import time

    import influencemap.ui.catalog_loader as catalog_loader

    real = catalog_loader.load_safely

    def slow(paths, *args):
        time.sleep(0.8)  # stands in for a big folder: the busy bar appears after 0.5 s
        return real(paths, *args)

    monkeypatch.setattr(catalog_loader, "load_safely", slow)
    window = two_layer_window
    window.reload()
    qtbot.waitUntil(lambda: window._busy.isVisible(), timeout=5000)
    assert QApplication.activeModalWidget() is None
    qtbot.waitUntil(lambda: not window.loader.busy, timeout=20000)
    assert not window._busy.isVisible()


def test_dropping_a_folder_adds_its_layers(layers, open_window, qtbot, tmp_path):
    layers.point_layer("econ", [("minsk-plant", "Plant", MINSK)], "#0000ff")
    window = open_window([layers.folder])
    other = tmp_path / "other"
    other.mkdir()
    (other / "more.yaml").write_text(
        "id: more\nname: More\nfeatures:\n  - {id: kyiv-more, name: More in Kyiv, point: [30.52, 50.45], sources: [uitest-doc-a]}\n",
        encoding="utf-8",
    )
    assert _drop(window, [other])
    qtbot.waitUntil(lambda: window.catalog.find_feature("kyiv-more") is not None, timeout=20000)
    assert window.paths == [str(layers.folder), str(other)]


def test_run_app_opens_the_window_and_returns_when_it_closes(layers, qtbot):
    from PySide6.QtCore import QTimer

    from influencemap.ui.app import run_app

    layers.point_layer("econ", [("minsk-plant", "Plant", MINSK)], "#0000ff")
    seen = []
    waited = []

    def close_when_loaded():
        windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
        loaded = [w for w in windows if w.catalog.find_feature("minsk-plant") is not None]
        if windows and not loaded and len(waited) < 200:
            waited.append(1)  # the window paints first; the layers arrive from a worker thread
            QTimer.singleShot(100, close_when_loaded)
            return
        seen.extend(w.canvas.rect().contains(w.canvas.screen_point(*MINSK)) for w in loaded)
        for window in windows:
            window.close()
        QApplication.quit()

    app = QApplication.instance()
    # One way out only: closing the last window would post a second quit that outlives exec()
    # and ends the next test's event loops at once.
    app.setQuitOnLastWindowClosed(False)
    QTimer.singleShot(100, close_when_loaded)
    try:
        assert run_app([str(layers.folder)]) == 0
    finally:
        app.setQuitOnLastWindowClosed(True)
    assert seen == [True]


def test_no_two_actions_share_a_shortcut(two_layer_window):
    """An ambiguous shortcut does nothing at all in Qt: Ctrl+Shift+E was both Export Map… and
    Open in Editor, and neither opened."""
    from PySide6.QtGui import QAction

    owners: dict[str, list[str]] = {}
    for action in two_layer_window.findChildren(QAction):
        for key in action.shortcuts():
            owners.setdefault(key.toString(), []).append(action.text())
    # twice on one action is ambiguous too (Quit had Ctrl+Q twice on X11)
    assert {key: texts for key, texts in owners.items() if len(texts) > 1} == {}
    assert two_layer_window.editing.open_action.shortcut().toString() == "Ctrl+Alt+E"
