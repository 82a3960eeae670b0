"""Guarded writes: validation first, no stale overwrite, backup, atomic rename, undo."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from influencemap.cli import main
from influencemap.editing.layer_file import (
    FileChangedOnDisk, InvalidEdit, LayerEditor, LayerText, backup_path, create_layer_file,
)

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


@pytest.fixture
def layer(tmp_path: Path) -> Path:
    path = tmp_path / "loans.yaml"
    path.write_text(LAYER, encoding="utf-8")
    return path


def test_add_writes_the_feature_and_keeps_a_backup(layer):
    editor = LayerEditor([layer.parent])
    editor.add_feature(LayerText.read(layer), NEW)
    text = layer.read_text(encoding="utf-8")
    assert text.startswith(LAYER) and "  - id: second\n" in text
    assert backup_path(layer).read_text(encoding="utf-8") == LAYER


def test_an_edit_that_adds_errors_is_refused_and_nothing_is_written(layer):
    editor = LayerEditor([layer.parent])
    with pytest.raises(InvalidEdit) as caught:
        editor.add_feature(LayerText.read(layer), {**NEW, "sources": ["doc-missing"]})
    assert "undefined source 'doc-missing'" in str(caught.value)
    assert layer.read_text(encoding="utf-8") == LAYER
    assert not backup_path(layer).exists()


def test_a_duplicate_id_in_another_file_is_caught(layer):
    (layer.parent / "other.yaml").write_text(
        "id: other\nname: Other\nfeatures:\n  - {id: second, name: S, point: [1, 1], sources: [doc-a]}\n",
        encoding="utf-8",
    )
    with pytest.raises(InvalidEdit, match="duplicate feature id 'second'"):
        LayerEditor([layer.parent]).add_feature(LayerText.read(layer), NEW)


def test_a_file_changed_on_disk_since_it_was_read_is_never_overwritten(layer):
    source = LayerText.read(layer)
    changed = LAYER.replace("# keep me", "# someone else's edit")
    layer.write_text(changed, encoding="utf-8")
    with pytest.raises(FileChangedOnDisk):
        LayerEditor([layer.parent]).add_feature(source, NEW)
    assert layer.read_text(encoding="utf-8") == changed


def test_edit_and_delete_then_undo_restore_the_bytes(layer):
    editor = LayerEditor([layer.parent])
    editor.add_feature(LayerText.read(layer), NEW)
    after_add = layer.read_text(encoding="utf-8")
    editor.replace_feature(LayerText.read(layer), "second", {**NEW, "name": "Renamed"})
    assert "name: Renamed" in layer.read_text(encoding="utf-8")
    editor.delete_feature(LayerText.read(layer), "first")
    assert "id: first" not in layer.read_text(encoding="utf-8")
    editor.undo()
    editor.undo()
    assert layer.read_text(encoding="utf-8") == after_add
    editor.undo()
    assert layer.read_text(encoding="utf-8") == LAYER
    assert editor.undo() is None


def test_undo_refuses_when_the_file_changed_since(layer):
    editor = LayerEditor([layer.parent])
    editor.add_feature(LayerText.read(layer), NEW)
    layer.write_text(LAYER + "# edited elsewhere\n", encoding="utf-8")
    with pytest.raises(FileChangedOnDisk):
        editor.undo()
    assert layer.read_text(encoding="utf-8").endswith("# edited elsewhere\n")


def test_a_killed_write_leaves_the_old_file_whole(tmp_path):
    """Kill a writer between writing the temporary file and the rename: no partial file."""
    target = tmp_path / "layer.yaml"
    target.write_text(LAYER, encoding="utf-8")
    script = textwrap.dedent(
        f"""
        import os, sys, time
        from pathlib import Path
        import influencemap.fileio as fileio
        real_replace = os.replace
        def slow_replace(src, dst):
            print("temp written", flush=True)
            time.sleep(60)
            real_replace(src, dst)
        fileio.os.replace = slow_replace
        fileio.write_text_atomic(Path({str(target)!r}), "x" * 5_000_000)
        """
    )
    process = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "temp written"
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert target.read_text(encoding="utf-8") == LAYER
    leftovers = [p.name for p in tmp_path.iterdir() if p.name != "layer.yaml"]
    assert all(name.endswith(".tmp") for name in leftovers)  # never a half-written layer


def test_new_layer_from_the_command_line(tmp_path):
    out = tmp_path / "my-layer.yaml"
    assert main(["new-layer", "my-layer", "--name", "My layer", "-o", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=")
    assert main(["validate", str(out)]) == 0
    assert main(["new-layer", "my-layer", "-o", str(out)]) == 2  # never overwrites
    assert main(["new-layer", "Bad_Id", "-o", str(tmp_path / "b.yaml")]) == 2


def test_create_layer_file_refuses_to_overwrite(tmp_path):
    path = tmp_path / "x.yaml"
    path.write_text("mine", encoding="utf-8")
    with pytest.raises(Exception, match="already exists"):
        create_layer_file(path, "x", "X")
    assert path.read_text(encoding="utf-8") == "mine"


def test_atomic_writes_give_new_files_the_usual_permissions(tmp_path):
    from influencemap.fileio import write_text_atomic

    old = os.umask(0o022)
    try:
        write_text_atomic(tmp_path / "new.geojson", "{}")
    finally:
        os.umask(old)
    assert (tmp_path / "new.geojson").stat().st_mode & 0o777 == 0o644
