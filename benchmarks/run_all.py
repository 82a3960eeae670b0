"""Run every benchmark of issue 8 side by side and write docs/performance.md.

    python benchmarks/run_all.py [--runs 3] [--work DIR] [--out docs/performance.md]
                                 [--no-before] [--no-qgis] [--no-browser]

Needs ``pip install -e ".[test,bench]"`` (pyinstrument, for the profile) and, for the
comparison with QGIS, Debian's ``qgis`` and ``python3-qgis`` (``xvfb`` is not needed).

What runs (each whole process timed with a wall clock; the median of ``--runs`` is reported):

- start to first painted window: ``run_app`` on the bundled layers, offscreen (benchmarks/app_start.py)
- a 100,000-feature YAML layer: first load, cache written, reload, peak memory (benchmarks/load_layer.py);
  a fresh ``influencemap validate`` process on it with the cache warm; the same before this work
  (the loader of ``BEFORE_COMMIT``, unless ``--no-before``)
- ``export -o map.png`` of the 100,000 points, and QGIS 3.22 rendering the same points from
  GeoJSON to a 1600×1000 PNG (benchmarks/qgis_render.py, with the system python3)
- ``export -o map.html`` of 10,000 points, and plain folium with a Marker and Popup per feature
  (benchmarks/folium_plain.py); file sizes; time to open each in headless Chromium
- the map canvas with the 100,000 points (benchmarks/canvas.py): paint of a pan or zoom step from
  the cached image, worker frames, hit-tests and hovers
- the app opening the 100,000 points (benchmarks/app_responsive.py): when they show, and the
  longest time its UI thread is kept from its events meanwhile, from the load cache and without it

The machine (CPU, cores, memory), the date and the commit are written with the results.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
SYSTEM_PYTHON = "/usr/bin/python3"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                  "--hide-scrollbars", "--window-size=1600,1000"]


def run(cmd: list[str], env: dict | None = None, timeout: float = 600, cwd: Path | None = None) -> tuple[float, subprocess.CompletedProcess, float]:
    """(seconds, the finished process, peak memory in MB) of one whole process."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as rss:
        full = ["/usr/bin/time", "-f", "%M", "-o", rss.name, *cmd] if Path("/usr/bin/time").exists() else cmd
        start = time.perf_counter()
        done = subprocess.run(full, env=env, capture_output=True, text=True, timeout=timeout, cwd=cwd)
        seconds = time.perf_counter() - start
        text = Path(rss.name).read_text().strip().splitlines()
        peak = int(text[-1]) / 1024 if text and text[-1].isdigit() else float("nan")
    if done.returncode != 0:
        print(f"  ! {' '.join(cmd[:4])} … exited {done.returncode}: {done.stderr[-400:]}", file=sys.stderr)
    return seconds, done, peak


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def env_with(**extra: str) -> dict:
    env = dict(os.environ)
    env.update(extra)
    return env


def machine() -> dict:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))  # type: ignore[union-attr]
        memory = f"{kb / 1024 / 1024:.0f} GiB"
    except (OSError, AttributeError):
        pass
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    return {
        "date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory": memory,
        "os": platform.platform(),
        "python": platform.python_version(),
        "commit": commit + (" with uncommitted changes" if dirty else ""),
        "load": Path("/proc/loadavg").read_text().split()[:3] if Path("/proc/loadavg").exists() else [],
    }


# -- the benchmarks --------------------------------------------------------------------------------


def bench_app_start(work: Path, runs: int) -> dict:
    results: dict[str, list[float]] = {"cold paint": [], "warm paint": [], "warm map frame": []}
    config = work / "xdg"
    for i in range(runs):
        cache = work / f"app-cache-{i}"
        shutil.rmtree(cache, ignore_errors=True)
        for state in ("cold", "warm"):
            env = env_with(INFLUENCEMAP_CACHE_DIR=str(cache), XDG_CONFIG_HOME=str(config), QT_QPA_PLATFORM="offscreen",
                           INFLUENCEMAP_BENCH_T0=repr(time.time()))
            _, done, _ = run([PYTHON, str(ROOT / "benchmarks" / "app_start.py")], env=env, timeout=120)
            try:
                marks = json.loads(done.stdout.strip().splitlines()[-1])
            except (IndexError, ValueError):
                continue
            results[f"{state} paint"].append(marks.get("paint", float("nan")))
            if state == "warm" and "map_frame" in marks:
                results["warm map frame"].append(marks["map_frame"])
    return {k: median(v) for k, v in results.items()}


_APP_CACHES_MADE: set[Path] = set()


def app_caches(work: Path) -> Path:
    """A cache folder with what any earlier run of the app leaves there (the bundled layers' load
    entries, the gazetteer's and the basemap lookup's indexes, and the drawn basemap's outlines:
    from drawing the bundled layers with the app's renderer), but no entry for the big file."""
    folder = work / "app-caches"
    if folder not in _APP_CACHES_MADE:  # made anew by each run: the code may have changed
        shutil.rmtree(folder, ignore_errors=True)
        _APP_CACHES_MADE.add(folder)
        run([PYTHON, "-m", "influencemap", "export", "-o", str(work / "bundled.png")],
            env=env_with(INFLUENCEMAP_CACHE_DIR=str(folder), QT_QPA_PLATFORM="offscreen"), timeout=600)
    return folder


