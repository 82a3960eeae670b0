"""A small on-disk cache in the user's cache folder, for work that is slow to redo.

Entries are keyed by a hash of everything their content depends on, written atomically and
read with :mod:`marshal` (fast, and it can only build plain data, never run code). Each entry
carries a checksum of its body, checked on every read: a missing, stale, truncated or
corrupt entry (one flipped bit is enough) is rebuilt and written again, never used. The
cache can always be deleted.

An entry's checksum is also its *version*: what was built from it (the load cache's entries,
built with the gazetteer's and the basemap lookup's entries) records the versions it used, and
is rebuilt when one of them changes (:func:`used_versions`, :func:`version_unchanged`).
"""

from __future__ import annotations

import hashlib
import itertools
import marshal
import os
import threading
from pathlib import Path
from typing import Callable, Iterable, Sequence, TypeVar

from influencemap import stale_temps

T = TypeVar("T")

CACHE_ENV = "INFLUENCEMAP_CACHE_DIR"
"""Set to a folder to move the cache, or to an empty string to switch it off."""

MAGIC = b"IMC1"
DIGEST_SIZE = 20
HEADER_SIZE = len(MAGIC) + DIGEST_SIZE
"""An entry: ``MAGIC``, the blake2b digest of the body, the body (marshal data)."""


def cache_dir() -> Path | None:
    configured = os.environ.get(CACHE_ENV)
    if configured is not None:
        return Path(configured) if configured else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "influencemap"


def content_key(parts: Iterable[bytes]) -> str:
    digest = hashlib.blake2b(digest_size=20)
    for part in parts:
        digest.update(len(part).to_bytes(8, "little"))
        digest.update(part)
    return digest.hexdigest()


def body_digest(body: bytes | memoryview) -> bytes:
    return hashlib.blake2b(body, digest_size=DIGEST_SIZE).digest()


def seal(body: bytes) -> bytes:
    """An entry's bytes: the header with the body's checksum, then the body."""
    return MAGIC + body_digest(body) + body


def unseal(raw: bytes) -> memoryview | None:
    """The body of an entry whose checksum matches, else None (not a copy of the body)."""
    if len(raw) < HEADER_SIZE or raw[: len(MAGIC)] != MAGIC:
        return None
    body = memoryview(raw)[HEADER_SIZE:]
    return body if raw[len(MAGIC):HEADER_SIZE] == body_digest(body) else None


# -- versions ------------------------------------------------------------------------------------

_versions_lock = threading.Lock()
_versions: dict[str, str] = {}
"""Entry name (``kind-key``) → the checksum (hex) of the entry this process read or wrote."""
_on_disk: dict[str, str] = {}
"""Entry name → the version its header on disk gave, for entries this process has not used."""


def used_versions() -> list[tuple[str, str]]:
    """(entry name, version) of every cache entry this process has used so far."""
    with _versions_lock:
        return sorted(_versions.items())


def version_unchanged(name: str, version: str) -> bool:
    """Whether the entry ``name`` is still the one with ``version``: the one this process
    uses, or else the one on disk (only its header is read; its body is checked when used)."""
    with _versions_lock:
        known = _versions.get(name)
        if known is None:
            known = _on_disk.get(name)
    if known is None:
        known = _on_disk[name] = _peek(name)
    return known == version


def _peek(name: str) -> str:
    """The version in the header of the entry ``name`` on disk ("" if there is none); read once
    a process, like the code and data the load cache's key hashes."""
    folder = cache_dir()
    if folder is None:
        return ""
    try:
        with open(folder / f"{name}.marshal", "rb") as handle:
            header = handle.read(HEADER_SIZE)
    except OSError:
        return ""
    return header[len(MAGIC):].hex() if len(header) == HEADER_SIZE and header[: len(MAGIC)] == MAGIC else ""


def _note_version(name: str, digest: bytes) -> None:
    with _versions_lock:
        _versions[name] = digest.hex()


def forget_versions() -> None:
    """Forget which entries this process used (for tests that swap the cache folder)."""
    with _versions_lock:
        _versions.clear()
        _on_disk.clear()


