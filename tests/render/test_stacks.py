"""Stacks: co-located points draw as one marker with a count, in the layers' colours, named by place."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QImage, QPainter

from influencemap.render import stacks as stacking
from influencemap.render.map_settings import MapSettings
from influencemap.render.renderer import render

STACKED = dict(
    blue="""\
    id: blue
    name: Blue
    style: {color: "#0000ff", size: 8}
    features:
      - {id: b1, name: A very long name of a blue fact in Minsk about a credit line, point: [27.56, 53.90], sources: [rtest-doc]}
      - {id: b2, name: Second blue fact, point: [27.56, 53.90], sources: [rtest-doc]}
      - {id: lone, name: A lone fact in Kyiv with a long name beyond forty characters, point: [30.52, 50.45], sources: [rtest-doc]}
    """,
    red="""\
    id: red
    name: Red
    style: {color: "#ff0000", size: 8}
    features:
      - {id: r1, name: Red fact, point: [27.56, 53.90], sources: [rtest-doc]}
    """,
)


def _draw(catalog, bbox, size=(800, 600)):
    settings = MapSettings.fit_lonlat(bbox, size, layer_ids=("blue", "red"), show_scale_bar=False)
    image = QImage(*size, QImage.Format.Format_ARGB32_Premultiplied)
    painter = QPainter(image)
    report = render(painter, settings, catalog)
    painter.end()
    return image, settings, report


def test_co_located_points_are_one_stack_named_by_its_place(make_catalog, qapp):
    catalog = make_catalog(**STACKED)
    image, settings, report = _draw(catalog, (22.0, 48.0, 34.0, 56.0))
    assert report.stacks == 1
    assert "Minsk · 3" in report.label_texts
    assert not any("blue fact" in text or "Red fact" in text for text in report.label_texts)
    # The lone point's label is its name cut at a word boundary (whole in the tooltip).
    lone = next(text for text in report.label_texts if text.startswith("A lone fact"))
    assert lone.endswith("…") and len(lone) <= 41 and lone[:-1] in "A lone fact in Kyiv with a long name beyond forty characters"
    assert lone[:-1].rstrip() + " " in "A lone fact in Kyiv with a long name beyond forty characters "
    # The disc at the centre is the top layer's colour (red is drawn last).
    px, py = settings.lonlat_to_pixels(27.56, 53.90)
    centre = image.pixelColor(int(round(float(px))), int(round(float(py))))
    assert centre.red() > 200 and centre.blue() < 80
    # The ring holds blue too.
    ring = [image.pixelColor(int(round(float(px) + dx)), int(round(float(py) + dy)))
            for dx, dy in ((-7, 0), (0, 7), (7, 0), (0, -7), (-5, 5), (5, 5), (-5, -5))]
    assert any(c.blue() > 180 and c.red() < 80 for c in ring)


def test_a_stack_stays_a_stack_at_every_zoom(make_catalog, qapp):
    catalog = make_catalog(**STACKED)
    for bbox in ((27.4, 53.8, 27.7, 54.0), (-170.0, -60.0, 170.0, 75.0)):
        _image, _settings, report = _draw(catalog, bbox)
        assert report.stacks >= 1


def test_find_stacks_groups_points_closer_than_a_marker():
    near = np.array([[100.0, 100.0], [101.0, 101.0], [300.0, 300.0]])
    other = np.array([[100.5, 100.0]])
    stacks, stacked = stacking.find_stacks([near, other], ["#0000ff", "#ff0000"])
    assert len(stacks) == 1 and stacks.stack(0).count == 3
    assert stacks.stack(0).colors == (("#ff0000", 1), ("#0000ff", 2))  # top layer first
    assert stacked.tolist() == [True, True, False, True]


def test_stacks_whose_markers_would_overlap_are_one():
    a = np.array([[100.0, 100.0]] * 10)
    b = np.array([[112.0, 100.0]] * 3)  # another cell, but under the first stack's marker
    c = np.array([[200.0, 200.0]] * 2)
    stacks, stacked = stacking.find_stacks([np.concatenate([a, b, c])], ["#0000ff"])
    assert stacks.count.tolist() == [13, 2]
    assert stacked.all()


def test_a_merged_stack_is_anchored_where_most_of_its_points_are():
    from influencemap.render.stacks import find_stacks

    # Eight points on one spot and three on another, close enough to merge into one stack.
    big = np.tile([[100.0, 100.0]], (8, 1))
    small = np.tile([[112.0, 100.0]], (3, 1))
    stacks, _ = find_stacks([np.vstack([big, small])], ["#ff0000"])
    assert len(stacks) == 1 and stacks.count[0] == 11
    stack = stacks.stack(0)
    assert stack.anchor == (100.0, 100.0)
    assert stack.x != 100.0  # the marker itself sits at the centre of all eleven


def test_a_stack_in_a_crowd_of_single_points_is_still_named(make_catalog, qapp):
    # Minsk's three facts ringed by single points on every side where a label could go.
    ring = "\n".join(
        f"      - {{id: s{i}, name: S{i}, point: [{27.56 + dx:.3f}, {53.90 + dy:.3f}], sources: [rtest-doc]}}"
        for i, (dx, dy) in enumerate(
            (dx, dy) for dx in (-0.45, -0.3, -0.15, 0.0, 0.15, 0.3, 0.45) for dy in (-0.16, -0.08, 0.0, 0.08, 0.16)
            if abs(dx) > 0.1 or abs(dy) > 0.1
        )
    )
    crowd = dict(STACKED, red=STACKED["red"].rstrip(" ") + ring + "\n")
    catalog = make_catalog(**crowd)
    _image, _settings, report = _draw(catalog, (26.0, 53.0, 29.0, 54.8))
    assert "Minsk · 3" in report.label_texts


def test_a_stack_far_from_any_town_is_named_after_its_country():
    # Kazakhstan's label point, in the steppe: no town within the gazetteer's reach.
    assert stacking.place_names([(67.3, 48.2)]) == ["Kazakhstan"]
    assert stacking.place_names([(27.56, 53.90)]) == ["Minsk"]


MULTI_IN_MINSK = """\
id: multi
name: Multi
style: {color: "#00aa00", size: 8}
features:
  - {id: offices, name: Two offices in Minsk, multipoint: [[27.56, 53.90], [27.5601, 53.9001]], sources: [rtest-doc]}
