"""How long the app's UI thread is ever kept from its events while it opens a big layer.

    INFLUENCEMAP_BENCH_T0=<time.time() at spawn> python benchmarks/app_responsive.py FOLDER [--seconds S]

Starts the real main window (offscreen) on FOLDER, as ``influencemap FOLDER`` does, with a
5 ms timer on the UI thread. Every late tick is time the window could not repaint or answer
a click: the longest such gap is what a user feels as a freeze. Runs until the layer is shown
and its first map frame drawn, plus one second, and prints JSON: when the catalog was shown
and the first frame of it drawn (seconds after spawn), the longest gap and the 99th percentile
of gaps (milliseconds), and the features shown.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

T0 = float(os.environ.get("INFLUENCEMAP_BENCH_T0", time.time()))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

TICK_MS = 5


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder")
    parser.add_argument("--seconds", type=float, default=60, help="give up after this long")
    args = parser.parse_args()
    app = QApplication(sys.argv[:1])
    from influencemap.ui.main_window import MainWindow

    window = MainWindow([args.folder], load_in_background=True)
    window.show()
    marks: dict[str, float] = {}
    gaps: list[float] = []
    last = [time.perf_counter()]

    def tick() -> None:
        now = time.perf_counter()
        gaps.append((now - last[0]) * 1000)
        last[0] = now

    def on_catalog() -> None:
        if window.state.catalog.feature_count and "shown" not in marks:
            marks["shown"] = time.time() - T0

    def on_frame() -> None:
        if "shown" in marks and "frame" not in marks:
            marks["frame"] = time.time() - T0
            QTimer.singleShot(1000, app.quit)

    window.state.catalogChanged.connect(on_catalog)
    window.canvas.frameRendered.connect(on_frame)
    timer = QTimer()
    timer.timeout.connect(tick)
    timer.start(TICK_MS)
    QTimer.singleShot(int(args.seconds * 1000), app.quit)
    app.exec()
    timer.stop()
    ordered = sorted(gaps)
    print(json.dumps({
        "shown": marks.get("shown", float("nan")),
        "frame": marks.get("frame", float("nan")),
        "longest_gap_ms": round(ordered[-1], 1) if ordered else float("nan"),
        "p99_gap_ms": round(ordered[int(len(ordered) * 0.99)], 1) if ordered else float("nan"),
        "features": window.state.catalog.feature_count,
    }))
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
