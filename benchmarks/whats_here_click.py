"""Clicks on the biggest stack markers of a big layer at several zooms: What's here's worst case (issue 14).

    INFLUENCEMAP_CACHE_DIR=/tmp/some-cache QT_QPA_PLATFORM=offscreen \\
        python benchmarks/whats_here_click.py FOLDER [--repeats 20] [--markers 4] [--runs 2 --before OTHER/src]

Opens the real ``MainWindow`` on FOLDER (e.g. the 100k layer of ``benchmarks/make_big_layer.py``),
1600×1000, and for each view in ``--views`` (``world``: the whole world; ``whole``: the whole
layer, ``canvas.zoom_all``; ``out2``: the whole layer zoomed out 2×; ``in2``: zoomed in 2× on its
middle) waits for the view's frame, then clicks the ``--markers`` biggest stack markers of that
frame round-robin, ``--repeats`` times each, with nothing selected. A click is a real left
press and release on the canvas (``QTest.mousePress``/``mouseRelease``: the map tool's
``select_at`` and then ``hover_at``, as the mouse does), then the events it posted and a
repaint of the list; the list is closed between clicks (not timed).

Each click gives wall-clock and UI-thread CPU time (``time.thread_time``) and the time the
cyclic garbage collector ran during it (``gc.callbacks``). The summary per view: median, p95,
max; the session's very first click is reported apart (``first_click_*``: it reads what a
session reads once, e.g. the gazetteer that names the marker's place) and left out of the
views' numbers. Before it the mouse moves onto the marker, as a real one does
(``first_hover_*``: the tooltip, which builds the first features of the session; ``--no-hover``
clicks without it, so the click pays that too). ``--profile DIR`` runs each click under ``cProfile`` and writes the slowest
clicks' profiles there (the times then include the profiler's overhead).

With ``--before SRC`` every measurement is also made by another checkout's code in its own
process, alternating with this one, so both see the same load. Each code gets its own cache
folder (``after``/``before`` under ``INFLUENCEMAP_CACHE_DIR``, or under a temporary folder): the
load cache is keyed on the code, and one shared folder would read the layer afresh every time.
A first process per code fills its folder and is not counted (``--warm 0``: none), so the
measured runs are later sessions, as the user's are. The last line on stdout is one JSON
object; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

WORLD_BBOX = (-180.0, -60.0, 180.0, 75.0)
VIEWS = ("world", "out2", "whole", "in2")


class GcClock:
    """Seconds the cyclic garbage collector ran since :meth:`reset` (``gc.callbacks``)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.collections = 0
        self._started = 0.0
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._started
            self.collections += 1

    def reset(self) -> None:
        self.seconds, self.collections = 0.0, 0


def stats(name: str, samples: list[dict]) -> dict:
    """Median, p95 and max (ms) of the clicks' wall, CPU and GC times; where the max was."""
    if not samples:
        return {}
    out: dict[str, object] = {f"{name}_n": len(samples)}
    for key in ("wall", "cpu", "gc"):
        ms = sorted(s[key] * 1000 for s in samples)
        out[f"{name}_{key}_ms_median"] = round(statistics.median(ms), 2)
        out[f"{name}_{key}_ms_p95"] = round(ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))], 2)
        out[f"{name}_{key}_ms_max"] = round(ms[-1], 2)
    worst = max(samples, key=lambda s: s["wall"])
    out[f"{name}_worst"] = {k: (round(v * 1000, 2) if isinstance(v, float) else v) for k, v in worst.items()}
    out[f"{name}_features"] = sorted({s["features"] for s in samples}, reverse=True)
    return out


