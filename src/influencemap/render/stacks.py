"""Stacks: points that share a spot on screen, drawn as one marker with a count.

Most evidence sits on a few city-precision points (thirty facts at Minsk), and points closer
than a marker's size look like one dot at any zoom. So the renderer groups the shown points
of all layers by a grid of :data:`STACK_CELL_PX` pixels; a cell with two or more is a
:class:`Stack`, drawn over the layers as a disc in the top layer's colour inside a ring split
in the colours of the layers in it (by share), with a count badge. Its label is the place, the
gazetteer's name for it ("Minsk · 30"), not one of its features' names.

Everything per point is numpy; per stack it is a cached sprite (body by colours and size,
badge by count), so a view of 100,000 points and thousands of stacks stays a few drawImage
calls each. Kept apart from :mod:`influencemap.render.renderer` so other drawing (basemap
places, labels) merges without touching it.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field
from typing import NamedTuple, Sequence

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QImage, QPainter, QPainterPath, QPen

from influencemap.model.feature_table import FeatureTable
from influencemap.model.identify import HitRows
from influencemap.render import symbols

STACK_CELL_PX = 9.0
"""Points in one cell of this many pixels are one stack: about a marker's size."""
MAX_BADGES = 4000
"""Above this many stacks in view only their bodies are drawn (the tooltip still counts)."""
RING_SHARES = 12
"""A ring's layer shares are rounded to twelfths, so few sprites serve many stacks."""


@dataclass(frozen=True)
class Stack:
    """Two or more shown points in one cell (pixel positions of the frame)."""

    x: float
    y: float
    count: int
    colors: tuple[tuple[str, int], ...]
    """(layer colour, how many of its points), top layer first."""
    anchor: tuple[float, float] | None = None
    """Where most of its points are (pixels): the place it is named after. A stack merged from
    New York's and Washington's points sits between them; it is named after the bigger one,
    not after a town half-way."""
    sized_radius: float | None = None
    """The radius of a stack sized by the sum of its points' figure (see StackSet.sized)."""

    @property
    def radius(self) -> float:
        return self.sized_radius if self.sized_radius is not None else stack_radius(self.count)


def stack_radius(count):
    """Bigger for more, slowly: 2 → 7.7 px, 10 → 11.6, 30 → 14 (numbers or arrays)."""
    return np.minimum(14.0, 6.0 + 1.7 * np.log2(np.maximum(2, count)))


@dataclass(frozen=True)
class StackSet:
    """Every stack of a frame as arrays, most points first (a whole-world view has thousands)."""

    x: np.ndarray
    y: np.ndarray
    count: np.ndarray
    top: np.ndarray
    """Each stack's top layer (index into the ``xys`` given to :func:`find_stacks`)."""
    pairs: tuple[np.ndarray, np.ndarray, np.ndarray]
    """(stack, layer, points) for every layer present in every stack."""
    colors: tuple[str, ...]
    anchor_x: np.ndarray | None = None
    anchor_y: np.ndarray | None = None
    """Each stack's :attr:`Stack.anchor` (None: its centre)."""
    point_stack: np.ndarray | None = None
    """For each stacked point (in the order of the points given to :func:`find_stacks`), its stack."""
    sized: np.ndarray | None = None
    """Per stack, its radius when sized by the sum of its points' figure, NaN when by count."""
    _mixes: list | None = field(default=None, compare=False, repr=False)

    def __len__(self) -> int:
        return len(self.count)

    def radius(self) -> np.ndarray:
        by_count = stack_radius(self.count)
        if self.sized is None:
            return by_count
        return np.where(np.isnan(self.sized), by_count, self.sized)

    def mix(self, i: int) -> tuple[tuple[str, int], ...]:
        """Stack ``i``'s (layer colour, points) pairs, top layer first."""
        return self.mixes()[i]

    def mixes(self) -> list[tuple[tuple[str, int], ...]]:
        """Every stack's :meth:`mix`, made in one pass over ``pairs`` (sorted by stack, then layer)."""
        cached = self._mixes
        if cached is None:
            found: list[list[tuple[str, int]]] = [[] for _ in range(len(self))]
            stack, layer, points = (a.tolist() for a in self.pairs)
            colors = self.colors
            for g, l, n in zip(stack, layer, points):
                found[g].append((colors[l], n))
            cached = [tuple(reversed(mix)) for mix in found]
            object.__setattr__(self, "_mixes", cached)
        return cached

    def stack(self, i: int) -> Stack:
        anchor = None if self.anchor_x is None else (float(self.anchor_x[i]), float(self.anchor_y[i]))
        sized = None if self.sized is None or np.isnan(self.sized[i]) else float(self.sized[i])
        return Stack(float(self.x[i]), float(self.y[i]), int(self.count[i]), self.mix(i), anchor, sized)

    def biggest(self, limit: int) -> list[Stack]:
        return [self.stack(i) for i in range(min(limit, len(self)))]


