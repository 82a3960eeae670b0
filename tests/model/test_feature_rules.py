"""The value rules every reader applies (model/feature_rules.py): what each rule accepts, and
that the precise reader, the column validator and bulk data decide each value alike."""

from __future__ import annotations

import math
import random

import pytest

from influencemap.model import bulk_positions, bulk_problems, fast_columns, feature_rules as rules
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


def column_rejects(**values) -> bool:
    """Whether the column validator leaves a chunk of one good entry with ``values`` to the
    precise reader."""
    entry = {"id": "a", "name": "A", "point": [27.5, 53.9], "sources": ["doc"], **values}
    checker = fast_columns.ColumnChecker(fast_columns.Shared())
    return checker.check([entry]) is None


@pytest.mark.parametrize("text", IDENTIFIERS)
def test_an_identifier_is_decided_alike_by_every_reader(text):
    broken = rules.identifier(text) is not None
    assert broken == (text not in ("minsk-plant", "a1", "9-x"))
    assert precise_rejects(lambda r, n: r.identifier(n, "id"), text) == broken
    assert fast_rejects(fast_columns.identifier, text) == broken
    assert bulk_problems.problem_detail(rules.RowProblem(0, "id", "identifier"), text) == f"'{text}': use lowercase letters, digits and hyphens"
    assert bool(rules.identifiers([text])) == broken  # the column form bulk data checks ids and source ids with


@pytest.mark.parametrize("text", DATES)
def test_a_date_is_decided_alike_by_every_reader(text):
    broken = rules.date(text)
    assert (broken is None) == (text in ("2015", "2015-06", "2015-06-30"))
    assert precise_rejects(lambda r, n: r.date(n, "date"), text) == (broken is not None)
    assert column_rejects(date=text) == (broken is not None)
    assert [bulk_problems.problem_detail(p, text) for p in rules.dates([text])] == ([broken.detail] if broken else [])  # the parser's reason, as written


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
    assert [bulk_problems.problem_detail(p, text) for p in rules.urls([text])] == (
        [] if broken is None else [f"'{text}': {broken.detail}"] if broken.kind == "address"
        else [f"'{text}' is not an http:// or https:// address"]
    )


@pytest.mark.parametrize("text", CHOICES)
def test_a_precision_is_decided_alike_by_the_column_validator_and_bulk_data(text):
    broken = rules.precision(text) is not None
    assert broken == (text not in ("exact", "site", "country"))
    assert column_rejects(precision=text) == broken
    assert [bulk_problems.problem_detail(p, text) for p in rules.precisions([text])] == ([f"'{text}' is not one of exact, site, city, region, country"] if broken else [])
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
        arrays = bulk_positions.point_arrays(lon_cells, lat_cells, count)
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
    from influencemap.model import field_map

    assert (field_map.country_codes([text])[1] == []) == (broken is None or text in ("BLR", "Belarus"))  # bulk cells may name countries


# -- the column forms: the scalar rule's failing rows and Broken, cell by cell ------------------

WHITE = [chr(c) for c in range(0x3001) if chr(c).isspace()]
"""Every white space character below U+3001 (str.strip's; ``float`` skips only some of them)."""


def cell_by_cell(column, rule, key):
    """The scalar ``rule`` applied to each cell: what a column form must answer."""
    return [rules.RowProblem(row, key, *broken) for row, value in enumerate(column) if (broken := rule(value)) is not None]


def columns_of(rng, good, odd, count=300):
    """Seeded random columns: all good (the fast path), a few odd values among good ones, mostly
    odd; every length from 0 to 12 and some long ones."""
    found = [[], list(good), list(odd)]
    for i in range(count):
        size = rng.choice((1, 2, 3, 5, 12, 200)) if i % 3 else rng.randrange(13)
        share = (0.0, 0.02, 0.3, 0.9)[i % 4]
        found.append([rng.choice(odd) if rng.random() < share else rng.choice(good) for _ in range(size)])
    return found


def random_identifier(rng):
    return rng.choice("abz019") + "".join(rng.choice("abz019-") for _ in range(rng.randrange(6)))


def test_identifiers_of_a_column_are_the_scalar_rules_row_by_row():
    rng = random.Random(14)
    good = [random_identifier(rng) for _ in range(50)] + ["0", "a-", "9--9"]
    odd = IDENTIFIERS + ["", "-", "a\n", "\na", "a\nb", "a\n\nb", "\n", "A", "a-B", "a ", " a", "ab\t", "а"]
    for column in columns_of(rng, good, odd):
        assert rules.identifiers(column, "ref") == cell_by_cell(column, rules.identifier, "ref"), column
    assert rules.identifiers(["a", "Minsk", "b", "a\nb"]) == [rules.RowProblem(1, "id", "identifier"), rules.RowProblem(3, "id", "identifier")]
    assert rules.identifiers(["a\n"]) == [] == cell_by_cell(["a\n"], rules.identifier, "id")  # the pattern's $ allows a final line break


