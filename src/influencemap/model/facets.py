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

import numpy as np

from influencemap.model.catalog import Catalog
from influencemap.model.dates import parse_partial_date
from influencemap.model.feature_table import feature_values
from influencemap.model.per_catalog import remembered



def _column_counts(catalog: Catalog, layer, key: str) -> Counter:
    """How many of the layer's features hold each distinct value of ``key`` (a date text, a
    tuple of countries...). Remembered with the catalog: the filter lists, the timeline and
    their faceted counts all start from it, and on a million features each count of a column
    took a tenth of a second."""
    return remembered(catalog, ("column_counts", id(layer), key), lambda: Counter(feature_values(layer.features, key)))


def _year_counts(catalog: Catalog, key: str) -> Counter[int]:
    """How many features start (or, with ``key`` "end", end) in each year; each distinct date
    text is parsed once."""
    texts: Counter[str] = Counter()
    for layer in catalog.layers:
        texts.update(_column_counts(catalog, layer, key))
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
    return dict(remembered(catalog, ("year_histogram",), lambda: _year_histogram(catalog)))


def _year_histogram(catalog: Catalog) -> dict[int, int]:
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
    _add_once_each(counts, Counter(values))


def _add_once_each(counts: Counter[str], combinations: Counter) -> None:
    """:func:`_count_once_each` from how many features list each combination of values."""
    for listed, features in combinations.items():
        for value in set(listed):
            counts[value] += features


def facets(catalog: Catalog) -> Facets:
    return remembered(catalog, ("facets",), lambda: _facets(catalog))


def _facets(catalog: Catalog) -> Facets:
    result = Facets()
    for layer in catalog.layers:
        if layer.category:
            result.categories[layer.category] += len(layer.features)
        for name in ("countries", "tags", "actors"):
            _add_once_each(getattr(result, name), _column_counts(catalog, layer, name))
    return result


@dataclass(frozen=True)
class FacetedCounts:
    """The filter lists' and the timeline's counts given the *other* active criteria.

    As in every faceted search, a value's count is how many features would show if it were
    checked (with the rest of the filter as it is), so checking Belarus does not make the other
    countries read zero. Hidden layers count for nothing; a value with no match counts 0.
    """

    facets: Facets
    years: dict[int, int]
    """Dated features per start year through every criterion but the date range."""


def faceted_counts(catalog: Catalog, feature_filter, visible_layer_ids, lists: bool = True) -> FacetedCounts:
    """:class:`FacetedCounts` of the features of ``visible_layer_ids`` through ``feature_filter``.

    Whole columns at a time: each criterion is decided once per distinct value (tuple of
    countries, date pair…), combined with numpy, and the values of the features that pass are
    counted once per distinct tuple, so 100,000 features cost about a tenth of a second. Without
    ``lists`` only the years are counted (the timeline's histogram). Remembered per catalog,
    filter and set of visible layers (see :func:`.per_catalog.remembered`)."""
    from influencemap.model.filters import FeatureFilter

    same_filter = None if feature_filter is None or feature_filter == FeatureFilter() else feature_filter
    key = ("faceted_counts", same_filter, frozenset(visible_layer_ids), lists)
    try:
        hash(key)
    except TypeError:  # a filter holding something unhashable: counted every time
        return _faceted_counts(catalog, feature_filter, visible_layer_ids, lists)
    return remembered(catalog, key, lambda: _faceted_counts(catalog, feature_filter, visible_layer_ids, lists))


def _faceted_counts(catalog: Catalog, feature_filter, visible_layer_ids, lists: bool) -> FacetedCounts:
    from itertools import compress

    from influencemap.model.filters import FeatureFilter, meets

    current = feature_filter or FeatureFilter()
    visible = set(visible_layer_ids)
    result = Facets()
    years: Counter[int] = Counter()
    year_of: dict[str | None, int] = {None: 0, "": 0}
    names = ("countries", "tags", "actors")
    for layer in catalog.layers:
        if layer.id not in visible or (current.layers and layer.id not in current.layers):
            continue
        features = layer.features
        count = len(features)
        if not count:
            continue
        category_ok = not current.categories or (layer.category or "") in current.categories
        columns = {name: feature_values(features, name) for name in names}
        passes = {name: meets(columns[name], getattr(current, name)) for name in names}
        starts = feature_values(features, "start")
        dated = current.dates_pass(starts, feature_values(features, "end"))
        all_lists = passes["countries"] & passes["tags"] & passes["actors"]
        for name in names:
            if not category_ok or not lists:
                break
            mask = dated.copy()
            for other in names:
                if other != name:
                    mask &= passes[other]
            if mask.all():  # nothing left out: the column's remembered counts
                _add_once_each(getattr(result, name), _column_counts(catalog, layer, name))
            else:
                _count_once_each(getattr(result, name), list(compress(columns[name], mask.tolist())))
        shown = int((dated & all_lists).sum())
        if layer.category and shown:
            result.categories[layer.category] += shown
        if category_ok:
            start_counts = _column_counts(catalog, layer, "start")
            for text in start_counts:
                if text not in year_of:
                    year_of[text] = parse_partial_date(text)[0]
            # Undated features count as year 0 here and are dropped below.
            if all_lists.all():
                for text, features_there in start_counts.items():
                    years[year_of[text]] += features_there
            else:
                chosen = compress(starts, all_lists.tolist())
                years.update(Counter(map(year_of.__getitem__, chosen)))
    years.pop(0, None)
    return FacetedCounts(result, dict(years))
