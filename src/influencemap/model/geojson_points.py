"""A GeoJSON file of points read without GDAL, when the answer is sure to be GDAL's (issue 14 d).

GDAL's GeoJSON driver parses a document twice (the fields' types, then the features) and
pyogrio then converts its columns: on a million points that was most of a ``data:`` layer's
first read. The usual big file is simple — a FeatureCollection of 2-D Point features whose
properties are flat texts (and a few numbers) — and for that one the columns can be read
straight from the JSON with msgspec, a slice of the features array at a time, into small
structs (the whole document as Python dictionaries would take ~1.7 GB for a million features).

What comes out must be what :func:`.data_tables._geo_table` makes of GDAL's reading of the same
bytes: the same columns in the same order, the same cells, the same coordinates. So this reader
declines (returns None, and GDAL reads the file) whenever it could differ:

- the layout: anything but ``{"type": "FeatureCollection", ("name": text,) ("crs": {...},)
  "features": [...]}`` with the features last (other members, trailing bytes after the object),
  or a ``crs`` member that GDAL does not read as EPSG:4326. What GDAL makes of a CRS is GDAL's
  own (``urn:ogc:def:crs:OGC:1.3:CRS84``, as QGIS and GDAL write it, is EPSG:4326 to it;
  ``OGC:CRS84`` is not, and :func:`.data_tables._geo_table` would transform it), so GDAL is asked:
  a one-point document with the same member (:func:`gdal_reads_lonlat`);
- a feature that is not ``{"type": "Feature", "geometry": {"type": "Point", "coordinates":
  [x, y]}, "properties": {...}}`` (an ``id``, another geometry, Z, a null geometry or
  properties, coordinates that are not finite numbers);
- a property that is not a text, a number, a boolean or null; a column mixing texts with
  numbers; property names that differ only in case (GDAL's fields are found case-blind), or
  that are empty, or name the geometry column; ``\\u0000`` anywhere (GDAL's texts end there);
- a column of numbers and booleans that GDAL would read its own way (an integer it clamps,
  refuses or reads as a double: beyond int64), or a number too small for a double that is not
  zero (``1e-400``: msgspec reads 0.0, GDAL refuses the file). Any other such column, of any
  number of distinct values, takes the cells GDAL gives a few samples of each kind of value in
  it (:mod:`.geojson_numbers`);
- text columns whose every value could be a date, a time or a number in text: GDAL may type
  them (``2023-01-05`` becomes a Date). Such a column is answered by GDAL itself when it has
  few distinct values: a small GeoJSON of those values (and a null if the column has one) is
  read through the same GDAL path, and each row takes the cell GDAL gave its value. A field's
  type depends only on the set of values it saw, and a cell only on its value and that type,
  so the small read gives each value the cell the whole read would. Too many distinct values:
  GDAL reads the whole file.
- JSON that msgspec refuses (GDAL reads it, and reports what is wrong with it).

The array is cut into slices at ``},{``-like boundaries and each slice is decoded as an array
of its own. A cut that fell inside a text or inside a nested value leaves that slice
unbalanced, which the decoder refuses — so when every slice decodes, they are the features array.
"""

from __future__ import annotations

import itertools
import re
from operator import attrgetter, itemgetter
from typing import Any

import numpy as np

from influencemap.model import geojson_numbers

SLICE_BYTES = 8 << 20
"""About this many bytes of the features array are decoded at a time (~50,000 features)."""

MAX_ASKED_VALUES = 2_000
"""A column that GDAL might type (dates, numbers, mixed) is answered by GDAL's reading of its
distinct values when it has at most this many; with more, GDAL reads the whole file."""

_SPACE = rb"[ \t\n\r]*"
_NAME = rb'"name"' + _SPACE + rb":" + _SPACE + rb'"[^"\\\x00-\x1f]*"' + _SPACE + rb"," + _SPACE
_CRS = (rb'"crs"' + _SPACE + rb":" + _SPACE + rb"(?P<crs>\{[^{}]*(?:\{[^{}]*\}[^{}]*)*\})" + _SPACE + rb","
        + _SPACE)  # an object whose members hold no deeper object (checked in _crs_member)
