"""The app opening a million cached features: UI-thread stalls, map drawn, memory, pan and zoom.

    python benchmarks/app_1m.py [--count N] [--runs R] [--work DIR] [--format geojson]

Uses the layer folders of ``benchmarks/bulk_1m.py`` (written there if missing). The load cache
entry of the file is made first (``influencemap validate``), on top of the app's other caches.
Then, whole processes:

- ``benchmarks/app_responsive.py FOLDER`` under ``/usr/bin/time``: when the features were shown
  and their first map frame drawn (seconds after spawn), the longest and 99th-percentile gap of
  a 5 ms timer on the UI thread (what a user feels as a freeze), and peak resident memory;
- this script with ``--paints``: the real main window on the folder; once its frame is drawn,
  ``canvas.repaint()`` right after each pan step and each zoom step while the new frame is
  pending (the cached image moved or scaled: ``benchmarks/canvas.py``'s measure), and the
  worker's whole-layer frames.

With ``--before SRC`` (another checkout's ``src``) each measurement is also made with that code,
alternating with this one.

Targets (issue 14): longest stall ≤ 200 ms, map drawn ≤ 3 s, memory ≤ 1.5 GB, pan/zoom ≤ 16 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def paints(folder: str, repeats: int) -> int:
    """In this process: the window on FOLDER, then the pan and zoom paints (JSON on stdout)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from canvas import log, settle, summary, time_frames, time_paints, pan_step, wait_until, zoom_step
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    from influencemap.ui.main_window import MainWindow

    result: dict[str, object] = {}
    with tempfile.TemporaryDirectory(prefix="influencemap-app1m-") as tmp:
        settings = QSettings(str(Path(tmp) / "window.ini"), QSettings.Format.IniFormat)
        started = time.perf_counter()
        window = MainWindow([folder], settings=settings, load_in_background=True)
        window.resize(1600, 1000)
        window.show()
        canvas = window.canvas
        wait_until(lambda: window.state.catalog.feature_count > 0, 300)
        result["shown_s"] = round(time.perf_counter() - started, 2)
        settle(canvas)
        result["features"] = window.state.catalog.feature_count
        log(f"{result['features']} features shown after {result['shown_s']} s")
        canvas.zoom_all()
        settle(canvas)
        renderer = canvas._renderer
        canvas._render_timer.stop()
        wait_until(lambda: not renderer.busy)
        result.update(summary("render_whole", time_frames(renderer, canvas.frame_settings(), window.state.catalog, 3)[0]))
        settle(canvas)
        result.update(summary("pan_paint", time_paints(canvas, pan_step(canvas), repeats)))
        settle(canvas)
        result.update(summary("zoom_paint", time_paints(canvas, zoom_step(canvas), repeats)))
        window.close()
    del app
    print(json.dumps(result))
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "influencemap-bench-1m")
    parser.add_argument("--format", default="geojson", choices=("geojson", "csv", "parquet"))
    parser.add_argument("--repeats", type=int, default=60, help="paints per pan and zoom case")
    parser.add_argument("--before", type=Path, help="the src folder of the code to compare with")
    parser.add_argument("--paints", metavar="FOLDER", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.paints:
        return paints(args.paints, args.repeats)

    from bulk_1m import prepare, uptime
    from run_all import PYTHON, ROOT, app_caches, env_with, run

    args.work.mkdir(parents=True, exist_ok=True)
    folder = prepare(args.work, args.count)[args.format]
    variants = [("", ROOT / "src")] if args.before is None else [("before: ", args.before), ("after: ", ROOT / "src")]
    envs = {}
    for name, source in variants:
        cache = args.work / f"app-1m-cache-{args.format}-{name.strip(': ') or 'ours'}"
        shutil.rmtree(cache, ignore_errors=True)
        shutil.copytree(app_caches(args.work), cache)
        envs[name] = env_with(INFLUENCEMAP_CACHE_DIR=str(cache), QT_QPA_PLATFORM="offscreen",
                              XDG_CONFIG_HOME=str(args.work / "xdg"), PYTHONPATH=str(source))
        seconds, _, peak = run([PYTHON, "-m", "influencemap", "validate", "-q", str(folder)], env=envs[name], timeout=900)
        print(json.dumps({"what": f"{name}fill the load cache (validate)", "seconds": round(seconds, 1), "peak_mb": round(peak)}), flush=True)
    for _ in range(args.runs):
        for name, _source in variants:
            env = dict(envs[name], INFLUENCEMAP_BENCH_T0=repr(time.time()))
            _, done, peak = run([PYTHON, str(ROOT / "benchmarks" / "app_responsive.py"), str(folder), "--seconds", "300"], env=env, timeout=400)
            try:
                data = json.loads(done.stdout.strip().splitlines()[-1])
            except (IndexError, ValueError):
                data = {"failed": done.stderr[-300:]}
            data.update(what=f"{name}app opening, cached", peak_mb=round(peak), load=uptime().split("load average:")[-1].strip())
            print(json.dumps(data), flush=True)
        for name, _source in variants:
            _, done, peak = run([PYTHON, __file__, "--paints", str(folder), "--repeats", str(args.repeats)], env=envs[name], timeout=600)
            try:
                data = json.loads(done.stdout.strip().splitlines()[-1])
            except (IndexError, ValueError):
                data = {"failed": done.stderr[-300:]}
            data.update(what=f"{name}pan and zoom, cached", peak_mb=round(peak), load=uptime().split("load average:")[-1].strip())
            print(json.dumps(data), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
