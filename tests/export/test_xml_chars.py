"""Exports hold only characters XML 1.0 allows (issue 18, item 5): a control character in a
name made the SVG not well-formed (browsers refuse it), and a lone surrogate from the command
line could not be written as UTF-8 at all."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from influencemap.cli import main
from influencemap.export.html import render_html, write_html
from influencemap.export.xml_chars import REPLACEMENT, xml_safe, xml_safe_bytes, xml_safe_json
from influencemap.model.loader import load_catalog

from .control_chars import FORBIDDEN, control_layer_folder

NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
ESCAPED_CONTROL = re.compile(r"(?<!\\)(?:\\\\)*\\(?:u00(?:0[0-8bcef]|1[0-9a-f])|[bf])")


@pytest.mark.parametrize("char", ["\x00", "\x08", "\x0b", "\x0c", "\x1f", "\ud800", "\udfff", "\ufffe", "\uffff"])
def test_a_forbidden_character_is_replaced(char):
    assert xml_safe(f"a{char}b") == f"a{REPLACEMENT}b"


@pytest.mark.parametrize("char", ["\t", "\n", "\r", " ", "\x7f", "\u00e9", "\ud7ff", "\ue000", "\ufffd", "\U0001f600", "\U0010ffff"])
def test_an_allowed_character_is_kept(char):
    assert xml_safe(f"a{char}b") == f"a{char}b"


def test_json_escapes_of_forbidden_characters_are_replaced_and_backslashes_are_not_misread():
    text = json.dumps(["a\x0bb", "c\x00", "\\u000b as typed", "\\\x0b", "tab\tnew\nline", "\b\f"], ensure_ascii=False)
    assert json.loads(xml_safe_json(text)) == [
        f"a{REPLACEMENT}b", f"c{REPLACEMENT}", "\\u000b as typed", f"\\{REPLACEMENT}", "tab\tnew\nline",
        REPLACEMENT * 2,
    ]


def test_bytes_that_are_not_utf8_are_replaced_too():
    assert xml_safe_bytes(b"<t>\xff\x0b</t>").decode("utf-8") == f"<t>{REPLACEMENT}{REPLACEMENT}</t>"


def test_every_text_field_of_the_html_export_holds_only_xml_characters(tmp_path):
    catalog = load_catalog([control_layer_folder(tmp_path)], include_bundled_sources=False)
    assert not catalog.errors, [p.format() for p in catalog.errors]
    assert any(c in catalog.layers[0].features[0].name for c in FORBIDDEN)  # they did get in
    page = render_html(catalog)
    assert NOT_XML.findall(page) == []
    strings = [s for block in data_blocks(page) for s in all_strings(block)]
    assert not [s for s in strings if NOT_XML.search(s)]  # none once JSON's escapes are read
    assert ESCAPED_CONTROL.findall("".join(re.findall(DATA_BLOCK, page))) == []
    # every text is there, each forbidden character a U+FFFD
    texts = "\n".join(strings)
    for text in ("Minsk", "Layer", "Title", "Pub", "Act", "Loan", "USD", "Cat", "D", "Q", "p", "t"):
        assert re.search(f"(^|\\n|>){text}{REPLACEMENT}", texts), text


DATA_BLOCK = re.compile(r'<script type="application/json" id="[^"]+">(.*?)</script>', re.S)


def data_blocks(page: str) -> list:
    return [json.loads(block) for block in DATA_BLOCK.findall(page)]


def all_strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in all_strings(k) + all_strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in all_strings(v)]
    return []


def test_a_lone_surrogate_from_the_command_line_title_is_written(tmp_path):
    """A title that is not UTF-8 on the command line reaches Python as lone surrogates."""
    folder = control_layer_folder(tmp_path)
    out = tmp_path / "map.html"
    script = (
        "import sys; from influencemap.cli import main; "
        f"sys.exit(main(['export', {str(folder)!r}, '-o', {str(out)!r}, '--title', sys.argv[1]]))"
    )
    result = subprocess.run([sys.executable, "-c", script, b"T\xff\x0bitle"], capture_output=True, timeout=120)
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    page = out.read_text(encoding="utf-8")
    assert f"<title>T{REPLACEMENT}{REPLACEMENT}itle</title>" in page


def test_write_html_never_fails_on_a_surrogate(tmp_path):
    from dataclasses import replace

    catalog = load_catalog([control_layer_folder(tmp_path)], include_bundled_sources=False)
    layer = replace(catalog.layers[0], name="half \ud83d a pair")
    catalog = type(catalog)((layer,), catalog.sources, catalog.problems)
    write_html(catalog, tmp_path / "out.html")
    assert "half \ufffd a pair" in (tmp_path / "out.html").read_text(encoding="utf-8")


def test_the_cli_exports_a_layer_with_control_characters(tmp_path, capsys):
    folder = control_layer_folder(tmp_path)
    out = tmp_path / "m.html"
    assert main(["export", str(folder), "-o", str(out)]) == 0
    assert NOT_XML.findall(out.read_text(encoding="utf-8")) == []
