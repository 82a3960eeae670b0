"""Fixtures for the app's widget tests: tiny layers in tmp_path, private settings, a window."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import textwrap  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from PySide6.QtCore import QCoreApplication, QSettings  # noqa: E402

SOURCES = """\
sources:
  - id: uitest-doc-a
    title: A report on Minsk
    publisher: Some Press
    author: Jane Writer
    date: 2021-06-30
    url: https://example.org/a
  - id: uitest-doc-b
    title: Another paper
    publisher: Other Press
"""

MINSK = (27.56, 53.90)
KYIV = (30.52, 50.45)


class LayerFolder:
    """A folder of layer files written by the test."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "uitest-sources.yaml").write_text(SOURCES, encoding="utf-8")

    def write(self, name: str, text: str) -> Path:
        path = self.folder / name
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    def point_layer(self, layer_id: str, features: list[tuple[str, str, tuple[float, float]]], color: str,
                    category: str = "Economy", marker: str = "square", size: int = 14) -> Path:
        """A layer of points: (id, name, (lon, lat)) each, citing uitest-doc-a."""
        rows = "".join(
            f"  - id: {fid}\n    name: {name}\n    point: [{lon}, {lat}]\n"
            f"    sources: [{{ref: uitest-doc-a, locator: 'para 3', quote: 'a short phrase'}}]\n"
            for fid, name, (lon, lat) in features
        )
        text = (
            f"id: {layer_id}\nname: Layer {layer_id}\ncategory: {category}\n"
            f"style: {{color: '{color}', marker: {marker}, size: {size}}}\nfeatures:\n{rows}"
        )
        return self.write(f"{layer_id}.yaml", text)


@pytest.fixture
def layers(tmp_path: Path) -> LayerFolder:
    return LayerFolder(tmp_path / "layers")


@pytest.fixture(autouse=True)
def private_settings(tmp_path: Path, qapp):
    """Every QSettings() in a test writes under tmp_path, never to the user's settings."""
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    old = QCoreApplication.organizationName(), QCoreApplication.applicationName()
    QCoreApplication.setOrganizationName("influencemap-tests")
    QCoreApplication.setApplicationName("influencemap-tests")
    yield tmp_path / "settings"
    QCoreApplication.setOrganizationName(old[0])
    QCoreApplication.setApplicationName(old[1])


@pytest.fixture(autouse=True)
def html_options_answered(monkeypatch):
    """File > Export HTML… first asks for the web map's texts in a modal dialog, which no test
    can answer by hand offscreen: it is answered with OK and the texts it holds (what the user
    last typed). Tests of the dialog itself fill it in through ``answers``."""
    from influencemap.ui import html_options_dialog

    answers: dict[str, object] = {}

    def exec_(dialog):
        for name, value in answers.items():
            widget = getattr(dialog, name)
            if name == "notes":
                widget.setPlainText(value)
            elif name == "sources_list":
                widget.setChecked(value)
            else:
                widget.setText(value)
        return html_options_dialog.QDialog.DialogCode.Accepted

    monkeypatch.setattr(html_options_dialog.HtmlOptionsDialog, "exec", exec_)
    return answers


@pytest.fixture
def settings_file(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "window.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def open_window(qtbot, settings_file):
    """Open a MainWindow on some paths, shown at a known size, with its first frame drawn."""

    def opener(paths, size=(1200, 800), settings=None):
        from influencemap.ui import MainWindow

        window = MainWindow([str(p) for p in paths], settings=settings if settings is not None else settings_file)
        qtbot.addWidget(window)
        window.resize(*size)
        window.show()
        qtbot.waitExposed(window)
        qtbot.waitUntil(window.canvas.is_frame_current, timeout=20000)
        return window

    return opener


@pytest.fixture
def two_layer_window(layers, open_window):
    """Two point layers: 'econ' (blue squares) in Minsk and Kyiv, 'diplo' (red) in Minsk only."""
    layers.point_layer("econ", [("minsk-plant", "Plant in Minsk", MINSK), ("kyiv-port", "Port in Kyiv", KYIV)], "#0000ff")
    layers.point_layer("diplo", [("minsk-visit", "Visit to Minsk", MINSK)], "#ff0000", category="Diplomacy")
    return open_window([layers.folder])


EXPLORE_LOANS = """\
id: loans
name: Loans
category: Economy
style: {color: '#0000ff', marker: square, size: 14}
features:
  - id: minsk-loan
    name: Credit line for Belarus
    point: [27.56, 53.90]
    date: 2013-05
    countries: [BY]
    actors: [China Development Bank]
    tags: [loan]
    figures: [{label: Loan, value: 1.0e9, unit: USD}]
    sources: [uitest-doc-a]
  - id: kyiv-port
    name: Port deal in Kyiv
    point: [30.52, 50.45]
    date: 2019
    countries: [UA]
    tags: [port]
    figures: [{label: Loan, value: 5.0e8, unit: USD}]
    sources: [uitest-doc-a]
  - id: astana-bridge
    name: Bridge in Astana
    point: [71.43, 51.13]
    countries: [KZ]
    tags: [loan]
    sources: [uitest-doc-a]
"""

EXPLORE_VISITS = """\
id: visits
name: Visits
category: Diplomacy
style: {color: '#ff0000', marker: circle, size: 14}
features:
  - id: wang-visit
    name: Wang Yi in Vilnius
    point: [25.28, 54.69]
    date: 2016-03-01
    countries: [LT, BY]
    actors: [Wang Yi]
    tags: [visit]
    sources: [uitest-doc-a]
  - id: brest-rail
    name: Railway to Brest
    point: [23.69, 52.09]
    start: 2011
    end: 2014
    countries: [BY]
    tags: [rail]
    sources: [uitest-doc-a]
"""


@pytest.fixture
def explore_window(layers, open_window):
    """Dated features 2011-2019 in two layers ('loans': Economy, 'visits': Diplomacy) and one undated."""
    layers.write("loans.yaml", EXPLORE_LOANS)
    layers.write("visits.yaml", EXPLORE_VISITS)
    return open_window([layers.folder], size=(1400, 900))
