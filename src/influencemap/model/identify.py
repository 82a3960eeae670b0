"""Which features lie under a click: a pure function over the catalog and a spatial index.

The canvas only turns pixels into coordinates; this module answers, without Qt, as QGIS's
identify tool does. Geometries are indexed once per catalog in a shapely ``STRtree`` built in
Web Mercator, so a hit radius given in degrees of longitude is round on screen at every
latitude (mercator is conformal) and a query costs a tree lookup, not a loop over features.

A query over a whole big layer can have thousands of candidates (zoomed out over dense
points), so everything after the tree lookup works on whole arrays: point distances in numpy
(only lines, polygons and multipoints ask shapely), visibility per layer, the filter from a
per-filter memo of accepted features, and one ``lexsort`` for the ranking.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Callable, NamedTuple, Sequence

import numpy as np
import shapely

from influencemap.model import sizing
from influencemap.model.catalog import Catalog
from influencemap.model.filters import FeatureFilter
from influencemap.model.geometry_parts import unwrap_many
from influencemap.model.feature_table import FeatureTable
from influencemap.geo.mercator import EARTH_RADIUS, lonlat_to_mercator, project_xy

Hit = tuple[str, str]
"""(layer_id, feature_id)."""

FILTER_MEMOS = 8
"""How many filters' accepted features an index remembers (the timeline steps through many)."""

TOP_SORT_ALL = 256
"""Up to this many hits :func:`identify_top` just ranks them all."""

_UNKNOWN, _REJECTED, _ACCEPTED = -1, 0, 1


@dataclass(frozen=True)
class _Index:
    """All of a catalog's features, in catalog order, as arrays: the single points' mercator
    coordinates sorted by x, and a tree over the mercator shapes of the rest.

    A cached layer's features are read from its table's columns (ids, kind codes, point
    coordinates, the other shapes), so indexing a million cached points makes no ``Feature``
    object (nor a shapely point) at all; the filter asks about a candidate through a small
    row of the columns it reads (:class:`_FilterRow`).
    """

    count: int
    ids: np.ndarray
    """Each feature's id (an object array)."""
    layer_ids: tuple[str, ...]
    layer_codes: np.ndarray
    """Each feature's layer, as a position in ``layer_ids``."""
    is_polygon: np.ndarray
    is_point: np.ndarray
    """Single points: their distance is taken from ``xy`` with numpy."""
    xy: np.ndarray
    """(N, 2) mercator coordinates of the single points (NaN for every other feature)."""
    point_order: np.ndarray
    """The positions of the single points, by their mercator x."""
    point_x: np.ndarray
    """Their mercator x, sorted (``xy[point_order, 0]``): a click's candidates are a slice."""
    other_positions: np.ndarray
    """The positions of every other (non-empty) feature: lines, polygons, multipoints."""
    geometries: np.ndarray
    """Their mercator shapes, in the order of ``other_positions``."""
    tree: shapely.STRtree
    """Over ``geometries``."""
    symbol_px: np.ndarray
    """Each feature's symbol radius in pixels when its layer sizes symbols by a figure (0 else)."""
    block_starts: np.ndarray
    """Where each layer's features begin (a position), for :meth:`filter_row`."""
    blocks: tuple[FeatureTable, ...]
    """Each layer's features (read by column)."""
    memos: OrderedDict = field(default_factory=OrderedDict, compare=False)
    """FeatureFilter -> int8 array over the features: unknown, rejected or accepted."""
    lock: threading.Lock = field(default_factory=threading.Lock, compare=False)

    def hits(self, positions: np.ndarray) -> list[Hit]:
        """The (layer_id, feature_id) answers of the features at ``positions``, in that order."""
        layer_ids = self.layer_ids
        return [
            (layer_ids[code], fid)
            for code, fid in zip(self.layer_codes[positions].tolist(), self.ids[positions].tolist())
        ]

    def hit_rows(self, positions: np.ndarray) -> HitRows:
        """The features at ``positions`` as :class:`HitRows` (no hit made until one is read)."""
        return HitRows(self.layer_ids, (self.ids,) * len(self.layer_ids), self.layer_codes[positions], positions)

    def filter_row(self, position: int) -> _FilterRow:
        """What the filter reads of the feature at ``position``, from its layer's columns."""
        block = int(np.searchsorted(self.block_starts, position, side="right")) - 1
        column, row = self.blocks[block].column, position - int(self.block_starts[block])
        return _FilterRow(
            column("countries")[row], column("tags")[row], column("actors")[row], column("starts")[row], column("ends")[row]
        )


