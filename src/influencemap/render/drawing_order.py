"""The default drawing order of a catalog's layers, shared by the app and the image export.

Defined in :mod:`influencemap.model.layer_order` (the Qt-free store of what is shown needs it,
and ``model`` imports nothing from ``render``); kept here under its old name for the renderer's
callers.
"""

from __future__ import annotations

from influencemap.model.layer_order import default_drawing_order

__all__ = ["default_drawing_order"]
