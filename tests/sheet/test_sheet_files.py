"""Map sheets written as PDF, PNG and SVG, read back as a reader would: text, pages, pixels."""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
import xml.etree.ElementTree as ET

import pytest
from PySide6.QtGui import QImage

from influencemap.export.image import write_sheet
from influencemap.render.layout_spec import LayoutOptions

BELARUS_UKRAINE = (22.0, 44.0, 34.0, 57.0)
ALL_LAYERS = ("asia", "loans", "visits")

needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils (make system-deps)")


def pdf_text(path) -> str:
    """The PDF's text; NFKC undoes the ligatures (ﬁ) the PDF's fonts use."""
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return unicodedata.normalize("NFKC", out)


def pdf_info(path) -> dict[str, str]:
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return {k.strip(): v.strip() for k, v in (line.split(":", 1) for line in out.splitlines() if ":" in line)}


def options(**changes) -> LayoutOptions:
    base = dict(extent="bbox", bbox=BELARUS_UKRAINE, title="China in Belarus and Ukraine", subtitle="Loans and visits")
    base.update(changes)
    return LayoutOptions(**base)


@needs_poppler
def test_a_pdf_has_the_page_size_the_title_and_the_sources_as_text(sheet_catalog, qapp, tmp_path):
    out = tmp_path / "map.pdf"
    write_sheet(sheet_catalog, out, options(size="a4-landscape", dpi=300), ALL_LAYERS)
    info = pdf_info(out)
    assert info["Page size"].startswith("841.89 x 595.276 pts (A4)") or info["Page size"].startswith("842 x 595 pts (A4)")
    assert info["Pages"] == "1"
    text = " ".join(pdf_text(out).split())
    assert "China in Belarus and Ukraine" in text and "Loans and visits" in text
    assert "[2] Nizhnikau & Kaczmarski, China's policy towards Belarus and Ukraine, FIIA Briefing Paper 298, Dec 2020" in text
    assert "Basemap: Natural Earth" in text
    fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    assert fonts and all(line.split()[-5] == "yes" for line in fonts)  # every font embedded


@needs_poppler
def test_a_portrait_a3_pdf_is_portrait_a3(sheet_catalog, qapp, tmp_path):
    out = tmp_path / "map.pdf"
    write_sheet(sheet_catalog, out, options(size="a3-portrait"), ALL_LAYERS)
    width, height = (float(v) for v in re.match(r"([\d.]+) x ([\d.]+)", pdf_info(out)["Page size"]).groups())
    assert (round(width), round(height)) == (842, 1191)


@needs_poppler
def test_the_pdf_key_lists_every_fact_at_the_stacked_place(sheet_catalog, qapp, tmp_path):
    out = tmp_path / "map.pdf"
    write_sheet(sheet_catalog, out, options(), ALL_LAYERS)
    text = " ".join(pdf_text(out).split())
    assert "Minsk, BY (3 facts)" in text
    for name in ("Credit line to Belarus [2]", "Second credit line [1, 2]", "Xi visits Minsk [1]", "Loan to Ukraine [2]"):
        assert name in text


@needs_poppler
def test_the_legend_lists_only_the_layers_in_the_extent(sheet_catalog, qapp, tmp_path):
    near, wide = tmp_path / "near.pdf", tmp_path / "wide.pdf"
    write_sheet(sheet_catalog, near, options(), ALL_LAYERS)
    write_sheet(sheet_catalog, wide, options(bbox=(20.0, 35.0, 75.0, 60.0)), ALL_LAYERS)
    near_text, wide_text = pdf_text(near), pdf_text(wide)
    assert "Visits" in near_text and "Chinese loans and credit lines" in near_text
    assert "Central Asian outposts" not in near_text and "A note on Tashkent" not in near_text
    assert "Central Asian outposts" in wide_text and "A note on Tashkent" in wide_text


@needs_poppler
def test_sources_list_off_leaves_the_sources_out(sheet_catalog, qapp, tmp_path):
    out = tmp_path / "map.pdf"
    write_sheet(sheet_catalog, out, options(sources_list=False), ALL_LAYERS)
    text = pdf_text(out)
    assert "Lukashenka in Beijing" not in text and "Sources" not in text
    assert "Minsk, BY" in text  # the key stays


