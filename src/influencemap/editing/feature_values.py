"""What an add/edit form needs besides widgets: id suggestions and merging form values into the
feature's mapping as written (Qt-free, so it is tested without a window)."""

from __future__ import annotations

import re
from typing import Any, Collection, Mapping

from influencemap.model.field_map import name_slug
from influencemap.model.schema import DATE_KEYS, GEOMETRY_KEYS, IDENTIFIER

FORM_KEYS = (
    "id", "name", *GEOMETRY_KEYS, *DATE_KEYS, "dating", "countries", "actors", "tags", "figures", "precision",
    "description", "sources",
)
"""The keys a form sets, in the order a new feature is written; any other key is kept as is."""

_GROUPS = (frozenset(GEOMETRY_KEYS), frozenset(DATE_KEYS))


def suggest_id(name: str, taken: Collection[str] = ()) -> str:
    """A valid, unused id from a name: ``Port of Gwadar`` -> ``port-of-gwadar`` (``-2`` if taken)."""
    base = name_slug(name) or "feature"
    candidate, number = base, 2
    while candidate in taken:
        candidate, number = f"{base}-{number}", number + 1
    assert IDENTIFIER.match(candidate)
    return candidate


def split_list(text: str) -> list[str]:
    """``"BY, UA"`` -> ``["BY", "UA"]`` (commas or spaces; empty pieces dropped)."""
    return [piece for piece in re.split(r"[,\s]+", text.strip()) if piece]


def split_names(text: str) -> list[str]:
    """``"Alexander Lukashenko, China"`` -> the two names: commas only, since names hold spaces."""
    return [piece.strip() for piece in text.split(",") if piece.strip()]


def figure_values(rows: list[tuple[str, str, str]]) -> list[dict[str, Any]]:
    """Figures from (label, value, unit) texts; rows left wholly empty are skipped. Raises
    ValueError with a message for the user when a label or a number is missing or wrong."""
    figures: list[dict[str, Any]] = []
    for number, (label, value, unit) in enumerate(rows, start=1):
        label, value, unit = label.strip(), value.strip(), unit.strip()
        if not (label or value or unit):
            continue
        if not label:
            raise ValueError(f"Figure {number} needs a label (what the number is).")
        try:
            amount = float(value.replace(",", "").replace("_", ""))
        except ValueError:
            raise ValueError(f"Figure {number} ('{label}') needs a number as its value, e.g. 1.18e9 or 340000.") from None
        figure: dict[str, Any] = {"label": label, "value": int(amount) if amount.is_integer() and abs(amount) < 1e15 else amount}
        if unit:
            figure["unit"] = unit
        figures.append(figure)
    return figures


def merge_feature(original: Mapping[str, Any], values: Mapping[str, Any]) -> dict[str, Any]:
    """The feature mapping with the form's ``values`` applied.

    A value of None removes the key. Keys the form does not know (``x-`` keys) keep their value
    and place; a changed geometry or date key takes the place of the
    one it replaces; new keys go after, in :data:`FORM_KEYS` order.
    """
    pending = {key: value for key, value in values.items() if value is not None}
    out: dict[str, Any] = {}
    for key, value in original.items():
        if key in values:
            if key in pending:
                out[key] = pending.pop(key)
                continue
            group = next((g for g in _GROUPS if key in g), None)
            for other in (k for k in FORM_KEYS if group and k in group and k in pending and k not in original):
                out[other] = pending.pop(other)
            continue
        out[key] = value
    for key in FORM_KEYS:
        if key in pending:
            out[key] = pending.pop(key)
    out.update(pending)
    return out
