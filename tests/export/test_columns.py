"""The column-by-column form of the HTML export's feature lists (influencemap.export.columns).

Round trips through JSON text, as the page reads it; what the browser's decoder makes of the same
nodes is checked in test_html_browser.py.
"""

from __future__ import annotations

import json

import pytest

from influencemap.export.columns import decode_rows, encode_rows


def through_json(values: list) -> tuple[dict, list]:
    node = json.loads(json.dumps(encode_rows(values), ensure_ascii=False))
    return node, decode_rows(node, len(values))


def same_json(a, b) -> bool:
    """Equal as JSON text: 1, 1.0 and True differ, and so does key order."""
    return json.dumps(a, ensure_ascii=False) == json.dumps(b, ensure_ascii=False)


CASES = {
    "scalars of every kind": [1, 1.0, True, None, "1", -0.0, 0.0, 2.5e300, "", "\u2028<&>"],
    "one value repeated": ["site"] * 20,
    "few distinct values": ["loan", "grant", "loan", "loan", "grant", "loan"] * 5,
    "numbers that look alike": [1, 1.0, True, 1, 1.0, True, 0, False, 0.0] * 3,
    "lists of different lengths": [[1, 2], [], [3], [1, 2], [4, 5, 6]],
    "lists of lists": [[[1.5, 2.5], [3.5, 4.5]], [[5.5, 6.5]], []],
    "objects with missing keys": [{"a": 1}, {"b": 2}, {"a": 1, "b": [1]}, {}, {"c": None}],
    "objects with keys in another order": [{"a": 1, "b": 2}, {"b": 3, "a": 4}],
    "objects in lists": [
        [{"ref": "s", "locator": "row 1"}],
        [{"ref": "s"}, {"ref": "t", "quote": "“a” <b>"}],
        [],
    ],
    "a mix of kinds": [None, [1], {"a": 1}, "x", [1], None, 3],
    "a key that is special in JavaScript": [{"__proto__": {"x": 1}}, {"__proto__": None, "constructor": 2}],
    "empty": [],
}


@pytest.mark.parametrize("values", CASES.values(), ids=CASES.keys())
def test_round_trip_gives_the_values_back(values):
    _, back = through_json(values)
    assert len(back) == len(values)
    for got, given in zip(back, values):
        assert got == given
        if not isinstance(given, dict):  # objects may come back with their keys reordered
            assert same_json(got, given)


def test_geojson_features_round_trip_exactly():
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [20.0 + i * 0.01, 50.12345]},
            "properties": {
                "id": f"p{i}",
                "name": f"Project {i}",
                "countries": ["BY"] if i % 3 else ["BY", "UA"],
                "start": f"20{10 + i % 5}-01",
                **({"end": f"20{10 + i % 5}-12"} if i % 2 else {}),
                "tags": ["loan"],
                "figures": [{"label": "Amount", "value": i * 1e6, "unit": "USD"}],
                "sources": [{"ref": "synthetic", "locator": f"row {i}"}],
            },
            **({"display": {"dates": "2010"}} if i % 4 == 0 else {}),
        }
        for i in range(200)
    ]
    features.append({"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[1, 2], [3.5, 4]]}, "properties": {"id": "l"}})
    _, back = through_json(features)
    assert same_json(back, features)


def test_repetition_is_written_once():
    rows = [{"precision": "site", "unit": "USD", "kind": k, "n": i} for i, k in enumerate(["loan", "grant"] * 500)]
    node, _ = through_json(rows)
    columns = {entry[0]: entry[1] for entry in node["o"]}
    assert columns["precision"] == {"c": "site"} and columns["unit"] == {"c": "USD"}
    assert columns["kind"] == {"d": ["loan", "grant"], "i": [0, 1] * 500}
    assert columns["n"] == {"v": list(range(1000))}
    text = json.dumps(node, separators=(",", ":"))
    assert text.count("site") == 1 and text.count("precision") == 1
    assert len(text) < len(json.dumps(rows, separators=(",", ":"))) / 3


def test_a_key_missing_from_some_rows_has_a_presence_column():
    node, back = through_json([{"a": 1, "end": "2019"}, {"a": 2}, {"a": 3, "end": "2020"}])
    (_, end_column, presence) = next(entry for entry in node["o"] if entry[0] == "end")
    assert decode_rows(presence, 3) == [1, 0, 1]
    assert decode_rows(end_column, 2) == ["2019", "2020"]
    assert "end" not in back[1]


def test_rows_never_share_a_list_or_an_object():
    back = decode_rows(encode_rows([{"tags": ["a"], "f": {"x": 1}}] * 3), 3)
    back[0]["tags"].append("b")
    back[0]["f"]["x"] = 2
    assert back[1] == back[2] == {"tags": ["a"], "f": {"x": 1}}


def test_an_unknown_node_is_refused():
    with pytest.raises(ValueError, match="not a column node"):
        decode_rows({"zz": []}, 1)
