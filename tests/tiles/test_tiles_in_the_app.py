"""The app on a tile basemap: the canvas shows a local server's tiles, says when they fail,
remembers the choice, and fetches nothing unless an online basemap is chosen."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QColor

from influencemap.geo.basemaps import custom_xyz, mbtiles

_spec = importlib.util.spec_from_file_location("_tile_harness", Path(__file__).with_name("test_tile_basemaps.py"))
_harness = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_harness)
tile_server = _harness.tile_server  # the fixture: an XYZ server on 127.0.0.1 counting requests
cache = _harness.cache
MAGENTA, RED = _harness.MAGENTA, _harness.RED

LAYER = "id: far\nname: Far\nfeatures:\n  - {id: f1, name: Far away, point: [100.0, 10.0], sources: [doc]}\n"


@pytest.fixture
def window_factory(qtbot, tmp_path):
    folder = tmp_path / "layers"
    folder.mkdir()
    (folder / "sources.yaml").write_text("sources:\n  - {id: doc, title: A report}\n", encoding="utf-8")
    (folder / "far.yaml").write_text(LAYER, encoding="utf-8")
    settings_path = tmp_path / "window.ini"

    def make():
        from influencemap.ui import MainWindow

        window = MainWindow([str(folder)], settings=QSettings(str(settings_path), QSettings.Format.IniFormat))
        qtbot.addWidget(window)
        window.resize(1000, 700)
        window.show()
        qtbot.waitExposed(window)
        qtbot.waitUntil(window.canvas.is_frame_current, timeout=20000)
        window.canvas.set_extent(20.0, 44.0, 36.0, 54.0)
        qtbot.waitUntil(window.canvas.is_frame_current, timeout=20000)
        return window

    return make


def _colour(window, lon: float, lat: float) -> QColor:
    frame = window.canvas.last_frame
    x, y = frame.settings.lonlat_to_pixels(lon, lat)
    ratio = frame.image.devicePixelRatio()
    return frame.image.pixelColor(int(x * ratio), int(y * ratio))


def test_the_canvas_shows_tiles_remembers_the_choice_and_fetches_nothing_by_default(
    qtbot, window_factory, tile_server, cache
):
    window = window_factory()
    assert window.canvas.tile_source is None and tile_server.requests == []
    titles = [a.text() for a in window.basemap_menu.menu.actions() if a.text()]
    assert titles[:3] == ["Offline (Natural Earth)", "OpenStreetMap", "OpenTopoMap"] and "&Custom XYZ…" in titles
    assert window.basemap_menu.actions["offline"].isChecked()

    basemap = custom_xyz(tile_server.template, attribution="Test tiles")
    window.basemap_menu.choose(basemap)
    qtbot.waitUntil(lambda: _colour(window, 28.0, 49.0) == MAGENTA, timeout=15000)
    assert tile_server.requests
    assert window.basemap_menu.actions[basemap.spec].isChecked()
    # The attribution is on the map: bottom right, dark text on a light box.
    frame = window.canvas.last_frame
    w, h = frame.image.width(), frame.image.height()
    assert any(frame.image.pixelColor(x, h - 9).lightness() < 120 for x in range(w - 60, w - 5))

    window.close()
    again = window_factory()  # a new window with the same settings
    assert again.canvas.basemap.spec == basemap.spec


def test_a_dead_server_is_a_status_note_and_the_offline_basemap_shows(qtbot, window_factory, tile_server, cache):
    window = window_factory()
    tile_server.stop()
    window.basemap_menu.choose(custom_xyz(tile_server.template))
    qtbot.waitUntil(lambda: "not loaded" in window.statusBar().currentMessage(), timeout=15000)
    assert "offline basemap" in window.statusBar().currentMessage()
    qtbot.waitUntil(window.canvas.is_frame_current, timeout=15000)
    from influencemap.render import basemap_layer

    assert _colour(window, 28.0, 49.0) == basemap_layer.LAND


def test_an_mbtiles_file_is_drawn_in_the_canvas(qtbot, window_factory, tmp_path, cache):
    path = tmp_path / "ua.mbtiles"
    _harness.make_mbtiles(path, RED, box=(24.0, 47.0, 30.0, 51.0), zooms=range(3, 9), touching=True)
    window = window_factory()
    window.basemap_menu.choose(mbtiles(path))
    qtbot.waitUntil(lambda: _colour(window, 27.0, 49.0) == RED, timeout=15000)
    assert _colour(window, 35.0, 49.0) != RED  # east of the file's tiles: the offline basemap
    broken = tmp_path / "broken.mbtiles"
    broken.write_bytes(b"junk")
    window.basemap_menu.choose(mbtiles(broken))
    qtbot.waitUntil(lambda: "not an MBTiles file" in window.statusBar().currentMessage(), timeout=5000)


def test_the_custom_xyz_dialog_checks_the_template(qtbot):
    from influencemap.ui.basemap_menu import CustomXyzDialog

    dialog = CustomXyzDialog()
    qtbot.addWidget(dialog)
    dialog.url.setText("https://tiles.example.org/{z}/{x}.png")
    dialog.accept()
    assert dialog.result() != dialog.DialogCode.Accepted and "{y}" in dialog.error.text()
    dialog.url.setText("https://{s}.tiles.example.org/{z}/{x}/{y}.png")
    dialog.max_zoom.setValue(12)
    dialog.attribution.setText("© Example")
    dialog.accept()
    assert dialog.result() == dialog.DialogCode.Accepted
    assert dialog.basemap.max_zoom == 12 and dialog.basemap.attribution == "© Example"
    assert dialog.basemap.tile_url(3, 1, 2).endswith(".tiles.example.org/3/1/2.png")


def test_the_export_dialog_draws_the_sheet_on_the_chosen_tiles(qtbot, window_factory, tile_server, cache, tmp_path):
    from PySide6.QtGui import QImage

    from influencemap.ui.export_dialog import open_export_dialog

    window = window_factory()
    window.canvas.set_basemap(custom_xyz(tile_server.template))
    dialog = open_export_dialog(window)
    qtbot.addWidget(dialog)
    before = len(tile_server.requests)
    out = tmp_path / "sheet.png"
    assert dialog.export_to(out)
    assert len(tile_server.requests) > before or (cache / "tiles").is_dir()
    image = QImage(str(out))
    step = 7
    magenta = sum(
        image.pixelColor(x, y) == MAGENTA
        for x in range(0, image.width(), step)
        for y in range(0, image.height(), step)
    )
    assert magenta > 100, "the sheet's map should be drawn on the server's (magenta) tiles"
    assert dialog.last_report.warnings == []
