"""Edits change only the bytes they mean to, in the file they mean to (issue 18, item 6).

Byte order marks and CRLF line ends survive an edit, its ``.bak`` and its undo; symbolic and
hard links keep pointing at the edited text; read-only files are refused; an external save that
lands while an edit is being written is not lost; temporary files a killed write left behind are
cleaned up and never loaded.
"""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

import pytest

from influencemap import fileio
from influencemap.editing import layer_file
from influencemap.editing.layer_file import FileChangedOnDisk, LayerEditor, LayerText, backup_path
from influencemap.fileio import ReadOnlyFile, remove_stale_temp_files, write_bytes_atomic
from influencemap.model.loader import expand_paths, load_catalog

LAYER = """\
# keep me
id: loans
name: Loans
sources: [{id: doc-a, title: A report}]
features:
  - id: first
    name: First
    point: [27.56, 53.9]
    countries: [BY]
    sources: [doc-a]
"""

NEW = {"id": "second", "name": "Second", "point": [30.52, 50.45], "countries": ["UA"], "sources": ["doc-a"]}
BOM = b"\xef\xbb\xbf"


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


# -- byte order mark and line ends -------------------------------------------------------------


def test_a_byte_order_mark_is_kept_in_the_file_the_backup_and_after_undo(tmp_path):
    original = BOM + LAYER.encode("utf-8")
    layer = write(tmp_path / "loans.yaml", original)
    editor = LayerEditor([tmp_path])
    editor.add_feature(LayerText.read(layer), NEW)
    edited = layer.read_bytes()
    assert edited.startswith(BOM) and edited.count(BOM) == 1
    assert b"  - id: second\n" in edited
    assert backup_path(layer).read_bytes() == original
    editor.undo()
    assert layer.read_bytes() == original
    assert backup_path(layer).read_bytes() == edited


def test_a_crlf_file_stays_crlf_in_every_line_also_after_undo(tmp_path):
    original = LAYER.replace("\n", "\r\n").encode("utf-8")
    layer = write(tmp_path / "loans.yaml", original)
    editor = LayerEditor([tmp_path])
    editor.add_feature(LayerText.read(layer), NEW)
    editor.replace_feature(LayerText.read(layer), "second", {**NEW, "name": "Renamed"})
    edited = layer.read_bytes()
    assert b"name: Renamed\r\n" in edited
    assert edited.count(b"\n") == edited.count(b"\r\n")  # no bare LF mixed in
    assert edited.startswith(original.split(b"features:")[0])  # untouched lines byte for byte
    editor.undo()
    editor.undo()
    assert layer.read_bytes() == original


def test_a_file_with_mixed_line_ends_keeps_the_lines_it_had(tmp_path):
    original = LAYER.replace("# keep me\n", "# keep me\r\n").encode("utf-8")
    layer = write(tmp_path / "loans.yaml", original)
    LayerEditor([tmp_path]).add_feature(LayerText.read(layer), NEW)
    edited = layer.read_bytes()
    assert edited.startswith(original)  # the edit appends; nothing before it changes


def test_a_bom_and_crlf_file_reads_as_plain_text_for_the_edits(tmp_path):
    layer = write(tmp_path / "loans.yaml", BOM + LAYER.replace("\n", "\r\n").encode("utf-8"))
    text = LayerText.read(layer)
    assert text.text == LAYER and text.bom and text.newline == "\r\n"
    assert text.encode(text.text) == layer.read_bytes()


# -- links and permissions ---------------------------------------------------------------------


def test_a_symlinked_layer_is_written_through_to_its_target(tmp_path):
    real = tmp_path / "data" / "loans.yaml"
    real.parent.mkdir()
    real.write_text(LAYER, encoding="utf-8")
    opened = tmp_path / "layers" / "loans.yaml"
    opened.parent.mkdir()
    opened.symlink_to(real)
    LayerEditor([opened.parent]).add_feature(LayerText.read(opened), NEW)
    assert opened.is_symlink() and opened.resolve() == real.resolve()
    assert "id: second" in real.read_text(encoding="utf-8")
    assert [p.name for p in real.parent.iterdir()] == ["loans.yaml"]  # no stray temporary file


