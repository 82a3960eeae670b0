"""Export the catalog as one GeoJSON FeatureCollection, sources resolved inline."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from shapely.geometry import mapping

from influencemap.fileio import write_text_atomic
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
    text = json.dumps(to_feature_collection(catalog), ensure_ascii=False, indent=1)
    write_text_atomic(out, text + "\n", remove_stale_temps=True)
