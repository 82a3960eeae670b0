"""What a map sheet holds, decided without Qt: page sizes, the legend, places and sources."""

from __future__ import annotations

import numpy as np
import pytest

from influencemap.render.layout_spec import (
    FrameView,
    LayoutError,
    LayoutOptions,
    format_source_date,
    group_by_distance,
    page_geometry,
    paper_pixels,
    sheet_content,
    source_reference,
)
from influencemap.geo.mercator import mercator_bounds
from influencemap.model.types import GeometryKind, Source

BELARUS_UKRAINE = (22.0, 44.0, 34.0, 57.0)


def frame_view(bbox, width=800.0):
    extent = mercator_bounds(bbox)
    return FrameView(extent, (extent[2] - extent[0]) / width)


def test_paper_sizes_at_a_dpi_give_the_pixels_printers_expect():
    assert paper_pixels("a4-landscape", 300) == (3508, 2480)
    assert paper_pixels("a4-portrait", 300) == (2480, 3508)
    assert paper_pixels("a3-landscape", 150) == (2480, 1754)
    a4 = page_geometry(LayoutOptions(size="a4-landscape", dpi=300))
    assert a4.page_mm == (297.0, 210.0)
    assert a4.scale == pytest.approx(300 / 96)
    assert a4.units == pytest.approx((3508 / a4.scale, 2480 / a4.scale))


def test_pixel_presets_keep_their_pixels_whatever_the_dpi():
    for dpi in (72, 300):
        page = page_geometry(LayoutOptions(size="1920x1080", dpi=dpi))
        assert page.pixels == (1920, 1080) and page.scale == 1.0 and page.dpi == dpi
    assert page_geometry(LayoutOptions(size="custom", custom_size=(640, 480))).pixels == (640, 480)


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"dpi": 20}, "DPI must be between 72 and 600"),
        ({"size": "letter"}, "unknown page size 'letter'"),
        ({"legend": "middle"}, "unknown legend position 'middle'"),
        ({"extent": "bbox", "bbox": (30.0, 50.0, 20.0, 55.0)}, "min < max"),
        ({"size": "custom", "custom_size": (5, 5)}, "between 16 and 20000"),
    ],
)
def test_bad_options_are_refused_with_a_reason(changes, message):
    with pytest.raises(LayoutError, match=message):
        LayoutOptions(**changes).checked()


def test_a_source_reference_names_author_title_publisher_date_and_address():
    source = Source(
        id="s", title="China's policy towards Belarus and Ukraine", author="Nizhnikau & Kaczmarski",
        publisher="FIIA Briefing Paper 298", date="2020-12", url="https://www.fiia.fi/en/publication/x",
    )
    assert source_reference(source) == (
        "Nizhnikau & Kaczmarski, China's policy towards Belarus and Ukraine, FIIA Briefing Paper 298, "
        "Dec 2020 — fiia.fi/en/publication/x"
    )
    assert source_reference(Source(id="t", title="Only a title")) == "Only a title"
    assert format_source_date("2023-03-01") == "1 Mar 2023"
    assert format_source_date("2019") == "2019"
    assert format_source_date("spring 2019") == "spring 2019"


def test_points_within_a_marker_share_a_place_and_far_ones_do_not():
    xy = np.array([[100.0, 100.0], [100.0, 100.0], [104.0, 101.0], [300.0, 100.0], [100.0, 160.0]])
    groups = sorted(sorted(g.tolist()) for g in group_by_distance(xy, 10.0))
    assert groups == [[0, 1, 2], [3], [4]]


def test_the_legend_lists_only_layers_present_in_the_extent(sheet_catalog):
    ids = ("asia", "loans", "visits")
    near = sheet_content(sheet_catalog, ids, frame_view(BELARUS_UKRAINE))
    assert [row.layer_id for row in near.legend] == ["visits", "loans"]  # top layer first
    assert near.legend[1].name == "Chinese loans and credit lines to the governments of Eastern Europe"
    assert near.legend[1].kinds == frozenset({GeometryKind.POINT})
    everything = sheet_content(sheet_catalog, ids, frame_view((20.0, 35.0, 75.0, 60.0)))
    assert [row.layer_id for row in everything.legend] == ["visits", "loans", "asia"]


def test_sources_are_numbered_from_the_features_in_the_extent_only(sheet_catalog):
    content = sheet_content(sheet_catalog, ("asia", "loans", "visits"), frame_view(BELARUS_UKRAINE))
    assert [s.source.id for s in content.sources] == ["rferl-story", "fiia-brief"]
    assert content.sources[0].text == "[1] Lukashenka in Beijing, RFE/RL, 1 Mar 2023"
    assert "central-asia-note" not in {s.source.id for s in content.sources}


