"""File > Export Map…: the dialog's live preview, its export and its remembered settings."""

from __future__ import annotations

from PySide6.QtGui import QImage, QKeySequence

from influencemap.ui.export_dialog import ExportMapDialog


def open_dialog(window, qtbot) -> ExportMapDialog:
    window.export_map_action.trigger()
    dialog = window.export_map_dialog
    qtbot.waitUntil(lambda: dialog.previews_drawn >= 1, timeout=20000)
    return dialog


def test_export_map_is_in_the_file_menu_with_a_shortcut(two_layer_window):
    window = two_layer_window
    assert window.export_map_action.shortcut() == QKeySequence("Ctrl+Shift+E")
    file_menu = window.menuBar().actions()[0].menu()
    assert window.export_map_action in file_menu.actions()
    assert window.export_action in file_menu.actions()  # Export Image… stays


def test_changing_a_field_redraws_the_preview(two_layer_window, qtbot):
    dialog = open_dialog(two_layer_window, qtbot)
    before = dialog.preview_image()
    assert not before.isNull() and max(before.width(), before.height()) <= 520
    drawn = dialog.previews_drawn
    dialog.title_edit.setText("Minsk and Kyiv")
    qtbot.waitUntil(lambda: dialog.previews_drawn > drawn, timeout=20000)
    after = dialog.preview_image()
    assert after != before  # the title block now takes the top of the sheet
    drawn = dialog.previews_drawn
    dialog.size_combo.setCurrentIndex(dialog.size_combo.findData("a4-portrait"))
    qtbot.waitUntil(lambda: dialog.previews_drawn > drawn, timeout=20000)
    portrait = dialog.preview_image()
    assert portrait.height() > portrait.width()
    assert "numbered places" in dialog.status_label.text()


def test_typing_quickly_draws_one_preview_for_the_last_text(two_layer_window, qtbot):
    dialog = open_dialog(two_layer_window, qtbot)
    drawn = dialog.previews_drawn
    for text in ("M", "Mi", "Min", "Mins", "Minsk"):
        dialog.title_edit.setText(text)
    qtbot.waitUntil(lambda: dialog.previews_drawn > drawn, timeout=20000)
    qtbot.wait(600)
    assert dialog.previews_drawn == drawn + 1


def test_export_writes_the_sheet_and_the_settings_are_remembered(two_layer_window, qtbot, tmp_path, settings_file):
    window = two_layer_window
    dialog = open_dialog(window, qtbot)
    dialog.format_combo.setCurrentIndex(dialog.format_combo.findData("png"))
    dialog.size_combo.setCurrentIndex(dialog.size_combo.findData("custom"))
    dialog.width_spin.setValue(900)
    dialog.height_spin.setValue(700)
    dialog.dpi_spin.setValue(200)
    dialog.title_edit.setText("Two capitals")
    dialog.notes_edit.setPlainText("A note.")
    dialog.legend_combo.setCurrentIndex(dialog.legend_combo.findData("bottom-right"))
    dialog.sources_check.setChecked(False)
    out = tmp_path / "sheet.png"
    assert dialog.export_to(out)
    image = QImage(str(out))
    assert (image.width(), image.height()) == (900, 700)
    assert round(image.dotsPerMeterX() * 0.0254) == 200
    assert dialog.last_report.legend_corner == "bottom-right"
    assert "Exported" in window.statusBar().currentMessage()
    dialog.close()

    again = open_dialog(window, qtbot)
    assert again.fmt() == "png"
    assert again.size_combo.currentData() == "custom"
    assert (again.width_spin.value(), again.height_spin.value(), again.dpi_spin.value()) == (900, 700, 200)
    assert again.title_edit.text() == "Two capitals"
    assert again.notes_edit.toPlainText() == "A note."
    assert again.legend_combo.currentData() == "bottom-right"
    assert not again.sources_check.isChecked()
    assert settings_file.value("exportMap/title") == "Two capitals"