class _FilterRow(NamedTuple):
    """The fields :meth:`FeatureFilter.accepts` reads, from a layer's columns."""

    countries: Sequence[str]
    tags: Sequence[str]
    actors: Sequence[str]
    start: object
    end: object


_CACHE: dict[int, tuple[weakref.ref, _Index]] = {}
_CACHE_LOCK = threading.Lock()


_BUILD_LOCK = threading.Lock()
"""Held while an index is built: a second thread asking meanwhile waits for it, not builds its own."""


def _index(catalog: Catalog) -> _Index:
    """The catalog's index, built on first use and dropped when the catalog is."""
    index = _cached(catalog)
    if index is not None:
        return index
    with _BUILD_LOCK:
        index = _cached(catalog)
        if index is None:
            index = _build_index(catalog)
            key = id(catalog)
            with _CACHE_LOCK:
                _CACHE[key] = (weakref.ref(catalog), index)
                weakref.finalize(catalog, _CACHE.pop, key, None)
    return index


def index_pending(catalog: Catalog) -> bool:
    """Whether another thread is building an index while this catalog has none yet: a hover
    should then pass (the map canvas's worker builds it right after the first frame) rather than
    wait for it on the UI thread."""
    return _cached(catalog) is None and _BUILD_LOCK.locked()


def _cached(catalog: Catalog) -> _Index | None:
    with _CACHE_LOCK:
        cached = _CACHE.get(id(catalog))
    return cached[1] if cached is not None and cached[0]() is catalog else None


class _LayerPart(NamedTuple):
    """One layer's share of the index, before the layers are joined."""

    ids: np.ndarray
    kinds: np.ndarray
    """0 point, 1 line, 2 polygon, 3 multipoint (a table's kind codes)."""
    lonlat: np.ndarray
    """(N, 2) lon/lat of the single points, NaN elsewhere (and for empty points)."""
    others: np.ndarray
    """The lon/lat shapes of the other features (None at the single points)."""


_LINE = 1
"""The ``kinds`` code of a line in a feature table."""


def _layer_part(table: FeatureTable) -> _LayerPart:
    """A layer's share of the index, from its table's columns (building a big layer's Feature
    objects is most of its memory, and reading a million of them back costs more than the columns)."""
    count = len(table)
    lonlat = np.full((count, 2), np.nan)
    others = np.full(count, None, dtype=object)
    kinds = np.asarray(table.kind_codes)
    points = kinds == 0
    lonlat[points] = table.point_lonlat()
    if not points.all():
        others[~points] = table.shapes()[~points]
    return _LayerPart(np.array(table.ids, dtype=object), kinds, lonlat, others)


def _build_index(catalog: Catalog) -> _Index:
    layers = [layer for layer in catalog.layers if len(layer.features)]
    parts = [_layer_part(layer.features) for layer in layers]
    layer_ids = tuple(dict.fromkeys(layer.id for layer in layers))
    code_of = {layer_id: code for code, layer_id in enumerate(layer_ids)}
    sizes = [len(part.ids) for part in parts]
    count = sum(sizes)
    if parts:
        ids = np.concatenate([part.ids for part in parts])
        kinds = np.concatenate([part.kinds for part in parts])
        lonlat = np.concatenate([part.lonlat for part in parts])
        others = np.concatenate([part.others for part in parts])
    else:
        ids, kinds, lonlat, others = np.zeros(0, dtype=object), np.zeros(0, dtype=np.uint8), np.zeros((0, 2)), np.zeros(0, dtype=object)
    layer_codes = np.repeat(np.array([code_of[layer.id] for layer in layers], dtype=np.intp), sizes)
    is_point = kinds == 0
    xy = np.full((count, 2), np.nan)
    filled = is_point & ~np.isnan(lonlat).any(axis=1)
    if filled.any():
        xy[filled] = project_xy(lonlat[filled])
    point_positions = np.flatnonzero(filled)
    point_order = point_positions[np.argsort(xy[point_positions, 0], kind="stable")]
    other_positions = np.flatnonzero(~is_point)
    geometries = others[other_positions]
    if len(geometries):
        keep = ~shapely.is_empty(geometries)
        other_positions, geometries = other_positions[keep], geometries[keep]
        # Lines and polygons across ±180° are hit where they are drawn: the short way.
        geometries = shapely.transform(unwrap_many(geometries), project_xy)
    return _Index(
        count=count,
        ids=ids,
        layer_ids=layer_ids,
        layer_codes=layer_codes,
        is_polygon=kinds == 2,
        is_point=is_point,
        xy=xy,
        point_order=point_order,
        point_x=xy[point_order, 0],
        other_positions=other_positions,
        geometries=geometries,
        tree=shapely.STRtree(geometries),
        symbol_px=_symbol_radii(catalog, layers, count),
        block_starts=np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.intp) if sizes else np.zeros(0, dtype=np.intp),
        blocks=tuple(layer.features for layer in layers),
    )


