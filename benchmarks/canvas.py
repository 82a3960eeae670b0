"""Time the map canvas on a big layer: paint while a frame is pending, worker renders, hit-tests, hover.

    INFLUENCEMAP_CACHE_DIR=/tmp/some-cache QT_QPA_PLATFORM=offscreen \\
        python benchmarks/canvas.py /tmp/bench/big100k [--repeats 200] [--frames 12] [--size 1600x1000]

Loads the folder with the real loader, opens the real ``MainWindow`` offscreen (window size
``--size``; the canvas gets what the docks leave) and measures with ``time.perf_counter``:

- ``pan_paint_ms_*`` / ``zoom_paint_ms_*``: ``canvas.repaint()`` (the whole paintEvent, done
  synchronously) right after ``pan_by`` / a wheel-sized ``zoom_by`` step, while the new frame is
  still pending, so the cached image is drawn moved or scaled (issue 8: at most 16 ms);
  ``*_busy_ms_*``: the same while another thread keeps rendering the whole layer, as the
  canvas's worker does during a drag (both threads share Python's GIL).
- ``render_first_*``: the very first frame of the whole-layer view, drawn by the canvas's own
  ``FrameRenderer`` in its worker thread; ``render_first_ms`` is the worker's render time
  (``Frame.seconds``: QImage plus ``render()``, including building the layer's cached mercator
  geometry), ``render_first_latency_ms`` the time from the request until the frame reaches the
  UI thread (the worker builds the hit-test index after handing the frame over).
- ``render_whole_ms_*`` / ``render_zoomed_ms_*``: repeated frames (``--frames``) of the
  whole-layer view and of a zoomed-in view over Belarus that is close enough for point labels
  (issue 8: at most 150 ms, off the UI thread).
- ``hit_*_ms_*``: ``canvas.features_at()`` (pixel to lon/lat, then ``identify()``) at
  ``--repeats`` pixels: uniformly random over the canvas, and on random features (the worst
  case: every pixel over dense points), zoomed out over the whole layer and zoomed in; with
  the mean number of hits (issue 8: at most 2 ms).
- ``hit_world_on_features_ms_*`` / ``hover_world_ms_*``: the same on features with the whole
  world in view, where thousands of points lie under the cursor (hover ranks only the topmost).
- ``render_filtered_first_ms``: the canvas's first frame after a date filter is set (it decides
  which features pass, for the renderer and the hit-test); ``render_filtered_ms_*`` later frames
  with it; ``hit_out_filtered_ms_*`` the zoomed-out hit-test on features through it.
- ``hover_*_ms_*``: ``canvas.hover_at()`` on random features, including showing the tooltip
  (each hover is on another feature, so the tooltip is rebuilt every time);
  ``hover_*_paint_ms_*`` the repaint after it, which draws the hover highlight.
- ``whats_here_{out,in,world}_ms_*``: a click on a random feature as the canvas handles it
  (``select_at``: every feature there listed; when several, the What's-here list filled, shown
  and its rows painted; issue 13: at most 50 ms), zoomed out, zoomed in and over the world;
  ``*_opened`` how many of the clicks opened the list, ``*_most_rows`` its longest.
- Context: ``load_s``, ``features``, ``canvas_px`` (the canvas's size), ``zoomed_labels`` (point
  labels in the zoomed-in frame), ``busy_frames_drawn`` (frames the render thread drew meanwhile).

Each ``*_ms_median``/``_p95``/``_max`` is wall-clock over all repetitions; the UI-thread cases
(paints, hit-tests, hovers) also give ``*_cpu_ms_median``/``_max``, the UI thread's own CPU time
(``time.thread_time``), which waiting for the CPU or for the GIL (held by the render thread)
does not count: on a shared machine the wall-clock max is mostly such waits. The last line on stdout is one
JSON object; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QCoreApplication, QPointF, QSettings  # noqa: E402
from PySide6.QtGui import QImage, QPainter  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

ZOOMED_BBOX = (26.5, 53.3, 28.5, 54.3)
"""Around Minsk: a few thousand of the synthetic points, labelled."""

WORLD_BBOX = (-180.0, -60.0, 180.0, 75.0)
"""The whole world: the farthest out anyone looks at these layers."""

FILTER_FROM = "2015"
"""The date filter of the ``*_filtered`` cases (about half the synthetic points pass)."""


class Timings:
    """Wall-clock and CPU seconds (``time.thread_time``: this thread's own work, not the waits
    for the CPU or for the GIL that a shared machine and the render thread add) of each call."""

    def __init__(self) -> None:
        self.wall: list[float] = []
        self.cpu: list[float] = []

    def time(self, function, *args):
        started, started_cpu = time.perf_counter(), time.thread_time()
        result = function(*args)
        self.wall.append(time.perf_counter() - started)
        self.cpu.append(time.thread_time() - started_cpu)
        return result


def summary(name: str, samples: Timings | list[float]) -> dict[str, float]:
    """Median, 95th percentile and max of some timings (seconds in), in milliseconds; for
    :class:`Timings` also the median and max of their CPU time."""
    wall = samples.wall if isinstance(samples, Timings) else samples
    ms = sorted(s * 1000 for s in wall)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    result = {
        f"{name}_ms_median": round(statistics.median(ms), 3),
        f"{name}_ms_p95": round(p95, 3),
        f"{name}_ms_max": round(ms[-1], 3),
        f"{name}_n": len(ms),
    }
    if isinstance(samples, Timings):
        result[f"{name}_cpu_ms_median"] = round(statistics.median(samples.cpu) * 1000, 3)
        result[f"{name}_cpu_ms_max"] = round(max(samples.cpu) * 1000, 3)
    return result


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def wait_until(condition, timeout_s: float = 60.0) -> None:
    deadline = time.perf_counter() + timeout_s
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError("the canvas did not finish its frame in time")
        QCoreApplication.processEvents()
        time.sleep(0.001)


def settle(canvas) -> None:
    """Let the canvas draw the frame of its current view, so later paints start from a fresh one."""
    canvas.request_render()
    wait_until(canvas.is_frame_current)


def time_frames(renderer, settings, catalog, count: int) -> tuple[list[float], list[float]]:
    """(worker render seconds, request-to-UI-thread seconds) of ``count`` frames, one at a time."""
    frames = []
    renderer.frameReady.connect(frames.append)
    render_s, latency_s = [], []
    try:
        for _ in range(count):
            before = len(frames)
            started = time.perf_counter()
            renderer.request(settings, catalog)
            wait_until(lambda: len(frames) > before)
            latency_s.append(time.perf_counter() - started)
            render_s.append(frames[-1].seconds)
    finally:
        renderer.frameReady.disconnect(frames.append)
    return render_s, latency_s


def time_paints(canvas, step, repeats: int) -> Timings:
    """repaint() after each navigation step, without letting the pending frame start."""
    samples = Timings()
    for i in range(repeats):
        step(i)
        samples.time(canvas.repaint)
    return samples


def pan_step(canvas):
    def step(i: int) -> None:
        canvas.pan_by(8 if (i // 10) % 2 == 0 else -8, 3 if i % 2 else -3)
    return step


def zoom_step(canvas):
    centre = QPointF(canvas.width() / 2, canvas.height() / 2)

    def step(i: int) -> None:
        canvas.zoom_by(1.5 if i % 2 == 0 else 1 / 1.5, centre)
    return step


class BusyRenderer:
    """Another thread drawing the whole layer again and again, as the canvas worker does mid-drag."""

    def __init__(self, settings, catalog) -> None:
        self._settings, self._catalog = settings, catalog
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.frames = 0

    def _run(self) -> None:
        from influencemap.render.renderer import render

        width, height = self._settings.size
        while not self._stop.is_set():
            image = QImage(width, height, QImage.Format.Format_ARGB32_Premultiplied)
            painter = QPainter(image)
            try:
                render(painter, self._settings, self._catalog, self._stop.is_set)
            finally:
                painter.end()
            self.frames += 1

    def __enter__(self) -> "BusyRenderer":
        self._thread.start()
        time.sleep(0.05)
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def feature_pixels(canvas, catalog, rng: random.Random, count: int) -> list[QPointF]:
    """Pixels of random features that lie inside the canvas now."""
    features = [f for layer in catalog.layers for f in layer.features]
    rect = canvas.rect()
    pixels: list[QPointF] = []
    for _ in range(50 * count):
        if len(pixels) == count:
            break
        point = rng.choice(features).geometry.representative_point()
        pixel = canvas.screen_point(point.x, point.y)
        if rect.contains(pixel):
            pixels.append(QPointF(pixel))
    return pixels


def random_pixels(canvas, rng: random.Random, count: int) -> list[QPointF]:
    return [QPointF(rng.uniform(0, canvas.width() - 1), rng.uniform(0, canvas.height() - 1)) for _ in range(count)]


def hit_summary(name: str, canvas, pixels: list[QPointF]) -> dict[str, float]:
    """:func:`summary` of ``canvas.features_at`` at each pixel, with the mean number of hits."""
    samples, hits = Timings(), 0
    for pixel in pixels:
        hits += len(samples.time(canvas.features_at, pixel))
    return {**summary(name, samples), f"{name}_mean_hits": round(hits / max(1, len(pixels)), 1)}


def time_hovers(canvas, pixels: list[QPointF]) -> tuple[Timings, Timings]:
    """hover_at (identify plus tooltip) and the repaint that draws the hover highlight."""
    hover, paint = Timings(), Timings()
    for pixel in pixels:
        hover.time(canvas.hover_at, pixel)
        paint.time(canvas.repaint)
    canvas.hover_at(None)
    return hover, paint


def time_whats_here(window, pixels: list[QPointF]) -> tuple[Timings, int, int]:
    """A click at each pixel as the canvas handles it (``select_at``: list the features there,
    and when there are several open the What's-here list and paint its rows), closing the list
    after each; with how many clicks opened it and the most rows one listed."""
    samples = Timings()
    listed = window.whats_here
    opened = most = 0

    def click(pixel):
        window.canvas.select_at(pixel)
        if listed.isVisible():
            listed.viewport().repaint()

    for pixel in pixels:
        samples.time(click, pixel)
        if listed.isVisible():
            opened += 1
            most = max(most, listed.model().feature_count())
            listed.close()
    return samples, opened, most


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", help="a layer folder, e.g. /tmp/bench/big100k")
    parser.add_argument("--repeats", type=int, default=200, help="paints, hit-tests and hovers per case")
    parser.add_argument("--frames", type=int, default=12, help="repeated worker frames per view")
    parser.add_argument("--size", default="1600x1000", help="main window size, WIDTHxHEIGHT")
    parser.add_argument("--seed", type=int, default=8)
    args = parser.parse_args()
    width, height = (int(n) for n in args.size.lower().split("x"))
    rng = random.Random(args.seed)

    app = QApplication.instance() or QApplication(sys.argv[:1])
    from influencemap.model.catalog import Catalog
    from influencemap.model.filters import FeatureFilter
    from influencemap.model.loader import load_catalog
    from influencemap.ui.main_window import MainWindow

    result: dict[str, object] = {}
    started = time.perf_counter()
    catalog = load_catalog([args.folder])
    result["load_s"] = round(time.perf_counter() - started, 3)
    result["features"] = catalog.feature_count
    if not catalog.feature_count:
        problems = "; ".join(problem.format() for problem in catalog.problems[:3])
        log(f"no features loaded from {args.folder}" + (f": {problems}" if problems else ""))
        return 1
    log(f"loaded {catalog.feature_count} features in {result['load_s']} s")

    with tempfile.TemporaryDirectory(prefix="influencemap-canvas-bench-") as tmp:
        settings_store = QSettings(str(Path(tmp) / "window.ini"), QSettings.Format.IniFormat)
        # Open on nothing first, so the first frame of the big layer is timed on its own below.
        window = MainWindow([args.folder], settings=settings_store, catalog=Catalog())
        window.resize(width, height)
        window.show()
        canvas = window.canvas
        wait_until(canvas.is_frame_current)
        result["canvas_px"] = f"{canvas.width()}x{canvas.height()}"

        window.state.set_catalog(catalog, keep_layout=False)
        canvas.zoom_all()
        whole = canvas.frame_settings()
        renderer = canvas._renderer  # the canvas's own worker, exactly as it draws frames
        canvas._render_timer.stop()
        wait_until(lambda: not renderer.busy)
        first, first_latency = time_frames(renderer, whole, catalog, 1)
        result["render_first_ms"] = round(first[0] * 1000, 1)
        result["render_first_latency_ms"] = round(first_latency[0] * 1000, 1)
        log(f"first frame {result['render_first_ms']} ms (to the UI thread {result['render_first_latency_ms']} ms)")
        settle(canvas)
        result.update(summary("render_whole", time_frames(renderer, whole, catalog, args.frames)[0]))
        log(f"whole-layer frames: {result['render_whole_ms_median']} ms median")

        # Zoomed out over everything.
        settle(canvas)
        result.update(summary("pan_paint", time_paints(canvas, pan_step(canvas), args.repeats)))
        settle(canvas)
        result.update(summary("zoom_paint", time_paints(canvas, zoom_step(canvas), args.repeats)))
        settle(canvas)
        with BusyRenderer(whole, catalog) as busy:
            result.update(summary("pan_paint_busy", time_paints(canvas, pan_step(canvas), args.repeats)))
            result.update(summary("zoom_paint_busy", time_paints(canvas, zoom_step(canvas), args.repeats)))
        result["busy_frames_drawn"] = busy.frames
        log(f"paints: pan {result['pan_paint_ms_median']} ms, zoom {result['zoom_paint_ms_median']} ms, "
            f"while rendering {result['pan_paint_busy_ms_median']} / {result['zoom_paint_busy_ms_median']} ms")

        canvas.zoom_all()
        settle(canvas)
        result.update(hit_summary("hit_out_random", canvas, random_pixels(canvas, rng, args.repeats)))
        on_features = feature_pixels(canvas, catalog, rng, args.repeats)
        result.update(hit_summary("hit_out_on_features", canvas, on_features))
        hover, paint = time_hovers(canvas, on_features)
        result.update(summary("hover_out", hover))
        result.update(summary("hover_out_paint", paint))
        samples, opened, most = time_whats_here(window, on_features)
        result.update(summary("whats_here_out", samples))
        result["whats_here_out_opened"], result["whats_here_out_most_rows"] = opened, most
        log(f"zoomed out: hit {result['hit_out_on_features_ms_median']} ms median, "
            f"{result['hit_out_on_features_ms_max']} ms max; hover {result['hover_out_ms_median']} ms")

        # Further out, the whole world: thousands of points under every pixel of the dense areas.
        canvas.set_extent(*WORLD_BBOX)
        settle(canvas)
        world_pixels = feature_pixels(canvas, catalog, rng, args.repeats)
        result.update(hit_summary("hit_world_on_features", canvas, world_pixels))
        hover, _ = time_hovers(canvas, world_pixels)
        result.update(summary("hover_world", hover))
        samples, opened, most = time_whats_here(window, world_pixels)
        result.update(summary("whats_here_world", samples))
        result["whats_here_world_opened"], result["whats_here_world_most_rows"] = opened, most
        log(f"world: hit {result['hit_world_on_features_ms_median']} ms median, hover {result['hover_world_ms_median']} ms")
        canvas.zoom_all()
        settle(canvas)

        # Zoomed out through a date filter, as the timeline sets one: the first frame decides
        # which features pass (renderer and hit-test), later ones reuse that.
        window.state.set_filter(FeatureFilter(date_from=FILTER_FROM))
        wait_until(canvas.is_frame_current)
        result["render_filtered_first_ms"] = round(canvas.last_frame.seconds * 1000, 1)
        filtered = canvas.frame_settings()
        result.update(summary("render_filtered", time_frames(renderer, filtered, catalog, args.frames)[0]))
        result.update(hit_summary("hit_out_filtered", canvas, on_features))
        window.state.set_filter(None)
        log(f"filtered: first frame {result['render_filtered_first_ms']} ms, then {result['render_filtered_ms_median']} ms; "
            f"hit {result['hit_out_filtered_ms_median']} ms")

        # Zoomed in, close enough for labels.
        canvas.set_extent(*ZOOMED_BBOX)
        settle(canvas)
        zoomed = canvas.frame_settings()
        result.update(summary("render_zoomed", time_frames(renderer, zoomed, catalog, args.frames)[0]))
        result["zoomed_labels"] = canvas.last_frame.report.labels
        settle(canvas)
        result.update(hit_summary("hit_in_random", canvas, random_pixels(canvas, rng, args.repeats)))
        on_features = feature_pixels(canvas, catalog, rng, args.repeats)
        result.update(hit_summary("hit_in_on_features", canvas, on_features))
        hover, paint = time_hovers(canvas, on_features)
        result.update(summary("hover_in", hover))
        samples, opened, most = time_whats_here(window, on_features)
        result.update(summary("whats_here_in", samples))
        result["whats_here_in_opened"], result["whats_here_in_most_rows"] = opened, most
        result.update(summary("hover_in_paint", paint))
        settle(canvas)
        result.update(summary("pan_paint_zoomed", time_paints(canvas, pan_step(canvas), args.repeats)))
        log(f"zoomed in: render {result['render_zoomed_ms_median']} ms, hit {result['hit_in_on_features_ms_median']} ms, "
            f"hover {result['hover_in_ms_median']} ms")

        window.close()
        app.processEvents()
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
