"""Every case of the official YAML test suite, read by libyaml, by the precise reader and by the
fast reader (issue 14): the readers must agree by construction.

- The precise reader (:func:`influencemap.model.yaml_nodes.compose` and ``to_python``) must read
  each case as libyaml does (PyYAML's ``CSafeLoader``): the same data, or both an error.
- Each case's document is wrapped into layer files — as a feature's ``x-case`` value (block and
  inline), as a feature's ``name`` — and each file is read by both readers: where the fast reader
  takes the file, its result must be the precise reader's, problems and positions included;
  neither may raise or hit the last-resort handler, and every problem is one line.

The cases are in ``tests/data/yaml-test-suite`` (see its README: origin, licence, refreshing).
"""

from __future__ import annotations

import datetime
import textwrap
from pathlib import Path

import pytest
import yaml

from influencemap.model import fast_parse
from influencemap.model.yaml_nodes import YamlError, compose, key_text, to_python
from tests.model.test_fast_parse import plain, read_both

SUITE = Path(__file__).resolve().parents[1] / "data" / "yaml-test-suite" / "cases"


def suite_cases() -> dict[str, Path]:
    """Each case's folder by its id (``4MUZ``, or ``4MUZ/01`` for a variant)."""
    found = {}
    for folder in sorted(SUITE.iterdir()):
        if (folder / "in.yaml").is_file():
            found[folder.name] = folder
        else:
            for variant in sorted(folder.iterdir()):
                found[f"{folder.name}/{variant.name}"] = variant
    return found


CASES = suite_cases()


def case_text(case: str) -> str:
    return (CASES[case] / "in.yaml").read_bytes().decode("utf-8")


def test_the_whole_suite_is_there():
    assert len(CASES) == 402
    assert sum((folder / "error").exists() for folder in CASES.values()) == 94


# -- the precise reader and libyaml ---------------------------------------------------------------


def libyaml_reading(text: str) -> tuple[str, object]:
    try:
        return "data", yaml.load(text, Loader=yaml.CSafeLoader)
    except (yaml.YAMLError, ValueError, TypeError) as exc:  # a constructor's ValueError too ('!!int x')
        return "error", str(exc).splitlines()[0]


def precise_reading(text: str) -> tuple[str, object]:
    try:
        node = compose(text)
    except YamlError as exc:
        return "error", exc.message
    return "data", None if node is None else to_python(node)


def same_data(libyaml: object, precise: object) -> bool:
    """The precise reader's data is libyaml's in the JSON data model the layers use: mapping keys
    are text (:func:`key_text`, as JSON writes them) and dates stay the text they were written as."""
    if isinstance(libyaml, dict):
        return (
            isinstance(precise, dict)
            and [key_text(k) for k in libyaml] == list(precise)
            and all(same_data(v, precise[key_text(k)]) for k, v in libyaml.items())
        )
    if isinstance(libyaml, list):
        return (isinstance(precise, list) and len(libyaml) == len(precise)
                and all(map(same_data, libyaml, precise)))
    if isinstance(libyaml, (datetime.date, datetime.datetime)):
        return isinstance(precise, str) and yaml.load(precise, Loader=yaml.CSafeLoader) == libyaml
    if isinstance(libyaml, float) and libyaml != libyaml:
        return isinstance(precise, float) and precise != precise
    return type(libyaml) is type(precise) and libyaml == precise


def outside_the_model(value: object) -> bool:
    """Whether libyaml's data holds a type no layer value can be (made by a tag: ``!!binary``,
    ``!!set``, ``!!omap``/``!!pairs``)."""
    if isinstance(value, (bytes, set, frozenset, tuple)):
        return True
    if isinstance(value, dict):
        return any(map(outside_the_model, value)) or any(map(outside_the_model, value.values()))
    return isinstance(value, list) and any(map(outside_the_model, value))


@pytest.mark.parametrize("case", list(CASES))
def test_the_precise_reader_reads_each_case_as_libyaml_does(case):
    text = case_text(case)
    libyaml, precise = libyaml_reading(text), precise_reading(text)
    if libyaml[0] == "data" and outside_the_model(libyaml[1]):
        # The one place they differ, on purpose: such a tag is refused, where it is written.
        assert precise[0] == "error" and "the tag !!" in precise[1] and "is not allowed" in precise[1]
        return
    assert libyaml[0] == precise[0], f"libyaml: {libyaml}; the precise reader: {precise}"
    if libyaml[0] == "data":
        assert same_data(libyaml[1], precise[1]), f"libyaml: {libyaml[1]!r}; the precise reader: {precise[1]!r}"
    else:
        assert "\n" not in precise[1]  # a FILE:LINE:COL: message is one line


