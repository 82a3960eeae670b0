"""Export the catalog as one GeoJSON FeatureCollection, sources resolved inline.

:func:`write_geojson` (the ``export`` command, the attribute table's "Save as GeoJSON") writes
the features from their layers' columns, chunk by chunk (:mod:`influencemap.export.geojson_text`),
one feature per line; :func:`feature_properties` and :func:`to_feature_collection` give one
Feature's properties and the whole collection as Python objects (the HTML export's small
layers, tests): the same values, which the tests check.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

from shapely.geometry import mapping

from influencemap.export.geojson_text import layer_lines
from influencemap.fileio import write_chunks_atomic
from influencemap.model.catalog import Catalog
from influencemap.model.types import Feature


def feature_properties(catalog: Catalog, feature: Feature) -> dict[str, Any]:
    """Every documented property, ``None`` or empty where unknown.

    ``start``/``end`` are ISO strings as written; a ``date`` gives start == end; an ongoing
    span has ``end`` None. ``dating`` says how the date is known (``stated``, ``inferred`` or
    ``approximate``); None for an undated feature, which has no date to qualify.
    """
    return {
        "id": feature.id,
        "name": feature.name,
        "layer": feature.layer_id,
        "countries": list(feature.countries),
        "start": feature.start,
        "end": feature.end,
        "dating": feature.dating if feature.is_dated else None,
        "tags": list(feature.tags),
        "precision": feature.precision.value if feature.precision else None,
        "description": feature.description,
        "figures": [{"label": f.label, "value": f.value, "unit": f.unit} for f in feature.figures],
        "actors": list(feature.actors),
        "sources": [
            {
                "id": c.source.id,
                "title": c.source.title,
                "url": c.source.url,
                "publisher": c.source.publisher,
                "author": c.source.author,
                "date": c.source.date,
                "locator": c.citation.locator,
                "quote": c.citation.quote,
            }
            for c in catalog.citations(feature)
        ],
        **{key: value for key, value in feature.extra.items()},
    }


def to_feature_collection(catalog: Catalog) -> dict[str, Any]:
    """The collection as Python objects, a dictionary per feature: for a few features (a big
    layer's is written by :func:`write_geojson` without them)."""
    features = [
        {
            "type": "Feature",
            "id": feature.id,
            "geometry": mapping(feature.geometry),
            "properties": feature_properties(catalog, feature),
        }
        for feature in catalog.features()
    ]
    return {"type": "FeatureCollection", "features": features}


def write_geojson(catalog: Catalog, out: Path) -> None:
    """Write the catalog's features as one FeatureCollection, one feature per line, through a
    temporary file renamed over ``out`` once complete (never a truncated file)."""
    write_chunks_atomic(out, _chunks(catalog), remove_stale_temps=True)


def _chunks(catalog: Catalog) -> Iterator[bytes]:
    yield b'{"type":"FeatureCollection","features":['
    separator = b"\n"
    for layer in catalog.layers:
        for text in layer_lines(catalog, layer):
            yield separator + text.encode("utf-8")
            separator = b",\n"
    yield b"\n]}\n"
