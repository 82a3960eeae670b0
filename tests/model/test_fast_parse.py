"""The fast reader gives exactly what the precise reader gives, or gives up.

Every case is read both ways and compared as plain data (layer, features with their
geometry, origins and values, sources, problems with their positions); where the fast reader
does not know where a source reference is written, its locator must find the precise position.
"""

from __future__ import annotations

import random
import textwrap
from pathlib import Path

import pytest

from influencemap.model.feature_table import FeatureTable
from influencemap.model.file_result import from_plain, to_plain
from influencemap.model.loader import _GazetteerSource, read_file

SOURCES = "sources:\n  - {id: doc-a, title: A}\n  - {id: doc-b, title: B}\n"

HEAD = "id: test\nname: Test\n"


def read_both(text: str, tmp_path: Path | None = None):
    data = text.encode("utf-8") if isinstance(text, str) else text
    gazetteer = _GazetteerSource(None)
    path = (tmp_path or Path("/nonexistent")) / "l.yaml"
    fast = read_file(str(path), data, gazetteer, path, fast=True)
    precise = read_file(str(path), data, gazetteer, path, fast=False)
    used_fast = fast.entry_lines is not None
    return fast, precise, used_fast, data


def plain(result) -> tuple:
    """The result as plain data, with where references are written left out (compared apart)."""
    data = list(to_plain(result))
    columns = list(data[4])
    data[4] = tuple(columns[:-1])
    data[5] = None  # entry lines: only the fast reader records them
    return tuple(data)


def assert_same(text: str, *, fast_expected: bool | None = None) -> None:
    fast, precise, used_fast, data = read_both(text)
    if fast_expected is not None:
        assert used_fast is fast_expected, "the fast reader should " + ("" if fast_expected else "not ") + "be used"
    if not used_fast:
        return
    assert plain(fast) == plain(precise)
    assert list(fast.features) == list(precise.features)  # a table's Feature objects too, once built
    assert len(fast.refs) == len(precise.refs)
    for index, (fast_refs, precise_refs) in enumerate(zip(fast.refs, precise.refs)):
        assert [r for r, _ in fast_refs] == [r for r, _ in precise_refs]
        for ref_index, ((_, fast_origin), (_, precise_origin)) in enumerate(zip(fast_refs, precise_refs)):
            if fast_origin is None:
                from influencemap.model.entry_locator import ref_locator

                fast_origin = ref_locator(fast, lambda: data)(index, ref_index)
            assert fast_origin == precise_origin


def layer(features: str, head: str = HEAD) -> str:
    return head + SOURCES + "features:\n" + textwrap.dedent(features)


# -- the fast reader is used, and agrees --------------------------------------------------------

