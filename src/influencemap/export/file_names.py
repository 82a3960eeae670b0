"""The file name an export suggests and the name it writes to (Qt-free).

A save dialog starts at a name made from the map's title (``Chinese loans in Belarus`` →
``chinese-loans-in-belarus.html``), so several exports of one folder do not overwrite the same
``map.html``; and a name the user typed without the format's suffix gets it added (``loans`` →
``loans.html``), since a browser or image viewer opens files by their suffix.
"""

from __future__ import annotations

from pathlib import Path

from influencemap.model.field_map import name_slug

DEFAULT_STEM = "map"
MAX_STEM = 60


def suggested_name(title: str | None, suffix: str) -> str:
    """``title`` as a file name with ``suffix`` (e.g. ``.html``); ``map`` when it has no letters
    or digits to keep."""
    return f"{name_slug(title or '', MAX_STEM) or DEFAULT_STEM}{suffix}"


def with_suffix(path: Path, suffixes: tuple[str, ...], default: str) -> Path:
    """``path`` when it ends in one of ``suffixes`` (any case), else ``path`` with ``default``
    added — added, not replacing what follows a dot the user typed (``loans.v2`` →
    ``loans.v2.html``)."""
    if path.suffix.lower() in suffixes:
        return path
    return path.with_name(path.name + default)
