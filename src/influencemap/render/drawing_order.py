"""The default drawing order of a catalog's layers, shared by the app and the image export.

The layers panel groups layers by category (in order of first appearance) and lists each group
in load order, top row drawn on top; the export draws the same way, so an exported picture of
all layers looks like the app just after opening them.
"""

from __future__ import annotations

from influencemap.model.catalog import Catalog


def default_drawing_order(catalog: Catalog) -> list[str]:
    """Layer ids bottom first: the reverse of the panel's top-to-bottom listing."""
    categories: dict[str, list[str]] = {}
    for layer in catalog.layers:
        categories.setdefault(layer.category or "", []).append(layer.id)
    panel_order = [layer_id for ids in categories.values() for layer_id in ids]
    return list(reversed(panel_order))
