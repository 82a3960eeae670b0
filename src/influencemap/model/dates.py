"""Partial ISO dates (``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD``) and the spans they cover.

A partial date stands for the whole period it names: ``2020`` runs from 1 January to
31 December 2020. Every filter and export uses these rules, so dates mean the same everywhere.
"""

from __future__ import annotations

import calendar
import functools
import re
from datetime import date

_PARTIAL_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")

_MONTHS = (
    "January February March April May June July August September October November December"
).split()


class DateError(ValueError):
    """A text that is not a valid ``YYYY[-MM[-DD]]`` date."""


# Cached: filters, the timeline and the statistics ask about every feature's dates (100,000 in
# a big layer), and the same few thousand texts come up again and again. Errors are not cached.
@functools.lru_cache(maxsize=1 << 16)
def parse_partial_date(text: str) -> tuple[int, int | None, int | None]:
    """Check ``text`` and return (year, month or None, day or None).

    Raises
    ------
    DateError
        With a message fit for the user, when the text is not a real date.
    """
    match = _PARTIAL_DATE.match(text.strip())
    if not match:
        raise DateError(f"invalid date {text!r}: expected YYYY, YYYY-MM or YYYY-MM-DD")
    year = int(match.group(1))
    month = int(match.group(2)) if match.group(2) else None
    day = int(match.group(3)) if match.group(3) else None
    if month is not None and not 1 <= month <= 12:
        raise DateError(f"invalid date {text!r}: month {month} is not 1-12")
    if day is not None:
        last = calendar.monthrange(year, month)[1]  # type: ignore[arg-type]
        if not 1 <= day <= last:
            raise DateError(f"invalid date {text!r}: day {day} is not in 1-{last}")
    if year < 1:
        raise DateError(f"invalid date {text!r}: year must be 1 or later")
    return year, month, day


# Cached too (the date objects): a filter asks for both ends of every feature's span.
@functools.lru_cache(maxsize=1 << 16)
def first_day(text: str) -> date:
    """The first day of the period a partial date names."""
    year, month, day = parse_partial_date(text)
    return date(year, month or 1, day or 1)


@functools.lru_cache(maxsize=1 << 16)
def last_day(text: str) -> date:
    """The last day of the period a partial date names."""
    year, month, day = parse_partial_date(text)
    if month is None:
        return date(year, 12, 31)
    if day is None:
        return date(year, month, calendar.monthrange(year, month)[1])
    return date(year, month, day)


def span(start: str | None, end: str | None) -> tuple[date, date] | None:
    """The days a feature covers: ``start``'s first day to ``end``'s last; open end runs on.

    Returns None for an undated feature.
    """
    if start is None:
        return None
    return first_day(start), (last_day(end) if end is not None else date.max)


def format_partial_date(text: str) -> str:
    """``2013-05-20`` → ``20 May 2013``; ``2013-05`` → ``May 2013``; ``2013`` → ``2013``."""
    year, month, day = parse_partial_date(text)
    if month is None:
        return str(year)
    if day is None:
        return f"{_MONTHS[month - 1]} {year}"
    return f"{day} {_MONTHS[month - 1]} {year}"


def format_span(start: str | None, end: str | None, instant: bool) -> str | None:
    """A feature's dates for people: ``20 May 2013``, ``2015 – 2019``, ``since March 2021``."""
    if start is None:
        return None
    if instant or start == end:
        return format_partial_date(start)
    if end is None:
        return f"since {format_partial_date(start)}"
    return f"{format_partial_date(start)} – {format_partial_date(end)}"
