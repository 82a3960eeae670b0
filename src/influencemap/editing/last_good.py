"""Keep showing the last good version of a layer while its file is being edited (Qt-free).

A reload that finds errors in a layer file would drop that layer (or some of its features)
from the map. While someone types in an editor that is a flicker at best and lost context at
worst, so the app keeps the layer as it was the last time its file loaded without errors and
says so with a warning next to the file's errors. Nothing disappears silently.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field

from influencemap.model.catalog import Catalog
from influencemap.model.types import Layer, Origin, Problem, Severity, Source

STALE_MESSAGE = "showing the last good version of layer '{layer_id}': fix the errors in this file to see your changes"


@dataclass
class LastGoodLayers:
    """Remembers, per layer file, the last version that loaded without errors."""

    _layers: dict[str, Layer] = field(default_factory=dict)
    _sources: dict[str, Source] = field(default_factory=dict)

    def merge(self, catalog: Catalog) -> Catalog:
        """``catalog`` with the last good version of each layer whose file now has errors.

        A layer file that loads cleanly becomes the new last good version. A deleted file is
        forgotten. A kept layer never brings back an id that another file now defines.
        """
        error_paths = {p.origin.path for p in catalog.errors}
        layers = list(catalog.layers)
        sources = dict(catalog.sources)
        problems = list(catalog.problems)
        changed = False
        for path, old in list(self._layers.items()):
            if path not in error_paths:
                continue
            if not os.path.exists(path):
                del self._layers[path]
                continue
            index = next((i for i, layer in enumerate(layers) if layer.path == path), None)
            others = [layer for i, layer in enumerate(layers) if i != index]
            if old.id in {layer.id for layer in others}:
                continue
            taken = {feature_id for layer in others for feature_id in layer.features.ids}
            kept = _without(old, taken)
            if index is None:
                layers.append(kept)
            else:
                layers[index] = kept
            for ref in dict.fromkeys(kept.features.column("refs")):  # the sources it cites, from the column
                if ref not in sources and ref in self._sources:
                    sources[ref] = self._sources[ref]
            problems.append(Problem(Origin(path, 1, 1), Severity.WARNING, STALE_MESSAGE.format(layer_id=old.id)))
            changed = True
        for layer in catalog.layers:
            if layer.path and layer.path not in error_paths:
                self._layers[layer.path] = layer
        self._sources.update(catalog.sources)
        if not changed:
            return catalog
        problems.sort(key=lambda p: (p.origin.path, p.origin.line, p.origin.col))
        return Catalog(layers=tuple(layers), sources=sources, problems=tuple(problems))


def is_stale_warning(problem: Problem) -> bool:
    """True for the warning :meth:`LastGoodLayers.merge` adds for a kept layer."""
    return problem.severity is Severity.WARNING and problem.message.startswith("showing the last good version")


def _without(layer: Layer, feature_ids: set[str]) -> Layer:
    """The layer without the features whose ids are in ``feature_ids`` (the rows kept: its table's)."""
    kept = [row for row, feature_id in enumerate(layer.features.ids) if feature_id not in feature_ids]
    return layer if len(kept) == len(layer.features) else dataclasses.replace(layer, features=layer.features.take(kept))
