"""Names shared by everything that reads the offline map context (``geodata/context_*.fgb``):
the renderer and the HTML export. Qt-free."""

from __future__ import annotations

CONTEXT_FILES = ("context_places.fgb", "context_lakes.fgb", "context_rivers.fgb", "context_regions.fgb")
"""Places, lakes, rivers and region label points, built by ``scripts/build_context.py``."""

CAPITAL_CLASSES = frozenset({"Admin-0 capital", "Admin-0 capital alt"})
"""Natural Earth ``FEATURECLA`` values of a country's capital."""