def measure(folder: str, views: list[str], markers: int, repeats: int, profile_dir: str | None,
            hover: bool = True) -> dict:
    """In this process: the window on FOLDER, then the clicks."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from canvas import log, settle, wait_until
    from PySide6.QtCore import QPoint, QSettings, Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    from influencemap.ui.main_window import MainWindow

    clock = GcClock()
    result: dict[str, object] = {}
    profiles: list[tuple[float, str, object]] = []
    with tempfile.TemporaryDirectory(prefix="influencemap-click-") as tmp:
        settings = QSettings(str(Path(tmp) / "window.ini"), QSettings.Format.IniFormat)
        window = MainWindow([folder], settings=settings, load_in_background=True)
        window.resize(1600, 1000)
        window.show()
        canvas = window.canvas
        listed = window.whats_here
        wait_until(lambda: window.state.catalog.feature_count > 0, 300)
        result["features"] = window.state.catalog.feature_count
        log(f"{result['features']} features shown")
        first_done = False
        sequence = 0

        def click_once(pixel: QPoint, view: str, marker: int, count: int) -> dict:
            nonlocal sequence
            window.state.select(None)
            app.processEvents()
            profiler = None
            if profile_dir:
                import cProfile
                profiler = cProfile.Profile()
            clock.reset()
            started, started_cpu = time.perf_counter(), time.thread_time()
            if profiler:
                profiler.enable()
            QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pixel)
            QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pixel)
            app.processEvents()
            if listed.isVisible():
                listed.viewport().repaint()
            if profiler:
                profiler.disable()
            wall, cpu = time.perf_counter() - started, time.thread_time() - started_cpu
            sample = {"wall": wall, "cpu": cpu, "gc": clock.seconds, "gcs": clock.collections, "view": view,
                      "marker": marker, "features": count, "listed": listed.model().feature_count() if listed.isVisible() else 0,
                      "seq": sequence}
            sequence += 1
            if profiler:
                profiles.append((wall, f"{view}-m{marker}-seq{sample['seq']}", profiler))
                profiles.sort(key=lambda p: -p[0])
                del profiles[4:]
            listed.close()
            app.processEvents()
            return sample

        for view in views:
            if view == "world":
                canvas.set_extent(*WORLD_BBOX)
            else:
                canvas.zoom_all()
                if view == "out2":
                    canvas.zoom_by(0.5)
                elif view == "in2":
                    canvas.zoom_by(2.0)
            settle(canvas)
            wait_until(lambda: canvas._frame is not None and canvas._frame.report.markers is not None, 120)
            frame = canvas._frame
            stacks = frame.report.markers.stacks
            biggest = stacks.count.argsort()[::-1][:markers].tolist()
            scale = canvas.width() / frame.settings.width if frame.settings.width else 1.0
            pixels = [QPoint(round(float(stacks.x[i]) * scale), round(float(stacks.y[i]) * scale)) for i in biggest]
            counts = [int(stacks.count[i]) for i in biggest]
            log(f"{view}: markers of {counts}")
            # Let the worker finish what follows a frame (the hit-test index) before timing.
            time.sleep(0.5)
            app.processEvents()
            if not first_done:
                if hover:
                    clock.reset()
                    started, started_cpu = time.perf_counter(), time.thread_time()
                    QTest.mouseMove(canvas, pixels[0])
                    app.processEvents()
                    moved = {"wall": time.perf_counter() - started, "cpu": time.thread_time() - started_cpu,
                             "gc": clock.seconds, "gcs": clock.collections, "features": counts[0]}
                    result.update(stats("first_hover", [moved]))
                first = click_once(pixels[0], view, 0, counts[0])
                result.update(stats("first_click", [first]))
                first_done = True
            samples = []
            for _ in range(repeats):
                for m, pixel in enumerate(pixels):
                    samples.append(click_once(pixel, view, m, counts[m]))
            result.update(stats(view, samples))
            log(f"{view}: median {result[f'{view}_wall_ms_median']} ms, max {result[f'{view}_wall_ms_max']} ms "
                f"(cpu max {result[f'{view}_cpu_ms_max']}, gc max {result[f'{view}_gc_ms_max']})")
        window.close()
    if profile_dir:
        Path(profile_dir).mkdir(parents=True, exist_ok=True)
        for wall, name, profiler in profiles:
            path = Path(profile_dir) / f"{int(wall * 1000):05d}ms-{name}.prof"
            profiler.dump_stats(str(path))
            log(f"profile {path}")
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder")
    parser.add_argument("--views", default=",".join(VIEWS), help=f"comma-separated, of {', '.join(VIEWS)}")
    parser.add_argument("--markers", type=int, default=4, help="the biggest markers clicked per view")
    parser.add_argument("--repeats", type=int, default=20, help="clicks per marker and view")
    parser.add_argument("--runs", type=int, default=1, help="processes per code (alternating with --before)")
    parser.add_argument("--before", type=Path, help="the src folder of the code to compare with")
    parser.add_argument("--no-hover", action="store_true", help="the first click without a mouse move onto the marker")
    parser.add_argument("--warm", type=int, default=1, help="uncounted processes per code first (fill its cache)")
    parser.add_argument("--profile", help="write the slowest clicks' cProfile stats to this folder")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    views = [v for v in args.views.split(",") if v]
    if args.measure:
        print(json.dumps(measure(args.folder, views, args.markers, args.repeats, args.profile, not args.no_hover)))
        return 0
    ours = Path(__file__).resolve().parent.parent / "src"
    codes = [("after", ours)] + ([("before", args.before.resolve())] if args.before else [])
    results: dict[str, list] = {name: [] for name, _ in codes}
    with tempfile.TemporaryDirectory(prefix="influencemap-click-caches-") as spare:
        caches = Path(os.environ.get("INFLUENCEMAP_CACHE_DIR") or spare)

        def run(name: str, src: Path, repeats: int, profile: bool) -> dict:
            env = dict(os.environ, PYTHONPATH=str(src), INFLUENCEMAP_CACHE_DIR=str(caches / name))
            load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
            command = [sys.executable, __file__, args.folder, "--measure", "--views", args.views,
                       "--markers", str(args.markers), "--repeats", str(repeats)] + (["--no-hover"] if args.no_hover else [])
            if profile:
                command += ["--profile", str(Path(args.profile) / name)]
            out = subprocess.run(command, env=env, capture_output=True, text=True)
            if out.returncode:
                raise SystemExit(f"{name} failed:\n{out.stderr[-3000:]}")
            measured = json.loads(out.stdout.strip().splitlines()[-1])
            measured["load_before_run"] = load
            return measured

        for _ in range(args.warm):
            for name, src in codes:
                run(name, src, 1, False)
                print(name, "warm-up done", file=sys.stderr)
        for _ in range(args.runs):
            for name, src in codes:
                measured = run(name, src, args.repeats, bool(args.profile))
                results[name].append(measured)
                print(name, json.dumps(measured), file=sys.stderr)
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
