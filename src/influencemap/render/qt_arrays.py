"""numpy arrays straight into Qt's point containers, without a Python loop per vertex.

A ``QPolygonF`` is a contiguous array of ``QPointF`` (two doubles each), so after ``resize`` its
storage can be filled from an (N, 2) float64 array in one copy. That is what keeps drawing
thousands of vertices cheap from Python.
"""

from __future__ import annotations

import numpy as np
import shiboken6
from PySide6.QtCore import QPointF
from PySide6.QtGui import QPolygonF


def _fill_in_place(polygon: QPolygonF, xy: np.ndarray) -> None:
    count = len(xy)
    if count == 0:
        return
    # polygon.data() wraps the first QPointF; its address is the start of the storage.
    storage = shiboken6.VoidPtr(polygon.data(), count * 16, True)
    np.frombuffer(storage, dtype=np.float64, count=count * 2)[:] = xy.ravel()


def _fill_slowly(polygon: QPolygonF, xy: np.ndarray) -> None:
    for i, (x, y) in enumerate(xy.tolist()):
        polygon[i] = QPointF(x, y)


def _buffer_fill_works() -> bool:
    """Check once that the bulk copy lands where Qt reads it (a safety net for new PySide6s)."""
    probe = QPolygonF()
    probe.resize(3)
    try:
        _fill_in_place(probe, np.array([[1.5, 2.5], [3.5, 4.5], [5.5, 6.5]]))
    except (TypeError, ValueError, AttributeError):
        return False
    return probe.at(2) == QPointF(5.5, 6.5) and probe.at(0) == QPointF(1.5, 2.5)


_fill = _fill_in_place if _buffer_fill_works() else _fill_slowly


def polygonf(xy: np.ndarray) -> QPolygonF:
    """An (N, 2) array of pixel coordinates as a ``QPolygonF`` for drawPolyline/drawPolygon."""
    xy = np.ascontiguousarray(xy, dtype=np.float64).reshape(-1, 2)
    polygon = QPolygonF()
    polygon.resize(len(xy))
    _fill(polygon, xy)
    return polygon
