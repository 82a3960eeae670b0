"""A click on the biggest stack marker of a big layer: the What's-here list opened (issue 14).

    INFLUENCEMAP_CACHE_DIR=/tmp/some-cache QT_QPA_PLATFORM=offscreen \\
        python benchmarks/whats_here_big.py FOLDER [--repeats 5] [--before OTHER/src]

Opens the real ``MainWindow`` on FOLDER (e.g. the 1M GeoJSON folder of ``benchmarks/bulk_1m.py``),
shows the whole layer, waits for its frame, then clicks (``canvas.select_at``, as a mouse click
does) on the three biggest stack markers of that frame, ``--repeats`` times each, with nothing
selected (``click_biggest``): the list is grouped, filled, shown and its visible rows painted.
Then End is pressed in the open list (the cursor to the marker's last feature: every row fetched
and laid out), Enter (that feature selected, details shown), and the marker clicked again
(``click_selected_last``: the selected feature, the list's last row, starts current). Each
timing includes the events the step posted (the view's delayed layout) and a repaint.

Each case gives the wall-clock and UI-thread CPU time (``time.thread_time``) as in
``benchmarks/canvas.py``, with the marker's count. With ``--before SRC`` every measurement is
also made by another checkout's code in its own process, alternating with this one, so both see
the same load. The last line on stdout is one JSON object; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def measure(folder: str, repeats: int) -> dict:
    """In this process: the window on FOLDER, then the clicks on the biggest markers."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from canvas import Timings, log, settle, summary, wait_until
    from PySide6.QtCore import QPointF, QSettings, Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    from influencemap.ui.main_window import MainWindow

    result: dict[str, object] = {}
    with tempfile.TemporaryDirectory(prefix="influencemap-bigmarker-") as tmp:
        settings = QSettings(str(Path(tmp) / "window.ini"), QSettings.Format.IniFormat)
        window = MainWindow([folder], settings=settings, load_in_background=True)
        window.resize(1600, 1000)
        window.show()
        canvas = window.canvas
        wait_until(lambda: window.state.catalog.feature_count > 0, 300)
        log(f"{window.state.catalog.feature_count} features shown")
        settle(canvas)
        canvas.zoom_all()
        settle(canvas)
        wait_until(lambda: canvas._frame is not None and canvas._frame.report.markers is not None, 120)
        result["features"] = window.state.catalog.feature_count
        log("frame drawn")
        frame = canvas._frame
        stacks = frame.report.markers.stacks
        biggest = stacks.count.argsort()[::-1][:3]
        listed = window.whats_here
        clicks, ends, enters, reopens = Timings(), Timings(), Timings(), Timings()
        counts = []

        def settled(function):
            """``function`` and the events it posts (the view's delayed layout counts too)."""
            def run():
                function()
                app.processEvents()
                if listed.isVisible():
                    listed.viewport().repaint()
            return run

        for i in biggest.tolist():
            scale = canvas.width() / frame.settings.width if frame.settings.width else 1.0
            pixel = QPointF(float(stacks.x[i]) * scale, float(stacks.y[i]) * scale)
            click = settled(lambda: canvas.select_at(pixel))
            for _ in range(repeats):
                window.state.select(None)
                app.processEvents()
                clicks.time(click)
                if not listed.isVisible():
                    continue
                counts.append(listed.model().feature_count())
                ends.time(settled(lambda: QTest.keyClick(listed, Qt.Key.Key_End)))
                enters.time(settled(lambda: QTest.keyClick(listed, Qt.Key.Key_Return)))
                listed.close()
                app.processEvents()
                reopens.time(click)  # the chosen feature, the marker's last, starts current
                listed.close()
                app.processEvents()
        log(f"marker sizes {sorted(set(counts))}")
        result["marker_features_max"] = max(counts) if counts else 0
        result.update(summary("click_biggest", clicks))
        result.update(summary("end_key", ends))
        result.update(summary("enter_key", enters))
        result.update(summary("click_selected_last", reopens))
        window.close()
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--runs", type=int, default=1, help="processes per code (alternating with --before)")
    parser.add_argument("--before", type=Path, help="the src folder of the code to compare with")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.folder, args.repeats)))
        return 0
    ours = Path(__file__).resolve().parent.parent / "src"
    codes = [("after", ours)] + ([("before", args.before.resolve())] if args.before else [])
    results: dict[str, list] = {name: [] for name, _ in codes}
    for _ in range(args.runs):
        for name, src in codes:
            env = dict(os.environ, PYTHONPATH=str(src))
            uptime = Path("/proc/loadavg").read_text().split()[:3]
            out = subprocess.run([sys.executable, __file__, args.folder, "--measure", "--repeats", str(args.repeats)],
                                 env=env, capture_output=True, text=True, check=True)
            measured = json.loads(out.stdout.strip().splitlines()[-1])
            measured["load_before_run"] = " ".join(uptime)
            results[name].append(measured)
            print(name, json.dumps(measured), file=sys.stderr)
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
