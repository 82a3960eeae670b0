"""Watching the loaded layer files and folders, so edits made anywhere show up on the map.

Editors save in different ways: in place, or by writing a temporary file and renaming it over
the old one (vim, VS Code, our own atomic writes). A rename replaces the file, and the system
watcher drops a path whose file was replaced, so every path is added again after each change.
Folders are watched too: a new layer file appears, a deleted one disappears. Bursts of
notifications (a save touches a file several times) are coalesced into one ``changed`` signal.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer, Signal

DEBOUNCE_MS = 250
"""Wait this long after the last notification before reloading."""


class LayerFileWatcher(QObject):
    changed = Signal(object)
    """The sorted list of paths (files or folders) that changed since the last signal."""

    def __init__(self, parent: QObject | None = None, debounce_ms: int = DEBOUNCE_MS) -> None:
        super().__init__(parent)
        self._watcher = QFileSystemWatcher(self)
        self._watcher.fileChanged.connect(self._on_changed)
        self._watcher.directoryChanged.connect(self._on_changed)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(debounce_ms)
        self._timer.timeout.connect(self._emit)
        self._wanted: set[str] = set()
        self._pending: set[str] = set()

    def watch(self, paths: Iterable[str | Path]) -> None:
        """Watch exactly these files and folders (and each folder's sub-folders)."""
        wanted: set[str] = set()
        for raw in paths:
            path = Path(raw)
            wanted.add(str(path))
            if path.is_dir():
                wanted.update(str(p) for p in path.rglob("*") if p.is_dir())
        self._wanted = wanted
        self._sync()

    def watched(self) -> list[str]:
        return sorted(self._watcher.files() + self._watcher.directories())

    def _sync(self) -> None:
        current = set(self._watcher.files() + self._watcher.directories())
        stale = sorted(current - self._wanted)
        if stale:
            self._watcher.removePaths(stale)
        # A path that does not exist (yet) is re-tried at the next change of its folder.
        missing = sorted(p for p in self._wanted - current if Path(p).exists())
        if missing:
            self._watcher.addPaths(missing)

    def _on_changed(self, path: str) -> None:
        self._pending.add(path)
        # A replaced file (save by rename) is no longer watched: watch the new one.
        if path in self._wanted and path not in self._watcher.files() + self._watcher.directories():
            if Path(path).exists():
                self._watcher.addPath(path)
        self._timer.start()

    def _emit(self) -> None:
        if not self._pending:
            return
        self._sync()
        changed, self._pending = sorted(self._pending), set()
        self.changed.emit(changed)