FAST_CASES = {
    "block": """\
        - id: a
          name: A point
          point: [27.56, 53.9]
          countries: [BY]
          sources: [doc-a]
        """,
    "flow entries": """\
        - {id: a, name: A, point: [27.56, 53.9], countries: [BY], sources: [doc-a]}
        - {id: b, name: B, point: {lon: 27.5, lat: 53.8}, sources: [{ref: doc-b, locator: p. 4}]}
        """,
    "entries at column 1": "- id: a\n  name: A\n  point: [27.5, 53.9]\n  sources: [doc-a]\n",
    "yaml 1.1 surprises": """\
        - id: a
          name: 2021
          point: [10.75, 59.91]
          countries: [NO, no]
          date: 2013-05-20
          figures: [{label: Loan, value: 1.18e9, unit: USD}, {label: n, value: '12', unit: ''}]
          sources: [doc-a]
        """,
    "dates and spans": """\
        - {id: a, name: A, point: [27.5, 53.9], start: 2015, end: 2019-06, sources: [doc-a]}
        - {id: b, name: B, point: [27.5, 53.9], start: 2021, sources: [doc-a]}
        - {id: c, name: C, point: [27.5, 53.9], date: '2020-02-29', sources: [doc-a]}
        """,
    "comments and blank lines": """\
        # first
        - id: a   # the id

          name: A
        # between
          point: [27.5, 53.9]
          sources: [doc-a]
        -   # the mapping starts on the next line
          id: b
          name: B
          point: [27.5, 53.9]
          sources: [doc-a]
        """,
    "quoted and multi-line text": """\
        - id: a
          name: "Quoted \\u00e9 name"
          description: >
            A folded
            description.
          point: [27.5, 53.9]
          tags: ['it''s', "two\\nlines", plain text]
          actors: [CN, Belarus]
          sources:
            - ref: doc-a
              quote: |
                Literal
                quote.
        - id: b
          name: Plain
            continued
          description: |-
            kept
          point: ["27.5", " 53.9 "]
          sources: [doc-a]
        """,
    "user keys": """\
        - id: a
          name: A
          point: [27.5, 53.9]
          sources: [doc-a]
          x-note: checked twice
          x-count: 3
          x-share: 0.25
          x-list: [1, two, 3.5]
          x-map: {a: 1, b: text}
          x-empty:
        """,
    "lines and polygons": """\
        - id: a
          name: A line
          line: [[27.5, 53.9], [28.0, 54.1], [30.5, 50.4]]
          sources: [doc-a]
        - id: b
          name: A polygon
          polygon: [[27, 53], [28, 53], [28, 54], [27, 53]]
          precision: region
          sources: [doc-a]
        """,
    "place names": """\
        - {id: a, name: A, point: Minsk, sources: [doc-a]}
        - {id: b, name: B, point: 'Brest, BY', sources: [doc-a]}
        - {id: c, name: C, line: [Minsk, Kyiv], sources: [doc-a]}
        """,
    "ambiguous place warns": "- {id: a, name: A, point: Brest, sources: [doc-a]}\n",
    "points outside their countries warn": """\
        - id: a
          name: Swapped
          point: [53.90, 27.56]
          countries: [BY]
          sources: [doc-a]
        - {id: b, name: At sea, point: [30.0, 43.0], countries: [UA], sources: [doc-a]}
        - id: c
          name: a quoted key
          "point" : [27.56, 53.9]
          countries: [KZ]
          sources: [doc-a]
        - point: [27.56, 53.9]
          id: d
          name: D
          countries: [KZ]
          sources: [doc-a]
        """,
    "number literals": """\
        - id: a
          name: A
          point: [27.123456789012345678901, 53.90000000000000213]
          figures:
            - {label: max, value: 1.7976931348623157e308}
            - {label: tiny, value: 5e-324}
            - {label: exponent, value: 0.1e1}
            - {label: digits, value: 123456789012345678901234567890}
            - {label: signed, value: -0.0}
            - {label: text, value: '1_000.5'}
            - {label: int, value: 9007199254740993}
          sources: [doc-a]
        - {id: b, name: B, point: [-179.99999999999997, -89.999999999999986], sources: [doc-a]}
        - {id: c, name: C, point: [1e-7, 2.5E+1], sources: [doc-a]}
        """,
    "dating": """\
        - {id: a, name: A, point: [27.5, 53.9], date: 2021-01, dating: inferred, sources: [doc-a]}
        - {id: b, name: B, point: [27.5, 53.9], start: 2023-02-24, end: 2023-03, dating: approximate, sources: [doc-a]}
        - {id: c, name: C, point: [27.5, 53.9], date: 2020, dating: stated, sources: [doc-a]}
        - {id: d, name: D, point: [27.5, 53.9], date: 2020, sources: [doc-a]}
        """,
    "empty optional text": """\
        - {id: a, name: A, point: [27.5, 53.9], description: '', sources: [doc-a]}
        - {id: b, name: B, point: [27.5, 53.9], description: null, sources: [doc-a]}
        - {id: c, name: C, point: [27.5, 53.9], description: , sources: [doc-a]}
        """,
}


@pytest.mark.parametrize("name", list(FAST_CASES))
def test_fast_reader_agrees_with_the_precise_one(name):
    assert_same(layer(FAST_CASES[name]), fast_expected=True)


