"""The image legend lists only the layers the picture shows a feature of (as the HTML export and
the map sheet do): a layer the filter empties, or whose features all lie outside the picture,
is left out, and a layer's symbol shows the kinds of geometry drawn."""

from __future__ import annotations

from PySide6.QtGui import QColor, QImage, QPainter

from influencemap.export.image import render_bytes
from influencemap.model.filters import FeatureFilter
from influencemap.model.types import GeometryKind
from influencemap.render.map_settings import MapSettings
from influencemap.render.renderer import legend_entries, render

RAIL = """\
id: rail
name: Railway Deals
style: {color: "#cc0000"}
features:
  - {id: rail-kz, name: Kazakh line, line: [[60, 48], [70, 48]], countries: [KZ], sources: [rtest-doc]}
  - {id: rail-cn, name: Chinese depot, point: [80, 44], countries: [CN], sources: [rtest-doc]}
"""
PORTS = """\
id: ports
name: Port Leases
style: {color: "#0000cc"}
features:
  - {id: port-by, name: Minsk dry port, point: [27.5, 53.9], countries: [BY], sources: [rtest-doc]}
"""
FAR = """\
id: far
name: Far Away Projects
style: {color: "#00aa00"}
features:
  - {id: far-jp, name: Far project, point: [139.7, 35.7], countries: [JP], sources: [rtest-doc]}
"""

BBOX = (20.0, 35.0, 90.0, 58.0)
ONLY_BELARUS = FeatureFilter(countries=frozenset({"BY"}))


def _settings(layer_ids=("far", "rail", "ports"), feature_filter=None) -> MapSettings:
    return MapSettings.fit_lonlat(BBOX, (700, 400), layer_ids=layer_ids, show_legend=True,
                                  show_labels=False, feature_filter=feature_filter)


def _png(catalog, settings: MapSettings) -> QImage:
    image = QImage(*settings.size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(QColor("white"))
    painter = QPainter(image)
    render(painter, settings, catalog)
    painter.end()
    return image


def test_a_layer_the_filter_empties_is_not_in_the_legend(make_catalog, qapp):
    catalog = make_catalog(rail=RAIL, ports=PORTS, far=FAR)

    unfiltered = [entry.name for entry in legend_entries(_settings(), catalog)]
    filtered = [entry.name for entry in legend_entries(_settings(feature_filter=ONLY_BELARUS), catalog)]

    assert unfiltered == ["Port Leases", "Railway Deals"]  # top first; Far is outside the picture
    assert filtered == ["Port Leases"]


def test_the_exported_svg_names_only_the_layers_it_shows(make_catalog, qapp):
    catalog = make_catalog(rail=RAIL, ports=PORTS, far=FAR)

    svg = render_bytes(catalog, _settings(feature_filter=ONLY_BELARUS), "svg").decode("utf-8")
    everything = render_bytes(catalog, _settings(), "svg").decode("utf-8")

    assert "Port Leases" in svg and "Railway Deals" not in svg
    assert "Port Leases" in everything and "Railway Deals" in everything
    assert "Far Away Projects" not in everything  # no feature in the picture


def test_filtering_a_layer_to_nothing_draws_the_same_picture_as_hiding_it(make_catalog, qapp):
    catalog = make_catalog(rail=RAIL, ports=PORTS, far=FAR)

    filtered = _png(catalog, _settings(feature_filter=ONLY_BELARUS))
    hidden = _png(catalog, _settings(layer_ids=("ports",), feature_filter=ONLY_BELARUS))
    shown = _png(catalog, _settings())

    assert filtered == hidden
    assert filtered != shown  # the comparison can see a legend row (and the rail layer)


def test_the_legend_symbol_shows_the_kinds_the_filter_keeps(make_catalog, qapp):
    catalog = make_catalog(rail=RAIL, ports=PORTS)
    china = _settings(layer_ids=("rail",), feature_filter=FeatureFilter(countries=frozenset({"CN"})))

    (entry,) = legend_entries(china, catalog)
    (whole,) = legend_entries(_settings(layer_ids=("rail",)), catalog)

    assert entry.kinds == {GeometryKind.POINT}
    assert whole.kinds == {GeometryKind.POINT, GeometryKind.LINE}