_HEAD = re.compile(
    rb"(?:\xef\xbb\xbf)?" + _SPACE + rb"\{" + _SPACE + rb'"type"' + _SPACE + rb":" + _SPACE
    + rb'"FeatureCollection"' + _SPACE + rb"," + _SPACE
    + rb"(?:" + _NAME + rb")?" + rb"(?:" + _CRS + rb"(?:" + _NAME + rb")?)?"
    + rb'"features"' + _SPACE + rb":" + _SPACE + rb"\[" + _SPACE
)
_CUT = re.compile(rb"\}" + _SPACE + rb"," + _SPACE + rb"\{")

_MAYBE_TYPED = re.compile(r"[\s0-9:/\-+.,TZtzeE]*")
"""Texts GDAL might read as a date, a time, a date and time (or that look numeric): a superset of
what GDAL's ``OGRParseDate`` accepts. A text with any other character is a text to GDAL."""

_FEATURE_KEYS = {("type", "geometry", "properties"), ("type", "properties", "geometry"),
                 ("geometry", "type", "properties"), ("geometry", "properties", "type"),
                 ("properties", "type", "geometry"), ("properties", "geometry", "type")}
_POINT_KEYS = {("type", "coordinates"), ("coordinates", "type")}


class Declined(Exception):
    """This file is not one this reader is sure to read as GDAL does."""


def read_points(content: bytes, ask_gdal, ask_crs=None) -> tuple[dict[str, list], np.ndarray, np.ndarray] | None:
    """The columns and coordinate arrays of a GeoJSON FeatureCollection of 2-D points, or None
    when GDAL must read it (see the module docstring). ``ask_gdal(name, values)`` reads a small
    GeoJSON of the given values of property ``name`` through the GDAL path and returns GDAL's
    cells for them, in the order given. ``ask_crs(member)`` says whether GDAL's path reads a
    document with that ``crs`` member in longitude and latitude, untransformed (default:
    :func:`gdal_reads_lonlat`)."""
    try:
        import msgspec
    except ImportError:
        return None
    from influencemap.model.gc_pause import paused_gc

    head = _HEAD.match(content)
    end = _tail_start(content)
    if head is None or end is None or end <= head.end() or b"\\u0000" in content:
        return None
    if head.group("crs") is not None and not _crs_member_is_lonlat(head.group("crs"), msgspec, ask_crs or gdal_reads_lonlat):
        return None
    try:
        with paused_gc():
            return _read_body(content, head.end(), end, msgspec, ask_gdal)
    except Declined:
        return None


_TEXT = re.compile(rb'"[^"]*"')


def _crs_member_is_lonlat(member: bytes, msgspec, ask_crs) -> bool:
    """Whether the ``crs`` member the head matched is one GDAL's path reads as EPSG:4326 (so
    that :func:`.data_tables._geo_table` keeps the coordinates as they are). The head's pattern
    counts braces: with no escape in the member and no brace inside its texts, every brace is
    the object's own and the match is the whole member."""
    if b"\\" in member or any(b"{" in text or b"}" in text for text in _TEXT.findall(member)):
        return False
    try:
        if not isinstance(msgspec.json.decode(member), dict):
            return False
    except msgspec.DecodeError:
        return False
    return bool(ask_crs(member))


CRS_PROBE = (27.5, 53.25)
"""The point of the small document :func:`gdal_reads_lonlat` reads (axes that differ, so a swap
would show)."""


def crs_document(member: bytes) -> bytes:
    """A one-point GeoJSON with the given ``crs`` member (for ``ask_crs``)."""
    x, y = CRS_PROBE
    return (b'{"type": "FeatureCollection", "crs": ' + member + b', "features": [{"type": "Feature", '
            b'"geometry": {"type": "Point", "coordinates": [%r, %r]}, "properties": {}}]}' % (x, y))


def gdal_reads_lonlat(member: bytes) -> bool:
    """Whether GDAL's path reads a document with this ``crs`` member in EPSG:4326 with the
    coordinates as written: what it makes of the CRS (a name, an EPSG code, a URN; GDAL reads
    ``urn:ogc:def:crs:OGC:1.3:CRS84`` as EPSG:4326) is GDAL's own, so GDAL is asked."""
    from influencemap.model import data_access

    try:
        frame = data_access.read_with_gdal("GeoJSON", crs_document(member), "crs.geojson")
    except data_access.DataAccessError:
        return False
    if frame.crs is None or not frame.crs.equals("EPSG:4326") or len(frame) != 1:
        return False
    point = frame.geometry.iloc[0]
    return point.geom_type == "Point" and not point.has_z and (point.x, point.y) == CRS_PROBE


