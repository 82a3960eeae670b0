"""The per-file load cache: used when nothing changed, never stale, and the checks across files
still run on every load."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from influencemap.model import load_cache, loader
from influencemap.model.loader import load_catalog
from tests.model.conftest import cached_layers_folder, load_flushed

SOURCES = "sources:\n  - {id: doc-a, title: A report}\n"


def layer(layer_id: str, feature_ids: list[str], point: str = "[27.56, 53.90]") -> str:
    features = "".join(
        f"  - id: {fid}\n    name: Feature {fid}\n    point: {point}\n    countries: [BY]\n    sources: [doc-a]\n"
        for fid in feature_ids
    )
    return f"id: {layer_id}\nname: Layer {layer_id}\nfeatures:\n{features}"


@pytest.fixture
def folder(tmp_path, monkeypatch) -> Path:
    yield from cached_layers_folder(tmp_path, monkeypatch, SOURCES)


load = load_flushed


def formatted(catalog) -> list[str]:
    return [p.format() for p in catalog.problems]


def forbid_reading(monkeypatch) -> None:
    def fail(*args, **kwargs):
        raise AssertionError("the file was read again instead of taken from the cache")

    monkeypatch.setattr(loader, "read_file", fail)


def test_an_unchanged_file_comes_from_the_disk_cache_with_the_same_result(folder, monkeypatch):
    (folder / "a.yaml").write_text(layer("a", ["f1", "f2"], "[53.90, 27.56]"), encoding="utf-8")
    first = load(folder)
    assert len(first.warnings) == 2  # points outside their country, with positions
    load_cache.clear_memory()
    forbid_reading(monkeypatch)
    again = load(folder)
    assert formatted(again) == formatted(first)
    assert [f for layer in again.layers for f in layer.features] == [f for layer in first.layers for f in layer.features]
    assert again.layers[0].features[1].origin == first.layers[0].features[1].origin


def test_an_unchanged_file_comes_from_memory_in_the_same_process(folder, monkeypatch):
    (folder / "a.yaml").write_text(layer("a", ["f1"]), encoding="utf-8")
    first = load(folder)
    forbid_reading(monkeypatch)
    again = load(folder)
    assert again.layers[0].features[0] is first.layers[0].features[0]


def test_a_changed_file_is_read_again_and_its_old_entry_replaced(folder):
    path = folder / "a.yaml"
    path.write_text(layer("a", ["f1"]), encoding="utf-8")
    load(folder)
    path.write_text(layer("a", ["f1", "f2"]), encoding="utf-8")
    assert load(folder).feature_count == 2
    entries = list((folder.parent / "cache").glob("load-*.marshal"))
    assert len(entries) == 2  # one for each file: sources.yaml and a.yaml


def test_checks_across_files_still_run_on_cached_results(folder):
    (folder / "a.yaml").write_text(layer("a", ["same"]), encoding="utf-8")
    (folder / "b.yaml").write_text(layer("b", ["other"]), encoding="utf-8")
    assert load(folder).problems == ()
    load_cache.clear_memory()
    (folder / "b.yaml").write_text(layer("b", ["same"]), encoding="utf-8")  # a.yaml stays cached
    problems = formatted(load(folder))
    assert len(problems) == 1 and "b.yaml:4:5: error: duplicate feature id 'same'" in problems[0]
    (folder / "sources.yaml").write_text("sources:\n  - {id: doc-b, title: B}\n", encoding="utf-8")
    problems = formatted(load(folder))
    assert any("a.yaml:8:15: error: undefined source 'doc-a'" in p for p in problems)


def test_a_broken_cache_entry_is_ignored(folder):
    (folder / "a.yaml").write_text(layer("a", ["f1"]), encoding="utf-8")
    load(folder)
    for entry in (folder.parent / "cache").glob("load-*.marshal"):
        entry.write_bytes(b"not marshal data")
    load_cache.clear_memory()
    assert load(folder).feature_count == 1


def test_content_to_validate_an_edit_is_not_written_to_disk(folder):
    path = folder / "a.yaml"
    path.write_text(layer("a", ["f1"]), encoding="utf-8")
    load(folder)
    before = sorted(p.name for p in (folder.parent / "cache").iterdir())
    edited = load_catalog([folder], include_bundled_sources=False, overrides={path: layer("a", ["f1", "f9"]).encode()})
    load_cache.flush()
    assert edited.feature_count == 2
    assert sorted(p.name for p in (folder.parent / "cache").iterdir()) == before


def test_new_place_data_makes_new_keys(folder, tmp_path, monkeypatch):
    import influencemap.paths as paths

    geodata = tmp_path / "geodata"
    geodata.mkdir()
    for name in ("places.yaml", "countries.fgb"):
        (geodata / name).write_bytes((paths.geodata_dir() / name).read_bytes())
    monkeypatch.setattr(paths, "geodata_dir", lambda: geodata)
    load_cache.environment_key.cache_clear()
    try:
        before = load_cache.environment_key()
        (geodata / "places.yaml").write_text((geodata / "places.yaml").read_text() + "\n# edited\n")
        load_cache.environment_key.cache_clear()
        assert load_cache.environment_key() != before
    finally:
        load_cache.environment_key.cache_clear()


def test_switching_the_cache_off_reads_every_file(folder, monkeypatch):
    (folder / "a.yaml").write_text(layer("a", ["f1"]), encoding="utf-8")
    load(folder)
    calls = []
    real = loader.read_file
    monkeypatch.setattr(loader, "read_file", lambda *a, **k: calls.append(a[0]) or real(*a, **k))
    load_catalog([folder], include_bundled_sources=False, use_cache=False)
    assert len(calls) == 2


def test_a_big_layer_reads_the_same_from_the_cache_as_fresh(folder):
    rows = [f"f{i}" for i in range(300)]
    text = layer("big", rows).replace("point: [27.56, 53.90]", "point: [27.56, 53.90]\n    tags: [a, b]\n    date: 2020-05")
    (folder / "big.yaml").write_text(text, encoding="utf-8")
    fresh = load_catalog([folder], include_bundled_sources=False, use_cache=False)
    load(folder)
    load_cache.clear_memory()
    cached = load(folder)
    assert list(cached.features()) == list(fresh.features())
    assert formatted(cached) == formatted(fresh)


def test_loading_restores_the_garbage_collector():
    import gc

    assert gc.isenabled()
    load_catalog(None)
    assert gc.isenabled()
    gc.disable()
    try:
        load_catalog(None)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_expected_layout_of_the_test_file():
    # layer() writes each feature over five lines: the positions asserted above rely on it
    assert textwrap.dedent(layer("a", ["f"])).count("\n") == 8


EXIT_PROBE = r"""
import atexit, gc, sys
# Registered first, so it runs last: after the load cache's own exit handler.
atexit.register(lambda: print("frozen" if gc.get_freeze_count() else "freed", flush=True))
if "qt" in sys.argv:
    import PySide6.QtCore  # loaded, as in the app: no longer what decides
