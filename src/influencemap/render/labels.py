"""Label placement: a label is drawn only where it overlaps nothing already placed.

Occupancy is a coarse boolean grid over the output (one cell per few pixels) rather than a
list of rectangles, so a check costs a small array slice whatever the number of labels, and
thousands of markers can be reserved in one vectorised step.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen

CELL = 3
"""Grid cell size in pixels: small enough that labels pack naturally, big enough to be cheap."""

HALO = QColor(255, 255, 255, 215)


class LabelGrid:
    """Which parts of an output of ``size`` pixels are taken."""

    def __init__(self, size: tuple[int, int]) -> None:
        self._cols = max(1, math.ceil(size[0] / CELL))
        self._rows = max(1, math.ceil(size[1] / CELL))
        self._taken = np.zeros((self._rows, self._cols), dtype=bool)

    def copy(self) -> "LabelGrid":
        twin = LabelGrid.__new__(LabelGrid)
        twin._cols, twin._rows, twin._taken = self._cols, self._rows, self._taken.copy()
        return twin

    def _cells(self, rect: QRectF) -> tuple[slice, slice] | None:
        left = int(math.floor(rect.left() / CELL))
        top = int(math.floor(rect.top() / CELL))
        right = int(math.ceil(rect.right() / CELL))
        bottom = int(math.ceil(rect.bottom() / CELL))
        if left < 0 or top < 0 or right > self._cols or bottom > self._rows:
            return None
        return slice(top, bottom), slice(left, right)

    def fits(self, rect: QRectF) -> bool:
        """True when the rectangle lies inside the output and touches nothing taken."""
        cells = self._cells(rect)
        return cells is not None and not self._taken[cells].any()

    def fit_many(self, lefts: np.ndarray, tops: np.ndarray, widths: np.ndarray, heights: np.ndarray) -> np.ndarray:
        """:meth:`fits` for many rectangles at once, against the grid as it is now."""
        sat = np.zeros((self._rows + 1, self._cols + 1), dtype=np.int32)
        np.cumsum(np.cumsum(self._taken, axis=0, dtype=np.int32), axis=1, out=sat[1:, 1:])
        left = np.floor(lefts / CELL).astype(np.intp)
        top = np.floor(tops / CELL).astype(np.intp)
        right = np.ceil((lefts + widths) / CELL).astype(np.intp)
        bottom = np.ceil((tops + heights) / CELL).astype(np.intp)
        inside = (left >= 0) & (top >= 0) & (right <= self._cols) & (bottom <= self._rows)
        left, right = np.clip(left, 0, self._cols), np.clip(right, 0, self._cols)
        top, bottom = np.clip(top, 0, self._rows), np.clip(bottom, 0, self._rows)
        taken = sat[bottom, right] - sat[top, right] - sat[bottom, left] + sat[top, left]
        return inside & (taken == 0)

    def take(self, rect: QRectF) -> None:
        cells = self._cells(rect)
        if cells is None:
            rows = slice(max(0, int(rect.top() // CELL)), max(0, int(math.ceil(rect.bottom() / CELL))))
            cols = slice(max(0, int(rect.left() // CELL)), max(0, int(math.ceil(rect.right() / CELL))))
            cells = rows, cols
        self._taken[cells] = True

    def take_points(self, xy: np.ndarray, radius: float) -> None:
        """Reserve the cells under a square of ``radius`` pixels around each of many points at once.

        Each point's block of cells goes into a difference grid (+1 at its top-left corner, -1
        past its right and bottom edges, +1 past both), whose running sums over rows and columns
        are above zero exactly on the cells some block covers: one pass however many points."""
        if not len(xy):
            return
        rows, cols = self._rows, self._cols
        xy = np.asarray(xy)
        # Each edge per axis, made where it lies (the same operations in the same order as on
        # the whole (n, 2) array, so the same cells): a million markers' fresh temporaries cost
        # an export more in page faults than their arithmetic.
        c0, c1 = _cell_span(xy[:, 0], radius, cols)
        r0, r1 = _cell_span(xy[:, 1], radius, rows)
        keep = c0 < c1
        keep &= r0 < r1  # blocks wholly outside the output take nothing
        kept = int(np.count_nonzero(keep))
        if not kept:
            return
        span = int(math.floor(2 * radius / CELL)) + 2  # a block is at most this many cells each way
        if kept > span * span * rows * cols // 4:
            c0, r0, c1, r1 = _distinct_blocks(c0, r0, c1, r1, rows, cols, span, keep)
        elif kept < len(keep):
            c0, r0, c1, r1 = c0[keep], r0[keep], c1[keep], r1[keep]
        width = cols + 1
        corners = np.concatenate((r0 * width + c0, r0 * width + c1, r1 * width + c0, r1 * width + c1))
        signs = np.repeat(np.array([1.0, -1.0, -1.0, 1.0]), len(c0))
        grid = np.bincount(corners, weights=signs, minlength=(rows + 1) * width).reshape(rows + 1, width)
        covered = grid.cumsum(axis=0).cumsum(axis=1)[:rows, :cols] > 0.5
        self._taken |= covered


def _cell_span(values: np.ndarray, radius: float, cells: int) -> tuple[np.ndarray, np.ndarray]:
    """The first cell and one past the last that ``radius`` around each value reaches, clipped
    to ``0 .. cells``: ``floor((v - radius) / CELL)`` and ``floor((v + radius) / CELL) + 1``."""
    scratch = np.subtract(values, radius)
    low = np.floor(np.divide(scratch, CELL, out=scratch), out=scratch).astype(np.intp)
    np.add(values, radius, out=scratch)
    high = np.floor(np.divide(scratch, CELL, out=scratch), out=scratch).astype(np.intp)
    np.maximum(low, 0, out=low)
    high += 1
    np.minimum(high, cells, out=high)
    return low, high


def _distinct_blocks(c0, r0, c1, r1, rows: int, cols: int, span: int, keep: np.ndarray) -> tuple[np.ndarray, ...]:
    """Each block of cells once: a million markers on a picture of some 100,000 cells cover far
    fewer distinct blocks, and the difference grid needs each only once (a block taken twice
    covers the same cells). A block is its top-left cell and its size (1 to ``span`` cells each
    way), marked on a grid of those, so no sort; a block not ``keep`` (outside the output) is
    marked in one spare slot past the grid instead of being picked out first. The edge arrays
    are consumed: the marks are made in ``c1``'s array."""
    cells = rows * cols
    mark = c1
    mark -= c0
    mark -= 1
    mark *= span
    r1 -= r0
    r1 -= 1
    mark += r1  # the block's size, (width - 1) * span + (height - 1)
    mark *= cells
    r0 *= cols
    mark += r0
    mark += c0
    mark[~keep] = span * span * cells
    used = np.zeros(span * span * cells + 1, dtype=bool)
    used[mark] = True
    size, start = np.divmod(np.flatnonzero(used[:-1]), cells)
    r0, c0 = np.divmod(start, cols)
    wide, tall = np.divmod(size, span)
    return c0, r0, c0 + wide + 1, r0 + tall + 1