def _tail_start(content: bytes) -> int | None:
    """Where the ``]`` that closes the features array is, when only ``}`` and white space follow
    it (else None: members after the features, trailing bytes)."""
    at = len(content)
    for expected in b"}]":
        at -= 1
        while at >= 0 and content[at] in b" \t\n\r":
            at -= 1
        if at < 0 or content[at] != expected:
            return None
    return at


def _read_body(content: bytes, start: int, end: int, msgspec, ask_gdal):
    """Slice by slice: a slice of features whose names are the columns' (or some of them) is
    decoded straight into small structs (:func:`_struct_decoder`); any other slice into Python
    objects and checked field by field (:func:`_slice`, :func:`_add_columns`)."""
    columns: dict[str, list] = {}
    lons: list[np.ndarray] = []
    lats: list[np.ndarray] = []
    plain = msgspec.json.Decoder()
    typed = None  # the struct decoder for the current columns, once their order is a chain
    chain = False
    memos: dict[str, dict | None] = {}
    rows = 0
    at = start
    while at < end:
        cut = _CUT.search(content, at + SLICE_BYTES, end) if at + SLICE_BYTES < end else None
        stop = cut.start() + 1 if cut is not None else end
        data = b"[" + content[at:stop] + b"]"
        found = None
        if typed is not None:
            try:
                found = _struct_slice(typed.decode(data), columns, memos)
            except msgspec.ValidationError:
                found = None
            except msgspec.DecodeError:
                raise Declined from None
        if found is None:
            try:
                features = plain.decode(data)
            except msgspec.DecodeError:
                raise Declined from None
            x, y, properties = _slice(features)
            del features
            chain = _add_columns(columns, properties, rows, chain, memos)
            typed = _struct_decoder(tuple(columns), msgspec) if chain else None
        else:
            x, y = found
        del data
        lons.append(x)
        lats.append(y)
        rows += len(x)
        at = _CUT.match(content, cut.start()).end() - 1 if cut is not None else end
    _check_names(columns)
    lons_lats = np.concatenate(lons), np.concatenate(lats)
    return _typed_columns(columns, memos, lons_lats, content, ask_gdal), *lons_lats


def _typed_columns(columns: dict[str, list], memos: dict, lons_lats, content: bytes, ask_gdal) -> dict[str, list]:
    """The columns with GDAL's cells. Every column's kinds and samples are settled (and a zero
    that may have been ``1e-400`` looked into) before GDAL is asked anything, so that a file
    that is declined asks nothing."""
    kinds = {name: _kinds(cells) for name, cells in columns.items()}
    samples = {name: geojson_numbers.column_samples(cells, kinds[name])
               for name, cells in columns.items() if not kinds[name] <= _TEXTS}
    if None in samples.values():
        raise Declined  # a number GDAL reads its own way (beyond int64)
    zero = any(not values.all() for values in lons_lats) or any(map(geojson_numbers.has_zero, samples.values()))
    if zero and geojson_numbers.may_underflow(content):
        raise Declined  # a zero that may have been 1e-400, which msgspec reads as 0.0 and GDAL refuses
    for name, cells in columns.items():
        if name in samples:
            columns[name] = geojson_numbers.numeric_column(name, cells, kinds[name], samples[name], ask_gdal)
            if columns[name] is None:
                raise Declined
        else:
            columns[name] = _text_column(name, cells, kinds[name], ask_gdal, memos.get(name))
    return columns


def _struct_decoder(names: tuple[str, ...], msgspec):
    """A decoder of a slice of point features whose property names are among ``names``:
    anything else (another member, geometry or name) fails to decode and the slice is read
    the long way. Used only once the columns' order is a chain some feature spelled out in
    full, so that a feature naming them in another order cannot change GDAL's order (its
    graph refuses an order that makes a cycle)."""
    from typing import Literal

    properties = msgspec.defstruct(
        "Properties", [(f"c{i}", Any, msgspec.field(default=None, name=name)) for i, name in enumerate(names)],
        forbid_unknown_fields=True, gc=False,
    )  # attributes c0, c1, ... (a property's name need not be a Python name)
    point = msgspec.defstruct(
        "Point", [("type", Literal["Point"]), ("coordinates", tuple[float, float])],
        forbid_unknown_fields=True, gc=False,
    )
    feature = msgspec.defstruct(
        "Feature", [("type", Literal["Feature"]), ("geometry", point), ("properties", properties)],
        forbid_unknown_fields=True, gc=False,
    )
    return msgspec.json.Decoder(list[feature])