def test_multi_part_geometries_read_the_same_both_ways():
    assert_same(layer(MULTI_PART), fast_expected=True)
    fast, precise, _, _ = read_both(layer(MULTI_PART))
    assert not precise.problems
    shapes = {f.id: f.geometry for f in precise.features}
    kinds = {f.id: f.kind.value for f in precise.features}
    assert shapes["mp"].geom_type == "MultiPoint" and len(shapes["mp"].geoms) == 2 and kinds["mp"] == "point"
    assert shapes["ml"].geom_type == "MultiLineString" and kinds["ml"] == "line"
    assert shapes["holed"].geom_type == "Polygon" and len(shapes["holed"].interiors) == 1
    assert shapes["mpoly"].geom_type == "MultiPolygon" and kinds["mpoly"] == "polygon"
    assert [len(p.interiors) for p in shapes["mpoly"].geoms] == [0, 1]
    assert shapes["holed"].area == pytest.approx(4 - 0.125)


def test_multi_part_shapes_survive_the_load_cache_columns():
    from influencemap.model.feature_table import FeatureTable
    from influencemap.model.file_result import _build_features, _plain_columns

    _, precise, _, _ = read_both(layer(MULTI_PART))
    columns = _plain_columns(precise)
    assert columns["kinds"][:4] == [3, 1, 2, 2]  # a multipoint has its own code: its parts are not in 'points'
    table = FeatureTable(list(columns.values()), "l.yaml", lambda t: _build_features(t, "test"), packed=False)
    rebuilt = _build_features(table, "test")
    assert [f.geometry.wkt for f in rebuilt] == [f.geometry.wkt for f in precise.features]
    assert [f.kind for f in rebuilt] == [f.kind for f in precise.features]


def test_warnings_come_out_identical():
    fast, precise, used_fast, _ = read_both(layer(FAST_CASES["points outside their countries warn"]))
    assert used_fast
    assert [p.format() for p in fast.problems] == [p.format() for p in precise.problems]
    assert any("swapping longitude and latitude" in p.message for p in fast.problems)


def test_layer_defaults_and_sources_after_the_features():
    text = (
        "id: test\nname: Test\ndefaults:\n  sources: [doc-a]\n  countries: [BY]\n  date: 2020\n"
        "  precision: city\n  dating: inferred\n  description: shared\n  tags: [t]\nfeatures:\n"
        "  - {id: a, name: A, point: [27.5, 53.9]}\n"
        "  - {id: s, name: S, point: [27.5, 53.9], dating: stated}\n"
        "  - {id: b, name: B, point: [27.5, 53.9], start: 2019, countries: [PL], description: own}\n"
        "  - {id: c, name: C, point: [27.5, 53.9], sources: [doc-b], tags: []}\n"
        "style: {color: '#123456', marker: star}\n" + SOURCES
    )
    assert_same(text, fast_expected=True)


# -- it gives up where it cannot be sure -------------------------------------------------------

MULTI_PART = """\
    - id: mp
      name: Offices
      multipoint: [[27.56, 53.9], [30.52, 50.45]]
      sources: [doc-a]
    - id: ml
      name: Two routes
      multiline:
        - [[27.56, 53.9], [30.52, 50.45]]
        - [{lon: 76.9, lat: 43.2}, [87.6, 43.8], [90, 44]]
      sources: [doc-a]
    - id: holed
      name: Park with a lake
      polygon:
        - [[27, 53], [29, 53], [29, 55], [27, 55], [27, 53]]
        - [[27.5, 53.5], [28, 53.5], [28, 54]]
      sources: [doc-a]
    - id: mpoly
      name: Two zones
      multipolygon:
        - [[20, 40], [21, 40], [21, 41]]
        - [[[30, 40], [34, 40], [34, 44], [30, 44]], [[31, 41], [32, 41], [32, 42]]]
      sources: [doc-b]
    - {id: flow, name: Flow, multipolygon: [[[[1, 1], [2, 1], [2, 2]]]], sources: [doc-a]}
    - id: dateline
      name: Across 180
      line: [[179.5, 65], [-179.5, 65.5]]
      sources: [doc-a]
    """

FILE_LEVEL_CASES = {
    "tab": "- {id: a, name: A,\tpoint: [27.5, 53.9], sources: [doc-a]}\n",
    "anchor and alias": "- &f {id: a, name: A, point: [27.5, 53.9], sources: [doc-a]}\n- *f\n",
    "tag": "- {id: a, name: !!str A, point: [27.5, 53.9], sources: [doc-a]}\n",
    "duplicate key": "- {id: a, name: A, name: B, point: [27.5, 53.9], sources: [doc-a]}\n",
    "syntax error": "- {id: a, name: A, point: [27.5, 53.9], sources: [doc-a]\n",
    "colon before a flow indicator": "- {id: a, name: A, point: [27.5, 53.9], description:, sources: [doc-a]}\n",
    "comment mark in text": "- {id: a, name: 'x #1', point: [27.5, 53.9], sources: [doc-a]}\n",
}

