"""A layer's features as GeoJSON text, written from the feature table's columns in chunks.

The export used to build a ``Feature`` object and a dictionary of properties per feature and
dump the whole collection at once: 8 s and 1.1 GB for 100,000 cached points, minutes and
gigabytes for a million (docs/performance.md, "GeoJSON export from columns"). Here each
property is made from its column instead (:meth:`FeatureTable.column` with ``keep=False``, so
the table does not keep what only the export reads):

- a column that holds one value in every row (a ``data:`` layer's defaults: its source,
  precision, dating; no figures, no ``x-`` keys) is encoded once, into the line *template* that
  every feature of the layer is written through (``template % row_values``);
- a column of repeated values (dates, country lists, tags, a source's citation) encodes each
  distinct value once; mostly distinct texts (ids, names, descriptions) go through the JSON
  module's own C string encoder;
- points are written from the coordinate array (the ``repr`` of each float, as the ``json``
  module writes it); lines, polygons, multi-part shapes and empty points take the one-by-one
  path (``shapely.geometry.mapping`` and ``json``), as before.

A few thousand rows (:data:`CHUNK_ROWS`) are made into text at a time, so the output is never in
memory whole. Each feature is one line of compact JSON; the values are those
:func:`influencemap.export.geojson.feature_properties` gives a Feature object (the same keys in
the same order, the same numbers and texts): ``tests/export/test_geojson_columns.py`` compares
the two on every kind of feature.
"""

from __future__ import annotations

import json
import re
from itertools import chain
from json.encoder import encode_basestring  # type: ignore[attr-defined]  # the C encoder json.dumps(ensure_ascii=False) uses
from typing import Any, Callable, Iterator, Sequence

from influencemap.model.catalog import Catalog
from influencemap.model.feature_table import POINT, FeatureTable
from influencemap.model.types import Layer

CHUNK_ROWS = 20_000
"""Rows made into text at a time: a few megabytes of output, enough to amortise the per-chunk work."""

SOURCE_KEYS = ("id", "title", "url", "publisher", "author", "date")
"""A resolved citation's keys from its source, in the order ``feature_properties`` writes them
(``locator`` and ``quote``, the citation's own, follow)."""

_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
"""``json.dumps(value, ensure_ascii=False)`` without spaces: the numbers and texts as the export
always wrote them."""

Fragments = Callable[[int, int], list]
"""The JSON texts of one property for rows ``start`` to ``stop``."""