def random_date(rng):
    year = rng.choice(("2015", "1999", "0000", "0001", "9999", "15"))
    return rng.choice((year, f"{year}-{rng.randrange(15):02d}", f"{year}-{rng.randrange(14):02d}-{rng.randrange(33):02d}"))


def test_dates_of_a_column_are_the_scalar_rules_row_by_row_and_good_ones_are_remembered():
    rng = random.Random(15)
    good = ["2015", "2015-06", "2015-06-30", "2016-02-29", "0001"]
    odd = DATES + [random_date(rng) for _ in range(60)] + ["", " 2015", "2015 ", "2015-6", "2015-06-31", "2015-02-29"]
    remembered: set[str] = set()
    for column in columns_of(rng, good, odd):
        expected = cell_by_cell(column, rules.date, "start")
        assert rules.dates(column, "start") == expected, column
        assert rules.dates(column, "start", remembered) == expected  # the second time from what it remembers
        assert rules.dates(column, "start", remembered) == expected
    assert remembered and all(rules.date(text) is None for text in remembered)
    assert not remembered & {text for text in odd if rules.date(text) is not None}
    (problem,) = rules.dates(["2015", "2015-02-30"], "end")
    assert problem == rules.RowProblem(1, "end", "date", rules.date("2015-02-30").detail) and problem.detail  # the parser's reason


def test_periods_of_two_columns_are_the_scalar_order_rule_row_by_row():
    rng = random.Random(16)
    texts = ["2015", "2015-01", "2015-12-31", "2016", "2014-12", "2015-06-15", "bad", "2015-02-30"]
    for _ in range(300):
        size = rng.randrange(30)
        starts = [rng.choice(texts) for _ in range(size)]
        ends = [rng.choice(texts + [None, None]) for _ in range(size)]
        expected = [rules.RowProblem(row, "end", "order") for row, (s, e) in enumerate(zip(starts, ends)) if e is not None and rules.ordered(s, e) is False]
        assert rules.periods(starts, ends) == expected
    assert rules.periods(["2015-06", "2015", "2015"], ["2015-05-31", "2015", None]) == [rules.RowProblem(0, "end", "order")]


def test_coordinates_of_two_columns_are_the_scalar_range_rules_row_by_row():
    rng = random.Random(17)
    edges = [180, -180, 90, -90, 180.0, -180.0000001, 90.0000001, 180.5, -91, 1e308, -1e308, 0, -0.0, math.nan, math.inf, -math.inf]
    for i in range(400):
        size = rng.choice((0, 1, 2, 7, 100))
        share = (0.0, 0.01, 0.3, 1.0)[i % 4]

        def value(limit):
            return rng.choice(edges) if rng.random() < share else rng.uniform(-limit, limit)

        lons = [value(180) for _ in range(size)]
        lats = [value(90) for _ in range(size)]
        expected = [
            rules.RowProblem(row, "point", *broken)
            for row, (lon, lat) in enumerate(zip(lons, lats))
            for broken in (rules.longitude(lon), rules.latitude(lat))
            if broken is not None
        ]
        assert rules.coordinates(lons, lats) == expected, (lons, lats)
    # a NaN anywhere (min and max pass over it unless it comes first) is out of range
    assert rules.coordinates([1.0, math.nan, 2.0], [1.0, 1.0, 1.0]) == [rules.RowProblem(1, "point", "longitude")]
    assert rules.coordinates([1.0, 1.0], [1.0, math.nan]) == [rules.RowProblem(1, "point", "latitude")]
    assert rules.coordinates([200.0], [95.0]) == [rules.RowProblem(0, "point", "longitude"), rules.RowProblem(0, "point", "latitude")]


def test_precisions_and_datings_of_a_column_are_the_scalar_rules_row_by_row():
    rng = random.Random(18)
    for rule, column_rule, key, allowed in (
        (rules.precision, rules.precisions, "precision", rules.PRECISIONS),
        (rules.dating, rules.datings, "dating", rules.DATINGS),
    ):
        odd = CHOICES + sorted(rules.PRECISIONS | rules.DATINGS) + [" site", "Stated", "exact\n", ""]
        for column in columns_of(rng, sorted(allowed), odd):
            assert column_rule(column) == cell_by_cell(column, rule, key), column
            assert rules.choices(column, allowed, "x") == cell_by_cell(column, lambda t: rules.choice(t, allowed), "x")