def stack_at(stacks: StackSet, x: float, y: float) -> int | None:
    """The stack whose marker is drawn at pixel (x, y), its body or its count badge: the
    topmost (the biggest, drawn last) when markers overlap; None over none."""
    if not len(stacks):
        return None
    reach = stacks.radius() + 40.0  # the body and, up and to the right, the badge
    near = np.flatnonzero((np.abs(stacks.x - x) <= reach) & (np.abs(stacks.y - y) <= reach))
    for i in near.tolist():  # numbered biggest first: the first found is on top
        stack = stacks.stack(i)
        if math.hypot(stack.x - x, stack.y - y) <= stack.radius or badge_rect(stack).contains(QPointF(x, y)):
            return i
    return None


class MarkerHit(NamedTuple):
    """What a click on a stack marker hit (see :meth:`FrameMarkers.members_at`)."""

    hits: HitRows
    """Its features as (layer_id, feature_id), each once (made when read: there can be 150,000)."""
    distances: np.ndarray
    """Each one's distance from the click, in the frame's pixels."""
    anchor: tuple[float, float]
    """Where the frame names the marker after (its :attr:`Stack.anchor`, frame pixels): the
    list's title names the same place as the marker's label."""


@dataclass(frozen=True)
class FrameMarkers:
    """A frame's stacks and the features their points draw: what a click on a marker hits.

    Kept with the frame so the What's-here list counts a marker's features by the very grouping
    that drew its badge (:func:`find_stacks`), not by a second reckoning that could differ. The
    batches' arrays are kept as they are; the members of one stack are found when it is clicked.
    """

    stacks: StackSet
    layer_ids: tuple[str, ...]
    """Per batch of points (the ``xys`` given to :func:`find_stacks`), its layer."""
    tables: tuple[FeatureTable, ...]
    """Per batch, the table its ``positions`` index (a layer's points)."""
    xys: tuple[np.ndarray, ...]
    positions: tuple[np.ndarray, ...]
    """Per batch, each point's feature (a position in its table)."""
    stacked: np.ndarray
    """Over the batches' points end to end, which are in a stack (``find_stacks``' second answer)."""

    def members_at(self, x: float, y: float, limit: int | None = None) -> MarkerHit | None:
        """The features of the marker drawn at pixel (x, y), each once (a multipoint's parts
        count once), with their distance from (x, y); None when no marker is there, or when it
        holds more than ``limit`` points."""
        i = stack_at(self.stacks, x, y)
        if i is None or self.stacks.point_stack is None:
            return None
        if limit is not None and int(self.stacks.count[i]) > limit:
            return None
        points = np.flatnonzero(self.stacked)[np.flatnonzero(self.stacks.point_stack == i)]
        starts = np.cumsum([0] + [len(xy) for xy in self.xys])
        batches = np.searchsorted(starts, points, side="right") - 1
        sources: list[np.ndarray] = []
        chosen: list[np.ndarray] = []
        distances: list[np.ndarray] = []
        # Per layer in whole arrays, and kept as arrays (:class:`HitRows`): a marker over a dense
        # layer zoomed out holds 150,000 points, and the list makes a row only when it shows it.
        for batch in np.flatnonzero(np.bincount(batches, minlength=len(self.xys))).tolist():
            offsets = points[batches == batch] - int(starts[batch])
            xy = self.xys[batch][offsets]
            distance = np.hypot(xy[:, 0] - x, xy[:, 1] - y)
            positions = self.positions[batch][offsets]
            if _repeats(positions):  # a multipoint's parts: its nearest once
                order = np.lexsort((distance, positions))
                positions, distance = positions[order], distance[order]
                first = np.r_[True, positions[1:] != positions[:-1]]
                positions, distance = positions[first], distance[first]
            sources.append(np.full(len(positions), batch, dtype=np.intp))
            chosen.append(positions)
            distances.append(distance)
        hits = HitRows(self.layer_ids, tuple(table.ids for table in self.tables),
                       np.concatenate(sources) if sources else np.zeros(0, dtype=np.intp),
                       np.concatenate(chosen) if chosen else np.zeros(0, dtype=np.intp), self.tables)
        stack = self.stacks.stack(i)
        return MarkerHit(hits, np.concatenate(distances) if distances else np.zeros(0), stack.anchor or (stack.x, stack.y))


