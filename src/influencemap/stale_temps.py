"""Leftovers of killed writes: temporary files that no write in progress can still be using.

Both ways of writing a file safely — :mod:`influencemap.fileio` (layer files and exports: one
``mkstemp`` name per write, cleaned at the next write of the same file) and
:mod:`influencemap.disk_cache` (cache entries: ``.ENTRY.marshal.PID.N.tmp``, cleaned once per
folder per process) — write a temporary file and rename it over. A write killed before its
rename leaves the temporary file behind; this removes those, by name and age, with one scan of
the folder (names only; just the few candidates are stat'ed).
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Callable


def remove_stale_temps(folder: Path, is_temp_name: Callable[[str], bool], older_than: float) -> list[Path]:
    """Remove the regular files in ``folder`` whose name ``is_temp_name`` accepts and that were
    last written more than ``older_than`` seconds ago (a younger one may belong to a write in
    progress in another process). Symbolic links are never followed or removed; a file that
    cannot be read or removed is skipped. Returns the removed paths."""
    removed: list[Path] = []
    now = time.time()
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        if not is_temp_name(entry.name):
            continue
        try:
            if entry.is_file(follow_symlinks=False) and now - entry.stat(follow_symlinks=False).st_mtime > older_than:
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        except OSError:
            pass
    return removed
