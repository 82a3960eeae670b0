"""What building every Feature object of a big cached layer costs, and what the GeoJSON export of it costs.

    python benchmarks/whole_build.py FOLDER [--runs R] [--before SRC] [--geojson]

Each measurement is a fresh process that loads FOLDER from the load cache (a first run per code
version writes the entry), then builds every layer's Feature objects (``list(layer.features)``,
the whole-table build that GeoJSON export, small HTML layers, ``--strict`` and editing use) and,
with ``--geojson``, writes the GeoJSON export to a temporary file. It prints the seconds, the
CPU seconds, the resident memory added (MB) and the peak. With ``--before SRC`` (another
checkout's ``src``) every run is also made with that code, alternating with this one. Set
``INFLUENCEMAP_CACHE_DIR`` to keep the cache away from yours.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ab_runs import alternate, measured, rss_mb  # noqa: E402  (this folder's shared A/B runner)



def measure(folder: str, geojson: bool) -> dict:
    from influencemap.model.loader import load_catalog

    catalog = load_catalog([folder])
    before = rss_mb()
    started, cpu = time.perf_counter(), time.process_time()
    count = sum(len(list(layer.features)) for layer in catalog.layers)
    out = {"features": count, "build": round(time.perf_counter() - started, 3), "build_cpu": round(time.process_time() - cpu, 3),
           "build_added_mb": round(rss_mb() - before, 1)}
    if geojson:
        from influencemap.export.geojson import write_geojson

        with tempfile.TemporaryDirectory() as work:
            step = time.perf_counter()
            write_geojson(catalog, Path(work) / "out.geojson")
            out["geojson"] = round(time.perf_counter() - step, 3)
    out["peak_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return out


def run(src: str, folder: str, geojson: bool) -> dict:
    return measured(__file__, src, [folder] + (["--geojson"] if geojson else []))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("folder")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--geojson", action="store_true")
    parser.add_argument("--before", help="another checkout's src, measured alternating with this one")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.folder, args.geojson)))
        return 0
    alternate(lambda src: run(src, args.folder, args.geojson), args.runs, args.before,
              warm_up=lambda src: run(src, args.folder, False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
