"""What the app's timeline and filter lists offer: years with their feature counts, and the
countries, tags, actors and layer categories found in a catalog.

Qt-free, so the widgets stay thin and the counting is tested without a display. The app calls
these on its UI thread after every load, so they count whole columns at a time (a cached
table's columns as they are): 100,000 features take a few hundredths of a second.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Sequence

from influencemap.model.catalog import Catalog
from influencemap.model.dates import parse_partial_date
from influencemap.model.feature_table import feature_values


def _year_counts(catalog: Catalog, key: str) -> Counter[int]:
    """How many features start (or, with ``key`` "end", end) in each year; each distinct date
    text is parsed once."""
    texts: Counter[str] = Counter()
    for layer in catalog.layers:
        texts.update(feature_values(layer.features, key))
    years: Counter[int] = Counter()
    for text, count in texts.items():
        if text:
            years[parse_partial_date(text)[0]] += count
    return years


def _bounds(starts: Counter[int], ends: Counter[int]) -> tuple[int, int] | None:
    years = starts.keys() | ends.keys()
    if not years:
        return None
    return min(years), max(years)


def year_histogram(catalog: Catalog) -> dict[int, int]:
    """Dated features per year they start in, every year of :func:`year_bounds` included."""
    starts = _year_counts(catalog, "start")
    bounds = _bounds(starts, _year_counts(catalog, "end"))
    if bounds is None:
        return {}
    return {year: starts.get(year, 0) for year in range(bounds[0], bounds[1] + 1)}


def year_bounds(catalog: Catalog) -> tuple[int, int] | None:
    """(first, last) year any feature starts or ends in; None when no feature is dated."""
    return _bounds(_year_counts(catalog, "start"), _year_counts(catalog, "end"))


@dataclass(frozen=True)
class Facets:
    """How many features carry each value (a layer category counts its layers' features)."""

    countries: Counter[str] = field(default_factory=Counter)
    tags: Counter[str] = field(default_factory=Counter)
    actors: Counter[str] = field(default_factory=Counter)
    categories: Counter[str] = field(default_factory=Counter)


def _count_once_each(counts: Counter[str], values: Sequence[tuple]) -> None:
    """Add every value of every feature to ``counts``, a value a feature lists twice only once.

    Features share a few combinations of values: each distinct combination is counted once.
    """
    for listed, features in Counter(values).items():
        for value in set(listed):
            counts[value] += features


def facets(catalog: Catalog) -> Facets:
    result = Facets()
    for layer in catalog.layers:
        if layer.category:
            result.categories[layer.category] += len(layer.features)
        for name in ("countries", "tags", "actors"):
            _count_once_each(getattr(result, name), feature_values(layer.features, name))
    return result
