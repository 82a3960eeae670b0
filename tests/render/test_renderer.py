"""The renderer: every geometry kind in its style, at the right pixels, only what is visible."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QImage, QPainter

from influencemap.model.filters import FeatureFilter
from influencemap.model.types import GeometryKind, Marker, Style
from influencemap.render.map_settings import MapSettings
from influencemap.render.qt_arrays import polygonf
from influencemap.render.renderer import render
from influencemap.render.symbols import legend_symbol, marker_path

LAYERS = dict(
    points="""\
    id: points
    name: Points
    style: {color: "#0000ff", marker: square, size: 14}
    features:
      - {id: minsk, name: Minsk point, point: [27.56, 53.90], date: 2019, sources: [rtest-doc]}
      - {id: kyiv, name: Kyiv point, point: [30.52, 50.45], date: 2010, sources: [rtest-doc]}
    """,
    zones="""\
    id: zones
    name: Zones
    style: {color: "#00aa00", fill: "#00ff00", opacity: 0.8, width: 2}
    features:
      - id: donut
        name: A square with a hole
        polygon: [[22, 44], [26, 44], [26, 48], [22, 48]]
        sources: [rtest-doc]
    """,
    routes="""\
    id: routes
    name: Routes
    style: {color: "#ff0000", width: 6}
    features:
      - {id: route, name: A route, line: [[34, 46], [40, 46]], sources: [rtest-doc]}
    """,
)

BBOX = (20.0, 42.0, 42.0, 56.0)


def _draw(catalog, **changes) -> tuple[QImage, MapSettings]:
    settings = MapSettings.fit_lonlat(BBOX, (600, 400), layer_ids=("zones", "routes", "points"), show_scale_bar=False)
    settings = settings.replace(**changes)
    image = QImage(600, 400, QImage.Format.Format_ARGB32_Premultiplied)
    painter = QPainter(image)
    render(painter, settings, catalog)
    painter.end()
    return image, settings


def _at(image: QImage, settings: MapSettings, lon: float, lat: float) -> QColor:
    px, py = settings.lonlat_to_pixels(lon, lat)
    return image.pixelColor(int(round(float(px))), int(round(float(py))))


def test_points_lines_and_polygons_are_drawn_in_their_styles(make_catalog, qapp):
    catalog = make_catalog(**LAYERS)
    image, settings = _draw(catalog)
    blue = _at(image, settings, 27.56, 53.90)
    assert blue.blue() > 200 and blue.red() < 60 and blue.green() < 60
    red = _at(image, settings, 37.0, 46.0)
    assert red.red() > 200 and red.green() < 60
    green = _at(image, settings, 23.0, 45.0)
    assert green.green() > 200 and green.red() < 100 and green.blue() < 100


def _blue(color: QColor) -> bool:
    return color.blue() > 200 and color.red() < 60 and color.green() < 60


def test_hidden_layers_and_filtered_features_are_not_drawn(make_catalog, qapp):
    catalog = make_catalog(**LAYERS)
    image, settings = _draw(catalog)
    assert _blue(_at(image, settings, 27.56, 53.90)) and _blue(_at(image, settings, 30.52, 50.45))
    image, settings = _draw(catalog, layer_ids=("zones", "routes"))
    assert not _blue(_at(image, settings, 27.56, 53.90))
    image, settings = _draw(catalog, feature_filter=FeatureFilter(date_from="2015"))
    assert _blue(_at(image, settings, 27.56, 53.90))
    assert not _blue(_at(image, settings, 30.52, 50.45))


def test_a_frame_can_be_cancelled(make_catalog, qapp):
    catalog = make_catalog(**LAYERS)
    settings = MapSettings.fit_lonlat(BBOX, (200, 100), layer_ids=("zones", "routes", "points"))
    image = QImage(200, 100, QImage.Format.Format_ARGB32_Premultiplied)
    painter = QPainter(image)
    report = render(painter, settings, catalog, cancelled=lambda: True)
    painter.end()
    assert report.cancelled and report.features == 0


def test_point_labels_never_overlap(make_catalog, qapp):
    rows = "".join(
        f"  - {{id: p{i}, name: Label number {i}, point: [{27 + (i % 6) * 0.35}, {53 + (i // 6) * 0.12}], sources: [rtest-doc]}}\n"
        for i in range(36)
    )
    catalog = make_catalog(crowd=f"id: crowd\nname: Crowd\nfeatures:\n{rows}")
    settings = MapSettings.fit_lonlat((26.5, 52.8, 29.5, 57.5), (500, 400), layer_ids=("crowd",))
    image = QImage(500, 400, QImage.Format.Format_ARGB32_Premultiplied)
    painter = QPainter(image)
    placed = []
    import influencemap.render.renderer as renderer

    original = renderer.draw_halo_text

    def record(painter_, origin, text, font, color, *rest):
        from PySide6.QtGui import QFontMetricsF

        metrics = QFontMetricsF(font)
        placed.append(QRectF(origin.x(), origin.y() - metrics.ascent(), metrics.horizontalAdvance(text), metrics.height()))
        original(painter_, origin, text, font, color, *rest)

    renderer.draw_halo_text = record
    try:
        report = render(painter, settings, catalog)
    finally:
        renderer.draw_halo_text = original
        painter.end()
    assert 0 < report.labels < 36  # some fit, not all
    point_labels = placed
    assert len(point_labels) == report.labels
    for i, a in enumerate(point_labels):
        for b in point_labels[i + 1 :]:
            assert not a.intersects(b)


def test_a_tiny_polygon_stays_visible_when_zoomed_out(make_catalog, qapp):
    catalog = make_catalog(
        tiny="""\
        id: tiny
        name: Tiny
        style: {color: "#aa00aa", fill: "#ff00ff", opacity: 0.3}
        features:
          - {id: speck, name: Speck, polygon: [[27.5, 53.9], [27.51, 53.9], [27.51, 53.91]], sources: [rtest-doc]}
        """
    )
    settings = MapSettings.fit_lonlat(BBOX, (600, 400), layer_ids=("tiny",))
    image = QImage(600, 400, QImage.Format.Format_ARGB32_Premultiplied)
    painter = QPainter(image)
    render(painter, settings, catalog)
    painter.end()
    color = _at(image, settings, 27.505, 53.905)
    assert color.red() > 150 and color.blue() > 150 and color.green() < 120


def test_svg_target_gets_vector_markers(make_catalog, qapp, tmp_path):
    from influencemap.export.image import image_settings, render_bytes

    catalog = make_catalog(**LAYERS)
    svg = render_bytes(catalog, image_settings(catalog, (400, 300), BBOX), "svg").decode("utf-8")
    assert "<image" not in svg  # no sprites in a vector file
    assert "#0000ff" in svg.lower()


def test_polygonf_copies_every_vertex(qapp):
    xy = np.random.default_rng(3).uniform(0, 1000, (5000, 2))
    polygon = polygonf(xy)
    assert polygon.size() == 5000
    for i in (0, 1, 2500, 4999):
        assert (polygon.at(i).x(), polygon.at(i).y()) == pytest.approx(tuple(xy[i]))


@pytest.mark.parametrize("marker", list(Marker))
def test_every_marker_has_a_shape_of_about_its_size(marker, qapp):
    bounds = marker_path(marker, 10).boundingRect()
    assert 7 <= bounds.width() <= 14 and 7 <= bounds.height() <= 14
    assert abs(bounds.center().x()) < 1.5 and abs(bounds.center().y()) < 1.5


def test_legend_symbol_draws_in_the_layer_colour(qapp):
    image = QImage(20, 20, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(0)
    painter = QPainter(image)
    legend_symbol(painter, QRectF(0, 0, 20, 20), Style(color="#00ff00", marker=Marker.DIAMOND, size=12), {GeometryKind.POINT})
    painter.end()
    center = image.pixelColor(10, 10)
    assert center.green() > 200 and center.red() < 60


@pytest.mark.parametrize("size", [4, 10, 18])
def test_a_lone_point_is_labelled_beside_its_marker(make_catalog, qapp, size):
    catalog = make_catalog(
        lone=f"""\
        id: lone
        name: Lone
        style: {{color: "#0000ff", size: {size}}}
        features:
          - {{id: lone, name: Lonely place, point: [27.5, 53.9], sources: [rtest-doc]}}
        """
    )
    settings = MapSettings.fit_lonlat((27.0, 53.5, 28.0, 54.3), (400, 300), layer_ids=("lone",))
    import influencemap.render.renderer as renderer
    from influencemap.render.labels import LabelGrid

    grid = LabelGrid(settings.size)
    batch = renderer._point_batch(settings, catalog.layer("lone"))
    grid.take_points(batch.xy, size / 2 + 1)
    placed = renderer._place_point_labels(settings, [batch], grid)
    assert [text for _, text in placed] == ["Lonely place"]
    (origin, _), (x, y) = placed[0], batch.xy[0]
    assert origin.x() > x + size / 2  # to the right of the marker, not over it
