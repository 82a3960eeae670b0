"""The value rules every reader applies (model/feature_rules.py): what each rule accepts, and
that the precise reader, the column validator and bulk data decide each value alike."""

from __future__ import annotations

import pytest

from influencemap.model import bulk_data, fast_columns, feature_rules as rules
from influencemap.model.fields import FieldReader
from influencemap.model.yaml_nodes import Node

IDENTIFIERS = ["minsk-plant", "a1", "9-x", "Minsk", "-a", "a_b", "a b", "é"]
DATES = ["2015", "2015-06", "2015-06-30", "2015-02-30", "2015-13", "15", "2015/06", "June 2015"]
URLS = ["https://example.org/a", "http://x.org:8080/", "ftp://example.org", "example.org", "http://[x/", "http://x.org:99999/", "https://"]
CHOICES = ["exact", "site", "country", "Exact", "street", ""]


def scalar(text: str) -> Node:
    return Node("scalar", text, 1, 1, plain=True)


def precise_rejects(read, text: str) -> bool:
    reader = FieldReader("l.yaml")
    read(reader, scalar(text))
    return reader.error_count > 0


def fast_rejects(read, text: str) -> bool:
    try:
        read(text)
    except fast_columns.GiveUp:
        return True
    return False


@pytest.mark.parametrize("text", IDENTIFIERS)
def test_an_identifier_is_decided_alike_by_every_reader(text):
    broken = rules.identifier(text) is not None
    assert broken == (text not in ("minsk-plant", "a1", "9-x"))
    assert precise_rejects(lambda r, n: r.identifier(n, "id"), text) == broken
    assert fast_rejects(fast_columns.identifier, text) == broken
    assert (bulk_data._check_identifier(text) is not None) == broken


@pytest.mark.parametrize("text", DATES)
def test_a_date_is_decided_alike_by_every_reader(text):
    broken = rules.date(text)
    assert (broken is None) == (text in ("2015", "2015-06", "2015-06-30"))
    assert precise_rejects(lambda r, n: r.date(n, "date"), text) == (broken is not None)
    assert fast_rejects(fast_columns.date, text) == (broken is not None)
    assert bulk_data._check_date(text) == (broken.detail if broken else None)  # the parser's reason, as written


@pytest.mark.parametrize("text", URLS)
def test_an_address_is_decided_alike_by_the_precise_reader_and_bulk_data(text):
    broken = rules.url(text)
    assert (broken is None) == (text in URLS[:2])
    if text == "http://[x/" or text.endswith(":99999/"):
        assert broken.kind == "address" and broken.detail  # urlparse's own reason
    elif broken is not None:
        assert broken.kind == "scheme"
    reader = FieldReader("l.yaml")
    reader.url(scalar(text), "url")
    assert [p.message for p in reader.problems] == (
        [] if broken is None
        else [f"url is not a valid address ({broken.detail}): '{text}'"] if broken.kind == "address"
        else [f"url must be an http:// or https:// address, not '{text}'"]
    )
    assert (bulk_data._check_url(text) is not None) == (broken is not None)


@pytest.mark.parametrize("text", CHOICES)
def test_a_precision_is_decided_alike_by_the_column_validator_and_bulk_data(text):
    broken = rules.precision(text) is not None
    assert broken == (text not in ("exact", "site", "country"))
    assert (text not in fast_columns.PRECISIONS) == broken
    assert (bulk_data._check_precision(text) is not None) == broken
    assert rules.dating("exact") is not None and rules.dating(sorted(rules.DATINGS)[0]) is None


def test_numbers_text_or_number_finite_above_a_minimum():
    assert rules.number(" 2.5 ") == (2.5, None)
    assert rules.number(7) == (7.0, None)
    assert rules.number("1,200.5", thousands=True) == (1200.5, None)
    assert rules.number("1,200.5")[1] == rules.Broken("number")  # commas only in bulk figures
    assert rules.number("nan")[1] == rules.Broken("finite") and rules.number(float("inf"))[1] == rules.Broken("finite")
    assert rules.number("-1", minimum=0)[1] == rules.Broken("minimum") and rules.number("0", minimum=0) == (0.0, None)
    assert rules.number(None)[1] == rules.Broken("number") and rules.number(10**400)[1] == rules.Broken("number")
    for text in ("2.5", "abc", "nan", "-3"):
        reader = FieldReader("l.yaml")
        value = reader.number(scalar(text), "value", minimum=0)
        assert (value is None) == (rules.number(text, minimum=0)[1] is not None)
        assert fast_rejects(lambda t: fast_columns.number(t, minimum=0), text) == (value is None)


def test_coordinates_and_periods():
    assert rules.longitude(180) is None and rules.longitude(-180.5) == rules.Broken("longitude")
    assert rules.latitude(-90) is None and rules.latitude(91) == rules.Broken("latitude")
    assert rules.maybe_swapped(53.9) and not rules.maybe_swapped(127.5)
    assert rules.ordered("2015", "2015-01") is True and rules.ordered("2015-06", "2015-05-31") is False
    assert rules.ordered("2015", "later") is None