def bench_load(folder: Path, work: Path, runs: int, name: str) -> dict:
    firsts, written, built, reloads, peaks, imports, cpus, empties = [], [], [], [], [], [], [], []
    for i in range(runs):
        cache = work / f"load-cache-{name}-{i}"
        shutil.rmtree(cache, ignore_errors=True)
        # The first load of this file in a cache folder with nothing at all (the app's first run ever).
        _, done, _ = run([PYTHON, str(ROOT / "benchmarks" / "load_layer.py"), str(folder)],
                         env=env_with(INFLUENCEMAP_CACHE_DIR=str(cache)), timeout=900)
        try:
            empties.append(json.loads(done.stdout.strip().splitlines()[-1])["first"])
        except (IndexError, ValueError, KeyError):
            pass
        # Then the first load of this file as a user meets it: the app's own caches are there.
        shutil.rmtree(cache, ignore_errors=True)
        shutil.copytree(app_caches(work), cache)
        cmd = [PYTHON, str(ROOT / "benchmarks" / "load_layer.py"), str(folder)]
        if i == 0:
            cmd += ["--profile", str(work / f"profile-first-load-{name}.txt")]
        _, done, _ = run(cmd, env=env_with(INFLUENCEMAP_CACHE_DIR=str(cache)), timeout=900)
        try:
            data = json.loads(done.stdout.strip().splitlines()[-1])
        except (IndexError, ValueError):
            continue
        if i == 0 and runs > 1:
            continue  # the profiled run is slower: not counted
        firsts.append(data["first"])
        cpus.append(data.get("first_cpu", float("nan")))
        written.append(data["written"])
        built.append(data.get("built", float("nan")))
        reloads.append(data["reload"])
        peaks.append(data["peak_mb"])
        imports.append(data["imports"])
    validate = []
    validate_peak = []
    cache = work / f"load-cache-{name}-{runs - 1}"
    for _ in range(runs):
        seconds, done, peak = run([PYTHON, "-m", "influencemap", "validate", "-q", str(folder)],
                                  env=env_with(INFLUENCEMAP_CACHE_DIR=str(cache)), timeout=900)
        validate.append(seconds)
        validate_peak.append(peak)
    cold = []
    for i in range(max(1, runs - 1)):
        empty = work / f"validate-cold-{name}-{i}"
        shutil.rmtree(empty, ignore_errors=True)
        seconds, _, _ = run([PYTHON, "-m", "influencemap", "validate", "-q", str(folder)],
                            env=env_with(INFLUENCEMAP_CACHE_DIR=str(empty)), timeout=900)
        cold.append(seconds)
    return {
        "imports": median(imports), "first": median(firsts), "first_cpu": median(cpus), "first_empty": median(empties),
        "written": median(written), "built": median(built), "reload": median(reloads),
        "peak_mb": median(peaks), "validate_warm": median(validate), "validate_warm_peak_mb": median(validate_peak),
        "validate_cold": median(cold),
    }


BEFORE_COMMIT = "b26d600"
"""The last commit before issue 8's work: its loader is the *before* column."""


def bench_before(folder: Path, work: Path) -> dict:
    """The loader of :data:`BEFORE_COMMIT`, in its own tree: one load, whole process."""
    base = work / f"before-{BEFORE_COMMIT}"
    if not (base / "src").exists():
        base.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", "archive", BEFORE_COMMIT, "src", "geodata", "layers", "schema"], cwd=ROOT, capture_output=True)
        subprocess.run(["tar", "-x", "-C", str(base)], input=archive.stdout, check=True)
    script = (
        "import time,sys;t=time.perf_counter();from influencemap.model.loader import load_catalog;"
        "i=time.perf_counter();c=load_catalog([sys.argv[1]]);e=time.perf_counter();"
        "import resource;print(i-t,e-i,c.feature_count,resource.getrusage(resource.RUSAGE_SELF).ru_maxrss/1024)"
    )
    seconds, done, _ = run([PYTHON, "-c", script, str(folder)], env=env_with(PYTHONPATH=str(base / "src"),
                           INFLUENCEMAP_CACHE_DIR=str(work / "before-cache")), timeout=1800)
    try:
        imports, load, features, peak = done.stdout.split()
        return {"load": float(load), "process": seconds, "features": int(features), "peak_mb": float(peak)}
    except ValueError:
        return {}


