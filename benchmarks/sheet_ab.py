"""The map sheet of ``influencemap export FOLDER -o map.png``, this checkout against another.

    python benchmarks/sheet_ab.py FOLDER --before SRC [--runs R] [--cache-root DIR]

Each measurement is a fresh process that runs the CLI's export in process and reports the
whole export's and ``draw_sheet``'s wall and CPU seconds (one JSON line). The two sides
alternate, the order swapped every round, and each side has a cache directory of its own
(``DIR/after``, ``DIR/before``, copied from ``INFLUENCEMAP_CACHE_DIR`` when that is set): the
load cache holds one entry per layer, so sharing one directory would make every other run a
first read. One untimed run per side writes its entry first; with ``--first-read`` every run
starts from a fresh copy instead (seed it with caches that lack FOLDER's entry, e.g.
``INFLUENCEMAP_CACHE_DIR=/tmp/bulk1m/work/app-caches``). The load average is printed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ab_runs import HERE_SRC, measured  # noqa: E402  (this folder's shared A/B runner)


def measure(folder: str, out: str) -> dict:
    """In this process: the CLI's export of ``folder`` to ``out``, draw_sheet timed inside it."""
    started, started_cpu = time.perf_counter(), time.process_time()
    import influencemap.render.print_layout as print_layout
    from influencemap.cli import main

    spent: dict[str, float] = {}
    draw_sheet = print_layout.draw_sheet

    def timed(*args, **kwargs):
        wall, cpu = time.perf_counter(), time.process_time()
        report = draw_sheet(*args, **kwargs)
        spent["sheet"], spent["sheet_cpu"] = time.perf_counter() - wall, time.process_time() - cpu
        return report

    print_layout.draw_sheet = timed
    sys.stdout, stdout = sys.stderr, sys.stdout  # the CLI's own lines stay out of the JSON
    try:
        main(["export", folder, "-o", out])
    finally:
        sys.stdout = stdout
    spent["total"], spent["total_cpu"] = time.perf_counter() - started, time.process_time() - started_cpu
    return {k: round(v, 3) for k, v in spent.items()}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("folder")
    parser.add_argument("--before", required=True, help="another checkout's src, measured alternating with this one")
    parser.add_argument("--runs", type=int, default=6)
    parser.add_argument("--cache-root", default="/tmp/sheet-ab-caches")
    parser.add_argument("--first-read", action="store_true",
                        help="start every run from INFLUENCEMAP_CACHE_DIR's copy: no load cache entry for FOLDER")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", default="/tmp/sheet-ab.png", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.folder, args.out)))
        return 0
    sides = {"after": HERE_SRC, "before": args.before}
    caches = {}
    for name in sides:
        caches[name] = Path(args.cache_root) / name
        if not caches[name].exists():
            seed = os.environ.get("INFLUENCEMAP_CACHE_DIR")
            if seed and Path(seed).is_dir():
                shutil.copytree(seed, caches[name])
            else:
                caches[name].mkdir(parents=True)

    def run(name: str) -> dict:
        if args.first_read:
            shutil.rmtree(caches[name])
            shutil.copytree(os.environ["INFLUENCEMAP_CACHE_DIR"], caches[name])
        out = str(Path(args.cache_root) / f"{name}.png")
        return measured(__file__, sides[name], [args.folder, "--before", "-", "--out", out],
                        INFLUENCEMAP_CACHE_DIR=str(caches[name]))

    for name in sides:
        run(name)
    load = os.getloadavg()
    for number in range(args.runs):
        for name in (("after", "before") if number % 2 == 0 else ("before", "after")):
            print(name, json.dumps(run(name)), flush=True)
    print(f"load {load[0]:.1f} -> {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