# -- entries -------------------------------------------------------------------------------------


def cached(kind: str, key_parts: Iterable[bytes], build: Callable[[], T]) -> T:
    """The cached value for this key, or ``build()`` stored for next time."""
    folder = cache_dir()
    name = f"{kind}-{content_key(key_parts)}"
    if folder is None:
        value = build()
        try:
            _note_version(name, body_digest(marshal.dumps(value)))
        except ValueError:
            pass
        return value
    path = folder / f"{name}.marshal"
    try:
        raw = path.read_bytes()
    except OSError:
        raw = b""
    body = unseal(raw)
    if body is not None:
        try:
            value = marshal.loads(body)
        except (EOFError, ValueError, TypeError):
            pass
        else:
            _note_version(name, bytes(raw[len(MAGIC):HEADER_SIZE]))
            return value
    value = build()
    body_bytes = marshal.dumps(value)
    _note_version(name, body_digest(body_bytes))
    try:
        folder.mkdir(parents=True, exist_ok=True)
        write_entry_file(path, seal(body_bytes))
    except OSError:
        pass  # a read-only home must not stop the app
    return value


def write_entry_file(path: Path, data: bytes | Sequence[bytes | memoryview]) -> None:
    """Write a cache entry: a temporary file renamed over, so a reader sees a whole entry or
    none. ``data`` is the entry's bytes or its pieces in order: a big entry (the load cache's
    columns, ~50–120 MB for a million features) is written piece by piece rather than joined
    into one more copy of itself first. Not synced to disk (a layer file is; a cache entry need not be): an entry cut short
    by a crash fails its checksum and is rebuilt. Syncing each of 10,000 entries took minutes.
    The temporary name is unique to this process and write (cheaper than ``mkstemp``).
    The first write into a folder in a process removes what killed writes left there
    (:func:`remove_stale_temps`)."""
    _sweep_once(path.parent)
    temp = path.with_name(f".{path.name}.{os.getpid()}.{next(_temp_numbers)}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o600)
    try:
        try:
            for piece in (data,) if isinstance(data, (bytes, bytearray, memoryview)) else data:
                view = memoryview(piece).cast("B")
                while view:
                    view = view[os.write(fd, view):]
        finally:
            os.close(fd)
        os.replace(temp, path)
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise


_temp_numbers = itertools.count()


# -- leftovers of killed writes ------------------------------------------------------------------

STALE_TEMP_SECONDS = 3600.0
"""A cache temporary file this old belongs to no write in progress (an entry takes well under a
second to write; a process reading a big folder cold writes for minutes, not an hour)."""

_swept_lock = threading.Lock()
_swept: set[Path] = set()
"""The cache folders this process has cleaned: each is scanned once, at its first write (the
load cache writes thousands of entries into one folder; a scan per write would cost more
than the leftovers)."""


def _sweep_once(folder: Path) -> None:
    with _swept_lock:
        if folder in _swept:
            return
        _swept.add(folder)
    remove_stale_temps(folder)


def is_entry_temp_name(name: str) -> bool:
    """Whether ``name`` is a temporary file of :func:`write_entry_file`:
    ``.ENTRY.marshal.PID.N.tmp``, PID and N digits."""
    if not (name.startswith(".") and name.endswith(".tmp")):
        return False
    entry, _, rest = name[1 : -len(".tmp")].rpartition(".marshal.")
    pid, _, number = rest.partition(".")
    return bool(entry) and pid.isdigit() and number.isdigit()


def remove_stale_temps(folder: Path, older_than: float = STALE_TEMP_SECONDS) -> list[Path]:
    """Remove the temporary files of entry writes that were killed before their rename (older
    than ``older_than`` seconds, so another process's write in progress keeps its file).
    Only names :func:`is_entry_temp_name` accepts are touched; the scan reads names only,
    and stats just the few temporary files."""
    return stale_temps.remove_stale_temps(folder, is_entry_temp_name, older_than)


def forget_swept_folders() -> None:
    """Forget which folders this process has cleaned (for tests)."""
    with _swept_lock:
        _swept.clear()