def bench_png(folder: Path, geojson: Path, work: Path, runs: int, qgis: bool) -> dict:
    ours, ours_cold, theirs = [], [], []
    cache = work / "png-cache"
    shutil.rmtree(cache, ignore_errors=True)
    env = env_with(INFLUENCEMAP_CACHE_DIR=str(cache), QT_QPA_PLATFORM="offscreen")
    seconds, _, _ = run([PYTHON, "-m", "influencemap", "export", str(folder), "-o", str(work / "ours.png")], env=env, timeout=900)
    ours_cold.append(seconds)
    for _ in range(runs):
        seconds, _, _ = run([PYTHON, "-m", "influencemap", "export", str(folder), "-o", str(work / "ours.png")], env=env, timeout=900)
        ours.append(seconds)
        if qgis:
            seconds, done, _ = run([SYSTEM_PYTHON, str(ROOT / "benchmarks" / "qgis_render.py"), str(geojson), str(work / "qgis.png")],
                                   env=env_with(QT_QPA_PLATFORM="offscreen", XDG_RUNTIME_DIR=str(work / "xdg-runtime")), timeout=900)
            if done.returncode == 0:
                theirs.append(seconds)
    return {"ours": median(ours), "ours_cold_cache": median(ours_cold), "qgis": median(theirs)}


def bench_html(folder: Path, geojson: Path, work: Path, runs: int, browser: bool) -> dict:
    ours, theirs = [], []
    cache = work / "html-cache"
    env = env_with(INFLUENCEMAP_CACHE_DIR=str(cache))
    ours_html, folium_html = work / "ours.html", work / "folium.html"
    seconds, _, _ = run([PYTHON, "-m", "influencemap", "export", str(folder), "-o", str(ours_html)], env=env, timeout=900)
    ours_cold = seconds
    for _ in range(runs):
        seconds, _, _ = run([PYTHON, "-m", "influencemap", "export", str(folder), "-o", str(ours_html)], env=env, timeout=900)
        ours.append(seconds)
        seconds, _, _ = run([PYTHON, str(ROOT / "benchmarks" / "folium_plain.py"), str(geojson), str(folium_html)], timeout=900)
        theirs.append(seconds)
    result = {
        "ours": median(ours), "ours_cold_cache": ours_cold, "folium": median(theirs),
        "ours_mb": ours_html.stat().st_size / 1e6 if ours_html.exists() else float("nan"),
        "folium_mb": folium_html.stat().st_size / 1e6 if folium_html.exists() else float("nan"),
        "ours_external": _external_refs(ours_html), "folium_external": _external_refs(folium_html),
    }
    if browser and Path(CHROMIUM).exists():
        for key, page in (("blank", "about:blank"), ("ours", ours_html.as_uri()), ("folium", folium_html.as_uri())):
            times = []
            for _ in range(runs):
                seconds, _, _ = run([CHROMIUM, *CHROMIUM_FLAGS, f"--screenshot={work / (key + '.png')}", page], timeout=120)
                times.append(seconds)
            result[f"open_{key}"] = median(times)
    return result


def bench_responsive(folder: Path, work: Path, runs: int) -> dict:
    """benchmarks/app_responsive.py on the big layer: with its load cache entry, and without it
    (the app's other caches there, as for any user who ran the app before)."""
    results: dict[str, list[float]] = {}
    warm = work / "responsive-cache-warm"
    shutil.rmtree(warm, ignore_errors=True)
    shutil.copytree(app_caches(work), warm)
    run([PYTHON, "-m", "influencemap", "validate", "-q", str(folder)], env=env_with(INFLUENCEMAP_CACHE_DIR=str(warm)), timeout=900)
    for i in range(runs):
        for state in ("cached", "fresh"):
            cache = warm
            if state == "fresh":
                cache = work / f"responsive-cache-fresh-{i}"
                shutil.rmtree(cache, ignore_errors=True)
                shutil.copytree(app_caches(work), cache)
            env = env_with(INFLUENCEMAP_CACHE_DIR=str(cache), XDG_CONFIG_HOME=str(work / "xdg"), QT_QPA_PLATFORM="offscreen",
                           INFLUENCEMAP_BENCH_T0=repr(time.time()))
            _, done, _ = run([PYTHON, str(ROOT / "benchmarks" / "app_responsive.py"), str(folder)], env=env, timeout=300)
            try:
                data = json.loads(done.stdout.strip().splitlines()[-1])
            except (IndexError, ValueError):
                continue
            for key in ("shown", "frame", "longest_gap_ms", "p99_gap_ms"):
                results.setdefault(f"{state}_{key}", []).append(data[key])
    return {key: median(values) for key, values in results.items()}


