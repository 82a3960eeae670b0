"""A new source goes into the layer's own sources, keeping every other byte; form values merge
into the feature as written; a broken file keeps its last good layer."""

from __future__ import annotations

from pathlib import Path

from influencemap.editing.feature_values import merge_feature, suggest_id
from influencemap.editing.last_good import LastGoodLayers, is_stale_warning
from influencemap.editing.layer_file import LayerEditor, LayerText
from influencemap.editing.yaml_text import append_source, read_feature
from influencemap.model.loader import load_catalog
from influencemap.model.yaml_nodes import compose

HEAD = "# notes stay\nid: loans\nname: Loans   # comment\n"
FEATURES = "features:\n  - id: first\n    name: First\n    point: [27.56, 53.9]\n    sources: [doc-a]\n"
NEW = {"id": "doc-new", "title": "A new report", "url": "https://example.org/new"}
NEW_LINE = "  - {id: doc-new, title: A new report, url: 'https://example.org/new'}\n"


def source_ids(text: str) -> list[str]:
    return [item.get("id").value for item in compose(text).get("sources").value]


def test_a_new_source_is_appended_to_a_block_sources_list():
    text = HEAD + "sources:\n  - id: doc-a   # the main one\n    title: A report\n" + FEATURES
    result = append_source(text, NEW)
    assert source_ids(result) == ["doc-a", "doc-new"]
    assert result == HEAD + "sources:\n  - id: doc-a   # the main one\n    title: A report\n" + NEW_LINE + FEATURES


def test_a_new_source_joins_a_flow_list_or_turns_an_empty_one_into_a_block():
    flow = HEAD + "sources: [{id: doc-a, title: A report}]\n" + FEATURES
    assert source_ids(append_source(flow, NEW)) == ["doc-a", "doc-new"]
    empty = HEAD + "sources: []\n" + FEATURES
    result = append_source(empty, NEW)
    assert source_ids(result) == ["doc-new"]
    assert result == HEAD + "sources:\n" + NEW_LINE + FEATURES


def test_a_layer_without_sources_gets_the_key_right_before_features():
    result = append_source(HEAD + FEATURES, NEW)
    assert result == HEAD + "sources:\n" + NEW_LINE + FEATURES


def test_add_feature_with_a_new_source_is_one_valid_write(tmp_path: Path):
    path = tmp_path / "loans.yaml"
    path.write_text(HEAD + "sources: [{id: doc-a, title: A report}]\n" + FEATURES, encoding="utf-8")
    editor = LayerEditor([path])
    feature = {"id": "second", "name": "Second", "point": [30.5, 50.4], "sources": ["doc-new"]}
    editor.add_feature(LayerText.read(path), feature, NEW)
    catalog = load_catalog([path])
    assert not catalog.errors
    assert catalog.find_feature("second").citations[0].ref == "doc-new"
    assert len(editor.history) == 1


def test_read_feature_keeps_dates_and_norway_as_text():
    text = HEAD + "features:\n  - id: oslo\n    name: Oslo\n    point: [10.7, 59.9]\n    date: 2013-05-20\n    countries: [NO]\n    sources: [doc-a]\n"
    assert read_feature(text, "oslo") == {
        "id": "oslo", "name": "Oslo", "point": [10.7, 59.9], "date": "2013-05-20", "countries": ["NO"], "sources": ["doc-a"],
    }


def test_merge_feature_keeps_unknown_keys_and_the_place_of_replaced_ones():
    original = {"id": "a", "name": "A", "point": "Minsk", "date": "2020", "actors": ["X"], "x-note": "mine", "sources": ["d"]}
    values = {"id": "a", "name": "B", "point": None, "line": [[1, 2], [3, 4]], "date": None, "start": "2019",
              "end": None, "countries": ["BY"], "tags": None, "precision": None, "description": None, "sources": ["d"]}
    merged = merge_feature(original, values)
    assert list(merged) == ["id", "name", "line", "start", "actors", "x-note", "sources", "countries"]
    assert merged["name"] == "B" and merged["actors"] == ["X"] and merged["x-note"] == "mine"


def test_suggest_id_folds_letters_and_avoids_taken_ids():
    assert suggest_id("Port of Gdańsk (Łódź)") == "port-of-gdansk-lodz"
    assert suggest_id("Great Stone", {"great-stone", "great-stone-2"}) == "great-stone-3"
    assert suggest_id("???") == "feature"


def test_a_broken_file_keeps_its_last_good_layer_and_says_so(tmp_path: Path):
    path = tmp_path / "loans.yaml"
    path.write_text(HEAD + "sources: [{id: doc-a, title: A report}]\n" + FEATURES, encoding="utf-8")
    memory = LastGoodLayers()
    good = memory.merge(load_catalog([path]))
    assert good.find_feature("first") is not None
    path.write_text(HEAD + "features: [oops\n", encoding="utf-8")
    broken = load_catalog([path])
    assert broken.find_feature("first") is None and broken.errors
    shown = memory.merge(broken)
    assert shown.find_feature("first") is not None
    assert "doc-a" in shown.sources
    assert any(is_stale_warning(p) and p.origin.path == str(path) for p in shown.warnings)
    assert shown.errors == broken.errors
    path.unlink()
    assert memory.merge(load_catalog([tmp_path])).find_feature("first") is None