def _repeats(positions: np.ndarray) -> bool:
    """Whether a position occurs twice (a multipoint's parts); in one pass when they come in
    order, as a layer's points do (150,000 of them: a sort would cost more than the click)."""
    if len(positions) < 2:
        return False
    steps = positions[1:] - positions[:-1]
    if (steps >= 0).all():
        return bool((steps == 0).any())
    return len(np.unique(positions)) < len(positions)


def no_stacks(colors: Sequence[str] = ()) -> StackSet:
    empty = np.zeros(0)
    index = np.zeros(0, dtype=np.intp)
    return StackSet(empty, empty, index, index, (index, index, index), tuple(colors))


def find_stacks(xys: Sequence[np.ndarray], colors: Sequence[str]) -> tuple[StackSet, np.ndarray]:
    """The stacks among points of several layers (``xys`` bottom layer first, pixel positions).

    Returns the stacks (most points first) and, over the concatenated points, which are in one.
    All in numpy: no Python loop per point or per stack.
    """
    sizes = [len(xy) for xy in xys]
    total = sum(sizes)
    stacked = np.zeros(total, dtype=bool)
    if total < 2:
        return no_stacks(colors), stacked
    if len(xys) == 1:  # one layer (a million points): its positions as they are, no copy
        xy = np.asarray(xys[0], dtype=float).reshape(-1, 2)
    else:
        xy = np.concatenate([np.asarray(a, dtype=float).reshape(-1, 2) for a in xys])
    cells = np.floor(xy / STACK_CELL_PX).astype(np.int64)
    inverse, counts = _cell_numbers(cells)
    multi = counts >= 2
    if not multi.any():
        return no_stacks(colors), stacked
    stacked = multi[inverse]
    # Renumber the stacks by size, biggest first (ties: left to right on screen, stable).
    cell_ids = np.flatnonzero(multi)
    by_size = cell_ids[np.argsort(-counts[cell_ids], kind="stable")]
    rank = np.full(len(counts), -1, dtype=np.intp)
    rank[by_size] = np.arange(len(by_size))
    group = rank[inverse[stacked]]
    held_xy = xy[stacked]
    # Each stacked point's layer (index into ``xys``); one layer: all zeros, made without a gather.
    held_layer = (
        np.zeros(len(held_xy), dtype=np.intp) if len(xys) == 1
        else np.repeat(np.arange(len(xys)), sizes)[stacked]
    )
    n = len(by_size)
    if n <= MERGE_MAX_STACKS:
        group, n = _merge_overlapping(group, held_xy, n)
    count = np.bincount(group, minlength=n)
    x = np.bincount(group, weights=held_xy[:, 0], minlength=n) / count
    y = np.bincount(group, weights=held_xy[:, 1], minlength=n) / count
    order = np.argsort(-count, kind="stable")  # merged stacks: biggest first again
    rank = np.empty(n, dtype=np.intp)
    rank[order] = np.arange(n)
    group, count, x, y = rank[group], count[order], x[order], y[order]
    top = np.full(n, -1, dtype=np.intp)
    np.maximum.at(top, group, held_layer)
    per_pair = np.bincount(group * len(xys) + held_layer, minlength=n * len(xys))  # (stack, layer) keys, counted
    pair_keys = np.flatnonzero(per_pair)
    pairs = (pair_keys // len(xys), pair_keys % len(xys), per_pair[pair_keys])
    # Each stack's anchor: a point of its fullest grid cell (the first of the stack's points,
    # in the order given, among those whose cell holds the most points). Whole-array maxima
    # and minima, no sort: a lexsort of a million stacked points took a second.
    in_cell = counts[inverse[stacked]]
    fullest = np.zeros(n, dtype=in_cell.dtype)
    np.maximum.at(fullest, group, in_cell)
    candidates = np.flatnonzero(in_cell == fullest[group])
    starts = np.full(n, len(group), dtype=np.intp)
    np.minimum.at(starts, group[candidates], candidates)
    anchor_x, anchor_y = held_xy[starts, 0], held_xy[starts, 1]
    return StackSet(x, y, count, top, pairs, tuple(colors), anchor_x, anchor_y, group), stacked


def _cell_numbers(cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each point's grid cell numbered in (column, row) order among the occupied cells, and how
    many points each cell holds. The cells of a frame are few (the canvas in 6-pixel cells), so
    they are counted with ``bincount`` rather than sorted: a million points without a sort."""
    # Per column: a (n, 2) array's min(axis=0) walks it with a stride, three times slower.
    column = cells[:, 0] - cells[:, 0].min()
    row = cells[:, 1] - cells[:, 1].min()
    keys = column * (int(row.max()) + 1) + row
    if int(keys.max()) < 8 * len(keys) + 65536:
        per_key = np.bincount(keys)
        used = per_key > 0
        return (np.cumsum(used) - 1)[keys], per_key[used]
    _unique, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
    return inverse.reshape(-1), counts


MERGE_MAX_STACKS = 1500
"""Up to this many stacks, ones whose markers would overlap are merged (a pairwise test)."""


def _merge_overlapping(group: np.ndarray, xy: np.ndarray, n: int) -> tuple[np.ndarray, int]:
    """Merge stacks whose markers overlap (centres closer than most of their radii summed): two
    stacks 20 km apart at Minsk are one spot at a regional zoom, and the smaller one's badge
    would hide under the bigger one. Greedy, biggest first; returns new groups and their count."""
    count = np.bincount(group, minlength=n)
    cx = np.bincount(group, weights=xy[:, 0], minlength=n) / count
    cy = np.bincount(group, weights=xy[:, 1], minlength=n) / count
    radius = stack_radius(count)
    owner = np.arange(n)
    for i in range(n):  # groups are numbered biggest first
        if owner[i] != i:
            continue
        rest = np.arange(i + 1, n)
        rest = rest[owner[rest] == rest]
        if not len(rest):
            break
        close = np.hypot(cx[rest] - cx[i], cy[rest] - cy[i]) < 0.8 * (radius[rest] + radius[i])
        owner[rest[close]] = i
    if (owner == np.arange(n)).all():
        return group, n
    kept, renumbered = np.unique(owner, return_inverse=True)
    return renumbered.reshape(-1)[group], len(kept)


# -- drawing ---------------------------------------------------------------------------------

_SPRITES: dict[tuple, tuple[QImage, float]] = {}
_SPRITES_LOCK = threading.Lock()
MAX_SPRITES = 4096


def _cached(key: tuple, make) -> tuple[QImage, float]:
    found = _SPRITES.get(key)
    if found is None:
        found = make()
        with _SPRITES_LOCK:
            if len(_SPRITES) >= MAX_SPRITES:
                _SPRITES.clear()
            _SPRITES[key] = found
    return found


def _ring_key(colors: tuple[tuple[str, int], ...]) -> tuple:
    total = sum(n for _c, n in colors)
    return tuple((c, max(1, round(RING_SHARES * n / total))) for c, n in colors)


def _body_sprite(ring: tuple, radius: float, dpr: float) -> tuple[QImage, float]:
    """A stack's body: white outline, a ring in the layers' colours by share, the top layer's disc."""
    half = math.ceil(radius + 2)
    image = QImage(round(2 * half * dpr), round(2 * half * dpr), QImage.Format.Format_ARGB32_Premultiplied)
    image.setDevicePixelRatio(dpr)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    centre = QPointF(half, half)
    painter.setPen(QPen(QColor(255, 255, 255, 240), 1.6))
    painter.setBrush(QColor(40, 40, 40, 200))
    painter.drawEllipse(centre, radius, radius)
    box = QRectF(half - radius + 0.8, half - radius + 0.8, 2 * radius - 1.6, 2 * radius - 1.6)
    total = sum(share for _c, share in ring)
    angle = 90 * 16
    painter.setPen(Qt.PenStyle.NoPen)
    for color, share in ring:
        span = -round(360 * 16 * share / total)
        painter.setBrush(symbols.qcolor(color))
        painter.drawPie(box, angle, span)
        angle += span
    inner = radius * 0.58
    painter.setPen(QPen(QColor(255, 255, 255, 235), 1.2))
    painter.setBrush(symbols.qcolor(ring[0][0]))
    painter.drawEllipse(centre, inner, inner)
    painter.end()
    return image, float(half)


def badge_font() -> QFont:
    font = QFont()
    font.setPointSizeF(7.0)
    font.setBold(True)
    return font


def _badge_sprite(text: str, dpr: float) -> tuple[QImage, float]:
    """The count: white on dark, a rounded pill, anchored by its left-middle."""
    font = badge_font()
    metrics = QFontMetricsF(font)
    height = metrics.height() + 1
    width = max(height, metrics.horizontalAdvance(text) + 6)
    image = QImage(math.ceil((width + 2) * dpr), math.ceil((height + 2) * dpr), QImage.Format.Format_ARGB32_Premultiplied)
    image.setDevicePixelRatio(dpr)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    rect = QRectF(1, 1, width, height)
    painter.setPen(QPen(QColor(255, 255, 255, 240), 1.2))
    painter.setBrush(QColor("#202428"))
    painter.drawRoundedRect(rect, height / 2, height / 2)
    path = QPainterPath()
    path.addText(QPointF(rect.center().x() - metrics.horizontalAdvance(text) / 2, rect.center().y() + metrics.ascent() / 2 - 1), font, text)
    painter.fillPath(path, QColor("white"))
    painter.end()
    return image, height / 2 + 1


def badge_text(count: int) -> str:
    return str(count) if count < 1000 else f"{count // 1000}k"


def badge_rect(stack: Stack) -> QRectF:
    """Where the count badge lies (upper right of the body), for label placement."""
    metrics = QFontMetricsF(badge_font())
    height = metrics.height() + 3
    width = max(height, metrics.horizontalAdvance(badge_text(stack.count)) + 8)
    left = stack.x + stack.radius * 0.45
    return QRectF(left, stack.y - stack.radius * 0.95 - height / 2, width, height)


MIXED_RINGS = 2000
"""Up to this many stacks in view each ring shows its layers' shares; beyond, the top layer's
colour only (one sprite per colour and size instead of one per mix)."""


def draw_stacks(painter: QPainter, stacks: StackSet, raster: bool, dpr: float, counts: bool = True) -> None:
    """Draw each stack's body and (with ``counts``, up to :data:`MAX_BADGES`) its count badge,
    biggest on top."""
    if not len(stacks):
        return
    painter.save()
    radii = np.round(stacks.radius() * 2) / 2  # half-pixel steps: few sprite sizes
    mixed = len(stacks) <= MIXED_RINGS
    badges = counts and len(stacks) <= MAX_BADGES
    mixes = stacks.mixes() if mixed else None
    draw = painter.drawImage
    xs, ys, tops, counts, radii_list = (a.tolist() for a in (stacks.x, stacks.y, stacks.top, stacks.count, radii))
    for i in range(len(stacks) - 1, -1, -1):
        radius = radii_list[i]
        ring = _ring_key(mixes[i]) if mixes is not None else ((stacks.colors[tops[i]], 1),)
        x, y = xs[i], ys[i]
        if raster:
            body, half = _cached(("body", ring, radius, dpr), lambda: _body_sprite(ring, radius, dpr))
            draw(QPointF(x - half, y - half), body)
        else:
            body, half = _body_sprite(ring, radius, 1.0)
            draw(QRectF(x - half, y - half, 2 * half, 2 * half), body)
        if badges:
            text = badge_text(counts[i])
            badge, mid = _cached(("badge", text, dpr), lambda: _badge_sprite(text, dpr))
            draw(QPointF(x + radius * 0.45, y - radius * 0.95 - mid), badge)
    painter.restore()


# -- naming ----------------------------------------------------------------------------------


def place_name(lon: float, lat: float) -> str | None:
    """The name of a spot: the gazetteer's place within a few kilometres, else the country it
    lies in, else None (:func:`place_names` of one spot)."""
    return place_names([(lon, lat)])[0]


_PLACE_NAMES: dict[tuple[float, float], str | None] = {}
_PLACE_NAMES_LOCK = threading.Lock()
MAX_PLACE_NAMES = 20_000


def place_names(lonlats: Sequence[tuple[float, float]]) -> list[str | None]:
    """:func:`place_name` of many spots at once, remembered per 0.001 degree (the same stacks
    come back frame after frame while panning)."""
    if not len(lonlats):
        return []
    keys = [(round(lon, 3), round(lat, 3)) for lon, lat in lonlats]
    missing = [key for key in dict.fromkeys(keys) if key not in _PLACE_NAMES]
    if missing:
        try:
            # Only where the places are, not the gazetteer's name index: the first click on a
            # marker of a session names its place, and the whole gazetteer took 0.1–0.3 s to read.
            from influencemap.geo.gazetteer import default_place_points

            found = default_place_points().nearest_names(missing)
        except Exception:  # noqa: BLE001 - a missing or broken gazetteer only loses the names
            found = [None] * len(missing)
        names = [name if name is not None else _country_at(lon, lat) for (lon, lat), name in zip(missing, found)]
        with _PLACE_NAMES_LOCK:
            if len(_PLACE_NAMES) + len(missing) > MAX_PLACE_NAMES:
                _PLACE_NAMES.clear()
            _PLACE_NAMES.update(zip(missing, names))
    return [_PLACE_NAMES.get(key) for key in keys]


def prepare_place_names() -> None:
    """Read what :func:`place_names` reads once a process (the gazetteer's place points, the
    country lookup) now: the canvas's worker does it after a frame, so that the first click on
    a marker, which names its place, does not. Only a speed-up: a failure is left to
    :func:`place_names`, which names nothing then."""
    try:
        from influencemap.geo.gazetteer import default_place_points

        default_place_points()
    except Exception:  # noqa: BLE001 - place_names meets it again and names nothing
        pass
    try:
        from influencemap.geo.basemap import prepare_lookup

        prepare_lookup()
    except Exception:  # noqa: BLE001 - as above, _country_at
        pass


def _country_at(lon: float, lat: float) -> str | None:
    """The country a spot far from any town lies in: facts about a whole country are placed at
    its label point ("Kazakhstan · 14" rather than "14 features")."""
    try:
        from influencemap.geo.basemap import countries_containing, country_name

        codes = countries_containing(lon, lat)
    except Exception:  # noqa: BLE001 - a missing or broken basemap only loses the name
        return None
    return (country_name(codes[0]) or codes[0]) if len(codes) == 1 else None


def stack_label(name: str | None, count: int) -> str:
    return f"{name} · {count}" if name else f"{count} features"


def place_of_features(catalog, feature_ids: Sequence[str]) -> str | None:
    """The place a list of features is at, when its points share one (for the list's title)."""
    points = []
    for feature_id in feature_ids:
        feature = catalog.find_feature(feature_id)
        if feature is None:
            continue
        if feature.geometry.geom_type == "Point":
            points.append((feature.geometry.x, feature.geometry.y))
    if not points:
        return None
    xy = np.array(points)
    centre = xy.mean(axis=0)
    if np.abs(xy - centre).max() > 0.6:  # a city and its outskirts, not a region
        return None
    return place_name(float(centre[0]), float(centre[1]))
