"""The main window: map canvas in the middle, layers and problems on the left, details on the right.

It owns the store of what is shown (the Qt-free :class:`ViewState`, with its Qt adapter
:class:`MapState` for the widgets) and wires the views to it; the views talk to the store, not
to each other, and every export takes what to draw from it. Loading on start is synchronous (``MainWindow(paths)`` returns with the
layers shown, fitted); reloads, opened folders and dropped files load off the UI thread with a
busy indicator after half a second. Nothing modal opens on start or reload: problems go to the
problems list.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Sequence

from PySide6.QtCore import QByteArray, QPoint, QPointF, QSettings, Qt, QTimer, QUrl
from PySide6.QtGui import QAction, QCloseEvent, QDesktopServices, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QProgressBar,
    QProgressDialog,
    QWidget,
)

from influencemap.export.file_names import suggested_name
from influencemap.model.catalog import Catalog
from influencemap.model.filters import FeatureFilter
from influencemap.model.identify import WhatsHere
from influencemap.model.view_state import FILTER_SETS, ViewState
from influencemap.ui.about import show_about
from influencemap.ui.catalog_loader import CatalogLoader, load_safely
from influencemap.ui.details_panel import DetailsPanel
from influencemap.ui.editing_controller import EditingController
from influencemap.ui.feature_table import FeatureTablePanel
from influencemap.ui.filter_indicator import FilterIndicator
from influencemap.ui.filters_panel import FiltersPanel
from influencemap.ui.layers_panel import LayersPanel
from influencemap.ui.map_canvas import MapCanvas
from influencemap.ui.map_state import MapState
from influencemap.ui.problems_panel import ProblemsPanel
from influencemap.ui.save_paths import export_path
from influencemap.ui.search_panel import SearchPanel
from influencemap.ui.stats_panel import StatsPanel
from influencemap.ui.timeline import TimelinePanel
from influencemap.ui.view_memory import ViewMemory
from influencemap.ui.whats_here import WhatsHereList, WhatsHereModel

BUSY_DELAY_MS = 500
"""Loads quicker than this show no progress indication."""

KEY_GEOMETRY = "window/geometry"
KEY_STATE = "window/state"
KEY_LAST_FOLDER = "files/lastFolder"
KEY_VIEW = "view/bbox"
VIEW_SAVE_DELAY_MS = 2000
"""How long after the last change of what is shown the view is saved (also on quit)."""
PLACE_NAMED_HITS = 300


def app_settings() -> QSettings:
    """The user's settings (the organisation and application names are set by ``run_app``)."""
    if QApplication.organizationName():
        return QSettings()
    return QSettings("influencemap", "influencemap")


def html_export_available() -> bool:
    """Whether the HTML exporter (a separate module, added by its own issue) is installed."""
    try:
        return importlib.util.find_spec("influencemap.export.html") is not None
    except (ImportError, ValueError):
        return False