@needs_poppler
def test_a_key_longer_than_the_page_continues_on_a_second_pdf_page(tmp_path, qapp):
    from influencemap.model.loader import load_catalog

    cities = [(27.5667, 53.9), (30.5234, 50.45), (21.0118, 52.2298), (24.1052, 56.9496)]  # Minsk, Kyiv, Warsaw, Riga
    rows = "".join(
        f"  - {{id: f{c}-{i}, name: Fact number {c}-{i} about a long and detailed matter, point: [{lon}, {lat}], sources: [s]}}\n"
        for c, (lon, lat) in enumerate(cities)
        for i in range(40)
    )
    folder = tmp_path / "many"
    folder.mkdir()
    (folder / "many.yaml").write_text(
        "id: many\nname: Many\nsources: [{id: s, title: The one report}]\nfeatures:\n" + rows, encoding="utf-8"
    )
    catalog = load_catalog([folder], include_bundled_sources=False)
    out = tmp_path / "many.pdf"
    report = write_sheet(catalog, out, LayoutOptions(size="a4-landscape", extent="bbox", bbox=BELARUS_UKRAINE), ("many",))
    assert report.pages >= 2 and pdf_info(out)["Pages"] == str(report.pages)
    text = " ".join(pdf_text(out).split())
    for c in range(4):
        for i in (0, 39):
            assert f"Fact number {c}-{i} about" in text
    assert "[1] The one report" in text
    assert f"places and sources, continued (page 2 of {report.pages})" in text


def test_a_png_at_300_dpi_a4_landscape_is_3508_by_2480(sheet_catalog, qapp, tmp_path):
    out = tmp_path / "map.png"
    write_sheet(sheet_catalog, out, options(size="a4-landscape", dpi=300), ALL_LAYERS)
    image = QImage(str(out))
    assert (image.width(), image.height()) == (3508, 2480)
    assert round(image.dotsPerMeterX() * 0.0254) == 300


def test_a_png_draws_the_map_big_enough_for_print(sheet_catalog, qapp, tmp_path):
    """At 300 dpi a marker keeps its printed size: ~3x the pixels of the 96-dpi screen."""
    out = tmp_path / "map.png"
    report = write_sheet(sheet_catalog, out, options(size="a4-landscape", dpi=300), ALL_LAYERS)
    image = QImage(str(out))
    scale = 300 / 96
    place = next(p for p in report.content.places if p.label.startswith("Kyiv"))
    x = (report.frame.left() + place.x) * scale
    y = (report.frame.top() + place.y) * scale
    orange = 0
    for dx in range(-12, 13):
        color = image.pixelColor(round(x + dx), round(y))
        orange += color.red() > 200 and 90 < color.green() < 200 and color.blue() < 120
    assert orange >= 12  # the diamond of size 10 is ~31 px wide at 300 dpi


def test_an_svg_holds_the_numbered_sources_as_text(sheet_catalog, qapp, tmp_path):
    out = tmp_path / "map.svg"
    write_sheet(sheet_catalog, out, options(size="1200x800"), ALL_LAYERS)
    root = ET.parse(out).getroot()
    assert root.tag.endswith("svg") and root.get("viewBox") == "0 0 1200 800"
    text = " ".join(" ".join(root.itertext()).split())
    assert "[1] Lukashenka in Beijing, RFE/RL, 1 Mar 2023" in text
    assert "[2] Nizhnikau & Kaczmarski" in text
    assert "China in Belarus and Ukraine" in text


def test_control_characters_in_the_title_do_not_break_the_svg(sheet_catalog, qapp, tmp_path):
    out = tmp_path / "map.svg"
    write_sheet(sheet_catalog, out, options(title="Bad\x01title\x1f here"), ALL_LAYERS)
    root = ET.parse(out).getroot()  # raises on characters XML cannot hold
    assert "Badtitle here" in " ".join(root.itertext())


def test_an_unknown_suffix_is_refused(sheet_catalog, qapp, tmp_path):
    with pytest.raises(ValueError, match=r"use \.png, \.svg or \.pdf"):
        write_sheet(sheet_catalog, tmp_path / "map.tiff", options(), ALL_LAYERS)


