"""A layer's geometries projected to Web Mercator once, as flat numpy arrays.

Every frame then only applies an affine step (subtract, divide) to whole arrays and slices them
per ring, which is what lets the renderer draw big layers without per-vertex Python.
"""

from __future__ import annotations

from dataclasses import dataclass, field
import numpy as np
import shapely

from influencemap.model.feature_table import FeatureTable
from influencemap.model.filters import FeatureFilter
from influencemap.model.geometry_parts import unwrap_many
from influencemap.model.types import GeometryKind, Layer
from influencemap.render.per_layer_cache import PerLayerCache
from influencemap.geo.mercator import Bounds, project_xy


@dataclass(frozen=True)
class Rings:
    """Many polylines or rings stored end to end: ring ``i`` is ``coords[starts[i]:stops[i]]``.

    ``owner[i]`` is the feature (by position in ``features``) the ring belongs to and
    ``exterior[i]`` tells a polygon's outer ring from its holes.
    """

    coords: np.ndarray
    starts: np.ndarray
    stops: np.ndarray
    owner: np.ndarray
    exterior: np.ndarray

    @classmethod
    def empty(cls) -> "Rings":
        nothing = np.zeros(0, dtype=np.intp)
        return cls(np.zeros((0, 2)), nothing, nothing, nothing, np.zeros(0, dtype=bool))


@dataclass(frozen=True)
class KindGeometry:
    """The features of one geometry kind in a layer, with per-feature mercator boxes."""

    features: FeatureTable
    """The features of this kind: the layer's whole table when all its features are points, else
    the rows of this kind (:meth:`FeatureTable.take`); read by column (shapes, citations, names),
    so drawing builds no Feature object."""
    boxes: np.ndarray | None
    """(N, 4) minx, miny, maxx, maxy in mercator metres; None for points alone, whose box is
    each its point (see :attr:`bounds`): a million points' boxes are 32 MB made for nothing."""
    points: np.ndarray
    """(N, 2) for points; empty for lines and polygons."""
    rings: Rings
    citation_owner: np.ndarray
    """For every citation of these features, in order, the position of the feature citing it."""
    citation_refs: np.ndarray
    """The source id of each of those citations."""
    parts: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    """(M, 2) mercator positions of the multipoints' parts after their first (which is in
    ``points``): every part is drawn as a marker of its feature."""
    part_owner: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.intp))
    """The feature (position in ``features``) of each row of ``parts``."""

    def __len__(self) -> int:
        return len(self.features)

    @property
    def bounds(self) -> np.ndarray:
        """(N, 4) minx, miny, maxx, maxy in mercator metres."""
        if self.boxes is None:
            return np.column_stack((self.points, self.points))
        return self.boxes

    def name(self, position: int) -> str:
        return self.features.name(position)

    def cited_sources(self, positions: np.ndarray) -> list[str]:
        """The source ids that the features at ``positions`` cite (with repeats)."""
        if len(positions) == len(self.features):
            return self.citation_refs.tolist()
        chosen = np.zeros(len(self.features), dtype=bool)
        chosen[positions] = True
        return self.citation_refs[chosen[self.citation_owner]].tolist()

    def visible(self, extent: Bounds, margin: float, mask: np.ndarray | None = None) -> np.ndarray:
        """Positions of the features whose box meets the extent grown by ``margin`` metres."""
        if not len(self.features):
            return np.zeros(0, dtype=np.intp)
        if self.boxes is None:  # points alone: each box is its point
            x, y = self.points[:, 0], self.points[:, 1]
            hit = (x >= extent[0] - margin) & (x <= extent[2] + margin) & (y >= extent[1] - margin) & (y <= extent[3] + margin)
        else:
            b = self.boxes
            hit = (
                (b[:, 2] >= extent[0] - margin)
                & (b[:, 0] <= extent[2] + margin)
                & (b[:, 3] >= extent[1] - margin)
                & (b[:, 1] <= extent[3] + margin)
            )
        if mask is not None:
            hit &= mask
        return np.flatnonzero(hit)


@dataclass(frozen=True)
class LayerGeometry:
    """A layer split by kind, drawn polygons first, then lines, then points on top."""

    polygons: KindGeometry
    lines: KindGeometry
    points: KindGeometry

    def by_kind(self) -> tuple[KindGeometry, KindGeometry, KindGeometry]:
        return self.polygons, self.lines, self.points