"""


def test_the_frame_tells_which_features_a_marker_draws_as_many_as_its_badge(make_catalog, qapp):
    catalog = make_catalog(**STACKED)
    _image, settings, report = _draw(catalog, (22.0, 48.0, 34.0, 56.0))
    px, py = (float(v) for v in settings.lonlat_to_pixels(27.56, 53.90))
    members, distances, anchor = report.markers.members_at(px + 3, py - 2)  # anywhere on the marker
    assert abs(anchor[0] - px) < 2 and abs(anchor[1] - py) < 2
    assert sorted(members) == [("blue", "b1"), ("blue", "b2"), ("red", "r1")]
    stack = stacking.stack_at(report.markers.stacks, px, py)
    assert int(report.markers.stacks.count[stack]) == len(members)  # the badge's number
    assert all(d < 5 for d in distances)
    assert report.markers.members_at(px + 60, py) is None  # off the marker
    assert report.markers.members_at(px, py, limit=2) is None  # over the caller's bound
    kx, ky = (float(v) for v in settings.lonlat_to_pixels(30.52, 50.45))
    assert report.markers.members_at(kx, ky) is None  # a lone point is no stack


def test_a_multipoints_parts_in_one_marker_are_one_feature(make_catalog, qapp):
    catalog = make_catalog(multi=MULTI_IN_MINSK, **STACKED)
    settings = MapSettings.fit_lonlat((22.0, 48.0, 34.0, 56.0), (800, 600), layer_ids=("blue", "red", "multi"),
                                      show_scale_bar=False)
    image = QImage(800, 600, QImage.Format.Format_ARGB32_Premultiplied)
    painter = QPainter(image)
    report = render(painter, settings, catalog)
    painter.end()
    px, py = (float(v) for v in settings.lonlat_to_pixels(27.56, 53.90))
    members, _distances, _anchor = report.markers.members_at(px, py)
    assert members.count(("multi", "offices")) == 1 and len(members) == 4
    stack = stacking.stack_at(report.markers.stacks, px, py)
    assert int(report.markers.stacks.count[stack]) == 4  # the badge counts features, as the list does