ENTRY_LEVEL_CASES = {
    "bare tilde": "- {id: a, name: ~, point: [27.5, 53.9], sources: [doc-a]}\n",
    "boolean as text": "- {id: a, name: true, point: [27.5, 53.9], sources: [doc-a]}\n",
    "float as text": "- {id: a, name: .5, point: [27.5, 53.9], sources: [doc-a]}\n",
    "unknown key": "- {id: a, name: A, pont: [27.5, 53.9], sources: [doc-a]}\n",
    "bad date": "- {id: a, name: A, point: [27.5, 53.9], date: 2019-02-30, sources: [doc-a]}\n",
    "unknown dating": "- {id: a, name: A, point: [27.5, 53.9], date: 2019, dating: guessed, sources: [doc-a]}\n",
    "out of range": "- {id: a, name: A, point: [190, 53.9], sources: [doc-a]}\n",
    "quoted-or-not user value": "- {id: a, name: A, point: [27.5, 53.9], sources: [doc-a], x-ok: 'yes', x-no: no}\n",
    "no sources": "- {id: a, name: A, point: [27.5, 53.9], sources: []}\n",
    "unknown place": "- id: a\n  name: A\n  point: Minks\n  sources: [doc-a]\n",
    "hole outside its polygon": "- {id: a, name: A, polygon: [[[27, 53], [28, 53], [28, 54]], [[30, 50], [31, 50], [31, 51]]], sources: [doc-a]}\n",
    "overlapping multipolygon parts": "- {id: a, name: A, multipolygon: [[[27, 53], [29, 53], [29, 55]], [[27.5, 53.2], [29.5, 53.2], [29.5, 55]]], sources: [doc-a]}\n",
    "multiline part of one position": "- {id: a, name: A, multiline: [[[27, 53], [28, 54]], [[27, 53], [27, 53]]], sources: [doc-a]}\n",
    "empty multipoint": "- {id: a, name: A, multipoint: [], sources: [doc-a]}\n",
    "multipoint outside its country": "- {id: a, name: A, multipoint: [[27.56, 53.9], [37.6, 55.75]], countries: [BY], sources: [doc-a]}\n",
    "two geometry keys": "- {id: a, name: A, point: [27.5, 53.9], multipoint: [[27.5, 53.9]], sources: [doc-a]}\n",
    "self-intersecting polygon": "- {id: a, name: A, polygon: [[27, 53], [28, 54], [28, 53], [27, 54]], sources: [doc-a]}\n",
}
GOOD_ENTRY = "- {id: ok, name: OK, point: [27.56, 53.9], countries: [BY], sources: [doc-a]}\n"


@pytest.mark.parametrize("name", list(FILE_LEVEL_CASES))
def test_fast_reader_gives_up_on_a_file_it_is_not_sure_of(name):
    assert_same(layer(FILE_LEVEL_CASES[name]), fast_expected=False)


@pytest.mark.parametrize("name", list(ENTRY_LEVEL_CASES))
def test_an_entry_it_is_not_sure_of_is_read_by_the_precise_reader(name):
    text = layer(GOOD_ENTRY + ENTRY_LEVEL_CASES[name] + GOOD_ENTRY.replace("id: ok", "id: ok2"))
    assert_same(text, fast_expected=True)


def test_flow_style_feature_list_and_crlf_go_to_the_precise_reader():
    assert_same(HEAD + SOURCES + "features: [{id: a, name: A, point: [27.5, 53.9], sources: [doc-a]}]\n", fast_expected=False)
    crlf = layer(FAST_CASES["block"]).replace("\n", "\r\n")
    assert_same(crlf, fast_expected=False)


