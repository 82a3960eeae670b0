"""View > Basemap and File > Add Basemap…: choosing what the map sits on, remembered.

The choices come from :data:`influencemap.geo.basemaps.BASEMAPS` (the list every export uses
too), plus *Custom XYZ…* (a dialog for a URL template, max zoom and attribution) and any MBTiles
file added with File > Add Basemap…. The choice is kept in QSettings as its command-line text
(``osm``, ``xyz:…``, ``mbtiles:…``) and restored at start; ``--basemap`` overrides it. Problems
with tiles (no network, HTTP errors, a broken file) are a status-bar note, never a dialog in
the way: the offline basemap shows where tiles are missing.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from influencemap.geo.basemaps import BASEMAPS, OFFLINE, Basemap, BasemapError, custom_xyz, mbtiles, parse_basemap

SETTING_CURRENT = "basemap/current"
SETTING_CUSTOM = "basemap/custom"
SETTING_FILES = "basemap/mbtiles"
MAX_REMEMBERED_FILES = 5


class CustomXyzDialog(QDialog):
    """A tile URL template, its max zoom and attribution, checked before OK is accepted."""

    def __init__(self, parent: QWidget | None = None, current: Basemap | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("customXyzDialog")
        self.setWindowTitle("Custom XYZ Basemap")
        self.url = QLineEdit(current.url if current else "")
        self.url.setPlaceholderText("https://{s}.tiles.example.org/{z}/{x}/{y}.png")
        self.max_zoom = QSpinBox()
        self.max_zoom.setRange(0, 22)
        self.max_zoom.setValue(current.max_zoom if current else 19)
        self.attribution = QLineEdit(current.attribution if current else "")
        self.attribution.setPlaceholderText("© the tile provider (shown on the map and in exports)")
        self.error = QLabel()
        self.error.setObjectName("customXyzError")
        self.error.setStyleSheet("color: #b00020")
        self.error.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Tile &URL:", self.url)
        form.addRow("&Max zoom:", self.max_zoom)
        form.addRow("&Attribution:", self.attribution)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("An XYZ tile server: {z}/{x}/{y} in the URL, {s} for subdomains a, b, c."))
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.basemap: Basemap | None = None

    def accept(self) -> None:
        try:
            self.basemap = custom_xyz(self.url.text(), self.max_zoom.value(), self.attribution.text().strip())
        except BasemapError as error:
            self.error.setText(str(error))
            return
        super().accept()


class BasemapMenu:
    """Builds the menus on a main window and keeps the canvas's basemap and the settings in step."""

    def __init__(self, window: QMainWindow) -> None:
        self.window = window
        self.canvas = window.canvas
        self.settings = window.settings
        self.menu = QMenu("&Basemap", window)
        self.menu.setObjectName("basemapMenu")
        self.group = QActionGroup(window)
        self.group.setExclusive(True)
        self.actions: dict[str, QAction] = {}
        view_menu = _menu(window, "&View")
        if view_menu is not None:  # after the zoom actions, before the panels
            panels = next((a for a in view_menu.actions() if a.menu() is not None), None)
            view_menu.insertMenu(panels, self.menu)
        self.add_action = QAction("Add &Basemap…", window)
        self.add_action.setObjectName("addBasemapAction")
        self.add_action.setStatusTip("Use an MBTiles file (raster tiles) as the basemap, offline")
        self.add_action.triggered.connect(self._on_add_file)
        file_menu = _menu(window, "&File")
        if file_menu is not None:
            export = getattr(window, "export_action", None)
            file_menu.insertAction(export if export in file_menu.actions() else None, self.add_action)
        self.canvas.basemapProblem.connect(lambda note: window.statusBar().showMessage(note, 10000))
        # The tick follows the store, whoever changes the basemap.
        window.state.basemapChanged.connect(self._rebuild)
        self._rebuild()
        remembered = str(self.settings.value(SETTING_CURRENT, "offline") or "offline")
        try:
            self.choose(parse_basemap(remembered), remember=False)
        except BasemapError:
            self.choose(OFFLINE, remember=False)

    # -- choosing ------------------------------------------------------------------------

    def choose(self, basemap: Basemap, remember: bool = True) -> None:
        """Draw on ``basemap``, tick it in the menu and (unless told not to) remember it."""
        if basemap.kind == "mbtiles":
            self._remember_file(basemap.path)
        if basemap.kind == "xyz" and basemap not in BASEMAPS:
            self.settings.setValue(SETTING_CUSTOM, basemap.spec + "\n" + str(basemap.max_zoom) + "\n" + basemap.attribution)
        self.canvas.set_basemap(basemap)
        if remember:
            self.settings.setValue(SETTING_CURRENT, basemap.spec)
        self._rebuild(basemap)
        if basemap.online:
            self.window.statusBar().showMessage(f"Basemap: {basemap.label} — tiles load from {basemap.url.split('/')[2]}", 6000)

    def current(self) -> Basemap:
        return self.canvas.basemap

    def _custom(self) -> Basemap | None:
        text = str(self.settings.value(SETTING_CUSTOM, "") or "")
        if not text:
            return None
        spec, _, rest = text.partition("\n")
        max_zoom, _, attribution = rest.partition("\n")
        try:
            return custom_xyz(spec[4:], int(max_zoom or 19), attribution)
        except (BasemapError, ValueError):
            return None

    def _files(self) -> list[str]:
        value = self.settings.value(SETTING_FILES, [])
        files = [value] if isinstance(value, str) else list(value or [])
        return [f for f in files if f][:MAX_REMEMBERED_FILES]

    def _remember_file(self, path: str) -> None:
        files = [path] + [f for f in self._files() if f != path]
        self.settings.setValue(SETTING_FILES, files[:MAX_REMEMBERED_FILES])

    def _rebuild(self, current: Basemap | None = None) -> None:
        current = current or self.canvas.basemap
        self.menu.clear()
        for action in self.group.actions():
            self.group.removeAction(action)
        self.actions.clear()

        def add(basemap: Basemap, label: str | None = None) -> None:
            action = QAction(label or basemap.label, self.menu)
            action.setCheckable(True)
            action.setChecked(basemap.spec == current.spec)
            action.setStatusTip(basemap.attribution)
            action.triggered.connect(lambda _=False, b=basemap: self.choose(b))
            self.group.addAction(action)
            self.menu.addAction(action)
            self.actions[basemap.spec] = action

        for basemap in BASEMAPS:
            add(basemap)
        custom = self._custom()
        if custom is not None:
            add(custom)
        files = self._files()
        if files:
            self.menu.addSeparator()
            for path in files:
                add(mbtiles(path))
        if current.spec not in self.actions:  # chosen elsewhere (the store, --basemap): still ticked here
            add(current)
        self.menu.addSeparator()
        custom_action = self.menu.addAction("&Custom XYZ…", self._on_custom)
        custom_action.setObjectName("customXyzAction")
        self.menu.addAction(self.add_action)

    def _on_custom(self) -> None:
        current = self.canvas.basemap
        dialog = CustomXyzDialog(self.window, current if current.kind == "xyz" and current not in BASEMAPS else self._custom())
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.basemap is not None:
            self.choose(dialog.basemap)

    def _on_add_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.window, "Add Basemap", str(Path.home()), "MBTiles (*.mbtiles);;All files (*)")
        if path:
            self.choose(mbtiles(path))


def _menu(window: QMainWindow, title: str) -> QMenu | None:
    for action in window.menuBar().actions():
        if action.text() == title and action.menu() is not None:
            return action.menu()
    return None
