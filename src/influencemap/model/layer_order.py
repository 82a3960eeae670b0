"""The default drawing order of a catalog's layers, and how a reload keeps the user's order.

Shared by the app's store of what is shown (:mod:`influencemap.model.view_state`) and the image
export (through :mod:`influencemap.render.drawing_order`): the layers panel groups layers by
category (in order of first appearance) and lists each group in load order, top row drawn on
top; the export draws the same way, so an exported picture of all layers looks like the app
just after opening them. It lives in ``model`` because the Qt-free store needs it and ``model``
imports nothing from ``render``.
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


def merged_order(previous: list[str], default: list[str]) -> list[str]:
    """The order after a reload: layers still there keep the user's order; each new layer goes
    just above its nearest lower neighbour in the default order (at the bottom if it has none)."""
    order = [layer_id for layer_id in previous if layer_id in set(default)]
    known = set(order)
    for layer_id in default:
        if layer_id in known:
            continue
        position = default.index(layer_id)
        below = [d for d in default[:position] if d in known]
        order.insert(order.index(below[-1]) + 1 if below else 0, layer_id)
        known.add(layer_id)
    return order
