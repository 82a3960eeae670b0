"""The cells GDAL's path gives a GeoJSON property of JSON numbers and booleans, found by rule from
GDAL's answer for a few of them (for :mod:`.geojson_points`, issue 14).

GDAL's GeoJSON driver types a field from the kinds of JSON value it saw, whatever their order
(measured with GDAL 3.12 through pyogrio, see tests/model/test_geojson_numbers.py):

- only ``true``/``false``: a boolean field; integers from -2^31 to 2^31-1: Integer (32 bits);
  other integers: Integer64; any number with a fraction or an exponent (``1.0``, ``1e5``): Real.
  The widest kind present wins (boolean < Integer < Integer64 < Real), nulls take no part;
- an integer at or beyond 2^63-1 or at or below -2^63 is clamped, read as a Real, or refused
  (``Unrecognized number``), and so is a number too large for a double or too small for one
  that is not zero (``1e-400``; msgspec reads it as 0.0).

pyogrio then gives each cell through pandas: an integer field's cells as Python ints, or as
floats with NaN for nulls when the column has one; a Real field's as floats (an integer
``(double)`` converted, as Python's ``float`` does: both round to nearest, ties to even); a
boolean field's as ``True``/``False`` (None for a null); a boolean in an integer or Real field
as 1 or 1.0.

So a cell depends on its value, on the set of kinds in its column and on whether the column
has a null. This module does not write that table down: it asks GDAL (the caller's
``ask_gdal``) for the cells of a few values of each kind present — the smallest and largest
of each, and a null when the column has one — in one small document, which has the same kinds
and nulls as the whole column and so the same field type. From GDAL's answer it learns per kind
whether a value stays as it is or becomes an int or a float, checks that every asked value
came back so, and converts the rest of the column alike. Anything it cannot be sure of (an
integer GDAL would clamp or refuse, an answer of another shape) is declined: GDAL reads the
whole file.
"""

from __future__ import annotations

import math
import re

import numpy as np

_NONE = type(None)
_INT32 = 2**31
_INT64 = 2**63


def numeric_column(name: str, cells: list, kinds: set, samples: dict[str, list], ask_gdal) -> list | None:
    """The cells of a column whose values are JSON numbers, booleans and nulls (``kinds``: their
    Python types; ``samples``: its :func:`column_samples`) as GDAL's path gives them, or None
    when GDAL must read the file."""
    asked = [value for values in samples.values() for value in values]
    if _NONE in kinds:
        asked.append(None)
    answers = ask_gdal(name, asked)
    if len(answers) != len(asked):
        return None
    ways = {}
    at = 0
    for kind, values in samples.items():
        found = {_way(value, answer) for value, answer in zip(values, answers[at:at + len(values)])}
        at += len(values)
        if len(found) != 1 or None in found:
            return None
        ways[kind] = found.pop()
    null = answers[-1] if _NONE in kinds else None
    if _NONE in kinds and not (null is None or (type(null) is float and null != null)):
        return None
    return _converted(cells, ways, null)


def has_zero(samples: dict[str, list]) -> bool:
    """Whether the column the samples are of holds a floating zero (see :func:`may_underflow`)."""
    return any(value == 0.0 for value in samples.get("float", ()))


