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
are then a few thousand checks (``bulk_data._Rows.texts``/``lists``).
"""

from __future__ import annotations

import math
from typing import Iterable, NamedTuple
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
    ``choice``, ``number``, ``finite``, ``minimum``, ``longitude``, ``latitude``, ``country``."""
    detail: str = ""


def identifier(text: str) -> Broken | None:
    """Lowercase letters, digits and hyphens, starting with a letter or digit."""
    return None if schema.IDENTIFIER.match(text) else Broken("identifier")


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


def ordered(start: str, end: str) -> bool | None:
    """Whether the period ``end`` does not end before ``start`` begins; None if either is not a
    date."""
    try:
        return last_day(end) >= first_day(start)
    except DateError:
        return None


def longitude(lon: float) -> Broken | None:
    return None if -180 <= lon <= 180 else Broken("longitude")


def latitude(lat: float) -> Broken | None:
    return None if -90 <= lat <= 90 else Broken("latitude")


def maybe_swapped(lon: float) -> bool:
    """Whether a point whose latitude is out of range would fit with the two swapped."""
    return -90 <= lon <= 90


def country_code(text: str, known: frozenset[str]) -> tuple[str | None, Broken | None]:
    """(the code in capitals, None) for an ISO 3166-1 alpha-2 code among ``known`` (the
    basemap's), in any case; else (None, the rule broken). Bulk data's cells may also name a
    country in English: :func:`.field_map.country_code`."""
    code = text.upper()
    return (code, None) if code in known else (None, Broken("country"))


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


def choice(text: str, choices: Iterable[str]) -> Broken | None:
    return None if text in choices else Broken("choice")


def precision(text: str) -> Broken | None:
    return choice(text, PRECISIONS)


def dating(text: str) -> Broken | None:
    return choice(text, DATINGS)


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


# -- whole-column forms (bulk data: a million rows) ------------------------------------------------
# Each answers for a whole column what its scalar rule above answers value by value, at C speed,
# by the same pattern or comparison; tests/model/test_feature_rules.py checks that they agree.


def broken_identifiers(texts: list[str]) -> list[int]:
    """The positions of the texts that :func:`identifier` refuses, in order."""
    match = schema.IDENTIFIER.match
    return [k for k, found in enumerate(map(match, texts)) if found is None]


def coordinates_in_range(lons, lats):
    """Per point (numpy arrays of floats), whether :func:`longitude` and :func:`latitude` both
    accept it: finite, −180…180 and −90…90 (a NaN is out of every range, as in the scalar rules)."""
    import numpy as np

    with np.errstate(invalid="ignore"):
        return (lons >= -180) & (lons <= 180) & (lats >= -90) & (lats <= 90)
