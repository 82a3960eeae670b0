"""The actors registry applied to the features: one canonical name per entity.

Documents spell the same person differently ("Alexander Lukashenko", "Alyaksandr Lukashenka");
a feature may name an actor by the registry's id, its name or any alias. The catalog replaces
each such spelling with the registry's canonical ``name`` once, when it is built, so filters,
search, statistics, the table and every export count one entity once without knowing about the
registry. The spelling the file used is kept on the feature (``actors_as_written``) for the
details panel and for the editing form, which must not rewrite the user's words.

A name that is not in the registry stays as written; when it is close to a registered spelling
it gets a did-you-mean warning, the usual sign of a variant the registry should list.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections import Counter
from itertools import chain
from typing import Mapping, Sequence

from influencemap.model.feature_table import feature_values
from influencemap.model.types import Actor, Layer, Origin, Problem, Severity

CLOSE_ENOUGH = 0.8
"""difflib ratio above which an unknown actor is taken for a misspelling of a registered one."""


def spellings(actors: Mapping[str, Actor]) -> dict[str, str]:
    """Every accepted spelling (id, name, alias) → the canonical name (first definition wins)."""
    canonical: dict[str, str] = {}
    for actor in actors.values():
        for spelling in actor.spellings:
            canonical.setdefault(spelling, actor.name)
    return canonical


class _NearMisses:
    """Registered spellings close to a name, found without comparing it with every one: only
    spellings sharing enough letter pairs with it go to difflib (thousands of distinct unknown
    names in a big layer would otherwise take seconds)."""

    def __init__(self, choices: Sequence[str]) -> None:
        self.choices = list(choices)
        self.index: dict[str, list[int]] = {}
        self.sizes: list[int] = []
        for number, choice in enumerate(self.choices):
            grams = _pairs(choice)
            self.sizes.append(len(grams))
            for gram in grams:
                self.index.setdefault(gram, []).append(number)

    def closest(self, name: str) -> str | None:
        grams = _pairs(name)
        if not grams:
            return None
        shared = Counter(chain.from_iterable(self.index.get(gram, ()) for gram in grams))
        # A difflib ratio of 0.8 needs most letter pairs in common (a Dice coefficient well above 0.5).
        least = 0.25 * len(grams)
        sizes = self.sizes
        candidates = [
            self.choices[n] for n, count in shared.items() if count >= least and 2 * count >= 0.5 * (len(grams) + sizes[n])
        ]
        match = difflib.get_close_matches(name, candidates, n=1, cutoff=CLOSE_ENOUGH)
        return match[0] if match else None


def _pairs(text: str) -> set[str]:
    folded = text.casefold()
    return {folded[i : i + 2] for i in range(len(folded) - 1)}


def canonical_layers(layers: Sequence[Layer], actors: Mapping[str, Actor]) -> tuple[list[Layer], list[Problem]]:
    """The layers with registry spellings replaced by canonical names, and the did-you-mean
    warnings (each unknown name once, at the first feature that uses it)."""
    canonical = spellings(actors)
    near = _NearMisses(list(canonical))
    warned: set[str] = set()
    problems: list[Problem] = []
    out: list[Layer] = []
    for layer in layers:
        names = feature_values(layer.features, "actors")  # a cached table's column: no features built
        written = set(chain.from_iterable(names))
        renamed = {name for name in written if name in canonical and canonical[name] != name}
        for name in sorted(written - canonical.keys() - warned):
            match = near.closest(name)
            warned.add(name)
            if match is None:
                continue
            index = next(i for i, row in enumerate(names) if name in row)
            entity = canonical[match]
            also = f", i.e. {entity}" if entity != match else ""
            problems.append(Problem(
                _origin(layer, index), Severity.WARNING,
                f"unknown actor '{name}'; did you mean '{match}'{also}? (if it is the same entity, add "
                "this spelling to its aliases in the actors registry)",
            ))
        if not renamed:
            out.append(layer)
            continue
        # The table with the canonical names and the spellings they replace (from the actors
        # column, each distinct list once): no Feature is built.
        new_names: dict[tuple[str, ...], tuple[str, ...]] = {
            row: tuple(dict.fromkeys(canonical.get(name, name) for name in row)) for row in set(names) if renamed.intersection(row)
        }
        features = layer.features.with_columns({
            "actors": [new_names.get(row, row) for row in names],
            "actors_as_written": [row if row in new_names else None for row in names],
        })
        out.append(dataclasses.replace(layer, features=features))
    return out, problems


def _origin(layer: Layer, index: int) -> Origin:
    return layer.features.origin(index) or layer.origin or Origin(layer.path or "", 1, 1)
