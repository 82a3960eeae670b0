"""Guards the PySide6 pin: 6.12.0 on Python 3.11 drops a reference to None on every void Qt call.

Ten thousand draws on such a build take None's reference count down by ten thousand (and a
long session takes it to zero: "Fatal Python error: none_dealloc"). The pinned 6.11.3 does not.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QLineF, QPointF, QRectF
from PySide6.QtGui import QColor, QImage, QPainter

DRAWS = 10_000


def test_ten_thousand_draws_do_not_eat_references_to_none(qapp):
    image = QImage(64, 64, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(QColor("white"))
    painter = QPainter(image)
    line = QLineF(0, 0, 63, 63)
    before = sys.getrefcount(None)
    for i in range(DRAWS // 2):
        painter.drawLine(line)
        painter.drawEllipse(QPointF(32, 32), i % 30, 5)
    after = sys.getrefcount(None)
    painter.fillRect(QRectF(0, 0, 1, 1), QColor("black"))
    painter.end()
    # Other code may drop a handful of references meanwhile; the bug drops one per call.
    assert after > before - DRAWS // 10, (before, after)
