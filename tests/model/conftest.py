"""Fixtures that write tiny layer files into tmp_path and load them."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from influencemap.model import load_cache
from influencemap.model.catalog import Catalog
from influencemap.model.loader import load_catalog

SOURCES = """\
sources:
  - id: doc-a
    title: A report
    publisher: Some Press
    date: 2021-06-30
    url: https://example.org/a
"""


class LayerFiles:
    """Write YAML files into a folder and load them, without the bundled sources."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        (folder / "sources.yaml").write_text(SOURCES, encoding="utf-8")

    def write(self, name: str, text: str) -> Path:
        path = self.folder / name
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    def load(self) -> Catalog:
        return load_catalog([self.folder], include_bundled_sources=False)

    def problems(self) -> list[str]:
        """The problems as printed, with the folder prefix removed: ``layer.yaml:3:5: error: …``."""
        prefix = str(self.folder) + "/"
        return [p.format().removeprefix(prefix) for p in self.load().problems]


@pytest.fixture
def files(tmp_path: Path) -> LayerFiles:
    return LayerFiles(tmp_path)


def cached_layers_folder(tmp_path: Path, monkeypatch, sources: str):
    """A layers folder with ``sources`` and a private, empty load cache (memory and disk).

    A generator for fixtures: after the test it waits for cache writes and forgets the
    in-memory results, so no test sees another's.
    """
    monkeypatch.setenv("INFLUENCEMAP_CACHE_DIR", str(tmp_path / "cache"))
    load_cache.clear_memory()
    work = tmp_path / "layers"
    work.mkdir()
    (work / "sources.yaml").write_text(sources, encoding="utf-8")
    yield work
    load_cache.flush()
    load_cache.clear_memory()


def load_flushed(folder: Path) -> Catalog:
    """Load a folder without the bundled sources, and wait for its cache entry to be written."""
    catalog = load_catalog([folder], include_bundled_sources=False)
    load_cache.flush()
    return catalog


QT_BLOCKER = """\
import sys
class BlockQt:
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in ('PySide6', 'shiboken6', 'PyQt5', 'PyQt6'):
            raise ImportError('Qt is blocked in this test: ' + name)
sys.meta_path.insert(0, BlockQt())
"""


@pytest.fixture
def run_with_qt_blocked():
    """Run a script in a fresh interpreter where importing any Qt binding fails; the script's
    own asserts decide, and it must end having imported no Qt module at all."""

    def run(body: str) -> None:
        script = QT_BLOCKER + textwrap.dedent(body) + (
            "\nassert not [m for m in sys.modules if m.startswith(('PySide6', 'shiboken6'))]\nprint('ok')\n"
        )
        result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == "ok"

    return run
