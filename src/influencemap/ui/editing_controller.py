"""The editing workflow of the main window: live reload, add/edit/delete from the map, undo,
open in the user's editor, new layer.

The controller is given what it works with, explicitly: the store of what is shown (through
its Qt adapter), the map canvas, the details panel's text view (for its context menu) and an
:class:`EditingHost` — the few things it asks of the window (what is loaded, reload, messages).
It owns the editing actions and the Edit menu; the window puts them into its menu bar and
passes each loaded catalog through :meth:`EditingController.merge_last_good`. Writes go through
:class:`LayerEditor`, which validates, refuses stale writes, keeps a backup and writes
atomically; the file watcher then reloads the map like after any other editor's save.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, Sequence

from PySide6.QtCore import QObject, QPoint, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QMessageBox, QTextBrowser, QWidget

from influencemap.editing.last_good import LastGoodLayers
from influencemap.model.catalog import Catalog
from influencemap.model.types import Feature, GeometryKind, Layer
from influencemap.paths import bundled_layers_dir
from influencemap.ui.file_watcher import LayerFileWatcher
from influencemap.ui.map_canvas import MapCanvas
from influencemap.ui.map_state import MapState
from influencemap.ui.sketch_tool import HINT, SketchTool

if TYPE_CHECKING:
    from influencemap.editing.layer_file import InvalidEdit, LayerEditor, LayerText
    from influencemap.ui.feature_form import FeatureEdit, FeatureForm
    from influencemap.ui.new_layer_dialog import NewLayerDialog

# The writing side (layer_file, yaml_text, the form and the new-layer dialog, with PyYAML and the
# loader) is imported when first used: the window's first paint need not wait for it.

from influencemap.model.country_check import COUNTRY_TOLERANCE_DEG  # noqa: E402 - defined once, for every reader


class EditingHost(Protocol):
    """What the editing workflow needs from the window that shows the map."""

    @property
    def paths(self) -> list[str]:
        """The loaded files and folders (empty: the bundled layers)."""

    def reload(self) -> None:
        """Load the same files again, keeping the view."""

    def load_paths(self, paths: Sequence[str | Path], fit: bool = True) -> None:
        """Load other files or folders."""

    def last_folder(self) -> str:
        """Where the user last opened or saved files."""

    def show_message(self, text: str, timeout_ms: int = 0) -> None:
        """A status-bar message (0: until replaced or cleared; empty text clears it)."""

    def show_whats_here(self, here: Any, global_pos: QPoint | None = None) -> Any:
        """Open the What's-here list of ``here`` (a WhatsHere, or (layer_id, feature_id) pairs)."""


