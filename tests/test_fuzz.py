"""A bounded, seeded fuzz run of layer files through both readers and every exporter (issue 18).

A few thousand layer files — the bundled layers and small generated ones, mutated by bytes,
lines, indentation, value types and unicode (control characters included) — are each read by
the fast and the precise reader. No input may raise, hang, or hit the readers' last-resort
handler for the unforeseen (a problem "… (please report it)": a bug caught, not a message
written for the user); where the fast reader takes a file it must give exactly the precise
reader's result. A subset of the loaded catalogs goes through the GeoJSON, HTML, PNG and SVG
exports, which must not raise either.

The run is the same every time (seeded). Set ``INFLUENCEMAP_FUZZ_REPORT=FILE`` to write its
counts as JSON (docs/reliability.md quotes them); ``INFLUENCEMAP_FUZZ_CASES`` changes its size.
"""

from __future__ import annotations

import json
import os
import random
import signal
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import pytest

from influencemap.model.loader import load_catalog
from influencemap.paths import bundled_layers_dir
from tests.model.test_fast_parse import MUTATIONS, generated_layer, plain, read_both

SEED = 18
CASES = int(os.environ.get("INFLUENCEMAP_FUZZ_CASES", "3000"))
BUNDLED_SHARE = 0.1
"""Mutants of the bundled layers (up to 30 KB each, slower to read) among the cases."""
GEOJSON_EVERY, HTML_EVERY, IMAGE_EVERY = 10, 150, 300
"""Which loaded catalogs go through each exporter (the HTML and image exports are heavy)."""
HANG_SECONDS = 20
"""One input taking this long is taken as a hang (no input takes a second)."""

UNEXPECTED = "(please report it)"

UNICODE = [chr(c) for c in range(32)] + [
    "\x7f", "\x85", "\u00a0", "\u2028", "\u2029", "\u200b", "\u200e", "\u202e", "\ufeff", "\ufffd",
    "\U0001f600", "é", "e\u0301", "Ж", "中", "\ud7ff", "\U0010ffff",
]
VALUES = [
    "[]", "{}", "[1, 2]", "{a: b}", "~", "''", '""', "1e999", "-1", "-", "nan", ".inf", "0x10", "true", "no",
    "2021-13-40", "|\n  block", ">-\n  folded", "&anchor x", "*anchor", "!!binary eHg=", "!!python/object:os.system x",
    "[[1, 2], [3, 4]]", "{lon: 1}", "Minsk", "'Brest, BY'", "[999, 999]", "[27.5, 53.9, 3]", "http://[x]/",
    "x" * 300, "'\\u0000'", '"\\x07bell"',
]


def _mutate_once(rng: random.Random, data: bytes) -> bytes:
    op = rng.randrange(9)
    if op == 0 and data:  # flip one bit
        at = rng.randrange(len(data))
        return data[:at] + bytes([data[at] ^ (1 << rng.randrange(8))]) + data[at + 1:]
    if op == 7 and data:  # cut the file short
        return data[: rng.randrange(len(data))]
    if op == 8 and data:  # a YAML indicator character
        at = rng.randrange(len(data))
        return data[:at] + rng.choice(MUTATIONS).encode() + data[at + rng.choice([0, 1]):]
    lines = data.split(b"\n")
    i = rng.randrange(len(lines))
    if op == 1:
        del lines[i]
    elif op == 2:
        lines.insert(i, lines[i])
    elif op == 3:
        j = rng.randrange(len(lines))
        lines[i], lines[j] = lines[j], lines[i]
    elif op == 4:  # indentation
        line = lines[i]
        if rng.random() < 0.5 and line.startswith(b" "):
            lines[i] = line[rng.choice([1, 2]):]
        else:
            lines[i] = rng.choice([b" ", b"  ", b"\t", b"    "]) + line
    elif op == 5:  # another type of value
        line = lines[i]
        if b": " in line:
            lines[i] = line[: line.index(b": ") + 2] + rng.choice(VALUES).encode()
        else:
            lines[i] = line + b": " + rng.choice(VALUES).encode()
    else:  # unicode, control characters included
        line = lines[i].decode("utf-8", "surrogateescape")
        at = rng.randrange(len(line) + 1)
        insert = "".join(rng.choice(UNICODE) for _ in range(rng.randint(1, 3)))
        lines[i] = (line[:at] + insert + line[at:]).encode("utf-8", "surrogateescape")
    return b"\n".join(lines)


def mutated(rng: random.Random, base: bytes) -> bytes:
    data = base
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        data = _mutate_once(rng, data)
    return data


def corpus(rng: random.Random, count: int) -> list[tuple[str, bytes]]:
    bundled = [(p.name, p.read_bytes()) for p in sorted(bundled_layers_dir().glob("*.yaml"))]
    small = [(f"generated-{seed}", generated_layer(seed, count=rng.randint(1, 8)).encode()) for seed in range(40)]
    cases = []
    for index in range(count):
        pool = bundled if rng.random() < BUNDLED_SHARE else small
        name, base = rng.choice(pool)
        # A few unmutated bases keep the run honest about valid files.
        cases.append((name, base if index % 50 == 0 else mutated(rng, base)))
    return cases


@contextmanager
def _hang_guard(what: str):
    def alarm(_signum, _frame):
        raise TimeoutError(f"{what}: still running after {HANG_SECONDS} s (a hang?)")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, HANG_SECONDS)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _unexpected(result) -> list[str]:
    return [p.format() for p in result.problems if UNEXPECTED in p.message]


@pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="the hang guard needs POSIX timers")
def test_fuzzed_layer_files_never_break_the_readers_or_the_exporters(tmp_path):
    rng = random.Random(SEED)
    counts: Counter = Counter()
    failures: list[str] = []
    loadable: list[tuple[int, bytes]] = []
    for index, (name, data) in enumerate(corpus(rng, CASES)):
        counts["cases"] += 1
        with _hang_guard(f"case {index} ({name})"):
            fast, precise, used_fast, _ = read_both(data)
        bugs = _unexpected(fast) + _unexpected(precise)
        if bugs:
            failures.append(f"case {index} ({name}): {bugs[0]}\n{data[:400]!r}")
            continue
        errors = [p for p in precise.problems if p.severity.value == "error"]
        counts["rejected with errors" if errors else "accepted"] += 1
        if used_fast:
            counts["taken by the fast reader"] += 1
            if plain(fast) != plain(precise):
                failures.append(f"case {index} ({name}): the readers disagree\n{data[:400]!r}")
                continue
        if precise.layer is not None and precise.features:
            loadable.append((index, data))
    counts["exported"] = _export_some(tmp_path, loadable, counts, failures)
    report = os.environ.get("INFLUENCEMAP_FUZZ_REPORT")
    if report:
        Path(report).write_text(json.dumps(dict(counts), indent=1) + "\n", encoding="utf-8")
    assert failures == [], f"{len(failures)} failing inputs, the first: {failures[0]}"
    assert counts["accepted"] > CASES // 10  # the mutations leave many files valid …
    assert counts["rejected with errors"] > CASES // 4  # … and break many
    assert counts["taken by the fast reader"] > CASES // 10


def _export_some(tmp_path: Path, loadable: list[tuple[int, bytes]], counts: Counter, failures: list[str]) -> int:
    from influencemap.export.geojson import to_feature_collection

    path = tmp_path / "fuzzed.yaml"
    exported = 0
    for position, (index, data) in enumerate(loadable):
        kinds = ["geojson"] if position % GEOJSON_EVERY == 0 else []
        if position % HTML_EVERY == 0:
            kinds.append("html")
        if position % IMAGE_EVERY == 0:
            kinds += ["png", "svg"]
        if not kinds:
            continue
        try:
            with _hang_guard(f"case {index} export"):
                catalog = load_catalog([path], overrides={path: data}, use_cache=False)
                if catalog.feature_count == 0:
                    continue
                for kind in kinds:
                    _export(catalog, kind, tmp_path, to_feature_collection)
                    counts[f"exported as {kind}"] += 1
                exported += 1
        except Exception as exc:  # noqa: BLE001 - every failure is reported with its input
            failures.append(f"case {index} export: {type(exc).__name__}: {exc}\n{data[:400]!r}")
    return exported


def _export(catalog, kind: str, tmp_path: Path, to_feature_collection) -> None:
    if kind == "geojson":
        json.dumps(to_feature_collection(catalog), ensure_ascii=False, allow_nan=False)
    elif kind == "html":
        from influencemap.export.html import HtmlOptions, render_html

        assert "</html>" in render_html(catalog, HtmlOptions(title="Fuzz"))
    else:
        from influencemap.export.image import image_settings, render_bytes

        data = render_bytes(catalog, image_settings(catalog, (320, 200), None), kind)
        assert data.startswith(b"\x89PNG" if kind == "png" else b"<?xml")


# -- what the fuzzing found ----------------------------------------------------------------------


@pytest.mark.parametrize("written", ["nan", "inf", "-inf", ".Inf", ".NaN", ".NAN"])
def test_a_plain_nan_or_inf_text_reads_the_same_both_ways(written):
    """Found by this fuzz run: rapidyaml's JSON turned ``name: nan`` into '.nan'."""
    from tests.model.test_fast_parse import assert_same, layer

    entry = f"  - id: a\n    name: {written}\n    point: [27.5, 53.9]\n    sources: [doc-a]\n    tags: [{written}]\n"
    assert_same(layer(entry + entry.replace("id: a", "id: b")))
    fast, precise, _, _ = read_both(layer(entry))
    assert [f.name for f in fast.features] == [f.name for f in precise.features] == [written]


@pytest.mark.parametrize("control", ["\x0c", "\x01", "\x7f", "\x9f", "\ufffe"])
def test_a_control_character_is_refused_by_both_readers(control):
    """Found by this fuzz run: rapidyaml read a form feed in a key that libyaml refuses."""
    from tests.model.test_fast_parse import layer

    text = layer(f"  - id: a\n    name: A\n    point: [27.5, 53.9]\n    sources: [doc-a]\n    x-ke{control}y: v\n")
    fast, precise, _, _ = read_both(text)
    assert plain(fast) == plain(precise)
    assert precise.layer is None
    assert "control characters are not allowed" in precise.problems[0].message


@pytest.mark.parametrize("written", ["2021-13-40", "2021-02-30", "2021-12-01 25:61:61"])
def test_a_user_value_that_looks_like_a_date_but_is_none_stays_text(written):
    """Found by this fuzz run: ``x-note: 2021-13-40`` raised from PyYAML's date constructor."""
    from tests.model.test_fast_parse import layer

    entry = f"  - id: a\n    name: A\n    point: [27.5, 53.9]\n    sources: [doc-a]\n    x-note: {written}\n"
    fast, precise, used_fast, _ = read_both(layer(entry + entry.replace("id: a", "id: b")))
    assert precise.problems == [] and [f.extra for f in precise.features] == [{"x-note": written}] * 2
    if used_fast:
        assert plain(fast) == plain(precise)
