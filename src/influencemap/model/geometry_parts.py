"""The rules for what a feature's geometry may be, shared by every reader.

A feature's ``kind`` is its dimension (point, line, polygon); its geometry may have several
parts (MultiPoint, MultiLineString, MultiPolygon) and its polygons may have holes. The four
readers (precise YAML, fast YAML, the fast reader's columns, bulk ``data:`` files) build shapes
through these functions so that they accept and refuse the same things with the same words.

Antimeridian rule (see docs/format.md): consecutive vertices of a line or ring more than 180°
apart in longitude are joined the short way, across ±180°, so a line from 179.5° to −179.5°
is one degree long. :func:`unwrap_xy` applies it to the coordinates that are drawn.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from influencemap.model import feature_rules as rules
from influencemap.model.feature_table import plain_shape as plain_shape  # how the table keeps shapes; the readers import it from here
from influencemap.model.types import GeometryKind

KEY_KINDS = {
    "point": GeometryKind.POINT,
    "line": GeometryKind.LINE,
    "polygon": GeometryKind.POLYGON,
    "multipoint": GeometryKind.POINT,
    "multiline": GeometryKind.LINE,
    "multipolygon": GeometryKind.POLYGON,
}
"""Each geometry key of a written feature and the kind of feature it makes."""

Position = tuple[float, float]


def is_ring_list(first: object, is_seq, items) -> bool:
    """Whether a ``polygon:`` value whose first item is ``first`` is a list of rings (outer ring
    first, then holes) rather than one ring of positions: its first item is a list that is not a
    position, i.e. a list whose own first item is a list or mapping, or that does not have
    exactly two items. ``is_seq(x)`` and ``items(x)`` read the caller's kind of node."""
    if not is_seq(first):
        return False
    inner = items(first)
    return len(inner) != 2 or (bool(inner) and not _is_scalar_like(inner[0], is_seq))


def _is_scalar_like(value, is_seq) -> bool:
    # A position's items are numbers (scalars); a ring's items are positions (lists or mappings).
    return not is_seq(value) and not _is_map(value)


def _is_map(value) -> bool:
    return isinstance(value, dict) or getattr(value, "is_map", False) is True


def line_problem(positions: Sequence[Position]) -> str | None:
    distinct = len(dict.fromkeys(positions))
    if distinct < 2:
        return f"a line needs at least 2 distinct positions, found {distinct}"
    return None


def open_ring(positions: Sequence[Position]) -> list[Position]:
    """The ring without its closing vertex (which is optional when written)."""
    positions = list(positions)
    return positions[:-1] if len(positions) > 1 and positions[0] == positions[-1] else positions


def ring_problem(ring: Sequence[Position], what: str = "a polygon") -> str | None:
    distinct = len(set(ring))
    if distinct < 3:
        return f"{what} needs at least 3 distinct positions, found {distinct}"
    return None


def polygon_from_rings(rings: Sequence[Sequence[Position]]):
    """(Polygon, None) or (None, message) for an outer ring and its holes (each open or closed)."""
    from shapely.geometry import Polygon

    opened = [open_ring(r) for r in rings]
    for i, ring in enumerate(opened):
        problem = ring_problem(ring, "a polygon" if i == 0 else f"hole {i}")
        if problem:
            return None, problem
    polygon = Polygon(opened[0], opened[1:])
    problem = validity_problem(polygon)
    return (None, problem) if problem else (polygon, None)


def validity_problem(shape) -> str | None:
    """Why a polygon or multipolygon is not valid, in the loader's words; None when it is."""
    if shape.is_valid:
        return None
    from shapely.validation import explain_validity

    reason = explain_validity(shape)
    if "Self-intersection" in reason:
        return f"polygon intersects itself ({where(reason)}): reorder its positions"
    if "Hole lies outside shell" in reason:
        return f"a hole lies outside its polygon's outer ring ({where(reason)})"
    if "Interior is disconnected" in reason or "Nested shells" in reason:
        return f"polygon parts overlap or nest ({where(reason)}): write holes as rings of their polygon"
    return f"invalid polygon: {reason}"


def where(reason: str) -> str:
    """'near lon, lat' from explain_validity's 'Self-intersection[x y]'."""
    if "[" in reason and reason.endswith("]"):
        inside = reason[reason.index("[") + 1 : -1].split()
        if len(inside) >= 2:
            try:
                return f"near {float(inside[0]):g}, {float(inside[1]):g}"
            except ValueError:
                pass
    return reason


def multipolygon(polygons: Sequence) -> tuple[object, str | None]:
    from shapely.geometry import MultiPolygon

    shape = MultiPolygon(list(polygons))
    problem = validity_problem(shape)
    return (None, problem) if problem else (shape, None)


