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

Every row keeps the features it was made from (:attr:`StatRow.parts`), so any total can be
opened to the figures it adds. They follow whatever filter produced the catalog
(``FeatureFilter.apply``). A feature located in several countries counts for each of them, so
per-country sums can add up to more than the total; the "all" rows give the totals without
double counting.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

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
    unit = _spaced(figure.unit)
    label = _spaced(figure.label)
    if unit.casefold() in _SHARE_UNITS or "%" in unit or "‰" in unit:
        return False
    if _MULTIPLIER_UNIT.match(unit) or _MULTIPLIER.search(unit) or _MULTIPLIER.search(label):
        return False
    if _RATE.search(unit) or _RATE.search(label):
        return False
    return True


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
    parts: tuple[tuple[str, float], ...] = field(default=(), compare=False, repr=False)
    """(feature id, what it adds) for each feature the value is made of, in catalog order."""

    @property
    def feature_ids(self) -> list[str]:
        return [feature_id for feature_id, _ in self.parts]


class _Total:
    """One total being made: the first spellings seen, the sum and its parts."""

    __slots__ = ("label", "unit", "value", "parts")

    def __init__(self, label: str, unit: str) -> None:
        self.label, self.unit, self.value = label, unit, 0.0
        self.parts: dict[str, float] = {}

    def add(self, feature_id: str, value: float) -> None:
        self.value += value
        self.parts[feature_id] = self.parts.get(feature_id, 0.0) + value


def statistics(catalog: Catalog) -> list[StatRow]:
    rows: list[StatRow] = []
    everything: list[tuple[str, float]] = []
    for layer in catalog.layers:
        ids = [(f.id, 1.0) for f in layer.features]
        rows.append(StatRow(FEATURES_PER_LAYER, layer.name, "", "features", len(ids), tuple(ids)))
        everything += ids
    rows.append(StatRow(FEATURES_PER_LAYER, ALL, "", "features", len(everything), tuple(everything)))

    per_country: dict[str, list[tuple[str, float]]] = {}
    totals: dict[tuple[str, str, str, str], _Total] = {}
    spelling: dict[tuple[str, str], tuple[str, str]] = {}
    listed: list[StatRow] = []

    def total(table: str, group: str, key: tuple[str, str]) -> _Total:
        found = totals.get((table, group, *key))
        if found is None:
            found = totals[(table, group, *key)] = _Total(*spelling[key])
        return found

    for feature in catalog.features():
        for country in feature.countries:
            per_country.setdefault(country, []).append((feature.id, 1.0))
        if not feature.figures:
            continue
        year = feature.start[:4] if feature.start else "undated"
        for figure in feature.figures:
            if not is_additive(figure):
                listed.append(
                    StatRow(FIGURES_NOT_SUMMED, feature.name, figure.label, _spaced(figure.unit),
                            figure.value, ((feature.id, figure.value),))
                )
                continue
            key = (label_key(figure.label), unit_key(figure.unit))
            spelling.setdefault(key, (_spaced(figure.label), _spaced(figure.unit)))
            total(FIGURES_PER_COUNTRY, ALL, key).add(feature.id, figure.value)
            total(FIGURES_PER_YEAR, year, key).add(feature.id, figure.value)
            for country in dict.fromkeys(feature.countries):
                total(FIGURES_PER_COUNTRY, country, key).add(feature.id, figure.value)

    rows += [
        StatRow(FEATURES_PER_COUNTRY, code, "", "features", len(ids), tuple(ids))
        for code, ids in sorted(per_country.items())
    ]

    def figure_rows(table: str, groups: list[str]) -> list[StatRow]:
        out = []
        for (row_table, group, label, unit), made in totals.items():
            if row_table == table:
                out.append(((groups.index(group), label, unit), StatRow(
                    table, group, made.label, made.unit, made.value, tuple(made.parts.items()))))
        return [row for _, row in sorted(out, key=lambda item: item[0])]

    countries = sorted({g for (t, g, _, _) in totals if t == FIGURES_PER_COUNTRY and g != ALL}) + [ALL]
    years = sorted(g for g in {g for (t, g, _, _) in totals if t == FIGURES_PER_YEAR} if g != "undated")
    years += ["undated"] if any(t == FIGURES_PER_YEAR and g == "undated" for (t, g, _, _) in totals) else []
    rows += figure_rows(FIGURES_PER_COUNTRY, countries)
    rows += figure_rows(FIGURES_PER_YEAR, years)
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
