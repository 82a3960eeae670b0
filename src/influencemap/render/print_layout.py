"""The print layout: one function draws a whole map sheet onto any QPainter (PNG, SVG, PDF, preview).

The sheet is a title block, the map frame (drawn by :func:`influencemap.render.renderer.render`,
the canvas's own renderer), a legend, a scale bar, number badges on the map's places, and under
the map the key to those places and the numbered sources, then the basemap credit. What goes on
it is decided Qt-free in :mod:`influencemap.render.layout_spec`; this module measures text and
draws.

The painter works in layout units (1/96 inch) on a device whose logical DPI is 96, so a font of
8 pt and a marker of 8 units keep their proportions on every target; raster targets scale the
painter up by their DPI (see :func:`sheet_image`).
"""

from __future__ import annotations

import html
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable, Sequence

from PySide6.QtCore import QPointF, QRectF, QSizeF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QImage,
    QPageLayout,
    QPageSize,
    QPainter,
    QPaintDevice,
    QPen,
    QTextDocument,
    QTextOption,
)

from influencemap.render.layout_spec import (
    BASEMAP_ATTRIBUTION,
    CSS_DPI,
    FrameView,
    LayoutOptions,
    SheetContent,
    extent_bbox,
    legend_corner,
    page_geometry,
    sheet_content,
)
from influencemap.model.catalog import Catalog
from influencemap.render import decorations
from influencemap.render.labels import LabelGrid
from influencemap.render.map_settings import MapSettings
from influencemap.render.renderer import render
from influencemap.render.symbols import draw_size_key, legend_symbol, size_key_extent

INK = QColor("#222222")
MUTED = QColor("#555555")
FRAME_EDGE = QColor("#888888")
BADGE_FILL = QColor("#1d1d1d")
BADGE_TEXT = QColor("#ffffff")

PAGE_MARGIN = 28.0
"""Layout units around the sheet's content (about 7.4 mm)."""
GAP = 10.0
MIN_MAP_SHARE = 0.55
"""The map keeps at least this share of the page height; the key and sources get the rest,
in columns and smaller type if needed, then on further PDF pages."""
RASTER_MAP_SHARES = (0.48, 0.4)
"""Smaller map shares tried, in turn, when a one-page (raster) sheet cannot hold its key."""
KEY_MIN_SHARE = 0.25
"""The share of the page the key keeps when a legend beside the map is taller than the map."""
COLUMN_MIN_WIDTH = 300.0
FOOTER_POINT_SIZES = (8.0, 7.5, 7.0, 6.5, 6.0)
LEGEND_TEXT_WIDTH = 210.0
LEGEND_SYMBOL = 16.0
BADGE_POINT_SIZE = 6.5

_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def clean_text(text: str | None) -> str:
    """User text without the control characters an SVG or PDF cannot hold."""
    return _XML_ILLEGAL.sub("", text or "").strip()


@dataclass
class SheetReport:
    """What a sheet drew: for tests, the dialog's summary line and the CLI's message."""

    content: SheetContent = field(default_factory=SheetContent)
    settings: MapSettings | None = None
    frame: QRectF = field(default_factory=QRectF)
    legend_corner: str = "off"
    legend_rect: QRectF = field(default_factory=QRectF)
    """Where the legend was drawn, in page units (empty: none)."""
    pages: int = 1
    left_out: int = 0
    """Key and source entries that did not fit a raster sheet (a PDF continues on new pages)."""
    warnings: list[str] = field(default_factory=list)
    """Tiles of the chosen basemap that could not be had (the offline basemap shows there)."""


@dataclass(frozen=True)
class SheetInput:
    """The map a sheet shows: the shown catalog (visible layers, filtered), its drawing order
    (bottom first) and, for the ``view`` extent, the canvas's lon/lat box."""

    catalog: Catalog
    layer_ids: tuple[str, ...]
    view_bbox: tuple[float, float, float, float] | None = None
    basemap: object | None = None
    """A tile basemap (:class:`~influencemap.geo.basemaps.Basemap`) under the map, or None."""


# -- text --------------------------------------------------------------------------------


def _font(point_size: float, bold: bool = False) -> QFont:
    font = QFont()
    font.setPointSizeF(point_size)
    font.setBold(bold)
    return font


