"""A sheet or map PNG is written as opaque RGB with less zlib effort (issue 14: the encoding
was a tenth of a 1M-point export): the colours read back are exactly those drawn, the DPI is
kept, and the file has no alpha channel."""

from __future__ import annotations

from PySide6.QtGui import QImage

from influencemap.render.layout_spec import LayoutOptions
from influencemap.render.print_layout import default_sheet_input, png_bytes, sheet_image, sheet_png


def test_a_sheet_png_holds_exactly_the_drawn_pixels_without_alpha(sheet_catalog, qapp):
    options = LayoutOptions(size="custom", custom_size=(640, 420), dpi=200, title="Belarus and Ukraine")
    sheet = default_sheet_input(sheet_catalog)
    data, _ = sheet_png(options, sheet)
    assert data.startswith(b"\x89PNG")
    written = QImage.fromData(data, "PNG")
    assert not written.hasAlphaChannel()
    assert (written.width(), written.height()) == (640, 420)
    assert round(written.dotsPerMeterX() * 0.0254) == 200
    drawn, _ = sheet_image(options, sheet)
    read = QImage.fromData(png_bytes(drawn), "PNG").convertToFormat(QImage.Format.Format_RGB32)
    assert read == drawn.convertToFormat(QImage.Format.Format_RGB32)
    assert len({read.pixel(x, y) for x in range(0, 640, 7) for y in range(0, 420, 7)}) > 20  # a map, not a blank


def test_the_opaque_encoding_keeps_every_colour(qapp):
    image = QImage(3, 1, QImage.Format.Format_ARGB32_Premultiplied)
    for x, rgb in enumerate((0xFFD7301F, 0xFF000000, 0xFFFEFEFE)):
        image.setPixel(x, 0, rgb)
    read = QImage.fromData(png_bytes(image), "PNG")
    assert [read.pixel(x, 0) for x in range(3)] == [0xFFD7301F, 0xFF000000, 0xFFFEFEFE]
