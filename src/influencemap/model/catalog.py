"""The catalog: every loaded layer, the sources they cite, and the problems found on the way.

It is the one store that the map canvas, the panels and every exporter read from.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from functools import cached_property
from typing import Iterator

from influencemap.model.types import Actor, Citation, Feature, Layer, Problem, Severity, Source


ROW_FEATURES = 10_000
"""Features of unbuilt tables :meth:`Catalog.find_feature` builds one by one (a click, a hover,
a list of hits); asked for more, it builds the whole table (one by one costs more per feature)."""

_ROWS_LOCK = threading.Lock()


@dataclass(frozen=True)
class ResolvedCitation:
    """A citation joined with the source it refers to."""

    number: int
    source: Source
    citation: Citation


@dataclass(frozen=True, eq=False)
class Catalog:
    """Compared and hashed by identity: a catalog is one load's result, and caches key on it."""

    layers: tuple[Layer, ...] = ()
    sources: dict[str, Source] = field(default_factory=dict)
    problems: tuple[Problem, ...] = ()
    actors: dict[str, Actor] = field(default_factory=dict)
    """The actors registry by id (``actors.yaml``); features already name its canonical names."""

    @cached_property
    def _actors_by_name(self) -> dict[str, Actor]:
        by_name: dict[str, Actor] = {}
        for actor in self.actors.values():
            for spelling in actor.spellings:
                by_name.setdefault(spelling, actor)
        return by_name

    def actor(self, name: str) -> Actor | None:
        """The registry entry an actor name (canonical name, id or alias) stands for, if any."""
        return self._actors_by_name.get(name)

    @cached_property
    def _features_by_id(self) -> dict[str, Feature]:
        return {f.id: f for layer in self.layers for f in layer.features}

    @cached_property
    def _layers_by_id(self) -> dict[str, Layer]:
        return {layer.id: layer for layer in self.layers}

    def layer(self, layer_id: str) -> Layer:
        return self._layers_by_id[layer_id]

    def feature(self, feature_id: str) -> Feature:
        feature = self.find_feature(feature_id)
        if feature is None:
            raise KeyError(feature_id)
        return feature

    def find_feature(self, feature_id: str) -> Feature | None:
        """The feature with this id. A cached layer's table is looked up by its id column and
        only the feature asked for is built (a click must not build a million; see
        model/table_row.py); the same feature object is given each time."""
        if not self._unbuilt_tables:
            return self._features_by_id.get(feature_id)
        with _ROWS_LOCK:
            found = self._row_features.get(feature_id)
        if found is not None:
            return found
        for layer, rows in reversed(self._table_rows):  # as _features_by_id: the last layer holding an id wins
            row = rows.get(feature_id)
            if row is None:
                continue
            if isinstance(row, Feature):
                return row
            if len(self._row_features) >= ROW_FEATURES:  # asked for many: build the table once
                return layer.features[row]
            from influencemap.model.table_row import table_feature

            feature = table_feature(layer.features, row, layer.id)
            with _ROWS_LOCK:
                return self._row_features.setdefault(feature_id, feature)
        return None

    @cached_property
    def _unbuilt_tables(self) -> bool:
        """Whether a layer's features are a cached table not built yet (see :meth:`find_feature`)."""
        return any(getattr(layer.features, "built", True) is False for layer in self.layers)

    @cached_property
    def _table_rows(self) -> list[tuple[Layer, dict]]:
        """Per layer, id -> row of its unbuilt table, or id -> Feature for a layer that holds them."""
        rows: list[tuple[Layer, dict]] = []
        for layer in self.layers:
            features = layer.features
            if getattr(features, "built", True) is False:
                ids = features.ids  # type: ignore[attr-defined]
                rows.append((layer, dict(zip(ids, range(len(ids))))))
            else:
                rows.append((layer, {f.id: f for f in features}))
        return rows

    @cached_property
    def _row_features(self) -> dict[str, Feature]:
        return {}

    def features(self) -> Iterator[Feature]:
        for layer in self.layers:
            yield from layer.features

    @property
    def feature_count(self) -> int:
        # Not len(_features_by_id): that would build every feature of a cached layer.
        return sum(len(layer.features) for layer in self.layers)

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity is Severity.ERROR)

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity is Severity.WARNING)

    def citations(self, feature: Feature) -> list[ResolvedCitation]:
        """The feature's sources, numbered from 1, in the order the feature lists them."""
        resolved = []
        for citation in feature.citations:
            source = self.sources.get(citation.ref)
            if source is not None:
                resolved.append(ResolvedCitation(len(resolved) + 1, source, citation))
        return resolved

    @cached_property
    def bounds(self) -> tuple[float, float, float, float] | None:
        """(minlon, minlat, maxlon, maxlat) over all features, or None when there are none."""
        boxes = [layer.bounds for layer in self.layers if layer.bounds is not None]
        if not boxes:
            return None
        return (
            min(b[0] for b in boxes),
            min(b[1] for b in boxes),
            max(b[2] for b in boxes),
            max(b[3] for b in boxes),
        )
