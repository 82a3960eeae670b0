"""The big-layer HTML's symbol sizes come from ``sizing.figure_rows`` (the canvas's and the
legend's rule) instead of a copy of it: the same sizes as the copy gave (kept below, verbatim),
on figures of every kind — labels differing in case and spacing, values zero, negative, NaN,
infinite, whole or not, several or none a row."""

from __future__ import annotations

import math
import random
from typing import Sequence

import pytest
from shapely.geometry import Point

from influencemap.export import html_big_layer
from influencemap.model import sizing
from influencemap.model.stats import label_key
from influencemap.model.types import Citation, Feature, Figure, GeometryKind, Layer, SizeBy, Style


def _copied_symbol_sizes(layer: Layer, figure_counts: Sequence[int], labels: Sequence[str], values: Sequence[float]):
    """The big layer's own copy of the rule, as it was."""
    size_by = layer.style.size_by
    if size_by is None:
        return None
    wanted = label_key(size_by.figure)
    sized: list[float | None] = []
    at = 0
    for n in figure_counts:
        value = None
        for label, v in zip(labels[at:at + n], values[at:at + n]):
            if label_key(label) == wanted and math.isfinite(v) and v > 0:
                value = v
                break
        sized.append(value)
        at += n
    present = [v for v in sized if v is not None]
    if not present:
        return None
    top = max(present)
    return [None if v is None else round(sizing.diameter(v, top, size_by), 1) for v in sized]


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("scale", ["sqrt", "linear"])
def test_symbol_sizes_are_the_ones_the_copied_rule_gave(seed, scale):
    rng = random.Random(seed)
    labels = ["Loan", "loan", " LOAN ", "Lo an", "Grant", "l oan"]
    numbers = [0, -5, 1, 7, 2.5, 1e9, 3e-7, math.nan, math.inf, -math.inf, 12345678901234567, True]
    features = [
        Feature(id=f"f{i}", name="n", layer_id="l", geometry=Point(i, 0), kind=GeometryKind.POINT,
                citations=(Citation("doc"),),
                figures=tuple(Figure(rng.choice(labels), rng.choice(numbers), None) for _ in range(rng.choice([0, 0, 1, 2, 3]))))
        for i in range(200)
    ]
    layer = Layer("l", "L", features, style=Style(size_by=SizeBy("loan", scale=scale, minimum=4, maximum=30)))
    table = layer.features
    counts, flat_labels, values = table.column("figure_counts"), table.column("labels"), table.column("values")
    expected = _copied_symbol_sizes(layer, counts, flat_labels, values)
    assert expected is not None and None in expected
    assert html_big_layer._symbol_sizes(layer, values) == expected


def test_a_layer_without_the_figure_gets_no_sizes():
    features = [Feature(id="a", name="n", layer_id="l", geometry=Point(0, 0), kind=GeometryKind.POINT,
                        citations=(Citation("doc"),), figures=(Figure("Grant", 5.0),))]
    layer = Layer("l", "L", features, style=Style(size_by=SizeBy("Loan")))
    assert html_big_layer._symbol_sizes(layer, layer.features.column("values")) is None
    unsized = Layer("l", "L", features)
    assert html_big_layer._symbol_sizes(unsized, unsized.features.column("values")) is None