def _document(html_text: str, width: float, point_size: float, device: QPaintDevice) -> QTextDocument:
    document = QTextDocument()
    document.documentLayout().setPaintDevice(device)
    document.setDefaultFont(_font(point_size))
    document.setDocumentMargin(0)
    option = QTextOption()
    option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
    document.setDefaultTextOption(option)
    document.setDefaultStyleSheet("p { margin: 0; } .muted { color: #555555; }")
    document.setHtml(html_text)
    document.setTextWidth(width)
    return document


def _draw_document(painter: QPainter, document: QTextDocument, x: float, y: float) -> None:
    painter.save()
    painter.translate(x, y)
    document.drawContents(painter)
    painter.restore()


def _header_html(options: LayoutOptions) -> str:
    parts = []
    title, subtitle = clean_text(options.title), clean_text(options.subtitle)
    if title:
        parts.append(f'<p style="font-size:20pt; font-weight:600; color:#1a1a1a">{html.escape(title)}</p>')
    if subtitle:
        parts.append(f'<p style="font-size:11.5pt; color:#444444; margin-top:2px">{html.escape(subtitle)}</p>')
    return "".join(parts)


def _entries(content: SheetContent, options: LayoutOptions, compact: bool = False) -> list[tuple[str, bool]]:
    """The key and source entries as HTML, each with whether it is a heading.

    The compact key (a raster sheet too small for every fact) says per place how many facts
    of which layer it holds instead of naming each."""
    entries: list[tuple[str, bool]] = []
    if content.places or content.unnumbered_places:
        entries.append(("<p><b>Places on the map</b></p>", True))
        for place in content.places:
            if compact and place.count > 1:
                counts = Counter(e.layer_name for e in place.entries)
                counts.update(dict(place.more))
                facts = "; ".join(f"{n:,} × {html.escape(name)}" for name, n in counts.most_common())
            elif place.count > 1:
                # One line per fact, so a big stack can break across columns and pages.
                entries.append((f"<p><b>{place.number}</b>&nbsp;&nbsp;<b>{html.escape(place.heading)}</b>:</p>", True))
                entries.extend(
                    (f'<p style="margin-left:14px">– {html.escape(e.text)}</p>', False) for e in place.entries
                )
                if place.more:
                    entries.append((f'<p style="margin-left:14px">{html.escape(place.more_text)}</p>', False))
                continue
            else:
                facts = "; ".join(html.escape(e.text) for e in place.entries)
            entries.append(
                (f"<p><b>{place.number}</b>&nbsp;&nbsp;<b>{html.escape(place.heading)}</b>: {facts}</p>", False)
            )
        if content.unnumbered_places:
            n = content.unnumbered_places
            entries.append((
                f'<p class="muted">{n:,} other place{"s" * (n != 1)} not numbered: too many for one key '
                "(zoom in or filter for a full key).</p>", False))
    if options.sources_list and content.sources:
        entries.append(("<p><b>Sources</b></p>", True))
        for source in content.sources:
            entries.append((f"<p>{html.escape(source.text)}</p>", False))
    return entries


@dataclass
class _Flow:
    """Key and source entries packed into columns of one height, page by page."""

    point_size: float
    columns: int
    column_width: float
    pages: list[list[list[tuple[QTextDocument, float]]]]
    """pages → columns → (document, height)."""
    height: float
    """The first page's footer height."""

    @property
    def left_out(self) -> int:
        return sum(len(col) for page in self.pages[1:] for col in page)


ENTRY_GAP, HEADING_GAP = 1.5, 3.0
WRAP_SLACK = 1.12
"""Word wrapping wastes the end of each line: estimated lines are this much longer."""


