"""Points sized by a figure (``style: {size: {figure: ...}}``) on the canvas's renderer and in
the image exports, with their size key in the legend."""

from __future__ import annotations

from PySide6.QtGui import QColor, QImage, QPainter

from influencemap.render.map_settings import MapSettings
from influencemap.render.renderer import legend_entries, render

SIZED = """\
id: loans
name: Loans
style: {color: "#0000ff", size: 8, size: {figure: "amount (USD)", scale: sqrt, min: 6, max: 40}}
features:
  - {id: big, name: Big, point: [24, 50], sources: [rtest-doc], figures: [{label: Amount (USD), value: 1000000000, unit: USD}]}
  - {id: small, name: Small, point: [32, 50], sources: [rtest-doc], figures: [{label: "AMOUNT  (usd)", value: 10000000, unit: USD}]}
  - {id: bare, name: Bare, point: [40, 50], sources: [rtest-doc]}
"""
# (``size`` twice is a YAML error: the layer below states it once.)
SIZED = SIZED.replace('size: 8, size:', 'size:')
PLAIN = SIZED.replace('size: {figure: "amount (USD)", scale: sqrt, min: 6, max: 40}', "size: 8")

BBOX = (20.0, 45.0, 44.0, 55.0)


def _draw(catalog, legend=False) -> tuple[QImage, MapSettings]:
    settings = MapSettings.fit_lonlat(BBOX, (600, 300), layer_ids=("loans",), show_scale_bar=False,
                                      show_labels=False, show_legend=legend)
    image = QImage(600, 300, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(QColor("white"))
    painter = QPainter(image)
    render(painter, settings, catalog)
    painter.end()
    return image, settings


def _blue_pixels(image: QImage, settings: MapSettings, lon: float, lat: float, half: int = 30) -> int:
    px, py = (int(round(float(v))) for v in settings.lonlat_to_pixels(lon, lat))
    count = 0
    for x in range(px - half, px + half):
        for y in range(py - half, py + half):
            c = image.pixelColor(x, y)
            if c.blue() > 150 and c.red() < 90 and c.green() < 90:
                count += 1
    return count


def test_the_bigger_amount_gets_the_bigger_marker_and_a_point_without_it_the_normal_size(make_catalog, qapp):
    image, settings = _draw(make_catalog(loans=SIZED))
    big, small, bare = (_blue_pixels(image, settings, lon, 50) for lon in (24, 32, 40))
    plain_image, plain_settings = _draw(make_catalog(loans=PLAIN))
    normal = _blue_pixels(plain_image, plain_settings, 40, 50)
    assert big > 4 * small > 0  # sqrt: 100× the value is 10× the diameter, clamped at min 6 px
    assert bare == normal  # no figure: the layer's normal size
    assert big > 20 * normal


def test_the_legend_lists_the_reference_sizes(make_catalog, qapp):
    catalog = make_catalog(loans=SIZED)
    settings = MapSettings.fit_lonlat(BBOX, (600, 300), layer_ids=("loans",), show_legend=True)
    (entry,) = legend_entries(settings, catalog)
    texts = [text for _, _, text in entry.sizes]
    assert len(texts) >= 2 and all("USD" in t for t in texts)
    assert "1 bn" in texts[0]
    diameters = [d for _, d, _ in entry.sizes]
    assert diameters[0] == 40 and diameters == sorted(diameters, reverse=True)
    (plain,) = legend_entries(settings, make_catalog(loans=PLAIN))
    assert plain.sizes == ()


def test_the_svg_export_draws_sized_markers_and_writes_the_size_key(make_catalog, qapp):
    from influencemap.export.image import image_settings, render_bytes

    catalog = make_catalog(loans=SIZED)
    settings = image_settings(catalog, (600, 300), BBOX)
    svg = render_bytes(catalog, settings, "svg").decode("utf-8")
    (entry,) = legend_entries(settings, catalog)
    for _, _, text in entry.sizes:
        assert text in svg


SITES = """\
id: loans
name: Sites
style: {color: "#0000ff", fill: "#0000ff", size: {figure: Amount, max: 40}}
features:
  - {id: big, name: Big site, polygon: [[24, 50], [24.01, 50], [24.01, 50.01]], sources: [rtest-doc], figures: [{label: Amount, value: 1.0e9, unit: USD}]}
  - {id: small, name: Small site, polygon: [[32, 50], [32.01, 50], [32.01, 50.01]], sources: [rtest-doc], figures: [{label: Amount, value: 1.0e7, unit: USD}]}
  - {id: bare, name: Bare site, polygon: [[40, 50], [40.01, 50], [40.01, 50.01]], sources: [rtest-doc]}
"""


def test_a_polygon_too_small_to_see_gets_a_symbol_of_its_amount(make_catalog, qapp):
    image, settings = _draw(make_catalog(loans=SITES))
    big, small, bare = (_blue_pixels(image, settings, lon, 50) for lon in (24, 32, 40))
    assert big > 4 * small > 0
    assert 0 < bare < big / 10  # no figure: the small square that keeps it visible
    (entry,) = legend_entries(settings, make_catalog(loans=SITES))
    assert entry.sizes and entry.sizes[0][1] == 40


STACKED = """\
id: loans
name: Loans
style: {color: "#0000ff", size: {figure: Amount, max: 40}}
features:
  - {id: a1, name: A1, point: [24, 50], sources: [rtest-doc], figures: [{label: Amount, value: 4.0e9, unit: USD}]}
  - {id: a2, name: A2, point: [24, 50], sources: [rtest-doc], figures: [{label: amount, value: 1.0e9, unit: USD}]}
  - {id: b1, name: B1, point: [32, 50], sources: [rtest-doc], figures: [{label: Amount, value: 1.0e7, unit: USD}]}
  - {id: b2, name: B2, point: [32, 50], sources: [rtest-doc], figures: [{label: Amount, value: 1.0e7, unit: USD}]}
  - {id: c1, name: C1, point: [40, 50], sources: [rtest-doc], figures: [{label: Amount, value: 4.0e9, unit: USD}]}
  - {id: c2, name: C2, point: [40, 50], sources: [rtest-doc], figures: [{label: Amount, value: 1.0e9, unit: EUR}]}
"""


def test_a_stack_of_sized_points_is_sized_by_their_sum_only_when_label_and_unit_match(make_catalog, qapp, monkeypatch):
    from influencemap.render import renderer

    seen = []
    original = renderer._sized_stacks
    monkeypatch.setattr(renderer, "_sized_stacks", lambda *a: seen.append(original(*a)) or seen[-1])
    image, settings = _draw(make_catalog(loans=STACKED))
    (stacks,) = seen
    by_x = {round(float(x)): stacks.stack(i) for i, x in enumerate(stacks.x)}
    (big_x, small_x, mixed_x) = (round(float(settings.lonlat_to_pixels(lon, 50)[0])) for lon in (24, 32, 40))
    assert by_x[big_x].radius == 20.0  # 5 bn, the sum, is over the layer's largest value: max
    assert by_x[small_x].sized_radius is not None and by_x[small_x].radius < 10
    assert by_x[mixed_x].sized_radius is None  # USD and EUR do not add up: by count, as before
    assert _blue_pixels(image, settings, 24, 50) > _blue_pixels(image, settings, 32, 50)
