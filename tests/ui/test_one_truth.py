"""One truth: after a change made in any view (layers panel, timeline, filters, table) or in the
store itself, the canvas's frame, the layers panel, the timeline, the feature table and the
exports (PNG image, HTML web map, map sheet) all show what the store says is shown."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QImage

ALL = {
    "minsk-loan": "blue",
    "kyiv-port": "blue",
    "astana-bridge": "blue",
    "wang-visit": "red",
    "brest-rail": "red",
}
"""Every feature of ``explore_window`` and its layer's colour (loans blue, visits red)."""


def _is(colour, name: str) -> bool:
    strong, weak = (colour.blue(), (colour.red(), colour.green())) if name == "blue" else (
        colour.red(), (colour.green(), colour.blue()))
    return strong > 200 and max(weak) < 70


def _drawn(image: QImage, window) -> set[str]:
    """The features whose layer colour is at their screen point in an image of the canvas's view."""
    ratio = image.devicePixelRatio()
    drawn = set()
    for feature_id, colour in ALL.items():
        feature = window.store.catalog.feature(feature_id)
        point = window.canvas.screen_point(*feature.geometry.representative_point().coords[0]) \
            if feature.geometry.geom_type != "Point" else window.canvas.screen_point(feature.geometry.x, feature.geometry.y)
        if _is(image.pixelColor(round(point.x() * ratio), round(point.y() * ratio)), colour):
            drawn.add(feature_id)
    return drawn


def _table_ids(window) -> set[str]:
    rows = window.feature_table.rows
    return {rows.feature(i).id for i in range(len(rows))}


def assert_every_view_agrees(window, qtbot, tmp_path, monkeypatch, html: bool = False) -> set[str]:
    store = window.store
    shown = {f.id for f in store.shown_catalog().features()}

    # The layers panel: its checks are the visible layers, its rows the drawing order (top first).
    panel = window.layers_panel
    checked = {i for i in panel.panel_order() if panel.layer_item(i).checkState(0) == Qt.CheckState.Checked}
    assert checked == set(store.visible_layer_ids)
    assert list(reversed(panel.panel_order())) == store.drawing_order

    # The timeline: its handles and toggle are the store's date range.
    slider = window.timeline.slider
    date_from, date_to = store.date_range
    assert slider.low == (slider.minimum if date_from is None else int(date_from[:4]))
    assert slider.high == (slider.maximum if date_to is None else int(date_to[:4]))
    assert window.timeline.include_undated.isChecked() == store.include_undated

    # The table: its rows are the shown features; its selected row is the store's selection.
    assert _table_ids(window) == shown
    table_selected = {window.feature_table.rows.feature(r).id for r in window.feature_table.selected_rows()}
    assert table_selected == ({store.selected_id} if store.selected_id in shown else set())

    # The canvas: a frame drawn for exactly the store's layers and filter, showing the shown features.
    canvas = window.canvas
    qtbot.waitUntil(canvas.is_frame_current, timeout=20000)
    frame = canvas.last_frame
    assert frame.settings.layer_ids == tuple(store.visible_layer_ids)
    assert frame.settings.feature_filter == store.feature_filter
    assert _drawn(frame.image, window) == shown

    # The exports: the PNG image of the view and the map sheet draw the same features.
    out = tmp_path / f"view-{len(list(tmp_path.glob('view-*.png')))}.png"
    window.export_image(out)
    assert _drawn(QImage(str(out)), window) == shown
    from influencemap.ui.export_dialog import open_export_dialog

    sheet = open_export_dialog(window)._sheet
    assert {f.id for f in sheet.catalog.features()} == shown and sheet.layer_ids == tuple(store.visible_layer_ids)
    window.export_map_dialog.reject()
    if html:
        page = tmp_path / "map.html"
        monkeypatch.setattr("influencemap.ui.main_window.QFileDialog.getSaveFileName",
                            lambda *args, **kwargs: (str(page), "HTML (*.html)"))
        monkeypatch.setattr("influencemap.ui.main_window.MainWindow._offer_to_open", lambda self, out: None)
        window.export_html_action.trigger()
        text = page.read_text(encoding="utf-8")
        assert {feature_id for feature_id in ALL if f'"{feature_id}"' in text} == shown
    return shown


@pytest.fixture
def window(explore_window, qtbot):
    explore_window.canvas.zoom_all()  # Astana lies beyond where most of the evidence is
    qtbot.waitUntil(explore_window.canvas.is_frame_current, timeout=20000)
    return explore_window


def test_every_view_agrees_after_changes_from_each_side(window, qtbot, tmp_path, monkeypatch):
    assert assert_every_view_agrees(window, qtbot, tmp_path, monkeypatch) == set(ALL)

    # The layers panel hides a layer (a click on its checkbox).
    window.layers_panel.layer_item("visits").setCheckState(0, Qt.CheckState.Unchecked)
    assert not window.store.is_visible("visits")
    assert assert_every_view_agrees(window, qtbot, tmp_path, monkeypatch) == {"minsk-loan", "kyiv-port", "astana-bridge"}

    # The timeline narrows the years (a drag of its handles).
    window.timeline.slider.set_range(2013, 2016)
    assert window.store.date_range == ("2013", "2016")
    assert assert_every_view_agrees(window, qtbot, tmp_path, monkeypatch) == {"minsk-loan"}

    # The store itself (a script, a reload): show the layer again, keep undated features.
    window.store.set_visible("visits", True)
    window.store.set_include_undated(True)
    assert assert_every_view_agrees(window, qtbot, tmp_path, monkeypatch) == {
        "minsk-loan", "astana-bridge", "wang-visit", "brest-rail"}

    # The filters panel checks a country.
    window.filters_panel.set_checked("countries", "BY")
    assert window.store.feature_filter.countries == frozenset({"BY"})
    assert assert_every_view_agrees(window, qtbot, tmp_path, monkeypatch, html=True) == {
        "minsk-loan", "wang-visit", "brest-rail"}

    # The table selects a row: the store, the details panel and the map's highlight follow.
    table = window.feature_table
    row = table.rows.row_of("wang-visit")
    table.view.selectionModel().setCurrentIndex(
        table.model.index(row, 0),
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
    assert window.store.selected_id == "wang-visit"
    assert "Wang Yi in Vilnius" in window.details_text()
    assert_every_view_agrees(window, qtbot, tmp_path, monkeypatch)

    # The store's drawing order changes: the panel lists it, the canvas draws it.
    window.store.set_drawing_order(list(reversed(window.store.drawing_order)))
    assert_every_view_agrees(window, qtbot, tmp_path, monkeypatch)

    # Reset in the status bar clears filter and timeline everywhere; the selection stays (still shown).
    window.filter_indicator.reset_button.click()
    assert window.store.feature_filter is None
    assert window.store.selected_id == "wang-visit"
    assert assert_every_view_agrees(window, qtbot, tmp_path, monkeypatch, html=True) == set(ALL)
