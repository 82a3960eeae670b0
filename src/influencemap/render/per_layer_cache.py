"""What the renderer derives from a layer (projected geometry, filter masks, point sizes and
figures), kept exactly as long as the layer lives.

Layers are frozen but unhashable (they hold dicts), and a new catalog is loaded on every
reload; keying by identity with a weak reference forgets an entry when its layer is collected.
"""

from __future__ import annotations

import threading
import weakref
from typing import Callable, Generic, TypeVar

T = TypeVar("T")


class PerLayerCache(Generic[T]):
    def __init__(self) -> None:
        self._entries: dict[tuple[int, object], tuple[weakref.ref, T]] = {}
        self._lock = threading.Lock()

    def get(self, owner: object, build: Callable[[], T], key: object = None) -> T:
        """The value for (owner, key), built by ``build()`` the first time it is asked for."""
        slot = (id(owner), key)
        with self._lock:
            entry = self._entries.get(slot)
            if entry is not None and entry[0]() is owner:
                return entry[1]
        value = build()
        with self._lock:
            self._entries[slot] = (weakref.ref(owner), value)
        weakref.finalize(owner, self._forget, slot)
        return value

    def _forget(self, slot: tuple[int, object]) -> None:
        with self._lock:
            self._entries.pop(slot, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