def _symbol_radii(catalog: Catalog, layers: Sequence, count: int) -> np.ndarray:
    """Per feature, the radius (pixels) of its symbol sized by a figure, or 0 (see model.sizing).

    Only a layer sized by a figure is read, from its figure columns (its figures decide)."""
    radii = np.zeros(count)
    start = 0
    for layer in layers:
        table = layer.features
        size = len(table)
        size_by = layer.style.size_by
        if size_by is not None:
            top = sizing.layer_sizes(layer)
            if top is not None:
                values = sizing.values_of(table, size_by)
                values[table.kind_codes == _LINE] = np.nan  # a line's width is its style's
                sized = np.flatnonzero(~np.isnan(values))
                radii[start + sized] = sizing.diameters(values[sized], top.top, size_by, 0.0) / 2
        start += size
    return radii


PREPARE_CHUNK = 4096
"""Features whose filter answer :func:`prepare` finds between two looks at ``cancelled``."""


def prepare(
    catalog: Catalog, feature_filter: FeatureFilter | None = None, cancelled: Callable[[], bool] | None = None
) -> None:
    """Build the catalog's spatial index now (e.g. on a worker thread) so the first hover is instant.

    With a filter, also decide now which features it accepts, so hovering over thousands of
    candidates never runs the filter feature by feature on the UI thread. When ``cancelled``
    returns True that stops early; the answers found so far are kept.
    """
    index = _index(catalog)
    if not _active(feature_filter):
        return
    for start in range(0, index.count, PREPARE_CHUNK):
        if cancelled is not None and cancelled():
            return
        chunk = np.arange(start, min(start + PREPARE_CHUNK, index.count))
        _accepted(catalog, index, feature_filter, chunk)  # type: ignore[arg-type]


def identify(
    catalog: Catalog,
    lon: float,
    lat: float,
    tolerance_deg: float,
    visible_layer_ids: Sequence[str],
    filter: FeatureFilter | None = None,  # noqa: A002 - the name the callers use
    *,
    degrees_per_pixel: float | None = None,
) -> list[Hit]:
    """The features under (lon, lat), topmost first.

    Points and lines within the tolerance win; only when there are none do polygons count:
    those containing the point (or within the tolerance of it, for polygons drawn smaller
    than a few pixels). Topmost means the layer drawn last (the end of
    ``visible_layer_ids``, which is in drawing order, bottom first), then the nearest, then the
    feature drawn last.

    Parameters
    ----------
    tolerance_deg
        The hit radius in degrees of longitude (the canvas's few pixels times degrees per
        pixel). It is measured in Web Mercator, so it is the same number of pixels in every
        direction on screen.
    visible_layer_ids
        Layers that can be hit, in drawing order; hidden layers are never hit.
    filter
        Features the filter rejects (as drawn) are never hit.
    """
    found = _found(catalog, lon, lat, tolerance_deg, visible_layer_ids, filter, degrees_per_pixel=degrees_per_pixel)
    if found is None:
        return []
    index, candidates, distances, ranks = found
    return index.hits(candidates[_ranking(candidates, distances, ranks)])