def test_undefined_reference_is_found_where_the_precise_reader_finds_it(tmp_path):
    from influencemap.model.loader import load_catalog

    (tmp_path / "sources.yaml").write_text(SOURCES, encoding="utf-8")
    text = HEAD + "features:\n" + "".join(
        f"  - id: f{i}\n    name: F\n    point: [27.5, 53.9]\n    sources: [doc-a, {{ref: doc-zz, locator: x}}]\n"
        for i in range(3)
    )
    (tmp_path / "l.yaml").write_text(text, encoding="utf-8")
    fast = load_catalog([tmp_path], include_bundled_sources=False)
    slow = load_catalog([tmp_path], include_bundled_sources=False, use_cache=False)
    assert [p.format() for p in fast.problems] == [p.format() for p in slow.problems]
    assert fast.problems[0].format().endswith("l.yaml:7:28: error: undefined source 'doc-zz'; did you mean 'doc-b'?")
    assert read_both(text)[2], "the fast reader read it"


# -- generated layers --------------------------------------------------------------------------

SAFE_TEXTS = ["Project", "Ünïcödé name", "it's", "x#1", "1984", "2021-05", "NO", "line\\nbreak", "sector-3"]
USER_TEXTS = ["Project", "Ünïcödé name", "it's", "sector-3", "2021-05-01", "x#1"]
"""Text that YAML 1.1 reads as text whether quoted or not (``x-`` values keep YAML's types)."""
TRICKY_TEXTS = ["x #1", "1.5", ".5", "1.", "a: b", "50 %", "R&D", "yes", "  padded  ", "quote \"inside\"", "null", "Null", "~", "", "1e9",
                "0x1F", "-0", "0", "true"]
CODES = ["BY", "UA", "KZ", "CN", "PL", "DE", "NO", "no"]


def _scalar(rng: random.Random, text: str, flow: bool = False) -> str:
    style = rng.choice(["single", "double"] if flow else ["plain", "single", "double"])
    if flow:
        text = text.replace("\\n", " ")
    if style == "single":
        return "'" + text.replace("'", "''").replace("\\n", "\n      ") + "'"
    if style == "double":
        return '"' + text.replace('"', '\\"') + '"'
    return text


def generated_layer(seed: int, count: int = 12, tricky: bool | None = None) -> str:
    """A layer of ``count`` features in varied styles; with ``tricky`` texts, some that only the
    precise reader reads (or that are errors), by default for every third seed."""
    rng = random.Random(seed)
    tricky = seed % 3 == 2 if tricky is None else tricky
    texts = SAFE_TEXTS + (TRICKY_TEXTS if tricky else [])
    lines = [f"id: gen-{seed}", "name: Generated"]
    if rng.random() < 0.5:
        lines += ["defaults:", "  sources: [doc-a]", f"  countries: [{rng.choice(CODES)}]"]
    lines += SOURCES.splitlines()
    lines.append("features:")
    for i in range(count):
        flow = rng.random() < 0.3
        keys = [f"id: f{seed}-{i}", f"name: {_scalar(rng, rng.choice(texts), flow)}"]
        lon, lat = round(rng.uniform(20, 80), rng.randint(0, 5)), round(rng.uniform(40, 56), rng.randint(0, 5))
        keys.append(rng.choice([f"point: [{lon}, {lat}]", f"point: {{lon: {lon}, lat: {lat}}}", f"point: ['{lon}', {lat}]"]))
        if rng.random() < 0.6:
            keys.append(f"countries: [{', '.join(rng.sample(CODES, rng.randint(0, 2)))}]")
        if rng.random() < 0.5:
            keys.append(rng.choice([f"date: {rng.randint(1990, 2024)}", f"date: {rng.randint(1990, 2024)}-0{rng.randint(1, 9)}",
                                    f"start: {rng.randint(1990, 2000)}", f"start: 2001\n    end: {rng.randint(2001, 2024)}"]))
        if rng.random() < 0.5:
            keys.append(f"tags: [{', '.join(_scalar(rng, rng.choice(SAFE_TEXTS), True) for _ in range(rng.randint(0, 3)))}]")
        if rng.random() < 0.4:
            value = rng.choice(["1.18e9", "340000", "'12'", "0.5", "1_000"])
            keys.append(f"figures: [{{label: {_scalar(rng, 'Loan')}, value: {value}, unit: USD}}]")
        if rng.random() < 0.4:
            keys.append(f"description: {_scalar(rng, rng.choice(texts), flow)}")
        if rng.random() < 0.3:
            keys.append(f"precision: {rng.choice(['exact', 'site', 'city', 'region', 'country'])}")
        if rng.random() < 0.3:
            keys.append(f"dating: {rng.choice(['stated', 'inferred', 'approximate'])}")
        if rng.random() < 0.8 or "defaults:" not in lines:
            keys.append(rng.choice(["sources: [doc-a]", "sources: [doc-a, doc-b]", "sources: [{ref: doc-b, locator: p. 3}]"]))
        if rng.random() < 0.15:
            keys.append(f"x-extra: {_scalar(rng, rng.choice(texts if tricky else USER_TEXTS), flow)}")
        rng.shuffle(keys[2:])
        if flow:
            lines.append("  - {" + ", ".join(k.replace("\n    ", ", ") for k in keys) + "}")
        else:
            lines.append("  - " + keys[0])
            lines += ["    " + k for k in keys[1:]]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("seed", range(60))
