"""Which features to show or export: by date range, country, tag, actor, layer and category.

The same :class:`FeatureFilter` serves the command line, the app and every exporter, so
``--to 2020`` means all of 2020 everywhere.

Every criterion is a column of the feature table (countries, tags, actors, start and end), so a
filter decides whole columns at once (:meth:`FeatureFilter.accepted_rows`), each distinct value
once, and the filtered layer is the chosen rows of the same table
(:meth:`~influencemap.model.feature_table.FeatureTable.take`): setting a filter on a million
cached features builds no Feature object. :meth:`FeatureFilter.accepts` decides one Feature
the same way (search, the details panel).
"""

from __future__ import annotations

import dataclasses
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from influencemap.model.catalog import Catalog
from influencemap.model.dates import first_day, last_day, span
from influencemap.model.feature_table import FeatureTable
from influencemap.model.types import Feature, Layer

if TYPE_CHECKING:  # numpy is imported where used: the app's window must not wait for it
    import numpy as np


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

    def accepted_rows(self, features: FeatureTable) -> np.ndarray:
        """Whether each row of ``features`` passes (a read-only bool array), from the table's
        columns: each distinct tuple of countries, tags or actors and each distinct (start, end)
        pair is decided once, as :meth:`accepts` decides it for one feature. The last answer per
        table is kept: the shown catalog and the canvas's masks ask the same question."""
        remembered = _LAST_ANSWER.get(features)
        if remembered is not None and remembered[0] == self:
            return remembered[1]
        accepted = self._accepted_rows(features)
        accepted.flags.writeable = False
        _LAST_ANSWER[features] = (self, accepted)
        return accepted

    def _accepted_rows(self, features: FeatureTable) -> np.ndarray:
        import numpy as np

        accepted = np.ones(len(features), dtype=bool)
        for name, wanted in (("countries", self.countries), ("tags", self.tags), ("actors", self.actors)):
            if wanted:
                accepted &= meets(features.column(name), wanted)
        if self.date_range is not None:
            accepted &= self.dates_pass(features.column("starts"), features.column("ends"))
        return accepted

    def dates_pass(self, starts: Sequence[str | None], ends: Sequence[str | None]) -> np.ndarray:
        """Whether each (start, end) pair passes the date range (all do without one), each
        distinct pair decided once (the filter and the faceted counts of :mod:`.facets`)."""
        import numpy as np

        if self.date_range is None:
            return np.ones(len(starts), dtype=bool)

        wanted = self.date_range
        assert wanted is not None
        answers: dict[tuple, bool] = {}
        for pair in set(zip(starts, ends)):
            covered = span(*pair)
            answers[pair] = self.include_undated if covered is None else covered[0] <= wanted[1] and wanted[0] <= covered[1]
        return np.fromiter(map(answers.__getitem__, zip(starts, ends)), dtype=bool, count=len(starts))

    def apply(self, catalog: Catalog) -> Catalog:
        """A catalog holding only the layers and features that pass; sources are kept. Each
        layer's features are the accepted rows of its table (no Feature is built).

        With no criterion set, that is the catalog itself."""
        if not self.is_active:
            return catalog
        import numpy as np

        layers = tuple(
            dataclasses.replace(layer, features=layer.features.take(np.flatnonzero(self.accepted_rows(layer.features))))
            for layer in catalog.layers
            if self.accepts_layer(layer)
        )
        return Catalog(layers=layers, sources=catalog.sources, problems=catalog.problems)


_LAST_ANSWER: weakref.WeakKeyDictionary[FeatureTable, tuple[FeatureFilter, np.ndarray]] = weakref.WeakKeyDictionary()
"""Per table (held weakly), the last filter asked about it and its answer."""


def meets(column: Sequence[tuple[str, ...]], wanted: frozenset[str]) -> np.ndarray:
    """Whether each row's values include one of ``wanted`` (every row when nothing is wanted),
    decided once per distinct tuple (the filter and the faceted counts of :mod:`.facets`)."""
    import numpy as np

    if not wanted:
        return np.ones(len(column), dtype=bool)

    answers = {values: not wanted.isdisjoint(values) for values in set(column)}
    return np.fromiter(map(answers.__getitem__, column), dtype=bool, count=len(column))


def shown_catalog(catalog: Catalog, feature_filter: FeatureFilter | None, visible_layer_ids: Iterable[str]) -> Catalog:
    """What a map drawing ``visible_layer_ids`` through ``feature_filter`` shows ("export what I
    see"): no visible layer means an empty catalog, not every layer."""
    visible = frozenset(visible_layer_ids)
    layers = tuple(layer for layer in catalog.layers if layer.id in visible)
    shown = Catalog(layers=layers, sources=catalog.sources, problems=catalog.problems)
    # Hidden layers are dropped first, so their features are never filtered for nothing.
    return (feature_filter or FeatureFilter()).apply(shown)
