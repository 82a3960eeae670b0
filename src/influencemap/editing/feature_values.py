"""What an add/edit form needs besides widgets: id suggestions and merging form values into the
feature's mapping as written (Qt-free, so it is tested without a window)."""

from __future__ import annotations

import re
import unicodedata
from typing import Any, Collection, Mapping

from influencemap.model.schema import DATE_KEYS, GEOMETRY_KEYS, IDENTIFIER

FORM_KEYS = ("id", "name", *GEOMETRY_KEYS, *DATE_KEYS, "countries", "tags", "precision", "description", "sources")
"""The keys a form sets, in the order a new feature is written; any other key is kept as is."""

_GROUPS = (frozenset(GEOMETRY_KEYS), frozenset(DATE_KEYS))


def suggest_id(name: str, taken: Collection[str] = ()) -> str:
    """A valid, unused id from a name: ``Port of Gwadar`` -> ``port-of-gwadar`` (``-2`` if taken)."""
    folded = unicodedata.normalize("NFKD", name.replace("ł", "l").replace("Ł", "L"))
    ascii_only = "".join(c for c in folded if not unicodedata.combining(c)).lower()
    base = re.sub(r"[^a-z0-9]+", "-", ascii_only).strip("-")[:60].rstrip("-") or "feature"
    candidate, number = base, 2
    while candidate in taken:
        candidate, number = f"{base}-{number}", number + 1
    assert IDENTIFIER.match(candidate)
    return candidate


def split_list(text: str) -> list[str]:
    """``"BY, UA"`` -> ``["BY", "UA"]`` (commas or spaces; empty pieces dropped)."""
    return [piece for piece in re.split(r"[,\s]+", text.strip()) if piece]


def merge_feature(original: Mapping[str, Any], values: Mapping[str, Any]) -> dict[str, Any]:
    """The feature mapping with the form's ``values`` applied.

    A value of None removes the key. Keys the form does not know (actors, figures, ``x-``
    keys) keep their value and place; a changed geometry or date key takes the place of the
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
