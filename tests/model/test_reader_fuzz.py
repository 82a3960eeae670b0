"""Both YAML readers on layer texts mutated with what YAML parsers read differently (issue 14).

A bounded, seeded run: real layer texts — the bundled layers the fast reader takes and small
generated ones — each get one or two edits from a list of the constructs where rapidyaml (the
fast reader) and libyaml (the precise reader) have been found to differ, or could: flow
collections split over lines (a key and its ``:`` on different lines), special floats in every
spelling, control characters raw and escaped, quoting styles, comments, indicators, anchors and
aliases, document markers, long keys and lines, keys over two lines, tabs, CR line ends. Every
mutant is read both ways: neither may raise or hit the last-resort handler, every problem is one
``FILE:LINE:COL: message`` line, and where the fast reader takes the file its result must be the
precise reader's, problems and positions included.

The run is the same every time; ``INFLUENCEMAP_READER_FUZZ_CASES`` changes its size and
``INFLUENCEMAP_READER_FUZZ_REPORT=FILE`` writes its counts as JSON (docs/reliability.md).
"""

from __future__ import annotations

import json
import os
import random
import re
from collections import Counter
from pathlib import Path

import pytest

from influencemap.model.fast_columns import SPECIAL_FLOATS
from influencemap.paths import bundled_layers_dir
from tests.model.test_fast_parse import assert_same, generated_layer, layer, plain, read_both

SEED = 14
CASES = int(os.environ.get("INFLUENCEMAP_READER_FUZZ_CASES", "1200"))

SPECIAL = ["nan", "NaN", ".NaN", ".nan", "NAN", "inf", "-inf", "+inf", ".Inf", "-.INF", "+.inf", "Infinity",
           "-Infinity", "infinity", "iNf", ".nAn"]
CONTROLS = ["\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1b", "\x7f", "\x80", "\x85", "\x9f", "\u2028", "\u2029",
            "\ufeff", "\ufffe", "\uffff", "\u00a0", "\u200b"]
ESCAPES = ["\\b", "\\x7f", "\\x85", "\\u0085", "\\e", "\\0", "\\a", "\\v", "\\N", "\\_", "\\L", "\\P", "\\/",
           "\\t", "\\ ", "\\U0001F600", "\\uFFFE", "\\x08", "\\\"", "\\\\"]
INDICATORS = list("-?:,[]{}#&*!|>'\"%@`")
MARKERS = ["---", "...", "--- # doc", "%YAML 1.2\n---", "--- |\n  text", "... # end"]


# -- where to edit -----------------------------------------------------------------------------


def _entry_lines(lines: list[str]) -> list[int]:
    """The lines of the ``features:`` entries (edits there reach the fast reader's own parsing)."""
    try:
        start = lines.index("features:") + 1
    except ValueError:
        return list(range(len(lines)))
    return [i for i in range(start, len(lines)) if lines[i].strip()] or list(range(len(lines)))


def _value_span(line: str) -> tuple[int, int] | None:
    """Where the value after a block key (``key: value``) is, if the line has one."""
    match = re.match(r"( *(?:- )?[A-Za-z0-9_-]+: )(.+)$", line)
    return (match.end(1), len(line)) if match else None


def _flow_spans(line: str) -> list[tuple[int, int]]:
    """Outermost ``[...]``/``{...}`` spans on the line (by bracket count: good enough to aim)."""
    spans, depth, start = [], 0, 0
    for at, char in enumerate(line):
        if char in "[{":
            if depth == 0:
                start = at
            depth += 1
        elif char in "]}" and depth:
            depth -= 1
            if depth == 0:
                spans.append((start, at))
    return spans


def _indent(line: str) -> str:
    return " " * (len(line) - len(line.lstrip(" ")))


# -- the mutations -----------------------------------------------------------------------------


