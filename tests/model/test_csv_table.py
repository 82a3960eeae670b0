"""The one CSV writer neutralises formula cells and keeps numbers numbers."""

import csv
import io

import pytest

from influencemap.model.csv_table import safe_cell, to_csv
from influencemap.model.stats import StatRow
from influencemap.model.stats import to_csv as stats_csv


@pytest.mark.parametrize("text", ["=cmd|'/C calc'!A0", "+1+2", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_cells_a_spreadsheet_would_run_get_a_quote_in_front(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize(("cell", "text"), [(-12.5, "-12.5"), (3, "3"), (2.0, "2"), ("-12.5", "-12.5"), ("+7", "+7")])
def test_numbers_stay_numbers(cell, text):
    assert safe_cell(cell) == text


def test_plain_text_is_untouched():
    assert safe_cell("China Development Bank") == "China Development Bank"
    assert safe_cell("a=b") == "a=b"
    assert safe_cell(None) == ""


def test_stats_csv_neutralises_a_formula_in_a_unit():
    text = stats_csv([StatRow("figures per country", "BY", "@SUM(A1)", "=HYPERLINK(\"x\")", -5.0)])
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["table", "group", "label", "unit", "value"]
    assert rows[1] == ["figures per country", "BY", "'@SUM(A1)", "'=HYPERLINK(\"x\")", "-5"]


def test_to_csv_quotes_commas_and_newlines():
    text = to_csv(["a", "b"], [["x, y", "line\nbreak"]])
    assert list(csv.reader(io.StringIO(text))) == [["a", "b"], ["x, y", "line\nbreak"]]