def features_here(
    catalog: Catalog,
    lon: float,
    lat: float,
    tolerance_deg: float,
    visible_layer_ids: Sequence[str],
    filter: FeatureFilter | None = None,  # noqa: A002 - the name the callers use
    *,
    degrees_per_pixel: float | None = None,
) -> list[Hit]:
    """Every shown feature at (lon, lat), as the What's-here list gives them.

    Unlike :func:`identify` (which picks what a click on a symbol means), polygons around
    the click are listed too, next to the points and lines within the tolerance: a user
    asking what is here wants the city's facts, the rail line through it and the region
    around it. Grouped by layer, top layer first; within a layer points and lines before
    polygons, then the nearest, then the feature drawn last.
    """
    found = _found(catalog, lon, lat, tolerance_deg, visible_layer_ids, filter, polygons_always=True,
                   degrees_per_pixel=degrees_per_pixel)
    if found is None:
        return []
    index, candidates, distances, ranks = found
    ranks = _list_ranks(index, candidates, ranks)
    return index.hits(candidates[_ranking(candidates, distances, ranks)])


def features_here_top(
    catalog: Catalog,
    lon: float,
    lat: float,
    tolerance_deg: float,
    visible_layer_ids: Sequence[str],
    filter: FeatureFilter | None = None,  # noqa: A002 - the name the callers use
    *,
    degrees_per_pixel: float | None = None,
    limit: int = 1,
) -> tuple[list[Hit], int]:
    """The first ``limit`` features :func:`features_here` lists and how many it lists in all
    (for the hover tooltip, which names a few and counts the rest without ranking thousands)."""
    found = _found(catalog, lon, lat, tolerance_deg, visible_layer_ids, filter, polygons_always=True,
                   degrees_per_pixel=degrees_per_pixel)
    if found is None:
        return [], 0
    index, candidates, distances, ranks = found
    ranks = _list_ranks(index, candidates, ranks)
    return _top(index, candidates, distances, ranks, limit)


class HitRows(Sequence):
    """Hits held as arrays, made into ``(layer_id, feature_id)`` one at a time when asked.

    A marker over a dense layer zoomed out holds 150,000 features: a list of that many tuples
    costs more than the click may take, and the What's-here list shows a screenful. Row ``k`` is
    the feature at ``positions[k]`` of ``id_lists[sources[k]]``, in layer ``layer_ids[sources[k]]``
    (the id lists are the layers' own columns, shared, not copied).
    """

    __slots__ = ("layer_ids", "id_lists", "sources", "positions", "tables")

    def __init__(self, layer_ids: Sequence[str], id_lists: Sequence[Sequence[str]], sources: np.ndarray,
                 positions: np.ndarray, tables: Sequence[FeatureTable] | None = None) -> None:
        self.layer_ids = tuple(layer_ids)
        self.id_lists = tuple(id_lists)
        self.sources = np.asarray(sources, dtype=np.intp)
        self.positions = np.asarray(positions, dtype=np.intp)
        self.tables = tuple(tables) if tables is not None else None
        """When the id lists are tables' ids: those tables (rows are then their rows)."""

    @classmethod
    def of(cls, hits: Sequence[Hit]) -> HitRows:
        """Plain hits as rows (a caller's list, or a test's)."""
        if isinstance(hits, HitRows):
            return hits
        layers = list(dict.fromkeys(layer for layer, _feature in hits))
        code = {layer: k for k, layer in enumerate(layers)}
        ids = [feature for _layer, feature in hits]
        return cls(layers, [ids] * len(layers), np.array([code[layer] for layer, _f in hits], dtype=np.intp),
                   np.arange(len(hits), dtype=np.intp))

    def __len__(self) -> int:
        return len(self.positions)

    def __getitem__(self, k):
        if isinstance(k, slice):
            return [self[i] for i in range(*k.indices(len(self)))]
        source = int(self.sources[k])
        return self.layer_ids[source], self.id_lists[source][int(self.positions[k])]

    def __iter__(self):
        layer_ids, id_lists = self.layer_ids, self.id_lists
        for source, position in zip(self.sources.tolist(), self.positions.tolist()):
            yield layer_ids[source], id_lists[source][position]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (HitRows, tuple, list)):
            return len(self) == len(other) and tuple(self) == tuple(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return f"HitRows({len(self)} hits)"

    def take(self, order: np.ndarray) -> HitRows:
        """These rows in ``order`` (positions into them; a subset or a permutation)."""
        return HitRows(self.layer_ids, self.id_lists, self.sources[order], self.positions[order], self.tables)

    def layer_of(self, k: int) -> str:
        return self.layer_ids[int(self.sources[k])]

    def feature_id(self, k: int) -> str:
        return self.id_lists[int(self.sources[k])][int(self.positions[k])]

    def feature_ids(self) -> list[str]:
        """Every row's feature id, in order (made for all rows: for a few, or for a search)."""
        return [feature for _layer, feature in self]

    def id_set(self) -> set[str]:
        """Every row's feature id, as a set (read per layer's id list in one go)."""
        found: set[str] = set()
        for source in np.flatnonzero(np.bincount(self.sources, minlength=len(self.layer_ids))).tolist():
            ids = self.id_lists[source]
            chosen = self.positions[self.sources == source]
            if isinstance(ids, np.ndarray):
                found.update(ids[chosen].tolist())
            else:
                found.update(map(ids.__getitem__, chosen.tolist()))
        return found

    def used_layer_ids(self) -> list[str]:
        """The layers with a row here, in the order of :attr:`layer_ids`."""
        used = np.flatnonzero(np.bincount(self.sources, minlength=len(self.layer_ids))).tolist()
        return list(dict.fromkeys(self.layer_ids[k] for k in used))

    def find(self, feature_id: str) -> int:
        """The first row of ``feature_id``, or -1: its place in each layer's id list is looked
        up first (in C), then that place among the rows (one array comparison)."""
        if len(self) <= 256:
            for k, (_layer, feature) in enumerate(self):
                if feature == feature_id:
                    return k
            return -1
        for source in np.unique(self.sources).tolist():
            ids = self.id_lists[source]
            if isinstance(ids, np.ndarray):
                places = np.flatnonzero(ids[self.positions[self.sources == source]] == feature_id)
                rows = np.flatnonzero(self.sources == source)[places]
            else:
                try:
                    place = ids.index(feature_id)
                except ValueError:
                    continue
                rows = np.flatnonzero((self.positions == place) & (self.sources == source))
            if len(rows):
                return int(rows[0])
        return -1


NO_HITS = HitRows((), (), np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp))


