"""The load cache's disk entry: columns of one value stored once, columns read back as views
into the entry, and an entry that is damaged, cut short or left by a killed write never used."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from influencemap.model import load_cache, loader
from influencemap.model.feature_table import COLUMNS, ONE_VALUE_ROWS, _decoded, one_value, pack_columns
from tests.model.conftest import cached_layers_folder, load_flushed

ROWS = 3 * ONE_VALUE_ROWS
SOURCES = "sources:\n  - {id: doc-a, title: A report}\n"
DATA_LAYER = "id: aid\nname: Aid\ndata: projects.csv\ndefaults: {sources: [doc-a], precision: site}\n"


def data_csv(rows: int = ROWS) -> str:
    lines = ["id,name,date,countries,lon,lat"]
    lines += [f"p-{i:06d},Project {i},{2000 + i % 20},BY,{27 + i % 7 / 10:.2f},{53 + i % 5 / 10:.2f}" for i in range(rows)]
    return "\n".join(lines) + "\n"


@pytest.fixture
def folder(tmp_path, monkeypatch) -> Path:
    yield from cached_layers_folder(tmp_path, monkeypatch, SOURCES)


def entries(folder: Path) -> list[Path]:
    """The disk entry of the data layer (the biggest load entry)."""
    found = sorted((folder.parent / "cache").glob("load-*.marshal"), key=lambda p: p.stat().st_size)
    assert found
    return found


def columns_of(catalog) -> dict[str, object]:
    table = catalog.layer("aid").features
    return {name: table.column(name) for name in COLUMNS}


def reads_of_the_file(monkeypatch) -> list[str]:
    calls: list[str] = []
    real = loader.read_file
    monkeypatch.setattr(loader, "read_file", lambda *a, **k: calls.append(str(a[0])) or real(*a, **k))
    return calls


def plain(value):
    """A column as comparable data, types included (``1 == True`` must not hide a change)."""
    if hasattr(value, "tolist"):
        value = value.tolist()
    return [(type(v).__name__, repr(v)) for v in value]


def written(folder: Path):
    (folder / "projects.csv").write_text(data_csv(), encoding="utf-8")
    (folder / "aid.yaml").write_text(DATA_LAYER, encoding="utf-8")
    first = load_flushed(folder)
    assert first.feature_count == ROWS
    return first


# -- one value in every row ----------------------------------------------------------------------


@pytest.mark.parametrize("column", [
    ["site"] * ROWS, [None] * ROWS, [("BY",)] * ROWS, [()] * ROWS, [1] * ROWS, [True] * ROWS,
    [(5, 22)] * ROWS, [{"x-a": 1}] * ROWS,
])
def test_a_column_of_one_value_is_stored_once_and_decoded_the_same(column):
    name = "precisions"
    packed = pack_columns([column if n == name else [] for n in COLUMNS])[COLUMNS.index(name)]
    assert packed == (column[0], ROWS)
    assert plain(_decoded(name, packed)) == plain(column)


@pytest.mark.parametrize("column", [
    [1] * (ROWS - 1) + [True],  # equal, not the same type
    [True] * (ROWS - 1) + [1],
    [0.0] * (ROWS - 1) + [-0.0],  # equal floats of another sign
    [(1, 2)] * (ROWS - 1) + [(True, 2)],  # equal tuples of other types
    [float(i % 1 + 1) for i in range(ROWS)],  # equal floats, distinct objects
    ["site"] * (ROWS - 1) + ["city"],
    ["site"] * (ONE_VALUE_ROWS - 1),  # too short to be worth it
])
def test_columns_that_only_look_like_one_value_are_stored_whole(column):
    assert one_value(column) is None
    name = "precisions"
    packed = pack_columns([column if n == name else [] for n in COLUMNS])[COLUMNS.index(name)]
    assert type(packed) is bytes
    assert plain(_decoded(name, packed)) == plain(column)


def test_a_data_layer_reads_the_same_columns_from_its_entry_as_fresh(folder, monkeypatch):
    first = written(folder)
    fresh = columns_of(first)
    load_cache.clear_memory()
    reads = reads_of_the_file(monkeypatch)
    cached = load_flushed(folder)
    assert not reads, "the entry was not used"
    again = columns_of(cached)
    for name in COLUMNS:
        if name == "points":  # a fresh table may hold them flat, a cached one as (n, 2) floats
            assert np.asarray(again[name]).ravel().tolist() == np.asarray(fresh[name], dtype=float).ravel().tolist()
        else:
            assert plain(again[name]) == plain(fresh[name]), name
    assert list(cached.features()) == list(first.features())
    # the defaults' source, precision and dating, the counts: stored once, not once a row
    assert (fresh["precisions"][0], ROWS) in pack_columns(list(fresh.values()))


def test_the_entry_holds_a_column_of_one_value_once(folder):
    written(folder)
    small = entries(folder)[-1].stat().st_size
    (folder / "projects.csv").write_text(data_csv(4 * ROWS), encoding="utf-8")
    load_cache.clear_memory()
    load_flushed(folder)
    bigger = entries(folder)[-1].stat().st_size
    # four times the rows: ids, names, kinds, points and the two date columns grow (~50 bytes a
    # row), the 17 columns of one value do not (as marshal references they were 5 bytes a row
    # each: ~135 bytes a row in all)
    assert (bigger - small) / (3 * ROWS) < 60


# -- damaged entries -----------------------------------------------------------------------------


def damaged_entry_is_rebuilt(folder: Path, monkeypatch, damage) -> None:
    first = written(folder)
    entry = entries(folder)[-1]
    raw = entry.read_bytes()
    entry.write_bytes(damage(raw))
    load_cache.clear_memory()
    reads = reads_of_the_file(monkeypatch)
    again = load_flushed(folder)
    assert any(r.endswith("aid.yaml") for r in reads), "a damaged entry was used"
    assert plain(columns_of(again)["ids"]) == plain(columns_of(first)["ids"])
    # written again, whole: as long as before, and the next load takes it without reading the
    # file (not byte for byte: marshal flags strings that something else also holds, so equal
    # entries need not be equal bytes)
    assert len(entries(folder)[-1].read_bytes()) == len(raw)
    load_cache.clear_memory()
    reads.clear()
    third = load_flushed(folder)
    assert not any(r.endswith("aid.yaml") for r in reads), "the rewritten entry was not used"
    assert plain(columns_of(third)["ids"]) == plain(columns_of(first)["ids"])


def flipped(at_fraction: float):
    def damage(raw: bytes) -> bytes:
        at = int(len(raw) * at_fraction)
        return raw[:at] + bytes([raw[at] ^ 0x10]) + raw[at + 1:]
    return damage


@pytest.mark.parametrize("damage", [
    flipped(0.0),  # the checksum
    flipped(0.01),  # the head's length
    flipped(0.05),  # the head
    flipped(0.6),  # a column's blob
    flipped(0.999),  # the last column
    lambda raw: raw[: len(raw) // 2],  # cut short
    lambda raw: raw + b"\0",  # a byte too many
    lambda raw: raw[:4],
    lambda raw: b"",
], ids=["checksum", "head-length", "head", "column", "last-column", "half", "longer", "checksum-only", "empty"])
def test_a_damaged_entry_is_read_again_from_the_file(folder, monkeypatch, damage):
    damaged_entry_is_rebuilt(folder, monkeypatch, damage)


def test_an_entry_of_a_sound_checksum_but_another_layout_is_read_again(folder, monkeypatch):
    import marshal
    import zlib

    def other_layout(raw: bytes) -> bytes:
        head = marshal.dumps(("another-layout", (), False))
        body = len(head).to_bytes(8, "little") + head
        return zlib.crc32(body).to_bytes(4, "little") + body

    damaged_entry_is_rebuilt(folder, monkeypatch, other_layout)


# -- a write killed half way ---------------------------------------------------------------------

KILLED_WRITE = """\
import os, signal, sys
from influencemap import disk_cache
from influencemap.model import load_cache
from influencemap.model.loader import load_catalog

