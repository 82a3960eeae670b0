"""A small on-disk cache in the user's cache folder, for work that is slow to redo.

Entries are keyed by a hash of everything their content depends on, written atomically and
read with :mod:`marshal` (fast, and it can only build plain data, never run code). A missing,
stale or corrupt entry is rebuilt; the cache can always be deleted.
"""

from __future__ import annotations

import hashlib
import marshal
import os
from pathlib import Path
from typing import Callable, Iterable, TypeVar

from influencemap.fileio import write_bytes_atomic

T = TypeVar("T")

CACHE_ENV = "INFLUENCEMAP_CACHE_DIR"
"""Set to a folder to move the cache, or to an empty string to switch it off."""


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


def cached(kind: str, key_parts: Iterable[bytes], build: Callable[[], T]) -> T:
    """The cached value for this key, or ``build()`` stored for next time."""
    folder = cache_dir()
    if folder is None:
        return build()
    path = folder / f"{kind}-{content_key(key_parts)}.marshal"
    try:
        return marshal.loads(path.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        pass
    value = build()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        write_bytes_atomic(path, marshal.dumps(value))
    except OSError:
        pass  # a read-only home must not stop the app
    return value
