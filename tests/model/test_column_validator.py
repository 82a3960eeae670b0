"""The column validator (:class:`~influencemap.model.fast_columns.ColumnChecker`) applies the
feature rules to every geometry kind and to the user's ``x-`` keys, so that a big layer of
lines, polygons (with holes), multi-part shapes or ``{lon, lat}`` points is read by columns and
agrees with the precise reader; an entry it is not sure of stands alone and goes to the precise
reader, the rest of its chunk still by columns."""

from __future__ import annotations

from influencemap.model.feature_table import FeatureTable
from influencemap.model.precise_reader import FileReader
from tests.model.test_fast_parse import layer, plain, read_both

SHAPES = [
    "point: [27.56, 53.9]",
    "point: {lon: 30.52, lat: 50.45}",
    "multipoint: [[27.5, 53.9], [27.6, 53.8]]",
    "line: [[27.5, 53.9], [30.5, 50.4], [31.0, 49.0]]",
    "multiline: [[[27.5, 53.9], [30.5, 50.4]], [[24.0, 54.0], [25.0, 55.0]]]",
    "polygon: [[27, 53], [28, 53], [28, 54], [27, 54], [27, 53]]",
    "polygon: [[[20, 50], [30, 50], [30, 56], [20, 56], [20, 50]], [[24, 52], [26, 52], [26, 54], [24, 54], [24, 52]]]",
    "multipolygon: [[[27, 53], [28, 53], [28, 54], [27, 53]], [[30, 50], [31, 50], [31, 51], [30, 50]]]",
]


def _entries(count: int, odd: dict[int, str] | None = None) -> str:
    lines = []
    for i in range(count):
        shape = (odd or {}).get(i) or SHAPES[i % len(SHAPES)]
        extra = f"\n  x-note: note {i}\n  x-meta: {{rank: {i + 1}, ok: true}}" if i % 3 == 0 else ""
        lines.append(f"- id: f{i}\n  name: Feature {i}\n  {shape}\n  date: 20{10 + i % 10}\n  sources: [doc-a]{extra}\n")
    return layer("".join(lines))


def test_every_geometry_kind_and_user_keys_are_read_by_columns_as_the_precise_reader_reads_them():
    fast, precise, used_fast, _ = read_both(_entries(400))
    assert used_fast
    assert isinstance(fast.features, FeatureTable), "every entry was read by columns"
    assert plain(fast) == plain(precise)
    assert list(fast.features) == list(precise.features)
    kinds = {f.geometry.geom_type for f in fast.features}
    assert kinds == {"Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon"}
    assert any(f.geometry.geom_type == "Polygon" and f.geometry.interiors for f in fast.features)
    assert fast.features[0].extra == {"x-note": "note 0", "x-meta": {"rank": 1, "ok": True}}


def test_an_entry_the_columns_are_unsure_of_goes_alone_to_the_precise_reader(monkeypatch):
    odd = {
        57: "line: [[27.5, 53.9]]",  # an error: a line needs two positions
        203: "point: Minsk",  # a place name: the gazetteer, and the precise reader's warning
        204: "multipoint: []",
    }
    read = []
    real = FileReader._read_feature

    def counting(self, node, *args):
        read.append(node.line)
        return real(self, node, *args)

    monkeypatch.setattr(FileReader, "_read_feature", counting)
    fast, precise, used_fast, _ = read_both(_entries(400, odd))
    assert used_fast
    assert plain(fast) == plain(precise)
    assert [p.format() for p in fast.problems] == [p.format() for p in precise.problems]
    assert any("line" in p.message for p in fast.problems)
    precise_count = len(precise.features) + 2  # the precise reader reads every entry (two gave no feature)
    assert len(read) == precise_count + len(odd), "only the unsure entries were read again by the precise reader"


def test_one_feature_of_a_table_is_built_on_its_own_and_stays_the_same_object(tmp_path):
    """A row view: the details panel or an edit asks the catalog for one feature; only that
    row is built, equal to the feature building the whole table gives, and one object after."""
    from influencemap.model.loader import load_catalog

    (tmp_path / "l.yaml").write_text(_entries(64), encoding="utf-8")
    catalog = load_catalog([tmp_path], use_cache=False)
    table = catalog.layer("test").features
    assert isinstance(table, FeatureTable) and not table.built
    wanted = (0, 1, 5, 6, 7, 63)  # a point, a {lon, lat} point, a polygon with a hole, a multipolygon, ...
    picked = [catalog.feature(f"f{i}") for i in wanted]
    assert not table.built, "asking for a few features did not build the others"
    assert table[-1] is picked[-1] and catalog.feature("f5") is picked[2]
    whole = list(load_catalog([tmp_path], use_cache=False).layer("test").features)
    assert picked == [whole[i] for i in wanted]
    assert list(table) == whole and table.built and table[5] is picked[2]


def test_points_checked_against_their_countries_next_to_an_entry_read_precisely_are_built_at_once(monkeypatch):
    """An entry left to the precise reader (a place name) makes the file's features objects for
    the country check: built as one table, not row by row (a row built alone decodes whole
    columns, which made a 100k layer with 1 % place names take many minutes)."""
    from pathlib import Path

    from influencemap.model.loader import _GazetteerSource, read_file

    entries = "".join(
        f"- id: f{i}\n  name: F {i}\n  point: {'Minsk' if i == 30 else '[27.5, 53.9]'}\n  countries: [BY]\n  sources: [doc-a]\n"
        for i in range(60)
    )
    data = layer(entries).encode()
    rows = []
    real = FeatureTable.row
    monkeypatch.setattr(FeatureTable, "row", lambda self, index: rows.append(index) or real(self, index))
    fast = read_file("l.yaml", data, _GazetteerSource(None), Path("/nonexistent/l.yaml"), fast=True)
    assert fast.entry_lines is not None, "read by the fast reader"
    assert rows == []
    assert len(fast.features) == 60 and fast.features[30].geometry.coords[0] != (27.5, 53.9)
    monkeypatch.undo()
    _, precise, _, _ = read_both(layer(entries))
    assert plain(fast) == plain(precise)