real_write, real_entry = os.write, disk_cache.write_entry_file

def write_then_die(fd, data):
    if len(data) > 1000:  # a column of the data layer's entry: half of it written, then killed
        real_write(fd, bytes(data[: len(data) // 2]))
        os.kill(os.getpid(), signal.SIGKILL)
    return real_write(fd, data)

def entry_then_die(path, data):
    if path.name.startswith("load-") and sum(map(len, data)) > 5000:  # the data layer's entry
        os.write = write_then_die
    return real_entry(path, data)

disk_cache.write_entry_file = entry_then_die
load_catalog([sys.argv[1]], include_bundled_sources=False)
load_cache.flush()
"""


def test_an_entry_whose_write_was_killed_is_never_used(folder, monkeypatch):
    (folder / "projects.csv").write_text(data_csv(), encoding="utf-8")
    (folder / "aid.yaml").write_text(DATA_LAYER, encoding="utf-8")
    env = dict(os.environ, INFLUENCEMAP_CACHE_DIR=str(folder.parent / "cache"),
               PYTHONPATH=os.pathsep.join([str(Path(loader.__file__).parents[2]), os.environ.get("PYTHONPATH", "")]))
    done = subprocess.run([sys.executable, "-c", KILLED_WRITE, str(folder)], env=env, capture_output=True, timeout=120)
    assert done.returncode == -signal.SIGKILL, done.stderr.decode()
    cache = folder.parent / "cache"
    left = [p.name for p in cache.iterdir() if p.name.startswith(".load-")]
    assert left, "the killed write left no temporary file (the test did not kill a write)"
    # what the killed write left is never an entry; make it look like one to be sure it is checked
    for name in left:  # .ENTRY.marshal.PID.N.tmp -> ENTRY.marshal
        entry = name[1:].rsplit(".marshal.", 1)[0] + ".marshal"
        (cache / name).rename(cache / entry)
    load_cache.clear_memory()
    reads = reads_of_the_file(monkeypatch)
    catalog = load_flushed(folder)
    assert any(r.endswith("aid.yaml") for r in reads), "the half-written entry was used"
    assert catalog.feature_count == ROWS
    assert not catalog.errors


def test_the_command_line_waits_for_the_entry_before_it_exits(folder):
    (folder / "projects.csv").write_text(data_csv(), encoding="utf-8")
    (folder / "aid.yaml").write_text(DATA_LAYER, encoding="utf-8")
    cache = folder.parent / "cache"
    env = dict(os.environ, INFLUENCEMAP_CACHE_DIR=str(cache),
               PYTHONPATH=os.pathsep.join([str(Path(loader.__file__).parents[2]), os.environ.get("PYTHONPATH", "")]))
    done = subprocess.run([sys.executable, "-m", "influencemap", "validate", "-q", str(folder)], env=env,
                          capture_output=True, timeout=120)
    assert done.returncode in (0, 1), done.stderr.decode()
    entry = max(cache.glob("load-*.marshal"), key=lambda p: p.stat().st_size)
    assert load_cache._entry_data(entry.read_bytes()) is not None
    assert not [p for p in cache.iterdir() if p.name.endswith(".tmp")]


# -- ids known distinct --------------------------------------------------------------------------


def data_result():
    return next(r for r in load_cache._memory.values() if r.layer is not None and r.layer.id == "aid")


def test_ids_found_distinct_are_remembered_in_the_entry(folder):
    written(folder)
    assert data_result().distinct_ids
    load_cache.clear_memory()
    load_flushed(folder)
    assert data_result().distinct_ids  # from the entry: its ids were not hashed to know it


class Ids:
    """What the id check reads of a file's result."""

    def __init__(self, ids: list[str], distinct_ids: bool = False) -> None:
        self.feature_ids, self.features, self.distinct_ids = ids, ids, distinct_ids


def test_ids_repeated_in_one_file_are_not_marked_distinct_nor_taken_whole():
    taken = loader._TakenIds()
    repeated = Ids(["a", "b", "a"])
    assert not taken.take_all(repeated)
    assert not repeated.distinct_ids
    fine = Ids(["c", "d"])
    assert taken.take_all(fine) and fine.distinct_ids


def test_ids_marked_distinct_are_still_checked_against_every_other_file():
    taken = loader._TakenIds()
    assert taken.take_all(Ids(["a", "b"], distinct_ids=True))  # the first: taken without hashing
    assert "a" in taken and "z" not in taken
    later = Ids(["c", "b"], distinct_ids=True)
    assert not taken.take_all(later)  # "b" again: the file is checked row by row
    assert taken.take_all(Ids(["c"], distinct_ids=True))
    taken.take("e", None, 0)
    assert all(i in taken for i in "abce") and "d" not in taken


def test_an_id_of_a_cached_distinct_file_repeated_in_a_later_file_is_reported(folder):
    written(folder)
    (folder / "zz.yaml").write_text(
        "id: zz\nname: Later\nfeatures:\n  - id: p-000005\n    name: Again\n    point: [27.5, 53.9]\n"
        "    countries: [BY]\n    sources: [doc-a]\n", encoding="utf-8")
    load_cache.clear_memory()
    load_flushed(folder)  # both entries written
    load_cache.clear_memory()
    catalog = load_flushed(folder)
    assert data_result().distinct_ids
    assert [p.message for p in catalog.errors if "duplicate feature id" in p.message] == [
        "duplicate feature id 'p-000005' (first defined at " + str(catalog.layer("aid").features.origin(5)) + ")"
    ]


def test_columns_a_data_file_fills_from_its_defaults_are_held_once_and_read_as_lists(folder):
    """The rows' reader gives the columns its defaults fill as (value, count): they are
    stored so and read as the same lists as any column; a layer that writes features as
    well as naming a data file joins the two into one table cell for cell."""
    first = written(folder)
    table = first.layer("aid").features
    for name, value in (("precisions", "site"), ("lines", 3), ("instants", True), ("descriptions", None)):
        assert table.stored_column(name) == (value, ROWS), name
        assert plain(table.column(name)) == plain([value] * ROWS), name
    assert type(table.stored_column("ids")) is list
    (folder / "aid.yaml").write_text(
        DATA_LAYER + "features:\n  - {id: written-1, name: Written, point: [27.5, 53.9], countries: [BY], date: '2019',"
        " sources: [doc-a], precision: city}\n",
        encoding="utf-8",
    )
    load_cache.clear_memory()
    joined = load_flushed(folder)
    assert joined.problems == ()
    features = list(joined.layer("aid").features)
    assert [f.id for f in features] == ["written-1", *[f"p-{i:06d}" for i in range(ROWS)]]
    assert [f.precision.value for f in features] == ["city"] + ["site"] * ROWS
    assert all(f.instant for f in features) and features[1].origin.line == 3 and features[0].origin.line == 6
    assert [c.ref for f in features for c in f.citations] == ["doc-a"] * (ROWS + 1)
