"""Same-run A/B of the parse helper process (issue 14): first reads of big YAML layers with the
helper (A) and without it (B), alternating A/B/A/B so that both sides see the same load on a
shared machine.

    python benchmarks/helper_ab.py [--runs 5] [--sizes 10,25,50] [--work DIR] [--commit REV]

The helper was removed after this measurement (docs/performance.md, "The parse helper process").
Both sides therefore run the loader of ``--commit`` (the last commit that had it), extracted with
``git archive`` into the work folder: A with ``INFLUENCEMAP_PARSE_HELPER=1``, B with ``=0``, the
very same code otherwise. With ``--commit ''`` the current ``src/`` is used (it must still have
``model/parse_helper.py``).

Each run is a fresh process that loads one layer written by ``benchmarks/make_big_layer.py``
(about 10, 25 and 50 MB), timed around ``load_catalog`` alone (imports not counted): the wall
time, the loading process's CPU time, the helper's CPU time (the children's), the loading
process's peak resident memory and the helper's. The loading process's CPU time saved bounds
what the helper can gain even when the second core is idle. *First read*: every run gets a new, empty
``INFLUENCEMAP_CACHE_DIR`` holding only copies of the gazetteer and basemap-index entries built
by a warm-up run (as after any earlier run of the app), so no load-cache entry exists for the
file. The load average is printed before and after each size.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import io
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
HELPER_COMMIT = "4494ad3"
"""The last commit with the helper process (model/parse_helper.py)."""

BYTES_PER_FEATURE = 311
"""About what benchmarks/make_big_layer.py writes per feature."""

CHILD = r"""
import json, resource, sys, time
import numpy, shapely  # the loader imports these on first use: counted as imports
from influencemap.model.loader import load_catalog
from influencemap.model import load_cache
wall = time.perf_counter(); cpu = time.process_time()
catalog = load_catalog([sys.argv[1]])
wall = time.perf_counter() - wall; cpu = time.process_time() - cpu
children = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({
    "wall": wall, "cpu": cpu, "helper_cpu": children.ru_utime + children.ru_stime,
    "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "helper_peak_mb": children.ru_maxrss / 1024,
    "features": catalog.feature_count, "warnings": len(catalog.problems),
    "errors": sum(p.severity.value == "error" for p in catalog.problems),
}))
load_cache.flush()
"""


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def source_tree(commit: str, work: Path) -> Path:
    """The ``src`` folder to run: the current one, or ``commit``'s extracted into ``work``."""
    if not commit:
        return ROOT / "src"
    target = work / f"src-{commit}"
    if not (target / "src" / "influencemap" / "model" / "parse_helper.py").exists():
        shutil.rmtree(target, ignore_errors=True)
        archive = subprocess.run(["git", "archive", commit, "src"], cwd=ROOT, capture_output=True, check=True).stdout
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(target, filter="data")
        for shipped in ("geodata", "layers", "schema"):  # found next to src/ (influencemap/paths.py)
            (target / shipped).symlink_to(ROOT / shipped)
    return target / "src"


def make_layer(work: Path, megabytes: int) -> Path:
    folder = work / f"layer-{megabytes}mb"
    if not (folder / "big.yaml").exists():
        count = megabytes * 1_000_000 // BYTES_PER_FEATURE
        subprocess.run([PYTHON, str(ROOT / "benchmarks" / "make_big_layer.py"), str(folder), str(count)], check=True)
    return folder


def run_once(src: Path, folder: Path, cache: Path, helper: bool) -> dict:
    env = dict(os.environ)
    env.update(PYTHONPATH=str(src), INFLUENCEMAP_CACHE_DIR=str(cache), INFLUENCEMAP_PARSE_HELPER="1" if helper else "0")
    done = subprocess.run([PYTHON, "-c", CHILD, str(folder)], env=env, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise SystemExit(f"run failed ({done.returncode}): {done.stderr[-2000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if not result["features"] or result["errors"]:
        raise SystemExit(f"the layer did not load cleanly: {result}")
    return result


def fresh_cache(warm: Path, target: Path) -> Path:
    """An empty cache folder but for the warm gazetteer and basemap-index entries."""
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    for entry in warm.iterdir():
        if entry.name.startswith(("gazetteer-", "basemap-index-")):
            shutil.copy2(entry, target / entry.name)
    return target


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sizes", default="10,25,50", help="layer sizes in MB")
    parser.add_argument("--work", type=Path, default=Path("/tmp/influencemap-helper-ab"))
    parser.add_argument("--commit", default=HELPER_COMMIT)
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    src = source_tree(args.commit, args.work)
    sizes = [int(s) for s in args.sizes.split(",")]
    folders = {mb: make_layer(args.work, mb) for mb in sizes}
    warm = args.work / "warm-cache"
    shutil.rmtree(warm, ignore_errors=True)
    run_once(src, folders[sizes[0]], warm, helper=False)  # builds the gazetteer and basemap entries
    rows = []
    for mb in sizes:
        size = (folders[mb] / "big.yaml").stat().st_size / 1e6
        before = load_average()
        results: dict[str, list[dict]] = {"with helper": [], "without": []}
        for i in range(args.runs):
            for side, helper in (("with helper", True), ("without", False)):
                cache = fresh_cache(warm, args.work / "cache")
                result = run_once(src, folders[mb], cache, helper)
                results[side].append(result)
                print(f"{size:5.1f} MB run {i + 1} {side:11}: {result['wall']:.2f} s wall, "
                      f"{result['cpu']:.2f} + {result['helper_cpu']:.2f} s CPU, "
                      f"{result['peak_mb']:.0f} + {result['helper_peak_mb']:.0f} MB", flush=True)
        after = load_average()
        for side, runs in results.items():
            rows.append({
                "mb": round(size, 1), "features": runs[0]["features"], "side": side, "load": f"{before} → {after}",
                **{key: [round(r[key], 3) for r in runs] for key in ("wall", "cpu", "helper_cpu", "peak_mb", "helper_peak_mb")},
            })
    print()
    print("| file | features | side | wall (median, min–max) | CPU loader + helper (median) | peak RSS loader + helper (median) | load before → after |")
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        med = {k: statistics.median(row[k]) for k in ("wall", "cpu", "helper_cpu", "peak_mb", "helper_peak_mb")}
        print(f"| {row['mb']} MB | {row['features']:,} | {row['side']} | {med['wall']:.2f} s ({min(row['wall']):.2f}–{max(row['wall']):.2f}) "
              f"| {med['cpu']:.2f} + {med['helper_cpu']:.2f} s | {med['peak_mb']:.0f} + {med['helper_peak_mb']:.0f} MB | {row['load']} |")
    for mb in sizes:
        a, b = (next(r for r in rows if r["side"] == side and r["mb"] == round((folders[mb] / "big.yaml").stat().st_size / 1e6, 1))
                for side in ("with helper", "without"))
        gain = 1 - statistics.median(a["wall"]) / statistics.median(b["wall"])
        paired = statistics.median(x / y for x, y in zip(a["wall"], b["wall"]))
        bound = 1 - statistics.median(x / y for x, y in zip(a["cpu"], b["cpu"]))
        extra = statistics.median((x + h) / y for x, h, y in zip(a["cpu"], a["helper_cpu"], b["cpu"])) - 1
        print(f"{a['mb']} MB: the helper saves {gain:+.0%} of the median wall time; wall with/without, "
              f"median of the pairs: {paired:.2f}; it takes {bound:.0%} of the loading process's CPU time "
              f"(the most it could save with a free second core) for {extra:+.0%} CPU time in all")
    (args.work / "results.json").write_text(json.dumps(rows, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
