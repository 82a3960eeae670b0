"""Writing files safely: a temporary file in the same folder, flushed, then renamed over.

A reader (or a crash) sees either the old file or the new one, never a partial one. What an
editor does besides, this does too (issue 18):

- a symbolic link is written through: the file it points to gets the new bytes and the link
  stays a link (a rename over the link would replace it with a regular file);
- a file with more than one hard link is written in place (the rename would leave the other
  names holding the old bytes); that write is not atomic, so callers that care keep a copy
  first (layer edits have their ``.bak``);
- a read-only file (no write bit in its mode) is refused, as an editor refuses it, also when
  the process could write it anyway (root);
- a folder is refused with a message instead of a traceback;
- ``before_replace`` runs after the new bytes are on disk and right before they take the old
  file's place, so a caller can check one last time that the file is still what it read;
- with ``remove_stale_temps``, temporary files that a killed write left behind
  (``.NAME.*.tmp``) are removed by the next write of the same file once they are old enough
  that no other write can still be using them. Layer edits and exports ask for it; the caches
  clean their folder once per process instead, at its first write (they write thousands of
  entries into one folder, and a scan per write would cost more than the leftovers):
  :func:`influencemap.disk_cache.remove_stale_temps`.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Callable, Iterable

from influencemap import stale_temps

TEMP_SUFFIX = ".tmp"
STALE_TEMP_SECONDS = 600.0
"""A temporary file this old belongs to no write in progress (writes take seconds at most)."""


class ReadOnlyFile(PermissionError):
    """The file's mode has no write bit: it is not overwritten."""


class NotAFile(IsADirectoryError):
    """The path names a folder (or another thing that is not a regular file)."""


def write_target(path: Path) -> Path:
    """The file a write to ``path`` changes (symbolic links followed), after checking that it
    may be written: not a folder or another special file, not read-only."""
    path = Path(path)
    target = Path(os.path.realpath(path))
    if target.is_dir():
        raise NotAFile(f"{path} is a folder, not a file: choose a file name")
    if target.exists():
        if not target.is_file():
            raise NotAFile(f"{path} is not a regular file")
        if target.stat().st_mode & 0o222 == 0:
            raise ReadOnlyFile(f"{path} is read-only: make it writable or save under another name")
    return target


def write_bytes_atomic(
    path: Path,
    data: bytes,
    before_replace: Callable[[], None] | None = None,
    remove_stale_temps: bool = False,
) -> None:
    """Put ``data`` in ``path``: written whole to a temporary file, then renamed over the old
    file (see the module's docstring for links and read-only files). An exception from
    ``before_replace`` leaves the old file as it was and no temporary file behind."""
    write_chunks_atomic(path, (data,), before_replace, remove_stale_temps)


def write_chunks_atomic(
    path: Path,
    chunks: Iterable[bytes],
    before_replace: Callable[[], None] | None = None,
    remove_stale_temps: bool = False,
) -> None:
    """:func:`write_bytes_atomic` of the bytes ``chunks`` gives, each written as it comes (a big
    export is never in memory whole). An exception while the chunks are made leaves the old
    file as it was and no temporary file behind. A hard-linked file, written in place, gets
    the chunks joined first, so that a failure there cannot leave it half written either."""
    target = write_target(path)
    if remove_stale_temps:
        remove_stale_temp_files(target)
    if target.exists() and target.stat().st_nlink > 1:
        data = b"".join(chunks)
        if before_replace is not None:
            before_replace()
        _write_in_place(target, data)
        return
    handle, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=TEMP_SUFFIX, dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as temp:
            for chunk in chunks:
                temp.write(chunk)
            temp.flush()
            os.fsync(temp.fileno())
        if target.exists():
            os.chmod(temp_name, target.stat().st_mode & 0o7777)
        else:  # mkstemp makes 0600; a new file gets the usual 0666 less the umask
            os.chmod(temp_name, 0o666 & ~_umask())
        if before_replace is not None:
            before_replace()
        os.replace(temp_name, target)
    except BaseException:
        try:
            os.unlink(temp_name)
        except FileNotFoundError:
            pass
        raise


def _write_in_place(target: Path, data: bytes) -> None:
    """Overwrite a hard-linked file through its inode, so every name of it sees the new bytes."""
    with open(target, "r+b") as handle:
        handle.write(data)
        handle.truncate()
        handle.flush()
        os.fsync(handle.fileno())


def remove_stale_temp_files(target: Path, older_than: float = STALE_TEMP_SECONDS) -> list[Path]:
    """Remove the temporary files of earlier writes of ``target`` that were killed before their
    rename (``.NAME.XXXXXXXX.tmp`` in the same folder, older than ``older_than`` seconds)."""
    prefix = f".{target.name}."

    def is_temp_name(name: str) -> bool:
        middle = name[len(prefix) : -len(TEMP_SUFFIX)] if name.startswith(prefix) and name.endswith(TEMP_SUFFIX) else ""
        return bool(middle) and "." not in middle  # mkstemp's random part: no dots

    return stale_temps.remove_stale_temps(target.parent, is_temp_name, older_than)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_text_atomic(path: Path, text: str, remove_stale_temps: bool = False) -> None:
    write_bytes_atomic(path, text.encode("utf-8"), remove_stale_temps=remove_stale_temps)