def column_samples(cells: list, kinds: set) -> dict[str, list] | None:
    """The values to ask GDAL about, by kind: the smallest and largest integer of each width, the
    smallest and largest float (and a zero of each sign, if any), each boolean present. None when
    a value is one GDAL reads its own way."""
    found: dict[str, list] = {}
    numbers = kinds - {_NONE}
    values = [value for value in cells if value is not None] if _NONE in kinds else cells
    if int in numbers:
        ints = values if numbers == {int} else [value for value in values if type(value) is int]
        low, high = min(ints), max(ints)
        if low <= -_INT64 or high >= _INT64 - 1:
            return None  # GDAL clamps, refuses or reads as a double
        if -_INT32 <= low and high < _INT32:
            found["int32"] = _ends(low, high)
        else:
            array = np.array(ints, dtype=np.int64)
            narrow = (array >= -_INT32) & (array < _INT32)
            if narrow.any():
                found["int32"] = _ends(int(array[narrow].min()), int(array[narrow].max()))
            wide = array[~narrow]
            found["int64"] = _ends(int(wide.min()), int(wide.max()))
    if float in numbers:
        array = np.array(values if numbers == {float} else [value for value in values if type(value) is float], dtype=np.float64)
        if not np.isfinite(array).all():
            return None
        signs = np.signbit(array[array == 0.0])
        zeros = [0.0] * bool((~signs).any()) + [-0.0] * bool(signs.any())
        found["float"] = _ends(float(array.min()), float(array.max())) + zeros
    if bool in numbers:
        present = {value for value in values if type(value) is bool}
        found["bool"] = [value for value in (False, True) if value in present]
    return found


def _ends(low, high) -> list:
    return [low] if low == high else [low, high]


def _way(value, answer) -> type | None:
    """How GDAL's path gave ``value``: as it is (its own type), as an int or as a float; None when
    the answer is none of these."""
    if type(answer) is type(value) and answer == value and _same_sign(answer, value):
        return type(value)
    if type(answer) is int and answer == int(value) and type(value) is not float:
        return int
    if type(answer) is float and answer == float(value) and _same_sign(answer, float(value)):
        return float
    return None


def _same_sign(a, b) -> bool:
    return type(a) is not float or math.copysign(1.0, a) == math.copysign(1.0, b)


def _converted(cells: list, ways: dict[str, type], null) -> list | None:
    """The column with each kind's values converted as GDAL's path converted its samples (None
    when integers of both widths came back in different ways: not one field type)."""
    by_type: dict[type, type] = {}
    for kind, way in ways.items():
        python_type = {"int32": int, "int64": int, "float": float, "bool": bool}[kind]
        if by_type.setdefault(python_type, way) is not way:
            return None
    if all(way is python_type for python_type, way in by_type.items()):  # every value stays as it is
        return cells if null is None else [null if value is None else value for value in cells]
    if len(set(by_type.values())) == 1:  # int(), float() and bool() give back an int, float or bool as it is
        convert = next(iter(by_type.values()))
        return [null if value is None else convert(value) for value in cells]
    return [null if value is None else by_type[type(value)](value) for value in cells]


_ZERO_RUN = b"." + b"0" * 100
_NUMBER_BYTES = frozenset(b"0123456789.eE+-")
_LONGEST = 2000
"""Bytes of a number looked at around a candidate; a longer run of number-like bytes is taken as
a possible underflow."""


def may_underflow(content: bytes) -> bool:
    """Whether some number in ``content`` is too small for a double without being zero
    (``1e-400``): msgspec reads it as 0.0, GDAL refuses the file. Such a number is below 1e-323,
    so it has a negative exponent or a hundred zeros after its point (else it would be at least
    1e-100). Each such place is read as the run of number bytes around it (a JSON number ends at
    a byte that is not one); a run in a text that reads as such a number makes it say yes too,
    which only sends the file to GDAL. Asked only when a zero was read."""
    for marker in (b"e-", b"E-", _ZERO_RUN):
        at = content.find(marker)
        while at >= 0:
            if _underflows_at(content, at):
                return True
            at = content.find(marker, at + len(marker))
    return False


def _underflows_at(content: bytes, at: int) -> bool:
    start = at
    while start > 0 and content[start - 1] in _NUMBER_BYTES:
        start -= 1
        if at - start > _LONGEST:
            return True
    end = at
    while end < len(content) and content[end] in _NUMBER_BYTES:
        end += 1
        if end - at > _LONGEST:
            return True
    literal = content[start:end]
    try:
        value = float(literal)
    except ValueError:
        return False  # not a number: a text's bytes
    mantissa = re.split(rb"[eE]", literal, maxsplit=1)[0]
    return value == 0.0 and re.search(rb"[1-9]", mantissa) is not None
