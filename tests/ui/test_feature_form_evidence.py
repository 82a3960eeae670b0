"""The add-feature form attaches only evidence the user chose: no source pre-selected, saving
needs one, and the form edits locator, quote, dating, actors (completed from the registry) and
figures."""

from __future__ import annotations

from PySide6.QtCore import Qt

from influencemap.editing.yaml_text import read_feature
from tests.ui.conftest import KYIV, MINSK

RELOAD_MS = 10000
GOMEL = (30.98, 52.44)
ACTORS = """\
actors:
  - {id: lukashenko, name: Alexander Lukashenko, aliases: [Alyaksandr Lukashenka], kind: person, country: BY}
  - {id: china, name: China, kind: state, country: CN}
"""


def _window(layers, open_window):
    path = layers.point_layer("econ", [("minsk-plant", "Plant in Minsk", MINSK), ("kyiv-port", "Port in Kyiv", KYIV)], "#0000ff")
    layers.write("actors.yaml", ACTORS)
    return open_window([layers.folder]), path


def test_no_source_is_preselected_and_saving_without_one_is_refused(layers, open_window):
    window, path = _window(layers, open_window)
    before = path.read_text(encoding="utf-8")
    form = window.editing.add_feature_at(*GOMEL)
    assert form.source_combo.currentData() is None
    assert form.source_combo.currentText().startswith("Choose the source")
    form.name_edit.setText("Gomel plant")
    form.id_edit.setText("gomel-plant")
    form.accept()
    assert form.isVisible()
    assert "Choose the source that supports this feature" in form.error_text()
    assert path.read_text(encoding="utf-8") == before
    form.layer_combo.setCurrentIndex(form.layer_combo.count() - 1)  # changing the layer chooses nothing either
    assert form.source_combo.currentData() is None
    form.reject()


def test_the_form_writes_locator_quote_dating_actors_and_figures(layers, open_window, qtbot):
    window, path = _window(layers, open_window)
    form = window.editing.add_feature_at(*GOMEL)
    form.name_edit.setText("Gomel loan")
    form.id_edit.setText("gomel-loan")
    form.set_source("uitest-doc-a")
    form.locator_edit.setText("p. 4")
    form.quote_edit.setText("a loan for the plant")
    form.when_combo.setCurrentIndex(form.when_combo.findData("date"))
    form.start_edit.setText("2015-03")
    form.dating_combo.setCurrentIndex(form.dating_combo.findData("inferred"))
    form.actors_edit.setFocus()
    qtbot.keyClicks(form.actors_edit, "Lukash")
    popup = form.actors_completer.popup()
    qtbot.waitUntil(popup.isVisible, timeout=5000)
    model = form.actors_completer.completionModel()
    offered = [model.data(model.index(row, 0)) for row in range(model.rowCount())]
    assert offered[0] == "Alexander Lukashenko" and "Alyaksandr Lukashenka → Alexander Lukashenko" in offered
    form.actors_completer.activated.emit("Alyaksandr Lukashenka → Alexander Lukashenko")  # an alias writes the name
    qtbot.keyClicks(form.actors_edit, "Chi")
    form.actors_completer.activated.emit("China")
    assert form.actors_edit.text().rstrip(", ") == "Alexander Lukashenko, China"
    row = form.add_figure()
    form.figures_table.item(row, 0).setText("Loan")
    form.figures_table.item(row, 1).setText("1.18e9")
    form.figures_table.item(row, 2).setText("USD")
    form.add_figure()  # an empty row is left out
    form.accept()
    assert form.error_text() == ""
    written = read_feature(path.read_text(encoding="utf-8"), "gomel-loan")
    assert written["dating"] == "inferred"
    assert written["actors"] == ["Alexander Lukashenko", "China"]
    assert written["figures"] == [{"label": "Loan", "value": 1180000000, "unit": "USD"}]
    assert written["sources"] == [{"ref": "uitest-doc-a", "locator": "p. 4", "quote": "a loan for the plant"}]
    qtbot.waitUntil(lambda: window.catalog.find_feature("gomel-loan") is not None, timeout=RELOAD_MS)
    assert window.catalog.feature("gomel-loan").dating == "inferred"


def test_a_figure_without_a_number_is_refused_in_the_form(layers, open_window):
    window, path = _window(layers, open_window)
    before = path.read_text(encoding="utf-8")
    form = window.editing.add_feature_at(*GOMEL)
    form.name_edit.setText("Gomel loan")
    form.id_edit.setText("gomel-loan")
    form.set_source("uitest-doc-a")
    row = form.add_figure()
    form.figures_table.item(row, 0).setText("Loan")
    form.figures_table.item(row, 1).setText("a lot")
    form.accept()
    assert "Figure 1 ('Loan') needs a number" in form.error_text()
    assert path.read_text(encoding="utf-8") == before
    form.figures_table.selectRow(row)
    form.remove_figure_button.click()
    assert form.figures_table.rowCount() == 0
    form.reject()


def test_editing_keeps_the_files_actor_spelling_and_figures(layers, open_window, qtbot):
    window, path = _window(layers, open_window)
    text = path.read_text(encoding="utf-8").replace(
        "    name: Plant in Minsk\n",
        "    name: Plant in Minsk\n    actors: [Alyaksandr Lukashenka]\n    figures: [{label: Loan, value: 7.0e9, unit: USD}]\n",
    )
    path.write_text(text, encoding="utf-8")
    qtbot.waitUntil(lambda: window.catalog.feature("minsk-plant").actors == ("Alexander Lukashenko",), timeout=RELOAD_MS)
    form = window.editing.edit_feature("minsk-plant")
    assert form.actors_edit.text() == "Alyaksandr Lukashenka"  # as written, not rewritten
    assert form.figure_rows() == [("Loan", "7.0e9", "USD")]  # as written
    assert form.source_combo.currentData() == "uitest-doc-a"  # the feature's own source, when editing
    form.name_edit.setText("Tractor plant")
    form.accept()
    assert form.error_text() == ""
    written = read_feature(path.read_text(encoding="utf-8"), "minsk-plant")
    assert written["actors"] == ["Alyaksandr Lukashenka"] and written["figures"][0]["unit"] == "USD"
    assert "- {label: Loan, value: 7.0e9, unit: USD}" in path.read_text(encoding="utf-8")  # as written
