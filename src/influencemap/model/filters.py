"""Which features to show or export: by date range, country, tag, actor, layer and category.

The same :class:`FeatureFilter` serves the command line, the app and every exporter, so
``--to 2020`` means all of 2020 everywhere.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from influencemap.model.catalog import Catalog
from influencemap.model.dates import first_day, last_day, span
from influencemap.model.types import Feature, Layer


@dataclass(frozen=True)
class FeatureFilter:
    """A feature passes when it passes every criterion that is set.

    Dates are ``YYYY[-MM[-DD]]`` and inclusive: a feature passes when its span overlaps the
    range. While a date bound is set, undated features pass only with ``include_undated``.
    """

    date_from: str | None = None
    date_to: str | None = None
    include_undated: bool = False
    countries: frozenset[str] = frozenset()
    tags: frozenset[str] = frozenset()
    actors: frozenset[str] = frozenset()
    layers: frozenset[str] = frozenset()
    categories: frozenset[str] = frozenset()

    @property
    def is_active(self) -> bool:
        return any(
            (self.date_from, self.date_to, self.countries, self.tags, self.actors, self.layers,
             self.categories)
        )

    @property
    def date_range(self) -> tuple[date, date] | None:
        if self.date_from is None and self.date_to is None:
            return None
        low = first_day(self.date_from) if self.date_from else date.min
        high = last_day(self.date_to) if self.date_to else date.max
        return low, high

    def accepts_layer(self, layer: Layer) -> bool:
        if self.layers and layer.id not in self.layers:
            return False
        if self.categories and (layer.category or "") not in self.categories:
            return False
        return True

    def accepts(self, feature: Feature) -> bool:
        if self.countries and not self.countries.intersection(feature.countries):
            return False
        if self.tags and not self.tags.intersection(feature.tags):
            return False
        if self.actors and not self.actors.intersection(feature.actors):
            return False
        wanted = self.date_range
        if wanted is None:
            return True
        covered = span(feature.start, feature.end)
        if covered is None:
            return self.include_undated
        return covered[0] <= wanted[1] and wanted[0] <= covered[1]

    def apply(self, catalog: Catalog) -> Catalog:
        """A catalog holding only the layers and features that pass; sources are kept.

        With no criterion set, that is the catalog itself."""
        if not self.is_active:
            return catalog
        layers = tuple(
            dataclasses.replace(layer, features=tuple(f for f in layer.features if self.accepts(f)))
            for layer in catalog.layers
            if self.accepts_layer(layer)
        )
        return Catalog(layers=layers, sources=catalog.sources, problems=catalog.problems)


def shown_catalog(catalog: Catalog, feature_filter: FeatureFilter | None, visible_layer_ids: Iterable[str]) -> Catalog:
    """What a map drawing ``visible_layer_ids`` through ``feature_filter`` shows ("export what I
    see"): no visible layer means an empty catalog, not every layer."""
    visible = frozenset(visible_layer_ids)
    layers = tuple(layer for layer in catalog.layers if layer.id in visible)
    shown = Catalog(layers=layers, sources=catalog.sources, problems=catalog.problems)
    # Hidden layers are dropped first, so their features are never filtered for nothing.
    return (feature_filter or FeatureFilter()).apply(shown)
