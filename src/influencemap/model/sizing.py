"""Symbol sizes from a figure (``style: {size: {figure: LABEL, scale: sqrt}}``), without Qt.

One rule for the canvas, the image exports and the HTML map: a feature's value is its first
figure whose label matches the layer's ``size`` label (ignoring case and spacing, as
:mod:`~influencemap.model.stats` adds figures); the layer's largest value gets the ``maximum``
diameter and the others scale from it (by area for ``sqrt``, by diameter for ``linear``), never
below ``minimum``. Features without the figure keep the layer's normal size. The legend's
reference circles use the same rule, so a reader can compare a symbol with them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

from influencemap.model.feature_table import FeatureTable
from influencemap.model.present import format_figure
from influencemap.model.stats import label_key, unit_key
from influencemap.model.types import Feature, Figure, Layer, SizeBy, Style

if TYPE_CHECKING:  # numpy is imported where used
    import numpy as np


def figure_of(feature: Feature, size_by: SizeBy) -> Figure | None:
    """The feature's figure that sizes it: the first with the label and a positive finite value."""
    wanted = label_key(size_by.figure)
    for figure in feature.figures:
        if label_key(figure.label) == wanted and math.isfinite(figure.value) and figure.value > 0:
            return figure
    return None


def figure_rows(table: FeatureTable, size_by: SizeBy, keep: bool = True) -> np.ndarray:
    """Per row of ``table``, the position of its sizing figure (:func:`figure_of`'s) in the
    table's flat figure columns (``labels``, ``values``, ``units``), or -1 when it has none.
    Read from the columns, without building the features: each distinct label is compared once.
    ``keep`` as for :meth:`FeatureTable.column` (the big-layer HTML keeps no column in the table)."""
    import numpy as np

    count = len(table)
    if not count:
        return np.full(0, -1, dtype=np.intp)
    wanted = label_key(size_by.figure)
    labels = table.column("labels", keep)
    matches: dict[str, bool] = {}
    for label in labels:
        if label not in matches:
            matches[label] = label_key(label) == wanted
    values = np.asarray(table.column("values", keep), dtype=np.float64)
    good = np.fromiter(map(matches.__getitem__, labels), dtype=bool, count=len(labels))
    good &= np.isfinite(values) & (values > 0)
    owner = np.repeat(np.arange(count, dtype=np.intp), np.asarray(table.column("figure_counts", keep), dtype=np.intp))
    items = np.flatnonzero(good)
    owners, first = np.unique(owner[items], return_index=True)  # the first good figure of each row
    out = np.full(count, -1, dtype=np.intp)
    out[owners] = items[first]
    return out


def values_of(table: FeatureTable, size_by: SizeBy) -> np.ndarray:
    """Per feature of ``table``, the sizing value, or NaN when it has none (from the columns)."""
    import numpy as np

    rows = figure_rows(table, size_by)
    values = np.asarray(table.column("values"), dtype=np.float64)
    out = np.full(len(rows), np.nan)
    known = rows >= 0
    out[known] = values[rows[known]]
    return out


def diameter(value: float, top: float, size_by: SizeBy) -> float:
    """The symbol diameter (pixels) of ``value`` when the layer's largest value is ``top``."""
    if not (top > 0) or not (value > 0):
        return size_by.minimum
    share = min(value / top, 1.0)
    scaled = math.sqrt(share) if size_by.scale == "sqrt" else share
    return max(size_by.minimum, size_by.maximum * scaled)


def diameters(values: Sequence[float], top: float, size_by: SizeBy, default: float):
    """:func:`diameter` for a numpy array of values; NaN (no figure) gets ``default``."""
    import numpy as np

    values = np.asarray(values, dtype=float)
    out = np.full(len(values), float(default))
    known = ~np.isnan(values)
    if top > 0 and known.any():
        share = np.minimum(values[known] / top, 1.0)
        scaled = np.sqrt(share) if size_by.scale == "sqrt" else share
        out[known] = np.maximum(size_by.minimum, size_by.maximum * scaled)
    return out


@dataclass(frozen=True)
class LayerSizes:
    """What a sized layer needs: its largest value, the unit its values share and the legend's
    reference sizes."""

    top: float
    unit: str | None
    label: str
    references: tuple[tuple[float, float, str], ...]
    """(value, diameter, text) of 2–3 reference circles, largest first."""


def layer_sizes(layer: Layer) -> LayerSizes | None:
    """The sizing of a layer with ``style.size``, or None (no ``size`` or no feature has the figure)."""
    size_by = layer.style.size_by
    if size_by is None:
        return None
    table = layer.features
    found = figure_rows(table, size_by)
    found = found[found >= 0].tolist()
    if not found:
        return None
    labels, values, units = table.column("labels"), table.column("values"), table.column("units")
    figures = [Figure(labels[i], values[i], units[i]) for i in found]
    top = max(f.value for f in figures)
    units = {unit_key(f.unit) for f in figures}
    unit = figures[0].unit if len(units) == 1 else None
    refs = []
    for value in reference_values(top, size_by):
        text = format_figure(Figure(figures[0].label, value, unit)) if unit else _plain(value)
        refs.append((value, diameter(value, top, size_by), text))
    return LayerSizes(top, unit, figures[0].label, tuple(refs))


def reference_values(top: float, size_by: SizeBy) -> list[float]:
    """2–3 round values (1, 2 or 5 × 10ⁿ) for the legend: the largest not above ``top``, then
    about a quarter and a sixteenth of it for ``sqrt`` (half and a quarter of the diameter),
    a half and a quarter for ``linear``; values that would be drawn at ``minimum`` are left out
    (a circle clamped to the minimum would mislead)."""
    if not (top > 0):
        return []
    steps = (1, 4, 16) if size_by.scale == "sqrt" else (1, 2, 4)
    out: list[float] = []
    for step in steps:
        value = _nice_floor(top / step)
        if out and (value >= out[-1] or diameter(value, top, size_by) <= size_by.minimum):
            continue
        out.append(value)
    return out


def _nice_floor(value: float) -> float:
    power = 10 ** math.floor(math.log10(value))
    for step in (5, 2, 1):
        if step * power <= value * (1 + 1e-9):
            return float(step * power)
    return float(power)


def _plain(value: float) -> str:
    from influencemap.model.present import format_number

    return format_number(value)


def plain_style(style: Style, size: float) -> Style:
    """The style of one symbol of ``size`` pixels (what the marker drawing functions take)."""
    from dataclasses import replace

    return replace(style, size=size, size_by=None)
