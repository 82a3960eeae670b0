"""The HTML export of big point layers (issue 14): export time, peak memory, file size, and the
time until a headless Chromium shows the clusters.

    python benchmarks/html_big.py [--sizes 10000,100000,1000000] [--work DIR] [--runs 1]
                                  [--folium] [--no-browser] [--before OLD/src]

For each size, benchmarks/make_big_layer.py writes the layer once (into ``--work``) and a
``validate`` run fills the load cache (not timed: the export is measured as a user repeats it,
with the layer cached). Each export is a whole ``influencemap export DIR -o map.html`` process
under ``/usr/bin/time`` (wall clock, CPU and peak resident memory). *Clusters visible* is the
time from the navigation's start until the page is ready (``influencemap.ready``) with its
clusters on the map, in the project's test harness (tests/export/test_html_browser.py: Debian's
headless Chromium over the DevTools pipe, 1600×1000, network blocked). ``--folium`` also times
plain folium on the 10,000 points (benchmarks/folium_plain.py). The load average (``uptime``)
is printed with every number: the machine is shared.

``--before OLD/src`` compares with other sources in the same run: each run exports with them,
then with ``--src``, alternating, each side with its own load cache (``WORK/cache-before``; a
shared one would hold only the last side's entry, whose key covers the loader's source files).
OLD must be a whole tree (``git archive COMMIT | tar -x -C OLD``: the package reads ``geodata/``
beside ``src/``).
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

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def load() -> str:
    return Path("/proc/loadavg").read_text().split()[0]


def timed(cmd: list[str], env: dict) -> dict:
    """Wall, CPU (user + system) and peak memory of one whole process."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as out:
        start = time.perf_counter()
        done = subprocess.run(["/usr/bin/time", "-f", "%U %S %M", "-o", out.name, *cmd], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        wall = time.perf_counter() - start
        user, system, peak = Path(out.name).read_text().split()[-3:]
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[:5])} failed: {done.stderr[-600:]}")
    return {"wall_s": round(wall, 2), "cpu_s": round(float(user) + float(system), 2), "peak_mb": round(int(peak) / 1024)}


def clusters_visible(page: Path) -> dict:
    """Seconds from navigation to a ready page with clusters drawn (canvas or DOM)."""
    sys.path.insert(0, str(ROOT))
    from tests.export.test_html_browser import Chromium, chromium_executable  # noqa: E402

    chrome = Chromium(chromium_executable(), Path(tempfile.mkdtemp(prefix="html-big-chromium-")))
    try:
        chrome.call("Emulation.setDeviceMetricsOverride", {"width": 1600, "height": 1000, "deviceScaleFactor": 1, "mobile": False}, session=True)
        chrome.call("Page.navigate", {"url": page.resolve().as_uri()}, session=True)
        shown = ("window.influencemap && influencemap.ready === true && ("
                 "(influencemap.bigPoints && influencemap.bigPoints.drawn().length > 0) || "
                 "document.querySelectorAll('.im-cluster, .im-marker').length > 0)")
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            try:
                if chrome.evaluate(f"!!({shown})", timeout=120):
                    break
            except Exception:  # noqa: BLE001 - the page's script is busy: ask again
                pass
            time.sleep(0.05)
        else:
            raise SystemExit(f"{page}: no clusters within 300 s; errors: {chrome.console_errors}")
        seconds = chrome.evaluate("performance.now()") / 1000
        timings = chrome.evaluate("JSON.stringify(Object.keys(influencemap.layers).map(function (k) { return influencemap.layers[k].timings; })"
                                  ".concat([influencemap.bigPoints ? influencemap.bigPoints.timings : null]))")
        return {"clusters_s": round(seconds, 2), "page_timings": json.loads(timings), "errors": chrome.console_errors}
    finally:
        chrome.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "influencemap-html-big")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--folium", action="store_true", help="also plain folium on the 10,000 points")
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--src", type=Path, default=ROOT / "src",
                        help="the influencemap sources to export with (e.g. an earlier commit's, from git archive)")
    parser.add_argument("--before", type=Path, default=None,
                        help="other sources (the src/ of a whole tree) to alternate with --src, run by run")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, INFLUENCEMAP_CACHE_DIR=str(args.work / "cache"), PYTHONPATH=str(args.src))
    sides = [("after" if args.before else "src", args.src, env)]
    if args.before:
        sides.insert(0, ("before", args.before, dict(os.environ, INFLUENCEMAP_CACHE_DIR=str(args.work / "cache-before"),
                                                     PYTHONPATH=str(args.before))))
    results = []
    for size in (int(s) for s in args.sizes.split(",")):
        folder = args.work / f"big{size}"
        if not (folder / "big.yaml").exists():
            subprocess.run([PYTHON, str(ROOT / "benchmarks" / "make_big_layer.py"), str(folder), str(size)], check=True, env=env)
        for _, _, side_env in sides:  # each side's load cache holds the layer before anything is timed
            subprocess.run([PYTHON, "-m", "influencemap", "validate", "-q", str(folder)], env=side_env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for run in range(args.runs):
            for side, src, side_env in sides:
                page = args.work / (f"map{size}.html" if len(sides) == 1 else f"map{size}-{side}.html")
                row = {"points": size, "side": side, "src": str(src), "run": run + 1, "load_before": load()}
                row.update(timed([PYTHON, "-m", "influencemap", "export", str(folder), "-o", str(page)], side_env))
                row["file_mb"] = round(page.stat().st_size / 1e6, 1)
                if not args.no_browser:
                    row.update(clusters_visible(page))
                row["load_after"] = load()
                print(json.dumps(row), flush=True)
                results.append(row)
        if args.folium and size == 10_000:
            geojson = args.work / "big10000.geojson"
            subprocess.run([PYTHON, "-m", "influencemap", "export", str(folder), "-o", str(geojson)], check=True, env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for run in range(args.runs):
                row = {"points": size, "folium": True, "run": run + 1, "load_before": load()}
                row.update(timed([PYTHON, str(ROOT / "benchmarks" / "folium_plain.py"), str(geojson), str(args.work / "folium.html")], env))
                row["file_mb"] = round((args.work / "folium.html").stat().st_size / 1e6, 1)
                row["load_after"] = load()
                print(json.dumps(row), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
