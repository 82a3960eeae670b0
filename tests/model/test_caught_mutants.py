"""Tests for the bugs a mutation spot-check put in and no test noticed (issue 18).

Each test names the mutant it kills; each was checked to fail with that mutant in place.
The statistics tests read only what ``statistics()`` and ``stats --csv`` promise (totals that
do not double count, shares never summed, sums per year), not how the rows are grouped.
"""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest
import shapely

from influencemap.cli import main
from influencemap.geo import basemap
from influencemap.model.filters import FeatureFilter
from influencemap.model.country_check import COUNTRY_TOLERANCE_DEG
from influencemap.model.stats import ALL, FIGURES_NOT_SUMMED, statistics

# -- statistics ---------------------------------------------------------------------------------


def figure_rows(rows):
    """The sums: figure rows, without the table that lists shares one by one."""
    return [r for r in rows if r.unit != "features" and r.table != FIGURES_NOT_SUMMED]


def test_the_all_total_counts_a_feature_in_several_countries_once(files):
    """Mutant: the "all" sum adds the figure once per country of the feature."""
    files.write("l.yaml", """\
        id: l
        name: L
        features:
          - id: cross-border
            name: A pipeline
            line: [[23.7, 52.1], [24.0, 51.0]]
            countries: [BY, UA, PL]
            figures: [{label: Cost, value: 300, unit: USD}]
            sources: [doc-a]
        """)
    rows = figure_rows(statistics(files.load()))
    totals = [r for r in rows if r.group.startswith(ALL)]
    assert [r.value for r in totals] == [300]
    per_country = {r.group: r.value for r in rows if r.group in ("BY", "UA", "PL")}
    assert per_country == {"BY": 300, "UA": 300, "PL": 300}  # each country its share of the work


@pytest.mark.parametrize("unit", ["%", "Percent", "PERCENT", "per cent", " % "])
def test_shares_are_never_summed_whatever_their_case(files, unit):
    """Mutant: the ``%`` exclusion made case-sensitive (``Percent`` summed)."""
    files.write("l.yaml", f"""\
        id: l
        name: L
        features:
          - {{id: a, name: A, point: [27.56, 53.9], date: 2015, countries: [BY],
              figures: [{{label: Stake, value: 30, unit: "{unit}"}}, {{label: Loan, value: 7, unit: USD}}], sources: [doc-a]}}
          - {{id: b, name: B, point: [27.60, 53.9], date: 2015, countries: [BY],
              figures: [{{label: Stake, value: 40, unit: "{unit}"}}], sources: [doc-a]}}
        """)
    all_rows = statistics(files.load())
    rows = figure_rows(all_rows)
    assert rows, "the USD figure is summed"
    assert {r.value for r in rows} == {7}  # no sum holds 30, 40 or 70
    listed = sorted(r.value for r in all_rows if r.table == FIGURES_NOT_SUMMED)
    assert listed == [30, 40]  # each share listed on its own, never added


def test_figures_of_one_year_add_up(files):
    """Mutant: the per-year ``+=`` turned into ``=`` (the last figure of a year wins)."""
    files.write("l.yaml", """\
        id: l
        name: L
        features:
          - {id: a, name: A, point: [27.56, 53.9], date: 2015-03, countries: [BY], figures: [{label: Loan, value: 100, unit: USD}], sources: [doc-a]}
          - {id: b, name: B, point: [30.52, 50.45], date: 2015-11, countries: [UA], figures: [{label: Loan, value: 50, unit: USD}], sources: [doc-a]}
          - {id: c, name: C, point: [30.52, 50.45], date: 2016, countries: [UA], figures: [{label: Loan, value: 1, unit: USD}], sources: [doc-a]}
        """)
    rows = figure_rows(statistics(files.load()))
    per_year = {r.group: r.value for r in rows if "year" in r.table}
    assert per_year == {"2015": 150, "2016": 1}


