"""Importing AidData's per-project GeoJSON folder and loading the result for the first time.

    python benchmarks/aiddata_import.py GEOJSON_DIR [--runs N]

Each run, in a fresh process-like state (a new output folder and an empty load cache), times
``import_aiddata`` (as ``influencemap import aiddata --geojsons DIR -o OUT.yaml`` runs it, no
simplification) and then the first ``load_catalog`` of OUT.yaml; prints JSON with the median of
each and of their sum (seconds, wall-clock and this process's CPU), the features loaded and the
data file's size. Issue 15's target: import + first load of the 343 projects of our region ≤ 3 s.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("geojsons", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    # The load cache is written by a background thread: the folder is removed without waiting for it.
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as scratch:
        os.environ["INFLUENCEMAP_CACHE_DIR"] = str(Path(scratch) / "cache-warmup")
        from influencemap.geo import basemap
        from influencemap.importers.aiddata import import_aiddata
        from influencemap.model.loader import load_catalog

        basemap.load_countries()  # the libraries and the basemap, once: the app has them too
        rows = []
        for run in range(args.runs):
            os.environ["INFLUENCEMAP_CACHE_DIR"] = str(Path(scratch) / f"cache-{run}")
            out = Path(scratch) / f"run-{run}" / "aiddata.yaml"
            wall, cpu = time.perf_counter(), time.process_time()
            result = import_aiddata(out, geojsons=args.geojsons)
            imported = (time.perf_counter() - wall, time.process_time() - cpu)
            wall, cpu = time.perf_counter(), time.process_time()
            catalog = load_catalog([str(out)], include_bundled_sources=False)
            loaded = (time.perf_counter() - wall, time.process_time() - cpu)
            assert not catalog.errors, [p.format() for p in catalog.errors]
            rows.append((imported, loaded, catalog.feature_count, result.data_path.stat().st_size))

    def median(values):
        return round(statistics.median(values), 3)

    print(json.dumps({
        "import_wall_s": median(r[0][0] for r in rows), "import_cpu_s": median(r[0][1] for r in rows),
        "first_load_wall_s": median(r[1][0] for r in rows), "first_load_cpu_s": median(r[1][1] for r in rows),
        "total_wall_s": median(r[0][0] + r[1][0] for r in rows), "total_cpu_s": median(r[0][1] + r[1][1] for r in rows),
        "features": rows[0][2], "data_file_mb": round(rows[0][3] / 1e6, 2),
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
