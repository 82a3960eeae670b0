"""Each way a layer file may write its ``sources:`` and ``features:`` lists gets a new entry
with every other byte kept (issue 18: the mutation run found these rules untested): the key
missing, empty, at the end of a file without a final newline, a flow list holding brackets
and quotes, block lists with comments and blank lines."""

from __future__ import annotations

import pytest

from influencemap.editing.yaml_text import (
    EditError, append_feature, append_source, block_spans, delete_feature, feature_to_flow,
    feature_to_yaml, read_feature, replace_feature,
)
from influencemap.model.yaml_nodes import compose

SOURCE = {"id": "doc-new", "title": "New"}
FEATURE = {"id": "f-new", "name": "New"}


def _ids(text: str, key: str) -> list[str]:
    return [item.get("id").value for item in compose(text).get(key).value]


def test_a_layer_without_sources_gets_the_key_on_the_line_before_features():
    text = "id: l\nname: L\nfeatures:\n  - id: a\n"
    assert append_source(text, SOURCE) == "id: l\nname: L\nsources:\n  - {id: doc-new, title: New}\nfeatures:\n  - id: a\n"


def test_a_source_with_a_list_is_written_as_a_block_item_at_the_keys_indent():
    source = {"id": "doc-new", "title": "New", "authors": ["A. One", "B. Two"], "publisher": "P" * 90}
    result = append_source("id: l\nfeatures: []\n", source)
    assert result == (
        "id: l\nsources:\n  - id: doc-new\n    title: New\n    authors: [A. One, B. Two]\n"
        f"    publisher: {'P' * 90}\nfeatures: []\n"
    )


def test_an_empty_sources_key_gets_the_item_after_its_comment():
    text = "id: l\nsources:   # none yet\nfeatures: []\n"
    assert append_source(text, SOURCE) == "id: l\nsources:   # none yet\n  - {id: doc-new, title: New}\nfeatures: []\n"


def test_an_empty_sources_key_on_the_last_line_without_a_newline():
    assert append_source("id: l\nfeatures: []\nsources:", SOURCE) == "id: l\nfeatures: []\nsources:\n  - {id: doc-new, title: New}"


def test_a_flow_sources_list_with_brackets_and_quotes_in_its_strings_gets_one_more_entry():
    text = (
        "id: l\nsources: [{id: a, title: \"A [draft] {v2} \\\"]\\\"\", url: 'http://x/?q=]'}]  # c\n"
        "features: []\n"
    )
    result = append_source(text, SOURCE)
    assert result == text.replace("'}]  # c", "'}, {\"id\": \"doc-new\", \"title\": \"New\"}]  # c")
    assert _ids(result, "sources") == ["a", "doc-new"]


def test_a_flow_list_ending_in_a_comma_gets_no_second_comma():
    text = "id: l\nsources: [{id: a, title: A}, ]\nfeatures: []\n"
    assert append_source(text, SOURCE) == 'id: l\nsources: [{id: a, title: A}, {"id": "doc-new", "title": "New"}]\nfeatures: []\n'


def test_a_block_sources_list_gets_the_item_after_its_last_item_before_a_trailing_comment():
    text = "id: l\nsources:\n    - id: a\n      title: A\n    # about b\n    - id: b\n      title: B\n# after\nfeatures: []\n"
    result = append_source(text, SOURCE)
    assert result == text.replace("      title: B\n", "      title: B\n    - {id: doc-new, title: New}\n")


def test_sources_that_cannot_take_an_entry_are_refused_with_a_reason():
    with pytest.raises(EditError, match=r"^'sources' is not a list$"):
        append_source("id: l\nsources: 3\nfeatures: []\n", SOURCE)
    with pytest.raises(EditError, match=r"^cannot find where to add 'sources:' \(the 'features:' key is indented\)$"):
        append_source("{id: l, features: []}", SOURCE)
    with pytest.raises(EditError, match=r"^the layer has no 'features:' list$"):
        append_source("id: l\n", SOURCE)
    with pytest.raises(EditError, match=r"^the file is not a layer \(its top level is not a mapping\)$"):
        append_source("- a\n", SOURCE)
    with pytest.raises(EditError, match=r"^the file is not a layer"):
        append_source("", SOURCE)


def test_a_feature_joins_a_flow_list_holding_nested_lists_and_a_quoted_bracket():
    text = 'id: l\nfeatures: [{id: a, name: "x]y", point: [1, 2], sources: [{ref: s}]}]   # c\n'
    result = append_feature(text, FEATURE)
    assert result == text.replace("}]}]", '}]}, {"id": "f-new", "name": "New"}]')
    assert _ids(result, "features") == ["a", "f-new"]


