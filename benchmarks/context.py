"""What the offline context (water, places, region names) costs a frame, and its first load.

    INFLUENCEMAP_CACHE_DIR=/tmp/some-cache QT_QPA_PLATFORM=offscreen \\
        python benchmarks/context.py [--frames 15] [--size 1600x1000]

Renders the bundled layers with the same ``render()`` the canvas's worker uses, at the views a
user zooms to (the bundled view, i.e. the robust extent; Europe-to-Caspian; Minsk; Kyiv;
Almaty), once with the context and once with its three drawing calls switched off, frames
interleaved so both see the same machine load; ``*_cpu_ms`` is the drawing thread's own CPU
time (``time.thread_time``), which waiting for a shared machine's cores does not count. Also times the context's first load in a fresh
process, after its imports: from the cache (``load_cached_ms``) and with the cache entry missing (``load_cold_ms``,
reading the FlatGeobuf files with pyogrio and projecting). The last stdout line is JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

VIEWS = {
    "bundled": None,
    "europe": (20.0, 40.0, 55.0, 58.0),
    "minsk": (26.6, 53.5, 28.6, 54.4),
    "kyiv": (29.8, 50.0, 31.4, 50.9),
    "almaty": (76.3, 42.9, 77.6, 43.6),
}

LOAD_SNIPPET = (
    "import time; from influencemap.render import context_layer as c; t=time.perf_counter(); "
    "assert c.projected_context() is not None; print((time.perf_counter()-t)*1000)"
)


def _load_ms(env: dict) -> float:
    out = subprocess.run([sys.executable, "-c", LOAD_SNIPPET], env=env, capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=15)
    parser.add_argument("--size", default="1600x1000")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))

    import tempfile

    result: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as empty:
        env = dict(os.environ, INFLUENCEMAP_CACHE_DIR=empty)
        result["load_cold_ms"] = _load_ms(env)  # writes the cache entry
        result["load_cached_ms"] = statistics.median(_load_ms(env) for _ in range(3))

    from influencemap.export.image import ensure_gui_application

    ensure_gui_application()
    from PySide6.QtGui import QImage, QPainter

    from influencemap.model.extent import robust_bounds
    from influencemap.model.loader import load_catalog
    from influencemap.render import context_layer
    from influencemap.render.drawing_order import default_drawing_order
    from influencemap.render.map_settings import MapSettings
    from influencemap.render.renderer import render

    catalog = load_catalog([])
    layer_ids = tuple(default_drawing_order(catalog))
    context_layer.projected_context()
    real = (context_layer.draw_water, context_layer.draw_capital_labels, context_layer.draw_place_labels)
    off = (lambda *a, **k: None, lambda *a, **k: 0, lambda *a, **k: 0)

    def switch(on: bool) -> None:
        calls = real if on else off
        context_layer.draw_water, context_layer.draw_capital_labels, context_layer.draw_place_labels = calls

    for name, bbox in VIEWS.items():
        box = bbox or robust_bounds(catalog)
        settings = MapSettings.fit_lonlat(box, (width, height), layer_ids=layer_ids)
        times: dict[bool, list[float]] = {True: [], False: []}
        cpu: dict[bool, list[float]] = {True: [], False: []}
        for frame in range(args.frames + 1):
            for on in (True, False):
                switch(on)
                image = QImage(width, height, QImage.Format.Format_ARGB32_Premultiplied)
                painter = QPainter(image)
                start, start_cpu = time.perf_counter(), time.thread_time()
                render(painter, settings, catalog)
                elapsed = (time.perf_counter() - start) * 1000
                elapsed_cpu = (time.thread_time() - start_cpu) * 1000
                painter.end()
                if frame:  # the first frame of a view builds its paths
                    times[on].append(elapsed)
                    cpu[on].append(elapsed_cpu)
        switch(True)
        result[f"{name}_with_ms"] = round(statistics.median(times[True]), 1)
        result[f"{name}_without_ms"] = round(statistics.median(times[False]), 1)
        result[f"{name}_with_cpu_ms"] = round(statistics.median(cpu[True]), 1)
        result[f"{name}_without_cpu_ms"] = round(statistics.median(cpu[False]), 1)
        print(f"{name}: {result[f'{name}_with_ms']} ms with context, {result[f'{name}_without_ms']} ms without",
              file=sys.stderr)
    print(json.dumps({k: round(v, 1) for k, v in result.items()}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