def test_stats_csv_shows_the_same_totals(files, capsys):
    files.write("l.yaml", """\
        id: l
        name: L
        features:
          - {id: a, name: A, point: [27.56, 53.9], date: 2015, countries: [BY, UA], figures: [{label: Loan, value: 100, unit: USD}], sources: [doc-a]}
          - {id: b, name: B, point: [30.52, 50.45], date: 2015, countries: [UA], figures: [{label: Loan, value: 50, unit: USD}, {label: Stake, value: 20, unit: Percent}], sources: [doc-a]}
        """)
    assert main(["stats", "--csv", str(files.folder)]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    figures = [r for r in rows if r["unit"] != "features" and r["table"] != FIGURES_NOT_SUMMED]
    assert {float(r["value"]) for r in figures if r["group"].startswith(ALL)} == {150}
    assert {float(r["value"]) for r in figures if "year" in r["table"]} == {150}
    assert not any("ercent" in r["unit"] for r in figures)


# -- the date filter ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "date_from"),
    [
        ("2010", "2015-03-31", "2015-03-31"),  # ends on the first day of the range
        ("2010", "2015-03", "2015-03-31"),  # ends in March 2015: its last day is the 31st
        ("2010", "2015", "2015-12-31"),
        ("2015-03-31", "2015-03-31", "2015-03-31"),  # one day, the first day of the range
    ],
)
def test_a_span_ending_exactly_on_from_is_kept(start, end, date_from):
    """Mutant: ``wanted[0] <= covered[1]`` made ``<``."""
    feature = _feature(start, end)
    assert FeatureFilter(date_from=date_from).accepts(feature)
    assert not FeatureFilter(date_from="2016-01-01").accepts(feature)


@pytest.mark.parametrize(("start", "date_to"), [("2015-03-31", "2015-03-31"), ("2015-03", "2015-03-01"), ("2015", "2015-01-01")])
def test_a_span_starting_exactly_on_to_is_kept(start, date_to):
    feature = _feature(start, None)
    assert FeatureFilter(date_to=date_to).accepts(feature)
    assert not FeatureFilter(date_to="2014-12-31").accepts(feature)


def _feature(start, end):
    from shapely.geometry import Point

    from influencemap.model.types import Feature, GeometryKind

    return Feature(id="f", name="F", layer_id="l", geometry=Point(27.5, 53.9), kind=GeometryKind.POINT,
                   citations=(), start=start, end=end)


# -- the country check --------------------------------------------------------------------------


def _warnings(files, point, countries):
    files.write("l.yaml", f"""\
        id: l
        name: L
        features:
          - {{id: x, name: X, point: [{point[0]}, {point[1]}], countries: [{', '.join(countries)}], sources: [doc-a]}}
        """)
    return [p.message for p in files.load().problems]


def test_the_swap_hint_is_offered_only_when_swapping_helps(files):
    """Mutant: the swap hint offered when swapping does not help."""
    (swapped,) = _warnings(files, (53.9, 27.56), ["BY"])  # Minsk written [lat, lon]
    assert "swapping longitude and latitude, [27.56, 53.9], would put it inside" in swapped
    (not_swapped,) = _warnings(files, (30.52, 50.45), ["BY"])  # Kyiv, declared in Belarus
    assert "outside its countries BY" in not_swapped and "it lies in UA" in not_swapped
    assert "swapping" not in not_swapped  # [50.45, 30.52] is in no way Belarus


def test_a_point_just_outside_the_simplified_border_is_not_warned(files):
    """Mutant: the 0.05° tolerance set to 0. A point 0.02° outside Belarus's (simplified)
    outline, declared in Belarus, is taken as inside: the outline is coarser than that."""
    point = _just_outside("BY", 0.02)
    assert not basemap.countries_containing(*point) or "BY" not in basemap.countries_containing(*point)
    assert 0.02 < COUNTRY_TOLERANCE_DEG
    assert _warnings(files, point, ["BY"]) == []
    far = _just_outside("BY", 0.2)
    assert any("outside its countries BY" in m for m in _warnings(files, far, ["BY"]))


def _just_outside(code: str, distance: float) -> tuple[float, float]:
    """A point ``distance`` degrees outside the country's outline, measured from a vertex of it
    in the direction away from its centre (computed from the basemap, not written down)."""
    outline = basemap.country_outlines()[code]
    polygon = max(getattr(outline, "geoms", [outline]), key=lambda g: g.area)
    centre = np.array(polygon.centroid.coords[0])
    for vertex in np.array(polygon.exterior.coords)[::7]:
        away = (vertex - centre) / np.linalg.norm(vertex - centre)
        x, y = (vertex + away * distance).round(4)
        candidate = shapely.Point(x, y)
        if not outline.contains(candidate) and abs(outline.distance(candidate) - distance) < distance / 4:
            return float(x), float(y)
    raise AssertionError(f"no vertex of {code} with a clear outside")