class _Line:
    """One feature's line as constant text and placeholders, each placeholder filled per row."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.fillers: list[Fragments] = []

    def text(self, constant: str) -> None:
        self.parts.append(constant.replace("%", "%%"))

    def value(self, column: tuple) -> None:
        """A property's value: the constant text every row shares, or a placeholder (``%s``
        for the row's JSON text; the column may name another: ``"%s"`` for texts that need no
        escape, ``%r`` for finite floats, whose ``repr`` is their JSON)."""
        constant, fragments, *placeholder = column
        if constant is not None:
            self.text(constant)
        else:
            assert fragments is not None
            self.parts.append(placeholder[0] if placeholder else "%s")
            self.fillers.append(fragments)

    def lines(self, start: int, stop: int) -> list[str]:
        template = "".join(self.parts)
        if not self.fillers:
            return [template % ()] * (stop - start)
        values = [fill(start, stop) for fill in self.fillers]
        return list(map(template.__mod__, zip(*values)))


def layer_lines(catalog: Catalog, layer: Layer) -> Iterator[str]:
    """The layer's features as GeoJSON text, one feature per line (no separators), in chunks:
    each item is up to :data:`CHUNK_ROWS` lines joined by ``",\\n"``."""
    table = layer.features
    count = len(table)
    if not count:
        return
    read = lambda name: table.column(name, keep=False)  # noqa: E731 - read once here, not kept by the table
    ids = _texts(read("ids"))
    starts = read("starts")
    line = _Line()
    line.text('{"type":"Feature","id":')
    line.value(ids)
    line.text(',"geometry":')
    _geometry(table, line)
    line.text(',"properties":{"id":')
    line.value(ids)
    line.text(',"name":')
    line.value(_texts(read("names")))
    line.text(',"layer":')
    line.value(_layer_ids(layer))
    line.text(',"countries":')
    line.value(_repeated(read("countries")))
    line.text(',"start":')
    line.value(_repeated(starts))
    line.text(',"end":')
    line.value(_repeated(read("ends")))
    line.text(',"dating":')
    datings = read("datings")
    line.value(_repeated(datings if None not in starts else [d if s is not None else None for d, s in zip(datings, starts)]))
    del datings, starts
    line.text(',"tags":')
    line.value(_repeated(read("tags")))
    line.text(',"precision":')
    line.value(_repeated(read("precisions")))
    line.text(',"description":')
    line.value(_texts(read("descriptions")))
    line.text(',"figures":')
    line.value(_figures(read("figure_counts"), read("labels"), read("values"), read("units")))
    line.text(',"actors":')
    line.value(_repeated(read("actors")))
    line.text(',"sources":')
    line.value(_sources(catalog, read("citation_counts"), read("refs"), read("locators"), read("quotes")))
    line.value(_extras(read("extras")))
    line.text("}}")
    for start in range(0, count, CHUNK_ROWS):
        yield ",\n".join(line.lines(start, min(start + CHUNK_ROWS, count)))


# -- properties ------------------------------------------------------------------------------

def _constant(text: str) -> tuple[str, None]:
    return text, None


def _all_same(values: Sequence[Any]) -> bool:
    first = values[0]
    return values[-1] == first and values.count(first) == len(values)


def _texts(values: list) -> tuple[str | None, Fragments | None]:
    """A column of texts (and None), mostly distinct: each encoded when its chunk is made."""
    if _all_same(values) and (values[0] is None or type(values[0]) is str):
        return _constant(_dumps(values[0]))
    if not set(map(type, values)) <= {str, type(None)}:
        return _repeated(values)
    if None in values:
        return None, lambda start, stop: ["null" if v is None else encode_basestring(v) for v in values[start:stop]]
    if _plain(values):
        return None, lambda start, stop: values[start:stop], '"%s"'
    return None, lambda start, stop: list(map(encode_basestring, values[start:stop]))


_ESCAPED = re.compile(r'["\\\x00-\x1f]')
"""What JSON escapes in a text (``json.dumps(ensure_ascii=False)``: quote, backslash, control characters)."""


def _plain(texts: list[str], step: int = 100_000) -> bool:
    """Whether no text needs an escape: then each is its JSON between quotes (a million ids or
    names are not copied into a million new texts). Looked for a slice of rows at a time."""
    return not any(_escapes("".join(texts[at:at + step])) for at in range(0, len(texts), step))


_SAFE_ASCII = bytes(c for c in range(0x20, 0x80) if c not in b'"\\')


def _escapes(text: str) -> bool:
    """Whether ``text`` holds a character JSON escapes (ASCII texts by deleting the safe bytes:
    several times faster than the search)."""
    if text.isascii():
        return bool(text.encode("ascii").translate(None, _SAFE_ASCII))
    return _ESCAPED.search(text) is not None


_HASHED_SAFELY = frozenset({str, type(None)})
"""Types whose equal values are the same JSON (1 == 1.0 == True, 0.0 == -0.0 are not)."""


def _repeated(values: list) -> tuple[str | None, Fragments | None]:
    """A column of few distinct values (dates, precisions, country lists): each distinct value
    encoded once. Values whose equal ones may differ in JSON are encoded one by one."""
    kinds = set(map(type, values))
    if kinds <= _HASHED_SAFELY or (kinds == {tuple} and set(map(type, chain.from_iterable(values))) <= {str}):
        if _all_same(values):
            return _constant(_dumps(values[0]))
        encoded = {value: _dumps(value) for value in dict.fromkeys(values)}
        return None, lambda start, stop: list(map(encoded.__getitem__, values[start:stop]))
    return None, lambda start, stop: list(map(_dumps, values[start:stop]))


def _layer_ids(layer: Layer) -> tuple[str | None, Fragments | None]:
    """The features' ``layer_id``: for a table read from columns the layer's own id (the one
    its row builder gives every row: both come from the layer's file,
    :mod:`influencemap.model.file_result`; building a row to ask would decode and keep every
    column in the table); each object's own for a table of Feature objects."""
    table = layer.features
    if not table.built:
        return _constant(_dumps(layer.id))
    return _repeated([feature.layer_id for feature in table.features])