CELLS = ["27.5", " 53.9 ", "1_000", "-180", "180.0001", "90", "-90.5", "nan", "inf", "", None, "abc", "1,5", 53.9, 7, True, "١٢"]


def test_bulk_csv_points_taken_at_once_are_what_the_row_rule_makes_and_every_other_row_is_left_to_it():
    pairs = [(lon, lat) for lon in CELLS for lat in CELLS]
    lons, lats = [p[0] for p in pairs], [p[1] for p in pairs]
    for lon_cells, lat_cells in ((lons, lats), ([c for c in lons if isinstance(c, str) and c.strip() and c != "abc" and c != "1,5"],) * 2):
        count = len(lon_cells)
        arrays = bulk_data._point_arrays(lon_cells, lat_cells, count)
        if arrays is None:  # the column does not convert as a whole: every row is left to the row rule
            points, doubtful = [None] * count, set(range(count))
        else:
            points = [(None, (lon, lat)) for lon, lat in zip(arrays[0].tolist(), arrays[1].tolist())]
            doubtful = {row for row in range(count) if not arrays[2][row]}
        for row in range(count):
            lon, lon_broken = rules.number(lon_cells[row])
            lat, lat_broken = rules.number(lat_cells[row])
            plain = (lon_broken is None and lat_broken is None and rules.longitude(lon) is None and rules.latitude(lat) is None)
            if row in doubtful:
                continue  # the row rule decides it (and may find it plain: a column that did not convert whole)
            assert plain and points[row][1] == (lon, lat)
        if lon_cells is not lons:  # every cell converts: exactly the rows with a problem are left
            assert doubtful == {row for row in range(count) if not (
                rules.number(lon_cells[row])[1] is None and rules.number(lat_cells[row])[1] is None
                and rules.longitude(rules.number(lon_cells[row])[0]) is None and rules.latitude(rules.number(lat_cells[row])[0]) is None)}


@pytest.mark.parametrize("text", ["BY", "by", "Ua", "XX", "BLR", "Belarus"])
def test_a_country_code_is_decided_alike_by_the_precise_reader_and_the_column_validator(text):
    from influencemap.geo import basemap
    from influencemap.model.precise_reader import FileReader

    known = basemap.known_country_codes()
    code, broken = rules.country_code(text, known)
    assert (broken is None) == (text.upper() in ("BY", "UA")) and code == (text.upper() if broken is None else None)
    checker = fast_columns.ColumnChecker(fast_columns.Shared(known_countries=known))
    assert fast_rejects(lambda t: checker._codes([[t]], 1), text) == (broken is not None)
    reader = FileReader("l.yaml", gazetteer=lambda: None)  # type: ignore[arg-type, return-value]
    assert (reader._country(scalar(text)) is None) == (broken is not None)
    assert (bulk_data._check_country(text) is None) == (broken is None or text in ("BLR", "Belarus"))  # bulk cells may name countries


# -- whole-column forms: each agrees with its scalar rule -----------------------------------------

IDENTIFIER_TEXTS = [
    "a", "a-b", "p-1", "0", "9-x", "-a", "a-", "A", "aB", "", " ", "a b", "a_b", "ä", "a\n", "a\nb", "\na",
    "a\x00b", "a\t", "x" * 300, "a--b", "1.5", "é-1", "ａ",
]


def test_the_whole_column_identifier_rule_refuses_exactly_what_the_scalar_rule_refuses():
    expected = [k for k, text in enumerate(IDENTIFIER_TEXTS) if rules.identifier(text) is not None]
    assert rules.broken_identifiers(IDENTIFIER_TEXTS) == expected
    assert expected and len(expected) < len(IDENTIFIER_TEXTS)  # both kinds are among the texts
    assert rules.broken_identifiers(IDENTIFIER_TEXTS * 50)[: len(expected)] == expected
    assert rules.broken_identifiers([]) == []


def test_the_whole_column_coordinate_rule_accepts_exactly_what_the_scalar_rules_accept():
    import numpy as np

    values = [0.0, -0.0, 27.5, 180.0, -180.0, 180.0000001, -180.5, 90.0, -90.0, 90.5, -95.0, 200.0,
              float("nan"), float("inf"), float("-inf"), 1e308, -1e-300, 53.9]
    lons = np.array([lon for lon in values for _ in values], dtype=np.float64)
    lats = np.array([lat for _ in values for lat in values], dtype=np.float64)
    expected = [rules.longitude(lon) is None and rules.latitude(lat) is None for lon, lat in zip(lons.tolist(), lats.tolist())]
    assert rules.coordinates_in_range(lons, lats).tolist() == expected
    assert any(expected) and not all(expected)