@dataclass(frozen=True, eq=False)
class WhatsHere:
    """What a click lists, in the groups the What's-here list shows them, each in list order.

    A GIS user reads an identify result by what was hit (QGIS groups it by layer): first the
    features of the marker the user clicked, counted as its badge counts them, then other
    points and lines within reach (a rail line through the city), then the areas (project
    shapes around the city), which would otherwise bury the loans the user clicked under
    dozens of polygons.

    Each group is a :class:`HitRows` (a sequence of ``(layer_id, feature_id)`` made on demand):
    a click on a marker of 150,000 features makes no hit for the rows never shown.
    """

    at_marker: Sequence[Hit] = NO_HITS
    """The features the clicked stack marker draws (its badge's count), top layer first."""
    nearby: Sequence[Hit] = NO_HITS
    """Other points and lines within the click's reach (a rail line through the city)."""
    areas: Sequence[Hit] = NO_HITS
    """Polygons here: those the click lies in, and those drawn too small to see (a small square
    within the click's reach, as AidData's project sites around Minsk are at regional zoom)."""
    marker_lonlat: tuple[float, float] | None = None
    """Where the clicked marker is named after (its label's place), when one was clicked."""

    def __post_init__(self) -> None:
        for name in ("at_marker", "nearby", "areas"):
            object.__setattr__(self, name, HitRows.of(getattr(self, name)))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, WhatsHere):
            return NotImplemented
        return (self.at_marker == other.at_marker and self.nearby == other.nearby and self.areas == other.areas
                and self.marker_lonlat == other.marker_lonlat)

    __hash__ = None  # type: ignore[assignment]

    @property
    def groups(self) -> tuple[HitRows, HitRows, HitRows]:
        return self.at_marker, self.nearby, self.areas  # type: ignore[return-value]

    @property
    def hits(self) -> list[Hit]:
        """Every feature listed, in the order shown (made for all: for a few, or a test)."""
        return [*self.at_marker, *self.nearby, *self.areas]

    def first(self, count: int) -> list[Hit]:
        """The first ``count`` features listed (the hover names a few of thousands)."""
        found: list[Hit] = []
        for group in self.groups:
            found.extend(group[: count - len(found)])
        return found

    def layer_ids(self) -> list[str]:
        """The layers of the features listed, each once."""
        return list(dict.fromkeys(layer for group in self.groups for layer in group.used_layer_ids()))

    def __len__(self) -> int:
        return len(self.at_marker) + len(self.nearby) + len(self.areas)


