"""The editing controller works from what it is given — the store's adapter, the canvas, the
details view and an :class:`EditingHost` — so any host will do, not only the main window
(it no longer reaches into the window's private members)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QTextBrowser, QWidget

from influencemap.model.loader import load_catalog
from influencemap.model.view_state import ViewState
from influencemap.ui.editing_controller import EditingController
from influencemap.ui.map_canvas import MapCanvas
from influencemap.ui.map_state import MapState
from tests.ui.conftest import KYIV, MINSK


class Host:
    """A stand-in window: records what the controller asks of it."""

    def __init__(self, paths: list[str], folder: Path) -> None:
        self.paths = paths
        self.folder = folder
        self.messages: list[str] = []
        self.reloads = 0
        self.loaded: list[tuple[list[str], bool]] = []

    def reload(self) -> None:
        self.reloads += 1

    def load_paths(self, paths, fit: bool = True) -> None:
        self.loaded.append(([str(p) for p in paths], fit))

    def last_folder(self) -> str:
        return str(self.folder)

    def show_message(self, text: str, timeout_ms: int = 0) -> None:
        self.messages.append(text)

    def show_whats_here(self, hits, global_pos=None):
        self.messages.append(f"what's here: {len(hits)}")


def test_the_controller_needs_only_what_it_is_given(layers, qtbot, tmp_path):
    layers.point_layer("econ", [("minsk-plant", "Plant in Minsk", MINSK), ("kyiv-port", "Port in Kyiv", KYIV)], "#0000ff")
    store = ViewState()
    state = MapState(store)
    parent = QWidget()
    qtbot.addWidget(parent)
    canvas = MapCanvas(state, parent)
    host = Host([str(layers.folder)], tmp_path)
    controller = EditingController(state, canvas, host, QTextBrowser(parent), parent)

    store.set_catalog(load_catalog([layers.folder]), keep_layout=False)
    assert str(layers.folder / "econ.yaml") in controller.watched_paths()  # the host's paths, watched
    assert [layer.id for layer in controller.writable_layers()] == ["econ"]  # opened explicitly: writable

    store.select("kyiv-port")
    assert controller.edit_action.isEnabled() and controller.delete_action.isEnabled()
    assert controller.undo() is False
    assert host.messages[-1] == "Nothing to undo"

    # A deletion writes the file, tells the host and asks it to reload.
    assert controller.delete_feature("kyiv-port")
    assert "kyiv-port" not in (layers.folder / "econ.yaml").read_text(encoding="utf-8")
    assert host.reloads == 1 and host.messages[-1].startswith("Deleted “Port in Kyiv”")

    # The menus are the controller's; a host puts them where it likes.
    assert [a.text() for a in controller.edit_menu.actions() if a.text()] == [
        controller.undo_action.text(), "&Edit Feature…", "&Delete Feature", "&Open in Editor"]
    canvas.shutdown()
