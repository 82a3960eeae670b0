"""A file that cannot be read never empties the map (issue 18, item 1): the other layers, and
the last good version of that file's layer, stay shown, and the problem is listed at the file."""

from __future__ import annotations

import os

from tests.ui.conftest import KYIV, MINSK

RELOAD_MS = 10000


def _replace_atomically(path, text):
    temp = path.with_name(f".{path.name}.swp")
    temp.write_text(text, encoding="utf-8")
    os.replace(temp, path)


def test_a_url_urlparse_rejects_keeps_every_layer_on_the_map(layers, open_window, qtbot):
    econ = layers.point_layer("econ", [("minsk-plant", "Plant in Minsk", MINSK)], "#0000ff")
    layers.point_layer("diplo", [("kyiv-visit", "Visit to Kyiv", KYIV)], "#ff0000", category="Diplomacy")
    window = open_window([layers.folder])
    good = econ.read_text(encoding="utf-8")
    bad = good.replace("features:\n", 'sources:\n  - {id: bad-url, title: T, url: "http://[x]/"}\nfeatures:\n')
    _replace_atomically(econ, bad)
    qtbot.waitUntil(lambda: any(line.startswith(f"{econ}:") for line in window.problems_panel.lines()), timeout=RELOAD_MS)
    assert window.catalog.find_feature("kyiv-visit") is not None  # the other file
    assert window.catalog.find_feature("minsk-plant") is not None  # the last good version
    lines = window.problems_panel.lines()
    assert any(line.startswith(f"{econ}:6:34:") and "source url is not a valid address" in line for line in lines)
    assert any("last good version of layer 'econ'" in line for line in lines)


def test_a_load_that_fails_unforeseen_keeps_the_last_good_layers(layers, open_window, qtbot, monkeypatch):
    layers.point_layer("econ", [("minsk-plant", "Plant in Minsk", MINSK)], "#0000ff")
    diplo = layers.point_layer("diplo", [("kyiv-visit", "Visit to Kyiv", KYIV)], "#ff0000", category="Diplomacy")
    window = open_window([layers.folder])
    from influencemap.model import loader

    def broken(*args, **kwargs):
        raise RuntimeError("a bug across files")

    monkeypatch.setattr(loader, "load_catalog", broken)
    window.reload()
    qtbot.waitUntil(lambda: any("a bug across files" in line for line in window.problems_panel.lines()), timeout=RELOAD_MS)
    assert window.catalog.find_feature("kyiv-visit") is not None
    assert window.catalog.find_feature("minsk-plant") is not None
    assert any(line.startswith(f"{diplo}:1:1:") for line in window.problems_panel.lines())
