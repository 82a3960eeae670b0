"""Render map frames off the UI thread, as QGIS's render jobs do.

Each request becomes a job on a private one-thread pool that draws the whole frame into a
``QImage`` (painting on a QImage is safe outside the GUI thread; widgets are not). A newer
request cancels the running one; only the newest completed frame is handed back, on the UI
thread, through a queued signal. :meth:`FrameRenderer.shutdown` cancels and waits, so closing
the window or quitting while a frame is drawn ends cleanly.
"""

from __future__ import annotations

import logging
import math
import threading
import time
import weakref
from collections import deque
from dataclasses import dataclass
from typing import Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot
from PySide6.QtGui import QImage, QPainter

from influencemap.model.catalog import Catalog
from influencemap.model.identify import prepare as prepare_identify
from influencemap.render.map_settings import MapSettings
from influencemap.render.renderer import RenderReport, render
from influencemap.render.stacks import prepare_place_names

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Frame:
    """A finished image and the settings it was drawn for."""

    job_id: int
    image: QImage
    settings: MapSettings
    report: RenderReport
    seconds: float
    catalog: Callable[[], Catalog | None] = lambda: None
    """The catalog it was drawn from (a weak reference: an old load is not kept alive by it)."""


class _Signals(QObject):
    finished = Signal(int)


class _RenderJob(QRunnable):
    def __init__(self, job_id: int, settings: MapSettings, catalog: Catalog, signals: _Signals) -> None:
        super().__init__()
        self.setAutoDelete(False)  # the FrameRenderer keeps it until its result is read
        self.job_id = job_id
        self.settings = settings
        self.catalog = catalog
        self.signals = signals
        self.cancel = threading.Event()
        self.frame: Frame | None = None

    def run(self) -> None:
        started = time.perf_counter()
        try:
            if self.cancel.is_set():
                return
            dpr = self.settings.device_pixel_ratio
            width, height = self.settings.size
            image = QImage(math.ceil(width * dpr), math.ceil(height * dpr), QImage.Format.Format_ARGB32_Premultiplied)
            image.setDevicePixelRatio(dpr)
            painter = QPainter(image)
            try:
                report = render(painter, self.settings, self.catalog, self.cancel.is_set)
            finally:
                painter.end()
            if not report.cancelled:
                self.frame = Frame(self.job_id, image, self.settings, report, time.perf_counter() - started, weakref.ref(self.catalog))
        except Exception:  # a bug in drawing must not take the app down with it
            log.exception("rendering a map frame failed")
        finally:
            try:
                self.signals.finished.emit(self.job_id)
            except RuntimeError:  # the canvas is gone: nobody is waiting for this frame
                pass
        if self.frame is not None:
            self._prepare_identify()

    def _prepare_identify(self) -> None:
        """After the frame is handed over: what hover and click need (the catalog's spatial index,
        which features the filter lets through; the place names a click's list is titled with),
        here rather than on the UI thread.

        A newer request stops the filter's part (the index is built whole); what was done stays
        and the hit-test finds the rest itself.
        """
        try:
            prepare_identify(self.catalog, self.settings.feature_filter, self.cancel.is_set)
        except Exception:  # only a speed-up: identify finds all it needs itself otherwise
            log.exception("preparing the hit-test failed")
        if not self.cancel.is_set():
            prepare_place_names()  # once a process; later frames find it done


class FrameRenderer(QObject):
    frameReady = Signal(object)
    """A :class:`Frame` newer than any handed out before."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._signals = _Signals(self)
        self._signals.finished.connect(self._on_job_finished)
        self._jobs: dict[int, _RenderJob] = {}
        # Finished jobs live a little longer: the worker may still be returning from run().
        self._retired: deque[_RenderJob] = deque(maxlen=4)
        self._next_id = 0
        self._newest_shown = -1
        self._closed = False

    @property
    def busy(self) -> bool:
        return bool(self._jobs)

    def request(self, settings: MapSettings, catalog: Catalog) -> int:
        """Start drawing a frame; any frame still being drawn is cancelled."""
        if self._closed:
            return -1
        for job in self._jobs.values():
            job.cancel.set()
        self._next_id += 1
        job = _RenderJob(self._next_id, settings, catalog, self._signals)
        self._jobs[job.job_id] = job
        self._pool.start(job)
        return job.job_id

    @Slot(int)
    def _on_job_finished(self, job_id: int) -> None:
        job = self._jobs.pop(job_id, None)
        if job is not None:
            self._retired.append(job)
        if job is None or job.frame is None or job.cancel.is_set() or self._closed:
            return
        if job_id > self._newest_shown:
            self._newest_shown = job_id
            self.frameReady.emit(job.frame)

    def shutdown(self, timeout_ms: int = 10000) -> None:
        """Cancel every frame and wait for the worker; nothing is emitted afterwards."""
        self._closed = True
        for job in self._jobs.values():
            job.cancel.set()
        self._pool.clear()
        self._pool.waitForDone(timeout_ms)
        self._jobs.clear()
