"""The app's exports: an SVG that XML parsers accept whatever the names hold (issue 18 item 5),
a folder or read-only file as the target refused with a message (item 7), and Save CSV going
through the one CSV writer that neutralises formula cells (item 4)."""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from xml.dom import minidom

import pytest

from influencemap.export.image import write_image
from influencemap.model.loader import load_catalog

CONTROL_LAYER = r'''
id: ctl
name: "Layer\v of \0 controls \uFFFE"
category: "Cat\x01egory"
style: {color: "#1f78b4", marker: square, size: 12}
features:
  - id: f1
    name: "Minsk\v\0\uFFFE end"
    point: [27.56, 53.9]
    countries: [BY]
    sources: [uitest-doc-a]
'''

NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def svg_texts(path) -> list[str]:
    root = ET.parse(path).getroot()  # raises on XML that is not well-formed
    minidom.parse(str(path))  # a second, stricter parser (expat through DOM)
    return ["".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text")]


def test_the_svg_export_of_names_with_control_characters_is_well_formed_xml(layers, tmp_path, qapp):
    layers.write("ctl.yaml", CONTROL_LAYER)
    catalog = load_catalog([layers.folder])
    assert "\x0b" in catalog.layers[0].name
    out = tmp_path / "map.svg"
    write_image(catalog, out, size=(800, 500))
    data = out.read_bytes()
    assert NOT_XML.findall(data.decode("utf-8")) == []
    texts = svg_texts(out)
    assert "Layer\ufffd of \ufffd controls \ufffd" in texts  # the legend keeps the name, marked


def test_the_apps_svg_export_is_well_formed_xml(layers, open_window, tmp_path):
    layers.write("ctl.yaml", CONTROL_LAYER)
    window = open_window([layers.folder])
    out = tmp_path / "view.svg"
    window.export_image(out)
    assert any("\ufffd" in text for text in svg_texts(out))


@pytest.fixture
def warnings(monkeypatch):
    shown = []
    monkeypatch.setattr(
        "influencemap.ui.main_window.QMessageBox.warning", lambda parent, title, text, *a, **k: shown.append((title, text))
    )
    return shown


def test_exporting_an_image_onto_a_folder_says_so(two_layer_window, tmp_path, warnings):
    folder = tmp_path / "map.png"
    folder.mkdir()
    two_layer_window.export_image(folder)
    assert len(warnings) == 1
    assert "is a folder, not a file" in warnings[0][1]
    assert folder.is_dir() and list(folder.iterdir()) == []


def test_exporting_html_onto_a_folder_says_so(two_layer_window, tmp_path, warnings, monkeypatch):
    folder = tmp_path / "map.html"
    folder.mkdir()
    monkeypatch.setattr(
        "influencemap.ui.main_window.QFileDialog.getSaveFileName", lambda *a, **k: (str(folder), "HTML (*.html)")
    )
    two_layer_window.export_html_action.trigger()
    assert len(warnings) == 1 and "is a folder, not a file" in warnings[0][1]
    assert folder.is_dir() and list(folder.iterdir()) == []


def test_exporting_onto_a_read_only_file_says_so_and_leaves_it(two_layer_window, tmp_path, warnings):
    out = tmp_path / "map.png"
    out.write_bytes(b"theirs")
    out.chmod(0o444)
    two_layer_window.export_image(out)
    assert len(warnings) == 1 and "read-only" in warnings[0][1]
    assert out.read_bytes() == b"theirs"


FORMULA_LAYER = """\
id: formulas
name: "=HYPERLINK(\\"http://x\\")"
features:
  - id: f1
    name: F
    point: [27.56, 53.9]
    countries: [BY]
    figures: [{label: Loan, value: 5, unit: "@SUM(A1)"}]
    sources: [uitest-doc-a]
"""


def test_save_csv_neutralises_formula_cells_and_keeps_numbers(layers, open_window, tmp_path, monkeypatch):
    layers.write("formulas.yaml", FORMULA_LAYER)
    window = open_window([layers.folder])
    out = tmp_path / "stats.csv"
    monkeypatch.setattr(
        "influencemap.ui.stats_panel.QFileDialog.getSaveFileName", lambda *a, **k: (str(out), "CSV (*.csv)")
    )
    window.stats_panel.save_button.click()
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert rows[0] == ["table", "group", "label", "unit", "value"]
    assert ["features per layer", "'=HYPERLINK(\"http://x\")", "", "features", "1"] in rows
    assert ["figures per country", "BY", "Loan", "'@SUM(A1)", "5"] in rows
    assert not any(cell.startswith(("=", "@", "+")) for row in rows for cell in row)


def test_save_csv_onto_a_folder_says_so(explore_window, tmp_path, monkeypatch):
    folder = tmp_path / "stats.csv"
    folder.mkdir()
    shown = []
    monkeypatch.setattr(
        "influencemap.ui.stats_panel.QMessageBox.warning", lambda parent, title, text, *a, **k: shown.append(text)
    )
    monkeypatch.setattr(
        "influencemap.ui.stats_panel.QFileDialog.getSaveFileName", lambda *a, **k: (str(folder), "CSV (*.csv)")
    )
    explore_window.stats_panel.save_button.click()
    assert len(shown) == 1 and "is a folder, not a file" in shown[0]
