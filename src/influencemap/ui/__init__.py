"""The desktop app (PySide6): main window, map canvas and panels.

Besides ``render`` and the image exporter, the only package that imports Qt; everything it shows
comes from the Qt-free ``influencemap.model``.

Importing the package (or one of its modules, such as a dialog) does not import the main
window and everything it pulls in: ``MainWindow`` is imported on first use (PEP 562), and the
app starts through :func:`influencemap.ui.app.run_app`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from influencemap.ui.main_window import MainWindow

__all__ = ["MainWindow"]


def __getattr__(name: str):
    if name == "MainWindow":
        from influencemap.ui.main_window import MainWindow

        return MainWindow
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
