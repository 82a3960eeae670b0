"""Multi-part geometries, holes and lines across ±180° drawn by the one renderer (canvas and
image export share it; SVG checked too)."""

from __future__ import annotations

from PySide6.QtGui import QColor, QImage, QPainter

from influencemap.render.map_settings import MapSettings
from influencemap.render.renderer import render

LAYERS = dict(
    spots="""\
    id: spots
    name: Spots
    style: {color: "#0000ff", marker: square, size: 14}
    features:
      - {id: offices, name: Offices, multipoint: [[24, 54], [38, 54]], sources: [rtest-doc]}
    """,
    shapes="""\
    id: shapes
    name: Shapes
    style: {color: "#00aa00", fill: "#00ff00", opacity: 1, width: 1}
    features:
      - id: holed
        name: Square with a lake
        polygon:
          - [[22, 44], [28, 44], [28, 50], [22, 50]]
          - [[24, 46], [26, 46], [26, 48], [24, 48]]
        sources: [rtest-doc]
      - id: twins
        name: Two squares
        multipolygon: [[[30, 44], [32, 44], [32, 46], [30, 46]], [[36, 44], [38, 44], [38, 46], [36, 46]]]
        sources: [rtest-doc]
    """,
    routes="""\
    id: routes
    name: Routes
    style: {color: "#ff0000", width: 6}
    features:
      - {id: two, name: Two routes, multiline: [[[30, 52], [34, 52]], [[36, 50], [40, 50]]], sources: [rtest-doc]}
    """,
    dateline="""\
    id: dateline
    name: Dateline
    style: {color: "#ff0000", fill: "#ff0000", opacity: 1, width: 6}
    features:
      - {id: across, name: Across, line: [[179.5, 65], [-179.5, 65]], sources: [rtest-doc]}
      - id: straddle
        name: Straddling polygon
        polygon: [[178, 50], [-178, 50], [-178, 54], [178, 54]]
        sources: [rtest-doc]
    """,
)

LAYER_IDS = ("shapes", "routes", "spots", "dateline")


def _draw(catalog, bbox, size=(600, 400), **changes) -> tuple[QImage, MapSettings]:
    settings = MapSettings.fit_lonlat(bbox, size, layer_ids=LAYER_IDS, show_scale_bar=False).replace(**changes)
    image = QImage(*size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(QColor("white"))
    painter = QPainter(image)
    render(painter, settings, catalog)
    painter.end()
    return image, settings


def _at(image: QImage, settings: MapSettings, lon: float, lat: float) -> QColor:
    px, py = settings.lonlat_to_pixels(lon, lat)
    return image.pixelColor(int(round(float(px))), int(round(float(py))))


def _is(color: QColor, channel: str) -> bool:
    values = {"red": color.red(), "green": color.green(), "blue": color.blue()}
    main = values.pop(channel)
    return main > 200 and all(v < 90 for v in values.values())


def test_every_part_is_drawn_and_holes_stay_open(make_catalog, qapp):
    catalog = make_catalog(**LAYERS)
    image, settings = _draw(catalog, (20.0, 42.0, 42.0, 56.0), show_labels=False)
    assert _is(_at(image, settings, 24, 54), "blue") and _is(_at(image, settings, 38, 54), "blue")
    assert not _is(_at(image, settings, 31, 54), "blue")  # no marker between the parts
    assert _is(_at(image, settings, 32, 52), "red") and _is(_at(image, settings, 38, 50), "red")
    assert not _is(_at(image, settings, 35, 51), "red")  # the two routes are not joined
    assert _is(_at(image, settings, 23, 45), "green")  # in the square
    assert not _is(_at(image, settings, 25, 47), "green")  # in its lake
    assert _is(_at(image, settings, 31, 45), "green") and _is(_at(image, settings, 37, 45), "green")
    assert not _is(_at(image, settings, 34, 45), "green")


def test_a_selected_multipoint_is_highlighted_at_every_part(make_catalog, qapp):
    catalog = make_catalog(**LAYERS)
    plain, settings = _draw(catalog, (20.0, 42.0, 42.0, 56.0), show_labels=False)
    selected, _ = _draw(catalog, (20.0, 42.0, 42.0, 56.0), show_labels=False, selected_id="offices")
    for lon in (24, 38):
        px, py = settings.lonlat_to_pixels(lon, 54)
        ring = (int(round(float(px))) + 14, int(round(float(py))))  # the highlight ring beside the marker
        assert selected.pixelColor(*ring) != plain.pixelColor(*ring), lon


def test_lines_and_polygons_across_the_antimeridian_are_drawn_the_short_way(make_catalog, qapp):
    catalog = make_catalog(**LAYERS)
    east, settings = _draw(catalog, (170.0, 45.0, 180.0, 70.0), show_labels=False)
    assert _is(_at(east, settings, 179.8, 65), "red")  # the line leaves the map at +180
    assert not _is(_at(east, settings, 175, 65), "red")  # not drawn back across the world
    assert _is(_at(east, settings, 179, 52), "red")  # the polygon's eastern half
    assert not _is(_at(east, settings, 172, 52), "red")
    west, settings = _draw(catalog, (-180.0, 45.0, -170.0, 70.0), show_labels=False)
    assert _is(_at(west, settings, -179.8, 65), "red")  # and comes back in at -180
    assert not _is(_at(west, settings, -175, 65), "red")
    assert _is(_at(west, settings, -179, 52), "red") and not _is(_at(west, settings, -172, 52), "red")


def test_svg_export_draws_every_part(make_catalog, qapp):
    from influencemap.export.image import image_settings, render_bytes

    catalog = make_catalog(**LAYERS)
    svg = render_bytes(catalog, image_settings(catalog, (400, 300), (20.0, 42.0, 42.0, 56.0)), "svg").decode("utf-8")
    # A vector square marker for each part of the multipoint, and the legend's symbol.
    assert svg.lower().count('fill="#0000ff"') == 3
    assert "#00ff00" in svg.lower()
