"""The offline context files (places, lakes, rivers, regions): content and a reproducible rebuild."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pyogrio
import pytest

from influencemap.paths import geodata_dir

REPO_ROOT = Path(__file__).resolve().parents[2]
BUILD_SCRIPT = REPO_ROOT / "scripts" / "build_context.py"
FILES = ("context_places.fgb", "context_lakes.fgb", "context_rivers.fgb", "context_regions.fgb")


def _read(name: str):
    return pyogrio.read_dataframe(geodata_dir() / name)


def test_places_keep_the_columns_the_map_needs_with_latin_names():
    places = _read("context_places.fgb")
    assert {"name", "scalerank", "labelrank", "min_zoom", "pop_max", "featurecla", "iso_a2"} <= set(places.columns)
    assert len(places) > 7000
    by_name = places.set_index("name")
    for city, code in (("Minsk", "BY"), ("Almaty", "KZ"), ("Kyiv", "UA"), ("Beijing", "CN")):
        assert by_name.loc[city, "iso_a2"] == code
    assert by_name.loc["Minsk", "featurecla"] == "Admin-0 capital"
    assert "Kiev" not in by_name.index  # Ukraine's own romanisation
    assert "Moscow" in by_name.index and "Москва" not in by_name.index
    # Ordered by importance: the renderer labels them in file order.
    assert places["min_zoom"].is_monotonic_increasing


def test_water_and_regions_are_there():
    lakes, rivers, regions = _read("context_lakes.fgb"), _read("context_rivers.fgb"), _read("context_regions.fgb")
    assert {"Lake Baikal", "Lake Balkhash"} <= set(lakes["name"])
    assert set(lakes.geom_type) == {"MultiPolygon"}
    assert {"Dnieper", "Volga"} <= set(rivers["name"])
    assert set(rivers.geom_type) == {"MultiLineString"}
    assert (rivers["scalerank"] >= 0).all()
    names = set(regions.loc[regions["iso_a2"] == "BY", "name"])
    assert {"Minsk", "Brest", "Hrodna"} <= names
    assert not regions["name"].str.contains("minor island").any()


def test_rebuild_is_deterministic_and_matches_the_shipped_files(tmp_path):
    folders = [tmp_path / "first", tmp_path / "second"]
    for folder in folders:
        result = subprocess.run(
            [sys.executable, str(BUILD_SCRIPT), "--output-dir", str(folder)], capture_output=True, text=True, timeout=300
        )
        assert result.returncode == 0, result.stderr
    for name in FILES:
        assert (folders[0] / name).read_bytes() == (folders[1] / name).read_bytes(), name
        assert (folders[0] / name).read_bytes() == (geodata_dir() / name).read_bytes(), (
            f"geodata/{name} is stale: run python scripts/build_context.py"
        )
