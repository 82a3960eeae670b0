"""Write schema/layer.schema.json: the JSON Schema of layer format v1, for editors.

The loader (src/influencemap/model/schema.py) is the authority; this script builds the schema
from the same key lists so the two cannot drift apart. Run: python scripts/build_schema.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from influencemap.model import schema
from influencemap.model.bulk_data import FIELD_KEYS

DATA_FILE = {"type": "string", "pattern": r"(?i)\.(csv|geojson|json|gpkg|fgb|parquet|geoparquet)$"}
FIELD_SPEC = {
    "anyOf": [
        {"type": "string", "description": "a column, or (id, name, description, locator) a template: 'aiddata-{Project ID}'"},
        {"type": "object",
         "properties": {"column": {"type": "string"}, "columns": {"type": "array", "items": {"type": "string"}},
                        "template": {"type": "string"}, "separator": {"type": "string"},
                        "map": {"type": "object", "additionalProperties": {"type": "string"}},
                        "default": {"type": "string"}, "format": {"type": "string"}, "slug": {"type": "boolean"}},
         "additionalProperties": False},
    ]
}
FIELD_FIGURES = {
    "type": "array",
    "items": {"type": "object", "required": ["label", "value"],
              "properties": {"label": {"type": "string"}, "value": {"type": "string"},
                             "unit": {"anyOf": [{"type": "string"},
                                                {"type": "object", "properties": {"column": {"type": "string"}},
                                                 "required": ["column"], "additionalProperties": False}]}},
              "additionalProperties": False},
}
from influencemap.model.types import ACTOR_KINDS, Marker, Precision

ID = {"type": "string", "pattern": schema.IDENTIFIER.pattern}
DATE = {
    "type": ["string", "integer"],
    "pattern": r"^\d{4}(-\d{2}(-\d{2})?)?$",
    "description": "YYYY, YYYY-MM or YYYY-MM-DD",
}
NUMBER = {"type": ["number", "string"], "description": "a number; 1.18e9 is fine"}
POSITION = {
    "oneOf": [
        {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2,
         "description": "[lon, lat]"},
        {"type": "object", "properties": {"lon": {"type": "number", "minimum": -180, "maximum": 180},
                                          "lat": {"type": "number", "minimum": -90, "maximum": 90}},
         "required": ["lon", "lat"], "additionalProperties": False},
        {"type": "string", "description": "a place name from the gazetteer, e.g. 'Minsk' or 'Brest, BY'"},
    ]
}
USER_KEYS = {"^x-": {}}


def _strings(description: str) -> dict:
    return {"type": "array", "items": {"type": "string"}, "description": description}


def build() -> dict:
    source = {
        "type": "object",
        "properties": {
            "id": ID, "title": {"type": "string"}, "publisher": {"type": "string"},
            "author": {"type": "string"}, "date": DATE,
            "url": {"type": "string", "pattern": "^https?://", "format": "uri"},
            "archive": {"type": "string", "pattern": r"(?i)\.(txt|html?|pdf)$",
                        "description": "a local copy of the document (.txt, .html or .pdf), relative to this "
                                       "file: check-quotes looks for every quote of the source in it"},
        },
        "required": list(schema.SOURCE_REQUIRED),
        "additionalProperties": False,
    }
    actor = {
        "type": "object",
        "properties": {
            "id": ID, "name": {"type": "string", "description": "the canonical name shown everywhere"},
            "aliases": _strings("other spellings a feature may use (the documents' own)"),
            "kind": {"enum": list(ACTOR_KINDS)},
            "country": {"type": "string", "pattern": "^[A-Za-z]{2}$"},
        },
        "required": list(schema.ACTOR_REQUIRED),
        "additionalProperties": False,
    }
    citation = {
        "oneOf": [
            {**ID, "description": "a source id"},
            {"type": "object",
             "properties": {"ref": ID, "locator": {"type": "string"},
                            "quote": {"type": "string", "description": "a short phrase of evidence"}},
             "required": ["ref"], "additionalProperties": False},
        ]
    }
    attributes = {
        "date": DATE, "start": DATE, "end": DATE,
        "countries": {"type": "array", "items": {"type": "string", "pattern": "^[A-Za-z]{2}$"},
                      "description": "ISO 3166-1 alpha-2 codes of where the feature is"},
        "actors": _strings("who acts: countries, organisations, people (an actors registry id, name or alias)"),
        "tags": _strings("free keywords"),
        "figures": {"type": "array", "items": {
            "type": "object",
            "properties": {"label": {"type": "string"}, "value": NUMBER, "unit": {"type": "string"}},
            "required": list(schema.FIGURE_REQUIRED), "additionalProperties": False}},
        "precision": {"enum": [p.value for p in Precision]},
        "dating": {"enum": list(schema.DATINGS),
                   "description": "how the date is known: stated (default), inferred or approximate"},
        "description": {"type": "string"},
        "sources": {"type": "array", "items": citation, "minItems": 1},
    }
    ring = {"type": "array", "items": POSITION, "minItems": 3}
    line = {"type": "array", "items": POSITION, "minItems": 2}
    polygon = {"oneOf": [
        ring,
        {"type": "array", "items": ring, "minItems": 1, "description": "outer ring first, then its holes"},
    ]}
    feature = {
        "type": "object",
        "properties": {
            "id": ID, "name": {"type": "string"},
            "point": POSITION,
            "line": line,
            "polygon": polygon,
            "multipoint": {"type": "array", "items": POSITION, "minItems": 1,
                           "description": "several positions: one feature at several places"},
            "multiline": {"type": "array", "items": line, "minItems": 1, "description": "a list of lines"},
            "multipolygon": {"type": "array", "items": polygon, "minItems": 1,
                             "description": "a list of polygons, each one ring or a list of rings (outer first, then holes)"},
            **attributes,
        },
        "required": list(schema.FEATURE_REQUIRED),
        "oneOf": [{"required": [key]} for key in schema.GEOMETRY_KEYS],
        "patternProperties": USER_KEYS,
        "additionalProperties": False,
    }
    style = {
        "type": "object",
        "properties": {
            "color": {"type": "string", "pattern": schema.HEX_COLOR.pattern},
            "fill": {"type": "string", "pattern": schema.HEX_COLOR.pattern},
            "opacity": {"type": "number", "minimum": 0, "maximum": 1},
            "width": {"type": "number", "minimum": 0},
            "dash": {"oneOf": [{"type": "array", "items": {"type": "number", "minimum": 0}},
                               {"enum": list(schema.NAMED_DASHES)}]},
            "marker": {"enum": [m.value for m in Marker]},
            "size": {"oneOf": [
                {"type": "number", "minimum": 0},
                {
                    "type": "object",
                    "description": "size point and stack symbols by a figure (area follows the value with sqrt)",
                    "properties": {
                        "figure": {"type": "string", "minLength": 1, "description": "a figure label (case and spacing ignored)"},
                        "scale": {"enum": list(schema.SIZE_SCALES)},
                        "min": {"type": "number", "minimum": 1, "maximum": 200},
                        "max": {"type": "number", "minimum": 1, "maximum": 200},
                    },
                    "required": ["figure"],
                    "additionalProperties": False,
                },
            ]},
        },
        "additionalProperties": False,
    }
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": "influencemap-layer-v1",
        "title": f"influencemap layer (format v{schema.FORMAT_VERSION})",
        "description": "One map layer, or a registry file holding only 'sources:' and/or 'actors:'.",
        "definitions": {"source": source, "actor": actor, "feature": feature, "style": style},
        "oneOf": [
            {
                "type": "object",
                "properties": {
                    "id": ID, "name": {"type": "string"}, "description": {"type": "string"},
                    "category": {"type": "string"}, "style": {"$ref": "#/definitions/style"},
                    "sources": {"type": "array", "items": {"$ref": "#/definitions/source"}},
                    "defaults": {"type": "object", "properties": attributes,
                                 "patternProperties": USER_KEYS, "additionalProperties": False},
                    "features": {"type": "array", "items": {"$ref": "#/definitions/feature"}},
                    "data": {"anyOf": [DATA_FILE, {"type": "array", "items": DATA_FILE, "minItems": 1}],
                             "description": "a data file whose rows are features, relative to this file: "
                                            "CSV (lon/lat columns), GeoJSON, GeoPackage, FlatGeobuf or GeoParquet; "
                                            "or a list of them, or a pattern (projects/*.geojson), read as one table"},
                    "fields": {"type": "object",
                               "description": "feature key → column of the data file; a key not mapped is "
                                              "read from the column of the same name",
                               "properties": {key: FIELD_SPEC for key in FIELD_KEYS if key != "figures"}
                               | {"figures": FIELD_FIGURES},
                               "additionalProperties": False},
                },
                "required": [k for k in schema.LAYER_REQUIRED if k != "features"],
                "anyOf": [{"required": ["features"]}, {"required": ["data"]}],
                "patternProperties": USER_KEYS,
                "additionalProperties": False,
            },
            {
                "type": "object",
                "properties": {"sources": {"type": "array", "items": {"$ref": "#/definitions/source"}},
                               "actors": {"type": "array", "items": {"$ref": "#/definitions/actor"}}},
                "anyOf": [{"required": ["sources"]}, {"required": ["actors"]}],
                "additionalProperties": False,
            },
        ],
    }


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "schema" / "layer.schema.json"
    out.write_text(json.dumps(build(), indent=2) + "\n", encoding="utf-8")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
