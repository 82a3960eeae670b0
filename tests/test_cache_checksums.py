"""Every on-disk cache entry carries a checksum and is rebuilt when it fails (issue 18, item 8):
one flipped bit in the gazetteer's cache once moved Minsk by 66 km, silently."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from influencemap import disk_cache
from influencemap.model import load_cache
from influencemap.model.loader import load_catalog

REPO = Path(__file__).resolve().parents[1]

LAYER = """\
id: places
name: Places
sources: [{id: doc-a, title: A}]
features:
  - {id: minsk, name: Minsk by name, point: Minsk, countries: [BY], sources: [doc-a]}
  - {id: brest, name: A point, point: [23.7, 52.1], countries: [BY], sources: [doc-a]}
"""

PROBE = r"""
import hashlib, json, sys
from pathlib import Path
from influencemap.model import load_cache
from influencemap.model.loader import load_catalog
from influencemap.geo import basemap
from influencemap.export.html import _basemap_payload
from influencemap.render.basemap_layer import projected_basemap

catalog = load_catalog([sys.argv[1]], include_bundled_sources=False)
minsk = catalog.feature("minsk").geometry
projected = projected_basemap()
out = {
    "minsk": [minsk.x, minsk.y],
    "problems": [p.format() for p in catalog.problems],
    "lookup": basemap.countries_containing_many([27.56, 23.7, 0.0], [53.9, 52.1, 0.0], 0.05),
    "html": hashlib.sha256(json.dumps(_basemap_payload(), sort_keys=True).encode()).hexdigest(),
    "drawn": hashlib.sha256(repr([(c.iso, c.bounds) for c in projected.countries]).encode()).hexdigest(),
}
load_cache.flush()
print(json.dumps(out))
"""

KINDS = ("gazetteer-", "basemap-index-", "basemap-projected-", "html-basemap-", "load-")


def _probe(folder: Path, cache_dir: Path) -> dict:
    env = {**os.environ, "INFLUENCEMAP_CACHE_DIR": str(cache_dir), "PYTHONPATH": str(REPO / "src"), "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-c", PROBE, str(folder)], capture_output=True, text=True, env=env, timeout=240)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _entries(cache_dir: Path) -> dict[str, Path]:
    found = {}
    for kind in KINDS:
        (entry,) = cache_dir.glob(f"{kind}*.marshal")
        found[kind] = entry
    return found


def _flip_bit(path: Path, position: float) -> None:
    data = bytearray(path.read_bytes())
    index = disk_cache.HEADER_SIZE + int((len(data) - disk_cache.HEADER_SIZE - 1) * position)
    data[index] ^= 0x10
    path.write_bytes(bytes(data))


def _valid(path: Path) -> bool:
    raw = path.read_bytes()
    if path.name.startswith("load-"):
        import zlib

        return int.from_bytes(raw[:4], "little") == zlib.crc32(raw[4:])
    return disk_cache.unseal(raw) is not None


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    folder = tmp_path_factory.mktemp("layers")
    (folder / "places.yaml").write_text(LAYER, encoding="utf-8")
    cache_dir = tmp_path_factory.mktemp("cache")
    result = _probe(folder, cache_dir)
    assert result["problems"] == []
    return folder, cache_dir, result


@pytest.mark.parametrize("position", [0.13, 0.87])
def test_a_flipped_bit_in_every_cache_entry_is_found_and_rebuilt(fresh, tmp_path, position):
    folder, filled, expected = fresh
    cache_dir = tmp_path / "cache"
    cache_dir.mkdir()
    for path in filled.iterdir():
        (cache_dir / path.name).write_bytes(path.read_bytes())
    entries = _entries(cache_dir)
    for path in entries.values():
        _flip_bit(path, position)
        assert not _valid(path)
    assert _probe(folder, cache_dir) == expected
    for kind, path in _entries(cache_dir).items():
        assert _valid(path), kind


def test_a_truncated_or_foreign_entry_is_rebuilt(tmp_path, monkeypatch):
    monkeypatch.setenv(disk_cache.CACHE_ENV, str(tmp_path))
    calls = []
    build = lambda: calls.append(1) or {"minsk": (27.56, 53.9)}  # noqa: E731
    assert disk_cache.cached("probe", [b"k"], build) == {"minsk": (27.56, 53.9)}
    (entry,) = tmp_path.glob("probe-*.marshal")
    good = entry.read_bytes()
    for broken in (good[:-3], good[disk_cache.HEADER_SIZE:], b"", good[:10]):
        entry.write_bytes(broken)
        assert disk_cache.cached("probe", [b"k"], build) == {"minsk": (27.56, 53.9)}
        assert entry.read_bytes() == good
    assert len(calls) == 5


def test_an_entry_whose_body_was_changed_consistently_is_still_checked(tmp_path, monkeypatch):
    """Rewriting the body without the header's checksum (an old entry format, a bad disk) fails."""
    import marshal

    monkeypatch.setenv(disk_cache.CACHE_ENV, str(tmp_path))
    disk_cache.cached("probe", [b"k"], lambda: [1.0, 2.0])
    (entry,) = tmp_path.glob("probe-*.marshal")
    entry.write_bytes(entry.read_bytes()[: disk_cache.HEADER_SIZE] + marshal.dumps([1.0, 2.5]))
    assert disk_cache.cached("probe", [b"k"], lambda: [1.0, 2.0]) == [1.0, 2.0]


def test_a_load_entry_is_read_again_when_the_gazetteer_entry_it_used_changed(tmp_path, monkeypatch):
    monkeypatch.setenv(disk_cache.CACHE_ENV, str(tmp_path / "cache"))
    load_cache.clear_memory()
    folder = tmp_path / "layers"
    folder.mkdir()
    (folder / "places.yaml").write_text(LAYER, encoding="utf-8")
    from influencemap.geo.gazetteer import default_gazetteer

    default_gazetteer.cache_clear()  # read (or built) from this test's cache folder
    disk_cache.forget_versions()
    default_gazetteer()  # in use: the result records its entry's version
    load_catalog([folder], include_bundled_sources=False)
    load_cache.flush()
    (gazetteer_entry,) = (tmp_path / "cache").glob("gazetteer-*.marshal")
    name = gazetteer_entry.name.removesuffix(".marshal")
    recorded = dict(disk_cache.used_versions())[name]
    calls = []
    from influencemap.model import loader

    real = loader.read_file
    monkeypatch.setattr(loader, "read_file", lambda *a, **k: calls.append(a[0]) or real(*a, **k))

    def load_in_a_new_process():
        load_cache.clear_memory()
        disk_cache.forget_versions()  # as a new process: the versions come from the entries on disk
        load_catalog([folder], include_bundled_sources=False)
        load_cache.flush()

    load_in_a_new_process()
    assert calls == []  # unchanged: from the cache
    raw = gazetteer_entry.read_bytes()
    gazetteer_entry.write_bytes(disk_cache.seal(bytes(disk_cache.unseal(raw)) + b"\0"))  # another (valid) version
    assert gazetteer_entry.read_bytes()[len(disk_cache.MAGIC):disk_cache.HEADER_SIZE].hex() != recorded
    load_in_a_new_process()
    assert calls == [str(folder / "places.yaml")]  # read again: the gazetteer it used is gone
    gazetteer_entry.write_bytes(raw)
    load_cache.clear_memory()
    disk_cache.forget_versions()
    default_gazetteer.cache_clear()
