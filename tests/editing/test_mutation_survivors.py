"""Editing behaviour the mutation run (scripts/mutation.sh) found untested."""

from __future__ import annotations

import pytest

from influencemap.editing.feature_values import merge_feature, split_list, suggest_id
from influencemap.editing.yaml_text import EditError, block_spans, delete_feature

THREE = """\
id: l
name: L
features:
  - id: a
    name: A

  - id: b
    name: B
    # about b
  - id: c
    name: C
x-after: kept
"""


def test_spans_of_first_middle_and_last_items():
    spans = block_spans(THREE)
    lines = THREE.split("\n")
    assert {k: (s.start, s.end) for k, s in spans.items()} == {"a": (3, 5), "b": (6, 9), "c": (9, 11)}
    assert lines[spans["c"].end] == "x-after: kept"
    assert all(s.indent == 2 for s in spans.values())


def test_deleting_the_middle_item_keeps_its_neighbours():
    text = delete_feature(THREE, "b")
    assert "- id: a\n    name: A\n" in text and "  - id: c\n    name: C\nx-after: kept\n" in text
    assert "id: b" not in text and "about b" not in text


def test_an_inline_list_is_refused_with_a_message_naming_the_key():
    with pytest.raises(EditError, match=r"the features list is written inline \('features: \[...\]'\)"):
        block_spans("id: l\nname: L\nfeatures: [{id: a, name: A}]\n")
    with pytest.raises(EditError, match="the sources list is written inline"):
        block_spans("id: l\nsources: [{id: s, title: T}]\nfeatures: []\n", "sources")


def test_an_empty_or_missing_list_has_no_spans():
    assert block_spans("id: l\nname: L\nfeatures: []\n") == {}
    assert block_spans("id: l\nname: L\nfeatures:\n") == {}


def test_suggest_id_folds_both_cases_of_l_with_stroke_and_trims_dashes():
    assert suggest_id("Białystok") == "bialystok"
    assert suggest_id("ŁAZIENKI") == "lazienki"
    assert suggest_id("  --Port!! ") == "port"
    long_name = "a" * 59 + " b" + "c" * 20  # the 60th character is the separator
    assert suggest_id(long_name) == "a" * 59
    assert suggest_id("x" * 80) == "x" * 60
    assert suggest_id("Great Stone", {"great-stone"}) == "great-stone-2"


def test_split_list_splits_on_commas_and_spaces():
    assert split_list(" BY, UA  KZ,,PL\tRU ") == ["BY", "UA", "KZ", "PL", "RU"]
    assert split_list("  ") == []
    assert split_list("BY") == ["BY"]


def test_merge_feature_writes_the_new_values():
    original = {"id": "a", "name": "A", "point": "Minsk", "date": "2020", "sources": ["d"]}
    values = {"name": "B", "point": None, "line": [[1, 2], [3, 4]], "date": None, "start": "2019", "sources": ["e"]}
    merged = merge_feature(original, values)
    assert merged == {"id": "a", "name": "B", "line": [[1, 2], [3, 4]], "start": "2019", "sources": ["e"]}
    assert list(merged) == ["id", "name", "line", "start", "sources"]


# -- layer_file: what the user reads (undo menu, messages) -----------------------------------------

from pathlib import Path  # noqa: E402

from influencemap.editing.layer_file import (  # noqa: E402
    FileChangedOnDisk, InvalidEdit, LayerEditor, LayerText, validation_problems,
)

LAYER = """\
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


def layer_at(tmp_path: Path) -> Path:
    path = tmp_path / "loans.yaml"
    path.write_text(LAYER, encoding="utf-8")
    return path


def test_each_edit_is_described_for_the_undo_menu(tmp_path):
    layer = layer_at(tmp_path)
    editor = LayerEditor([tmp_path])
    assert editor.add_feature(LayerText.read(layer), NEW).description == "add second"
    assert editor.replace_feature(LayerText.read(layer), "second", {**NEW, "name": "S"}).description == "edit second"
    assert editor.delete_feature(LayerText.read(layer), "first").description == "delete first"
    assert [e.description for e in editor.history] == ["add second", "edit second", "delete first"]


def test_replacing_a_feature_with_a_new_source_writes_both_at_once(tmp_path):
    layer = layer_at(tmp_path)
    editor = LayerEditor([tmp_path])
    source = {"id": "doc-b", "title": "Another report"}
    editor.replace_feature(LayerText.read(layer), "first", {**NEW, "id": "first", "sources": ["doc-b"]}, new_source=source)
    text = layer.read_text(encoding="utf-8")
    assert "doc-b" in text and "Another report" in text
    assert len(editor.history) == 1


def test_messages_say_what_happened_and_what_to_do(tmp_path):
    layer = layer_at(tmp_path)
    read = LayerText.read(layer)
    layer.write_text(LAYER + "# theirs\n", encoding="utf-8")
    with pytest.raises(FileChangedOnDisk, match="loans.yaml changed on disk since it was read; reload it and make the edit again"):
        read.check_unchanged()
    layer.unlink()
    with pytest.raises(FileChangedOnDisk, match="loans.yaml was deleted since it was read"):
        read.check_unchanged()
    layer.write_bytes(b"id: x\nname: Caf\xe9\n")
    with pytest.raises(EditError, match="loans.yaml is not UTF-8 text; fix it in an editor first"):
        LayerText.read(layer)


def test_undo_refusal_names_the_edit(tmp_path):
    layer = layer_at(tmp_path)
    editor = LayerEditor([tmp_path])
    editor.add_feature(LayerText.read(layer), NEW)
    layer.write_text(layer.read_text(encoding="utf-8") + "# theirs\n", encoding="utf-8")
    with pytest.raises(FileChangedOnDisk, match="changed since 'add second'; undo would overwrite those changes"):
        editor.undo()


def test_validation_reports_only_the_errors_the_edit_adds(tmp_path):
    layer = layer_at(tmp_path)
    (tmp_path / "broken.yaml").write_text("id: broken\nname: B\nfeatures:\n  - {id: z, name: Z, point: [1, 1], sources: [nope]}\n",
                                         encoding="utf-8")
    new_text = LAYER.replace("sources: [doc-a]\n", "sources: [missing-doc]\n")
    problems = validation_problems([tmp_path], layer, new_text)
    assert [(Path(p.origin.path).name, p.origin.line, p.message) for p in problems] == [
        ("loans.yaml", 9, "undefined source 'missing-doc'")
    ]
    assert validation_problems([tmp_path], layer, LAYER) == []  # the other file's error is not this edit's
    with pytest.raises(InvalidEdit, match="the edit was not saved because it would add errors:\n.*loans.yaml:"):
        LayerEditor([tmp_path]).add_feature(LayerText.read(layer), {**NEW, "sources": ["missing-doc"]})