def test_the_sheet_shows_what_the_map_shows(two_layer_window, qtbot, tmp_path):
    """A hidden layer is neither drawn nor listed: the dialog works on the visible layers."""
    window = two_layer_window
    window.state.set_visible("diplo", False)
    dialog = open_dialog(window, qtbot)
    out = tmp_path / "sheet.svg"
    assert dialog.export_to(out)
    legend = [row.layer_id for row in dialog.last_report.content.legend]
    assert legend == ["econ"]
    assert "Layer diplo" not in out.read_text(encoding="utf-8")


def test_a_bad_bounding_box_is_said_in_the_dialog(two_layer_window, qtbot):
    dialog = open_dialog(two_layer_window, qtbot)
    dialog.extent_combo.setCurrentIndex(dialog.extent_combo.findData("bbox"))
    assert dialog.bbox_edit.isEnabled()
    dialog.bbox_edit.setText("40, 50, 30, 60")
    qtbot.waitUntil(lambda: "min < max" in dialog.status_label.text(), timeout=5000)


def test_the_current_view_extent_shows_what_the_canvas_shows(two_layer_window, qtbot, tmp_path):
    window = two_layer_window
    window.canvas.set_extent(29.5, 49.5, 31.5, 51.5)  # around Kyiv only
    dialog = open_dialog(window, qtbot)
    dialog.extent_combo.setCurrentIndex(dialog.extent_combo.findData("view"))
    assert dialog.export_to(tmp_path / "view.png")
    minlon, minlat, maxlon, maxlat = dialog.last_report.settings.lonlat_bounds
    assert minlon <= 29.5 and maxlon >= 31.5 and maxlat < 53.9  # Kyiv in, Minsk (53.9 N) out
    assert [p.label for p in dialog.last_report.content.places] == ["Kyiv, UA"]


def test_closing_the_dialog_waits_for_the_preview_drawing(two_layer_window, qtbot, monkeypatch):
    """A preview draws with Qt text objects on a worker thread; taking the dialog's widgets
    down meanwhile could deadlock (the worker keeps the GIL waiting for a Qt lock the main
    thread holds while it waits for the GIL). Closing waits for the drawing to end first."""
    import threading
    import time

    from influencemap.render import print_layout
    from influencemap.ui import export_dialog

    started, real = threading.Event(), print_layout.sheet_image

    def slow_sheet_image(*args, **kwargs):
        started.set()
        time.sleep(0.5)
        return real(*args, **kwargs)

    monkeypatch.setattr(print_layout, "sheet_image", slow_sheet_image)
    dialog = open_dialog(two_layer_window, qtbot)
    started.clear()
    dialog.title_edit.setText("Minsk and Kyiv")  # a new preview, drawn slowly
    qtbot.waitUntil(started.is_set, timeout=10000)
    assert export_dialog._PREVIEWS  # drawing now
    dialog.reject()
    assert not any(t.is_alive() for t in export_dialog._PREVIEWS), "the dialog closed while its preview still drew"


def test_the_save_dialog_starts_at_the_title_and_a_typed_name_keeps_its_dots(two_layer_window, qtbot, tmp_path, monkeypatch):
    dialog = open_dialog(two_layer_window, qtbot)
    dialog.format_combo.setCurrentIndex(dialog.format_combo.findData("png"))
    dialog.title_edit.setText("Minsk and Kyiv, 2019")
    asked, written = [], []

    def save_as(parent, caption, start, filters):
        asked.append(start.rsplit("/", 1)[-1])
        return str(tmp_path / "capitals.v2"), filters

    monkeypatch.setattr("influencemap.ui.export_dialog.QFileDialog.getSaveFileName", save_as)
    monkeypatch.setattr(dialog, "export_to", lambda out: written.append(out) or False)
    dialog._on_export_clicked()
    assert asked == ["minsk-and-kyiv-2019.png"]
    assert written == [tmp_path / "capitals.v2.png"]
