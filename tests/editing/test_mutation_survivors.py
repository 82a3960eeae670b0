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
