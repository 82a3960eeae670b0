"""Where the app keeps what the user was looking at, per layers folder, between sessions.

The store gives its state as plain data (:meth:`ViewState.to_plain
<influencemap.model.view_state.ViewState.to_plain>`); this module keeps it in the app's
QSettings as JSON text under a key made from the loaded paths, with the map's extent, so a user
with two projects gets each project's layers, filter, timeline and place on the map back, and
the bundled layers have their own. Of the text boxes only the feature table's row filter is
part of a saved view; the search box and "Find in the lists…" start empty (the reasons are in
:mod:`influencemap.model.view_state`).
JSON text rather than QSettings' own types: an INI file turns a one-element list into a text
and ``False`` into ``"false"``, and a value the user or another version broke should fail as
one readable error, not as odd types deep in the restore.

Only the most recently used :data:`MAX_FOLDERS` folders are kept, so the settings file does
not grow with every folder ever opened.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
from pathlib import Path
from typing import Sequence

from PySide6.QtCore import QSettings

log = logging.getLogger(__name__)

GROUP = "viewState"
RECENT = "viewState/recent"
MAX_FOLDERS = 30
BUNDLED = "(bundled layers)"


def folder_key(paths: Sequence[str | Path]) -> str:
    """The settings key of what is loaded: the same folders, however spelled, give one key
    (resolved, in order); no paths are the bundled layers."""
    return _key(_described(paths))


def _described(paths: Sequence[str | Path]) -> str:
    if not paths:
        return BUNDLED
    return "\n".join(str(Path(p).expanduser().resolve()) for p in paths)


def _key(described: str) -> str:
    return hashlib.sha1(described.encode("utf-8")).hexdigest()[:16]


class ViewMemory:
    """Saved views in ``settings``, one per set of loaded paths."""

    def __init__(self, settings: QSettings) -> None:
        self.settings = settings

    def load(self, paths: Sequence[str | Path]) -> dict | None:
        """The saved view of ``paths``, or None when there is none or it cannot be read (logged,
        never raised: a broken settings value must not stop the app opening)."""
        record = self._record(paths)
        return record["view"] if record is not None else None

    def load_extent(self, paths: Sequence[str | Path]) -> tuple[float, float, float, float] | None:
        """The map extent (west, south, east, north in degrees) last shown with ``paths``, or
        None when there is none that makes sense."""
        record = self._record(paths)
        extent = record.get("extent") if record is not None else None
        if not isinstance(extent, list) or len(extent) != 4:
            return None
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in extent):
            return None
        west, south, east, north = (float(v) for v in extent)
        if not (west < east and south < north and -90 <= south and north <= 90):
            return None
        return west, south, east, north

    def _record(self, paths: Sequence[str | Path]) -> dict | None:
        key = folder_key(paths)
        text = self.settings.value(f"{GROUP}/{key}")
        if text is None or text == "":
            return None
        if not isinstance(text, str):
            log.warning("saved view of %s is not text (%s): ignored", _described(paths), type(text).__name__)
            return None
        try:
            saved = json.loads(text)
        except ValueError as error:
            log.warning("saved view of %s is not JSON (%s): ignored", _described(paths), error)
            return None
        if not isinstance(saved, dict) or not isinstance(saved.get("view"), dict):
            log.warning("saved view of %s is not a saved view: ignored", _described(paths))
            return None
        return saved

    def save(self, paths: Sequence[str | Path], view: dict,
             extent: Sequence[float] | None = None) -> None:
        """Keep ``view`` (plain data) and the map's ``extent`` for ``paths``; the oldest folders
        beyond the limit go."""
        described = _described(paths)
        key = _key(described)
        # The paths go along, for a person reading the settings file.
        record = {"paths": described.split("\n"), "view": view}
        if extent is not None:
            record["extent"] = [float(v) for v in extent]
        self.settings.setValue(f"{GROUP}/{key}", json.dumps(record, ensure_ascii=False))
        recent = [key] + [k for k in self._recent() if k != key]
        for old in recent[MAX_FOLDERS:]:
            self.settings.remove(f"{GROUP}/{old}")
        self.settings.setValue(RECENT, json.dumps(recent[:MAX_FOLDERS]))

    def _recent(self) -> list[str]:
        try:
            recent = json.loads(str(self.settings.value(RECENT, "[]")))
        except ValueError:
            return []
        return [k for k in recent if isinstance(k, str)] if isinstance(recent, list) else []
