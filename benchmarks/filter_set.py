"""Setting a filter on a big cached layer: what the app does between the filter panel and the canvas.

    python benchmarks/filter_set.py FOLDER [--runs R] [--before SRC]

FOLDER holds a layer (e.g. ``benchmarks/make_big_layer.py OUT 100000``, or
``benchmarks/bulk_1m.py``'s ``geojson1000000``). Each measurement is a fresh process that loads
the folder from the load cache (a first run per code version writes the entry), makes the
store (:class:`~influencemap.model.view_state.ViewState`) and the layers' projected geometry
(as the canvas's first frame does), then sets a country filter and does what the app does next:

- ``shown``: the store's shown catalog and its feature count (status bar, statistics, exports);
- ``masks``: the renderer's per-kind filter masks of every layer (the canvas);
- ``rows``: the attribute table's rows of the shown catalog.

It prints seconds for each, the resident memory added (MB) and the peak resident memory.
With ``--before SRC`` (another checkout's ``src``) every run is also made with that code,
alternating with this one. Set ``INFLUENCEMAP_CACHE_DIR`` to keep the cache away from yours.
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



def measure(folder: str) -> dict:
    """In this process: load, draw-ready geometry, then the filter (JSON on stdout)."""
    from influencemap.model.feature_rows import FeatureRows
    from influencemap.model.filters import FeatureFilter
    from influencemap.model.loader import load_catalog
    from influencemap.model.view_state import ViewState
    from influencemap.render.layer_geometry import filter_masks, layer_geometry

    catalog = load_catalog([folder])
    state = ViewState(catalog)
    for layer in catalog.layers:
        layer_geometry(layer)
    before = rss_mb()
    feature_filter = FeatureFilter(countries=frozenset({"BY"}))
    times = {}
    started = time.perf_counter()
    state.set_filter(feature_filter)
    shown = state.shown_catalog()
    count = shown.feature_count
    times["shown"] = time.perf_counter() - started
    step = time.perf_counter()
    for layer in catalog.layers:
        filter_masks(layer, feature_filter)
    times["masks"] = time.perf_counter() - step
    step = time.perf_counter()
    rows = FeatureRows(catalog, layers=shown.layers)
    times["rows"] = time.perf_counter() - step
    times["total"] = time.perf_counter() - started
    return {
        "features": catalog.feature_count, "shown_features": count, "table_rows": rows.total,
        **{k: round(v, 3) for k, v in times.items()},
        "added_mb": round(rss_mb() - before, 1),
        "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def run(src: str, folder: str) -> dict:
    return measured(__file__, src, [folder])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("folder")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--before", help="another checkout's src, measured alternating with this one")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.folder)))
        return 0
    alternate(lambda src: run(src, args.folder), args.runs, args.before)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