def _kind_geometry(table: FeatureTable, kind: GeometryKind) -> KindGeometry:
    nothing = np.zeros(0, dtype=np.intp)
    if not len(table):
        return KindGeometry(table, np.zeros((0, 4)), np.zeros((0, 2)), Rings.empty(), nothing, np.zeros(0, dtype=object))
    owner, refs = table.citation_refs()  # from the columns: no Feature built
    lonlat = table.shapes()
    if kind is not GeometryKind.POINT:
        lonlat = unwrap_many(lonlat)  # across ±180° the short way (geometry_parts' rule)
    shapes = shapely.transform(lonlat, project_xy)
    bounds = shapely.bounds(shapes)
    if kind is GeometryKind.POINT:
        points, point_owner = shapely.get_coordinates(shapes, return_index=True)
        if len(points) == len(table):
            return KindGeometry(table, bounds, points, Rings.empty(), owner, refs)
        # Multipoints: the first part of each feature in ``points``, the others in ``parts``.
        first = np.r_[True, point_owner[1:] != point_owner[:-1]]
        return KindGeometry(
            table, bounds, points[first], Rings.empty(), owner, refs,
            parts=points[~first], part_owner=point_owner[~first].astype(np.intp),
        )
    return KindGeometry(table, bounds, np.zeros((0, 2)), _rings(shapes, kind), owner, refs)


def _table_points(table: FeatureTable) -> KindGeometry:
    """A cached layer of points, straight from its columns (the same arrays as from features)."""
    points = project_xy(table.point_lonlat())
    owner, refs = table.citation_refs()
    return KindGeometry(table, None, points, Rings.empty(), owner, refs)


def _empty_kind() -> KindGeometry:
    return _kind_geometry(FeatureTable.of(()), GeometryKind.POINT)


def _rings(shapes: np.ndarray, kind: GeometryKind) -> Rings:
    parts, part_owner = shapely.get_parts(shapes, return_index=True)
    if kind is GeometryKind.POLYGON:
        holes, hole_part = shapely.get_rings(parts, return_index=True)
        # get_rings lists each polygon's exterior first, then its holes.
        first_of_part = np.r_[True, hole_part[1:] != hole_part[:-1]]
        lines = holes
        owner = part_owner[hole_part]
        exterior = first_of_part
    else:
        lines = parts
        owner = part_owner
        exterior = np.ones(len(parts), dtype=bool)
    coords, coord_line = shapely.get_coordinates(lines, return_index=True)
    counts = np.bincount(coord_line, minlength=len(lines))
    stops = np.cumsum(counts)
    starts = stops - counts
    return Rings(coords, starts, stops, owner.astype(np.intp), exterior)


def build_layer_geometry(layer: Layer) -> LayerGeometry:
    table = layer.features
    if table.all_points:
        return LayerGeometry(polygons=_empty_kind(), lines=_empty_kind(), points=_table_points(table))
    codes = table.kind_codes
    return LayerGeometry(
        polygons=_kind_geometry(table.take(np.flatnonzero(codes == _POLYGON)), GeometryKind.POLYGON),
        lines=_kind_geometry(table.take(np.flatnonzero(codes == _LINE)), GeometryKind.LINE),
        points=_kind_geometry(table.take(np.flatnonzero((codes == _POINT) | (codes == _MULTIPOINT))), GeometryKind.POINT),
    )


_POINT, _LINE, _POLYGON, _MULTIPOINT = 0, 1, 2, 3
"""The feature table's ``kinds`` codes."""


_GEOMETRY: PerLayerCache[LayerGeometry] = PerLayerCache()
_MASKS: PerLayerCache[tuple[np.ndarray, np.ndarray, np.ndarray]] = PerLayerCache()


def layer_geometry(layer: Layer) -> LayerGeometry:
    """The layer's projected geometry, computed once per layer object."""
    return _GEOMETRY.get(layer, lambda: build_layer_geometry(layer))


def filter_masks(layer: Layer, feature_filter: FeatureFilter | None) -> tuple[np.ndarray | None, ...]:
    """Per kind (polygons, lines, points), which features the filter accepts; None means all."""
    if feature_filter is None or not feature_filter.is_active:
        return (None, None, None)
    geometry = layer_geometry(layer)

    def build() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        layer_ok = feature_filter.accepts_layer(layer)
        return tuple(  # type: ignore[return-value]
            feature_filter.accepted_rows(kind.features) & layer_ok  # from the columns: no Feature built
            for kind in geometry.by_kind()
        )

    return _MASKS.get(layer, build, key=feature_filter)
