"""Many small layer files: load a folder of N small layers (default 10,000) and print timings.

    python benchmarks/many_files.py [N] [--profile OUT.txt] [--keep DIR] [--src SRC]

``--src`` loads influencemap from another source folder (to measure an older commit:
``git archive COMMIT src | tar -x -C /tmp/old`` then ``--src /tmp/old/src``).

Each file is a small layer of 3 features — a point by coordinates with a country (so the
country check runs), a line, and a point by place name (so the gazetteer is used) — with
dates, tags and its own source, like a hand-written layer. The files are generated in a
temporary folder; every load runs in a fresh process with its own empty cache folder
(*uncached*: nothing of these files is cached, the gazetteer's and basemap's caches exist, as
after any earlier run of the app) and then again (*cached*: every file's result from the
load cache). Issue 18, item 9: before the work, 10,000 files took about 52 s uncached.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

PLACES = ["Minsk", "Kyiv", "Almaty", "Tashkent", "Tbilisi", "Yerevan", "Baku", "Astana", "Bishkek", "Dushanbe"]
POINTS = [(27.56, 53.9, "BY"), (30.52, 50.45, "UA"), (76.95, 43.24, "KZ"), (69.24, 41.3, "UZ"), (44.8, 41.7, "GE")]


def layer_text(i: int) -> str:
    lon, lat, country = POINTS[i % len(POINTS)]
    place = PLACES[i % len(PLACES)]
    return f"""\
id: layer-{i}
name: Layer {i}
category: Generated
style: {{color: '#1f78b4', marker: circle, size: 8}}
sources:
  - {{id: src-{i}, title: Report {i}, publisher: Press, date: 2020-05-01, url: "https://example.org/{i}"}}
features:
  - id: f{i}-a
    name: Project {i} A
    point: [{lon + (i % 7) * 0.01:.4f}, {lat:.4f}]
    countries: [{country}]
    date: {2000 + i % 20}
    tags: [loan, energy]
    sources: [src-{i}]
  - id: f{i}-b
    name: Corridor {i}
    line: [[{lon:.3f}, {lat:.3f}], [{lon + 1:.3f}, {lat + 0.5:.3f}]]
    start: 2015-03
    end: 2019
    sources: [{{ref: src-{i}, locator: p. 3}}]
  - id: f{i}-c
    name: Office in {place}
    point: {place}
    tags: [office]
    sources: [src-{i}]
"""


def make_folder(folder: Path, count: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        (folder / f"layer-{i:05d}.yaml").write_text(layer_text(i), encoding="utf-8")


LOAD = r"""
import json, sys, time
started = time.perf_counter()
profile = sys.argv[2] if len(sys.argv) > 2 else None
if profile:
    from pyinstrument import Profiler
    profiler = Profiler(interval=0.002)
    profiler.start()
from influencemap.model import load_cache
from influencemap.model.loader import load_catalog
t0 = time.perf_counter(); c0 = time.process_time()
catalog = load_catalog([sys.argv[1]], include_bundled_sources=False)
t1 = time.perf_counter(); c1 = time.process_time()
if profile:
    profiler.stop()
    open(profile, "w").write(profiler.output_text(unicode=True, color=False, show_all=False))
load_cache.flush()
t2 = time.perf_counter()
print(json.dumps({"load": t1 - t0, "cpu": c1 - c0, "written": t2 - t1, "layers": len(catalog.layers),
                  "features": catalog.feature_count, "problems": len(catalog.problems)}))
"""


def run(folder: Path, cache: Path, profile: str | None = None, src: Path = REPO / "src") -> dict:
    env = {**os.environ, "INFLUENCEMAP_CACHE_DIR": str(cache), "PYTHONPATH": str(src)}
    args = [sys.executable, "-c", LOAD, str(folder)] + ([profile] if profile else [])
    started = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True, env=env, check=True)
    result = json.loads(done.stdout)
    result["process"] = time.perf_counter() - started
    return result


def main() -> int:
    args = sys.argv[1:]
    count = int(args[0]) if args and args[0].isdigit() else 10_000
    profile = args[args.index("--profile") + 1] if "--profile" in args else None
    keep = args[args.index("--keep") + 1] if "--keep" in args else None
    src = Path(args[args.index("--src") + 1]) if "--src" in args else REPO / "src"
    work = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="influencemap-many-"))
    try:
        folder = work / "layers"
        if not folder.exists():
            make_folder(folder, count)
        cache = work / "cache"
        shutil.rmtree(cache, ignore_errors=True)
        # Fill the gazetteer's and basemap's caches with one small file, as any earlier run would.
        warm = work / "warm"
        make_folder(warm, 1)
        run(warm, cache, src=src)
        uncached = run(folder, cache, profile, src=src)
        cached = run(folder, cache, src=src)
        print(json.dumps({"files": count, "uncached": uncached, "cached": cached}, indent=1))
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