def _numbers(values: list) -> list[str]:
    """Each number's JSON text as ``json`` writes it (``repr`` of a finite float)."""
    kinds = set(map(type, values))
    if kinds == {float}:
        import math

        if all(map(math.isfinite, values)):
            return list(map(float.__repr__, values))
    elif kinds == {int}:
        return list(map(int.__repr__, values))
    return list(map(_dumps, values))


def _lists(counts: list[int], columns: Sequence[list], make: Callable[[int, int], list]) -> tuple[str | None, Fragments | None]:
    """Per row a JSON list of its ``counts[row]`` items (figures, citations), whose texts
    ``make(first, last)`` gives for the items ``first`` to ``last`` of the flat ``columns`` (None:
    an item left out). Made chunk by chunk; one text for all rows when they are all the same."""
    if not any(counts):
        return _constant("[]")
    if _all_same(counts) and all(map(_one_json, columns)):
        return _constant("[" + ",".join(filter(None, make(0, counts[0]))) + "]")
    import numpy as np

    firsts = np.concatenate(([0], np.cumsum(np.asarray(counts, dtype=np.int64)))).tolist()

    def fragments(start: int, stop: int) -> list[str]:
        items = make(firsts[start], firsts[stop])
        if firsts[stop] - firsts[start] == stop - start and None not in items and _all_same(counts[start:stop]):
            return ["[" + item + "]" for item in items]  # one item a row: most layers' citations
        out, at = [], 0
        for n in counts[start:stop]:
            out.append("[" + ",".join(filter(None, items[at:at + n])) + "]" if n else "[]")
            at += n
        return out

    return None, fragments


def _one_json(values: list) -> bool:
    """Whether every value is written as the same JSON (not only equal: 1, 1.0 and True, or 0.0
    and -0.0, are equal)."""
    if not _all_same(values) or len(set(map(type, values))) != 1:
        return False
    return type(values[0]) is not float or len(set(map(float.__repr__, values))) == 1


_FIGURE = '{"label":%s,"value":%s,"unit":%s}'


def _figures(counts: list[int], labels: list, values: list, units: list) -> tuple[str | None, Fragments | None]:
    def make(first: int, last: int) -> list[str]:
        return list(map(_FIGURE.__mod__, zip(_texts_of(labels[first:last]), _numbers(values[first:last]),
                                             _texts_of(units[first:last]))))

    return _lists(counts, (labels, values, units), make)


def _texts_of(values: list) -> list[str]:
    """Each value's JSON text, each distinct text (or None) encoded once."""
    if set(map(type, values)) <= _HASHED_SAFELY:
        encoded = {value: _text(value) for value in dict.fromkeys(values)}
        return list(map(encoded.__getitem__, values))
    return list(map(_dumps, values))


def _text(value: str | None) -> str:
    """The JSON of a text or None, without the encoder object's per-call overhead."""
    return "null" if value is None else encode_basestring(value)