from influencemap.model import load_cache
from influencemap.model.loader import load_catalog
if "app" in sys.argv:
    load_cache.free_results_at_exit()
load_catalog([sys.argv[1]], include_bundled_sources=False)
load_cache.flush()
"""


@pytest.mark.parametrize("how, expected", [
    ([], "frozen"), (["qt"], "frozen"), (["app"], "freed"), (["app", "qt"], "freed"),
])
def test_the_results_are_left_to_the_os_at_exit_unless_the_app_says_otherwise(tmp_path, how, expected):
    """A command-line run leaves its remembered results to the operating system at exit (the
    collector is frozen); the app asks to free them. Qt being loaded changes nothing."""
    import os
    import subprocess
    import sys

    src = Path(load_cache.__file__).resolve().parents[2]
    (tmp_path / "a.yaml").write_text(SOURCES + layer("a", ["f1", "f2"]), encoding="utf-8")
    env = {**os.environ, "INFLUENCEMAP_CACHE_DIR": str(tmp_path / "cache"), "PYTHONPATH": str(src)}
    done = subprocess.run([sys.executable, "-c", EXIT_PROBE, str(tmp_path / "a.yaml"), *how],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == expected



DATA_LAYER = "id: aid\nname: Aid\ndata: projects.csv\ndefaults: {sources: [doc-a]}\n"
DATA_CSV = "id,name,date,lon,lat\np-1,Great Stone,2012,27.93,53.92\np-2,Metro,2019,30.52,50.45\n"


def count_data_reads(monkeypatch, data_file: Path) -> list[Path]:
    """The reads of ``data_file`` from now on (the reader's and the cache check's)."""
    from influencemap.model import data_access

    reads: list[Path] = []
    read = data_access.read_regular

    def counted(path, *args, **kwargs):
        if Path(path) == data_file:
            reads.append(Path(path))
        return read(path, *args, **kwargs)

    monkeypatch.setattr(data_access, "read_regular", counted)
    return reads


def cached_load(folder: Path):
    load_cache.clear_memory()
    return load(folder)


def test_a_big_unchanged_data_file_is_hashed_once_then_known_by_its_identity(folder, monkeypatch):
    monkeypatch.setattr(load_cache, "BIG_DATA_FILE", 50)  # the CSV counts as big
    monkeypatch.setattr(load_cache, "SETTLED_NS", 0)  # and as settled as soon as it is written
    data_file = folder / "projects.csv"
    data_file.write_text(DATA_CSV, encoding="utf-8")
    (folder / "aid.yaml").write_text(DATA_LAYER, encoding="utf-8")
    reads = count_data_reads(monkeypatch, data_file)
    assert load(folder).feature_count == 2
    assert len(reads) == 1  # the reader, which remembers the hash by the file's identity
    for _ in range(3):
        catalog = cached_load(folder)
        assert [f.start for f in catalog.layer("aid").features] == ["2012", "2019"]
    assert len(reads) == 1, "the unchanged big data file was read again to check the cached result"


def test_a_big_data_file_changed_during_its_first_read_is_hashed_again_by_the_check(folder, monkeypatch):
    from influencemap.model import data_access

    monkeypatch.setattr(load_cache, "BIG_DATA_FILE", 50)
    monkeypatch.setattr(load_cache, "SETTLED_NS", 0)
    data_file = folder / "projects.csv"
    data_file.write_text(DATA_CSV, encoding="utf-8")
    (folder / "aid.yaml").write_text(DATA_LAYER, encoding="utf-8")
    identity = data_access.identity
    seen: list[int] = []

    def moving(path):  # the file's identity differs after the read from before it (a write meanwhile)
        found = identity(path)
        if found is None or Path(path) != data_file:
            return found
        seen.append(1)
        return (*found[:4], found[4] + len(seen))

    with monkeypatch.context() as patch:
        patch.setattr(data_access, "identity", moving)
        load(folder)
    assert not list((folder.parent / "cache").glob(f"{load_cache.FILE_HASH_KIND}-*"))  # nothing trusted
    reads = count_data_reads(monkeypatch, data_file)
    cached_load(folder)
    assert len(reads) == 1  # the check reads and hashes it


def test_a_same_size_rewrite_with_its_old_mtime_is_still_noticed(folder, monkeypatch):
    import os
    import time

    monkeypatch.setattr(load_cache, "BIG_DATA_FILE", 50)
    monkeypatch.setattr(load_cache, "SETTLED_NS", 0)
    data_file = folder / "projects.csv"
    data_file.write_text(DATA_CSV, encoding="utf-8")
    (folder / "aid.yaml").write_text(DATA_LAYER, encoding="utf-8")
    load(folder)
    cached_load(folder)  # its identity is remembered now
    before = data_file.stat()
    time.sleep(0.05)  # past the file system's clock tick, so the write's ctime differs
    changed = DATA_CSV.replace("2012", "2013")
    assert len(changed) == len(DATA_CSV)
    data_file.write_text(changed, encoding="utf-8")
    os.utime(data_file, ns=(before.st_atime_ns, before.st_mtime_ns))  # as `touch -r` or a restore would
    assert data_file.stat().st_size == before.st_size and data_file.stat().st_mtime_ns == before.st_mtime_ns
    catalog = cached_load(folder)
    assert [f.start for f in catalog.layer("aid").features] == ["2013", "2019"]


def test_a_data_file_hashed_right_after_a_write_or_small_is_read_on_every_check(folder, monkeypatch):
    data_file = folder / "projects.csv"
    data_file.write_text(DATA_CSV, encoding="utf-8")
    (folder / "aid.yaml").write_text(DATA_LAYER, encoding="utf-8")
    reads = count_data_reads(monkeypatch, data_file)
    load(folder)
    cached_load(folder)
    cached_load(folder)
    assert len(reads) == 3  # small: hashed each time, as before
    monkeypatch.setattr(load_cache, "BIG_DATA_FILE", 50)  # big, but changed within SETTLED_NS
    cached_load(folder)
    cached_load(folder)
    assert len(reads) == 5
    assert not list((folder.parent / "cache").glob(f"{load_cache.FILE_HASH_KIND}-*"))
