"""What the statistics panel, the search box and a layer sized by a figure cost on a big cached layer.

    python benchmarks/column_readers.py FOLDER [--runs R] [--before SRC] [--word WORD]

FOLDER holds a layer (e.g. ``benchmarks/make_big_layer.py OUT 100000``, or
``benchmarks/bulk_1m.py``'s ``geojson1000000``). Each measurement is a fresh process that loads
the folder from the load cache (a first run per code version writes the entry), then:

- ``stats``: :func:`~influencemap.model.stats.statistics` of the catalog (the Statistics tab);
- ``search``: :func:`~influencemap.model.search.search` for WORD (default ``project``, in every
  synthetic name), the first query building the index as the search box's does;
- ``sizes``: for layers sized by a figure (``style: {size: {figure: ...}}``), the renderer's
  per-point diameters and the legend's sizes (:func:`~influencemap.render.renderer.point_sizes`).

It prints seconds for each (and the total's CPU seconds), the resident memory added (MB), the peak resident memory and
whether any layer's Feature objects were built. With ``--before SRC`` (another checkout's
``src``) every run is also made with that code, alternating with this one. Set
``INFLUENCEMAP_CACHE_DIR`` to keep the cache away from yours.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ab_runs import alternate, measured, rss_mb  # noqa: E402  (this folder's shared A/B runner)



def measure(folder: str, word: str) -> dict:
    """In this process: load, then statistics, search and sizes (JSON on stdout)."""
    from influencemap.model.loader import load_catalog
    from influencemap.model.search import search
    from influencemap.model.stats import statistics
    from influencemap.render.renderer import layer_sizes, point_sizes

    catalog = load_catalog([folder])
    before = rss_mb()
    times = {}
    cpu = time.process_time()
    started = time.perf_counter()
    rows = statistics(catalog)
    times["stats"] = time.perf_counter() - started
    step = time.perf_counter()
    hits = search(catalog, word)
    times["search"] = time.perf_counter() - step
    step = time.perf_counter()
    for layer in catalog.layers:
        point_sizes(layer)
        layer_sizes(layer)
    times["sizes"] = time.perf_counter() - step
    times["total"] = time.perf_counter() - started
    times["total_cpu"] = time.process_time() - cpu
    return {
        "features": catalog.feature_count, "stat_rows": len(rows), "hits": len(hits),
        **{k: round(v, 3) for k, v in times.items()},
        "added_mb": round(rss_mb() - before, 1),
        "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "built": any(layer.features.built for layer in catalog.layers),
    }


def run(src: str, folder: str, word: str) -> dict:
    return measured(__file__, src, [folder, "--word", word], QT_QPA_PLATFORM="offscreen")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("folder")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--word", default="project")
    parser.add_argument("--before", help="another checkout's src, measured alternating with this one")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.folder, args.word)))
        return 0
    alternate(lambda src: run(src, args.folder, args.word), args.runs, args.before)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