class MainWindow(QMainWindow):
    """The app window.

    Parameters
    ----------
    paths
        Layer files or folders; empty or None loads the bundled layers. The map shows where
        it was when these folders were last closed; folders never seen before fit all
        features (the bundled layers fall back to the last session's view).
    settings
        Where geometry, panel layout, last folder and view are remembered, and per layers
        folder what the user looked at (layers shown, filter, timeline, basemap, selection:
        ``ui/view_memory.py``); tests pass their own so the user's are never touched.
    catalog
        ``paths`` already loaded.
    load_in_background
        Return at once and load ``paths`` on a worker thread (``run_app`` does this so the
        window paints straight away); the view is fitted when the layers arrive.
    allow_outside_data
        ``influencemap --allow-outside-data``: every load of this window (reloads, opened
        folders) lets a bulk layer's ``data:`` file lie outside the layer's folder.
    """

    def __init__(
        self,
        paths: Sequence[str | Path] | None = None,
        settings: QSettings | None = None,
        parent: QWidget | None = None,
        catalog: Catalog | None = None,
        load_in_background: bool = False,
        allow_outside_data: bool = False,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.setWindowTitle("influencemap")
        self.setAcceptDrops(True)
        self._settings = settings if settings is not None else app_settings()
        self._paths: list[str] = [str(p) for p in paths] if paths else []
        self._fit_after_load = False
        self._closed = False

        self.store = ViewState()
        """What is shown: catalog, layers, filter and timeline range, selection (Qt-free)."""
        self.state = MapState(self.store, self)
        """The store's Qt adapter: the widgets connect to its signals."""
        self.canvas = MapCanvas(self.state, self)
        self.setCentralWidget(self.canvas)
        self.layers_panel = LayersPanel(self.state)
        self.problems_panel = ProblemsPanel(self.state)
        self.details_panel = DetailsPanel(self.state)
        self.layers_dock = self._dock("layersDock", "Layers", self.layers_panel, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.problems_dock = self._dock("problemsDock", "Problems", self.problems_panel, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.details_dock = self._dock("detailsDock", "Details", self.details_panel, Qt.DockWidgetArea.RightDockWidgetArea)
        self.splitDockWidget(self.layers_dock, self.problems_dock, Qt.Orientation.Vertical)
        self._build_explore_docks()
        # Sizes last: tabifying the explore docks resets them.
        self.resizeDocks([self.layers_dock, self.details_dock], [330, 350], Qt.Orientation.Horizontal)
        self.resizeDocks([self.layers_dock, self.problems_dock], [600, 110], Qt.Orientation.Vertical)

        self.loader = CatalogLoader(self, allow_outside_data=allow_outside_data)
        self._busy_timer = QTimer(self)
        self._busy_timer.setSingleShot(True)
        self._busy_timer.setInterval(BUSY_DELAY_MS)
        self._busy_timer.timeout.connect(self._show_busy)
        self._build_status_bar()
        self._build_menus()
        from influencemap.ui.basemap_menu import BasemapMenu  # View > Basemap, File > Add Basemap… (issue 16)

        self.basemap_menu = BasemapMenu(self)
        self._install_view_memory()
        # Live reload, add/edit/delete from the map, undo, new layer (issue 6).
        self.editing = EditingController(self.state, self.canvas, self, self.details_panel.browser, self)
        self._install_editing_menus()

        self.layers_panel.zoomToLayerRequested.connect(self.canvas.zoom_to_layer)
        self.details_panel.zoomToFeatureRequested.connect(self.canvas.zoom_to_feature)
        self.details_panel.statusMessage.connect(lambda text: self.statusBar().showMessage(text, 4000))
        self._build_whats_here()
        self.canvas.cursorMoved.connect(self._on_cursor_moved)
        self.canvas.cursorLeft.connect(lambda: self._coords.setText(""))
        self.state.selectionChanged.connect(self._on_selection_changed)
        self.loader.loaded.connect(self._on_loaded)
        self.loader.busyChanged.connect(self._on_busy_changed)
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self._shutdown)

        self.resize(1400, 900)
        self._restore_layout()
        self._restore_view_after_load = False
        if catalog is None and load_in_background:
            self.state.set_catalog(Catalog(), keep_layout=False)
            self.setWindowTitle("influencemap — loading…")
            self._restore_view_after_load = not self._paths
            # Started once the event loop runs: a loading thread would share Python's lock with
            # the window's first layout and paint, and the window should show at once.
            QTimer.singleShot(0, self, lambda: self.load_paths(self._paths, fit=True))
            return
        self._apply_catalog(catalog if catalog is not None else load_safely(self._paths, allow_outside_data), fit=True, keep_layout=False)
        if not self._paths:
            self._restore_view()
        self._restore_saved_view(basemap=False)

    # -- the automation contract ---------------------------------------------------------

    def select_feature(self, feature_id: str) -> bool:
        """Select a feature, show its details, select its table row and zoom to it; False if
        there is no such feature."""
        if not self.store.reveal(feature_id):
            return False
        self.canvas.zoom_to_feature(feature_id)
        return True

    def features_at(self, lon: float, lat: float) -> list[str]:
        """The ids of the features a click at (lon, lat) lists (What's here), in list order."""
        return [feature_id for _layer, feature_id in self.whats_here_at(lon, lat).hits]

    def whats_here_at(self, lon: float, lat: float) -> WhatsHere:
        """What a click at (lon, lat) lists, in its groups (the canvas's answer at that pixel)."""
        x, y = self.canvas.view.lonlat_to_pixels(lon, lat)
        return self.canvas.whats_here_at(QPointF(float(x), float(y)))

    def show_whats_here(self, here: WhatsHere | list, global_pos: QPoint | None = None) -> WhatsHereList:
        """Open the What's-here list of ``here`` (grouped; a plain list of (layer_id, feature_id)
        is shown as one group) near ``global_pos``."""
        if global_pos is None:
            global_pos = self.canvas.mapToGlobal(self.canvas.rect().center())
        if not isinstance(here, WhatsHere):
            here = WhatsHere(nearby=tuple(here))
        catalog = self.state.catalog
        icons = {layer_id: self._layer_icon(layer_id) for layer_id in here.layer_ids()}
        model = WhatsHereModel(catalog, here, icons)
        place = self._place_name(here)
        title = f"What's here at {place}" if place else "What's here"
        self.whats_here.set_features(model, title, self.state.selected_id)
        self.whats_here.open_at(global_pos)
        return self.whats_here

    def show_message(self, text: str, timeout_ms: int = 0) -> None:
        """A status-bar message for ``timeout_ms`` (0: until replaced); empty text clears it."""
        if text:
            self.statusBar().showMessage(text, timeout_ms)
        else:
            self.statusBar().clearMessage()

    @property
    def settings(self) -> QSettings:
        """Where this window remembers things (the user's settings, or a test's)."""
        return self._settings

    def details_text(self) -> str:
        """The details panel's content as plain text."""
        return self.details_panel.text()

    @property
    def catalog(self) -> Catalog:
        return self.state.catalog

    @property
    def paths(self) -> list[str]:
        """What is loaded: the given files and folders (empty for the bundled layers)."""
        return list(self._paths)

    # -- building ------------------------------------------------------------------------

    def _dock(self, name: str, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetClosable
            | QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
        )
        self.addDockWidget(area, dock)
        return dock

    def _build_explore_docks(self) -> None:
        """Search, filters, statistics and the timeline under the map; each is a view of the state."""
        left, right = Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.RightDockWidgetArea
        self.search_panel = SearchPanel(self.state)
        self.filters_panel = FiltersPanel(self.state)
        self.stats_panel = StatsPanel(self.state)
        self.timeline = TimelinePanel(self.state)
        self.filter_indicator = FilterIndicator(self.state)
        self.search_dock = self._dock("searchDock", "Search", self.search_panel, left)
        self.filters_dock = self._dock("filtersDock", "Filters", self.filters_panel, left)
        self.stats_dock = self._dock("statsDock", "Statistics", self.stats_panel, right)
        self.timeline_dock = self._dock("timelineDock", "Timeline", self.timeline, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.feature_table = FeatureTablePanel(self.state)
        self.feature_table_dock = self._dock("featureTableDock", "Features", self.feature_table,
                                             Qt.DockWidgetArea.BottomDockWidgetArea)
        self.splitDockWidget(self.feature_table_dock, self.timeline_dock, Qt.Orientation.Vertical)
        # Opened on demand (View > Feature Table, Ctrl+T), as QGIS's attribute table is, above
        # the timeline: shown from the start it would take room the smallest window lacks.
        self.feature_table_dock.hide()
        self.feature_table.zoomToFeatureRequested.connect(self.canvas.zoom_to_feature)
        self.state.shownChanged.connect(self._update_summary)
        self.feature_table.statusMessage.connect(lambda text: self.statusBar().showMessage(text, 4000))
        self.tabifyDockWidget(self.layers_dock, self.filters_dock)
        self.tabifyDockWidget(self.filters_dock, self.search_dock)
        self.layers_dock.raise_()
        # Details keep the whole right side (sources are long); statistics sit in a tab behind.
        self.tabifyDockWidget(self.details_dock, self.stats_dock)
        self.details_dock.raise_()
        self.state.selectionChanged.connect(self._on_selection_shows_details)
        self.statusBar().addPermanentWidget(self.filter_indicator)
        self.search_panel.featureChosen.connect(self.select_feature)
        self.stats_panel.featureChosen.connect(self.select_feature)
        # Counted only while its tab is in front (it starts behind Details).
        self.stats_panel.set_shown(False)
        self.stats_dock.visibilityChanged.connect(self.stats_panel.set_shown)
        self.stats_panel.statusMessage.connect(lambda text: self.statusBar().showMessage(text, 4000))

    def _build_whats_here(self) -> None:
        self.whats_here = WhatsHereList(self)
        self.whats_here.featureChosen.connect(self._on_listed_feature_chosen)
        self.whats_here.featurePreviewed.connect(self.state.set_hovered)
        self.canvas.stackClicked.connect(self.show_whats_here)
        self.canvas.plainClicked.connect(self.whats_here.close)
        # The list belongs to a spot on the map: moving the map leaves it pointing nowhere.
        self.canvas.viewChanged.connect(self.whats_here.close)
        self.state.catalogChanged.connect(self.whats_here.close)
        self._icons: dict[tuple, object] = {}

    def _on_listed_feature_chosen(self, feature_id: str) -> None:
        if self.state.catalog.find_feature(feature_id) is not None:
            self.state.select(feature_id)

    def _layer_icon(self, layer_id: str):
        from influencemap.ui.layers_panel import legend_icon

        layer = self.state.catalog.layer(layer_id)
        key = (layer_id, layer.style)
        icon = self._icons.get(key)
        if icon is None:
            icon = self._icons[key] = legend_icon(layer, 14, self.devicePixelRatioF())
        return icon

    def _place_name(self, here: WhatsHere) -> str | None:
        """The place the list is about: a clicked marker's own name (the place its label on
        the map gives), else the gazetteer's name for where the listed points are when they
        all share one place (a few hundred at most: a click over a continent lists thousands,
        at no one place)."""
        from influencemap.render.stacks import place_name, place_of_features

        if here.marker_lonlat is not None:
            return place_name(*here.marker_lonlat)
        if len(here) > PLACE_NAMED_HITS:
            return None
        hits = here.hits
        return place_of_features(self.state.catalog, [feature_id for _layer, feature_id in hits])

    def _on_selection_shows_details(self, feature_id: object) -> None:
        """A chosen feature brings the details tab to the front (statistics share the area)."""
        if feature_id is not None:
            self.details_dock.raise_()

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self._busy = QProgressBar(self)
        self._busy.setRange(0, 0)
        self._busy.setMaximumWidth(120)
        self._busy.setTextVisible(False)
        self._busy.setAccessibleName("Loading layers")
        self._busy.hide()
        self._summary = QLabel(self)
        self._summary.setTextFormat(Qt.TextFormat.PlainText)
        self._coords = QLabel(self)
        self._coords.setTextFormat(Qt.TextFormat.PlainText)
        self._coords.setMinimumWidth(190)
        self._coords.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self._coords.setAccessibleName("Cursor position")
        bar.addPermanentWidget(self._busy)
        bar.addPermanentWidget(self._summary)
        bar.addPermanentWidget(self._coords)

    def _action(self, text: str, slot, shortcuts=(), tip: str = "") -> QAction:
        action = QAction(text, self)
        # A key given twice (the platform's StandardKey.Quit is Ctrl+Q on X11, and Ctrl+Q is
        # listed for the others) makes Qt call the shortcut ambiguous and do nothing.
        keys: list[QKeySequence] = []
        for shortcut in shortcuts:
            key = QKeySequence(shortcut)
            if not key.isEmpty() and key not in keys:
                keys.append(key)
        if keys:
            action.setShortcuts(keys)
        if tip:
            action.setStatusTip(tip)
            action.setToolTip(tip)
        action.triggered.connect(slot)
        return action

    def _build_menus(self) -> None:
        S = QKeySequence.StandardKey
        menu = self.menuBar()
        file_menu = menu.addMenu("&File")
        self.open_action = self._action("&Open Layers Folder…", self._on_open_folder, [S.Open], "Open a folder of layer files")
        self.open_files_action = self._action("Open Layer &Files…", self._on_open_files, ["Ctrl+Shift+O"], "Open layer files")
        self.reload_action = self._action("&Reload", self.reload, ["F5", "Ctrl+R"], "Load the layer files again")
        self.export_action = self._action("&Export Image…", self._on_export_image, ["Ctrl+E"], "Save the current view as PNG or SVG")
        self.export_map_action = self._action(
            "Export &Map…", self._on_export_map, ["Ctrl+Shift+E"], "Save a map sheet (PNG, SVG or PDF) with title, legend, key and sources"
        )
        self.export_html_action = self._action(
            "Export &HTML…", self._export_html, ["Ctrl+Shift+H"], "Save the visible layers as a web map"
        )
        self.export_html_action.setEnabled(html_export_available())
        self.quit_action = self._action("&Quit", self.close, [S.Quit, "Ctrl+Q"], "Quit influencemap")
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        for action in (self.open_action, self.open_files_action, self.reload_action, None,
                       self.export_map_action, self.export_action, self.export_html_action, None, self.quit_action):
            file_menu.addSeparator() if action is None else file_menu.addAction(action)

        view_menu = menu.addMenu("&View")
        self.zoom_in_action = self._action("Zoom &In", self.canvas.zoom_in, [S.ZoomIn, "Ctrl+="], "Zoom in")
        self.zoom_out_action = self._action("Zoom &Out", self.canvas.zoom_out, [S.ZoomOut], "Zoom out")
        self.zoom_all_action = self._action("Zoom to &All", self.canvas.zoom_all, ["Ctrl+0"], "Show every feature")
        self.zoom_selection_action = self._action(
            "Zoom to &Selection", self._on_zoom_to_selection, ["Ctrl+J"], "Zoom to the selected feature"
        )
        self.clear_selection_action = self._action("&Clear Selection", lambda: self.state.select(None), ["Esc"])
        for action in (self.zoom_in_action, self.zoom_out_action, self.zoom_all_action, self.zoom_selection_action,
                       self.clear_selection_action):
            view_menu.addAction(action)
        view_menu.addSeparator()
        panels = view_menu.addMenu("&Panels")
        for number, dock in enumerate((self.layers_dock, self.problems_dock, self.details_dock), start=1):
            toggle = dock.toggleViewAction()
            toggle.setShortcut(QKeySequence(f"Ctrl+{number}"))
            panels.addAction(toggle)
        self.zoom_selection_action.setEnabled(False)
        for dock in (self.search_dock, self.filters_dock, self.stats_dock, self.timeline_dock):
            panels.addAction(dock.toggleViewAction())
        panels.addAction(self.feature_table_dock.toggleViewAction())
        self.show_table_action = self._action("Feature &Table", self.show_feature_table, ["Ctrl+T"],
                                              "List the features the map shows")
        view_menu.addSeparator()
        self.find_action = self._action("&Find…", self.focus_search, [S.Find], "Search names, descriptions, actors, tags and sources")
        self.play_action = self._action("&Play Timeline", self.timeline.play_button.toggle, [], "Step through the years")
        self.reset_filters_action = self._action("&Reset Filters", self.filter_indicator.reset, [], "Show every feature again")
        for action in (self.find_action, self.show_table_action, self.play_action, self.reset_filters_action):
            view_menu.addAction(action)
        self.addAction(self.find_action)

        help_menu = menu.addMenu("&Help")
        self.about_action = self._action("&About influencemap", lambda: show_about(self), [], "Versions and data credits")
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)
        help_menu.addAction(self.about_action)
        help_menu.addAction("About &Qt", QApplication.aboutQt)
        self.addActions([self.zoom_in_action, self.zoom_out_action, self.zoom_all_action, self.clear_selection_action])

    def _install_editing_menus(self) -> None:
        """New Layer… above Open in File; the Edit menu before View."""
        bar = self.menuBar()
        file_menu = _menu_of(self.open_action)
        if file_menu is not None:
            file_menu.insertAction(self.open_action, self.editing.new_layer_action)
        view_menu = _menu_of(self.zoom_in_action)
        if view_menu is not None:
            bar.insertMenu(view_menu.menuAction(), self.editing.edit_menu)
        else:
            bar.addMenu(self.editing.edit_menu)

    # -- loading -------------------------------------------------------------------------

    def _apply_catalog(self, catalog: Catalog, fit: bool, keep_layout: bool) -> None:
        catalog = self.editing.merge_last_good(catalog)
        self.state.set_catalog(catalog, keep_layout=keep_layout)
        if fit:
            self.canvas.zoom_to_evidence()
        self._update_summary()
        layers, features = len(catalog.layers), catalog.feature_count
        where = ", ".join(Path(p).name for p in self._paths) if self._paths else "bundled layers"
        self.setWindowTitle(f"influencemap — {where}")
        errors, warnings = len(catalog.errors), len(catalog.warnings)
        if errors or warnings:
            self.statusBar().showMessage(
                f"Loaded with {errors} error{'s' * (errors != 1)} and {warnings} warning{'s' * (warnings != 1)}: "
                "see Problems", 8000
            )
            if errors:
                self.problems_dock.show()
        else:
            self.statusBar().showMessage(f"Loaded {features} features from {layers} layers", 4000)

    def load_paths(self, paths: Sequence[str | Path], fit: bool = True) -> None:
        """Load other files or folders in the background (empty: the bundled layers); what the
        user looked at in the old ones is saved, the new ones' saved view comes back."""
        if not self._view_to_restore:  # else the first load is still on its way: nothing to save
            self.save_view_state()
            self._view_to_restore = True
            self._restore_basemap = True
        self._forget_reset()
        self._paths = [str(p) for p in paths]
        self._fit_after_load = fit
        self.loader.load(self._paths)

    def reload(self) -> None:
        """Load the same files again, keeping the view, layer order and visibility."""
        self._fit_after_load = False
        self.loader.load(self._paths)

    def _on_loaded(self, catalog: Catalog, paths: list[str]) -> None:
        fit = self._fit_after_load
        self._apply_catalog(catalog, fit=fit, keep_layout=not fit)
        if self._restore_view_after_load:
            self._restore_view_after_load = False
            self._restore_view()
        if self._view_to_restore:
            self._restore_saved_view(basemap=self._restore_basemap)

    def _on_busy_changed(self, busy: bool) -> None:
        if busy:
            self._busy_timer.start()
        else:
            self._busy_timer.stop()
            self._busy.hide()

    def _show_busy(self) -> None:
        self._busy.show()
        self.statusBar().showMessage("Loading layers…")

    def last_folder(self) -> str:
        """The folder the user last opened or saved in (home when it is gone)."""
        folder = self._settings.value(KEY_LAST_FOLDER, "", type=str)
        return folder if folder and Path(folder).is_dir() else str(Path.home())

    def remember_folder(self, folder: Path) -> None:
        self._settings.setValue(KEY_LAST_FOLDER, str(folder))

    def _on_open_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Open layers folder", self.last_folder())
        if folder:
            self.remember_folder(Path(folder))
            self.load_paths([folder])

    def _on_open_files(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, "Open layer files", self.last_folder(), "Layer files (*.yaml *.yml)")
        if files:
            self.remember_folder(Path(files[0]).parent)
            self.load_paths(files)

    # -- drag and drop -------------------------------------------------------------------

    @staticmethod
    def _dropped_paths(event: QDragEnterEvent | QDropEvent) -> list[Path]:
        from influencemap.model.loader import LAYER_SUFFIXES

        mime = event.mimeData()
        if not mime.hasUrls():
            return []
        paths = [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]
        return [p for p in paths if p.is_dir() or p.suffix.lower() in LAYER_SUFFIXES]

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self._dropped_paths(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        dropped = self._dropped_paths(event)
        if not dropped:
            event.ignore()
            return
        event.acceptProposedAction()
        self.add_paths(dropped)

    def add_paths(self, paths: Sequence[str | Path]) -> None:
        """Load more files or folders next to what is loaded (a drop onto the window)."""
        from influencemap.paths import bundled_layers_dir

        current = self._paths or [str(bundled_layers_dir())]
        merged = list(dict.fromkeys(current + [str(p) for p in paths]))
        first = Path(paths[0])
        self.remember_folder(first if first.is_dir() else first.parent)
        self.load_paths(merged)

    # -- export --------------------------------------------------------------------------

    def _on_export_image(self) -> None:
        start = str(Path(self.last_folder()) / "map.png")
        name, chosen = QFileDialog.getSaveFileName(
            self, "Export map image", start, "PNG image (*.png);;SVG image (*.svg)"
        )
        if not name:
            return
        out = export_path(self, name, (".png", ".svg"), ".svg" if "svg" in chosen.lower() else ".png")
        if out is not None:
            self.export_image(out)

    def _on_export_map(self) -> None:
        from influencemap.ui.export_dialog import open_export_dialog

        open_export_dialog(self)

    def export_image(self, out: Path) -> None:
        """Write the current view (visible layers, order, filter) to a PNG or SVG."""
        from influencemap.export.image import write_settings_image

        try:
            warnings = write_settings_image(self.state.catalog, out, self.canvas.export_settings())
        except (OSError, ValueError) as exc:
            QMessageBox.warning(self, "Export failed", f"Could not write {out}:\n{exc}")
            return
        self.remember_folder(out.parent)
        self.statusBar().showMessage(f"Exported {out}" + "".join(f" — {w}" for w in warnings), 6000)

    def visible_catalog(self) -> Catalog:
        """What the map shows: visible layers only, through the current filter (the store's
        answer, the one every export and the table use)."""
        return self.store.shown_catalog()

    def _export_html(self) -> None:
        """File > Export HTML…: what the map shows, with a progress dialog, then an offer to
        open the result in the browser (non-modal, so nothing blocks)."""
        if not html_export_available():
            return
        from influencemap.export.html import HtmlOptions, write_html
        from influencemap.ui.html_options_dialog import ask_html_texts

        texts = ask_html_texts(self._settings, self)
        if texts is None:
            return
        start = str(Path(self.last_folder()) / suggested_name(texts.title, ".html"))
        name, _ = QFileDialog.getSaveFileName(self, "Export web map", start, "HTML (*.html)")
        if not name:
            return
        out = export_path(self, name, (".html", ".htm"), ".html")
        if out is None:
            return
        progress = QProgressDialog("Writing the web map…", "", 0, 100, self)
        progress.setWindowTitle("Export HTML")
        progress.setCancelButton(None)
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(500)

        def report(done: int, total: int) -> None:
            progress.setMaximum(max(total, 1))
            progress.setValue(min(done, max(total, 1)))
            QApplication.processEvents()

        try:
            basemap = self.store.basemap  # an online one opens the page on its tiles (issue 16)
            options = HtmlOptions(
                title=texts.title or None,
                subtitle=texts.subtitle or None,
                notes=texts.notes or None,
                sources_list=texts.sources_list,
                basemap=basemap.spec if basemap.online else "offline",
            )
            write_html(self.store.shown_catalog(), out, options, report)
        except OSError as exc:
            QMessageBox.warning(self, "Export failed", f"Could not write {out}:\n{exc}")
            return
        finally:
            progress.close()
        self.remember_folder(out.parent)
        self.statusBar().showMessage(f"Exported {out}", 6000)
        self._offer_to_open(out)

    def _offer_to_open(self, out: Path) -> None:
        box = QMessageBox(QMessageBox.Icon.Information, "Web map written", f"Wrote {out}", parent=self)
        box.setObjectName("exportDoneBox")
        open_button = box.addButton("Open in Browser", QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Close)

        def on_finished() -> None:
            if box.clickedButton() is open_button:
                QDesktopServices.openUrl(QUrl.fromLocalFile(str(out)))
            box.deleteLater()

        box.finished.connect(on_finished)
        box.open()
        self.export_done_box = box

    # -- small handlers ------------------------------------------------------------------

    def shown_count(self) -> int:
        """How many features the map shows (visible layers, filters, timeline)."""
        return self.store.shown_catalog().feature_count

    def _update_summary(self) -> None:
        """"N of M features shown" while anything hides features, else what is loaded."""
        catalog = self.state.catalog
        layers, total = len(catalog.layers), catalog.feature_count
        shown = self.shown_count()
        if shown < total:
            self._summary.setText(f"{shown} of {total} features shown")
            self._summary.setToolTip("Hidden layers, filters or the timeline hide the rest")
        else:
            self._summary.setText(f"{total} feature{'s' * (total != 1)} in {layers} layer{'s' * (layers != 1)}")
            self._summary.setToolTip("")

    def _on_cursor_moved(self, lon: float, lat: float) -> None:
        ns = "N" if lat >= 0 else "S"
        ew = "E" if lon >= 0 else "W"
        self._coords.setText(f"{abs(lat):.4f}° {ns}  {abs(lon):.4f}° {ew}")

    def _on_selection_changed(self, feature_id: object) -> None:
        self.zoom_selection_action.setEnabled(feature_id is not None)
        if feature_id is not None and not self.details_dock.isVisible():
            self.details_dock.show()

    def show_feature_table(self) -> None:
        """Bring the feature table to the front, its selected row in view."""
        dock = self.feature_table_dock
        dock.show()
        dock.raise_()
        # Room for a dozen rows (the bottom area is only as tall as the timeline otherwise).
        QTimer.singleShot(0, self, self._give_table_room)
        self.feature_table.view.setFocus()

    def _give_table_room(self) -> None:
        dock = self.feature_table_dock
        rows = self.feature_table.view.verticalHeader().defaultSectionSize()
        wanted = min(max(self.height() // 3, 8 * rows), 14 * rows + 80)
        if dock.isVisible() and dock.height() < wanted:
            self.resizeDocks([dock], [wanted], Qt.Orientation.Vertical)

    def focus_search(self) -> None:
        """Show the search panel with the cursor in its query box (Ctrl+F)."""
        self.search_dock.show()
        self.search_dock.raise_()
        self.search_panel.focus_search()

    def _on_zoom_to_selection(self) -> None:
        if self.state.selected_id:
            self.canvas.zoom_to_feature(self.state.selected_id)

    # -- settings and closing ------------------------------------------------------------

    def _restore_layout(self) -> None:
        geometry = self._settings.value(KEY_GEOMETRY)
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        state = self._settings.value(KEY_STATE)
        if isinstance(state, QByteArray) and not state.isEmpty():
            self.restoreState(state)

    def _restore_view(self) -> None:
        saved = self._settings.value(KEY_VIEW)
        try:
            bbox = tuple(float(v) for v in saved) if saved else None
        except (TypeError, ValueError):
            bbox = None
        if bbox and len(bbox) == 4 and bbox[0] < bbox[2] and bbox[1] < bbox[3]:
            self.canvas.set_extent(*bbox)

    def save_settings(self) -> None:
        self._settings.setValue(KEY_GEOMETRY, self.saveGeometry())
        self._settings.setValue(KEY_STATE, self.saveState())
        self._settings.setValue(KEY_VIEW, list(self.canvas.view_bounds()))
        self.save_view_state()
        self._settings.sync()

    # -- what the user looked at, per layers folder (ui/view_memory.py) ------------------

    def _install_view_memory(self) -> None:
        """The saved view of what is loaded (layers shown, filter, timeline, basemap,
        selection) comes back after the first load; its basemap at once, so ``--basemap``,
        chosen after the window is built, still wins. View > Reset View and its undo."""
        self.view_memory = ViewMemory(self._settings)
        self._view_to_restore = True
        """Until the saved view is put back nothing is saved: what shows is not the user's yet."""
        self._restore_basemap = False
        self._before_reset: dict | None = None
        saved = self.view_memory.load(self._paths)
        if saved is not None:
            self.store.restore_basemap(saved)
        # Saved a moment after each change too, not only on quit: a crash or a killed session
        # must not take the afternoon's filter and hidden layers with it. One write per pause
        # (a drag of the timeline is one change, not fifty writes).
        self._view_save_timer = QTimer(self)
        self._view_save_timer.setSingleShot(True)
        self._view_save_timer.setInterval(VIEW_SAVE_DELAY_MS)
        self._view_save_timer.timeout.connect(self._save_view_now)
        for signal in (self.state.layersChanged, self.state.filterChanged, self.state.basemapChanged,
                       self.state.selectionChanged, self.state.tableQueryChanged, self.canvas.viewChanged):
            signal.connect(self._view_save_timer.start)

        self.reset_view_action = self._action(
            "Reset &View", self.reset_view, ["Ctrl+Shift+R"],
            "Show every layer and feature: clear the filters, the timeline range, hidden layers and the table's row filter",
        )
        self.undo_reset_view_action = self._action(
            "Undo Reset View", self.undo_reset_view, [],
            "Bring back the filters, hidden layers and table row filter Reset View cleared"
        )
        self.undo_reset_view_action.setEnabled(False)
        view_menu = _menu_of(self.reset_filters_action)
        if view_menu is not None:
            after = view_menu.actions()[view_menu.actions().index(self.reset_filters_action) + 1:]
            before = after[0] if after else None
            view_menu.insertAction(before, self.reset_view_action)
            view_menu.insertAction(before, self.undo_reset_view_action)
        self.addAction(self.reset_view_action)

    def save_view_state(self) -> None:
        """Remember what the user looks at in the loaded folders (on quit and before another
        folder is opened). Not before the saved view came back, nor for a load that found no
        layer (a folder on an unplugged drive must not wipe its saved view)."""
        if self._view_to_restore or not self.store.catalog.layers:
            return
        self.view_memory.save(self._paths, self.store.to_plain(), self.canvas.view_bounds())

    def _save_view_now(self) -> None:
        """The delayed save after a change (see :meth:`_install_view_memory`)."""
        self.save_view_state()
        self._settings.sync()

    def _restore_saved_view(self, basemap: bool) -> None:
        if not self.store.catalog.layers:
            # Nothing loaded (a folder on a drive not yet mounted, every file broken): wait
            # for a load that brings layers, and save nothing over the saved view meanwhile.
            return
        self._view_to_restore = False
        self._restore_basemap = False
        saved = self.view_memory.load(self._paths)
        if saved is None:
            return
        if not self.store.restore(saved, basemap=basemap).applied:
            return
        extent = self.view_memory.load_extent(self._paths)
        if extent is not None:
            self.canvas.set_extent(*extent)
        hidden_layers = len(self.store.drawing_order) - len(self.store.visible_layer_ids)
        feature_filter = self.store.feature_filter or FeatureFilter()
        what = []
        if any(getattr(feature_filter, name) for name in FILTER_SETS):
            what.append("filter")
        if feature_filter.date_range is not None:
            what.append("timeline range")
        if hidden_layers:
            what.append(f"{hidden_layers} hidden layer{'s' * (hidden_layers != 1)}")
        shown, total = self.shown_count(), self.store.catalog.feature_count
        if not what or shown >= total:
            return
        # Said, so nobody wonders why features are missing; a load's problems stay said.
        listed = what[0] if len(what) == 1 else f"{', '.join(what[:-1])} and {what[-1]}"
        note = (f"{listed[0].upper()}{listed[1:]} restored: {shown:,} of {total:,} features shown — "
                f"View > Reset View ({_shortcut_text(self.reset_view_action)}) shows all")
        previous = self.statusBar().currentMessage()
        if previous.startswith("Loaded with"):
            note += f" · {previous}"
        self.statusBar().showMessage(note, 15000)

    def reset_view(self) -> None:
        """View > Reset View: every layer shown, no filter or timeline range; undoable."""
        before = self.store.to_plain()
        self.store.reset_view()
        if self.store.to_plain() == before:
            self.statusBar().showMessage("Nothing to reset: every layer and feature is shown", 4000)
            return
        self._before_reset = before
        self.undo_reset_view_action.setEnabled(True)
        total = self.store.catalog.feature_count
        self.statusBar().showMessage(
            f"View reset: all {total:,} features of {len(self.store.drawing_order)} layers shown — "
            "View > Undo Reset View brings back the filters and hidden layers", 10000
        )

    def undo_reset_view(self) -> None:
        """Put back what the last Reset View cleared."""
        if self._before_reset is None:
            return
        self.store.restore(self._before_reset, basemap=False)
        self._forget_reset()
        self.statusBar().showMessage(
            f"Filters and hidden layers back: {self.shown_count():,} of {self.store.catalog.feature_count:,} features shown", 6000
        )

    def _forget_reset(self) -> None:
        self._before_reset = None
        self.undo_reset_view_action.setEnabled(False)

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._closed:
            self.save_settings()
        self._shutdown()
        super().closeEvent(event)

    def _shutdown(self) -> None:
        """Stop the render and load workers and wait for them (closing or quitting)."""
        if self._closed:
            return
        self._closed = True
        self._view_save_timer.stop()
        from influencemap.ui.export_dialog import wait_for_previews

        wait_for_previews()  # before any of the window's widgets go (see ExportMapDialog.hideEvent)
        self.canvas.shutdown()
        self.loader.shutdown()


def _shortcut_text(action: QAction) -> str:
    return action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)


def _menu_of(action: QAction) -> QMenu | None:
    """The menu an action sits in, if any."""
    return next((o for o in action.associatedObjects() if isinstance(o, QMenu)), None)
