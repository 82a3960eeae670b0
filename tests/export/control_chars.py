"""A layer whose every text holds characters XML 1.0 forbids (shared by the export tests)."""

from __future__ import annotations

from pathlib import Path

# YAML's double-quoted escapes bring them in: \v (U+000B), \0 (U+0000), \x01, \f, \uFFFE, \uFFFF
CONTROL_LAYER = r'''
id: ctl
name: "Layer\v of \0 controls \uFFFE"
description: "desc\vription"
category: "Cat\x01egory"
style: {color: "#1f78b4", marker: square, size: 12}
sources:
  - id: s1
    title: "Title\v\0 \uFFFF"
    url: "https://example.org/a"
    publisher: "Pub\x02lisher"
    author: "Au\fthor"
features:
  - id: f1
    name: "Minsk\v\0\uFFFE end"
    point: [27.56, 53.9]
    start: 2020
    countries: [BY]
    actors: ["Act\x0bor"]
    tags: ["t\x0cag"]
    description: "D\x0bescription"
    figures: [{label: "Loan\x0bs", value: 5, unit: "USD\x1fX"}]
    sources: [{ref: s1, locator: "p\x0b3", quote: "Q\x0b\0"}]
'''

FORBIDDEN = "\x0b\x00\x01\x02\x0c\x1f\ufffe\uffff"


def control_layer_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "ctl"
    folder.mkdir()
    (folder / "ctl.yaml").write_text(CONTROL_LAYER, encoding="utf-8")
    return folder
