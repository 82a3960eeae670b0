"""The app tells the load cache at start that it frees its results at exit (the command line
leaves them to the operating system: tests/model/test_load_cache.py)."""

from __future__ import annotations

import pytest

from influencemap.model import load_cache


def test_run_app_asks_the_load_cache_to_free_its_results_at_exit(monkeypatch):
    from influencemap.ui import app

    seen = []
    monkeypatch.setattr(load_cache, "free_results_at_exit", lambda free=True: seen.append(free))

    class Started(Exception):
        pass

    class NoApplication:  # stops run_app where it would build the application
        @staticmethod
        def instance():
            raise Started

    monkeypatch.setattr(app, "QApplication", NoApplication)
    with pytest.raises(Started):
        app.run_app([])
    assert seen == [True]