def _plain(text: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def _estimated_heights(entries, widths8: list[float], column_width: float, point_size: float, device) -> list[float]:
    """Entry heights from their one-line widths, without laying any out: for choosing the type
    size and columns quickly; the chosen layout is then measured exactly."""
    scale = point_size / 8.0
    line = QFontMetricsF(_font(point_size), device).lineSpacing()
    heights = []
    for (text, heading), w8 in zip(entries, widths8):
        indent = 14.0 if "margin-left" in text else 0.0
        lines = max(1, math.ceil(w8 * scale * WRAP_SLACK / max(column_width - indent, 20.0)))
        heights.append(lines * line * (1.06 if heading else 1.0) + (HEADING_GAP if heading else ENTRY_GAP))
    return heights


def _measure(entries, width: float, point_size: float, device) -> list[tuple[QTextDocument, float]]:
    out = []
    for text, heading in entries:
        document = _document(text, width, point_size + (0.5 if heading else 0), device)
        out.append((document, document.size().height() + (HEADING_GAP if heading else ENTRY_GAP)))
    return out


def _pack(heights: list[float], headings: list[bool], columns: int, first_height: float,
          next_height: float | None) -> list[list[list[int]]]:
    """Entry indices in columns top to bottom, left to right, page by page; a heading never ends
    a column. With no ``next_height`` whatever passes the first page goes to one overflow page."""
    pages: list[list[list[int]]] = [[[]]]
    used = 0.0
    limit = first_height
    for i, height in enumerate(heights):
        need = height + (heights[i + 1] if headings[i] and i + 1 < len(heights) else 0.0)
        if pages[-1][-1] and used + need > limit:
            if len(pages[-1]) < columns:
                pages[-1].append([])
            else:
                pages.append([[]])
                limit = next_height if next_height is not None else float("inf")
            used = 0.0
        pages[-1][-1].append(i)
        used += height
    return pages


def _balanced_height(heights: list[float], headings: list[bool], columns: int) -> float:
    """The shortest column height that holds every entry in ``columns`` columns (bisection)."""
    if not heights:
        return 0.0
    low, high = max(sum(heights) / columns, max(heights)), sum(heights) + 1.0
    if len(_pack(heights, headings, columns, low, None)) == 1:
        return low
    for _ in range(24):
        middle = (low + high) / 2
        if len(_pack(heights, headings, columns, middle, None)) == 1:
            high = middle
        else:
            low = middle
        if high - low < 1.0:
            break
    return high


def _configurations(width: float) -> list[tuple[float, int, float]]:
    """(type size, columns, column width), largest type and fewest columns first."""
    most_columns = max(1, int(width // COLUMN_MIN_WIDTH))
    return [
        (size, columns, (width - GAP * 2 * (columns - 1)) / columns)
        for size in FOOTER_POINT_SIZES
        for columns in range(1, most_columns + 1)
    ]


def _estimated_height(heights: list[float], columns: int) -> float:
    """Roughly the balanced column height: the total spread over the columns, plus the ends
    of columns a greedy fill leaves empty."""
    return max(sum(heights) / columns + (max(heights) * 0.5 if columns > 1 else 0.0), max(heights))


def _fit_footer(entries, width: float, budget: float, device) -> _Flow | None:
    """The first configuration whose exact layout fits ``budget``, or None: estimates pick the
    candidates, and at most a few are laid out exactly."""
    headings = [heading for _, heading in entries]
    metrics8 = QFontMetricsF(_font(8.0), device)
    widths8 = [metrics8.horizontalAdvance(_plain(text)) * (1.05 if "<b>" in text else 1.0) for text, _ in entries]
    candidates = [
        config for config in _configurations(width)
        if _estimated_height(_estimated_heights(entries, widths8, config[2], config[0], device), config[1]) <= budget * 1.05
    ]
    for point_size, columns, column_width in candidates[:3]:
        measured = _measure(entries, column_width, point_size, device)
        height = _balanced_height([h for _, h in measured], headings, columns)
        if height <= budget:
            return _flow((point_size, columns, column_width, measured, headings), max(height, 1.0), None)
    return None


def _flow(measured_layout, first_height: float, next_height: float | None) -> _Flow:
    point_size, columns, column_width, measured, headings = measured_layout
    pages = _pack([h for _, h in measured], headings, columns, first_height, next_height)
    placed = [[[measured[i] for i in column] for column in page] for page in pages]
    return _Flow(point_size, columns, column_width, placed, first_height)


def _layout_footer(content: SheetContent, options: LayoutOptions, width: float, budget: float, device,
                   continue_pages: float | None) -> _Flow:
    """The key and sources under the map: whole if they fit; else on further pages (PDF), or
    as the compact key, cut short with a note (a raster has one page)."""
    entries = _entries(content, options)
    if not entries:
        return _Flow(8.0, 1, width, [[[]]], 0.0)
    flow = _fit_footer(entries, width, budget, device)
    if flow is None and continue_pages is None:
        entries = _entries(content, options, compact=True)
        flow = _fit_footer(entries, width, budget, device)
    if flow is not None:
        return flow
    # Nothing fits: the smallest type in the most columns, spilling over.
    point_size, columns, column_width = _configurations(width)[-1]
    measured = _measure(entries, column_width, point_size, device)
    return _flow((point_size, columns, column_width, measured, [h for _, h in entries]), budget, continue_pages)


# -- the sheet ---------------------------------------------------------------------------


def draw_sheet(
    painter: QPainter,
    page_units: tuple[float, float],
    options: LayoutOptions,
    sheet: SheetInput,
    device_pixel_ratio: float = 1.0,
    new_page: Callable[[], bool] | None = None,
    paged: bool = False,
) -> SheetReport:
    """Draw the whole sheet with ``painter`` in layout units over ``page_units``.

    ``new_page`` (PDF) starts another page when the key and sources do not fit under the map;
    without it the entries that do not fit are left out and counted in the report. ``paged``
    lays out the first page as a PDF would without drawing the others (the PDF's preview).
    """
    device = painter.device()
    width, height = page_units
    inner = QRectF(PAGE_MARGIN, PAGE_MARGIN, width - 2 * PAGE_MARGIN, height - 2 * PAGE_MARGIN)
    painter.save()
    painter.fillRect(QRectF(0, 0, width, height), QColor("white"))
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)

    top = inner.top()
    header = _header_html(options)
    header_doc = _document(header, inner.width(), 11, device) if header else None
    if header_doc is not None:
        top += header_doc.size().height() + GAP

    notes = clean_text(options.notes)
    notes_doc = _document("".join(f"<p>{html.escape(line)}</p>" for line in notes.splitlines()), inner.width(), 8.5, device) if notes else None
    credit = f"{BASEMAP_ATTRIBUTION}. Made with influencemap."
    credit_doc = _document(f'<p class="muted">{html.escape(credit)}</p>', inner.width(), 7, device)
    fixed_footer = credit_doc.size().height() + (notes_doc.size().height() + GAP if notes_doc else 0.0)

    box, margin = extent_bbox(options, sheet.catalog, sheet.view_bbox)
    paged = paged or new_page is not None
    def running_head(page: int, pages: int) -> QTextDocument:
        title = clean_text(options.title) or "Map"
        text = f"{title} — places and sources, continued (page {page} of {pages})"
        return _document(f'<p class="muted">{html.escape(text)}</p>', inner.width(), 8, device)

    head_height = running_head(2, 2).size().height() + GAP
    continue_height = inner.height() - head_height if paged else None

    def budget_for(share: float) -> float:
        return max(0.0, inner.bottom() - top - height * share - fixed_footer - 2 * GAP)

    budget = budget_for(MIN_MAP_SHARE)

    def frame_for(footer_height: float, side: float) -> tuple[QRectF, MapSettings, SheetContent]:
        extra = footer_height + GAP if footer_height > 0 else 0.0
        frame_h = max(16.0, inner.bottom() - top - fixed_footer - GAP - extra)
        frame = QRectF(inner.left(), top, math.floor(inner.width() - side), math.floor(frame_h))
        settings = MapSettings.fit_lonlat(
            box,
            (int(frame.width()), int(frame.height())),
            margin,
            layer_ids=sheet.layer_ids,
            show_labels=True,
            show_scale_bar=False,
            show_legend=False,
            show_point_labels=not options.number_places,
            device_pixel_ratio=device_pixel_ratio,
        )
        view = FrameView(settings.extent, settings.resolution)
        return frame, settings, sheet_content(sheet.catalog, sheet.layer_ids, view, options.number_places)

    def footer(content: SheetContent) -> _Flow:
        return _layout_footer(content, options, inner.width(), budget, device, continue_height)

    # Two passes: the key depends on what the frame shows, the frame on how tall the key is.
    # A legend too tall for a corner of the map (it would hide places) stands beside it.
    frame, settings, content = frame_for(budget, 0.0)
    flow = footer(content)
    if len(flow.pages) > 1 and not paged:
        # One page only: give the key and sources more room before leaving any out.
        for share in RASTER_MAP_SHARES:
            budget = budget_for(share)
            flow = footer(content)
            if len(flow.pages) == 1:
                break
    legend_rows = _legend_layout(content, device)
    legend_w, legend_h = _legend_size(legend_rows, device)
    beside = options.legend == "auto" and legend_h > 0.45 * frame.height()
    side = legend_w + GAP if beside and legend_rows else 0.0
    frame, settings, content = frame_for(flow.height, side)
    flow = footer(content)
    legend_rows = _legend_layout(content, device)
    legend_size = _legend_size(legend_rows, device)
    key_floor = min(flow.height, KEY_MIN_SHARE * inner.height())
    for _ in range(2):
        if not side or legend_size[1] <= frame.height():
            break
        # The legend beside the map would run down into the key under it: the key gives up that
        # room (a PDF continues it on further pages; an image counts the entries it leaves out),
        # down to a floor; on a page too short even so, the legend is drawn smaller (below).
        budget = max(key_floor, inner.bottom() - top - fixed_footer - 2 * GAP - legend_size[1])
        flow = footer(content)
        frame, settings, content = frame_for(flow.height, side)
        flow = footer(content)
        legend_rows = _legend_layout(content, device)
        legend_size = _legend_size(legend_rows, device)

    report = SheetReport(content=content, settings=settings, frame=frame)
    if sheet.basemap is not None:
        from influencemap.render.tiles import with_tiles

        settings, report.warnings = with_tiles(settings, sheet.basemap)
    painter.save()
    painter.translate(frame.topLeft())
    render(painter, settings, sheet.catalog)
    grid = LabelGrid(settings.size)
    legend_rect = None
    if options.legend != "off" and content.legend and not side:
        corner = legend_corner(content, (frame.width(), frame.height()), legend_size, options.legend)
        legend_rect = _corner_rect(corner, frame.size(), legend_size)
        grid.take(legend_rect.adjusted(-4, -4, 4, 4))
        report.legend_corner = corner
        report.legend_rect = legend_rect.translated(frame.topLeft())
    if options.scale_bar:
        grid.take(_scale_bar_rect(settings, report.legend_corner))
    _draw_badges(painter, content, grid, frame.size())
    if legend_rect is not None:
        _draw_legend(painter, legend_rect, legend_rows)
    if options.scale_bar:
        _draw_scale_bar(painter, settings, report.legend_corner)
    painter.restore()
    # The map is clipped to its frame, but not every SVG viewer honours clips (Qt's own does
    # not): paint the page around the frame white again before the text goes on it.
    for margin_rect in (
        QRectF(0, 0, width, frame.top()),
        QRectF(0, frame.bottom(), width, height - frame.bottom()),
        QRectF(0, frame.top(), frame.left(), frame.height()),
        QRectF(frame.right(), frame.top(), width - frame.right(), frame.height()),
    ):
        painter.fillRect(margin_rect, QColor("white"))
    if header_doc is not None:
        _draw_document(painter, header_doc, inner.left(), inner.top())
    painter.setPen(QPen(FRAME_EDGE, 0.8))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawRect(frame)
    if side and options.legend != "off" and content.legend:
        beside_rect = QRectF(frame.right() + GAP, frame.top(), *legend_size)
        painter.save()
        if legend_size[1] > frame.height():  # a page too short even so: the legend drawn smaller
            shrink = frame.height() / legend_size[1]
            painter.translate(beside_rect.topLeft())
            painter.scale(shrink, shrink)
            painter.translate(-beside_rect.topLeft())
            beside_rect = QRectF(beside_rect.topLeft(), beside_rect.size() * shrink)
            _draw_legend(painter, QRectF(frame.right() + GAP, frame.top(), *legend_size), legend_rows, boxed=False)
        else:
            _draw_legend(painter, beside_rect, legend_rows, boxed=False)
        painter.restore()
        report.legend_corner = "beside"
        report.legend_rect = beside_rect

    y = frame.bottom() + GAP
    if notes_doc is not None:
        _draw_document(painter, notes_doc, inner.left(), y)
        y += notes_doc.size().height() + GAP
    _draw_flow_page(painter, flow, 0, inner.left(), y)
    _draw_document(painter, credit_doc, inner.left(), inner.bottom() - credit_doc.size().height())
    painter.restore()

    if len(flow.pages) > 1:
        if new_page is None and paged:
            report.pages = len(flow.pages)
        elif new_page is None:
            report.left_out = flow.left_out
            _draw_left_out_note(painter, inner, credit_doc, report.left_out, device)
        else:
            for index in range(1, len(flow.pages)):
                if not new_page():
                    break
                painter.fillRect(QRectF(0, 0, width, height), QColor("white"))
                _draw_document(painter, running_head(index + 1, len(flow.pages)), inner.left(), inner.top())
                _draw_flow_page(painter, flow, index, inner.left(), inner.top() + head_height)
                report.pages += 1
    return report


def _draw_flow_page(painter: QPainter, flow: _Flow, page: int, left: float, top: float) -> None:
    for c, column in enumerate(flow.pages[page]):
        x = left + c * (flow.column_width + 2 * GAP)
        y = top
        for document, height in column:
            _draw_document(painter, document, x, y)
            y += height


def _draw_left_out_note(painter: QPainter, inner: QRectF, credit_doc: QTextDocument, count: int, device) -> None:
    text = f"{count} more key and source entr{'ies' if count != 1 else 'y'} did not fit: export a PDF for the full list."
    document = _document(f'<p style="color:#a01010">{html.escape(text)}</p>', inner.width() / 2, 7, device)
    _draw_document(painter, document, inner.right() - inner.width() / 2, inner.bottom() - credit_doc.size().height())


# -- legend --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _LegendRow:
    row: object
    lines: tuple[str, ...]
    height: float


LEGEND_PAD = 8.0
LEGEND_TITLE_HEIGHT = 18.0


def _legend_layout(content: SheetContent, device) -> list[_LegendRow]:
    metrics = QFontMetricsF(_font(8.5), device)
    rows = []
    for row in content.legend:
        lines = tuple(_wrap(row.name, metrics, LEGEND_TEXT_WIDTH))
        key = size_key_extent(row.sizes, metrics)[1]
        rows.append(_LegendRow(row, lines, max(LEGEND_SYMBOL + 4, len(lines) * metrics.height() + 4) + (key + 4 if key else 0)))
    return rows


def _wrap(text: str, metrics: QFontMetricsF, width: float) -> list[str]:
    """Words onto lines no wider than ``width`` (a word longer than a line gets a line of its own)."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        trial = f"{current} {word}".strip()
        if current and metrics.horizontalAdvance(trial) > width:
            lines.append(current)
            current = word
        else:
            current = trial
    if current:
        lines.append(current)
    return lines or [""]


def _legend_size(rows: list[_LegendRow], device) -> tuple[float, float]:
    if not rows:
        return 0.0, 0.0
    metrics = QFontMetricsF(_font(8.5), device)
    text_width = max(metrics.horizontalAdvance(line) for r in rows for line in r.lines)
    width = LEGEND_PAD * 2 + LEGEND_SYMBOL + 6 + min(text_width, LEGEND_TEXT_WIDTH) + 4
    for r in rows:
        width = max(width, LEGEND_PAD * 2 + 8 + size_key_extent(r.row.sizes, metrics)[0])
    height = LEGEND_PAD + LEGEND_TITLE_HEIGHT + sum(r.height for r in rows) + LEGEND_PAD / 2
    return max(width, 90.0), height


def _corner_rect(corner: str, frame: QSizeF, size: tuple[float, float]) -> QRectF:
    inset = 8.0
    w, h = size
    left = inset if corner.endswith("left") else frame.width() - w - inset
    top = inset if corner.startswith("top") else frame.height() - h - inset
    return QRectF(left, top, w, h)


def _draw_legend(painter: QPainter, rect: QRectF, rows: list[_LegendRow], boxed: bool = True) -> None:
    font = _font(8.5)
    metrics = QFontMetricsF(font, painter.device())
    painter.save()
    if boxed:
        painter.setPen(QPen(QColor(0, 0, 0, 70), 0.8))
        painter.setBrush(QColor(255, 255, 255, 235))
        painter.drawRoundedRect(rect, 3, 3)
    painter.setPen(INK)
    painter.setFont(_font(9, bold=True))
    painter.drawText(QPointF(rect.left() + LEGEND_PAD, rect.top() + LEGEND_PAD + 10), "Legend")
    painter.setFont(font)
    y = rect.top() + LEGEND_PAD + LEGEND_TITLE_HEIGHT
    for row in rows:
        symbol = QRectF(rect.left() + LEGEND_PAD, y + 2, LEGEND_SYMBOL, LEGEND_SYMBOL)
        legend_symbol(painter, symbol, row.row.style, row.row.kinds)
        painter.setPen(INK)
        text_y = y + 2 + metrics.ascent()
        for line in row.lines:
            painter.drawText(QPointF(symbol.right() + 6, text_y), line)
            text_y += metrics.height()
        if row.row.sizes:
            key_top = y + max(LEGEND_SYMBOL + 4, len(row.lines) * metrics.height() + 4)
            draw_size_key(painter, rect.left() + LEGEND_PAD + 6, key_top, row.row.style, row.row.sizes, metrics, INK)
        y += row.height
    painter.restore()


# -- scale bar and badges ------------------------------------------------------------------


def _scale_bar_shift(settings: MapSettings, corner: str) -> float:
    """The scale bar sits bottom left, or bottom right when the legend is there."""
    return settings.width - 150.0 if corner == "bottom-left" else 0.0


def _scale_bar_rect(settings: MapSettings, corner: str) -> QRectF:
    return decorations.scale_bar_rect(settings).translated(_scale_bar_shift(settings, corner), 0)


def _draw_scale_bar(painter: QPainter, settings: MapSettings, corner: str) -> None:
    painter.save()
    painter.translate(_scale_bar_shift(settings, corner), 0)
    decorations.draw_scale_bar(painter, settings)
    painter.restore()


def _draw_badges(painter: QPainter, content: SheetContent, grid: LabelGrid, frame: QSizeF) -> None:
    """A dark numbered badge beside each numbered place, where it covers no marker or legend."""
    if not content.places:
        return
    grid.take_points(content.point_xy, 5.0)
    font = _font(BADGE_POINT_SIZE, bold=True)
    metrics = QFontMetricsF(font, painter.device())
    painter.save()
    painter.setFont(font)
    for place in content.places:
        text = str(place.number)
        w = max(metrics.horizontalAdvance(text) + 5, metrics.height())
        h = metrics.height()
        d = place.radius + 2
        candidates = [
            (place.x + d, place.y - d - h), (place.x - d - w, place.y - d - h),
            (place.x + d, place.y + d), (place.x - d - w, place.y + d),
            (place.x + d + 1, place.y - h / 2), (place.x - d - w - 1, place.y - h / 2),
            (place.x - w / 2, place.y - d - h - 1), (place.x - w / 2, place.y + d + 1),
        ]
        # Where nothing is free, the first place, kept inside the frame.
        left0 = min(max(candidates[0][0], 1.0), frame.width() - w - 1)
        top0 = min(max(candidates[0][1], 1.0), frame.height() - h - 1)
        rect = QRectF(left0, top0, w, h)
        for left, top in candidates:
            trial = QRectF(left, top, w, h)
            if grid.fits(trial.adjusted(-1, -1, 1, 1)):
                rect = trial
                break
        grid.take(rect.adjusted(-1, -1, 1, 1))
        painter.setPen(QPen(QColor(255, 255, 255, 230), 1.2))
        painter.setBrush(BADGE_FILL)
        painter.drawRoundedRect(rect, h / 2, h / 2)
        painter.setPen(BADGE_TEXT)
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
    painter.restore()


# -- targets ---------------------------------------------------------------------------------

DOTS_PER_METRE_96 = round(CSS_DPI / 0.0254)


def sheet_image(
    options: LayoutOptions, sheet: SheetInput, max_size: tuple[int, int] | None = None, paged: bool = False
) -> tuple[QImage, SheetReport]:
    """The sheet as a raster: full size (PNG), or scaled down into ``max_size`` (the preview;
    ``paged`` previews a PDF's first page)."""
    page = page_geometry(options)
    scale = page.scale
    pixels = page.pixels
    if max_size is not None:
        shrink = min(1.0, max_size[0] / pixels[0], max_size[1] / pixels[1])
        scale *= shrink
        pixels = (max(1, round(pixels[0] * shrink)), max(1, round(pixels[1] * shrink)))
    image = QImage(pixels[0], pixels[1], QImage.Format.Format_ARGB32_Premultiplied)
    # Fonts resolve at 96 dpi (layout units); the painter's scale gives the output's DPI.
    image.setDotsPerMeterX(DOTS_PER_METRE_96)
    image.setDotsPerMeterY(DOTS_PER_METRE_96)
    image.fill(QColor("white"))
    painter = QPainter(image)
    try:
        painter.scale(scale, scale)
        report = draw_sheet(
            painter, (pixels[0] / scale, pixels[1] / scale), options, sheet, device_pixel_ratio=scale, paged=paged
        )
    finally:
        painter.end()
    dots = round(page.dpi / 0.0254)
    image.setDotsPerMeterX(dots)
    image.setDotsPerMeterY(dots)
    return image, report


def _encode(write: Callable[[object], None]) -> bytes:
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice

    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    try:
        write(buffer)
    finally:
        buffer.close()
    return bytes(data.data())


PNG_QUALITY = 70
"""Qt's PNG "quality" is zlib's effort: 70 encodes a 1600 × 1000 map in about two thirds of the
default's time for a file 3 % bigger; the pixels are the same whatever it is."""


def png_bytes(image: QImage) -> bytes:
    """An opaque picture (a sheet or a map on white) as PNG file contents.

    Written as RGB, not RGBA: every pixel is opaque, so the alpha channel only costs encoding
    time (a quarter of it) and bytes; the colours are exactly those drawn."""
    opaque = image.convertToFormat(QImage.Format.Format_RGB32)

    def write(buffer) -> None:
        if not opaque.save(buffer, "PNG", PNG_QUALITY):
            raise OSError("could not encode the PNG image")

    return _encode(write)


def sheet_png(options: LayoutOptions, sheet: SheetInput) -> tuple[bytes, SheetReport]:
    image, report = sheet_image(options, sheet)
    return png_bytes(image), report


def sheet_svg(options: LayoutOptions, sheet: SheetInput) -> tuple[bytes, SheetReport]:
    """The sheet as SVG, in layout units: text stays text."""
    from PySide6.QtCore import QRect, QSize
    from PySide6.QtSvg import QSvgGenerator

    page = page_geometry(options)
    width, height = (math.ceil(v) for v in page.units)
    result: list[SheetReport] = []

    def write(buffer) -> None:
        # SVG 1.1, not the default SVG Tiny 1.2: only 1.1 keeps the clip that holds the map in its frame.
        generator = QSvgGenerator(QSvgGenerator.SvgVersion.Svg11)
        generator.setOutputDevice(buffer)
        generator.setResolution(CSS_DPI)
        generator.setSize(QSize(width, height))
        generator.setViewBox(QRect(0, 0, width, height))
        generator.setTitle(clean_text(options.title) or "influencemap")
        generator.setDescription(clean_text(options.subtitle) or "Sourced map; basemap: Natural Earth")
        painter = QPainter(generator)
        try:
            result.append(draw_sheet(painter, (width, height), options, sheet))
        finally:
            painter.end()

    return _encode(write), result[0]


def sheet_pdf(options: LayoutOptions, sheet: SheetInput) -> tuple[bytes, SheetReport]:
    """The sheet as a vector PDF on the preset's page (fonts embedded, text searchable).

    The page is laid out in layout units (``setResolution(96)``): everything on it is vector,
    so the DPI changes nothing in the PDF itself; it only sets the pixels of raster exports.
    """
    from PySide6.QtCore import QMarginsF
    from PySide6.QtGui import QPdfWriter

    page = page_geometry(options)
    result: list[SheetReport] = []

    def write(buffer) -> None:
        writer = QPdfWriter(buffer)
        writer.setResolution(CSS_DPI)
        writer.setCreator("influencemap")
        writer.setTitle(clean_text(options.title) or "influencemap map")
        size = QPageSize(QSizeF(min(page.page_mm), max(page.page_mm)), QPageSize.Unit.Millimeter, "", QPageSize.SizeMatchPolicy.FuzzyMatch)
        orientation = QPageLayout.Orientation.Landscape if page.page_mm[0] > page.page_mm[1] else QPageLayout.Orientation.Portrait
        writer.setPageLayout(QPageLayout(size, orientation, QMarginsF(0, 0, 0, 0)))
        painter = QPainter(writer)
        try:
            rect = writer.pageLayout().paintRectPixels(CSS_DPI)
            result.append(
                draw_sheet(painter, (rect.width(), rect.height()), options, sheet, new_page=writer.newPage)
            )
        finally:
            painter.end()

    return _encode(write), result[0]


def sheet_bytes(fmt: str, options: LayoutOptions, sheet: SheetInput) -> tuple[bytes, SheetReport]:
    """The sheet as ``png``, ``svg`` or ``pdf`` file contents."""
    makers = {"png": sheet_png, "svg": sheet_svg, "pdf": sheet_pdf}
    if fmt not in makers:
        raise ValueError(f"cannot write a map sheet as '{fmt}': use png, svg or pdf")
    return makers[fmt](options.checked(), sheet)


def default_sheet_input(
    catalog: Catalog, layer_ids: Sequence[str] | None = None, view_bbox=None, basemap=None
) -> SheetInput:
    from influencemap.render.drawing_order import default_drawing_order

    ids = tuple(layer_ids) if layer_ids is not None else tuple(default_drawing_order(catalog))
    return SheetInput(catalog, ids, tuple(view_bbox) if view_bbox else None, basemap)