def split_flow(rng: random.Random, lines: list[str], i: int) -> bool:
    """A flow collection split over lines: at a random place inside it, just before a ':' (the
    key and its ':' on different lines), inside a key, or after a comma with a comment."""
    spans = _flow_spans(lines[i])
    if not spans:
        return False
    start, end = rng.choice(spans)
    line = lines[i]
    colons = [m.start() for m in re.finditer(r":", line[start:end])]
    how = rng.randrange(4)
    if how == 0 and colons:
        at = start + rng.choice(colons)
    elif how == 1 and colons:
        at = start + rng.choice(colons)
        at = max(start + 1, at - rng.randint(1, 3))
    else:
        at = rng.randint(start + 1, end)
    continuation = _indent(line) + " " * rng.choice([0, 1, 2, 4, 6])
    if how == 3:
        continuation = continuation + "# a comment\n" + continuation
    lines[i] = line[:at] + "\n" + continuation + line[at:].lstrip(" ")
    return True


def special_float(rng: random.Random, lines: list[str], i: int) -> bool:
    """A special float (any spelling) as a value or a flow item, plain or quoted."""
    word = rng.choice(SPECIAL)
    word = rng.choice([word, word, f"'{word}'", f'"{word}"', f" {word} "])
    span = _value_span(lines[i])
    spans = _flow_spans(lines[i])
    if spans and rng.random() < 0.5:
        start, end = rng.choice(spans)
        items = lines[i][start + 1 : end].split(",")
        k = rng.randrange(len(items))
        head = items[k].split(": ")[0] + ": " if ": " in items[k] and rng.random() < 0.5 else ""
        items[k] = " " + head.lstrip() + word
        lines[i] = lines[i][: start + 1] + ",".join(items).lstrip() + lines[i][end:]
        return True
    if span is None:
        return False
    lines[i] = lines[i][: span[0]] + word
    return True


def control(rng: random.Random, lines: list[str], i: int) -> bool:
    """A character YAML forbids, or one that is only just allowed, raw at a random place."""
    at = rng.randint(0, len(lines[i]))
    lines[i] = lines[i][:at] + rng.choice(CONTROLS) + lines[i][at:]
    return True


def escape(rng: random.Random, lines: list[str], i: int) -> bool:
    """A double-quoted value holding an escape (``\\b``, ``\\x7f``, ``\\N``, ``\\e``, ...)."""
    span = _value_span(lines[i])
    if span is None:
        return False
    text = lines[i][span[0] :].strip("'\"")
    at = rng.randint(0, len(text))
    lines[i] = lines[i][: span[0]] + '"' + text[:at] + rng.choice(ESCAPES) + text[at:] + '"'
    return True


def requote(rng: random.Random, lines: list[str], i: int) -> bool:
    """The value written in another style: plain, single or double quoted, literal or folded."""
    span = _value_span(lines[i])
    if span is None:
        return False
    value = lines[i][span[0] :]
    bare = value[1:-1] if len(value) > 1 and value[0] == value[-1] and value[0] in "'\"" else value
    style = rng.randrange(5)
    if style == 0:
        new = bare
    elif style == 1:
        new = "'" + bare.replace("'", "''") + "'"
    elif style == 2:
        new = '"' + bare.replace("\\", "\\\\").replace('"', '\\"') + '"'
    else:
        new = rng.choice(["|", ">", "|-", ">-", "|+", "|2"]) + "\n" + _indent(lines[i]) + "    " + bare
    lines[i] = lines[i][: span[0]] + new
    return True


def comment(rng: random.Random, lines: list[str], i: int) -> bool:
    """A comment: at the line's end, with or without a space before '#', or a line of its own."""
    how = rng.randrange(4)
    if how == 0:
        lines[i] += rng.choice([" # note", "  #", " #: x", " # [", " # {a: b}"])
    elif how == 1:
        at = rng.randint(0, len(lines[i]))
        lines[i] = lines[i][:at] + rng.choice(["#", " #", "# ", " # x"]) + lines[i][at:]
    else:
        lines.insert(i, " " * rng.randint(0, 8) + "# " + rng.choice(["comment", "- a: b", "{x", "'"]))
    return True


def indicator(rng: random.Random, lines: list[str], i: int) -> bool:
    at = rng.randint(0, len(lines[i]))
    lines[i] = lines[i][:at] + rng.choice(INDICATORS) + rng.choice(["", " "]) + lines[i][at:]
    return True