def whats_here(
    catalog: Catalog,
    lon: float,
    lat: float,
    tolerance_deg: float,
    visible_layer_ids: Sequence[str],
    filter: FeatureFilter | None = None,  # noqa: A002 - the name the callers use
    *,
    degrees_per_pixel: float | None = None,
    marker: Sequence[Hit] = (),
    marker_distances: Sequence[float] = (),
) -> WhatsHere:
    """:func:`features_here` split into the groups of :class:`WhatsHere`.

    ``marker`` is what the clicked stack marker draws, as the caller's frame grouped it (the
    same grouping that drew its badge, so the list's count is the badge's; a :class:`HitRows`
    keeps it as arrays); ``marker_distances`` (any unit) order its features within a layer,
    nearest the click first. The marker's features are listed there only, even those beyond the
    tolerance (a marker is bigger than the reach of a click on a lone point). Without a marker
    every point and line hit is "nearby". No hit is made of a row here: the groups are arrays.
    """
    found = _found(catalog, lon, lat, tolerance_deg, visible_layer_ids, filter, polygons_always=True,
                   degrees_per_pixel=degrees_per_pixel)
    rows = HitRows.of(marker)
    rank = {layer_id: position for position, layer_id in enumerate(visible_layer_ids)}
    distances_of = np.asarray(marker_distances if len(marker_distances) == len(rows) else np.zeros(len(rows)), dtype=float)
    if len(rows.layer_ids) <= 1:
        order = np.argsort(distances_of)  # nearest first (a quicksort: half a stable sort's time)
    else:
        source_rank = np.array([rank.get(layer_id, -1) for layer_id in rows.layer_ids], dtype=np.intp)
        order = np.lexsort((distances_of, -source_rank[rows.sources]))  # top layer first, then nearest
    at_marker = rows.take(order)
    nearby = areas = NO_HITS
    if found is not None:
        index, candidates, distances, ranks = found
        ranked = candidates[_ranking(candidates, distances, _list_ranks(index, candidates, ranks))]
        if len(at_marker) and len(ranked):
            ranked = ranked[~_in_rows(index, ranked, at_marker)]
        polygon = index.is_polygon[ranked]
        nearby, areas = index.hit_rows(ranked[~polygon]), index.hit_rows(ranked[polygon])
    return WhatsHere(at_marker=at_marker, nearby=nearby, areas=areas)


def _in_rows(index: _Index, positions: np.ndarray, rows: HitRows) -> np.ndarray:
    """Which of the features at ``positions`` (in ``index``) are among ``rows``.

    A zoomed-out marker holds 150,000 features: when its rows are rows of the layers' own
    tables (or of tables taken from them, as the renderer's points are) they are turned into
    index positions with arrays; else, by feature id (unique in a catalog: the loader refuses
    a second one)."""
    marked = _index_positions(index, rows)
    if marked is not None:
        mask = np.zeros(index.count, dtype=bool)
        mask[marked] = True
        return mask[positions]
    ids = rows.id_set()
    return np.fromiter((fid in ids for fid in index.ids[positions].tolist()), dtype=bool, count=len(positions))


def _index_positions(index: _Index, rows: HitRows) -> np.ndarray | None:
    """The index positions of ``rows`` when each of their tables is, or was taken from, a
    layer's table in ``index``; None when one is not."""
    if rows.tables is None:
        return None
    block_of = {id(table): k for k, table in enumerate(index.blocks)}
    found = np.empty(len(rows), dtype=np.intp)
    for source in np.flatnonzero(np.bincount(rows.sources, minlength=len(rows.tables))).tolist():
        table = rows.tables[source]
        chosen = rows.sources == source
        positions = rows.positions[chosen]
        if id(table) in block_of:
            block = block_of[id(table)]
        elif table.taken_from is not None and id(table.taken_from) in block_of:
            block = block_of[id(table.taken_from)]
            positions = table.rows_of_parent[positions]
        else:
            return None
        found[chosen] = index.block_starts[block] + positions
    return found


