"""A kill during a cache write can leave its temporary file in the cache folder (issue 18): the
first cache write of a process into a folder removes the old ones, and only those."""

from __future__ import annotations

import os
import time
from pathlib import Path

from influencemap import disk_cache
from influencemap.model import load_cache
from influencemap.model.loader import load_catalog

LAYER = """\
id: places
name: Places
sources: [{id: doc-a, title: A}]
features:
  - {id: brest, name: A point, point: [23.7, 52.1], countries: [BY], sources: [doc-a]}
"""

TWO_HOURS = 2 * 3600


def _leftover(folder: Path, name: str, age: float) -> Path:
    path = folder / name
    path.write_bytes(b"IMC1 half an entry")
    then = time.time() - age
    os.utime(path, (then, then))
    return path


def _plant(folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    return {
        # what write_entry_file names its temporary files: .ENTRY.marshal.PID.N.tmp
        "old gazetteer": _leftover(folder, f".gazetteer-{'a' * 40}.marshal.4242.0.tmp", TWO_HOURS),
        "old load": _leftover(folder, f".load-{'b' * 16}-{'c' * 40}.marshal.77.12.tmp", TWO_HOURS),
        # another process may be writing this one right now
        "young": _leftover(folder, f".load-{'d' * 16}-{'e' * 40}.marshal.4243.3.tmp", 60),
        # not ours: never touched, however old
        "user file": _leftover(folder, ".notes.tmp", TWO_HOURS),
        "entry": _leftover(folder, f"gazetteer-{'f' * 40}.marshal", TWO_HOURS),
    }


def test_the_first_cache_write_removes_old_temporary_files_only(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    planted = _plant(folder)
    monkeypatch.setenv(disk_cache.CACHE_ENV, str(folder))
    disk_cache.forget_swept_folders()
    assert disk_cache.cached("probe", [b"k"], lambda: [1, 2]) == [1, 2]
    assert not planted["old gazetteer"].exists()
    assert not planted["old load"].exists()
    assert planted["young"].exists()
    assert planted["user file"].exists()
    assert planted["entry"].exists()
    assert len(list(folder.glob("probe-*.marshal"))) == 1  # the new entry was written


def test_the_folder_is_scanned_once_per_process_not_at_every_write(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv(disk_cache.CACHE_ENV, str(folder))
    disk_cache.forget_swept_folders()
    disk_cache.cached("probe", [b"first"], lambda: 1)
    later = _plant(folder)
    disk_cache.cached("probe", [b"second"], lambda: 2)
    assert later["old load"].exists()  # the second write did not scan the folder again
    disk_cache.forget_swept_folders()  # as a new process
    disk_cache.cached("probe", [b"third"], lambda: 3)
    assert not later["old load"].exists()


def test_loading_layers_cleans_the_load_cache_folder(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    planted = _plant(folder)
    monkeypatch.setenv(disk_cache.CACHE_ENV, str(folder))
    disk_cache.forget_swept_folders()
    load_cache.clear_memory()
    layers = tmp_path / "layers"
    layers.mkdir()
    (layers / "places.yaml").write_text(LAYER, encoding="utf-8")
    catalog = load_catalog([layers], include_bundled_sources=False)
    load_cache.flush()
    assert [f.id for f in catalog.features()] == ["brest"]
    assert list(folder.glob("load-*.marshal"))  # the load entry was written
    assert not planted["old load"].exists()
    assert not planted["old gazetteer"].exists()
    assert planted["young"].exists() and planted["user file"].exists()
    load_cache.clear_memory()


def test_only_the_entry_writers_temporary_names_are_recognised():
    assert disk_cache.is_entry_temp_name(".load-0123456789abcdef-" + "a" * 40 + ".marshal.123.0.tmp")
    for name in (
        ".notes.tmp",
        ".places.yaml.k3j4h5g6.tmp",  # a layer write's temporary file (fileio, its own cleanup)
        ".marshal.1.2.tmp",  # no entry name
        ".x.marshal.pid.2.tmp",
        ".x.marshal.1.two.tmp",
        "x.marshal.1.2.tmp",  # not hidden
        ".x.marshal.1.2",
    ):
        assert not disk_cache.is_entry_temp_name(name), name
