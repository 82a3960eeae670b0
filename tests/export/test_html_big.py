"""Big point layers of the HTML export as columns (influencemap.export.html_big_layer).

A layer over ``HtmlOptions.big_layer_min`` points is written as packed columns for the page's
canvas renderer; the features the page builds from them must be the ones a small layer's data
gives, whether the layer comes from the load cache (a FeatureTable, read column by column) or
as Feature objects. The page itself is tested in Chromium (test_html_big_browser.py).
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest

from influencemap.export import html_big_layer
from influencemap.export.html import HtmlOptions, _layer_collection, _new_tables, layer_features, render_html
from influencemap.model import load_cache
from influencemap.model.loader import load_catalog

SOURCES = """\
sources:
  - id: report
    title: A report on loans
    publisher: Some Press
    author: A. Writer
    date: 2021-06-30
    url: https://example.org/report
  - id: ledger
    title: A ledger without a link
    date: 2019-03
"""

POINTS = """\
id: projects
name: Projects
category: Economy
style: {color: "#1f78b4", fill: "#a6cee3", marker: square, size: {figure: Amount, scale: sqrt, min: 6, max: 30}}
features:
  - id: minsk-loan
    name: A loan in Minsk
    point: [27.56, 53.90]
    date: 2013-05-20
    countries: [BY]
    actors: [Minsk Works Holding]
    tags: [loan, energy]
    precision: city
    description: A credit line.
    figures: [{label: Amount, value: 1.18e9, unit: USD}, {label: Jobs, value: 120}]
    sources: [{ref: report, locator: "para 3", quote: "a short phrase"}, ledger]
    x-checked-by: Anna
  - id: kyiv-span
    name: A span in Kyiv
    point: [30.52, 50.45]
    start: 2019-06
    countries: [UA]
    sources: [ledger]
  - id: closed-span
    name: A finished project
    point: [30.52, 50.45]
    start: 2015
    end: 2017-02
    dating: approximate
    countries: [UA, PL]
    figures: [{label: Amount, value: 25000000, unit: USD}]
    sources: [report]
  - id: undated-office
    name: "An office, undated: Zürich \\u00e9"
    point: [37.62, 55.75]
    countries: [RU]
    sources: [{ref: report, locator: p. 4}]