def bench_canvas(folder: Path, work: Path) -> dict:
    """benchmarks/canvas.py on the big layer (its JSON), with the load cache warm."""
    cache = work / "canvas-cache"
    env = env_with(INFLUENCEMAP_CACHE_DIR=str(cache), QT_QPA_PLATFORM="offscreen")
    run([PYTHON, "-m", "influencemap", "validate", "-q", str(folder)], env=env, timeout=900)  # fills the cache
    _, done, _ = run([PYTHON, str(ROOT / "benchmarks" / "canvas.py"), str(folder)], env=env, timeout=900)
    try:
        return json.loads(done.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        return {}


def _external_refs(path: Path) -> int:
    """Scripts and stylesheets the page loads from the network."""
    if not path.exists():
        return -1
    text = path.read_text(encoding="utf-8", errors="replace")
    return len(re.findall(r"<(?:script|link)[^>]+(?:src|href)=[\"']https?://", text))


# -- the report --------------------------------------------------------------------------------------


def fmt(seconds: float) -> str:
    return "–" if seconds != seconds else f"{seconds:.2f} s"


def write_report(out: Path, info: dict, results: dict, work: Path) -> None:
    r = results
    big, small = r.get("load_100k", {}), r.get("load_10k", {})
    before_big, before_small = r.get("before_100k", {}), r.get("before_10k", {})
    app, png, html = r.get("app", {}), r.get("png", {}), r.get("html", {})
    lines = [
        "# Performance",
        "",
        "Measured by `python benchmarks/run_all.py` (issue 8), which runs every comparison side by side",
        "and writes this file. Each number is the median of the runs of one invocation; times are",
        "wall-clock, whole processes unless said otherwise. These are shared 2-core virtual machines:",
        "the same run can be 30 % slower or faster from one minute to the next, so compare numbers",
        "of the same run.",
        "",
        f"- Date: {info['date']}",
        f"- Machine: {info['cpu']}, {info['cores']} cores, {info['memory']}; {info['os']}; Python {info['python']}",
        f"- Load average at the start: {' '.join(info['load'])}",
        f"- Commit: {info['commit']}",
        "",
        "## Start to first painted window",
        "",
        "`run_app` on the bundled layers (offscreen), from process spawn to the first paint event of",
        "the main window; *cold* with an empty load cache, *warm* with it filled.",
        "",
        "| | time | target |",
        "| --- | ---: | ---: |",
        f"| first paint, cold cache | {fmt(app.get('cold paint', float('nan')))} | ≤ 1.0 s |",
        f"| first paint, warm cache | {fmt(app.get('warm paint', float('nan')))} | ≤ 1.0 s |",
        f"| first map frame drawn, warm cache | {fmt(app.get('warm map frame', float('nan')))} | |",
        "",
        "## A 100,000-feature YAML layer",
        "",
        "`benchmarks/make_big_layer.py` writes it (31 MB, v1 format: points with dates, countries,",
        "tags, a figure and a citation each; about 2 % of the points lie outside their country, so",
        "the file also has some 1,900 warnings with positions). *First load* is `load_catalog` of the",
        "file in a new process (imports not counted) with no cache entry for it, in a cache folder",
        "with what any earlier run of the app leaves (the bundled layers' entries, the gazetteer's",
        "and the basemap lookup's indexes, the drawn basemap); *empty cache folder* is the same on",
        "a first run ever, which also builds those.",
        "A file read wholly by columns keeps its features as columns, as a cached file does: the",
        "Feature objects are built on first use (the row *built*; `validate` and the image export",
        "never need them, the app builds them on its loading thread).",
        "The cache entry is then written behind the load; *reload* is a second `load_catalog` of the",
        "unchanged file in the same process; *validate* is a fresh `influencemap validate` process.",
        "",
        f"| | before ({BEFORE_COMMIT}) | now | target |",
        "| --- | ---: | ---: | ---: |",
        f"| first load, 100,000 features | {fmt(before_big.get('load', float('nan')))} | {fmt(big.get('first', float('nan')))} | ≤ 3 s |",
        f"| … its CPU time | | {fmt(big.get('first_cpu', float('nan')))} | |",
        f"| first load, empty cache folder | | {fmt(big.get('first_empty', float('nan')))} | |",
        f"| cache entry written (after the load returned) | – | {fmt(big.get('written', float('nan')))} | |",
        f"| then every Feature object built (on first use) | – | {fmt(big.get('built', float('nan')))} | |",
        f"| reload of the unchanged file, same process | {fmt(before_big.get('load', float('nan')))} | {fmt(big.get('reload', float('nan')))} | ≤ 0.5 s |",
        f"| fresh `influencemap validate`, cache warm | {fmt(before_big.get('process', float('nan')))} | {fmt(big.get('validate_warm', float('nan')))} | ≤ 1 s |",
        f"| fresh `influencemap validate`, cache empty | {fmt(before_big.get('process', float('nan')))} | {fmt(big.get('validate_cold', float('nan')))} | |",
        f"| peak memory of the first load | {before_big.get('peak_mb', float('nan')):.0f} MB | {big.get('peak_mb', float('nan')):.0f} MB | ≤ 1 GB |",
        f"| first load, 10,000 features | {fmt(before_small.get('load', float('nan')))} | {fmt(small.get('first', float('nan')))} | |",
        "",
        "Before this work there was no cache: every load, and every `validate`, read the whole file",
        "(the *before* column repeats that one load). The empty-cache `validate` also waits, at exit,",
        "for the cache entry to be written, and builds the gazetteer's and the basemap lookup's indexes.",
        "",
        "## `export -o map.png`, 100,000 points, against QGIS 3.22",
        "",
        "Ours: `influencemap export big/ -o map.png` (1600×1000, with the basemap, legend and credit),",
        "whole process. QGIS: `benchmarks/qgis_render.py` with the system python3 — a standalone",
        "PyQGIS script loading the same points from a GeoJSON file (16 MB: geometry, id, name, date,",
        "countries) and rendering them to a 1600×1000 PNG with QGIS's default marker (no basemap).",
        "",
        "| | time | target |",
        "| --- | ---: | ---: |",
        f"| ours, load cache warm | {fmt(png.get('ours', float('nan')))} | ≤ ½ of QGIS: {fmt(png.get('qgis', float('nan')) / 2)} |",
        f"| ours, load cache empty | {fmt(png.get('ours_cold_cache', float('nan')))} | |",
        f"| QGIS 3.22 | {fmt(png.get('qgis', float('nan')))} | |",
        "",
        "## `export -o map.html`, 10,000 points, against plain folium",
        "",
        "Ours: `influencemap export big10k/ -o map.html`, whole process (self-contained: Leaflet and",
        "everything else inlined). Plain folium: `benchmarks/folium_plain.py`, one `folium.Marker`",
        "with a `folium.Popup` per feature from the same features (GeoJSON), folium's default",
        "template (libraries from CDNs). *Open* is headless Chromium",
        f"(`chromium {' '.join(CHROMIUM_FLAGS)} --screenshot=…`) until its screenshot, whole process;",
        "the blank page shows Chromium's own start-up. This machine has no network, so folium's CDN",
        "requests fail at once: its map would not show offline at all.",
        "",
        "| | ours | plain folium | target |",
        "| --- | ---: | ---: | ---: |",
        f"| export, whole process (cache warm) | {fmt(html.get('ours', float('nan')))} | {fmt(html.get('folium', float('nan')))} | ≤ 5 s and ≤ ⅓ of folium |",
        f"| export, cache empty | {fmt(html.get('ours_cold_cache', float('nan')))} | | |",
        f"| file size | {html.get('ours_mb', float('nan')):.1f} MB | {html.get('folium_mb', float('nan')):.1f} MB | ≤ 5 MB |",
        f"| scripts and stylesheets from the network | {html.get('ours_external', -1)} | {html.get('folium_external', -1)} | 0 |",
        f"| open in headless Chromium | {fmt(html.get('open_ours', float('nan')))} | {fmt(html.get('open_folium', float('nan')))} | ≤ 3 s |",
        f"| (Chromium on about:blank) | {fmt(html.get('open_blank', float('nan')))} | | |",
        "",
    ]
    lines += canvas_report(r.get("canvas", {}))
    lines += responsive_report(r.get("responsive", {}))
    lines += PROFILE_NOTES.splitlines()
    profile = work / "profile-first-load-100k.txt"
    if profile.exists():
        text = profile.read_text(encoding="utf-8").splitlines()
        body = [line for line in text if line.strip()][:60]
        lines += ["", "Profile of the first load of the 100,000-feature layer (pyinstrument, this run):", "", "```", *body, "```"]
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")


def responsive_report(a: dict) -> list[str]:
    def cell(key: str, unit: str) -> str:
        value = a.get(key, float("nan"))
        return "–" if value != value else (f"{value:.2f} s" if unit == "s" else f"{value:.0f} ms")

    return [
        "## The app opening 100,000 points",
        "",
        "`benchmarks/app_responsive.py big100k/`: the real main window (offscreen) started on the folder,",
        "with a 5 ms timer on its UI thread. A late tick is time the window could not repaint or answer",
        "input; the longest gap is what a user would feel as a freeze. *Cached*: the file's load cache",
        "entry is there; *fresh*: it is not (the app's other caches are, as after any earlier run).",
        "",
        "| | cached | fresh |",
        "| --- | ---: | ---: |",
        f"| features shown (after spawn) | {cell('cached_shown', 's')} | {cell('fresh_shown', 's')} |",
        f"| their first map frame drawn | {cell('cached_frame', 's')} | {cell('fresh_frame', 's')} |",
        f"| longest UI-thread gap | {cell('cached_longest_gap_ms', 'ms')} | {cell('fresh_longest_gap_ms', 'ms')} |",
        f"| 99th percentile gap | {cell('cached_p99_gap_ms', 'ms')} | {cell('fresh_p99_gap_ms', 'ms')} |",
        "",
    ]


def canvas_report(c: dict) -> list[str]:
    def ms(key: str) -> str:
        value = c.get(key)
        return "–" if value is None else f"{value:.1f} ms"

    def row(label: str, case: str, target: str = "") -> str:
        cpu = f"{case}_cpu_ms_median"
        return (f"| {label} | {ms(case + '_ms_median')} | {ms(case + '_ms_p95')} | {ms(case + '_ms_max')} | "
                f"{ms(cpu) if cpu in c else ''} | {target} |")

    return [
        "## The map canvas with 100,000 points",
        "",
        "`benchmarks/canvas.py big100k/` (the real main window offscreen, 1600×1000, load cache warm;",
        f"canvas {c.get('canvas_px', '?')} pixels). *Paint* is the whole paintEvent right after a pan or",
        "zoom step while the new frame is pending (the cached image drawn moved or scaled); *busy*: the",
        "same while another thread renders the whole layer (both share Python's GIL). *Frames* are the",
        "canvas's worker drawing a view; the zoomed-in one is over Minsk, close enough for point labels",
        f"({c.get('zoomed_labels', '?')} placed). *Hit-tests* are `features_at()` on random features",
        "(every pixel over dense points); *hover* is `hover_at()` with its tooltip. CPU is the UI",
        "thread's own time (waiting for the CPU or the GIL not counted): this machine is shared.",
        "",
        "| | median | p95 | max | CPU median | target |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
        row("paint after a pan step", "pan_paint", "≤ 16 ms"),
        row("paint after a zoom step", "zoom_paint", "≤ 16 ms"),
        row("paint after a pan step, busy", "pan_paint_busy", "≤ 16 ms"),
        row("paint after a zoom step, busy", "zoom_paint_busy", "≤ 16 ms"),
        f"| first frame of the whole layer (builds its cached geometry) | {ms('render_first_ms')} | | | | |",
        row("frame, whole layer", "render_whole", "≤ 150 ms"),
        row("frame, zoomed in with labels", "render_zoomed", "≤ 150 ms"),
        f"| first frame with a date filter (decides what passes) | {ms('render_filtered_first_ms')} | | | | |",
        row("frame, date filter set", "render_filtered", "≤ 150 ms"),
        row("hit-test, zoomed out, on features", "hit_out_on_features", "≤ 2 ms"),
        row("hit-test, zoomed in, on features", "hit_in_on_features", "≤ 2 ms"),
        row("hit-test, zoomed out, date filter", "hit_out_filtered", "≤ 2 ms"),
        row("hit-test, whole world in view", "hit_world_on_features", ""),
        row("hover with tooltip, zoomed out", "hover_out", ""),
        row("hover with tooltip, zoomed in", "hover_in", ""),
        "",
    ]


PROFILE_NOTES = """\
## How the loading got faster

Profiled with pyinstrument (`benchmarks/load_layer.py FOLDER --profile OUT.txt`). Before, a
10,000-feature file spent 2.3 s in PyYAML's event parsing, 1.6 s composing nodes that know their
line and column, and 2.8 s validating them; a full garbage collection ran every few hundred
thousand objects. Now:

- **A fast reader** (`model/fast_parse.py`): the file is split by its text into the layer's own
  keys and the entries of `features:` (checked: each chunk of entry lines parses as that many
  entries); the layer's own keys go through the precise reader; the entries are parsed in chunks
  by rapidyaml (C++), emitted as JSON and read with `json`, then checked a key at a time for the
  whole chunk by the same rules as the precise reader. An entry it is not sure of (a problem, a
  `~`, a float where text is expected, …) is composed alone and read by the precise reader, so
  its FILE:LINE:COL messages are the precise reader's own — a 100,000-feature file with a few
  bad entries loads in about the same time as a valid one. Whatever could make rapidyaml and
  libyaml read the text differently (tabs, anchors, tags, …) sends the whole file to the precise
  reader. Feature origins come from the entry lines; the position a warning needs is found in
  the entry's text, or by composing that one entry. Tests read every case both ways and compare
  (`tests/model/test_fast_parse.py`, with generated layers and random edits of them).
- **A cache per file** (`model/load_cache.py`): keyed by the file's bytes, the loader's code and the
  gazetteer and basemap data; in memory for reloads, on disk (marshal, in the user's cache
  folder, one entry per file) for new processes, written behind the load. The checks across
  files (duplicate ids, undefined sources) run on every load.
- **The garbage collector is paused** while a load builds its objects, which are then moved to
  the oldest generation, where they would end up anyway.
- Points inside one of their declared countries are set aside with one vectorised test per
  country before the full "outside its countries" check.

## How exporting and drawing got faster (second round)

- **Cached features stay columns** (`model/feature_table.py`): a cache entry stores each column
  of a file's features as its own marshal blob, point coordinates as one raw float64 array, and
  a CRC of the whole entry. Reading it makes a `FeatureTable`, which stands for the tuple of
  features but builds the Feature objects only when a feature itself is needed. What needs only
  columns reads columns: the checks across files (ids, source references; a duplicate's first
  position is looked up only for its message), the renderer (mercator points, the sources a view
  cites for the credit line, label names), layer bounds, the layers panel's icons. So
  `export -o map.png` and `validate` of a cached 100,000-point layer never build the 500,000
  objects (1.2–1.4 s before); the app builds them on its loading thread, as before.
- **The drawn basemap is cached too** (`render/basemap_layer.py`): the countries projected to
  mercator and simplified for each level of detail, as flat arrays in the user's cache; a
  country becomes a painter path the first time it is drawn at a level. A drawing process no
  longer imports pyogrio and geopandas (about a second).
- **Point labels**: in a dense view nearly every place a label could go is already taken by
  markers before any label is placed; one vectorised test over the grid (a summed-area table)
  rules those places out, and only the rest are tried one by one — the same labels, tested
  against the one-by-one placement. Text widths are remembered between frames.
- **Hit-tests** (`model/identify.py`): candidates are ranked with numpy in one sort; hover and
  click ask only for the topmost few (`identify_top`) and the count.
- **The app's panels with 100,000 features**: the timeline parses each distinct date once
  (1.0 s → 0.07 s), statistics are counted only while their tab is in front, a date filter's
  first and last days are cached (2 s → 0.15 s for the renderer's masks).
- **HTML export** (`export/columns.py`): each layer's features are written column by column
  (5.4 MB → 2.2 MB for 10,000 points) and decoded by the page into the same properties; the
  view is fitted before layers are drawn; clustered markers get their tooltip and popup when
  first shown; markers are given to the cluster group once it is on the map; coarse basemap
  outlines below zoom 4.5. Leaflet.markercluster building its clusters is now over half of the
  page's time.

## Third round (2026-12-01)

- **Freshly read layers stay columns too**: a file the fast reader reads wholly by columns
  becomes a `FeatureTable` of those columns, as a cached one does, instead of 100,000 Feature,
  Citation, Figure and Origin objects made while loading; the cache entry is written from the
  same columns. The objects are built on first use (the *built* row), which `validate` and the
  image export never need; the app builds them on its loading thread.
- **The app opening 100,000 points**: the filter lists and the timeline count whole columns
  (facets 0.74 s → 0.03 s and the year histogram 0.14 s → 0.03 s, on the UI thread after every
  load); identify's index projects the points as one array instead of `shapely.transform`'s
  callback per geometry, which held Python's lock — and so the UI thread — for a quarter of a
  second; the loading thread's warm-up runs with the garbage collector paused. The longest
  UI-thread gap measured while opening the cached layer went from about 450 ms to 130–170 ms.
- **Window start**: the editing side (layer files, the feature form, PyYAML) is imported when
  first used, not before the first paint.
## Fourth round: one cluster group in the HTML export (2026-12-06)

- **Every point of an HTML export is in one Leaflet.markercluster group** (before: only point
  layers over 300 features clustered, each in its own group), so the features at one place are
  one cluster counting them all, drawn in its layers' colours; a click on a stack lists its
  features. Measured on this machine while five other jobs shared its two cores (load average
  9–14, so Chromium alone on `about:blank` took 2.2–3.6 s instead of 0.95 s): the 10,000-point
  export takes 1.9–2.7 s (before: 2.5 s), 2.20 MB (before: 2.19 MB); the page is ready
  (`influencemap.ready`, from navigation, in the test harness's Chromium) after 0.86–1.42 s
  (before, same runs interleaved: 0.83–1.52 s) and Chromium's whole-process screenshot takes
  4.0–5.2 s (before: 3.4–4.8 s, about:blank 2.3–3.2 s in the same runs). No difference shows
  above the noise; the table above, from a quiet run, stands until `run_all.py --only html` is
  run on a quiet machine.

## Many small files (issue 18, 2026-12-06)

`benchmarks/many_files.py 10000`: a folder of 10,000 small layer files (3 features each: a
point with a country, a line, a point by place name; 1 source each), loaded by a fresh
`load_catalog` process with an empty load cache (*uncached*; the gazetteer's and basemap's
caches exist) and again (*cached*). *Written* is the time the load cache entries took to
reach the disk after the load returned (the process waits for them before it exits). The
machine was shared with five other helpers' test runs (load average 12–16 on 2 cores), so
the wall-clock times are 2–5 times the CPU times; the CPU times compare better.

| 10,000 files | before (3123f2b) | now |
| --- | ---: | ---: |
| uncached load, wall | 75.6 s | 33.7 s |
| … its CPU time | 14.7 s | 8.3 s |
| cache entries written, after the load | 515 s | 10.7 s |
| the whole uncached process (load, entries, exit) | 591 s | 44.9 s |
| cached load, wall | 7.6 s | 6.9 s |
| … its CPU time | 1.8 s | 1.6 s |

(The issue measured 52 s uncached on a quieter machine.) Where the time went, with
pyinstrument (`--profile OUT.txt`), and what changed:

- **Writing the cache entries was quadratic**: each entry listed the whole cache folder to
  delete the file's older entries (10,000 listings of 10,000+ names), and each was synced to
  disk. The folder is now listed once per batch, and entries are not synced (a torn entry
  fails its checksum and is rebuilt) and are written through a plain `os.open` rather than
  `mkstemp` (2,000 entries: 1.13 s → 0.50 s of CPU).
- **The fast reader's fixed cost**: planning the chunks (numpy over the bytes), a rapidyaml
  parser and C's stderr redirection per file — two thirds of a small file's reading. Files
  under 16 KB now go straight to the precise reader (`FAST_READER_MIN_BYTES`); big files are
  read as before.
- **The country check's numpy grouping** (`np.unique` over the countries) for a handful of
  points: up to 16 points are now tested one by one.
- **`Path.resolve`** ran four times per file (a system call per path component): each folder
  is now resolved once.
- A cached load checked the gazetteer's and basemap's entry versions by reading their
  headers for every file; they are read once a process.
- What remains per file (≈0.8 ms of CPU): composing the YAML nodes with positions (≈40 %) and
  the checks (≈40 %). The cached load reads each file and its entry and checks both (≈0.2 ms).
"""


def prepare(work: Path) -> dict[str, Path]:
    make = ROOT / "benchmarks" / "make_big_layer.py"
    paths = {"big": work / "big100k", "small": work / "big10k"}
    for key, count in (("big", 100_000), ("small", 10_000)):
        if not (paths[key] / "big.yaml").exists():
            subprocess.run([PYTHON, str(make), str(paths[key]), str(count)], check=True)
    env = env_with(INFLUENCEMAP_CACHE_DIR=str(work / "prep-cache"))
    for key, name in (("big", "points100k.geojson"), ("small", "points10k.geojson")):
        target = work / name
        if not target.exists():
            subprocess.run([PYTHON, "-m", "influencemap", "export", str(paths[key]), "-o", str(target)],
                           check=True, env=env, capture_output=True)
        paths[key + "_geojson"] = target
    # QGIS gets the points with a few attributes (16 MB), as a typical 100,000-point GeoJSON;
    # the full export (83 MB, every attribute and source) takes QGIS 2.5 times as long to read.
    lean = work / "points100k-lean.geojson"
    if not lean.exists():
        with open(paths["big_geojson"], encoding="utf-8") as f:
            full = json.load(f)
        keep = ("id", "name", "start", "countries")
        lean.write_text(json.dumps({"type": "FeatureCollection", "features": [
            {"type": "Feature", "geometry": f["geometry"], "properties": {k: f["properties"].get(k) for k in keep}}
            for f in full["features"]]}), encoding="utf-8")
    paths["big_lean_geojson"] = lean
    return paths


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "influencemap-bench")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "performance.md")
    parser.add_argument("--no-before", action="store_true", help="skip the loader of BEFORE_COMMIT (slow)")
    parser.add_argument("--no-qgis", action="store_true")
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--report-only", action="store_true", help="rewrite the report from WORK/results.json")
    parser.add_argument("--only", help="run only these steps (comma-separated: app, load_100k, load_10k, png, html, canvas, responsive, "
                        "before_10k, before_100k), keeping the other results of WORK/results.json")
    args = parser.parse_args()
    if args.report_only:
        saved_file = args.work / "results.json"
        if not saved_file.exists():  # the report needs every step: --only re-runs some of a full run
            parser.error(f"--only re-runs steps of an earlier full run, and {saved_file} is missing: run without --only first")
        saved = json.loads(saved_file.read_text())
        write_report(args.out, saved["machine"], saved["results"], args.work)
        return 0
    args.work.mkdir(parents=True, exist_ok=True)
    info = machine()
    print(f"machine: {info}", file=sys.stderr)
    paths = prepare(args.work)
    results: dict = {}
    steps = [
        ("app", lambda: bench_app_start(args.work, args.runs)),
        ("load_100k", lambda: bench_load(paths["big"], args.work, args.runs, "100k")),
        ("load_10k", lambda: bench_load(paths["small"], args.work, args.runs, "10k")),
        ("png", lambda: bench_png(paths["big"], paths["big_lean_geojson"], args.work, args.runs, not args.no_qgis and Path(SYSTEM_PYTHON).exists())),
        ("html", lambda: bench_html(paths["small"], paths["small_geojson"], args.work, args.runs, not args.no_browser)),
        ("canvas", lambda: bench_canvas(paths["big"], args.work)),
        ("responsive", lambda: bench_responsive(paths["big"], args.work, args.runs)),
    ]
    if not args.no_before:
        steps += [("before_10k", lambda: bench_before(paths["small"], args.work)),
                  ("before_100k", lambda: bench_before(paths["big"], args.work))]
    if args.only:
        wanted = set(args.only.split(","))
        saved_file = args.work / "results.json"
        if not saved_file.exists():  # the report needs every step: --only re-runs some of a full run
            parser.error(f"--only re-runs steps of an earlier full run, and {saved_file} is missing: run without --only first")
        saved = json.loads(saved_file.read_text())
        results = saved["results"]
        steps = [(name, step) for name, step in steps if name in wanted]
        first_date = saved["machine"]["date"].split(" (")[0]
        info["date"] = f"{first_date} (partly re-run {info['date']})"
    for name, step in steps:
        print(f"{name} …", file=sys.stderr)
        results[name] = step()
        print(f"  {json.dumps(results[name])}", file=sys.stderr)
    (args.work / "results.json").write_text(json.dumps({"machine": info, "results": results}, indent=1))
    write_report(args.out, info, results, args.work)
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
