"""The catalog: every loaded layer, the sources they cite, and the problems found on the way.

It is the one store that the map canvas, the panels and every exporter read from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Iterator

from influencemap.model.feature_table import feature_values
from influencemap.model.types import Actor, Citation, Feature, Layer, Problem, Severity, Source


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
    def _feature_rows(self) -> list[tuple[Layer, dict[str, int]]]:
        """Each layer with its feature ids' rows, from the id columns: no ``(layer, row)``
        pair per feature, and a feature itself is built only when asked for
        (:meth:`~influencemap.model.feature_table.FeatureTable.row`). Ids are unique across
        the catalog as the loader makes it; a catalog made otherwise answers with the last
        layer's, as one dictionary of every id would."""
        rows = []
        for layer in self.layers:
            ids = feature_values(layer.features, "id")
            rows.append((layer, dict(zip(ids, range(len(ids))))))
        return rows

    def _feature_place(self, feature_id: str) -> tuple[Layer, int] | None:
        for layer, rows in reversed(self._feature_rows):
            row = rows.get(feature_id)
            if row is not None:
                return layer, row
        return None

    @cached_property
    def _layers_by_id(self) -> dict[str, Layer]:
        return {layer.id: layer for layer in self.layers}

    def layer(self, layer_id: str) -> Layer:
        return self._layers_by_id[layer_id]

    def feature(self, feature_id: str) -> Feature:
        place = self._feature_place(feature_id)
        if place is None:
            raise KeyError(feature_id)
        return place[0].features[place[1]]

    def find_feature(self, feature_id: str) -> Feature | None:
        place = self._feature_place(feature_id)
        return place[0].features[place[1]] if place is not None else None

    def features(self) -> Iterator[Feature]:
        for layer in self.layers:
            yield from layer.features

    @property
    def feature_count(self) -> int:
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
