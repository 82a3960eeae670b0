"""The offline context on the map: city names and dots, water, regions, country names."""

from __future__ import annotations

import re

import numpy as np
import pyogrio
import pytest
import shapely
from PySide6.QtCore import QRectF
from PySide6.QtGui import QFontMetricsF, QImage, QPainter

import influencemap.render.basemap_layer as basemap_layer
import influencemap.render.context_layer as context_layer
import influencemap.render.renderer as renderer
from influencemap.export.image import render_bytes
from influencemap.paths import geodata_dir
from influencemap.geo.mercator import lonlat_to_mercator
from influencemap.render.map_settings import MapSettings
from influencemap.render.renderer import render

MINSK = (26.6, 53.5, 28.6, 54.4)
ALMATY = (76.3, 42.9, 77.6, 43.6)
KYIV = (29.8, 50.0, 31.4, 50.9)
SIZE = (1000, 700)

FAR_AWAY = """\
id: far
name: Far away
features:
  - {id: f1, name: Somewhere else, point: [100.0, 10.0], sources: [rtest-doc]}
"""


def _svg(catalog, bbox) -> str:
    settings = MapSettings.fit_lonlat(bbox, SIZE, layer_ids=tuple(layer.id for layer in catalog.layers))
    return render_bytes(catalog, settings, "svg").decode("utf-8")


def _texts(svg: str) -> set[str]:
    return {text.strip() for text in re.findall(r"<text[^>]*>([^<]*)</text>", svg)}


@pytest.mark.parametrize("bbox, names", [(MINSK, {"Minsk", "Maladzyechna"}), (ALMATY, {"Almaty"}), (KYIV, {"Kyiv", "Brovary"})])
def test_svg_names_the_cities_as_text(make_catalog, qapp, bbox, names):
    assert names <= _texts(_svg(make_catalog(far=FAR_AWAY), bbox))


def test_svg_draws_lakes_and_rivers_at_kyiv(make_catalog, qapp):
    svg = _svg(make_catalog(far=FAR_AWAY), KYIV)
    lake_edge = context_layer.LAKE_EDGE.name()
    river = context_layer.RIVER.name()
    assert re.search(rf'<g [^>]*fill="{context_layer.WATER.name()}"[^>]*stroke="{lake_edge}"', svg)
    assert f'stroke="{river}"' in svg
    # Far out, at the world's scale, only the biggest water is drawn: far fewer river paths.
    world = _svg(make_catalog(far=FAR_AWAY), (-170.0, -60.0, 170.0, 80.0))
    assert f'stroke="{river}"' in world


def _image(catalog, bbox, size=SIZE) -> tuple[QImage, MapSettings]:
    settings = MapSettings.fit_lonlat(bbox, size, layer_ids=tuple(layer.id for layer in catalog.layers))
    image = QImage(*size, QImage.Format.Format_ARGB32_Premultiplied)
    painter = QPainter(image)
    render(painter, settings, catalog)
    painter.end()
    return image, settings


def test_the_kyiv_reservoir_is_water_coloured(make_catalog, qapp):
    lakes = pyogrio.read_dataframe(geodata_dir() / "context_lakes.fgb")
    reservoir = lakes.loc[lakes["name"] == "Kiev Reservoir", "geometry"].iloc[0]
    in_view = reservoir.intersection(shapely.box(*KYIV))
    inside = shapely.get_coordinates(shapely.maximum_inscribed_circle(in_view, 0.001))[0]
    beside = (inside[0] - 0.25, inside[1])  # on land, west of the reservoir
    assert not reservoir.contains(shapely.Point(beside))
    image, settings = _image(make_catalog(far=FAR_AWAY), KYIV)

    def colour(lon, lat):
        x, y = settings.lonlat_to_pixels(lon, lat)
        return image.pixelColor(int(x), int(y)).name()

    assert colour(*inside) == context_layer.WATER.name()
    assert colour(*beside) == basemap_layer.LAND.name()


def test_small_rivers_only_when_zoomed_in(qapp):
    context = context_layer.projected_context()
    rivers = context.rivers
    small = np.flatnonzero(rivers.min_zoom >= 7.0)
    b = rivers.bounds[small[0]]
    near = MapSettings(center=((b[0] + b[2]) / 2, (b[1] + b[3]) / 2), resolution=150.0, size=(1000, 700))
    far = near.replace(resolution=5000.0)
    assert np.intersect1d(rivers.visible(near, context_layer.zoom_of(near)), small).size
    assert not np.intersect1d(rivers.visible(far, context_layer.zoom_of(far)), small).size
    assert rivers.visible(far, context_layer.zoom_of(far)).size  # the big ones stay