def _struct_slice(features: list, columns: dict[str, list], memos: dict) -> tuple[np.ndarray, np.ndarray] | None:
    """A slice decoded into structs: its coordinates, its properties appended to the columns."""
    if not features:
        return None
    count = len(features)
    xy = np.fromiter(itertools.chain.from_iterable(map(_COORDINATES, features)), dtype=np.float64, count=2 * count).reshape(count, 2)
    if not (np.abs(xy) < 2.0**53).all():
        raise Declined  # NaN, infinite, or maybe an integer too long for a double
    x, y = np.ascontiguousarray(xy[:, 0]), np.ascontiguousarray(xy[:, 1])
    properties = list(map(_PROPERTIES, features))
    for i, (name, cells) in enumerate(columns.items()):
        _extend(cells, list(map(attrgetter(f"c{i}"), properties)), memos, name)
    return x, y


_COORDINATES = attrgetter("geometry.coordinates")
_PROPERTIES = attrgetter("properties")


def _slice(features: list) -> tuple[np.ndarray, np.ndarray, list]:
    """One slice's coordinates and property objects, checked to be plain 2-D point features."""
    if not features or set(map(type, features)) != {dict} or not set(map(tuple, features)) <= _FEATURE_KEYS:
        raise Declined
    if set(map(itemgetter("type"), features)) != {"Feature"}:
        raise Declined
    geometries = list(map(itemgetter("geometry"), features))
    if set(map(type, geometries)) != {dict} or not set(map(tuple, geometries)) <= _POINT_KEYS:
        raise Declined
    if set(map(itemgetter("type"), geometries)) != {"Point"}:
        raise Declined
    coordinates = list(map(itemgetter("coordinates"), geometries))
    if set(map(type, coordinates)) != {list} or set(map(len, coordinates)) != {2}:
        raise Declined
    xs = list(map(itemgetter(0), coordinates))
    ys = list(map(itemgetter(1), coordinates))
    if not (set(map(type, xs)) | set(map(type, ys))) <= {float, int}:
        raise Declined  # texts, booleans, nulls, nested arrays
    try:
        x = np.array(xs, dtype=np.float64)
        y = np.array(ys, dtype=np.float64)
    except OverflowError:  # an integer beyond a double
        raise Declined from None
    if not (np.abs(x) < 2.0**53).all() or not (np.abs(y) < 2.0**53).all():
        raise Declined  # NaN, or maybe an integer too long for a double, which GDAL reads its own way
    properties = list(map(itemgetter("properties"), features))
    if set(map(type, properties)) != {dict}:
        raise Declined
    return x, y, properties


def _add_columns(columns: dict[str, list], properties: list[dict], before: int, chain: bool, memos: dict) -> bool:
    """Append a slice's property values to the columns (rows without a name get None).

    GDAL orders its fields by a graph of which name follows which in the features, refusing an
    edge that would close a cycle. Where that order is surely the order of first appearance,
    the columns come in that order; any other file is GDAL's to read. That is sure when each
    feature's names are already known and in that order, or new and after the known ones; or,
    once some feature has spelled out every column in order (``chain``: every later edge
    between them either follows the chain or closes a cycle), when a feature names only known
    columns in any order. Returns whether the columns are such a chain after the slice."""
    for names in dict.fromkeys(map(tuple, properties)):
        known = -1
        ordered = True
        grown = False
        for name in names:
            if name in columns:
                if grown:
                    raise Declined  # a known name after a new one: GDAL puts the new one before it
                index = _index(columns, name)
                ordered = ordered and index > known
                known = max(known, index)
            else:
                columns[name] = [None] * before
                grown = True
        if not ordered and (grown or not chain):
            raise Declined
        chain = names == tuple(columns) or (chain and not grown)
    size = before + len(properties)
    layouts = dict.fromkeys(map(tuple, properties))
    if len(layouts) == 1:
        for name in next(iter(layouts)):
            _extend(columns[name], list(map(itemgetter(name), properties)), memos, name)
    else:
        for name in dict.fromkeys(name for names in layouts for name in names):
            _extend(columns[name], [item.get(name) for item in properties], memos, name)
    for cells in columns.values():
        if len(cells) < size:
            cells.extend([None] * (size - len(cells)))
    return chain