def test_a_hard_linked_layer_keeps_its_link(tmp_path):
    layer = tmp_path / "loans.yaml"
    layer.write_text(LAYER, encoding="utf-8")
    other = tmp_path / "elsewhere.txt"
    os.link(layer, other)
    inode = layer.stat().st_ino
    editor = LayerEditor([layer])
    editor.add_feature(LayerText.read(layer), NEW)
    assert layer.stat().st_ino == inode and layer.stat().st_nlink == 2
    assert other.read_text(encoding="utf-8") == layer.read_text(encoding="utf-8")
    assert "id: second" in other.read_text(encoding="utf-8")
    assert backup_path(layer).read_text(encoding="utf-8") == LAYER
    editor.undo()
    assert other.read_text(encoding="utf-8") == LAYER


def test_a_read_only_layer_is_refused_with_a_message_and_left_alone(tmp_path):
    layer = tmp_path / "loans.yaml"
    layer.write_text(LAYER, encoding="utf-8")
    layer.chmod(0o444)  # root could write it anyway: the mode bits decide, as in an editor
    with pytest.raises(ReadOnlyFile, match="loans.yaml is read-only"):
        LayerEditor([tmp_path]).add_feature(LayerText.read(layer), NEW)
    assert layer.read_text(encoding="utf-8") == LAYER
    assert stat.S_IMODE(layer.stat().st_mode) == 0o444
    assert not backup_path(layer).exists()


def test_a_write_keeps_the_mode_of_the_file_it_replaces(tmp_path):
    layer = tmp_path / "loans.yaml"
    layer.write_text(LAYER, encoding="utf-8")
    layer.chmod(0o640)
    LayerEditor([tmp_path]).add_feature(LayerText.read(layer), NEW)
    assert stat.S_IMODE(layer.stat().st_mode) == 0o640


# -- saves that race with other editors --------------------------------------------------------


def test_an_external_save_while_the_edit_is_written_is_kept(tmp_path, monkeypatch):
    """Someone saves the file after the edit's first check, while its new text is being
    written: the check right before the rename refuses, and their text stays."""
    layer = tmp_path / "loans.yaml"
    layer.write_text(LAYER, encoding="utf-8")
    theirs = LAYER.replace("# keep me", "# their save")
    real_chmod = os.chmod

    def chmod_then_external_save(name, mode):
        # the writer sets the temporary file's mode once its bytes are on disk
        real_chmod(name, mode)
        if Path(name).name.startswith(".loans.yaml.") and ".bak." not in Path(name).name:
            layer.write_text(theirs, encoding="utf-8")

    monkeypatch.setattr(fileio.os, "chmod", chmod_then_external_save)
    with pytest.raises(FileChangedOnDisk):
        LayerEditor([tmp_path]).add_feature(LayerText.read(layer), NEW)
    assert layer.read_text(encoding="utf-8") == theirs
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_a_refused_stale_write_leaves_the_earlier_backup_alone(tmp_path):
    layer = tmp_path / "loans.yaml"
    layer.write_text(LAYER, encoding="utf-8")
    editor = LayerEditor([tmp_path])
    editor.add_feature(LayerText.read(layer), NEW)
    earlier_backup = backup_path(layer).read_bytes()
    source = LayerText.read(layer)
    layer.write_text(layer.read_text(encoding="utf-8") + "# edited elsewhere\n", encoding="utf-8")
    with pytest.raises(FileChangedOnDisk):
        editor.delete_feature(source, "first")
    assert backup_path(layer).read_bytes() == earlier_backup
    assert layer.read_text(encoding="utf-8").endswith("# edited elsewhere\n")


