"""Time to the map with a million features (issue 14): the loader's warm-up no longer builds the
hit-test index before the catalog is shown; the canvas's worker builds it right after the first
frame. A hover over a big catalog meanwhile passes instead of waiting on the UI thread for the
index (half a second on 1M points); a small catalog's hover still waits (milliseconds)."""

from __future__ import annotations

import threading

from PySide6.QtCore import QPointF

from influencemap.model import identify
from influencemap.ui import catalog_loader, map_canvas

from tests.ui.conftest import KYIV


def _index_built_elsewhere():
    """Hold identify's build lock on another thread, as the worker does while it indexes."""
    held, release = threading.Event(), threading.Event()

    def build() -> None:
        with identify._BUILD_LOCK:
            held.set()
            release.wait(10)

    thread = threading.Thread(target=build)
    thread.start()
    assert held.wait(5)
    return thread, release


def test_a_hover_over_a_big_catalog_does_not_wait_for_its_index(two_layer_window, monkeypatch):
    canvas = two_layer_window.canvas
    kyiv = QPointF(canvas.screen_point(*KYIV))
    identify._CACHE.clear()  # a new catalog: no index yet
    monkeypatch.setattr(map_canvas, "HOVER_WAITS_UP_TO", 0)  # these three features count as big
    thread, release = _index_built_elsewhere()
    try:
        assert identify.index_pending(canvas._state.catalog)
        canvas.hover_at(kyiv)
        assert identify._BUILD_LOCK.locked()  # it came back while the index was still being built
        assert two_layer_window.state.hovered_id is None
    finally:
        release.set()
        thread.join()
    canvas.hover_at(kyiv)  # once indexed (here, by the hover itself), hovering finds the feature
    assert two_layer_window.state.hovered_id == "kyiv-port"
    assert not identify.index_pending(canvas._state.catalog)


def test_a_hover_over_a_small_catalog_still_waits_for_the_index(two_layer_window):
    canvas = two_layer_window.canvas
    kyiv = QPointF(canvas.screen_point(*KYIV))
    identify._CACHE.clear()
    thread, release = _index_built_elsewhere()
    threading.Timer(0.3, release.set).start()
    canvas.hover_at(kyiv)  # waits for the other thread, then builds and finds
    thread.join()
    assert two_layer_window.state.hovered_id == "kyiv-port"


def test_warm_up_leaves_the_index_to_the_canvas_worker(two_layer_window, monkeypatch):
    catalog = two_layer_window.state.catalog
    built = []
    identify._CACHE.clear()  # as for a catalog just loaded
    monkeypatch.setattr(identify, "_build_index", lambda c: built.append(c))
    catalog_loader.warm_up(catalog)
    assert built == []


def test_the_canvas_worker_reads_what_names_a_markers_place_after_a_frame(two_layer_window, monkeypatch, qtbot):
    """The first click on a stack marker names its place; the gazetteer's place points and the
    country lookup are read by the worker after a frame, not by that click on the UI thread."""
    from influencemap.ui import frame_renderer

    threads = []
    monkeypatch.setattr(frame_renderer, "prepare_place_names", lambda: threads.append(threading.current_thread()))
    two_layer_window.canvas.request_render()
    qtbot.waitUntil(lambda: bool(threads), timeout=10_000)
    assert threads[0] is not threading.main_thread()


def test_preparing_place_names_reads_the_place_points_and_the_country_lookup():
    from influencemap.geo import basemap, gazetteer
    from influencemap.render import stacks

    gazetteer.default_place_points.cache_clear()
    basemap._index.cache_clear()
    stacks.prepare_place_names()
    assert gazetteer.default_place_points.cache_info().currsize == 1
    assert basemap._index.cache_info().currsize == 1
    assert stacks.place_names([(67.3, 48.2), (27.56, 53.90)]) == ["Kazakhstan", "Minsk"]
