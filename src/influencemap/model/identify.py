"""Which features lie under a click: a pure function over the catalog and a spatial index.

The canvas only turns pixels into coordinates; this module answers, without Qt, as QGIS's
identify tool does. Geometries are indexed once per catalog in a shapely ``STRtree`` built in
Web Mercator, so a hit radius given in degrees of longitude is round on screen at every
latitude (mercator is conformal) and a query costs a tree lookup, not a loop over features.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import shapely

from influencemap.model.catalog import Catalog
from influencemap.model.filters import FeatureFilter
from influencemap.model.types import Feature, GeometryKind
from influencemap.geo.mercator import EARTH_RADIUS, lonlat_to_mercator, project_xy

Hit = tuple[str, str]
"""(layer_id, feature_id)."""


@dataclass(frozen=True)
class _Index:
    """All of a catalog's features, in catalog order, with a tree over their mercator shapes."""

    features: tuple[Feature, ...]
    layer_ids: np.ndarray
    is_polygon: np.ndarray
    geometries: np.ndarray
    tree: shapely.STRtree


_CACHE: dict[int, tuple[weakref.ref, _Index]] = {}
_CACHE_LOCK = threading.Lock()


def _index(catalog: Catalog) -> _Index:
    """The catalog's index, built on first use and dropped when the catalog is."""
    key = id(catalog)
    with _CACHE_LOCK:
        cached = _CACHE.get(key)
        if cached is not None and cached[0]() is catalog:
            return cached[1]
    features = tuple(catalog.features())
    geometries = np.array([f.geometry for f in features], dtype=object)
    if len(geometries):
        geometries = shapely.transform(geometries, project_xy)
    index = _Index(
        features=features,
        layer_ids=np.array([f.layer_id for f in features], dtype=object),
        is_polygon=np.array([f.kind is GeometryKind.POLYGON for f in features], dtype=bool),
        geometries=geometries,
        tree=shapely.STRtree(geometries),
    )
    with _CACHE_LOCK:
        _CACHE[key] = (weakref.ref(catalog), index)
        weakref.finalize(catalog, _CACHE.pop, key, None)
    return index


def prepare(catalog: Catalog) -> None:
    """Build the catalog's spatial index now (e.g. on a worker thread) so the first hover is instant."""
    _index(catalog)


def identify(
    catalog: Catalog,
    lon: float,
    lat: float,
    tolerance_deg: float,
    visible_layer_ids: Sequence[str],
    filter: FeatureFilter | None = None,  # noqa: A002 - the name the callers use
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
    rank = {layer_id: position for position, layer_id in enumerate(visible_layer_ids)}
    if not rank:
        return []
    index = _index(catalog)
    if not index.features:
        return []
    x, y = lonlat_to_mercator(lon, lat)
    click = shapely.Point(float(x), float(y))
    radius = abs(tolerance_deg) / 180.0 * np.pi * EARTH_RADIUS

    near = index.tree.query(click, predicate="dwithin", distance=radius)
    near = near[~index.is_polygon[near]]
    hits = _ranked(catalog, index, near, click, rank, filter)
    if hits:
        return hits
    # Containing the click is distance 0; the tolerance lets a polygon too small to see at this
    # scale (drawn as a small square) be picked like a point.
    inside = index.tree.query(click, predicate="dwithin", distance=radius)
    inside = inside[index.is_polygon[inside]]
    return _ranked(catalog, index, inside, click, rank, filter)


def _ranked(
    catalog: Catalog,
    index: _Index, candidates: np.ndarray, click: shapely.Point, rank: dict[str, int], filter: FeatureFilter | None
) -> list[Hit]:
    keep = [i for i in candidates.tolist() if index.layer_ids[i] in rank]
    if filter is not None:
        keep = [i for i in keep if _accepted(catalog, filter, index.features[i])]
    if not keep:
        return []
    chosen = np.array(keep, dtype=np.intp)
    distances = shapely.distance(index.geometries[chosen], click)
    layer_rank = np.array([rank[index.layer_ids[i]] for i in keep])
    # np.lexsort sorts by the last key first: layer (top first), distance, then drawn last.
    order = np.lexsort((-chosen, distances, -layer_rank))
    return [(index.features[i].layer_id, index.features[i].id) for i in chosen[order].tolist()]


def _accepted(catalog: Catalog, feature_filter: FeatureFilter, feature: Feature) -> bool:
    return feature_filter.accepts_layer(catalog.layer(feature.layer_id)) and feature_filter.accepts(feature)
