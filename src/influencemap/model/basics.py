"""The two plain types the feature table needs: where something is written and a geometry kind.

They live below :mod:`influencemap.model.feature_table` so that the table can make them, and
:mod:`influencemap.model.types` (whose :class:`~influencemap.model.types.Layer` holds a table)
re-exports them: import them from ``types`` as before.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class GeometryKind(enum.Enum):
    POINT = "point"
    LINE = "line"
    POLYGON = "polygon"


@dataclass(frozen=True)
class Origin:
    """Where something was written: a file and a 1-based line and column."""

    path: str
    line: int
    col: int = 1

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}"
