"""PNG and SVG export: the canvas's renderer, headless, at the asked size, features in place."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET

from PySide6.QtGui import QImage

from influencemap.export.image import write_image
from influencemap.model.loader import load_catalog

MINSK = (27.56, 53.90)
KYIV = (30.52, 50.45)


def test_image_export_has_the_size_and_draws_features_where_screen_point_says(two_layer_window, tmp_path):
    window = two_layer_window
    canvas = window.canvas
    size = (canvas.width(), canvas.height())
    out = tmp_path / "map.png"
    write_image(load_catalog([str(p) for p in window.paths]), out, size=size, bbox=canvas.view_bounds())
    image = QImage(str(out))
    assert (image.width(), image.height()) == size
    for lon, lat, feature in (MINSK + ("minsk",), KYIV + ("kyiv",)):
        point = canvas.screen_point(lon, lat)
        color = image.pixelColor(point.x(), point.y())
        expected_red = feature == "minsk"  # 'diplo' (red) is drawn over 'econ' (blue) in Minsk
        if expected_red:
            assert color.red() > 200 and color.blue() < 60, (feature, color.name())
        else:
            assert color.blue() > 200 and color.red() < 60, (feature, color.name())
    # Away from the features there is no layer colour.
    away = canvas.screen_point(*KYIV)
    away.setX(away.x() + 40)
    color = image.pixelColor(away.x(), away.y())
    assert not (color.blue() > 200 and color.red() < 60)


def test_svg_export_is_an_svg_of_the_asked_size(two_layer_window, tmp_path):
    out = tmp_path / "map.svg"
    write_image(load_catalog(two_layer_window.paths), out, size=(640, 480), bbox=None)
    root = ET.parse(out).getroot()
    assert root.tag.endswith("svg")
    assert root.get("viewBox") == "0 0 640 480"
    text = out.read_text(encoding="utf-8")
    assert "#0000ff" in text.lower() and "#ff0000" in text.lower()
    assert "Natural Earth" in text and "sources: 1 document" in text


def test_export_works_without_a_display(layers, tmp_path):
    layers.point_layer("econ", [("minsk-plant", "Plant", MINSK)], "#0000ff")
    out = tmp_path / "headless.png"
    script = textwrap.dedent(
        f"""
        from pathlib import Path
        from influencemap.model.loader import load_catalog
        from influencemap.export.image import write_image
        write_image(load_catalog([{str(layers.folder)!r}]), Path({str(out)!r}), size=(300, 200), bbox=None)
        """
    )
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    image = QImage(str(out))
    assert (image.width(), image.height()) == (300, 200)


def test_a_failed_export_leaves_no_partial_file(two_layer_window, tmp_path, monkeypatch):
    out = tmp_path / "map.png"
    out.write_bytes(b"old")

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("influencemap.export.image.render_bytes", broken)
    try:
        write_image(load_catalog(two_layer_window.paths), out, size=(100, 100), bbox=None)
    except OSError:
        pass
    assert out.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".map.png")] == []