def test_the_stack_key_lists_every_feature_at_a_stacked_place(sheet_catalog):
    content = sheet_content(sheet_catalog, ("asia", "loans", "visits"), frame_view(BELARUS_UKRAINE))
    minsk = [p for p in content.places if len(p.entries) > 1]
    assert len(minsk) == 1
    place = minsk[0]
    assert place.label == "Minsk, BY"
    assert sorted(e.name for e in place.entries) == ["Credit line to Belarus", "Second credit line", "Xi visits Minsk"]
    by_name = {e.name: e for e in place.entries}
    # The key cites by the sheet's source numbers: [1] RFE/RL, [2] FIIA.
    assert by_name["Second credit line"].source_numbers == (1, 2)
    assert by_name["Second credit line"].text == "Second credit line [1, 2]"
    assert place.heading == "Minsk, BY (3 facts)"
    kyiv = [p for p in content.places if p.label.startswith("Kyiv")]
    assert len(kyiv) == 1 and [e.name for e in kyiv[0].entries] == ["Loan to Ukraine"]
    # Reading order: Minsk is north of Kyiv, so it comes first.
    assert [p.number for p in content.places] == [1, 2] and content.places[0] is place


def test_too_many_places_number_the_same_spot_stacks_only(sheet_catalog):
    content = sheet_content(sheet_catalog, ("asia", "loans", "visits"), frame_view(BELARUS_UKRAINE), max_places=1)
    assert [p.label for p in content.places] == ["Minsk, BY"]
    assert content.unnumbered_places == 1


def test_a_big_stack_names_some_facts_and_counts_the_rest(tmp_path):
    from influencemap.render import layout_spec
    from influencemap.model.loader import load_catalog

    count = layout_spec.MAX_FACTS_PER_PLACE + 5
    rows = "".join(f"  - {{id: f{i}, name: Fact {i}, point: [27.5667, 53.9], sources: [s]}}\n" for i in range(count))
    (tmp_path / "many.yaml").write_text("id: many\nname: Many\nsources: [{id: s, title: T}]\nfeatures:\n" + rows, encoding="utf-8")
    catalog = load_catalog([tmp_path], include_bundled_sources=False)
    [place] = sheet_content(catalog, ("many",), frame_view(BELARUS_UKRAINE)).places
    assert len(place.entries) == layout_spec.MAX_FACTS_PER_PLACE
    assert place.count == count and place.heading == f"Minsk, BY ({count} facts)"
    assert place.more_text == "… and 5 more: 5 × Many"


def test_the_automatic_legend_corner_is_the_one_hiding_fewest_points():
    from influencemap.render.layout_spec import SheetContent, legend_corner

    # Two points under the top-right corner, one under each other corner: a tie, top left first.
    xy = np.array([[790.0, 10.0], [780.0, 20.0], [10.0, 10.0], [700.0, 590.0], [20.0, 580.0]])
    content = SheetContent(point_xy=xy)
    assert legend_corner(content, (800.0, 600.0), (200.0, 100.0), "auto") == "top-left"
    content = SheetContent(point_xy=xy[:4])  # now the bottom left is free
    assert legend_corner(content, (800.0, 600.0), (200.0, 100.0), "auto") == "bottom-left"
    assert legend_corner(SheetContent(), (800.0, 600.0), (200.0, 100.0), "auto") == "top-right"
    assert legend_corner(content, (800.0, 600.0), (200.0, 100.0), "top-left") == "top-left"


def test_the_extent_choices(sheet_catalog):
    from influencemap.render.layout_spec import extent_bbox

    view = (25.0, 50.0, 31.0, 55.0)
    assert extent_bbox(LayoutOptions(extent="view"), sheet_catalog, view) == (view, 0.0)
    assert extent_bbox(LayoutOptions(extent="bbox", bbox=BELARUS_UKRAINE), sheet_catalog, view) == (BELARUS_UKRAINE, 0.0)
    everything, _ = extent_bbox(LayoutOptions(extent="all"), sheet_catalog)
    assert everything == pytest.approx((27.5667, 41.2995, 69.2401, 53.9))


@pytest.mark.parametrize("bbox", [BELARUS_UKRAINE, (20.0, 35.0, 75.0, 60.0), (26.0, 52.0, 29.0, 55.0)])
def test_the_frames_points_are_every_shown_points_place_in_layout_units(sheet_catalog, bbox):
    """``point_xy`` (the legend corner's input) is picked and converted in one array: it must
    hold, layer by layer from the top, the layout units of exactly the points the frame shows,
    whether a layer is shown whole, in part or not at all."""
    from influencemap.render.layer_geometry import layer_geometry

    ids = ("asia", "loans", "visits")
    view = frame_view(bbox)
    expected = []
    for layer_id in reversed(ids):
        points = layer_geometry(next(l for l in sheet_catalog.layers if l.id == layer_id)).points
        shown = points.visible(view.extent, 0.0)
        for x, y in points.points[shown].tolist():
            expected.append([(x - view.extent[0]) / view.resolution, (view.extent[3] - y) / view.resolution])
    content = sheet_content(sheet_catalog, ids, view)
    assert content.point_xy.tolist() == expected
    assert content.point_xy.dtype == np.float64 and content.point_xy.shape == (len(expected), 2)


def test_to_units_leaves_its_input_as_it_was():
    view = FrameView((100.0, 200.0, 1100.0, 700.0), 2.5)
    xy = np.array([[100.0, 700.0], [600.0, 450.0], [1100.0, 200.0]])
    before = xy.copy()
    assert view.to_units(xy).tolist() == [[0.0, 0.0], [200.0, 100.0], [400.0, 200.0]]
    assert xy.tolist() == before.tolist()
