"""A multi-part feature opens in the form with its geometry and key, and saving an edit keeps
its parts and holes (nothing is flattened to one ring or lost)."""

from __future__ import annotations

from influencemap.editing.yaml_text import read_feature

RELOAD_MS = 10000

ZONES = """\
id: zones
name: Zones
features:
  - id: twins
    name: Two zones
    multipolygon:
      - [[20, 40], [21, 40], [21, 41]]
      - [[[30, 40], [34, 40], [34, 44], [30, 44]], [[31, 41], [32, 41], [32, 42]]]
    sources: [uitest-doc-a]
  - id: lake
    name: Square with a lake
    polygon: [[[22, 44], [28, 44], [28, 50], [22, 50]], [[24, 46], [26, 46], [26, 48], [24, 48]]]
    sources: [uitest-doc-a]
"""


def test_editing_a_multipolygon_keeps_its_parts(layers, open_window, qtbot):
    path = layers.write("zones.yaml", ZONES)
    window = open_window([layers.folder])
    before = read_feature(path.read_text(encoding="utf-8"), "twins")
    form = window.editing.edit_feature("twins")
    assert form.kind_combo.currentData() == "multipolygon"
    assert "[[31, 41]" in form.geometry_edit.text()
    form.name_edit.setText("Two zones, renamed")
    form.accept()
    assert form.error_text() == ""
    after = read_feature(path.read_text(encoding="utf-8"), "twins")
    assert after == {**before, "name": "Two zones, renamed"}
    qtbot.waitUntil(lambda: window.catalog.feature("twins").name == "Two zones, renamed", timeout=RELOAD_MS)
    shape = window.catalog.feature("twins").geometry
    assert shape.geom_type == "MultiPolygon" and [len(p.interiors) for p in shape.geoms] == [0, 1]


def test_a_polygon_with_holes_is_edited_as_a_list_of_rings(layers, open_window, qtbot):
    path = layers.write("zones.yaml", ZONES)
    window = open_window([layers.folder])
    before = read_feature(path.read_text(encoding="utf-8"), "lake")
    form = window.editing.edit_feature("lake")
    assert form.kind_combo.currentText() == "Polygon"
    form.name_edit.setText("Lake square")
    form.accept()
    assert form.error_text() == ""
    qtbot.waitUntil(lambda: window.catalog.feature("lake").name == "Lake square", timeout=RELOAD_MS)
    assert len(window.catalog.feature("lake").geometry.interiors) == 1
    assert read_feature(path.read_text(encoding="utf-8"), "lake") == {**before, "name": "Lake square"}


def test_zoom_to_a_line_across_the_antimeridian_frames_it_the_short_way(layers, open_window, qtbot):
    from influencemap.geo.mercator import mercator_to_lonlat

    layers.write("zones.yaml", ZONES + """\
  - {id: across, name: Across, line: [[170, 62], [179.5, 65], [-179.5, 65.5], [-170, 64]], sources: [uitest-doc-a]}
""")
    window = open_window([layers.folder])
    window.canvas.zoom_to_feature("across")
    view = window.canvas.view
    west, _ = mercator_to_lonlat(view.extent[0], 0)
    east, _ = mercator_to_lonlat(view.extent[2], 0)
    assert 150 < float(west) < 170 and 190 < float(east) < 215  # about 20° wide around 180, not the world
