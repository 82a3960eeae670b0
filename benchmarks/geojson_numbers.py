"""First read of GeoJSON ``data:`` layers with numeric columns: the bundled AidData layers and a
million points with two numeric columns (``model/geojson_points.py`` + ``geojson_numbers.py``).

    python benchmarks/geojson_numbers.py WORK [--runs R] [--before SRC] [--count N] [--what aiddata,1m,1m-crs]

WORK gets (once) ``numbers1m/``: the million points of ``benchmarks/bulk_1m.py``'s GeoJSON
(``--points``, default /tmp/bulk1m/work/geojson1000000/points.geojson, read only) with two
numeric properties added to each feature — ``amount`` (a float with cents, 1 in 10 null) and
``project`` (an integer id beyond 2^31, all distinct); ``numbers1m-crs/``: the same with the
``name`` and ``crs`` members QGIS and GDAL write (``urn:ogc:def:crs:OGC:1.3:CRS84``); and
``aiddata/``: the bundled AidData layers (layers/aiddata-*.yaml and their GeoJSON files).

Each measurement is a fresh process that loads one folder with ``load_catalog`` in a cache
folder copied from ``--caches`` (default /tmp/bulk1m/work/app-caches: the app's other caches
as after an earlier run, no entry for these files), so every load is a first read. It prints
seconds, CPU seconds and peak resident memory, and whether the fast reader took the file. With
``--before SRC`` every run is also made with that code, alternating (benchmarks/ab_runs.py).
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ab_runs import alternate, measured  # noqa: E402  (this folder's shared A/B runner)

ROOT = Path(__file__).resolve().parent.parent
LAYER = """\
id: points
name: Synthetic layer of points with numbers
category: Benchmark
data: points.geojson
defaults: {sources: [synthetic], precision: site}
sources:
  - {id: synthetic, title: Synthetic benchmark data, publisher: influencemap}
"""


CRS_HEAD = (b'{\n"type": "FeatureCollection",\n"name": "points",\n'
            b'"crs": { "type": "name", "properties": { "name": "urn:ogc:def:crs:OGC:1.3:CRS84" } },\n"features": [\n')


def make_numbers(source: Path, folder: Path, count: int, crs: bool) -> None:
    """The source's first ``count`` features, each with ``amount`` and ``project`` added (and the
    head as QGIS writes it, with a ``crs`` member, if ``crs``)."""
    import random

    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(14)
    with source.open("rb") as lines, (folder / "points.geojson").open("wb") as out:
        written = 0
        for line in lines:
            if not line.startswith(b'{"type": "Feature"'):
                if written == 0:
                    out.write(CRS_HEAD if crs else line)
                continue
            if written == count:
                break
            body = line.rstrip().removesuffix(b",")
            amount = b"null" if rng.random() < 0.1 else b"%.2f" % rng.uniform(1e3, 2e9)
            extra = b', "amount": %s, "project": %d}}' % (amount, 3_000_000_000 + written * 7)
            out.write((b",\n" if written else b"") + body.removesuffix(b"}}") + extra)
            written += 1
        out.write(b"\n]}\n")
    (folder / "layer.yaml").write_text(LAYER, encoding="utf-8")


def make_aiddata(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("aiddata-gcdf", "aiddata-military"):
        for suffix in (".yaml", ".geojson"):
            shutil.copy(ROOT / "layers" / f"{name}{suffix}", folder)


def measure(folder: str) -> dict:
    """In this process: the first read of the folder (the cache has no entry for it)."""
    from influencemap.model import geojson_points
    from influencemap.model.loader import load_catalog

    taken = []
    real = geojson_points.read_points

    def counting(*args, **kwargs):
        found = real(*args, **kwargs)
        taken.append(found is not None)
        return found

    geojson_points.read_points = counting
    cpu = time.process_time()
    started = time.perf_counter()
    catalog = load_catalog([folder])
    return {
        "seconds": round(time.perf_counter() - started, 2),
        "cpu": round(time.process_time() - cpu, 2),
        "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "features": catalog.feature_count,
        "fast": taken,
    }


def run(src: str, folder: Path, caches: Path) -> dict:
    with tempfile.TemporaryDirectory(prefix="gjnum-cache-") as cache:
        target = Path(cache) / "caches"
        shutil.copytree(caches, target)
        return {"folder": folder.name, **measured(__file__, src, [str(folder)], INFLUENCEMAP_CACHE_DIR=str(target))}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("work")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--points", default="/tmp/bulk1m/work/geojson1000000/points.geojson")
    parser.add_argument("--caches", default="/tmp/bulk1m/work/app-caches")
    parser.add_argument("--what", default="aiddata,1m")
    parser.add_argument("--before", help="another checkout's src, measured alternating with this one")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.work)))
        return 0
    work = Path(args.work)
    folders = []
    for what in args.what.split(","):
        crs = what.endswith("-crs")
        folder = work / ("aiddata" if what == "aiddata" else f"numbers{args.count}" + ("-crs" if crs else ""))
        if not folder.exists():
            make_aiddata(folder) if what == "aiddata" else make_numbers(Path(args.points), folder, args.count, crs)
        folders.append(folder)
    for folder in folders:
        alternate(lambda src: run(src, folder, Path(args.caches)), args.runs, args.before)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