class _Recorder:
    """Records the rectangles of feature labels (ours) and of place labels drawn in a frame."""

    def __init__(self, monkeypatch):
        self.ours: list[QRectF] = []
        self.places: list[tuple[str, QRectF]] = []
        self.countries: list[str] = []
        original_ours, original_place = renderer.draw_halo_text, context_layer.halo_text
        original_country = basemap_layer.draw_halo_text

        def ours(painter, origin, text, font, color, *rest):
            self.ours.append(_rect(origin, text, font))
            original_ours(painter, origin, text, font, color, *rest)

        def place(painter, origin, text, font, color):
            self.places.append((text, _rect(origin, text, font)))
            original_place(painter, origin, text, font, color)

        def country(painter, origin, text, font, color, *rest):
            self.countries.append(text)
            original_country(painter, origin, text, font, color, *rest)

        monkeypatch.setattr(renderer, "draw_halo_text", ours)
        monkeypatch.setattr(context_layer, "halo_text", place)
        monkeypatch.setattr(basemap_layer, "draw_halo_text", country)


def _rect(origin, text, font) -> QRectF:
    metrics = QFontMetricsF(font)
    return QRectF(origin.x(), origin.y() - metrics.ascent(), metrics.horizontalAdvance(text), metrics.height())


def _crowd(n: int, box) -> str:
    rng = np.random.default_rng(7)
    lons = rng.uniform(box[0], box[2], n)
    lats = rng.uniform(box[1], box[3], n)
    rows = "".join(
        f"  - {{id: c{i}, name: Feature with a long name {i}, point: [{lon:.4f}, {lat:.4f}], sources: [rtest-doc]}}\n"
        for i, (lon, lat) in enumerate(zip(lons, lats))
    )
    return f"id: crowd\nname: Crowd\nfeatures:\n{rows}"


def test_no_place_label_overlaps_a_feature_label(make_catalog, qapp, monkeypatch):
    box = (22.0, 48.0, 34.0, 56.0)
    catalog = make_catalog(crowd=_crowd(40, box))
    recorder = _Recorder(monkeypatch)
    _image(catalog, box)
    assert len(recorder.ours) >= 10 and len(recorder.places) >= 10
    for _, place in recorder.places:
        for ours in recorder.ours:
            assert not place.intersects(ours)
    rects = [rect for _, rect in recorder.places]
    for i, a in enumerate(rects):
        assert not any(a.intersects(b) for b in rects[i + 1 :])


def test_a_place_under_one_of_our_markers_is_left_to_the_marker(make_catalog, qapp, monkeypatch):
    places = pyogrio.read_dataframe(geodata_dir() / "context_places.fgb")
    lon, lat = shapely.get_coordinates(places.loc[places["name"] == "Maladzyechna", "geometry"].iloc[0])[0]
    on_it = f"id: on\nname: On\nfeatures:\n  - {{id: o1, name: A fact, point: [{lon + 0.01}, {lat}], sources: [rtest-doc]}}\n"
    recorder = _Recorder(monkeypatch)
    _image(make_catalog(on=on_it), MINSK)
    assert "Maladzyechna" not in {name for name, _ in recorder.places}
    assert "A fact" in _drawn_texts(recorder)
    recorder.places.clear()
    _image(make_catalog(on=on_it.replace(f"[{lon + 0.01}", f"[{lon + 0.3}")), MINSK)
    assert "Maladzyechna" in {name for name, _ in recorder.places}


def _drawn_texts(recorder) -> list[str]:
    return [text for text in ("A fact",)] if recorder.ours else []


def test_the_country_is_named_when_its_label_point_is_off_screen(make_catalog, qapp, monkeypatch):
    recorder = _Recorder(monkeypatch)
    _image(make_catalog(far=FAR_AWAY), ALMATY)
    assert "Kazakhstan" in recorder.countries
    settings = MapSettings.fit_lonlat(ALMATY, SIZE)
    x, y = settings.lonlat_to_pixels(66.9, 48.2)  # Kazakhstan's own label point, far west
    assert x < 0


def test_capitals_but_not_towns_at_country_zoom(make_catalog, qapp, monkeypatch):
    recorder = _Recorder(monkeypatch)
    _image(make_catalog(far=FAR_AWAY), (10.0, 35.0, 60.0, 60.0), size=(1000, 700))
    names = {name for name, _ in recorder.places}
    assert {"Minsk", "Warsaw", "Bucharest"} <= names
    assert "Maladzyechna" not in names and "Brovary" not in names


WARSAW = (21.0118, 52.2298)


@pytest.mark.parametrize("geometry", [
    f"point: [{WARSAW[0]}, {WARSAW[1]}]",
    f"polygon: [[[{WARSAW[0]}, {WARSAW[1]}], [{WARSAW[0] + 0.02}, {WARSAW[1]}], [{WARSAW[0] + 0.02}, {WARSAW[1] + 0.02}], [{WARSAW[0]}, {WARSAW[1]}]]]",
])
def test_a_capital_under_a_marker_without_a_label_keeps_its_name(make_catalog, qapp, monkeypatch, geometry):
    """At country zoom single facts carry no label: the capital they sit on (a point, or a
    shape too small to see, drawn as a square) is still named, beside them, without its dot."""
    on_it = f"id: on\nname: On\nfeatures:\n  - {{id: o1, name: A fact, {geometry}, sources: [rtest-doc]}}\n"
    recorder = _Recorder(monkeypatch)
    _image(make_catalog(on=on_it), (10.0, 35.0, 60.0, 60.0), size=(1000, 700))
    assert recorder.ours == []  # the fact has no label of its own at this zoom
    assert "Warsaw" in {name for name, _ in recorder.places}
