"""One feature of a cached layer's table, built alone: what a click or a hover needs.

Building a table's Feature objects makes all of them (a million for a big ``data:`` layer: most
of the app's memory and seconds of work). The map's hit-test answers ids from the columns
(:mod:`~influencemap.model.identify`), so the details panel, the tooltip and What's here ask
for a few features by id: each is built here from its own slice of the columns, by the same
builder the table uses (:func:`~influencemap.model.file_result.fresh_table`), so it is the
Feature the whole table would hold.

The slicing knows the columns' layout (:data:`~influencemap.model.feature_table.COLUMNS`): one
value per feature, except the citations', figures' and references' values (cut by their
per-feature counts), the point coordinates (one pair per point feature) and the other shapes
(one per non-point feature).
"""

from __future__ import annotations

import threading
import weakref
from typing import Any

import numpy as np

from influencemap.model.feature_table import COLUMNS, POINT
from influencemap.model.types import Feature

_CUT_BY = {
    "refs": "citation_counts", "locators": "citation_counts", "quotes": "citation_counts",
    "labels": "figure_counts", "values": "figure_counts", "units": "figure_counts",
    "ref_names": "ref_counts", "ref_places": "ref_counts",
}
"""Columns with a value per citation, figure or reference: the per-feature count that cuts them."""

_starts: dict[int, tuple[weakref.ref, dict[str, np.ndarray]]] = {}
"""By the table's id (a table hashes as the tuple of its features: it would build them), dropped with it."""
_starts_lock = threading.Lock()


def table_feature(table: Any, row: int, layer_id: str | None) -> Feature:
    """Feature ``row`` of ``table`` (a FeatureTable), without building the table's features
    (when they are built already, that one)."""
    if table.built:
        return table[row]
    from influencemap.model.file_result import fresh_table

    starts = _offsets(table)
    kind = int(table.kind_codes[row])
    columns = []
    for name in COLUMNS:
        if name == "points":
            at = int(starts["points"][row])
            columns.append(table.point_lonlat()[at].tolist() if kind == POINT else [])  # flat: lon, lat
        elif name == "others":
            at = int(starts["others"][row])
            columns.append(table.column("others")[at : at + 1] if kind != POINT else [])
        elif name == "kinds":
            columns.append([kind])
        elif name in _CUT_BY:
            cut = starts[_CUT_BY[name]]
            columns.append(list(table.column(name)[int(cut[row]) : int(cut[row + 1])]))
        else:
            columns.append([table.column(name)[row]])
    return fresh_table(columns, table.path, layer_id)[0]


def _offsets(table: Any) -> dict[str, np.ndarray]:
    """Where each feature's values start in the cut columns, the points and the other shapes."""
    with _starts_lock:
        known = _starts.get(id(table))
    if known is not None and known[0]() is table:
        return known[1]
    kinds = np.asarray(table.kind_codes)
    starts = {
        "points": np.cumsum(kinds == POINT) - (kinds == POINT),
        "others": np.cumsum(kinds != POINT) - (kinds != POINT),
    }
    for counts in set(_CUT_BY.values()):
        starts[counts] = np.concatenate([[0], np.cumsum(np.asarray(table.column(counts), dtype=np.int64))])
    with _starts_lock:
        _starts[id(table)] = (weakref.ref(table), starts)
    weakref.finalize(table, _forget, id(table))
    return starts


def _forget(key: int) -> None:
    with _starts_lock:
        _starts.pop(key, None)