"""


LIBRARY = "Data must be an instance of ArrayBuffer"  # a message of supercluster's bundled kdbush


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    layers = tmp_path / "layers"
    layers.mkdir()
    (layers / "sources.yaml").write_text(SOURCES, encoding="utf-8")
    (layers / "projects.yaml").write_text(POINTS, encoding="utf-8")
    return layers


def _catalog(folder: Path, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("INFLUENCEMAP_CACHE_DIR", str(tmp_path / "cache"))
    load_catalog([folder], include_bundled_sources=False)  # fills the load cache
    load_cache.flush()  # the entries are written behind the load
    load_cache.clear_memory()  # the next load reads the disk cache's columns
    catalog = load_catalog([folder], include_bundled_sources=False)
    assert not catalog.errors
    return catalog


def test_cached_layer_gives_the_small_layers_features_from_its_columns(folder, tmp_path, monkeypatch):
    catalog = _catalog(folder, tmp_path, monkeypatch)
    layer = catalog.layer("projects")
    assert hasattr(layer.features, "column"), "the second load should come from the cache, as a table"

    big_tables = _new_tables([layer])
    columns = html_big_layer.big_layer_columns(catalog, layer, big_tables)
    assert not layer.features.built  # read as columns: no Feature object was made
    big = html_big_layer.big_layer_features(columns, layer.id)
    small_tables = _new_tables([layer])
    small = layer_features(_layer_collection(catalog, layer, small_tables))

    assert big == small
    assert big_tables == small_tables  # the same sources, numbered the same, the same country names


def test_feature_objects_give_the_same_columns_as_the_table(folder, tmp_path, monkeypatch):
    catalog = _catalog(folder, tmp_path, monkeypatch)
    table_layer = catalog.layer("projects")
    objects_layer = dataclasses.replace(table_layer, features=tuple(table_layer.features))
    # A layer given Feature objects holds a table of those objects, whose columns are made from them.
    assert objects_layer.features.built and objects_layer.features is not table_layer.features

    from_table = html_big_layer.big_layer_columns(catalog, table_layer, _new_tables([table_layer]))
    from_objects = html_big_layer.big_layer_columns(catalog, objects_layer, _new_tables([objects_layer]))
    assert from_objects == from_table


def test_sized_layer_gets_the_small_layers_symbol_sizes_and_size_key(folder, tmp_path, monkeypatch):
    catalog = _catalog(folder, tmp_path, monkeypatch)
    layer = catalog.layer("projects")
    columns = html_big_layer.big_layer_columns(catalog, layer, _new_tables([layer]))
    sizes = [f.get("symbolSize") for f in html_big_layer.big_layer_features(columns, layer.id)]
    assert sizes[0] > sizes[2] > 0 and sizes[1] is None and sizes[3] is None

    from influencemap.model import sizing

    key = sizing.layer_sizes(layer)  # the legend's size key, from the figure columns
    assert not layer.features.built
    assert key is not None and key == sizing.layer_sizes(dataclasses.replace(layer, features=tuple(layer.features)))


def test_packed_columns_come_back_as_written(folder, tmp_path, monkeypatch):
    catalog = _catalog(folder, tmp_path, monkeypatch)
    layer = catalog.layer("projects")
    columns = html_big_layer.big_layer_columns(catalog, layer, _new_tables([layer]))
    packed = html_big_layer.pack_layer(catalog, layer, _new_tables([layer]))
    assert packed["count"] == 4
    assert re.fullmatch(r"[A-Za-z0-9+/=]+", packed["gzip"])
    unpacked = html_big_layer.unpack(packed)
    assert html_big_layer.big_layer_features(unpacked, layer.id) == html_big_layer.big_layer_features(columns, layer.id)


def test_repeated_values_are_written_once(folder, tmp_path, monkeypatch):
    """A column of one value is a constant, of few values a dictionary with indices."""
    assert html_big_layer._node(["site"] * 6) == {"c": "site"}
    assert html_big_layer._node(["a", "b", "a", "a", None, "b"]) == {"d": ["a", "b", None], "i": [0, 1, 0, 0, 2, 1]}
    assert html_big_layer._node(["a", "b", "c"]) == {"v": ["a", "b", "c"]}
    # 1 and 1.0 are different JSON: they stay apart
    assert html_big_layer._node([1, 1.0, 1, 1.0]) == {"d": [1, 1.0], "i": [0, 1, 0, 1]}


def test_many_distinct_texts_are_joined_into_one_and_come_back_exactly():
    values = [f"Project {i}" for i in range(1500)]
    values[3] = None
    values[4] = "a \\u0000 written out, and a \\ backslash"
    values[5] = "nul\x00, start of heading\x01 and a lone \ud800"
    values[6] = ""
    node = html_big_layer._node(values)
    assert set(node) == {"j"}
    text = json.loads(html_big_layer._json({"name": node}))["name"]["j"]  # as the page reads it
    back = [None if v == "\ud801" else v for v in text.split("\ud800")]
    expected = list(values)
    expected[5] = "nul\ufffd, start of heading\ufffd and a lone \ufffd"  # not XML: replaced, as everywhere on the page
    assert back == expected


def test_only_layers_over_the_limit_of_single_points_are_big(folder, tmp_path, monkeypatch):
    catalog = _catalog(folder, tmp_path, monkeypatch)
    layer = catalog.layer("projects")
    assert html_big_layer.is_big(layer, 3)
    assert not html_big_layer.is_big(layer, 4)
    assert not html_big_layer.is_big(layer)  # the default: over 10,000


def test_page_writes_a_big_layer_as_packed_columns_and_inlines_the_clustering(folder, tmp_path, monkeypatch):
    catalog = _catalog(folder, tmp_path, monkeypatch)
    page = render_html(catalog, HtmlOptions(big_layer_min=3))
    assert not catalog.layer("projects").features.built  # the whole page made from the columns
    assert "influencemap.bigLayer(" in page
    assert "influencemap.dataLayer(" not in page
    assert LIBRARY in page  # the vendored library, inlined
    assert "L.MarkerClusterGroup" not in page  # no small layer has points to cluster
    blocks = re.findall(r'<script type="application/json" id="([^"]+)">(.*?)</script>', page, re.S)
    data = [json.loads(text) for _, text in blocks if '"gzip"' in text]
    assert len(data) == 1 and data[0]["spec"]["big"] is True
    assert "influencemap-payload-" not in page  # the placeholder was replaced by the columns
    columns = html_big_layer.unpack(data[0]["data"])
    assert columns["count"] == 4 and columns["name"]["v"][0] == "A loan in Minsk"

    small_page = render_html(catalog, HtmlOptions())
    assert "influencemap.dataLayer(" in small_page and LIBRARY not in small_page


# -- the export's fast paths write what the general ones write ---------------------------------


JOINED_CASES = {
    "ascii": [f"Project {i}" for i in range(1200)],
    "ascii with None": [None if i % 7 == 0 else f"p{i}" for i in range(1200)],
    "not ascii": [f"Проект {i} – Zürich" for i in range(1200)],
    "a quote": ["a \"quoted\" name"] + [f"n{i}" for i in range(1200)],
    "a backslash": ["C:\\\\data"] + [f"n{i}" for i in range(1200)],
    "the marks written out": ["\\ud800 and \\ud801"] + [f"n{i}" for i in range(1200)],
    "a tab and a line break": ["a\tb", "c\nd"] + [f"n{i}" for i in range(1200)],
    "control characters": ["nul\x00 and \x1f"] + [f"n{i}" for i in range(1200)],
    "not XML": ["\ufffe and a lone \udc00"] + [f"Проект {i}" for i in range(1200)],
    "line separators": ["\u2028 \u2029 \x7f \x85"] + [f"n{i}" for i in range(1200)],
}


@pytest.mark.parametrize("case", sorted(JOINED_CASES))
def test_joined_texts_without_escapes_are_written_as_the_general_way_writes_them(case):
    values = JOINED_CASES[case]
    plain = html_big_layer._joined_plain(values)
    escaped = html_big_layer._joined_escaped(values)
    needs_escape = any(v is not None and re.search("[\"\\\\\x00-\x1f\ud800-\udfff\ufffe\uffff]", v) for v in values)
    assert (plain is None) == needs_escape  # the fast way is taken exactly when nothing needs escaping
    assert html_big_layer._joined(values) == escaped
    if plain is not None:
        assert plain == escaped
        back = json.loads(plain["j"]).split("\ud800")
        assert [None if v == "\ud801" else v for v in back] == values


DATE_CASES = {
    "few dates": (
        [None if i % 5 == 0 else f"20{10 + i % 9}-0{1 + i % 9}" for i in range(3000)],
        [None if i % 3 else f"20{20 + i % 3}" for i in range(3000)],
        [i % 4 == 0 for i in range(3000)],
    ),
    "a constant": (["2013-05-20"] * 50, [None] * 50, [True] * 50),
    "all undated": ([None] * 30, [None] * 30, [False] * 30),
    "mostly distinct, long": (
        [f"{1900 + i % 120}-{1 + i % 12:02d}-{1 + i % 28:02d}" for i in range(25_000)],
        [f"{2030 + i % 50}-{1 + i // 50 % 12:02d}" for i in range(25_000)],
        [False] * 25_000,
    ),
    "equal spans from different dates": (["2015", "2015", "2015-01"], ["2015", None, None], [False, True, False]),
    "empty": ([], [], []),
}


@pytest.mark.parametrize("case", sorted(DATE_CASES))
def test_dates_numbered_without_tuples_are_the_formatted_dates_node(case):
    starts, ends, instants = DATE_CASES[case]
    assert html_big_layer._dates_node(starts, ends, instants) == html_big_layer._node(html_big_layer._dates(starts, ends, instants))


FIGURE_CASES = {
    "amounts": (["Amount"] * 4000, [float(10 ** (i % 12) * (1 + i % 7)) for i in range(4000)], ["USD"] * 4000),
    "ints and floats apart": (["Jobs", "Jobs", "Jobs", "Jobs"], [120, 120.0, 120, 0], [None] * 4),
    "ints": (["Jobs", "Staff", "Jobs"], [120, 3, 120], [None, None, None]),
    "zero and minus zero": (["Change"] * 3, [0.0, -0.0, 0.0], ["%"] * 3),
    "mostly distinct, long": (
        [f"Label {i % 3}" for i in range(25_000)], [float(i) for i in range(25_000)], ["EUR", "TEU", None] * 8333 + ["EUR"],
    ),
    "not finite": (["Amount", "Amount"], [float("inf"), 5.0], ["USD", "USD"]),
    "empty": ([], [], []),
}


@pytest.mark.parametrize("case", sorted(FIGURE_CASES))
def test_figures_numbered_without_tuples_are_the_formatted_figures_node(case):
    labels, values, units = FIGURE_CASES[case]
    expected = html_big_layer._node(html_big_layer._shown_figures(labels, values, units))
    assert html_big_layer._shown_figures_node(labels, values, units) == expected


def test_citations_of_unknown_sources_are_left_out_and_counted_per_feature():
    from types import SimpleNamespace

    from influencemap.model.types import Source

    columns = {
        "citation_counts": [2, 0, 3, 1],
        "refs": ["known", "missing", "missing", "other", "known", "missing"],
        "locators": ["p. 1", None, "p. 2", None, "p. 3", "p. 4"],
        "quotes": [None, "q", None, None, "quoted", None],
    }
    catalog = SimpleNamespace(sources={
        "known": Source(id="known", title="Known"), "other": Source(id="other", title="Other", date="2020-02"),
    })
    tables = _new_tables([])
    node = html_big_layer._source_columns(catalog, columns.__getitem__, tables)
    count = len(columns["citation_counts"])
    assert html_big_layer.decode_rows(node["n"], count) == [1, 0, 2, 0]
    kept = sum(html_big_layer.decode_rows(node["n"], count))
    assert html_big_layer.decode_rows(node["ref"], kept) == ["known", "other", "known"]
    assert html_big_layer.decode_rows(node["locator"], kept) == ["p. 1", None, "p. 3"]
    assert html_big_layer.decode_rows(node["quote"], kept) == [None, None, "quoted"]
    assert tables["sourceOrder"] == ["known", "other"]
    assert tables["sourceDisplay"]["other"]["date"] == "February 2020"


def test_a_cached_table_is_read_without_keeping_its_columns(folder, tmp_path, monkeypatch):
    """The export decodes each column it needs and lets it go: a million points' twenty
    columns, kept in the table all at once, held about 1 GB."""
    catalog = _catalog(folder, tmp_path, monkeypatch)
    table = catalog.layer("projects").features
    decoded_before = set(table._decoded)  # the table's own cache of decoded columns
    html_big_layer.pack_layer(catalog, catalog.layer("projects"), _new_tables([catalog.layer("projects")]))
    # the coordinates are an array over the cached blob itself (no copy): the one column kept
    assert set(table._decoded) - {"points"} == decoded_before - {"points"}
    assert not table.built


@pytest.mark.parametrize("waiting", [100, html_big_layer._Compressor.WAITING_BYTES])
def test_many_pieces_are_compressed_in_order(waiting, monkeypatch):
    """The worker thread compresses the pieces in the order given, whether the packing waits
    for it after every piece or not at all."""
    monkeypatch.setattr(html_big_layer._Compressor, "WAITING_BYTES", waiting)
    columns: dict = {f"column {i}": {"v": [f"value {i}.{j}" for j in range(200)]} for i in range(40)}
    # whole numbers are written on the worker thread itself, between the texts
    columns.update({f"numbers {i}": {"d": ["a", "b"], "i": html_big_layer._Ints([i % 2, -i] * 300)} for i in range(40)})
    unpacked = html_big_layer.unpack(html_big_layer.pack(columns))
    assert list(unpacked) == list(columns)
    assert unpacked == columns


@pytest.mark.parametrize("numbers", [
    [], [0], [7], [-7], [0, -1, 10, -10, 99, 100, -100, 12345678, -18000000],
    list(range(-1500, 1500, 7)), [2**62, -(2**62), 10**18 - 1, -(10**18) + 1, 0], [2**63 - 1, -(2**63)],
])
def test_whole_numbers_are_written_as_json_writes_them(numbers):
    import numpy as np

    assert html_big_layer._int_json(np.array(numbers, dtype=np.int64)) == json.dumps(numbers, separators=(",", ":")).encode()


@pytest.mark.parametrize("numbers", [[], [0], [5, 5, 5], [3, 0, 3, 9, 0, 1], list(range(50, 0, -1)) * 3, [10**9, 3, 10**9, 0]])
def test_unique_numbers_by_counting_are_numpys(numbers):
    import numpy as np

    array = np.array(numbers, dtype=np.int64)
    got = html_big_layer._unique_ints(array)
    expected = np.unique(array, return_index=True, return_inverse=True)
    for mine, numpys in zip(got, expected):
        assert mine.tolist() == numpys.reshape(-1).tolist()
