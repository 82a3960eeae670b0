"""Answers computed once per catalog: what the app asks of every newly loaded catalog.

A :class:`~influencemap.model.catalog.Catalog` never changes, so its filter counts, timeline
histogram and robust extent can be remembered with it. The app's loader thread asks for them
before the window gets the catalog (:func:`influencemap.ui.catalog_loader.warm_up`): on a
million features each took the UI thread seconds, during which the window was frozen.
"""

from __future__ import annotations

import threading
import weakref
from typing import TYPE_CHECKING, Callable, TypeVar

if TYPE_CHECKING:
    from influencemap.model.catalog import Catalog

_T = TypeVar("_T")
_memo: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def remembered(catalog: Catalog, key: tuple, compute: Callable[[], _T]) -> _T:
    """``compute()`` once per catalog and ``key`` (hashable; forgotten with the catalog). The
    value is shared by every caller: treat it as read-only."""
    with _lock:
        found = _memo.get(catalog)
        if found is not None and key in found:
            return found[key]
    value = compute()
    with _lock:
        _memo.setdefault(catalog, {})[key] = value
    return value
