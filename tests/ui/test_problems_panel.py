"""The problems list: the loader's errors as FILE:LINE messages, each one opening its file."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication

BROKEN = """\
id: broken
name: Broken layer
features:
  - id: fine
    name: Fine
    point: [27.56, 53.90]
    sources: [uitest-doc-a]
  - id: bad
    name: Bad
    point: [27.56, 153.90]
    sources: [uitest-doc-a]
"""


def test_problems_are_listed_and_nothing_modal_opens(layers, open_window):
    path = layers.write("broken.yaml", BROKEN)
    window = open_window([layers.folder])
    lines = window.problems_panel.lines()
    assert any(line.startswith(f"{path}:10:") and "error" in line and "latitude" in line for line in lines), lines
    assert [f.id for f in window.catalog.features()] == ["fine"]
    assert QApplication.activeModalWidget() is None
    assert window.problems_dock.isVisible()


def test_choosing_a_problem_shows_the_file_at_its_line(layers, open_window):
    layers.write("broken.yaml", BROKEN)
    window = open_window([layers.folder])
    panel = window.problems_panel
    row = next(i for i, p in enumerate(panel.problems) if "latitude" in p.message)
    panel.list.setCurrentRow(row)
    panel.list.itemActivated.emit(panel.list.item(row))
    viewer = panel._viewer
    assert viewer is not None and viewer.isVisible() and not viewer.isModal()
    assert viewer.current_line() == 10
    assert "153.90" in viewer.text.textCursor().block().text()
    assert "latitude" in viewer.message.text()
