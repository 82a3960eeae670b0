"""The value rules of a feature, in one place: what an id, a date, an address, a number, a
coordinate, a country code, a precision or a dating may be.

Every reader applies these (the precise reader's field reader, the column validator of the fast
YAML reader, the bulk-data rows), and each words the problem its own way: the precise reader at
the value's line and column, bulk data once per kind of problem naming rows, the column validator
by leaving the entry to the precise reader. So a rule does not write a message: it answers None
(the value is good) or a :class:`Broken` saying which rule the value breaks, with the detail only
the rule knows (the date parser's or the address parser's reason).

A rule takes one value and depends on nothing else, so a column can be checked once per
*distinct* value: bulk columns repeat (countries, dates, units, source ids), and a million rows
are then a few thousand checks (``bulk_columns.KeyColumns.texts``/``lists``).

Rules that are checked over whole columns (the fast YAML reader's column validator,
:class:`.fast_columns.ColumnChecker`, and bulk data's rows, :mod:`.bulk_columns`) have a column form
next to the scalar one: it answers the :class:`RowProblem` records of a column, ``(row, key,
kind, detail)``, which each reader words. The column form decides
the usual column (every value good) at C speed with the scalar rule's own definition (the same
compiled pattern, the same bounds, the same set of choices, the same ``float``), and any column
that is not all good is handed to the scalar rule value by value, so the failing rows and their
:class:`Broken` are the scalar rule's by construction (and by
``tests/model/test_feature_rules.py``, which compares them on random and edge-case columns).
"""

from __future__ import annotations

import math
import re
from typing import Callable, Iterable, NamedTuple, Sequence
from urllib.parse import urlparse

from influencemap.model import schema
from influencemap.model.dates import DateError, first_day, last_day, parse_partial_date
from influencemap.model.types import PRECISION_VALUES

PRECISIONS = frozenset(PRECISION_VALUES)
DATINGS = frozenset(schema.DATINGS)


class Broken(NamedTuple):
    """The rule a value breaks (``kind``) and what the rule alone can say about it."""

    kind: str
    """``identifier``, ``date``, ``address`` (unparseable), ``scheme`` (not http/https),
    ``choice``, ``number``, ``finite``, ``minimum``, ``longitude``, ``latitude``, ``country``;
    ``order`` for a period that ends before it starts (:func:`periods`)."""
    detail: str = ""


class RowProblem(NamedTuple):
    """A value of a column that breaks a rule: its ``row`` (the index in the column checked),
    the ``key`` the column holds, and the :class:`Broken` rule's ``kind`` and ``detail``. Each
    reader words it its own way (the column validator leaves the row to the precise reader,
    which places the message at the value's line and column)."""

    row: int
    key: str
    kind: str
    detail: str = ""


def _each(column: Sequence, rule: Callable[[object], Broken | None], key: str) -> list[RowProblem]:
    """The scalar ``rule`` applied to every value of ``column``: the slow path of a column form,
    taken only by a column that is not all good."""
    problems = []
    for row, value in enumerate(column):
        broken = rule(value)
        if broken is not None:
            problems.append(RowProblem(row, key, broken.kind, broken.detail))
    return problems


def identifier(text: str) -> Broken | None:
    """Lowercase letters, digits and hyphens, starting with a letter or digit."""
    return None if schema.IDENTIFIER.match(text) else Broken("identifier")


_IDENTIFIER_BODY = schema.IDENTIFIER.pattern.removeprefix("^").removesuffix("$")
_IDENTIFIER_LINES = re.compile(f"{_IDENTIFIER_BODY}(?:\n{_IDENTIFIER_BODY})*")
""":data:`.schema.IDENTIFIER`'s own pattern, once per line: a column of identifiers joined by line
breaks matches it whole exactly when every one matches alone (none holds a line break; the
pattern cannot match one)."""


def identifiers(column: Sequence[str], key: str = "id") -> list[RowProblem]:
    """:func:`identifier` of every text of ``column``, the usual all-good column in one match."""
    try:
        joined = "\n".join(column)
    except TypeError:  # not all texts: the scalar rule says what each is
        return _each(column, identifier, key)
    if column and joined.count("\n") == len(column) - 1 and _IDENTIFIER_LINES.fullmatch(joined):
        return []
    # not all good (a million rows with a few bad): the scalar rule's own match over the column
    # at C speed, the scalar rule itself for the few it refuses
    match = schema.IDENTIFIER.match
    return [
        RowProblem(row, key, *identifier(column[row]))  # type: ignore[misc]
        for row, found in enumerate(map(match, column)) if found is None
    ]


