"""Adding, editing and deleting a feature changes only that feature's lines."""

from __future__ import annotations

import pytest

from influencemap.editing.yaml_text import (
    EditError, append_feature, block_spans, delete_feature, replace_feature,
)
from influencemap.model.yaml_nodes import compose

LAYER = """\
# yaml-language-server: $schema=../schema/layer.schema.json
# My notes: keep these comments!
id: loans   # the id
name: 'Loans'
features:
  # first, the big one
  - id: first
    name: First
    point: [27.56, 53.9]   # Minsk
    sources: [doc-a]

  - id: second
    name: Second
    point: {lon: 30.5, lat: 50.4}
    sources: [doc-a]
# trailing comment about the list
x-after: kept
"""

NEW = {"id": "third", "name": "Third", "point": [23.7, 52.1], "countries": ["BY"], "date": "2013-05-20",
       "sources": [{"ref": "doc-a", "locator": "p. 3"}]}


def ids(text: str) -> list[str]:
    features = compose(text).get("features")
    return [item.get("id").value for item in features.value]


def test_append_keeps_every_other_byte():
    result = append_feature(LAYER, NEW)
    assert ids(result) == ["first", "second", "third"]
    head, tail = LAYER.split("# trailing comment about the list\n")
    assert result.startswith(head.rstrip("\n") + "\n")
    assert result.endswith("# trailing comment about the list\n" + tail)
    added = result[len(head.rstrip("\n")) + 1: -len("# trailing comment about the list\n" + tail)]
    assert added.startswith("\n  - id: third\n    name: Third\n")
    assert "date: '2013-05-20'" in added


def test_append_to_an_inline_empty_list():
    text = "id: l\nname: L\nfeatures: []  # none yet\nx-more: 1\n"
    result = append_feature(text, NEW)
    assert result.startswith("id: l\nname: L\nfeatures:  # none yet\n  - id: third\n")
    assert result.endswith("x-more: 1\n")
    assert ids(result) == ["third"]


def test_append_to_an_inline_flow_list_adds_one_entry():
    text = "id: l\nname: L\nfeatures: [{id: a, name: A, point: [1, 2], sources: [s]}]\n"
    result = append_feature(text, NEW)
    assert result.startswith("id: l\nname: L\nfeatures: [{id: a, name: A, point: [1, 2], sources: [s]}, {")
    assert ids(result) == ["a", "third"]


def test_append_to_features_with_no_value():
    result = append_feature("id: l\nname: L\nfeatures:\n", NEW)
    assert ids(result) == ["third"] and result.startswith("id: l\nname: L\nfeatures:\n  - id: third\n")


def test_replace_changes_only_that_features_lines():
    result = replace_feature(LAYER, "first", {**NEW, "id": "first"})
    before, after = LAYER.split("  - id: first\n")[0], LAYER.split("    sources: [doc-a]\n", 1)[1]
    assert result.startswith(before + "  - id: first\n    name: Third\n")
    assert result.endswith(after)
    assert ids(result) == ["first", "second"]


def test_delete_removes_only_that_feature():
    result = delete_feature(LAYER, "second")
    assert ids(result) == ["first"]
    assert result == LAYER.replace(
        "\n  - id: second\n    name: Second\n    point: {lon: 30.5, lat: 50.4}\n    sources: [doc-a]\n", "\n"
    )


def test_deleting_the_last_feature_leaves_an_empty_list():
    text = "id: l\nname: L\nfeatures:\n  - id: a\n    name: A\n"
    assert delete_feature(text, "a") == "id: l\nname: L\nfeatures: []\n"


def test_spans_cover_each_item_without_trailing_comments():
    spans = block_spans(LAYER)
    lines = LAYER.split("\n")
    assert lines[spans["first"].start] == "  - id: first"
    assert lines[spans["first"].end - 1] == "    sources: [doc-a]"
    assert lines[spans["second"].end - 1] == "    sources: [doc-a]"


def test_unknown_feature_and_broken_file_are_clear_errors():
    with pytest.raises(EditError, match="feature 'nope' is not in this file"):
        delete_feature(LAYER, "nope")
    with pytest.raises(EditError, match="line 3: YAML syntax error"):
        append_feature("id: l\nfeatures: [\n", NEW)
