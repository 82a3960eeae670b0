"""The package layering is a contract checked in every test run (issue 14).

``lint-imports`` (import-linter) reads the contracts in ``pyproject.toml`` under
``[tool.importlinter]`` and checks them against this checkout's ``src/`` — the imports inside
functions included. The second test proves the contracts bite: the same check on a copy of the
package with five forbidden imports added must fail, naming each broken contract.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sysconfig.get_path("scripts")) / "lint-imports"


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    """Run ``lint-imports`` as a developer would, from ``root`` (where ``pyproject.toml`` is), on
    the package in ``root / "src"`` (put first on the path: an installed copy is not checked)."""
    if not LINT_IMPORTS.exists():
        pytest.fail(f"{LINT_IMPORTS} is missing: install the test extra (pip install -e '.[test]')")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(root / "src"), os.environ.get("PYTHONPATH")]))}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo"],  # no cache folder left in the checkout
        cwd=root, env=env, capture_output=True, text=True, timeout=300,
    )


def test_the_import_contracts_hold():
    result = lint_imports(REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_a_forbidden_import_breaks_the_contracts(tmp_path):
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    package = tmp_path / "src" / "influencemap"
    shutil.copytree(REPO / "src" / "influencemap", package, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    additions = {
        # Qt in the core, imported inside a function as the core's lazy imports are
        "model/dates.py": "def _qt():\n    from PySide6.QtCore import QDate\n",
        # the model reaching up into the renderer
        "model/stats.py": "def _draw():\n    from influencemap.render import renderer\n",
        # a cycle between two modules of model (facets imports filters)
        "model/filters.py": "def _facets():\n    from influencemap.model import facets\n",
        # a cycle in ui: the map tools reaching back into the canvas that imports them
        "ui/map_tools.py": "def _canvas():\n    from influencemap.ui import map_canvas\n",
        # the renderer reaching up into an exporter (render sits below export)
        "render/print_layout.py": "def _image():\n    from influencemap.export import image\n",
    }
    for name, code in additions.items():
        path = package / name
        path.write_text(path.read_text(encoding="utf-8") + "\n\n" + code, encoding="utf-8")

    result = lint_imports(tmp_path)

    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    broken = output.split("Broken contracts", 1)[-1]
    for contract in (
        "the packages form layers",
        "model imports nothing from render, export, editing, ui",
        "only ui, render and the image exporter import Qt",
        "the core and the GeoJSON/HTML/CSV writers never reach Qt",
        "no import cycles between the modules of model",
        "no import cycles between the modules of ui",
    ):
        assert contract in broken, output
    assert "influencemap.model.dates -> PySide6" in broken, output
    assert ".filters -> .facets" in broken or ".facets -> .filters" in broken, output
    assert ".map_tools -> .map_canvas" in broken or ".map_canvas -> .map_tools" in broken, output
    assert "influencemap.render.print_layout -> influencemap.export.image" in broken, output


def test_importing_the_ui_package_does_not_import_the_main_window():
    script = textwrap.dedent(
        """
        import sys
        import influencemap.ui, influencemap.ui.html_options_dialog
        assert 'influencemap.ui.main_window' not in sys.modules, 'imported with the package'
        from influencemap.ui import MainWindow
        assert MainWindow.__module__ == 'influencemap.ui.main_window'
        print('ok')
        """
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO / "src"), os.environ.get("PYTHONPATH")]))}
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