def _extend(cells: list, values: list, memos: dict, name: str) -> None:
    """Append a slice's values to a column. A column that repeats (dates, country codes) keeps
    one object per distinct value, shared by its rows: the slice's own copies go with the slice
    (a million rows of repeated texts would otherwise hold ~50 MB each, and keep the memory the
    slice's decoding took from going back)."""
    if name not in memos:
        sample = values[:4096]
        texts = set(map(type, sample)) <= {str, _NONE} and any(type(value) is str for value in sample)
        # only texts (and nulls): 1, 1.0 and true are one key to a dict (a column where other
        # values follow is declined, see _kinds)
        memos[name] = {} if texts and 2 * len(set(sample)) <= len(sample) else None
    memo = memos[name]
    if memo is None:
        cells.extend(values)
        return
    try:
        values = list(map(memo.setdefault, values, values))
    except TypeError:  # a list or an object among the texts: declined later
        pass
    cells.extend(values)


def _index(columns: dict[str, list], name: str) -> int:
    return list(columns).index(name)


def _check_names(columns: dict[str, list]) -> None:
    folded = [name.lower() for name in columns]
    if len(set(folded)) != len(folded) or any(not name or name == "geometry" for name in folded):
        raise Declined  # GDAL's fields are found by name case-blind; pyogrio's geometry column
    if any(not name.isascii() for name in columns) and len({n.casefold() for n in columns}) != len(folded):
        raise Declined


_NONE = type(None)
_TEXTS = {str, _NONE}


def _kinds(cells: list) -> set:
    """The types of a column's values: texts and nulls, or numbers, booleans and nulls (Declined
    for any other: numbers among texts, which GDAL writes from the JSON's text, lists, objects)."""
    kinds = set(map(type, cells))
    if not kinds <= _TEXTS and (str in kinds or not kinds <= {int, float, bool, _NONE}):
        raise Declined
    return kinds


def _text_column(name: str, cells: list, kinds: set, ask_gdal, memo: dict | None) -> list:
    """A column of texts and nulls as GDAL's path gives it: texts, or (a column whose every value
    could be a date, a time or a number) the cells GDAL gives its distinct values."""
    for value in cells[:1000]:
        if type(value) is str and not _MAYBE_TYPED.fullmatch(value):
            return _texts(cells, kinds)  # GDAL widens a field to text at the first such value
    # a memo holds texts and nulls only
    distinct = {(type(value), value): value for value in (cells if memo is None else memo)}
    if memo is not None and _NONE in kinds:
        distinct[(_NONE, None)] = None  # rows before the column's first slice, or without it
    if any(type(v) is str and not _MAYBE_TYPED.fullmatch(v) for v in distinct.values()):
        return _texts(cells, kinds)
    if len(distinct) > MAX_ASKED_VALUES:
        raise Declined
    values = list(distinct.values())
    answers = ask_gdal(name, values)
    if len(answers) != len(values):
        raise Declined
    if all(type(a) is str and a == v for a, v in zip(answers, values) if v is not None):
        if all(a != a for a, v in zip(answers, values) if v is None):
            return _texts(cells, kinds)  # GDAL kept them as texts (``2023-01``)
    answer = dict(zip(distinct, answers))
    return [answer[(type(value), value)] for value in cells]


_NAN = float("nan")


def _texts(cells: list, kinds: set) -> list:
    """A text column as GDAL's path gives it: a null or missing cell is NaN."""
    if _NONE not in kinds:
        return cells
    return [_NAN if value is None else value for value in cells]


def ask_document(name: str, values: list[Any]) -> bytes:
    """A small GeoJSON whose features carry ``values`` as the property ``name``, one per feature,
    in order (for ``ask_gdal``)."""
    import msgspec

    features = [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [0.0, 0.0]}, "properties": {name: value}}
        for value in values
    ]
    return msgspec.json.encode({"type": "FeatureCollection", "features": features})
