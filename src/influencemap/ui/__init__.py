"""The desktop app (PySide6): main window, map canvas and panels.

The only package besides ``render`` that imports Qt; everything it shows comes from the Qt-free
``influencemap.model``.
"""

from __future__ import annotations

from influencemap.ui.main_window import MainWindow

__all__ = ["MainWindow"]