def test_cases_the_suite_calls_errors_are_errors_for_the_precise_reader():
    """libyaml accepts a few invalid cases; the precise reader is libyaml, so it agrees with it
    there (the test above), and with the suite everywhere else."""
    accepted = [case for case, folder in CASES.items()
                if (folder / "error").exists() and precise_reading(case_text(case))[0] == "data"]
    assert accepted == [case for case in accepted if libyaml_reading(case_text(case))[0] == "data"]
    assert len(accepted) < 15


# -- the fast reader and the precise reader, on layer files ---------------------------------------

HEAD = "id: suite\nname: Suite\nsources:\n  - {id: doc-a, title: A}\nfeatures:\n"
ENTRY = "  - id: ok-{n}\n    name: OK\n    point: [27.5, 53.9]\n    sources: [doc-a]\n"


def document_body(text: str) -> str:
    """The case's first document as a value can hold it: without directives and ``---``/``...``
    markers (the text after a ``---`` on its line kept)."""
    lines = text.split("\n")
    if any(line.startswith("---") for line in lines):
        while lines and not lines[0].startswith("---"):
            lines.pop(0)  # directives and comments before the document
    if lines and lines[0].startswith("---"):
        lines[0] = lines[0][3:].lstrip(" ")
    body = []
    for line in lines:
        if line.startswith(("---", "...")):
            break
        body.append(line)
    return "\n".join(body).strip("\n") + "\n"


def _layer(case_entry: str) -> str:
    return HEAD + ENTRY.format(n=1) + case_entry + ENTRY.format(n=2)


def wrapped_layers(text: str) -> dict[str, str]:
    """Layer files holding the case's document where a feature's values are: as the block value
    of an ``x-`` key, right after the key (further lines indented), and as the feature's name."""
    body = document_body(text)
    block = textwrap.indent(body, "      ", lambda line: True)
    first, *rest = body.rstrip("\n").split("\n")
    inline = first + "".join("\n" + ("      " + line if line else "") for line in rest) + "\n"
    entry = "  - id: case\n    point: [27.5, 53.9]\n    sources: [doc-a]\n"
    return {
        "x- block": _layer(entry + "    name: Case\n    x-case:\n" + block),
        "x- inline": _layer(entry + "    name: Case\n    x-case: " + inline),
        "name": _layer(entry + "    name: " + inline),
        "whole file": text,
    }


class _PreciseEntries:
    """Which entries the fast reader left to the precise reader (to count the cases it read itself)."""

    def __init__(self, monkeypatch) -> None:
        self.indexes: list[int] = []
        original = fast_parse._Validator.precise_entry

        def precise_entry(validator, item, index, origin):
            self.indexes.append(index)
            return original(validator, item, index, origin)

        monkeypatch.setattr(fast_parse._Validator, "precise_entry", precise_entry)


def read_wrapped(case: str, monkeypatch) -> dict[str, str]:
    """Read each wrapping of the case both ways; how each went: 'fast' (the fast reader read the
    case's own entry from rapidyaml's values), 'fast, entry precise', 'declined'. Asserts the
    readers agree."""
    entries = _PreciseEntries(monkeypatch)
    how = {}
    for name, text in wrapped_layers(case_text(case)).items():
        entries.indexes.clear()
        fast, precise, used_fast, _ = read_both(text)
        for result in (fast, precise):
            assert not [p for p in result.problems if "please report" in p.message], name
            assert all("\n" not in p.format() for p in result.problems), name
        if used_fast:
            assert plain(fast) == plain(precise), f"{name}: the readers disagree"
            how[name] = "fast, entry precise" if 1 in entries.indexes else "fast"
        else:
            how[name] = "declined"
    return how


@pytest.mark.parametrize("case", list(CASES))
def test_both_readers_read_each_case_in_a_layer_alike(case, monkeypatch):
    read_wrapped(case, monkeypatch)


def test_the_fast_reader_reads_many_cases_itself(monkeypatch):
    """Not every case is declined: the fast reader reads many of them from rapidyaml's values
    (and agrees), so the test above exercises both paths."""
    taken = [case for case in CASES if "fast" in read_wrapped(case, monkeypatch).values()]
    assert len(taken) > 100