def _sources(catalog: Catalog, counts: list[int], refs: list, locators: list, quotes: list) -> tuple[str | None, Fragments | None]:
    """Each row's citations of sources the catalog defines (others are left out, as
    ``Catalog.citations`` leaves them), each with its source's fields."""
    sources = catalog.sources
    heads = {}
    for ref in dict.fromkeys(refs):
        source = sources.get(ref)
        if source is not None:
            head = ",".join(f"{_dumps(key)}:{_dumps(getattr(source, key))}" for key in SOURCE_KEYS)
            heads[ref] = "{" + head.replace("%", "%%") + ',"locator":%s,"quote":%s}'
    known = heads.keys()

    def make(first: int, last: int) -> list[str | None]:
        chunk_refs = refs[first:last]
        texts = zip(_texts_of(locators[first:last]), _texts_of(quotes[first:last]))
        if known >= set(chunk_refs):
            return list(map(str.__mod__, map(heads.__getitem__, chunk_refs), texts))
        return [heads[ref] % pair if ref in heads else None for ref, pair in zip(chunk_refs, texts)]

    return _lists(counts, (refs, locators, quotes), make)


def _extras(extras: list) -> tuple[str | None, Fragments | None]:
    """The ``x-`` keys after the documented properties (nothing for a row without them)."""
    if not any(extras):
        return _constant("")

    def fragments(start: int, stop: int) -> list[str]:
        return ["," + _dumps(dict(extra))[1:-1] if extra else "" for extra in extras[start:stop]]

    return None, fragments


# -- geometry --------------------------------------------------------------------------------

_POINT = '{"type":"Point","coordinates":[%s,%s]}'


def _geometry(table: FeatureTable, line: _Line) -> None:
    """The geometry: for points, the coordinates' texts from the coordinate array (put into the
    template when every row is a point); for other shapes, their GeoJSON one by one."""
    import numpy as np

    count = len(table)
    if table.built:
        shapes, coordinates, simple = _built_points(table)
    else:
        kinds = table.kind_codes
        simple = kinds == POINT
        coordinates = table.point_lonlat()
        shapes = None
    if simple.all():
        line.text('{"type":"Point","coordinates":[')
        if np.isfinite(coordinates).all():  # repr of a finite float is its JSON: made by the template's %r
            line.value((None, lambda start, stop: coordinates[start:stop, 0].tolist(), "%r"))
            line.text(",")
            line.value((None, lambda start, stop: coordinates[start:stop, 1].tolist(), "%r"))
        else:
            line.value((None, lambda start, stop: _floats(coordinates[start:stop, 0])))
            line.text(",")
            line.value((None, lambda start, stop: _floats(coordinates[start:stop, 1])))
        line.text("]}")
        return
    point_rows = np.flatnonzero(simple)
    other_rows = np.flatnonzero(~simple)
    if shapes is None:
        others = table.take(other_rows).shapes()
    else:
        others = shapes[other_rows]
    texts = np.empty(count, dtype=object)
    texts[other_rows] = [_shape_json(shape) for shape in others.tolist()]
    del others
    if len(point_rows):
        texts[point_rows] = list(map(_POINT.__mod__, zip(_floats(coordinates[:, 0]), _floats(coordinates[:, 1]))))
    line.value((None, lambda start, stop: texts[start:stop].tolist()))


def _built_points(table: FeatureTable) -> tuple[Any, Any, Any]:
    """(shapes, the simple points' coordinates, which rows are simple points) of a table whose
    Feature objects exist: from the objects' own shapes (a point with a third coordinate is
    not simple: ``mapping`` writes all three)."""
    import shapely

    shapes = table.shapes()
    simple = (shapely.get_type_id(shapes) == 0) & ~shapely.is_empty(shapes) & ~shapely.has_z(shapes)
    return shapes, shapely.get_coordinates(shapes[simple]), simple


def _floats(array: Any) -> list[str]:
    return _numbers(array.tolist())


def _shape_json(shape: Any) -> str:
    from shapely.geometry import mapping

    return _dumps(mapping(shape))