def test_generated_layers_read_the_same_both_ways(seed):
    assert_same(generated_layer(seed))


def test_generated_layers_mostly_take_the_fast_path():
    used = [read_both(generated_layer(seed, tricky=False))[2] for seed in range(30)]
    assert sum(used) >= 25


MUTATIONS = list(":-[]{},#'\" \n|>&*!?%@`\t") + ["", "x", "0", "~"]


def test_single_character_mutations_never_make_the_readers_disagree():
    base = generated_layer(6, count=6, tricky=False)
    assert read_both(base)[2]
    rng = random.Random(2024)
    disagreements = []
    fast_used = 0
    for _ in range(400):
        at = rng.randrange(len(base))
        replacement = rng.choice(MUTATIONS)
        text = base[:at] + replacement + base[at + rng.choice([0, 1]):]
        fast, precise, used_fast, _ = read_both(text)
        if used_fast:
            fast_used += 1
            if plain(fast) != plain(precise):
                disagreements.append((at, replacement))
    assert disagreements == []
    assert fast_used > 50


# -- the cache's plain data --------------------------------------------------------------------


def test_plain_data_round_trip_keeps_everything():
    fast, precise, _, _ = read_both(layer(FAST_CASES["lines and polygons"] + FAST_CASES["user keys"].replace("id: a", "id: u")))
    for result in (fast, precise):
        back = from_plain(to_plain(result), result.path)
        assert list(back.features) == list(result.features)
        assert back.layer == result.layer
        assert back.refs == result.refs
        assert back.problems == result.problems
        assert back.sources == result.sources


def test_a_features_dating_reads_the_same_both_ways_and_defaults_to_stated():
    fast, precise, used_fast, _ = read_both(layer(FAST_CASES["dating"]))
    assert used_fast
    for result in (fast, precise):
        assert [f.dating for f in result.features] == ["inferred", "approximate", "stated", "stated"]
        back = from_plain(to_plain(result), result.path)
        assert [f.dating for f in back.features] == ["inferred", "approximate", "stated", "stated"]


def test_an_unknown_dating_is_an_error_naming_the_choices():
    _, precise, _, _ = read_both(layer(ENTRY_LEVEL_CASES["unknown dating"]))
    messages = [p.format() for p in precise.problems]
    assert any(":7:" in m and "dating" in m and "inferred" in m for m in messages), messages


def test_fast_reader_precisions_are_the_models():
    from influencemap.model.feature_rules import PRECISIONS  # the column validator checks by rules.precisions
    from influencemap.model.types import Precision

    assert PRECISIONS == {p.value for p in Precision}


def benchmark_like_layer(count: int) -> str:
    """Entries of the usual shape, as benchmarks/make_big_layer.py writes them."""
    rng = random.Random(count)
    entries = []
    for i in range(count):
        code, lon, lat = rng.choice([("BY", 27.56, 53.9), ("UA", 30.52, 50.45), ("CN", 104.0, 30.7)])
        entries.append(
            f"- id: p{i}\n  name: Project {i}\n  point: [{lon + rng.uniform(-3, 3):.5f}, {lat + rng.uniform(-2, 2):.5f}]\n"
            f"  date: {rng.randint(2005, 2023)}-{rng.randint(1, 12):02d}\n  countries: [{code}]\n"
            f"  tags: [loan, sector-{i % 7}]\n  figures: [{{label: Amount, value: {rng.randint(1, 900)}e6, unit: USD}}]\n"
            f"  precision: site\n  description: Synthetic project number {i}.\n"
            + (f"  dating: {('inferred', 'approximate')[i % 2]}\n" if i % 3 == 0 else "")
            + f"  sources: [{{ref: doc-a, locator: row {i}}}]\n"
        )
    return layer("".join(entries))