def draw_halo_text(painter: QPainter, origin: QPointF, text: str, font: QFont, color: QColor, halo: QColor = HALO) -> None:
    """Text with a light outline, readable over any land, line or fill."""
    path = QPainterPath()
    path.addText(origin, font, text)
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    halo_pen = QPen(halo, 3.0)
    halo_pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    painter.strokePath(path, halo_pen)
    painter.fillPath(path, color)
    painter.restore()


def candidate_places(x, y, offset, width, height) -> list[tuple]:
    """The top-left corners of a point's label places, best first: right, left, above, below,
    then the four corners (upper right, lower right, upper left, lower left), as QGIS's
    cartographic placement tries eight positions: in a crowded spot (Minsk beside Moscow's and
    Kyiv's stacks) the sides are often taken while a corner is free.

    Plain arithmetic: for one label (floats) or many at once (numpy arrays)."""
    diagonal = offset * DIAGONAL_REACH
    return [
        (x + offset, y - height / 2),
        (x - offset - width, y - height / 2),
        (x - width / 2, y - offset - height),
        (x - width / 2, y + offset),
        (x + diagonal, y - diagonal - height),
        (x + diagonal, y + diagonal),
        (x - diagonal - width, y - diagonal - height),
        (x - diagonal - width, y + diagonal),
    ]


DIAGONAL_REACH = 0.75
"""A corner place's distance from the point, per axis, as a share of the side places' offset."""


def candidate_rects(
    x: float, y: float, offset: float, metrics: QFontMetricsF, text: str, width: float | None = None
) -> list[tuple[QRectF, QPointF]]:
    """Places for a point's label, best first (see :func:`candidate_places`); with each baseline.

    ``width`` is the text's advance when the caller has measured it already."""
    if width is None:
        width = metrics.horizontalAdvance(text)
    ascent, descent = metrics.ascent(), metrics.descent()
    height = ascent + descent
    return [
        (QRectF(left, top, width, height), QPointF(left, top + ascent))
        for left, top in candidate_places(x, y, offset, width, height)
    ]