def test_country_codes_of_a_column_are_the_scalar_rule_row_by_row():
    rng = random.Random(20)
    known = frozenset({"BY", "UA", "KZ", "CN"})
    good = ["BY", "by", "Ua", "kZ", "CN"]
    odd = ["XX", "BLR", "Belarus", "", " BY", "B", "by\n", "ÜA"]
    for column in columns_of(rng, good, odd):
        codes, problems = rules.country_codes(column, known, "countries")
        one_by_one = [rules.country_code(text, known) for text in column]
        assert codes == [code for code, _ in one_by_one], column
        assert problems == [rules.RowProblem(row, "countries", *broken) for row, (_, broken) in enumerate(one_by_one) if broken is not None]


def random_number(rng):
    number = rng.choice((rng.uniform(-1e6, 1e6), rng.randrange(-9, 10), rng.choice((1e308, 5e-324, -0.0))))
    return rng.choice((number, repr(number), f"{rng.choice(WHITE)}{number}{rng.choice(WHITE)}"))


def test_numbers_of_a_column_are_the_scalar_rule_row_by_row():
    rng = random.Random(19)
    good = [random_number(rng) for _ in range(80)]
    odd = CELLS + [f"{w}2.5{w}" for w in WHITE] + [
        "1e400", "-1e400", "1_000", "1__0", "_1", "0x10", "1,200", "١٢", "\u200b1", "+.5", "5.", ".", "-", "nan", "-inf", "Infinity",
        math.nan, math.inf, -math.inf, 10**400, -(10**400), False, [], {}, b"2", -1, -0.5, -1e-300,
    ]
    for minimum in (None, 0, -1e6):
        for column in columns_of(rng, good, odd):
            values, problems = rules.numbers(column, "value", minimum)
            one_by_one = [rules.number(value, minimum) for value in column]
            assert values == [found for found, _ in one_by_one], column
            assert problems == [rules.RowProblem(row, "value", *broken) for row, (_, broken) in enumerate(one_by_one) if broken is not None]


def test_numbers_with_thousands_separators_of_a_column_are_the_scalar_rule_row_by_row():
    rng = random.Random(21)
    good = [random_number(rng) for _ in range(40)] + ["1,000", " 2,500.5 ", "1,0,0", "12"]
    odd = CELLS + ["1,2,e", ",", "1,,", "nan", "1e400", "1,000,000e400", "lots", math.inf, "1_000", "1,0_00", "\u001c1,0"]
    for column in columns_of(rng, good, odd):
        values, problems = rules.numbers(column, "figures", thousands=True)
        one_by_one = [rules.number(value, thousands=True) for value in column]
        assert values == [found for found, _ in one_by_one], column
        assert problems == [rules.RowProblem(row, "figures", *broken) for row, (_, broken) in enumerate(one_by_one) if broken is not None]
    assert rules.numbers(["1,000"], thousands=True) == ([1000.0], []) and rules.numbers(["1,000"])[1][0].kind == "number"


def test_addresses_of_a_column_are_the_scalar_rule_row_by_row():
    rng = random.Random(22)
    for column in columns_of(rng, URLS[:2] + ["https://example.org/b"], URLS[2:] + ["", "http://", "HTTPS://x.org"]):
        assert rules.urls(column, "source_urls") == cell_by_cell(column, rules.url, "source_urls"), column


def test_bulk_country_cells_of_a_column_are_the_names_and_codes_rule_row_by_row():
    """Bulk cells may also name a country (``Belarus``, ``BLR``): :func:`.field_map.country_codes`
    is that reader's column form, cell by cell :func:`.field_map.country_code`."""
    from influencemap.model import field_map

    rng = random.Random(23)
    good = ["BY", "by", "BLR", "Belarus", "Ukraine", " UA ", "kz"]
    odd = ["XX", "Atlantis", "", "B Y", "1", "Belarus;UA"]
    for column in columns_of(rng, good, odd):
        codes, problems = field_map.country_codes(column, "countries")
        one_by_one = [field_map.country_code(text) for text in column]
        assert codes == one_by_one, column
        assert problems == [rules.RowProblem(row, "countries", "country") for row, code in enumerate(one_by_one) if code is None]


# -- the column validator applies the column forms (no copy of its own) -----------------------

def usual_entries(count=6):
    """Entries of every kind the column validator reads by columns, each value good."""
    return [
        {
            "id": f"f{i}", "name": f"F {i}", "point": [27.5 + i / 10, 53.9],
            **({"date": "2015-06"} if i % 2 else {"start": "2014", "end": "2016-01"}),
            "precision": "site", "dating": "stated", "countries": ["by", "UA"] if i % 3 else ["BY"],
            "figures": [{"label": "Amount", "value": 5e6 + i, "unit": "USD"}],
            "sources": [{"ref": "doc-a", "locator": f"p. {i}"}, "doc-b"],
        }
        for i in range(count)
    ]


