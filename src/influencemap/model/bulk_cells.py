"""A data file's cell as a feature key's text or list items, as a YAML file would hold them.

Cells come as the file's reader gives them (pandas, pyogrio, pyarrow): text, numbers, dates,
numpy scalars, lists. A feature key's value is text, or for a list key (countries, tags, ...)
items separated by :data:`LIST_SEPARATOR` in one text cell, or a list cell.
"""

from __future__ import annotations

from influencemap.model import field_map

LIST_SEPARATOR = ";"
"""In a text cell, the items of a list key (countries, tags, ...) are separated by this,
unless the key's ``fields`` entry names another ``separator``."""


def cell_text(value: object) -> str:
    """A cell as the text a YAML file would hold: ``2015.0`` → ``2015``, a date → ``2015-06-01``."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        raise ValueError("a true/false value")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if hasattr(value, "isoformat") and hasattr(value, "year"):
        text = value.isoformat()
        return text[:10] if text[10:].strip("T0:.") == "" else text
    if hasattr(value, "item"):  # numpy scalars
        return cell_text(value.item())  # type: ignore[attr-defined]
    raise ValueError(f"a {type(value).__name__}")


def cell_items(value: object, separator: str = LIST_SEPARATOR) -> list[str]:
    """A cell's items: a text cell split at ``separator``, a list cell's items (empty ones
    left out), each as :func:`cell_text` makes it."""
    if isinstance(value, str):
        return [item.strip() for item in value.split(separator) if item.strip()]
    if isinstance(value, (list, tuple)) or hasattr(value, "tolist"):
        items = value.tolist() if hasattr(value, "tolist") else list(value)  # type: ignore[union-attr]
        return [cell_text(item) for item in items if not field_map.missing(item)]
    return [cell_text(value)]