def test_many_usual_chunks_read_by_columns_come_out_as_the_precise_reader_reads_them(monkeypatch):
    from influencemap.model import fast_parse

    monkeypatch.setattr(fast_parse, "CHUNK_BYTES", 700)  # a chunk of a few entries: many chunks
    fast, precise, used_fast, _ = read_both(benchmark_like_layer(120))
    assert used_fast
    assert plain(fast) == plain(precise)
    assert [p.format() for p in fast.problems] == [p.format() for p in precise.problems]
    assert isinstance(fast.features, FeatureTable), "every chunk was read column by column"


# -- whole-file scans in slices (the app reads on a worker thread; its UI thread waits for the lock)


class _RecordingPattern:
    """A compiled pattern that notes how many bytes each ``search`` is handed."""

    def __init__(self, pattern) -> None:
        self.pattern = pattern
        self.spans: list[int] = []

    def search(self, string, pos=0, endpos=None):
        end = len(string) if endpos is None else min(endpos, len(string))
        self.spans.append(end - pos)
        return self.pattern.search(string, pos, len(string) if endpos is None else endpos)


def test_the_file_is_scanned_for_unprintable_characters_a_slice_at_a_time(monkeypatch):
    """One regex search over a 100,000-feature file (31 MB) held Python's lock for 0.3 s, the
    app's UI thread waiting (docs/performance.md, issue 14 branch ``stall``): no search may be
    handed much more than ``SCAN_BYTES``, and the file still reads as the precise reader reads it."""
    from influencemap.model import fast_parse

    monkeypatch.setattr(fast_parse, "SCAN_BYTES", 1000, raising=False)
    recorded = {name: _RecordingPattern(getattr(fast_parse, name)) for name in ("_NOT_PRINTABLE", "_WIDE_NOT_PRINTABLE")
                if hasattr(fast_parse, name)}
    for name, pattern in recorded.items():
        monkeypatch.setattr(fast_parse, name, pattern)
    text = benchmark_like_layer(80).replace("Synthetic project", "Проект «Минск» é")  # not ASCII: every check runs
    assert len(text.encode("utf-8")) > 20 * 1000
    fast, precise, used_fast, _ = read_both(text)
    assert used_fast
    assert plain(fast) == plain(precise)
    spans = [span for pattern in recorded.values() for span in pattern.spans]
    assert spans, "the scan ran"
    assert max(spans) <= 1000 + 2


@pytest.mark.parametrize("scan_bytes", [1, 2, 3, 5, 8, 1 << 20])
def test_the_sliced_scans_find_what_one_whole_scan_finds(monkeypatch, scan_bytes):
    from influencemap.model import fast_parse

    monkeypatch.setattr(fast_parse, "SCAN_BYTES", scan_bytes)
    pieces = [b"a", b" ", b"\n", b"\x00", b"\x08", b"\x0b", b"\x1f", b"\x7f", b"\x80", b"\x85", b"\x9f", b"\xc2",
              b"\xef", b"\xbf", b"\xbe", b"\xc3\xa9", b"\xc2\x85", b"\xc2\x84", b"\xef\xbf\xbe", b"\xef\xbf\xbd", b"[", b"}", b"#"]
    rng = random.Random(scan_bytes)
    found = 0
    for _ in range(3000):
        data = b"".join(rng.choice(pieces) if rng.random() < 0.4 else b"x" for _ in range(rng.randint(0, 14)))
        expected = fast_parse._NOT_PRINTABLE.search(data) is not None
        assert fast_parse._has_unprintable(data) is expected, data
        found += expected
        start = rng.randint(0, len(data))
        end = rng.randint(start, len(data))
        assert fast_parse._translated(data, start, end, fast_parse._FLOW_CODES) == data[start:end].translate(fast_parse._FLOW_CODES)
    assert 300 < found < 2700
