"""What the app's timeline and filter lists offer: years with their feature counts, and the
countries, tags, actors and layer categories found in a catalog.

Qt-free, so the widgets stay thin and the counting is tested without a display.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from influencemap.model.catalog import Catalog
from influencemap.model.dates import parse_partial_date


def _year(text: str) -> int:
    return parse_partial_date(text)[0]


def year_histogram(catalog: Catalog) -> dict[int, int]:
    """Dated features per year they start in, every year of :func:`year_bounds` included."""
    counts = Counter(_year(f.start) for f in catalog.features() if f.start)
    bounds = year_bounds(catalog)
    if bounds is None:
        return {}
    return {year: counts.get(year, 0) for year in range(bounds[0], bounds[1] + 1)}


def year_bounds(catalog: Catalog) -> tuple[int, int] | None:
    """(first, last) year any feature starts or ends in; None when no feature is dated."""
    years = [_year(d) for f in catalog.features() for d in (f.start, f.end) if d]
    if not years:
        return None
    return min(years), max(years)


@dataclass(frozen=True)
class Facets:
    """How many features carry each value (a layer category counts its layers' features)."""

    countries: Counter[str] = field(default_factory=Counter)
    tags: Counter[str] = field(default_factory=Counter)
    actors: Counter[str] = field(default_factory=Counter)
    categories: Counter[str] = field(default_factory=Counter)


def facets(catalog: Catalog) -> Facets:
    result = Facets()
    for layer in catalog.layers:
        if layer.category:
            result.categories[layer.category] += len(layer.features)
        for feature in layer.features:
            result.countries.update(set(feature.countries))
            result.tags.update(set(feature.tags))
            result.actors.update(set(feature.actors))
    return result
