"""A sensible first view: the app opens on where the evidence is, not on its outliers."""

from __future__ import annotations

from PySide6.QtCore import QSettings

from influencemap.model.extent import robust_bounds, robust_layer_bounds
from influencemap.ui import MainWindow

NEW_YORK = (-73.97, 40.75)
BRUSSELS = (4.35, 50.85)
BEIJING = (116.40, 39.90)
MINSK, KYIV, ALMATY = (27.56, 53.90), (30.52, 50.45), (76.95, 43.25)


def _inside(canvas, lonlat) -> bool:
    return canvas.rect().contains(canvas.screen_point(*lonlat))


def _spread_layer(layers):
    """25 facts between Minsk and Almaty and one in New York (an outlier)."""
    rows = [(f"f{i}", f"Fact {i}", (27.0 + 2.0 * i, 45.0 + (i % 5))) for i in range(25)]
    rows.append(("un", "Statement at the UN", NEW_YORK))
    return layers.point_layer("spread", rows, "#0000ff")


def test_the_window_opens_on_the_robust_extent_and_zoom_to_all_shows_everything(layers, open_window):
    _spread_layer(layers)
    window = open_window([layers.folder])
    canvas = window.canvas
    assert not _inside(canvas, NEW_YORK)
    assert _inside(canvas, (27.0, 45.0)) and _inside(canvas, (75.0, 49.0))
    minlon, _minlat, maxlon, _maxlat = canvas.view_bounds()
    robust = robust_bounds(window.catalog)
    assert minlon <= robust[0] and robust[2] <= maxlon
    window.zoom_all_action.trigger()
    assert _inside(canvas, NEW_YORK)
    window.layers_panel.zoomToLayerRequested.emit("spread")
    assert not _inside(canvas, NEW_YORK)
    assert robust_layer_bounds(window.catalog.layer("spread")) == robust


def test_the_bundled_layers_open_on_europe_to_china(open_window):
    window = open_window([])
    canvas = window.canvas
    # Where the evidence is (the documents' cities, AidData's projects from Belarus to
    # Mongolia), not the statements made in New York and Washington.
    for place in (MINSK, KYIV, ALMATY, BEIJING):
        assert _inside(canvas, place), place
    assert not _inside(canvas, NEW_YORK)


def test_a_remembered_view_applies_only_without_paths(layers, qtbot, tmp_path):
    _spread_layer(layers)
    settings = QSettings(str(tmp_path / "view.ini"), QSettings.Format.IniFormat)
    settings.setValue("view/bbox", [100.0, 10.0, 110.0, 20.0])
    with_paths = MainWindow([str(layers.folder)], settings=settings)
    qtbot.addWidget(with_paths)
    with_paths.show()
    qtbot.waitExposed(with_paths)
    assert _inside(with_paths.canvas, (27.0, 45.0))
    without = MainWindow([], settings=settings)
    qtbot.addWidget(without)
    without.show()
    qtbot.waitExposed(without)
    assert _inside(without.canvas, (105.0, 15.0)) and not _inside(without.canvas, BRUSSELS)
