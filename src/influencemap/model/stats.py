"""Statistics of the features in view: counts per layer and country, figures summed per unit.

They follow whatever filter produced the catalog (``FeatureFilter.apply``). A feature located
in several countries counts for each of them, so per-country sums can add up to more than the
total; the "all" rows give the totals without double counting.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from influencemap.model.catalog import Catalog
from influencemap.model.csv_table import to_csv as csv_text

ALL = "all"
NOT_ADDITIVE_UNITS = frozenset({"%", "percent", "per cent"})
"""Shares do not add up: they are counted in no sum."""


@dataclass(frozen=True)
class StatRow:
    table: str
    """``features per layer``, ``features per country``, ``figures per country``, ``figures per year``."""
    group: str
    unit: str
    value: float


def statistics(catalog: Catalog) -> list[StatRow]:
    rows: list[StatRow] = []
    total = 0
    for layer in catalog.layers:
        rows.append(StatRow("features per layer", layer.name, "features", len(layer.features)))
        total += len(layer.features)
    rows.append(StatRow("features per layer", ALL, "features", total))

    per_country: Counter[str] = Counter()
    sums_country: dict[tuple[str, str], float] = defaultdict(float)
    sums_year: dict[tuple[str, str], float] = defaultdict(float)
    sums_all: dict[str, float] = defaultdict(float)
    for feature in catalog.features():
        for country in feature.countries:
            per_country[country] += 1
        year = feature.start[:4] if feature.start else "undated"
        for figure in feature.figures:
            unit = figure.unit or ""
            if unit.strip().lower() in NOT_ADDITIVE_UNITS:
                continue
            sums_all[unit] += figure.value
            sums_year[(year, unit)] += figure.value
            for country in feature.countries:
                sums_country[(country, unit)] += figure.value
    rows += [StatRow("features per country", c, "features", n) for c, n in sorted(per_country.items())]
    rows += [StatRow("figures per country", c, u, v) for (c, u), v in sorted(sums_country.items())]
    rows += [StatRow("figures per country", ALL, u, v) for u, v in sorted(sums_all.items())]
    rows += [StatRow("figures per year", y, u, v) for (y, u), v in sorted(sums_year.items())]
    return rows


def to_csv(rows: list[StatRow]) -> str:
    return csv_text(["table", "group", "unit", "value"], ([r.table, r.group, r.unit, r.value] for r in rows))


def to_text(rows: list[StatRow]) -> str:
    """A plain-text report, one table after another, for the terminal and the clipboard."""
    from influencemap.model.present import format_number

    lines: list[str] = []
    table = None
    for row in rows:
        if row.table != table:
            table = row.table
            if lines:
                lines.append("")
            lines.append(table.capitalize())
        value = format_number(row.value)
        unit = "" if row.unit == "features" else f" {row.unit}".rstrip()
        lines.append(f"  {row.group:<28} {value:>20}{unit}")
    return "\n".join(lines) + "\n"