# -- bulk files: one row's geometry as read by GDAL ---------------------------------------------

_SIMPLE_KINDS = {
    "Point": GeometryKind.POINT, "MultiPoint": GeometryKind.POINT,
    "LineString": GeometryKind.LINE, "MultiLineString": GeometryKind.LINE,
    "Polygon": GeometryKind.POLYGON, "MultiPolygon": GeometryKind.POLYGON,
}


class RowProblem(Exception):
    """A row's geometry cannot be used: ``message`` names the kind of problem (reported once
    per kind), ``detail`` this row's case."""

    def __init__(self, message: str, detail: str) -> None:
        super().__init__(message)
        self.message, self.detail = message, detail


def row_geometry(geometry) -> tuple[GeometryKind, object]:
    """(kind, 2-D shape) of a data file row's geometry, or :class:`RowProblem`.

    Z and M values are dropped; a GeometryCollection, an empty geometry, NaN or infinite
    coordinates, coordinates outside −180…180 / −90…90, lines with fewer than 2 distinct
    positions and invalid polygons are refused."""
    import shapely

    if geometry is None:
        raise RowProblem("row without a geometry", "none")
    kind_name = geometry.geom_type
    if kind_name == "GeometryCollection":
        raise RowProblem("GeometryCollection (not supported: split it into one feature per kind)",
                         f"{len(shapely.get_parts(geometry))} parts")
    kind = _SIMPLE_KINDS.get(kind_name)
    if kind is None:
        raise RowProblem("geometry that is not a point, line or polygon", kind_name)
    if geometry.is_empty:
        raise RowProblem("empty geometry", f"empty {kind_name}")
    shape = shapely.force_2d(geometry)
    coords = shapely.get_coordinates(shape)
    finite = np.isfinite(coords).all(axis=1)
    if not finite.all():
        bad = coords[~finite][0]
        raise RowProblem("NaN or infinite coordinates", f"({bad[0]:g}, {bad[1]:g}) in {kind_name}")
    lon, lat = coords[:, 0], coords[:, 1]
    outside = ~rules.coordinates_in_range(lon, lat)
    if outside.any():
        k = int(np.flatnonzero(outside)[0])
        swapped = "; are longitude and latitude swapped?" if rules.latitude(lat[k]) is not None and rules.maybe_swapped(lon[k]) else ""
        raise RowProblem(f"coordinates out of range (lon -180 to 180, lat -90 to 90) in {kind.value}s",
                         f"({lon[k]:g}, {lat[k]:g}){swapped}")
    if kind is GeometryKind.LINE:
        for part in shapely.get_parts(shape):
            problem = line_problem([tuple(c) for c in part.coords])
            if problem:
                raise RowProblem("line with fewer than 2 distinct positions", problem.rsplit(" ", 1)[-1])
    elif kind is GeometryKind.POLYGON:
        for part in shapely.get_parts(shape):
            for ring in shapely.get_rings(part):
                problem = ring_problem(open_ring([tuple(c) for c in ring.coords]))
                if problem:
                    raise RowProblem("invalid polygon", problem)
        problem = validity_problem(shape)
        if problem:
            raise RowProblem("invalid polygon", problem)
    return kind, shape


def rows_geometry(geometries: Sequence) -> list:
    """:func:`row_geometry` of every row: (kind, shape) or the :class:`RowProblem`. Plain 2-D
    points in range, most rows of big files, are checked as one array (100,000 points: about
    0.1 s instead of 2 s one by one); every other row goes through :func:`row_geometry`."""
    import shapely

    shapes = np.array(list(geometries), dtype=object)
    out: list = [None] * len(shapes)
    if not len(shapes):
        return out
    plain = (shapely.get_type_id(shapes) == 0) & ~shapely.is_empty(shapes) & ~shapely.has_z(shapes)
    rows = np.flatnonzero(plain)
    if len(rows):
        xy = shapely.get_coordinates(shapes[rows])
        good = rules.coordinates_in_range(xy[:, 0], xy[:, 1])  # a NaN or infinite coordinate is out of range
        point = GeometryKind.POINT
        for row in rows[good].tolist():
            out[row] = (point, shapes[row])
        plain[rows[~good]] = False
    for row in np.flatnonzero(~plain).tolist():
        try:
            out[row] = row_geometry(shapes[row])
        except RowProblem as problem:
            out[row] = problem
    return out


# -- antimeridian -------------------------------------------------------------------------------


