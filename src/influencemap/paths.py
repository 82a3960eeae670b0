"""Where the files shipped with influencemap live: the bundled layers and the geodata.

In a wheel they are inside the package (``influencemap/layers``, ``influencemap/geodata``);
in a source checkout or an editable install they are at the repository's top level.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def _shipped_dir(name: str) -> Path:
    inside = _PACKAGE_DIR / name
    if inside.is_dir():
        return inside
    return _PACKAGE_DIR.parent.parent / name


@lru_cache(maxsize=None)
def bundled_layers_dir() -> Path:
    """The folder of the bundled layer files and ``sources.yaml``."""
    return _shipped_dir("layers")


@lru_cache(maxsize=None)
def geodata_dir() -> Path:
    """The folder of the offline basemap and place data."""
    return _shipped_dir("geodata")


def bundled_sources_file() -> Path:
    return bundled_layers_dir() / "sources.yaml"


def bundled_actors_file() -> Path:
    """The bundled actors registry (``actors:``), available to every load like the sources."""
    return bundled_layers_dir() / "actors.yaml"


@lru_cache(maxsize=None)
def schema_file() -> Path:
    """The JSON Schema of the layer format (``schema/layer.schema.json``)."""
    return _shipped_dir("schema") / "layer.schema.json"
