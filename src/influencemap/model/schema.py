"""The keys of layer format v1, in one place: the loader checks against these and the JSON
Schema (``schema/layer.schema.json``) documents the same contract for editors.
"""

from __future__ import annotations

import difflib
import re

FORMAT_VERSION = 1

IDENTIFIER = re.compile(r"^[a-z0-9][a-z0-9-]*$")
"""Ids of layers, features and sources: lowercase letters, digits and hyphens."""

USER_KEY_PREFIX = "x-"
"""Keys starting with this are the user's own: kept, never checked."""

GEOMETRY_KEYS = ("point", "line", "polygon", "multipoint", "multiline", "multipolygon")
"""Exactly one per feature; the multi- keys hold several parts (see docs/format.md, Geometry)."""
DATE_KEYS = ("date", "start", "end")

LAYER_KEYS = ("id", "name", "description", "category", "style", "sources", "defaults", "features", "data", "fields")
LAYER_REQUIRED = ("id", "name", "features")
"""``features`` may be left out when ``data`` gives the features (a bulk data layer)."""

FEATURE_KEYS = (
    "id",
    "name",
    *GEOMETRY_KEYS,
    *DATE_KEYS,
    "countries",
    "actors",
    "tags",
    "figures",
    "precision",
    "dating",
    "description",
    "sources",
)
FEATURE_REQUIRED = ("id", "name")
DEFAULTS_KEYS = tuple(k for k in FEATURE_KEYS if k not in ("id", "name", *GEOMETRY_KEYS))

DATINGS = ("stated", "inferred", "approximate")
"""How a feature's date is known (``dating:``): written in the source, inferred from it (an
article's "in January" read as the January before its date), or only approximate."""
DEFAULT_DATING = "stated"

STYLE_KEYS = ("color", "fill", "opacity", "width", "dash", "marker", "size")
SIZE_BY_KEYS = ("figure", "scale", "min", "max")
SIZE_SCALES = ("sqrt", "linear")
"""The keys of ``style: {size: {...}}`` (symbols sized by a figure)."""
SOURCE_KEYS = ("id", "title", "publisher", "author", "date", "url", "archive")
ARCHIVE_SUFFIXES = (".txt", ".html", ".htm", ".pdf")
ACTOR_KEYS = ("id", "name", "aliases", "kind", "country")
ACTOR_REQUIRED = ("id", "name")
REGISTRY_KEYS = ("sources", "actors")
"""The top-level keys of a registry file (``sources.yaml``, ``actors.yaml``): one or both."""
SOURCE_REQUIRED = ("id", "title")
CITATION_KEYS = ("ref", "locator", "quote")
FIGURE_KEYS = ("label", "value", "unit")
FIGURE_REQUIRED = ("label", "value")

HEX_COLOR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$")
NAMED_DASHES = {"solid": (), "dashed": (6.0, 4.0), "dotted": (1.5, 3.0), "dashdot": (6.0, 3.0, 1.5, 3.0)}
ALLOWED_URL_SCHEMES = ("http", "https")


def did_you_mean(word: str, choices: tuple[str, ...] | list[str]) -> str:
    """`` ; did you mean 'point'?`` for a near miss, else an empty string."""
    matches = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f"; did you mean '{matches[0]}'?" if matches else ""
