"""The GeoJSON export of big cached layers: seconds and peak memory, same-run A/B.

    python benchmarks/geojson_export.py FOLDER [FOLDER ...] [--runs R] [--before SRC]

Each measurement is a fresh process that loads FOLDER from the load cache (an untimed first run
per side, load only, writes the entry: ``ab_runs.alternate``), then writes the GeoJSON export
(``write_geojson``, what ``influencemap export FOLDER -o out.geojson`` and the attribute table's
"Save as GeoJSON" call) to a temporary file. It prints the export's seconds and CPU seconds, the
resident memory before the export (the loaded catalog), the process's peak and the output's size.
With ``--before SRC`` (another checkout's ``src``, e.g. ``git archive main src | tar -x -C DIR``)
every run is also made with that code, alternating with this one, and the load average is
printed: the machine is shared. The other side gets its own copy of the cache folder (the load
cache keeps one entry per file: two code versions sharing it would undo each other's entry).

The folders used for docs/performance.md: a 100,000-point YAML layer
(``benchmarks/make_big_layer.py DIR 100000``) and the 1M-point ``data:`` layer of
``benchmarks/bulk_1m.py`` (its GeoParquet folder). Set ``INFLUENCEMAP_CACHE_DIR`` to keep the
load cache away from yours (copy the app's other caches there first, as bulk_1m.py does).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ab_runs import HERE_SRC, alternate, measured, rss_mb  # noqa: E402  (this folder's shared A/B runner)


def measure(folder: str, export: bool = True) -> dict:
    from influencemap.model.loader import load_catalog

    started = time.perf_counter()
    catalog = load_catalog([folder])
    if catalog.errors or not catalog.feature_count:
        raise SystemExit(f"{folder} did not load: {[p.format() for p in catalog.errors[:3]]}")
    out: dict = {"features": catalog.feature_count, "load": round(time.perf_counter() - started, 3),
                 "loaded_mb": round(rss_mb(), 1)}
    if not export:  # the warm-up: writes the load-cache entry only
        return out
    from influencemap.export.geojson import write_geojson

    with tempfile.TemporaryDirectory() as work:
        target = Path(work) / "out.geojson"
        started, cpu = time.perf_counter(), time.process_time()
        write_geojson(catalog, target)
        out["export"] = round(time.perf_counter() - started, 3)
        out["export_cpu"] = round(time.process_time() - cpu, 3)
        out["output_mb"] = round(target.stat().st_size / 1e6, 1)
    out["peak_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return out


def _side_cache(src: str) -> dict[str, str]:
    """The other side's own cache folder (a copy of ``INFLUENCEMAP_CACHE_DIR`` with the app's
    other caches): the load cache keeps one entry per file, so two code versions sharing a folder
    would replace each other's entry and every other load would be a first read."""
    base = os.environ.get("INFLUENCEMAP_CACHE_DIR")
    if not base:
        raise SystemExit("set INFLUENCEMAP_CACHE_DIR for a --before comparison")
    import hashlib
    import shutil

    other = Path(f"{base}-before-{hashlib.sha1(src.encode()).hexdigest()[:8]}")
    if not other.exists():
        shutil.copytree(base, other)
    return {"INFLUENCEMAP_CACHE_DIR": str(other)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="+")
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--before", help="the src folder of the code to compare with")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--load-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.folders[0], export=not args.load_only)))
        return 0
    caches = {HERE_SRC: {}, args.before: _side_cache(args.before)} if args.before else {HERE_SRC: {}}
    for folder in args.folders:
        print(f"# {folder} (cache {os.environ.get('INFLUENCEMAP_CACHE_DIR', 'default')})", flush=True)
        alternate(lambda src: measured(__file__, src, [folder], **caches[src]), args.runs, args.before,
                  warm_up=lambda src: measured(__file__, src, [folder, "--load-only"], **caches[src]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
