"""The one CSV writer: every CSV the app or the CLI writes goes through :func:`to_csv`.

Cells that a spreadsheet would read as a formula (text beginning with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return) are neutralised by OWASP's rule: a leading ``'``, so
``=cmd|'/C calc'!A0`` in an actor's name stays text. Numbers stay numbers: a cell given as an
``int`` or ``float``, or text that is a plain decimal number (``-12.5``), is written as it is.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable, Sequence

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\Z")

Cell = str | int | float | None


def number_text(value: float) -> str:
    """``12`` for whole numbers, the shortest exact form otherwise (``0.1``, ``1.5e-07``)."""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int) or (math.isfinite(value) and float(value).is_integer()):
        return str(int(value))
    return repr(float(value))


def safe_cell(cell: Cell) -> str:
    """The text of one cell, neutralised if a spreadsheet would take it as a formula."""
    if cell is None:
        return ""
    if isinstance(cell, (int, float)):
        return number_text(cell)
    text = str(cell)
    if text.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.match(text):
        return "'" + text
    return text


def to_csv(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> str:
    """A CSV document (``\\n`` line ends) of a header and rows, every cell through :func:`safe_cell`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([safe_cell(name) for name in header])
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return out.getvalue()