def test_an_empty_flow_features_list_on_the_last_line_becomes_a_block_list():
    assert append_feature("id: l\nfeatures: []", FEATURE) == "id: l\nfeatures:\n  - {id: f-new, name: New}"
    assert append_feature("id: l\nfeatures:", FEATURE) == "id: l\nfeatures:\n  - {id: f-new, name: New}"


def test_a_block_list_at_column_one_without_a_final_newline_keeps_its_style():
    text = "id: l\nfeatures:\n- id: a\n  name: A\n- id: b\n  name: B"
    assert append_feature(text, FEATURE) == text + "\n- {id: f-new, name: New}"


def test_items_separated_by_blank_lines_get_a_blank_line_before_the_new_one():
    text = "id: l\nfeatures:\n  - id: a\n    name: A\n\n  - id: b\n    name: B\n\n# end\nx-k: 1\n"
    assert append_feature(text, FEATURE) == text.replace("name: B\n", "name: B\n\n  - {id: f-new, name: New}\n")


def test_a_single_item_list_gets_no_blank_line():
    text = "id: l\n\nfeatures:\n  - id: a\n    name: A\nx-k: 1\n"
    assert append_feature(text, FEATURE) == text.replace("name: A\n", "name: A\n  - {id: f-new, name: New}\n")


def test_features_that_cannot_take_an_entry_are_refused_with_a_reason():
    with pytest.raises(EditError, match=r"^'features' is not a list$"):
        append_feature("id: l\nfeatures: 3\n", FEATURE)


def test_deleting_the_last_item_takes_its_blank_line_not_the_trailing_comment():
    text = "id: l\nfeatures:\n  - id: a\n    name: A\n\n  - id: b\n    name: B\n# tail\n"
    assert delete_feature(text, "b") == "id: l\nfeatures:\n  - id: a\n    name: A\n\n# tail\n"


def test_deleting_the_only_item_of_a_file_without_a_final_newline_leaves_an_empty_list():
    assert delete_feature("id: l\nfeatures:\n  - id: a", "a") == "id: l\nfeatures: []"
    assert delete_feature("id: l\nfeatures:\n  - id: a\n    name: A\nx-k: 1\n", "a") == "id: l\nfeatures: []\nx-k: 1\n"


def test_a_comment_indented_inside_an_item_is_part_of_it_one_at_the_dash_is_not():
    text = (
        "features:\n  - id: a\n    name: A\n    # about a, indented\n  # about b\n  - id: b\n"
        "    name: B\n  # trailing at dash\n\nx: 1\n"
    )
    spans = block_spans(text)
    assert (spans["a"].start, spans["a"].end, spans["a"].indent) == (1, 4, 2)
    assert (spans["b"].start, spans["b"].end, spans["b"].indent) == (5, 7, 2)


def test_replacing_keeps_the_comment_after_the_item():
    text = "features:\n  - id: a\n    name: A\n  # keep\n  - id: b\n"
    result = replace_feature(text, "a", {"id": "a", "name": "Z", "countries": ["BY", "UA"]})
    assert result == "features:\n  - id: a\n    name: Z\n    countries: [BY, UA]\n  # keep\n  - id: b\n"


def test_items_without_an_id_are_skipped_and_a_missing_feature_is_named():
    text = "id: l\nfeatures:\n  - [x]\n  - id: b\n"
    assert list(block_spans(text)) == ["b"]
    with pytest.raises(EditError, match=r"^feature 'x' is not in this file$"):
        read_feature(text, "x")
    with pytest.raises(EditError, match=r"^feature 'x' is not in this file$"):
        replace_feature(text, "x", FEATURE)


def test_a_feature_is_written_as_people_write_it():
    assert feature_to_flow({"id": "ü", "n": 1}) == '{"id": "ü", "n": 1}'
    long = "x" * 120
    assert feature_to_yaml({"id": "a", "point": [1.5, 2], "description": long}, 4) == (
        f"    - id: a\n      point: [1.5, 2]\n      description: {long}\n"
    )
    # a paragraph break in a text: the blank lines carry no trailing spaces, and it reads back the same
    feature = {"id": "a", "sources": [{"ref": "s", "locator": "p. 3"}], "description": "one\n\ntwo"}
    written = feature_to_yaml(feature, 2)
    assert written == "  - id: a\n    sources:\n    - {ref: s, locator: p. 3}\n    description: 'one\n\n\n      two'\n"
    assert read_feature("features:\n" + written, "a") == feature


def test_a_layer_written_as_one_flow_mapping_is_refused_not_broken():
    text = "{id: l, name: L, features: []}\n"
    with pytest.raises(EditError, match=r"^the layer is written inline"):
        append_feature(text, FEATURE)
    # an empty list with only a comment after it is still a block context
    assert append_feature("id: l\nfeatures: []  # none\n", FEATURE) == "id: l\nfeatures:  # none\n  - {id: f-new, name: New}\n"