def unwrap_xy(coords: np.ndarray, ring_of: np.ndarray, period: float) -> np.ndarray:
    """``coords`` with x shifted by whole ``period``s so that no two consecutive vertices of one
    ring (``ring_of`` gives each vertex's ring, rings stored end to end) are more than half a
    period apart: lines crossing ±180° go the short way. ``period`` is 360 for degrees and the
    world's width for Web Mercator metres. Returns ``coords`` itself when nothing crosses."""
    if len(coords) < 2:
        return coords
    step = np.diff(coords[:, 0])
    same = ring_of[1:] == ring_of[:-1]
    half = period / 2
    jump = same & (np.abs(step) > half)
    if not jump.any():
        return coords
    shift = np.zeros(len(coords))
    shift[1:] = np.where(jump, -np.sign(step) * period, 0.0)
    total = np.cumsum(shift)
    # Restart the running shift at each ring's first vertex.
    first = np.r_[True, ~same]
    start_total = np.maximum.accumulate(np.where(first, np.arange(len(coords)), 0))
    total = total - total[start_total]
    out = coords.copy()
    out[:, 0] += total
    return out


def short_bounds(shape) -> tuple[float, float, float, float]:
    """(minlon, minlat, maxlon, maxlat) of the shape as drawn the short way across ±180°
    (a longitude may then pass 180): what a view must show to show the whole shape."""
    import shapely

    if shape.geom_type in ("Point", "MultiPoint") or not crossing_mask(np.array([shape], dtype=object))[0]:
        return tuple(shape.bounds)
    xy = shapely.get_coordinates(shape)
    parts = [np.asarray(r.coords) for p in shapely.get_parts(shape)
             for r in (shapely.get_rings(p) if p.geom_type == "Polygon" else [p])]
    unwrapped = np.concatenate([unwrap_xy(r, np.zeros(len(r), dtype=np.intp), 360.0) for r in parts])
    return (float(unwrapped[:, 0].min()), float(xy[:, 1].min()), float(unwrapped[:, 0].max()), float(xy[:, 1].max()))


def unwrap_geometry(shape):
    """A lon/lat line or polygon (multi-part too) as it is drawn: each ring unwrapped
    (:func:`unwrap_xy`), plus a copy shifted by 360° of what then lies past ±180°, so that the
    map shows it at both edges. Points and shapes that do not cross ±180° come back unchanged.
    For drawing and hit-testing only: the feature keeps its coordinates as written."""
    import shapely

    if shape.geom_type in ("Point", "MultiPoint"):
        return shape
    coords = shapely.get_coordinates(shape)
    if len(coords) < 2 or not (np.abs(np.diff(coords[:, 0])) > 180).any():
        return shape
    parts = shapely.get_parts(shape)
    rebuilt = []
    for part in parts:
        if part.geom_type == "LineString":
            xy = np.asarray(part.coords)
            rebuilt.append(shapely.linestrings(unwrap_xy(xy, np.zeros(len(xy), dtype=np.intp), 360.0)))
        else:
            rings = [np.asarray(r.coords) for r in shapely.get_rings(part)]
            rings = [unwrap_xy(xy, np.zeros(len(xy), dtype=np.intp), 360.0) for xy in rings]
            rebuilt.append(shapely.Polygon(rings[0], rings[1:]))
    # The part past ±180° is also drawn at the other edge of the map: a copy shifted by 360°.
    xs = shapely.get_coordinates(np.array(rebuilt, dtype=object))[:, 0]
    shifts = ([-360.0] if xs.max() > 180 else []) + ([360.0] if xs.min() < -180 else [])
    rebuilt += [shapely.transform(part, lambda xy, d=d: xy + (d, 0.0)) for d in shifts for part in list(rebuilt)]
    if shape.geom_type in ("LineString", "MultiLineString"):
        return rebuilt[0] if len(rebuilt) == 1 else shapely.multilinestrings(rebuilt)
    return rebuilt[0] if len(rebuilt) == 1 else shapely.multipolygons(rebuilt)



def crossing_mask(shapes: np.ndarray) -> np.ndarray:
    """Which of the lon/lat ``shapes`` have consecutive vertices more than 180° apart (one
    vectorised pass; a part boundary between two vertices may give a false yes, which only
    costs :func:`unwrap_geometry` a look)."""
    import shapely

    mask = np.zeros(len(shapes), dtype=bool)
    if not len(shapes):
        return mask
    coords, owner = shapely.get_coordinates(shapes, return_index=True)
    if len(coords) < 2:
        return mask
    jump = (np.abs(np.diff(coords[:, 0])) > 180) & (owner[1:] == owner[:-1])
    mask[owner[1:][jump]] = True
    return mask


def unwrap_many(shapes: np.ndarray) -> np.ndarray:
    """``shapes`` (lon/lat) with those crossing ±180° unwrapped; the same array when none does."""
    mask = crossing_mask(shapes)
    if not mask.any():
        return shapes
    out = shapes.copy()
    out[mask] = [unwrap_geometry(s) for s in shapes[mask]]
    return out