def test_the_backup_holds_the_version_the_write_replaced(tmp_path):
    layer = tmp_path / "loans.yaml"
    layer.write_text(LAYER, encoding="utf-8")
    editor = LayerEditor([tmp_path])
    editor.add_feature(LayerText.read(layer), NEW)
    before_delete = layer.read_bytes()
    editor.delete_feature(LayerText.read(layer), "first")
    assert backup_path(layer).read_bytes() == before_delete


def test_before_replace_can_stop_a_write_and_leaves_nothing_behind(tmp_path):
    target = tmp_path / "out.txt"
    target.write_bytes(b"old")

    def refuse():
        raise FileChangedOnDisk("changed")

    with pytest.raises(FileChangedOnDisk):
        write_bytes_atomic(target, b"new", before_replace=refuse)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


# -- temporary files left by a killed write ----------------------------------------------------


def test_old_temporary_files_of_a_killed_write_are_removed_by_the_next_write(tmp_path):
    layer = tmp_path / "loans.yaml"
    layer.write_text(LAYER, encoding="utf-8")
    old = write(tmp_path / ".loans.yaml.k1ll3d_x.tmp", b"half a layer")
    fresh = write(tmp_path / ".loans.yaml.w0rk1ng_.tmp", b"another write, in progress")
    not_ours = write(tmp_path / ".other.yaml.abcdefgh.tmp", b"another file's")
    an_hour_ago = time.time() - 3600
    for path in (old, not_ours):
        os.utime(path, (an_hour_ago, an_hour_ago))
    LayerEditor([tmp_path]).add_feature(LayerText.read(layer), NEW)
    assert not old.exists()
    assert fresh.exists() and not_ours.exists()


def test_the_temporary_files_of_the_backup_are_not_taken_for_the_layers(tmp_path):
    layer = tmp_path / "loans.yaml"
    backup_temp = write(tmp_path / ".loans.yaml.bak.abcdefgh.tmp", b"x")
    os.utime(backup_temp, (0, 0))
    assert remove_stale_temp_files(layer) == []
    assert remove_stale_temp_files(backup_path(layer)) == [backup_temp]


def test_temporary_files_are_never_loaded_as_layers(tmp_path):
    (tmp_path / "loans.yaml").write_text(LAYER, encoding="utf-8")
    # a killed write of another layer: complete YAML, but only a temporary file
    write(tmp_path / ".other.yaml.abcdefgh.tmp", LAYER.replace("id: loans", "id: other").encode("utf-8"))
    assert [p.name for p in expand_paths([tmp_path])] == ["loans.yaml"]
    catalog = load_catalog([tmp_path], include_bundled_sources=False)
    assert [layer.id for layer in catalog.layers] == ["loans"]


def test_layer_file_writes_only_through_fileio(monkeypatch, tmp_path):
    """Every write of an edit goes through the checked writer (links, modes, temp files)."""
    layer = tmp_path / "loans.yaml"
    layer.write_text(LAYER, encoding="utf-8")
    written = []
    real = layer_file.write_bytes_atomic

    def recording(path, data, before_replace=None, remove_stale_temps=False):
        written.append((Path(path).name, before_replace is not None, remove_stale_temps))
        real(path, data, before_replace, remove_stale_temps)

    monkeypatch.setattr(layer_file, "write_bytes_atomic", recording)
    LayerEditor([tmp_path]).add_feature(LayerText.read(layer), NEW)
    assert written == [("loans.yaml.bak", False, True), ("loans.yaml", True, True)]


def test_exports_clean_up_after_a_killed_export_and_caches_do_not_scan(tmp_path, monkeypatch):
    from influencemap.export.geojson import write_geojson
    from influencemap.model.catalog import Catalog

    old = write(tmp_path / ".map.geojson.abcdefgh.tmp", b"half")
    os.utime(old, (0, 0))
    write_geojson(Catalog(layers=(), sources={}, problems=()), tmp_path / "map.geojson")
    assert not old.exists()
    scanned = []
    monkeypatch.setattr(fileio, "remove_stale_temp_files", lambda target: scanned.append(target) or [])
    write_bytes_atomic(tmp_path / "cache-entry", b"x")  # as the caches call it
    assert scanned == []
