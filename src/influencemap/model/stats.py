"""Statistics of the features in view: counts per layer and country, and figures totalled only
where they measure the same thing.

The rule (shown in the statistics panel, written in docs/format.md):

- Two figures are added only when they have the same label, ignoring case and spacing
  ("Credit line" and "credit  line" add up), and the same unit, ignoring spacing only ("USD"
  and "usd" stay apart: "t" and "T" are different units). "Credit line" USD and "Debt China
  refused to write off" USD are two totals, never one.
- Figures that do not add up are never summed, only listed, one row per feature, in the table
  ``figures not summed``: shares and percentages (unit ``%``, ``percent``, ``per cent``,
  ``pp``…), ratios and multipliers (unit or label with the word ``times``, ``ratio``,
  ``multiple``, ``-fold``, or a unit ``x`` / ``×``), and rates per unit of time (``/year``,
  ``per year``, ``a year``, ``per annum``, ``p.a.``, and the same for month, week, day and
  hour, in the unit or the label). When in doubt a figure is listed: listing a number that
  could have been added misleads no one; adding two that must not be does.

Every row knows the features it was made from (:attr:`StatRow.parts`), so any total can be
opened to the figures it adds. They follow whatever filter produced the catalog
(``FeatureFilter.apply``). A feature located in several countries counts for each of them, so
per-country sums can add up to more than the total; the "all" rows give the totals without
double counting.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property, partial
from typing import Any

from influencemap.model.catalog import Catalog
from influencemap.model.csv_table import to_csv as csv_text
from influencemap.model.types import Figure

ALL = "all"

FEATURES_PER_LAYER = "features per layer"
FEATURES_PER_COUNTRY = "features per country"
FIGURES_PER_COUNTRY = "figures per country"
FIGURES_PER_YEAR = "figures per year"
FIGURES_NOT_SUMMED = "figures not summed"

CSV_COLUMNS = ("table", "group", "label", "unit", "value")

RULE = (
    "Figures are added only when label and unit match; shares, ratios, multipliers and "
    "rates per year are listed, never summed."
)
"""The rule in one line, as the statistics panel shows it."""

_SHARE_UNITS = frozenset({"%", "percent", "per cent", "percentage", "percentage points", "pp", "‰", "per mille"})
_MULTIPLIER = re.compile(
    r"\b(?:times|ratio|multiple|multiplier|(?:\d+-?|two|three|four|five|six|seven|eight|nine|ten|hundred|-)?fold)\b",
    re.IGNORECASE,
)
_MULTIPLIER_UNIT = re.compile(r"^\s*(?:x|×)\s*$", re.IGNORECASE)
_RATE = re.compile(
    r"(?:/\s*(?:year|yr|y|annum|month|mo|week|wk|day|d|hour|h)\b"
    r"|\b(?:per|a|an|each|every)\s+(?:year|annum|month|week|day|hour)\b"
    r"|\bp\.\s?a\.(?:$|\s)"
    r"|\b(?:yearly|annually|monthly|weekly|daily|hourly)\b)",
    re.IGNORECASE,
)


def _spaced(text: str | None) -> str:
    return " ".join((text or "").split())


def label_key(label: str) -> str:
    """What two labels must share to be added: case and spacing do not count."""
    return _spaced(label).casefold()


def unit_key(unit: str | None) -> str:
    """What two units must share to be added: spacing does not count, case does."""
    return _spaced(unit)


def is_additive(figure: Figure) -> bool:
    """Whether figures like this one may be added up (see the module's rule)."""
    return adds_up(figure.label, figure.unit)


def adds_up(label: str, unit: str | None) -> bool:
    """Whether figures with this label and unit may be added up (see the module's rule): what
    :func:`is_additive` asks, for a figure read from a table's columns."""
    unit = _spaced(unit)
    label = _spaced(label)
    if unit.casefold() in _SHARE_UNITS or "%" in unit or "‰" in unit:
        return False
    if _MULTIPLIER_UNIT.match(unit) or _MULTIPLIER.search(unit) or _MULTIPLIER.search(label):
        return False
    if _RATE.search(unit) or _RATE.search(label):
        return False
    return True


Parts = tuple[tuple[str, float], ...]

_NOT_SUMMED = object()


@dataclass(frozen=True)
class StatRow:
    table: str
    """``features per layer``, ``features per country``, ``figures per country``,
    ``figures per year`` or ``figures not summed``."""
    group: str
    """A layer's name, a country code, a year (or ``undated``), ``all``; in ``figures not
    summed`` the feature's name."""
    label: str
    """The figure's label (as first written); empty for counts."""
    unit: str
    """The figure's unit (as first written); ``features`` for counts."""
    value: float
    made_of: Parts | Callable[[], Parts] = field(default=(), compare=False, repr=False)
    """The parts, or how to find them: opening a total is rare, and listing the features of
    every total up front doubled the time of 100,000 features' statistics."""

    @cached_property
    def parts(self) -> Parts:
        """(feature id, what it adds) for each feature the value is made of, in catalog order
        (a count's features add 1 each)."""
        return self.made_of() if callable(self.made_of) else tuple(self.made_of)

    @property
    def feature_ids(self) -> list[str]:
        return [feature_id for feature_id, _ in self.parts]


def _counted(ids: Sequence[str]) -> Parts:
    return tuple((feature_id, 1.0) for feature_id in ids)


def _figure_parts(catalog: Catalog, keys: dict, key: tuple[str, str], table: str, group: str) -> Parts:
    """The features of one total, each with what it adds (its figures of the key summed),
    found again in the catalog's columns when someone opens the total."""
    out: dict[str, float] = {}
    for row in _figure_rows(catalog):
        feature_id, _, start, countries, figures = row
        if table == FIGURES_PER_YEAR:
            if (start[:4] if start else "undated") != group:
                continue
        elif group != ALL and group not in countries:
            continue
        for label, value, unit in figures:
            if keys.get((label, unit)) == key:
                out[feature_id] = out.get(feature_id, 0.0) + value
    return tuple(out.items())


def _figure_rows(catalog: Catalog) -> Iterator[tuple[str, str, str | None, Sequence[str], list[tuple[str, float, str | None]]]]:
    """(id, name, start, countries, [(label, value, unit), …]) of every feature with figures, in
    catalog order, read from the layers' columns (no Feature object is built)."""
    for layer in catalog.layers:
        column = layer.features.column
        counts = column("figure_counts")
        if not any(counts):
            continue
        ids, names, starts, countries = column("ids"), column("names"), column("starts"), column("countries")
        labels, values, units = column("labels"), column("values"), column("units")
        at = 0
        for row, count in enumerate(counts):
            if count:
                stop = at + count
                yield ids[row], names[row], starts[row], countries[row], list(zip(labels[at:stop], values[at:stop], units[at:stop]))
                at = stop


def statistics(catalog: Catalog) -> list[StatRow]:
    """The rows of every table, in order (see the module's rule)."""
    was_enabled = gc.isenabled()
    gc.disable()  # 100,000 features make many small objects, none in cycles: no passes over them
    try:
        return _statistics(catalog)
    finally:
        if was_enabled:
            gc.enable()


def _statistics(catalog: Catalog) -> list[StatRow]:
    rows: list[StatRow] = []
    everything: list[str] = []
    for layer in catalog.layers:
        ids = list(layer.features.ids)
        rows.append(StatRow(FEATURES_PER_LAYER, layer.name, "", "features", len(ids), partial(_counted, ids)))
        everything += ids
    rows.append(StatRow(FEATURES_PER_LAYER, ALL, "", "features", len(everything), partial(_counted, everything)))

    per_country: dict[str, list[str]] = {}
    for layer in catalog.layers:
        column = layer.features.column
        for feature_id, countries in zip(column("ids"), column("countries")):
            for country in countries:
                per_country.setdefault(country, []).append(feature_id)

    sums: dict[tuple[str, str, tuple[str, str]], float] = {}
    spelling: dict[tuple[str, str], tuple[str, str]] = {}
    keys: dict[tuple[str, str | None], Any] = {}  # (label, unit) as written -> key, or _NOT_SUMMED
    listed: list[StatRow] = []
    for feature_id, name, start, countries, figures in _figure_rows(catalog):
        year = start[:4] if start else "undated"
        for label, value, unit in figures:
            written = (label, unit)
            key = keys.get(written)
            if key is None:
                if adds_up(label, unit):
                    key = (label_key(label), unit_key(unit))
                    spelling.setdefault(key, (_spaced(label), _spaced(unit)))
                else:
                    key = _NOT_SUMMED
                keys[written] = key
            if key is _NOT_SUMMED:
                listed.append(StatRow(FIGURES_NOT_SUMMED, name, label, _spaced(unit), value, ((feature_id, value),)))
                continue
            at = (FIGURES_PER_COUNTRY, ALL, key)
            sums[at] = sums.get(at, 0.0) + value
            at = (FIGURES_PER_YEAR, year, key)
            sums[at] = sums.get(at, 0.0) + value
            for country in dict.fromkeys(countries) if len(countries) > 1 else countries:
                at = (FIGURES_PER_COUNTRY, country, key)
                sums[at] = sums.get(at, 0.0) + value

    rows += [
        StatRow(FEATURES_PER_COUNTRY, code, "", "features", len(ids), partial(_counted, ids))
        for code, ids in sorted(per_country.items())
    ]

    def order(item):
        (table, group, key), _ = item
        last = group == ALL if table == FIGURES_PER_COUNTRY else group == "undated"
        return (table != FIGURES_PER_COUNTRY, last, group, key)

    for (table, group, key), value in sorted(sums.items(), key=order):
        label, unit = spelling[key]
        rows.append(StatRow(table, group, label, unit, value, partial(_figure_parts, catalog, keys, key, table, group)))
    rows += listed
    return rows


def to_csv(rows: list[StatRow]) -> str:
    """``table,group,label,unit,value``, through the one CSV writer."""
    return csv_text(CSV_COLUMNS, ([r.table, r.group, r.label, r.unit, r.value] for r in rows))


def to_text(rows: list[StatRow]) -> str:
    """A plain-text report, one table after another, for the terminal and the clipboard."""
    from influencemap.model.present import format_number

    lines: list[str] = []
    tables: dict[str, list[StatRow]] = {}
    for row in rows:
        tables.setdefault(row.table, []).append(row)
    for table, members in tables.items():
        if lines:
            lines.append("")
        lines.append(table.capitalize() + (" (listed: shares, ratios and rates do not add up)"
                                           if table == FIGURES_NOT_SUMMED else ""))
        cells = [
            (row.group, row.label, format_number(row.value), "" if row.unit == "features" else row.unit)
            for row in members
        ]
        widths = [min(max(len(c[i]) for c in cells), 48) for i in range(3)]
        for group, label, value, unit in cells:
            parts = [f"{group:<{widths[0]}}"]
            if widths[1]:
                parts.append(f"{label:<{widths[1]}}")
            parts.append(f"{value:>{widths[2]}}" + (f" {unit}" if unit else ""))
            lines.append(("  " + "  ".join(parts)).rstrip())
    return "\n".join(lines) + ("\n" if lines else "")