def test_the_svg_map_stays_inside_its_frame(sheet_catalog, qapp, tmp_path):
    """The map is clipped to its frame: the page margin beside it stays white."""
    from PySide6.QtCore import QRectF
    from PySide6.QtGui import QColor, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    out = tmp_path / "map.svg"
    report = write_sheet(sheet_catalog, out, options(size="1200x800"), ALL_LAYERS)
    image = QImage(1200, 800, QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    QSvgRenderer(str(out)).render(painter, QRectF(0, 0, 1200, 800))
    painter.end()
    frame = report.frame
    middle = round(frame.center().y())
    inside = image.pixelColor(round(frame.left()) + 5, middle)
    outside = image.pixelColor(round(frame.left()) - 6, middle)
    assert inside != QColor("white")  # land or sea
    assert outside == QColor("white")


def test_a_tall_legend_beside_the_map_ends_where_the_map_does(qapp, tmp_path):
    """The bundled layers on the README's example sheet: their legend (AidData's size keys
    included) is too tall for a corner, stands beside the map, and must not run down into the
    key under it — the key gives up the room (an image counts what it leaves out)."""
    from influencemap.model.loader import load_catalog

    catalog = load_catalog()
    notes = "Facts about a whole country are placed at its capital. Numbers on the map refer to the key."
    sheet = LayoutOptions(size="a4-landscape", dpi=150, extent="bbox", bbox=(21, 43.5, 41, 56.5),
                          title="China in Belarus and Ukraine", subtitle="Bundled layers", notes=notes)
    report = write_sheet(catalog, tmp_path / "sheet.png", sheet)
    assert report.legend_corner == "beside"
    assert report.legend_rect.left() >= report.frame.right()
    assert report.legend_rect.top() == report.frame.top()
    assert report.legend_rect.bottom() <= report.frame.bottom() + 0.5
    assert report.left_out > 0  # the key made room: the rest is in a PDF


def test_on_a_page_too_short_for_the_legend_it_is_drawn_smaller_beside_the_map(qapp, tmp_path):
    from influencemap.model.loader import load_catalog

    sheet = LayoutOptions(size="custom", custom_size=(1400, 420), dpi=96, extent="bbox", bbox=(21, 43.5, 41, 56.5),
                          title="China in Belarus and Ukraine")
    report = write_sheet(load_catalog(), tmp_path / "short.png", sheet)
    assert report.legend_corner == "beside"
    assert report.legend_rect.top() == report.frame.top()
    assert report.legend_rect.bottom() <= report.frame.bottom() + 0.5
    image = QImage(str(tmp_path / "short.png"))
    # This custom page is laid out in pixels; the gap under the map (before the key) stays blank.
    assert (image.width(), image.height()) == (1400, 420)
    below = [image.pixelColor(x, y).lightness() for x in range(int(report.legend_rect.left()), image.width() - 20, 2)
             for y in range(int(report.frame.bottom()) + 2, int(report.frame.bottom()) + 7)]
    assert min(below) > 200, "the legend runs past the map's bottom edge"


def test_a_place_is_named_after_the_spot_most_of_its_facts_share(tmp_path, qapp):
    """Thirteen facts at Minsk and eleven at the Great Stone park, 25 km east, make one numbered
    place on a wide sheet: it is Minsk, where most of them sit, not a suburb at their centre."""
    from influencemap.model.loader import load_catalog

    spots = [(27.5667, 53.9)] * 13 + [(27.95, 53.92)] * 11
    rows = "".join(
        f"  - {{id: f{i}, name: Fact {i}, point: [{lon}, {lat}], sources: [s]}}\n" for i, (lon, lat) in enumerate(spots)
    )
    folder = tmp_path / "minsk"
    folder.mkdir()
    (folder / "minsk.yaml").write_text(
        "id: minsk\nname: Minsk\nsources: [{id: s, title: The one report}]\nfeatures:\n" + rows, encoding="utf-8"
    )
    catalog = load_catalog([folder], include_bundled_sources=False)
    sheet = LayoutOptions(size="custom", custom_size=(1400, 420), dpi=96, extent="bbox", bbox=(21, 43.5, 41, 56.5))
    report = write_sheet(catalog, tmp_path / "minsk.png", sheet, ("minsk",))
    assert [place.heading for place in report.content.places] == ["Minsk, BY (24 facts)"]
