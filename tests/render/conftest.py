"""Renderer tests draw on QImages headless; catalogs are tiny layers written to tmp_path."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import textwrap  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from influencemap.model.loader import load_catalog  # noqa: E402

SOURCES = "sources:\n  - {id: rtest-doc, title: A report}\n"


@pytest.fixture
def make_catalog(tmp_path: Path):
    """Write layer files (name -> YAML) into tmp_path and load them without the bundled sources."""

    def make(**files: str):
        folder = tmp_path / "layers"
        folder.mkdir(exist_ok=True)
        (folder / "rtest-sources.yaml").write_text(SOURCES, encoding="utf-8")
        for name, text in files.items():
            (folder / f"{name}.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
        catalog = load_catalog([folder], include_bundled_sources=False)
        assert not catalog.errors, [p.format() for p in catalog.errors]
        return catalog

    return make
