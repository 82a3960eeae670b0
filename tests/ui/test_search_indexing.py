"""Searching a big catalog does not freeze the window (issue 14): its index is built on a worker
thread, the panel says "Indexing N features…" meanwhile, and the query runs once it is ready."""

from __future__ import annotations

from influencemap.model.search import ready_search_index
from influencemap.ui import search_panel as panel_module


def test_a_big_catalog_is_indexed_off_the_ui_thread_then_searched(explore_window, qtbot, monkeypatch):
    monkeypatch.setattr(panel_module, "BUILD_AT_ONCE", 0)  # every catalog counts as big
    window = explore_window
    panel = window.search_panel
    catalog = window.state.catalog
    assert ready_search_index(catalog) is None
    with qtbot.waitSignal(panel.indexReady, timeout=10000):
        panel.set_query("port deal")
        assert panel.summary.text() == f"Indexing {catalog.feature_count:,} features…"
        assert panel.result_ids() == []
        assert panel.is_indexing()
    assert ready_search_index(catalog) is not None
    assert not panel.is_indexing()
    assert panel.result_ids() == ["kyiv-port"]
    assert panel.summary.text() == "1 match"


def test_showing_the_panel_starts_indexing_a_big_catalog(explore_window, qtbot, monkeypatch):
    monkeypatch.setattr(panel_module, "BUILD_AT_ONCE", 0)
    window = explore_window
    window.search_dock.hide()
    qtbot.waitUntil(lambda: not window.search_panel.isVisible())
    assert ready_search_index(window.state.catalog) is None
    with qtbot.waitSignal(window.search_panel.indexReady, timeout=10000):
        window.search_dock.show()
    assert ready_search_index(window.state.catalog) is not None


def test_a_small_catalog_is_searched_at_once(explore_window):
    panel = explore_window.search_panel
    panel.set_query("port deal")
    assert not panel.is_indexing()
    assert panel.result_ids() == ["kyiv-port"]