def anchor(rng: random.Random, lines: list[str], i: int) -> bool:
    """An anchor on a value, an alias to it later, or an alias to nothing."""
    span = _value_span(lines[i])
    if span is None:
        return False
    name = rng.choice(["a", "x1", "same"])
    lines[i] = lines[i][: span[0]] + f"&{name} " + lines[i][span[0] :]
    later = [j for j in range(i + 1, len(lines)) if _value_span(lines[j])]
    if later and rng.random() < 0.7:
        j = rng.choice(later)
        lines[j] = lines[j][: _value_span(lines[j])[0]] + f"*{name}"  # type: ignore[index]
    return True


def document_marker(rng: random.Random, lines: list[str], i: int) -> bool:
    marker = rng.choice(MARKERS)
    if rng.random() < 0.3:
        lines.insert(0, marker)
    else:
        lines.insert(i, rng.choice(["", _indent(lines[i])]) + marker)
    return True


def long_text(rng: random.Random, lines: list[str], i: int) -> bool:
    """A key or value around libyaml's 1024-character limit on keys, or a long flow line."""
    size = rng.choice([990, 1000, 1010, 1020, 1024, 1025, 1030, 1100, 3000])
    how = rng.randrange(3)
    indent = _indent(lines[i])
    if how == 0:
        lines.insert(i + 1, indent + "x-" + "k" * size + ": v")
    elif how == 1:
        span = _value_span(lines[i])
        if span is None:
            return False
        lines[i] = lines[i][: span[0]] + rng.choice(["", "'", '"']) * 0 + "w " * (size // 2) + rng.choice(["", ": x", " #c"])
    else:
        key = "k" * size
        lines.insert(i + 1, indent + rng.choice([f"x-f: {{{key}: 1}}", f"x-f: [{key}: 1]", f'x-f: {{"{key}": 1}}',
                                                 f"sources: [{{ref: doc-a, x-{key}: 1}}]"]))
    return True


def multi_line_key(rng: random.Random, lines: list[str], i: int) -> bool:
    """A block key written over two lines (plain or quoted)."""
    match = re.match(r"( *(?:- )?)([A-Za-z0-9_-]{2,}): ", lines[i])
    if match is None:
        return False
    key = match.group(2)
    at = rng.randint(1, len(key) - 1)
    quote = rng.choice(["", '"', "'"])
    rest = lines[i][match.end(2) :]
    lines[i] = match.group(1) + quote + key[:at] + "\n" + _indent(lines[i]) + "  " + key[at:] + quote + rest
    return True


def tab_or_cr(rng: random.Random, lines: list[str], i: int) -> bool:
    at = rng.randint(0, len(lines[i]))
    lines[i] = lines[i][:at] + rng.choice(["\t", "\r", " \t"]) + lines[i][at:]
    return True


MUTATIONS = [split_flow, special_float, control, escape, requote, comment, indicator, anchor, document_marker,
             long_text, multi_line_key, tab_or_cr]


DECLINED = (split_flow, anchor, tab_or_cr)
"""Edits that always make the fast reader leave the file to the precise one: flow collections
over several lines, anchors and aliases, tabs and CR line ends."""


def mutate(rng: random.Random, text: str) -> tuple[str, list[str]]:
    lines = text.split("\n")
    done = []
    for _ in range(rng.choice([1, 1, 1, 2])):
        for _attempt in range(10):
            mutation = rng.choice(MUTATIONS)
            if mutation(rng, lines, rng.choice(_entry_lines(lines))):
                done.append(mutation.__name__)
                break
    return "\n".join(lines), done


def bases() -> list[tuple[str, str]]:
    """Layer texts the fast reader takes as they are: bundled layers and generated ones, with
    flow-style entries too (the constructs that differ live in flow collections)."""
    found = []
    for path in sorted(bundled_layers_dir().glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        if read_both(text)[2]:
            found.append((path.name, text))
    for seed in range(24):
        found.append((f"generated-{seed}", generated_layer(seed, count=6, tricky=False)))
    return found


def test_mutated_layers_read_the_same_both_ways():
    rng = random.Random(SEED)
    base = bases()
    assert len(base) > 30
    counts: Counter = Counter()
    failures = []
    for index in range(CASES):
        name, text = rng.choice(base)
        mutant, done = mutate(rng, text)
        counts["mutants"] += 1
        fast, precise, used_fast, _ = read_both(mutant)
        problems = fast.problems + precise.problems
        if any("please report" in p.message for p in problems) or any("\n" in p.format() for p in problems):
            failures.append((index, name, done, "a bug caught or a message over two lines"))
            continue
        errors = any(p.is_error for p in precise.problems)
        counts["rejected with errors" if errors else "accepted"] += 1
        if used_fast:
            counts["taken by the fast reader"] += 1
            for mutation in done:
                counts[f"taken by the fast reader: {mutation}"] += 1
            if plain(fast) != plain(precise):
                failures.append((index, name, done, mutant[:300]))
    report = os.environ.get("INFLUENCEMAP_READER_FUZZ_REPORT")
    if report:
        Path(report).write_text(json.dumps(dict(sorted(counts.items())), indent=1) + "\n", encoding="utf-8")
    assert failures == [], f"{len(failures)} mutants read differently, the first: {failures[0]}"
    # The run is worth something: many mutants reach the fast reader, of every kind of edit.
    assert counts["taken by the fast reader"] > CASES // 4
    assert counts["accepted"] > CASES // 10 and counts["rejected with errors"] > CASES // 10
    for mutation in MUTATIONS:
        taken = counts[f"taken by the fast reader: {mutation.__name__}"]
        if mutation in DECLINED:
            assert taken == 0, mutation.__name__  # by the rules in fast_parse's docstring
        elif mutation is not multi_line_key:  # (mostly a syntax error, for both)
            assert taken > 0, mutation.__name__


# -- what the YAML test suite and this run found -------------------------------------------------

ENTRY = "  - id: a\n    name: A\n    point: [27.5, 53.9]\n    sources: [doc-a]\n"


@pytest.mark.parametrize("value", ['{"foo"\n      : "bar"}', "{foo\n      : bar}", '{"foo" # comment\n      : bar}',
                                   '["multi\n      line": value]', "{multi\n      line: value}", "{a: b,\n      c\n      : d}"])
def test_a_flow_key_and_its_colon_on_different_lines_is_left_to_the_precise_reader(value):
    """YAML test suite 4MUZ, 5MUD, K3WX, 9SA2, NJ66, VJP3/01: rapidyaml reads these, libyaml
    refuses them; the file is the precise reader's, and so an error at the ':'."""
    text = layer(ENTRY + ENTRY.replace("id: a", "id: b") + "    x-note: " + value + "\n")
    assert_same(text, fast_expected=False)
    precise = read_both(text)[1]
    assert precise.layer is None and "YAML syntax error" in precise.problems[0].message


def test_a_flow_collection_over_several_lines_is_left_to_the_precise_reader_and_reads_the_same():
    text = layer(ENTRY + "  - {id: b, name: B,\n     point: [27.5, 53.9], sources: [doc-a]}\n")
    assert_same(text, fast_expected=False)
    assert [f.id for f in read_both(text)[1].features] == ["a", "b"]


def test_quoted_brackets_and_comments_on_one_line_keep_the_fast_reader():
    text = layer(ENTRY.replace("name: A", "name: 'A [x'") + "  - {id: b, name: \"B}\", tags: ['[', '{'], "
                 "point: [27.5, 53.9], sources: [doc-a]}  # [ a comment\n")
    assert_same(text, fast_expected=True)


def test_a_quoted_value_over_several_lines_with_brackets_keeps_the_fast_reader():
    entry = ENTRY.replace("id: a", "id: b") + "    description: \"see [1] and {2}\n      and [3]\"\n"
    text = layer(ENTRY + entry)
    assert_same(text, fast_expected=True)
    assert read_both(text)[1].features[1].description == "see [1] and {2} and [3]"


@pytest.mark.parametrize("where", ["x-", "citation", "figure", "flow"])
def test_a_key_longer_than_libyaml_takes_is_left_to_the_precise_reader(where):
    key = "x-" + "k" * 1030
    value = {"x-": f"    {key}: 1\n", "citation": f"    sources: [{{ref: doc-a, {key}: v}}]\n",
             "figure": f"    figures: [{{label: a, value: 1, {key}: 1}}]\n", "flow": f"    x-note: {{{key[2:]}: 1}}\n"}[where]
    entry = ENTRY.replace("    sources: [doc-a]\n", "") + value + ("    sources: [doc-a]\n" if where != "citation" else "")
    text = layer(ENTRY.replace("id: a", "id: b") + entry)
    assert_same(text, fast_expected=False)
    assert "YAML syntax error" in read_both(text)[1].problems[0].message


@pytest.mark.parametrize("word", ["nan", "NaN", ".NaN", "-Infinity", "INF", "+.inf", "infinity", ".nAn"])
@pytest.mark.parametrize("where", ["name", "tags", "unit", "locator", "quote", "description", "x-"])
def test_a_special_float_reads_the_same_both_ways_in_any_spelling(word, where):
    """The fast reader leaves every spelling some reader takes for a special float to the
    precise reader, which keeps the text as written."""
    value = {"name": f"    name: {word}\n", "tags": f"    tags: [{word}, '{word}']\n",
             "unit": f"    figures: [{{label: L, value: 1, unit: {word}}}]\n",
             "locator": f"    sources: [{{ref: doc-a, locator: {word}}}]\n",
             "quote": f"    sources: [{{ref: doc-a, quote: \"{word}\"}}]\n",
             "description": f"    description: {word}\n", "x-": f"    x-note: [{word}, '{word}']\n"}[where]
    entry = ENTRY.replace("    name: A\n", "    name: A\n" if where != "name" else "")
    if where in ("locator", "quote"):
        entry = entry.replace("    sources: [doc-a]\n", "")
    text = layer(ENTRY.replace("id: a", "id: b") + entry + value)
    assert_same(text, fast_expected=None if word.startswith("+") else True)  # rapidyaml stops at '+.inf'

    precise = read_both(text)[1]
    assert not precise.problems
    assert word in repr(precise.features[1]).replace("\\'", "'")
    assert word in SPECIAL_FLOATS


CONTROL_CHARACTERS = ["\x01", "\x08", "\x0c", "\x1b", "\x7f", "\x80", "\x9f", "\ufffe", "\uffff"]


@pytest.mark.parametrize("char", CONTROL_CHARACTERS, ids=lambda c: f"U+{ord(c):04X}")
@pytest.mark.parametrize("where", ["plain", "quoted", "key", "header", "comment"])
def test_a_control_character_is_one_error_at_its_own_place_from_both_readers(char, where):
    """Characters YAML forbids: the same result from both readers, one error on one line, at
    the character's line and column (it said 1:1, over two lines)."""
    entry = {"plain": f"    name: Ab{char}c\n", "quoted": f'    name: "Ab{char}c"\n', "key": f"    x-ab{char}c: v\n",
             "header": None, "comment": f"    # ab{char}c\n"}[where]
    if entry is None:
        text = layer(ENTRY * 1).replace("name: Test", f"name: Ab{char}c")
        line = 2
        col = 9
    else:
        text = layer(ENTRY + ENTRY.replace("id: a", "id: b") + entry)
        line = text[: text.index(char)].count("\n") + 1
        col = text.index(char) - text.rindex("\n", 0, text.index(char))
    fast, precise, _, _ = read_both(text)
    assert plain(fast) == plain(precise)
    assert [p.format() for p in precise.problems] == [
        f"/nonexistent/l.yaml:{line}:{col}: error: YAML syntax error: unacceptable character U+{ord(char):04X}: "
        "control characters are not allowed in YAML (remove it, or write it as an escape inside double quotes)"
    ]


def test_an_escaped_control_character_reads_the_same_both_ways():
    """Written as an escape in double quotes, the character is allowed: both readers keep it."""
    text = layer(ENTRY + ENTRY.replace("id: a", "id: b").replace("name: A", 'name: "A\\bB\\x7f\\NC"'))
    assert_same(text, fast_expected=True)
    assert read_both(text)[1].features[1].name == "A\bB\x7f\x85C"
