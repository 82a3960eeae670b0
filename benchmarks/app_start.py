"""Time from process start to the first paint of the main window, as ``influencemap`` starts it.

    INFLUENCEMAP_BENCH_T0=<time.time() when the process was spawned> python benchmarks/app_start.py [PATH ...]

Runs the real ``run_app`` (offscreen), notes the first paint event of the main window and the
canvas's first rendered map frame, prints both (seconds after spawn) as JSON, and quits.
"""

from __future__ import annotations

import json
import os
import sys
import time

T0 = float(os.environ.get("INFLUENCEMAP_BENCH_T0", time.time()))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEvent, QObject, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication, QMainWindow, QWidget  # noqa: E402

marks: dict[str, float] = {}


class FirstPaint(QObject):
    def eventFilter(self, watched, event):  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.Paint and "paint" not in marks and isinstance(watched, QWidget):
            window = watched.window()
            if isinstance(window, QMainWindow):
                marks["paint"] = time.time() - T0
                _watch_canvas(window)
        return False


def _watch_canvas(window) -> None:
    canvas = getattr(window, "canvas", None)
    if canvas is not None and hasattr(canvas, "frameRendered"):
        def on_frame():
            marks.setdefault("map_frame", time.time() - T0)
            QTimer.singleShot(0, window.close)
        canvas.frameRendered.connect(on_frame)
    QTimer.singleShot(15000, window.close)  # never wait for ever


def main() -> int:
    app = QApplication(sys.argv[:1])
    watcher = FirstPaint()
    app.installEventFilter(watcher)
    marks["qt_ready"] = time.time() - T0
    from influencemap.ui.app import run_app

    run_app(sys.argv[1:])
    print(json.dumps(marks))
    return 0


if __name__ == "__main__":
    sys.exit(main())