def identifier_hint(text: str) -> str | None:
    """An identifier the user may have meant (``'Minsk Plant'`` → ``minsk-plant``), if any."""
    suggestion = "-".join("".join(c if c.isalnum() else " " for c in text.lower()).split())
    return suggestion if suggestion and schema.IDENTIFIER.match(suggestion) else None


def date(text: str) -> Broken | None:
    """A ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` date."""
    try:
        parse_partial_date(text)
    except DateError as exc:
        return Broken("date", str(exc))
    return None


def dates(column: Sequence[str], key: str = "date", good: set[str] | None = None) -> list[RowProblem]:
    """:func:`date` of every text of ``column``, each distinct text checked once. ``good``: texts
    already known to be dates (skipped), and where the good ones found here are added, so a
    caller checking chunk after chunk of one file parses each date once."""
    known = good if good is not None else set()
    broken = {}
    for text in set(column) - known:
        found = date(text)
        if found is None:
            known.add(text)
        else:
            broken[text] = found
    if not broken:
        return []
    return [RowProblem(row, key, *broken[text]) for row, text in enumerate(column) if text in broken]


def ordered(start: str, end: str) -> bool | None:
    """Whether the period ``end`` does not end before ``start`` begins; None if either is not a
    date."""
    try:
        return last_day(end) >= first_day(start)
    except DateError:
        return None


def periods(starts: Sequence[str], ends: Sequence[str | None], key: str = "end") -> list[RowProblem]:
    """An ``order`` problem for every row whose period ends before it starts (:func:`ordered` is
    False; a row without an end, or with a text that is not a date, is not this rule's). Each
    distinct pair is decided once (the day functions keep what they computed)."""
    decided: dict[tuple[str, str], bool | None] = {}
    problems = []
    for row, pair in enumerate(zip(starts, ends)):
        if pair[1] is None:
            continue
        found = decided.get(pair)
        if found is None and pair not in decided:
            found = decided[pair] = ordered(*pair)
        if found is False:
            problems.append(RowProblem(row, key, "order"))
    return problems


LONGITUDES = (-180, 180)
LATITUDES = (-90, 90)
"""The ranges a point's longitude and latitude lie in, ends included."""


def longitude(lon: float) -> Broken | None:
    return None if LONGITUDES[0] <= lon <= LONGITUDES[1] else Broken("longitude")


def latitude(lat: float) -> Broken | None:
    return None if LATITUDES[0] <= lat <= LATITUDES[1] else Broken("latitude")


def maybe_swapped(lon: float) -> bool:
    """Whether a point whose latitude is out of range would fit with the two swapped."""
    return LATITUDES[0] <= lon <= LATITUDES[1]


def _within(values: Sequence[float], bounds: tuple[float, float]) -> bool:
    """Whether every value lies in ``bounds`` (ends included), at C speed: min and max within
    them, and no NaN (which min and max pass over unless it comes first; a sum of values within
    the bounds is NaN only with a NaN among them)."""
    return bounds[0] <= min(values) and max(values) <= bounds[1] and not math.isnan(sum(values))


def coordinates(lons: Sequence[float], lats: Sequence[float], key: str = "point") -> list[RowProblem]:
    """:func:`longitude` and :func:`latitude` of every point of two columns of numbers (a row's
    longitude problem before its latitude's)."""
    if not lons or (_within(lons, LONGITUDES) and _within(lats, LATITUDES)):
        return []
    problems = []
    for row, (lon, lat) in enumerate(zip(lons, lats)):
        for broken in (longitude(lon), latitude(lat)):
            if broken is not None:
                problems.append(RowProblem(row, key, broken.kind, broken.detail))
    return problems


def coordinates_in_range(lons, lats):
    """Per point (numpy arrays of floats), whether :func:`longitude` and :func:`latitude` both
    accept it: the same bounds, ends included (a NaN is out of every range, as in the scalar
    rules). Bulk data takes a million rows' coordinates from arrays by this mask."""
    import numpy as np

    with np.errstate(invalid="ignore"):
        return (lons >= LONGITUDES[0]) & (lons <= LONGITUDES[1]) & (lats >= LATITUDES[0]) & (lats <= LATITUDES[1])


