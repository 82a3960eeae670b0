"""A million-point ``data:`` layer: first read, cached read and validate, against QGIS 3.22.

    python benchmarks/bulk_1m.py [--count N] [--runs R] [--work DIR] [--formats geojson,csv,parquet] [--no-qgis]

Writes (once, seeded) the same N points as a GeoJSON, a CSV and a GeoParquet file, each with a
layer file naming it in ``data:`` (columns id, name, date, countries; ``defaults`` gives the
source). Then, for each format, whole processes measured with ``/usr/bin/time`` (seconds and
peak resident memory):

- *first read*: ``influencemap export FOLDER -o map.png`` with no load-cache entry for the file
  but the app's other caches (gazetteer, basemap) as after any earlier run;
- *cached*: the same export again, the entry now written;
- *validate cached*: ``influencemap validate -q FOLDER``;
- QGIS: ``benchmarks/qgis_render.py`` (system python3, PyQGIS) drawing the GeoJSON file to a
  1600×1000 PNG, alternating with our first read so both see the same load.

With ``--before SRC`` (the ``src`` folder of another checkout, e.g. ``git archive main | tar -x``)
each of our measurements is made with that code and with this one, alternating, on the same
files (``--before-formats`` limits which formats get the comparison).

Prints one JSON object per measurement and a summary with ``uptime`` (the machine is shared).
The targets (issue 14): GeoJSON first read ≤ 0.6 × QGIS and ≤ 1 GB; GeoParquet first read
≤ 3 s; cached ≤ 1.5 s; validate cached ≤ 1.0 s.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_big_layer import BOXES  # noqa: E402  (the same country boxes as the YAML benchmarks' points)
from run_all import PYTHON, ROOT, SYSTEM_PYTHON, app_caches, env_with, median, run  # noqa: E402

LAYER = """\
id: points
name: Synthetic layer of {count:,} points
category: Benchmark
data: {data}
defaults: {{sources: [synthetic], precision: site}}
sources:
  - {{id: synthetic, title: Synthetic benchmark data, publisher: influencemap}}