class EditingController(QObject):
    """Owns the editor (with its undo history), the file watcher and the editing actions."""

    def __init__(self, state: MapState, canvas: MapCanvas, host: EditingHost, details_browser: QTextBrowser,
                 parent: QWidget) -> None:
        super().__init__(parent)
        self.parent_widget = parent
        """Where the forms and message boxes open."""
        self.host = host
        self.state = state
        self.canvas = canvas
        self.details_browser = details_browser
        self._editor: LayerEditor | None = None
        self.last_good = LastGoodLayers()
        self.watcher = LayerFileWatcher(self)
        self.form: FeatureForm | None = None
        """The open add/edit form, if any."""
        self.sketch: SketchTool | None = None
        self.last_error: str | None = None
        """The last error shown to the user (tests and screen readers read it here)."""
        self._select_after_reload: str | None = None

        self.new_layer_action = self._action("&New Layer…", self.new_layer, ["Ctrl+Shift+N"], "Create a layer file from the template")
        self.undo_action = self._action("&Undo", self.undo, [QKeySequence.StandardKey.Undo], "Undo the last edit made in the app")
        self.edit_action = self._action("&Edit Feature…", lambda: self._with_selected(self.edit_feature), [], "Edit the selected feature")
        self.delete_action = self._action("&Delete Feature", lambda: self._with_selected(self.delete_feature), [], "Delete the selected feature from its file")
        self.open_action = self._action(
            "&Open in Editor", lambda: self._with_selected(self.open_feature_in_editor), ["Ctrl+Alt+E"],
            "Open the selected feature's file in your editor ($VISUAL / $EDITOR)",
        )
        self.edit_menu = QMenu("&Edit", parent)
        """Undo, then edit/delete/open the selected feature (the window puts it in its menu bar)."""
        self.edit_menu.addAction(self.undo_action)
        self.edit_menu.addSeparator()
        for action in (self.edit_action, self.delete_action, self.open_action):
            self.edit_menu.addAction(action)
        self._update_actions()

        self.canvas.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.canvas.customContextMenuRequested.connect(self._on_canvas_context_menu)
        details_browser.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        details_browser.customContextMenuRequested.connect(self._on_details_context_menu)
        self.watcher.changed.connect(self._on_files_changed)
        self.state.catalogChanged.connect(self._on_catalog_changed)
        self.state.selectionChanged.connect(lambda _id: self._update_actions())

    # -- wiring ----------------------------------------------------------------------------

    def _action(self, text: str, slot, shortcuts=(), tip: str = "") -> QAction:
        action = QAction(text, self.parent_widget)
        if shortcuts:
            action.setShortcuts([QKeySequence(s) for s in shortcuts])
        action.setStatusTip(tip)
        action.triggered.connect(slot)
        return action

    @property
    def editor(self) -> LayerEditor:
        """Writes layer files and keeps the undo history (made on the first edit)."""
        if self._editor is None:
            from influencemap.editing.layer_file import LayerEditor

            self._editor = LayerEditor()
        return self._editor

    def _update_actions(self) -> None:
        history = self._editor.history if self._editor is not None else []
        self.undo_action.setEnabled(bool(history))
        self.undo_action.setText(f"&Undo {history[-1].description}" if history else "&Undo")
        feature = self.state.selected_feature
        self.edit_action.setEnabled(feature is not None and self.is_writable(feature.layer_id))
        self.delete_action.setEnabled(feature is not None and self.is_writable(feature.layer_id))
        self.open_action.setEnabled(feature is not None and feature.origin is not None)

    # -- live reload -----------------------------------------------------------------------

    def merge_last_good(self, catalog: Catalog) -> Catalog:
        """The catalog to show: a layer whose file now has errors stays as it last loaded."""
        return self.last_good.merge(catalog)

    def watched_paths(self) -> list[str]:
        """The loaded files and folders, and the layer files inside the folders."""
        roots = self.host.paths or [str(bundled_layers_dir())]
        from influencemap.model.loader import expand_paths

        return list(dict.fromkeys([*roots, *(str(p) for p in expand_paths(roots))]))

    def _on_files_changed(self, _paths: list[str]) -> None:
        self.host.reload()

    def _on_catalog_changed(self) -> None:
        self.watcher.watch(self.watched_paths())
        pending, self._select_after_reload = self._select_after_reload, None
        if pending:
            self.state.reveal(pending)
        self._update_actions()

    # -- which layers can be written -------------------------------------------------------

    def writable_layers(self) -> list[Layer]:
        """Layers from files the user opened and may write.

        The bundled layers count only when the user opened them explicitly (a folder given or
        dropped): launched without paths, the app is a viewer of the shipped map.
        """
        bundled = bundled_layers_dir().resolve()
        explicit = bool(self.host.paths)
        layers = []
        for layer_id in reversed(self.state.drawing_order):
            layer = self.state.catalog.layer(layer_id)
            if not layer.path or not os.access(layer.path, os.W_OK):
                continue
            if not explicit and Path(layer.path).resolve().is_relative_to(bundled):
                continue
            layers.append(layer)
        return layers

    def is_writable(self, layer_id: str) -> bool:
        return any(layer.id == layer_id for layer in self.writable_layers())

    def _context_paths(self) -> list[Path]:
        return [Path(p) for p in (self.host.paths or [str(bundled_layers_dir())])]

    # -- adding ----------------------------------------------------------------------------

    def add_feature_at(self, lon: float, lat: float) -> FeatureForm | None:
        """Open the form for a new point feature at (lon, lat)."""
        point = [round(lon, 5), round(lat, 5)]
        return self.open_add_form(GeometryKind.POINT, point, _countries([point]))

    def start_sketch(self, kind: GeometryKind, first: tuple[float, float] | None = None) -> SketchTool | None:
        """Draw a line or polygon on the map; the form opens when it is finished."""
        if not self._check_can_add():
            return None
        if self.sketch is not None:
            self.sketch.cancel()
        self.sketch = SketchTool(self.canvas, kind, self._on_sketch_finished, self._on_sketch_cancelled, first)
        self.canvas.set_tool(self.sketch)
        self.canvas.setFocus()
        self.host.show_message(f"Drawing a {kind.value}: {HINT}")
        return self.sketch

    def _on_sketch_finished(self, vertices: list[tuple[float, float]]) -> None:
        kind = self.sketch.kind if self.sketch else GeometryKind.LINE
        self._end_sketch()
        coordinates = [list(v) for v in vertices]
        self.open_add_form(kind, coordinates, _countries(coordinates))

    def _on_sketch_cancelled(self) -> None:
        self._end_sketch()
        self.host.show_message("Drawing cancelled", 3000)

    def _end_sketch(self) -> None:
        self.sketch = None
        self.canvas.set_tool(None)
        self.host.show_message("")

    def _check_can_add(self) -> bool:
        if self.writable_layers():
            return True
        self._report(
            "No layer to add to",
            "There is no layer file to add the feature to. Open a folder of your own layer files, "
            "or create one with File > New Layer….",
        )
        return False

    def open_add_form(self, kind: GeometryKind, coordinates: Any, countries: list[str]) -> FeatureForm | None:
        from influencemap.ui.feature_form import FeatureForm

        if not self._check_can_add():
            return None
        layers = self.writable_layers()
        selected = self.state.selected_feature
        if selected is not None:  # most often the next feature goes where the last one is
            layers.sort(key=lambda layer: layer.id != selected.layer_id)
        texts: dict[str, LayerText] = {}
        return self._open_form(FeatureForm(
            self.state.catalog, layers, lambda edit: self._save(edit, texts), kind, coordinates, countries,
            parent=self.parent_widget,
        ))

    # -- editing and deleting --------------------------------------------------------------

    def edit_feature(self, feature_id: str) -> FeatureForm | None:
        from influencemap.editing.layer_file import LayerText
        from influencemap.editing.yaml_text import EditError, read_feature
        from influencemap.ui.feature_form import FeatureForm

        feature = self.state.catalog.find_feature(feature_id)
        if feature is None:
            return None
        layer = self.state.catalog.layer(feature.layer_id)
        if not self.is_writable(layer.id):
            self._report("Cannot edit", f"The layer '{layer.name}' is not a file you opened for editing.")
            return None
        try:
            text = LayerText.read(Path(layer.path))
            original = read_feature(text.text, feature_id)
        except (EditError, OSError) as exc:
            self._report("Cannot edit", f"{layer.path}: {exc}")
            return None
        texts = {layer.path: text}
        return self._open_form(FeatureForm(
            self.state.catalog, [layer], lambda edit: self._save(edit, texts), original=original, parent=self.parent_widget,
        ))

    def delete_feature(self, feature_id: str) -> bool:
        """Delete the feature's lines from its file (Ctrl+Z brings them back)."""
        from influencemap.editing.layer_file import InvalidEdit, LayerText
        from influencemap.editing.yaml_text import EditError

        feature = self.state.catalog.find_feature(feature_id)
        if feature is None:
            return False
        layer = self.state.catalog.layer(feature.layer_id)
        if not self.is_writable(layer.id):
            self._report("Cannot delete", f"The layer '{layer.name}' is not a file you opened for editing.")
            return False
        self.editor.context_paths = self._context_paths()
        try:
            self.editor.delete_feature(LayerText.read(Path(layer.path)), feature_id)
        except InvalidEdit as exc:
            self._report("Not deleted", _problems_text(exc))
            return False
        except (EditError, OSError) as exc:
            self._report("Not deleted", f"{exc}")
            return False
        self._after_write(f"Deleted “{feature.name}” from {Path(layer.path).name} — Ctrl+Z brings it back")
        return True

    def undo(self) -> bool:
        from influencemap.editing.yaml_text import EditError

        try:
            edit = self.editor.undo()
        except (EditError, OSError) as exc:
            self._report("Cannot undo", f"{exc}")
            return False
        if edit is None:
            self.host.show_message("Nothing to undo", 3000)
            return False
        self._after_write(f"Undid {edit.description} in {edit.path.name}")
        return True

    def open_feature_in_editor(self, feature_id: str) -> None:
        from influencemap.ui.external_editor import open_in_editor

        feature = self.state.catalog.find_feature(feature_id)
        if feature is None or feature.origin is None:
            return
        how = open_in_editor(feature.origin.path, feature.origin.line)
        self.host.show_message(f"Opened {Path(feature.origin.path).name}:{feature.origin.line} with {how}", 5000)

    # -- saving ----------------------------------------------------------------------------

    def _open_form(self, form: FeatureForm) -> FeatureForm:
        if self.form is not None:
            self.form.close()
        self.form = form
        form.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        form.finished.connect(lambda _result, f=form: self._on_form_finished(f))
        form.open()
        return form

    def _on_form_finished(self, form: FeatureForm) -> None:
        if self.form is form:
            self.form = None

    def _save(self, edit: FeatureEdit, texts: dict[str, LayerText]) -> str | None:
        """Write the form's edit; None on success, else the message the form shows."""
        from influencemap.editing.layer_file import FileChangedOnDisk, InvalidEdit, LayerText
        from influencemap.editing.yaml_text import EditError

        path = edit.layer.path
        assert path is not None
        self.editor.context_paths = self._context_paths()
        try:
            if path not in texts:
                texts[path] = LayerText.read(Path(path))
            if edit.original_id is None:
                self.editor.add_feature(texts[path], edit.feature, edit.new_source)
            else:
                self.editor.replace_feature(texts[path], edit.original_id, edit.feature, edit.new_source)
        except InvalidEdit as exc:
            return _problems_text(exc)
        except FileChangedOnDisk as exc:
            self.last_error = str(exc)
            texts.pop(path, None)  # the next Save applies the form to the file as it is now
            self.host.reload()
            return (
                f"Not saved: {exc}.\n"
                "The map now shows the file as it is on disk. Press Save to apply your changes to that version, "
                "or Cancel."
            )
        except (EditError, OSError) as exc:
            return f"Not saved: {exc}"
        verb = "Added" if edit.original_id is None else "Saved"
        self._select_after_reload = edit.feature["id"]
        self._after_write(f"{verb} “{edit.feature['name']}” in {Path(path).name} — Ctrl+Z undoes it")
        return None

    def _after_write(self, message: str) -> None:
        self._update_actions()
        self.host.show_message(message, 8000)
        self.host.reload()

    def _report(self, title: str, message: str) -> None:
        """Tell the user without blocking: the status bar and a window-modal message box."""
        self.last_error = message
        self.host.show_message(message.splitlines()[0], 8000)
        box = QMessageBox(QMessageBox.Icon.Warning, title, message, QMessageBox.StandardButton.Ok, self.parent_widget)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    # -- new layer -------------------------------------------------------------------------

    def new_layer(self) -> NewLayerDialog:
        from influencemap.ui.new_layer_dialog import NewLayerDialog

        dialog = NewLayerDialog(self._default_folder(), {layer.id for layer in self.state.catalog.layers},
                                self.parent_widget, on_created=self._on_layer_created)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def _default_folder(self) -> Path:
        for raw in self.host.paths:
            path = Path(raw)
            if path.is_dir():
                return path
            if path.parent.is_dir():
                return path.parent
        return Path(self.host.last_folder())

    def _on_layer_created(self, path: Path) -> None:
        current = self.host.paths or [str(bundled_layers_dir())]
        resolved = path.resolve()
        covered = any(Path(p).is_dir() and resolved.is_relative_to(Path(p).resolve()) for p in current)
        if covered:
            self.host.reload()
        else:
            self.host.load_paths([*current, str(path)], fit=False)
        self.host.show_message(f"Created {path}: right-click the map to add features to it", 8000)

    # -- context menus ---------------------------------------------------------------------

    def _feature_actions(self, menu: QMenu, feature: Feature) -> None:
        writable = self.is_writable(feature.layer_id)
        name = _short(feature.name)
        edit = menu.addAction(f"Edit “{name}”…", lambda: self.edit_feature(feature.id))
        delete = menu.addAction(f"Delete “{name}”", lambda: self.delete_feature(feature.id))
        edit.setEnabled(writable)
        delete.setEnabled(writable)
        opener = menu.addAction("Open in Editor", lambda: self.open_feature_in_editor(feature.id))
        opener.setEnabled(feature.origin is not None)

    def _stack_actions(self, menu: QMenu, here: Any, global_pos: QPoint) -> None:
        """For several features here (a :class:`~influencemap.model.identify.WhatsHere`): the
        What's-here list, and each action as a submenu listing them in the list's order (so any
        of a stack can be edited, deleted or zoomed to). A menu is no list of 150,000 (a zoomed-out
        marker of a big layer): the submenus name the first :data:`STACK_MENU_ROWS`, then say how
        many more What's Here lists."""
        catalog = self.state.catalog
        total = len(here)
        features = [catalog.feature(feature_id) for _layer, feature_id in here.first(STACK_MENU_ROWS)]
        menu.addAction(f"What's Here ({total:,})…", lambda: self.host.show_whats_here(here, global_pos))
        submenus = (
            ("Edit", self.edit_feature, True),
            ("Delete", self.delete_feature, True),
            ("Zoom to", self.canvas.zoom_to_feature, False),
        )
        for title, handler, needs_writable in submenus:
            sub = menu.addMenu(title)
            sub.setObjectName(f"stack{title.replace(' ', '')}Menu")
            for feature in features:
                action = sub.addAction(_short(feature.name, 60), lambda fid=feature.id, h=handler: h(fid))
                action.setToolTip(feature.name)
                if needs_writable:
                    action.setEnabled(self.is_writable(feature.layer_id))
            if total > len(features):
                more = sub.addAction(f"{total - len(features):,} more: What's Here lists them all")
                more.setEnabled(False)

    def canvas_menu(self, position: QPoint) -> QMenu:
        """The map's context menu at a widget position."""
        lon, lat = self.canvas.geo_point(position)
        menu = QMenu(self.canvas)
        menu.addAction("Add feature here…", lambda: self.add_feature_at(lon, lat))
        menu.addAction("Draw line from here…", lambda: self.start_sketch(GeometryKind.LINE, (lon, lat)))
        menu.addAction("Draw polygon from here…", lambda: self.start_sketch(GeometryKind.POLYGON, (lon, lat)))
        here = self.canvas.whats_here_at(position)
        hits = here.hits
        if len(hits) == 1:
            feature = self.state.catalog.feature(hits[0][1])
            menu.addSeparator()
            self._feature_actions(menu, feature)
            menu.addAction("Zoom to Feature", lambda: self.canvas.zoom_to_feature(feature.id))
        elif hits:
            menu.addSeparator()
            self._stack_actions(menu, here, self.canvas.mapToGlobal(position))
        menu.addSeparator()
        menu.addAction(self.undo_action)
        return menu

    def _on_canvas_context_menu(self, position: QPoint) -> None:
        if self.sketch is not None:
            return
        menu = self.canvas_menu(position)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.popup(self.canvas.mapToGlobal(position))

    def _on_details_context_menu(self, position: QPoint) -> None:
        browser = self.details_browser
        menu = browser.createStandardContextMenu(position)
        feature = self.state.selected_feature
        if feature is not None:
            menu.addSeparator()
            self._feature_actions(menu, feature)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.popup(browser.viewport().mapToGlobal(position))

    def _with_selected(self, handler) -> None:
        if self.state.selected_id:
            handler(self.state.selected_id)


def _countries(positions: list[list[float]]) -> list[str]:
    """The countries of the positions (basemap lookup), in order of first appearance."""
    try:
        from influencemap.geo.basemap import countries_containing
    except ImportError:
        return []
    found: dict[str, None] = {}
    for lon, lat in positions:
        for code in countries_containing(lon, lat, COUNTRY_TOLERANCE_DEG):
            found.setdefault(code, None)
    return list(found)


def _problems_text(exc: InvalidEdit) -> str:
    listed = "\n".join(p.format() for p in exc.problems)
    return f"Not saved: the edit would add these errors:\n{listed}"


STACK_MENU_ROWS = 40
"""The features a stack's Edit / Delete / Zoom to submenu names (What's Here lists the rest)."""


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
