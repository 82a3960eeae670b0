"""The sheet's numbered sources (render/layout_spec.sheet_content) are those cited by the
features in the frame. A layer's distinct source ids are listed once and remembered with its
geometry (a million citations, issue 14), so that shortcut must keep the answer exact: a frame
showing part of a layer numbers only what that part cites, unless every feature of the layer
cites the one same source."""

from __future__ import annotations

from influencemap.model.loader import load_catalog
from influencemap.render.layout_spec import FrameView, sheet_content
from influencemap.geo.mercator import mercator_bounds

SOURCES = "sources:\n  - {id: west-doc, title: West report}\n  - {id: east-doc, title: East report}\n  - {id: all-doc, title: Shared report}\n"


def frame(bbox, width=800.0):
    extent = mercator_bounds(bbox)
    return FrameView(extent, (extent[2] - extent[0]) / width)


def layer(layer_id, rows):
    body = "".join(f"  - {{id: {layer_id}{i}, name: P{i}, point: [{lon}, {lat}], sources: [{src}]}}\n" for i, (lon, lat, src) in enumerate(rows))
    return f"id: {layer_id}\nname: {layer_id}\nfeatures:\n{body}"


def catalog(tmp_path):
    (tmp_path / "sources.yaml").write_text(SOURCES, encoding="utf-8")
    (tmp_path / "mixed.yaml").write_text(layer("mixed", [(24.0, 50.0, "west-doc"), (40.0, 50.0, "east-doc")]), encoding="utf-8")
    (tmp_path / "one.yaml").write_text(layer("one", [(24.5, 50.5, "all-doc"), (40.5, 50.5, "all-doc")]), encoding="utf-8")
    return load_catalog([tmp_path], include_bundled_sources=False)


def cited(content):
    return sorted(s.source.id for s in content.sources)


def test_a_frame_over_part_of_a_layer_numbers_only_what_that_part_cites(tmp_path):
    cat = catalog(tmp_path)
    west, east, both = (20.0, 45.0, 30.0, 55.0), (35.0, 45.0, 45.0, 55.0), (20.0, 45.0, 45.0, 55.0)
    # Asked in the order a sheet asks (whole layer first, then a part), and again the other way.
    assert cited(sheet_content(cat, ("mixed", "one"), frame(both))) == ["all-doc", "east-doc", "west-doc"]
    assert cited(sheet_content(cat, ("mixed", "one"), frame(west))) == ["all-doc", "west-doc"]
    assert cited(sheet_content(cat, ("mixed", "one"), frame(east))) == ["all-doc", "east-doc"]
    assert cited(sheet_content(cat, ("mixed",), frame(west))) == ["west-doc"]


def test_a_frame_showing_none_of_a_layer_cites_none_of_its_sources(tmp_path):
    cat = catalog(tmp_path)
    assert cited(sheet_content(cat, ("mixed", "one"), frame((60.0, 20.0, 70.0, 30.0)))) == []
    assert cited(sheet_content(cat, ("one",), frame((20.0, 45.0, 30.0, 55.0)))) == ["all-doc"]
