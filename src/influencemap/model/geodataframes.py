"""A layer's features as a GeoDataFrame (EPSG:4326), for analysis in pandas and geopandas.

Called "geodataframe", never "frame": in this project a frame is a rendered image of the map
(:mod:`influencemap.ui.frame_renderer`). A function, not a property of
:class:`~influencemap.model.types.Layer`, so that the plain types never import geopandas code.
"""

from __future__ import annotations

import geopandas

from influencemap.model.types import Layer

COLUMNS = (
    "id", "name", "layer", "kind", "start", "end", "dating", "countries", "actors", "tags",
    "precision", "description", "sources", "path", "line",
)


def layer_geodataframe(layer: Layer) -> geopandas.GeoDataFrame:
    """One row per feature with its attributes; list-valued columns hold Python lists."""
    rows = {name: [] for name in COLUMNS}
    for f in layer.features:
        rows["id"].append(f.id)
        rows["name"].append(f.name)
        rows["layer"].append(layer.id)
        rows["kind"].append(f.kind.value)
        rows["start"].append(f.start)
        rows["end"].append(f.end)
        rows["dating"].append(f.dating)
        rows["countries"].append(list(f.countries))
        rows["actors"].append(list(f.actors))
        rows["tags"].append(list(f.tags))
        rows["precision"].append(f.precision.value if f.precision else None)
        rows["description"].append(f.description)
        rows["sources"].append([c.ref for c in f.citations])
        rows["path"].append(f.origin.path if f.origin else None)
        rows["line"].append(f.origin.line if f.origin else None)
    geometry = [f.geometry for f in layer.features]
    return geopandas.GeoDataFrame(rows, geometry=geometry, crs="EPSG:4326")