def _list_ranks(index: _Index, candidates: np.ndarray, ranks: np.ndarray) -> np.ndarray:
    """Layer ranks that also put a layer's polygons below its points and lines (one key, so
    :func:`_ranking` and :func:`_best` order the list without knowing about kinds)."""
    return 2 * ranks + ~index.is_polygon[candidates]


def _top(
    index: _Index, candidates: np.ndarray, distances: np.ndarray, ranks: np.ndarray, limit: int
) -> tuple[list[Hit], int]:
    total = len(candidates)
    if total > TOP_SORT_ALL:
        best = _best(distances, ranks, max(1, limit))
        candidates, distances, ranks = candidates[best], distances[best], ranks[best]
    order = _ranking(candidates, distances, ranks)[: max(0, limit)]
    return index.hits(candidates[order]), total


def identify_top(
    catalog: Catalog,
    lon: float,
    lat: float,
    tolerance_deg: float,
    visible_layer_ids: Sequence[str],
    filter: FeatureFilter | None = None,  # noqa: A002 - the name the callers use
    *,
    degrees_per_pixel: float | None = None,
    limit: int = 1,
) -> tuple[list[Hit], int]:
    """The first ``limit`` hits :func:`identify` gives, and how many it gives in all.

    For hover and click, which show the topmost and count the rest: zoomed out to the whole
    world thousands of features can lie under the cursor, and ranking them all would cost
    more than finding them.
    """
    found = _found(catalog, lon, lat, tolerance_deg, visible_layer_ids, filter, degrees_per_pixel=degrees_per_pixel)
    if found is None:
        return [], 0
    index, candidates, distances, ranks = found
    return _top(index, candidates, distances, ranks, limit)


def _found(
    catalog: Catalog,
    lon: float,
    lat: float,
    tolerance_deg: float,
    visible_layer_ids: Sequence[str],
    filter: FeatureFilter | None,  # noqa: A002
    polygons_always: bool = False,
    degrees_per_pixel: float | None = None,
) -> tuple[_Index, np.ndarray, np.ndarray, np.ndarray] | None:
    """The hits, unordered: (index, their positions, distances, layer ranks), or None for none.

    Polygons count only when no point or line is near, unless ``polygons_always``."""
    rank = {layer_id: position for position, layer_id in enumerate(visible_layer_ids)}
    if not rank:
        return None
    index = _index(catalog)
    if not index.count:
        return None
    x, y = (float(v) for v in lonlat_to_mercator(lon, lat))
    radius = abs(tolerance_deg) / 180.0 * np.pi * EARTH_RADIUS
    # A symbol sized by a figure is hit anywhere on it: its radius (pixels, when the caller says
    # how many degrees a pixel is) is added to the tolerance of its feature.
    metres_per_pixel = abs(degrees_per_pixel) / 180.0 * np.pi * EARTH_RADIUS if degrees_per_pixel else 0.0
    grown = radius + (index.symbol_px.max(initial=0.0) * metres_per_pixel)

    # Every feature whose box meets the square around the click; exact distances below.
    candidates = _candidates(index, x, y, grown)
    if not len(candidates):
        return None
    layer_rank = np.array([rank.get(layer_id, -1) for layer_id in index.layer_ids], dtype=np.intp)
    if _active(filter):
        layer_rank[[not filter.accepts_layer(catalog.layer(layer_id)) for layer_id in index.layer_ids]] = -1  # type: ignore[union-attr]
    ranks = layer_rank[index.layer_codes[candidates]]
    shown = ranks >= 0
    candidates, ranks = candidates[shown], ranks[shown]
    if _active(filter) and len(candidates):
        shown = _accepted(catalog, index, filter, candidates)  # type: ignore[arg-type]
        candidates, ranks = candidates[shown], ranks[shown]
    if not len(candidates):
        return None

    distances = _distances(index, candidates, x, y)
    near = distances <= radius + index.symbol_px[candidates] * metres_per_pixel
    polygon = index.is_polygon[candidates]
    # Containing the click is distance 0; the tolerance lets a polygon too small to see at this
    # scale (drawn as a small square) be picked like a point.
    chosen = near if polygons_always else near & ~polygon
    if not chosen.any():
        chosen = near & polygon
    if not chosen.any():
        return None
    return index, candidates[chosen], distances[chosen], ranks[chosen]