"""
FORMATS = {"geojson": "points.geojson", "csv": "points.csv", "parquet": "points.parquet"}


def make_points(count: int):
    """The seeded columns: ids, names, dates, country codes, longitudes, latitudes."""
    import numpy as np

    rng = np.random.default_rng(42)
    box = rng.integers(0, len(BOXES), count)
    table = np.array([b[1:] for b in BOXES])
    lon = np.round(rng.uniform(table[box, 0], table[box, 2]), 5)
    lat = np.round(rng.uniform(table[box, 1], table[box, 3]), 5)
    years = rng.integers(2005, 2024, count)
    months = rng.integers(1, 13, count)
    codes = [b[0] for b in BOXES]
    return {
        "id": [f"p{i}" for i in range(count)],
        "name": [f"Project {i}" for i in range(count)],
        "date": [f"{y}-{m:02d}" for y, m in zip(years.tolist(), months.tolist())],
        "countries": [codes[b] for b in box.tolist()],
        "lon": lon,
        "lat": lat,
    }


def prepare(work: Path, count: int) -> dict[str, Path]:
    folders = {kind: work / f"{kind}{count}" for kind in FORMATS}
    if all((folders[k] / FORMATS[k]).exists() for k in FORMATS):
        return folders
    columns = make_points(count)
    for kind, name in FORMATS.items():
        folders[kind].mkdir(parents=True, exist_ok=True)
        (folders[kind] / "layer.yaml").write_text(LAYER.format(count=count, data=name), encoding="utf-8")
    rows = zip(columns["id"], columns["name"], columns["date"], columns["countries"], columns["lon"].tolist(), columns["lat"].tolist())
    with open(folders["geojson"] / FORMATS["geojson"], "w", encoding="utf-8") as out:
        out.write('{"type": "FeatureCollection", "features": [\n')
        out.write(",\n".join(
            f'{{"type": "Feature", "geometry": {{"type": "Point", "coordinates": [{x}, {y}]}}, '
            f'"properties": {{"id": "{i}", "name": "{n}", "date": "{d}", "countries": "{c}"}}}}'
            for i, n, d, c, x, y in rows
        ))
        out.write("\n]}\n")
    import geopandas
    import pandas as pd

    frame = pd.DataFrame(columns)
    frame.to_csv(folders["csv"] / FORMATS["csv"], index=False)
    geo = geopandas.GeoDataFrame(frame.drop(columns=["lon", "lat"]), geometry=geopandas.points_from_xy(frame.lon, frame.lat), crs="EPSG:4326")
    geo.to_parquet(folders["parquet"] / FORMATS["parquet"])
    for kind in FORMATS:
        size = (folders[kind] / FORMATS[kind]).stat().st_size / 1e6
        print(f"wrote {folders[kind] / FORMATS[kind]} ({size:.0f} MB)", file=sys.stderr)
    return folders


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def ours(args: list[str], cache: Path, source: Path, timeout: float = 900) -> tuple[float, float, bool]:
    env = env_with(INFLUENCEMAP_CACHE_DIR=str(cache), QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(source))
    seconds, done, peak = run([PYTHON, "-m", "influencemap", *args], env=env, timeout=timeout)
    return seconds, peak, done.returncode == 0


def qgis(geojson: Path, work: Path) -> tuple[float, float, bool]:
    env = env_with(QT_QPA_PLATFORM="offscreen", XDG_RUNTIME_DIR=str(work / "xdg-runtime"))
    (work / "xdg-runtime").mkdir(exist_ok=True, mode=0o700)
    seconds, done, peak = run([SYSTEM_PYTHON, str(ROOT / "benchmarks" / "qgis_render.py"), str(geojson), str(work / "qgis.png")], env=env, timeout=900)
    return seconds, peak, done.returncode == 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "influencemap-bench-1m")
    parser.add_argument("--formats", default=",".join(FORMATS))
    parser.add_argument("--no-qgis", action="store_true")
    parser.add_argument("--no-cached", action="store_true", help="only the first reads (and QGIS)")
    parser.add_argument("--before", type=Path, help="the src folder of the code to compare with")
    parser.add_argument("--before-formats", default=",".join(FORMATS), help="formats measured with --before too")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    folders = prepare(args.work, args.count)
    base = app_caches(args.work)
    results: dict[str, list] = {}

    def note(key: str, value: tuple[float, float, bool]) -> None:
        seconds, peak, ok = value
        results.setdefault(key, []).append((seconds, peak))
        print(json.dumps({"what": key, "seconds": round(seconds, 2), "peak_mb": round(peak), "ok": ok, "load": uptime().split("load average:")[-1].strip()}), flush=True)

    use_qgis = not args.no_qgis and Path(SYSTEM_PYTHON).exists()
    for _ in range(args.runs):
        for kind in args.formats.split(","):
            folder = folders[kind]
            variants = [("", ROOT / "src")]
            if args.before is not None and kind in args.before_formats.split(","):
                variants = [("before: ", args.before), ("after: ", ROOT / "src")]
            caches = {}
            for name, _source in variants:
                caches[name] = args.work / f"cache-{kind}-{name.strip(': ') or 'ours'}"
                shutil.rmtree(caches[name], ignore_errors=True)
                shutil.copytree(base, caches[name])
            export = ["export", str(folder), "-o", str(args.work / f"{kind}.png")]
            for name, source in variants:
                note(f"{name}{kind} first read (export png)", ours(export, caches[name], source))
            if kind == "geojson" and use_qgis:
                note("qgis (geojson png)", qgis(folder / FORMATS[kind], args.work))
            if args.no_cached:
                continue
            for name, source in variants:
                note(f"{name}{kind} cached (export png)", ours(export, caches[name], source))
            for name, source in variants:
                note(f"{name}{kind} validate cached", ours(["validate", "-q", str(folder)], caches[name], source))
    summary = {key: {"seconds": round(median([s for s, _ in v]), 2), "peak_mb": round(median([p for _, p in v]))} for key, v in results.items()}
    print(json.dumps({"summary": summary, "uptime": uptime(), "count": args.count}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