KNOWN = frozenset({"BY", "UA"})


@pytest.mark.parametrize("name", ["identifiers", "dates", "periods", "coordinates", "numbers", "precisions", "datings", "country_codes"])
def test_the_column_validator_decides_by_the_rules_column_forms(name, monkeypatch):
    checker = fast_columns.ColumnChecker(fast_columns.Shared(known_countries=KNOWN))
    columns = checker.check(usual_entries())
    assert columns is not None and columns["ids"] == [f"f{i}" for i in range(6)]
    assert columns["countries"] == [("BY",), ("BY", "UA"), ("BY", "UA"), ("BY",), ("BY", "UA"), ("BY", "UA")]
    asked = []
    real = getattr(rules, name)

    def one_broken(*args, **kwargs):  # the real answer, with a problem on the first row
        asked.append(args)
        answer = real(*args, **kwargs)
        problem = rules.RowProblem(0, "k", "test")
        return (answer[0], answer[1] + [problem]) if name in ("numbers", "country_codes") else answer + [problem]

    monkeypatch.setattr(rules, name, one_broken)
    checker = fast_columns.ColumnChecker(fast_columns.Shared(known_countries=KNOWN))
    if name == "coordinates":  # the column of points is not taken; each point's own rules decide
        assert checker._points(usual_entries()) is None
    else:
        assert checker.check(usual_entries()) is None
    assert asked, f"the column validator did not ask rules.{name}"


@pytest.mark.parametrize(("row", "odd"), [
    (41, {"point": "Minsk"}),  # a place name: the shape's entry
    (0, {"id": "Not An Id"}),  # a rule's RowProblem names the row
    (63, {"date": "2015-02-30"}),
    (17, {"date": None, "start": "2016", "end": "2015"}),  # mixed dates: the entry of a period's problem
    (5, {"date": None, "start": "2015-13"}),
])
def test_the_entry_a_check_names_stands_alone_at_once_and_the_rest_is_read_by_columns(row, odd, monkeypatch):
    entries = [{**{k: v for k, v in entry.items() if k not in ("start", "end")}, "date": "2015-06"} for entry in usual_entries(64)]
    entries[row] = {key: value for key, value in dict(entries[row], **odd).items() if value is not None}
    checker = fast_columns.ColumnChecker(fast_columns.Shared(known_countries=KNOWN))
    checks = []
    real = checker._check
    monkeypatch.setattr(checker, "_check", lambda items: checks.append(len(items)) or real(items))
    runs = [(start, end, columns is not None) for start, end, columns in checker.segments(entries)]
    assert runs == [run for run in [(0, row, True), (row, row + 1, False), (row + 1, 64, True)] if run[0] < run[1]]
    assert len(checks) <= 4, checks  # halving would check 2 × log2(64) = 12 smaller chunks


# -- whole-column forms: each agrees with its scalar rule -----------------------------------------

IDENTIFIER_TEXTS = [
    "a", "a-b", "p-1", "0", "9-x", "-a", "a-", "A", "aB", "", " ", "a b", "a_b", "ä", "a\n", "a\nb", "\na",
    "a\x00b", "a\t", "x" * 300, "a--b", "1.5", "é-1", "ａ",
]


def test_the_whole_column_identifier_rule_refuses_exactly_what_the_scalar_rule_refuses():
    expected = [k for k, text in enumerate(IDENTIFIER_TEXTS) if rules.identifier(text) is not None]
    assert [p.row for p in rules.identifiers(IDENTIFIER_TEXTS)] == expected
    assert expected and len(expected) < len(IDENTIFIER_TEXTS)  # both kinds are among the texts
    assert [p.row for p in rules.identifiers(IDENTIFIER_TEXTS * 50)][: len(expected)] == expected
    assert rules.identifiers([]) == []


def test_the_whole_column_coordinate_rule_accepts_exactly_what_the_scalar_rules_accept():
    import numpy as np

    values = [0.0, -0.0, 27.5, 180.0, -180.0, 180.0000001, -180.5, 90.0, -90.0, 90.5, -95.0, 200.0,
              float("nan"), float("inf"), float("-inf"), 1e308, -1e-300, 53.9]
    lons = np.array([lon for lon in values for _ in values], dtype=np.float64)
    lats = np.array([lat for _ in values for lat in values], dtype=np.float64)
    expected = [rules.longitude(lon) is None and rules.latitude(lat) is None for lon, lat in zip(lons.tolist(), lats.tolist())]
    assert rules.coordinates_in_range(lons, lats).tolist() == expected
    assert any(expected) and not all(expected)
