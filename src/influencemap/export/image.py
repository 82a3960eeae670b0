"""PNG and SVG export: the canvas's renderer drawn onto an image or an SVG, without a display.

``influencemap export -o map.png`` and the app's File > Export… both come here, so an exported
picture is exactly what the canvas draws, plus a legend and a credit line.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from influencemap.render.layout_spec import DEFAULT_BBOX, grown_box
from influencemap.fileio import write_bytes_atomic, write_target
from influencemap.model.catalog import Catalog

FIT_MARGIN = 0.05
"""Room left on each side when fitting the features (not when a bbox is given)."""

_APP = None


def ensure_gui_application():
    """A QGuiApplication for fonts and painting; with no display, Qt's offscreen platform."""
    global _APP
    from PySide6.QtGui import QGuiApplication

    existing = QGuiApplication.instance()
    if existing is not None:
        return existing
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY") and sys.platform.startswith("linux"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    _APP = QGuiApplication(["influencemap"])
    return _APP


def fitted_bbox(catalog: Catalog) -> tuple[tuple[float, float, float, float], float]:
    """The features' lon/lat box (grown to a minimum span) and the margin to fit it with."""
    bounds = catalog.bounds
    if bounds is None:
        return DEFAULT_BBOX, 0.0
    return grown_box(bounds), FIT_MARGIN


def image_settings(catalog: Catalog, size: tuple[int, int], bbox: tuple[float, float, float, float] | None):
    """The map settings of an export: every layer, the bbox (or all features), a legend."""
    from influencemap.render.drawing_order import default_drawing_order
    from influencemap.render.map_settings import MapSettings

    if bbox is None:
        box, margin = fitted_bbox(catalog)
    else:
        box, margin = bbox, 0.0
    return MapSettings.fit_lonlat(
        box,
        size,
        margin,
        layer_ids=tuple(default_drawing_order(catalog)),
        show_legend=True,
    )


def render_bytes(catalog: Catalog, settings, fmt: str) -> bytes:
    """The map drawn as ``png`` or ``svg`` file contents."""
    ensure_gui_application()
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRect, QSize
    from PySide6.QtGui import QColor, QImage, QPainter

    from influencemap.render.renderer import render

    width, height = settings.size
    if fmt == "svg":
        from PySide6.QtSvg import QSvgGenerator

        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        generator = QSvgGenerator()
        generator.setOutputDevice(buffer)
        generator.setSize(QSize(width, height))
        generator.setViewBox(QRect(0, 0, width, height))
        generator.setTitle("influencemap")
        generator.setDescription("Sourced map of China's influence across Eurasia; data: Natural Earth")
        painter = QPainter(generator)
        try:
            render(painter, settings, catalog)
        finally:
            painter.end()
        buffer.close()
        from influencemap.export.xml_chars import xml_safe_bytes  # SVG only: its pattern takes a while to compile

        # Qt writes drawn text into <text> as it is: a control character from a layer's name
        # would make the SVG not well-formed (browsers refuse it)
        return xml_safe_bytes(bytes(data.data()))
    image = QImage(width, height, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(QColor("white"))
    painter = QPainter(image)
    try:
        render(painter, settings, catalog)
    finally:
        painter.end()
    from influencemap.render.print_layout import png_bytes

    return png_bytes(image)


def with_basemap(settings, basemap) -> tuple[object, list[str]]:
    """``settings`` drawing on ``basemap``, its tiles fetched or read now, and warnings for what
    could not be had (:func:`influencemap.render.tiles.with_tiles`)."""
    if basemap is None or not basemap.tiled:
        return settings, []
    ensure_gui_application()
    from influencemap.render.tiles import with_tiles

    return with_tiles(settings, basemap)


def write_settings_image(catalog: Catalog, out: Path, settings, basemap=None) -> list[str]:
    """Write the view described by ``settings`` (the app's current view) to a PNG or SVG; returns
    warnings (tiles that could not be had)."""
    out = Path(out)
    fmt = out.suffix.lower().lstrip(".")
    if fmt not in ("png", "svg"):
        raise ValueError(f"cannot tell the image format from '{out.name}': use .png or .svg")
    if basemap is None and getattr(settings, "tiles", None) is not None:
        basemap = settings.tiles.basemap  # the app's view: its tiles again, awaited this time
    write_target(out)  # a folder or a read-only file is refused before the map is drawn
    settings, warnings = with_basemap(settings, basemap)
    write_bytes_atomic(out, render_bytes(catalog, settings, fmt), remove_stale_temps=True)
    return warnings


def write_image(
    catalog: Catalog,
    out: Path,
    size: tuple[int, int] = (1600, 1000),
    bbox: tuple[float, float, float, float] | None = None,
    basemap=None,
) -> list[str]:
    """Write every layer of the catalog to ``out`` (.png or .svg) with a legend and credit.

    Parameters
    ----------
    size
        Width and height in pixels.
    bbox
        (minlon, minlat, maxlon, maxlat) to show whole and centred; None fits all features.
    basemap
        A tile basemap (:func:`influencemap.geo.basemaps.parse_basemap`) under the layers;
        None or the offline one for the offline basemap alone.

    Returns warnings: tiles that could not be fetched or read (the image is made regardless).
    """
    return write_settings_image(catalog, out, image_settings(catalog, size, bbox), basemap)


SHEET_SUFFIXES = (".png", ".svg", ".pdf")


def write_sheet(catalog: Catalog, out: Path, options, layer_ids=None, view_bbox=None, basemap=None):
    """Write a print-layout sheet (title, map, legend, numbered places, sources) to PNG, SVG or PDF.

    ``catalog`` is what the map shows (visible layers, filtered); ``layer_ids`` its drawing
    order, bottom first (default: the catalog's); ``view_bbox`` the canvas's lon/lat box for the
    ``view`` extent; ``basemap`` a tile basemap under the map (its tiles fetched now, or read
    from an MBTiles file; what could not be had is in the report's warnings). The export dialog
    and ``influencemap export`` both come here. Returns the sheet's report (what it numbered and
    listed).
    """
    out = Path(out)
    fmt = out.suffix.lower().lstrip(".")
    if f".{fmt}" not in SHEET_SUFFIXES:
        raise ValueError(f"cannot tell the format from '{out.name}': use .png, .svg or .pdf")
    write_target(out)  # a folder or a read-only file is refused before the sheet is drawn
    ensure_gui_application()
    from influencemap.render.print_layout import default_sheet_input, sheet_bytes

    data, report = sheet_bytes(fmt, options, default_sheet_input(catalog, layer_ids, view_bbox, basemap))
    if fmt == "svg":
        from influencemap.export.xml_chars import xml_safe_bytes

        data = xml_safe_bytes(data)  # as render_bytes: no character XML 1.0 forbids
    write_bytes_atomic(out, data, remove_stale_temps=True)
    return report