def _candidates(index: _Index, x: float, y: float, grown: float) -> np.ndarray:
    """Every feature whose box meets the square of half-side ``grown`` around (x, y): the
    points from the slice of those sorted by x, the rest from the tree."""
    low = int(np.searchsorted(index.point_x, x - grown, side="left"))
    high = int(np.searchsorted(index.point_x, x + grown, side="right"))
    slab = index.point_order[low:high]
    near_y = np.abs(index.xy[slab, 1] - y) <= grown
    points = slab[near_y]
    if not len(index.other_positions):
        return points
    others = index.other_positions[index.tree.query(shapely.box(x - grown, y - grown, x + grown, y + grown))]
    return np.concatenate([points, others]) if len(others) else points


def _ranking(candidates: np.ndarray, distances: np.ndarray, ranks: np.ndarray) -> np.ndarray:
    """The order of the hits, topmost first."""
    # np.lexsort sorts by the last key first: layer (top first), distance, then drawn last.
    return np.lexsort((-candidates, distances, -ranks))


def _best(distances: np.ndarray, ranks: np.ndarray, limit: int) -> np.ndarray:
    """A mask of the hits that can be among the first ``limit``: every hit of the top layers
    until ``limit`` are taken, then of the next layer those no farther than its ``needed``-th
    nearest (ties included, so the ranking of the few kept decides as it would over all)."""
    keep = np.zeros(len(ranks), dtype=bool)
    needed = limit
    counts = np.bincount(ranks)
    for rank in np.flatnonzero(counts)[::-1].tolist():
        layer = ranks == rank
        if counts[rank] <= needed:
            keep |= layer
            needed -= int(counts[rank])
            if needed:
                continue
            break
        nearest = np.partition(distances[layer], needed - 1)[needed - 1]
        keep |= layer & (distances <= nearest)
        break
    return keep


def _distances(index: _Index, candidates: np.ndarray, x: float, y: float) -> np.ndarray:
    """Mercator distance from (x, y) to each candidate: numpy for points, shapely for the rest."""
    distances = np.empty(len(candidates))
    points = index.is_point[candidates]
    xy = index.xy[candidates[points]]
    dx, dy = xy[:, 0] - x, xy[:, 1] - y
    distances[points] = np.sqrt(dx * dx + dy * dy)
    if not points.all():
        others = candidates[~points]
        slots = np.searchsorted(index.other_positions, others)
        distances[~points] = shapely.distance(index.geometries[slots], shapely.Point(x, y))
    return distances


def _active(feature_filter: FeatureFilter | None) -> bool:
    return feature_filter is not None and feature_filter.is_active


def _accepted(catalog: Catalog, index: _Index, feature_filter: FeatureFilter, candidates: np.ndarray) -> np.ndarray:
    """Whether the filter accepts each candidate, asking it only about features not seen before."""
    with index.lock:
        memo = index.memos.get(feature_filter)
        if memo is None:
            memo = np.full(index.count, _UNKNOWN, dtype=np.int8)
            index.memos[feature_filter] = memo
            while len(index.memos) > FILTER_MEMOS:
                index.memos.popitem(last=False)
        else:
            index.memos.move_to_end(feature_filter)
    states = memo[candidates]
    unknown = candidates[states == _UNKNOWN]
    if len(unknown):
        layer_ok = [feature_filter.accepts_layer(catalog.layer(layer_id)) for layer_id in index.layer_ids]
        codes = index.layer_codes[unknown].tolist()
        # Two threads may fill the same entries; they write the same answers.
        memo[unknown] = [
            _ACCEPTED if layer_ok[code] and feature_filter.accepts(index.filter_row(i)) else _REJECTED  # type: ignore[arg-type]
            for code, i in zip(codes, unknown.tolist())
        ]
        states = memo[candidates]
    return states == _ACCEPTED