def country_code(text: str, known: frozenset[str]) -> tuple[str | None, Broken | None]:
    """(the code in capitals, None) for an ISO 3166-1 alpha-2 code among ``known`` (the
    basemap's), in any case; else (None, the rule broken). Bulk data's cells may also name a
    country in English: :func:`.field_map.country_code`."""
    code = text.upper()
    return (code, None) if code in known else (None, Broken("country"))


def country_codes(column: Sequence[str], known: frozenset[str], key: str = "countries") -> tuple[list[str | None], list[RowProblem]]:
    """:func:`country_code` of every text of ``column``, each distinct text once: (the codes in
    capitals, None where a text is not one; the problems)."""
    decided = {text: country_code(text, known) for text in set(column)}
    codes = [decided[text][0] for text in column]
    if all(code is not None for code, _ in decided.values()):
        return codes, []
    return codes, [RowProblem(row, key, *decided[text][1]) for row, text in enumerate(column) if decided[text][1] is not None]  # type: ignore[misc]


def url(text: str) -> Broken | None:
    """An http:// or https:// address with a host (and a valid port, if any)."""
    try:
        parsed = urlparse(text)
        parsed.port  # noqa: B018 - urlparse checks the host and port only when asked
    except ValueError as exc:  # 'http://[x]/', 'http://[::1/', a port out of range
        return Broken("address", str(exc))
    if parsed.scheme.lower() not in schema.ALLOWED_URL_SCHEMES or not parsed.netloc:
        return Broken("scheme")
    return None


def urls(column: Sequence[str], key: str = "source_urls") -> list[RowProblem]:
    """:func:`url` of every text of ``column``, each distinct text once (a column of addresses
    repeats: many rows cite the same report)."""
    broken = {text: found for text in set(column) if (found := url(text)) is not None}
    if not broken:
        return []
    return [RowProblem(row, key, *broken[text]) for row, text in enumerate(column) if text in broken]


def choice(text: str, choices: Iterable[str]) -> Broken | None:
    return None if text in choices else Broken("choice")


def choices(column: Sequence[str], allowed: frozenset[str], key: str) -> list[RowProblem]:
    """:func:`choice` of every text of ``column``: one set comparison for the all-good column."""
    if set(column) <= allowed:
        return []
    return _each(column, lambda text: choice(text, allowed), key)  # type: ignore[arg-type]


def precision(text: str) -> Broken | None:
    return choice(text, PRECISIONS)


def precisions(column: Sequence[str], key: str = "precision") -> list[RowProblem]:
    return choices(column, PRECISIONS, key)


def dating(text: str) -> Broken | None:
    return choice(text, DATINGS)


def datings(column: Sequence[str], key: str = "dating") -> list[RowProblem]:
    return choices(column, DATINGS, key)


def numbers(column: Sequence[object], key: str = "value", minimum: float | None = None, thousands: bool = False) -> tuple[list[float | None], list[RowProblem]]:
    """:func:`number` of every value of ``column`` (``thousands``: texts may have ``,``
    separators, as bulk figures do): (the numbers, None where a value breaks the rule; the
    problems). The all-good column is one ``float`` over it: ``float`` takes a text only where
    :func:`number` does, as the same number (the white space it skips is some of what
    ``str.strip`` removes; a text around which it is not, such as U+001C, fails here and takes
    the scalar path; so does every text with a separator)."""
    try:
        found: list = list(map(float, column))  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        pass
    else:
        if all(map(math.isfinite, found)) and (minimum is None or not found or min(found) >= minimum):
            return found, []
    values: list[float | None] = []
    problems = []
    for row, value in enumerate(column):
        number_found, broken = number(value, minimum, thousands)
        values.append(number_found)
        if broken is not None:
            problems.append(RowProblem(row, key, broken.kind, broken.detail))
    return values, problems


def number(value: object, minimum: float | None = None, thousands: bool = False) -> tuple[float | None, Broken | None]:
    """(the number, None) or (None, the rule broken): a text (``thousands``: with ``,``
    separators) or a number, finite, at least ``minimum``."""
    try:
        if isinstance(value, str):
            found = float(value.strip().replace(",", "") if thousands else value.strip())
        else:
            found = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return None, Broken("number")
    if not math.isfinite(found):
        return None, Broken("finite")
    if minimum is not None and found < minimum:
        return None, Broken("minimum")
    return found, None
