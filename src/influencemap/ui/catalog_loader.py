"""Loading layer files for the app: at once for the first window, off the UI thread afterwards.

Reloading or opening a big folder must not freeze the window, so later loads run on a worker
thread and report back through a queued signal; only the newest request's result is used.
A load never raises into the UI: anything unexpected becomes a problem in the list.
"""

from __future__ import annotations

import logging
from collections import deque
from pathlib import Path
from typing import Sequence

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

from influencemap.model.catalog import Catalog
from influencemap.model.types import Origin, Problem, Severity

log = logging.getLogger(__name__)


def load_safely(paths: Sequence[str], allow_outside_data: bool = False) -> Catalog:
    """The catalog for ``paths`` (the bundled layers when empty); errors become problems.
    ``allow_outside_data`` is the command line's ``--allow-outside-data`` (see
    :mod:`influencemap.model.data_access`)."""
    # Imported here: the loader pulls in geopandas, which the window need not wait for.
    from influencemap.model.loader import load_catalog

    try:
        catalog = load_catalog(list(paths) or None, allow_outside_data=allow_outside_data)
    except Exception as exc:  # the loader reports bad input itself; this is for the unforeseen
        log.exception("loading %s failed", paths)
        return _failed_load(paths, exc)
    if catalog.feature_count >= BIG_LOAD:
        from influencemap.model.data_tables import give_back_memory

        give_back_memory()  # what reading the files freed: the window lives on (a command-line export ends)
    return catalog


BIG_LOAD = 100_000
"""Features from which a load is followed by handing the freed memory back to the system."""


def _failed_load(paths: Sequence[str], exc: Exception) -> Catalog:
    """A catalog saying that every file failed, with no layers: the window then keeps each
    file's last good layer (:mod:`influencemap.editing.last_good`) instead of an empty map."""
    from influencemap.model.loader import expand_paths
    from influencemap.paths import bundled_layers_dir

    message = f"could not load: {type(exc).__name__}: {exc}"
    try:
        files = [str(f) for f in expand_paths(list(paths) or [bundled_layers_dir()])]
    except OSError:
        files = []
    where = files or [str(paths[0]) if paths else "layers"]
    return Catalog(problems=tuple(Problem(Origin(w, 1, 1), Severity.ERROR, message) for w in where))


def warm_up(catalog: Catalog) -> None:
    """Project the layers and count the filter lists', timeline's and extent's answers while
    still off the UI thread.

    The hit-test's index (model/identify.py) is not built here: the map canvas's worker builds it
    right after the first frame (ui/frame_renderer.py), so the map does not wait for it (half a
    second of a million points' time to the map); a hover meanwhile passes instead of waiting."""
    from influencemap.model.extent import robust_bounds
    from influencemap.model.facets import faceted_counts, facets, year_histogram
    from influencemap.model.loader import paused_gc
    from influencemap.render.layer_geometry import layer_geometry

    try:
        # Each full collection would walk the whole catalog while holding Python's lock, which
        # the UI thread is waiting for: about a tenth of a second per 100,000 features.
        with paused_gc():
            for layer in catalog.layers:
                layer_geometry(layer)
            # A cached layer's Feature objects are not built: the hit-test (model/identify.py) and
            # the attribute table (model/feature_rows.py) read its columns.
            # What the window asks of a new catalog, counted here and remembered with it
            # (model/per_catalog.py): with every layer shown and no filter, as after a load.
            shown = [layer.id for layer in catalog.layers]
            robust_bounds(catalog)
            facets(catalog)
            year_histogram(catalog)
            for lists in (True, False):
                faceted_counts(catalog, None, shown, lists)
    except Exception:  # only a speed-up: the canvas builds what it needs itself otherwise
        log.exception("preparing the catalog for drawing failed")


class _Signals(QObject):
    finished = Signal(int)


class _LoadJob(QRunnable):
    def __init__(self, job_id: int, paths: list[str], signals: _Signals, allow_outside_data: bool = False) -> None:
        super().__init__()
        self.allow_outside_data = allow_outside_data
        self.setAutoDelete(False)
        self.job_id = job_id
        self.paths = paths
        self.signals = signals
        self.catalog: Catalog | None = None

    def run(self) -> None:
        try:
            self.catalog = load_safely(self.paths, self.allow_outside_data)
            warm_up(self.catalog)
        finally:
            try:
                self.signals.finished.emit(self.job_id)
            except RuntimeError:
                pass


class CatalogLoader(QObject):
    loaded = Signal(object, object)
    """(Catalog, list of paths) of the newest finished load."""
    busyChanged = Signal(bool)

    def __init__(self, parent: QObject | None = None, allow_outside_data: bool = False) -> None:
        super().__init__(parent)
        self.allow_outside_data = allow_outside_data
        """Every load of this loader lets ``data:`` files lie outside their layer's folder."""
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._signals = _Signals(self)
        self._signals.finished.connect(self._on_finished)
        self._next_id = 0
        self._pending: dict[int, _LoadJob] = {}
        self._retired: deque[_LoadJob] = deque(maxlen=4)
        self._closed = False

    @property
    def busy(self) -> bool:
        return bool(self._pending)

    def load(self, paths: Sequence[str | Path]) -> int:
        """Start loading in the background; ``loaded`` is emitted when done."""
        if self._closed:
            return -1
        self._next_id += 1
        job = _LoadJob(self._next_id, [str(p) for p in paths], self._signals, self.allow_outside_data)
        was_busy = self.busy
        self._pending[job.job_id] = job
        self._pool.start(job)
        if not was_busy:
            self.busyChanged.emit(True)
        return job.job_id

    @Slot(int)
    def _on_finished(self, job_id: int) -> None:
        job = self._pending.pop(job_id, None)
        if job is None:
            return
        self._retired.append(job)
        newest = job_id == self._next_id
        if not self._pending:
            self.busyChanged.emit(False)
        if newest and job.catalog is not None and not self._closed:
            self.loaded.emit(job.catalog, job.paths)

    def shutdown(self, timeout_ms: int = 30000) -> None:
        self._closed = True
        self._pool.clear()
        self._pool.waitForDone(timeout_ms)
        self._pending.clear()
