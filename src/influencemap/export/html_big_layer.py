"""Big point layers of the HTML export: columns in, clusters on a canvas out.

A layer of more single points than :data:`BIG_LAYER_MIN` does not become a Leaflet marker per
feature (a million DOM markers and their clustering took minutes and gigabytes): its features
are written as *columns* — coordinates as integers of 1/100,000 degree, each property a column
node of :mod:`influencemap.export.columns` (a constant, a dictionary and indices, or the
values), list properties as a count per feature and their items — gzip-compressed and base64
encoded into the page's data block. The page's script (``influencemap.bigLayer`` in
``html_assets/influencemap.js``) inflates them with the browser's ``DecompressionStream``,
clusters the points with the vendored supercluster library and draws the clusters and points
on one canvas; a popup, a stack's list or a search result builds the feature it shows from the
columns when it is needed, with the same properties, dates, figures and numbered sources as a
small layer's popup.

The columns come from a cached layer's :class:`~influencemap.model.feature_table.FeatureTable`,
one or a few at a time and not kept (:class:`_ColumnReader`), so a cached million-point layer
is exported without building a million Feature objects and without holding its twenty decoded
columns at once; a layer whose features are objects (fresh from the precise reader, filtered,
renamed actors) gives the same columns from them. What is made per row is made by whole
columns where it can be: repeated values numbered once (dates and figures formatted per
distinct value, numbered by arrays), whole numbers written as JSON by array operations, texts
that need no escape joined as they stand, and the compression done on a second thread while
the next column is made.
"""

from __future__ import annotations

import base64
import gzip
import json
import re
import zlib
from itertools import chain
from typing import Any, Iterable, Iterator, Sequence

from influencemap.export.columns import decode_rows, encode_rows
from influencemap.export.xml_chars import xml_safe, xml_safe_json
from influencemap.model import sizing
from influencemap.model.catalog import Catalog
from influencemap.model.dates import format_partial_date, format_span
from influencemap.model.present import country_label, format_figure, safe_link
from influencemap.model.types import Figure, Layer

BIG_LAYER_MIN = 10_000
"""Layers with more single points than this are drawn by the page's canvas renderer; smaller
ones keep a DOM marker per feature (``layer.feature.properties``, Tab and Enter)."""

COORD_SCALE = 100_000
"""Coordinates are written as integers of 1/100,000 degree (5 decimals, about a metre), as
the small layers' GeoJSON rounds them."""

GZIP_LEVEL = 1
"""zlib's fastest: on the 100,000-point benchmark layer level 6 (the default) took eight times
the CPU time (0.48 s against 0.06 s) for 8 % less (2.43 MB against 2.64 MB)."""

SOURCE_KEYS = ("id", "title", "url", "publisher", "author", "date")


def is_big(layer: Layer, minimum: int = BIG_LAYER_MIN) -> bool:
    """Whether the layer goes to the canvas renderer: more than ``minimum`` features, every one
    a single two-dimensional point (multipoints, lines and polygons keep their DOM layers)."""
    features = layer.features
    if len(features) <= minimum:
        return False
    return bool(features.all_points)


_TABLE_COLUMNS = (
    "ids", "names", "starts", "ends", "instants", "datings", "precisions", "descriptions",
    "countries", "tags", "actors", "figure_counts", "labels", "values", "units",
    "citation_counts", "refs", "locators", "quotes", "extras",
)
"""The FeatureTable columns a big layer is written from."""


class _ColumnReader:
    """A layer's features as plain columns (the FeatureTable's names), each read when it is
    asked for and not kept: the caller drops it once its node is made.

    A cached table's columns are decoded from its blobs without being kept in the table
    (``FeatureTable.column(name, keep=False)``): decoding all twenty of a million points at once, as the table
    keeps them, held about 1 GB (a separate string object for every repeated value). Feature
    objects give the same columns, each made from them when asked for.
    """

    def __init__(self, layer: Layer) -> None:
        self.table = layer.features
        self.count = len(self.table)

    def lonlat(self) -> Any:
        """(N, 2) lon/lat of the points."""
        import numpy as np

        return np.asarray(self.table.point_lonlat(), dtype=np.float64).reshape(-1, 2)

    def __call__(self, name: str) -> list:
        return self.table.column(name, keep=False)


_PLAIN = frozenset({str, type(None)})

JOINED_MIN = 1_000
"""A column of at least this many mostly distinct texts is written as one text (a ``j`` node):
the browser parses one long string much faster than a million short ones, and keeps one
string instead of a million (each row is cut out when it is shown)."""

_SEPARATOR = "\ud800"
_NONE = "\ud801"
"""Between a joined column's values, and a value that is None: lone surrogates, written as
JSON escapes. No value holds either (the page's texts are made XML characters, which excludes
surrogates), and the XML pass over JSON text leaves escapes alone."""

_NOT_XML_OR_MARK = re.compile("[^\t\n\r\x20-\ud801\ue000-\ufffd\U00010000-\U0010ffff]")

_ESCAPED_OR_NOT_XML = re.compile("[^\x20\x21\x23-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
"""A character JSON escapes (``"``, a control character) or XML does not allow (a surrogate
among them); the backslash is counted apart."""

_SAFE_ASCII = bytes(c for c in range(0x20, 0x80) if c != 0x22)
"""ASCII that JSON writes as it is (backslashes are counted apart) and XML allows."""


class _JsonText(str):
    """JSON text written as it is (already XML-safe) by :func:`pack`."""


class _Ints:
    """A column of whole numbers (coordinates, a dictionary's indices) as a numpy array, which
    :func:`pack` writes as JSON digit by digit for all rows at once (:func:`_int_json`), not
    number by number. As a node's value it reads like the list it stands for."""

    __slots__ = ("array",)

    def __init__(self, values: Any) -> None:
        import numpy as np

        self.array = np.asarray(values, dtype=np.int64).reshape(-1)

    def __len__(self) -> int:
        return len(self.array)

    def __getitem__(self, index: int) -> int:
        return int(self.array[index])

    def __iter__(self) -> Iterator[int]:
        return iter(self.array.tolist())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, _Ints):
            return bool(len(self) == len(other) and (self.array == other.array).all())
        return isinstance(other, list) and self.array.tolist() == other

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"_Ints({self.array.tolist()!r})"


def _int_json(values: Any) -> bytes:
    """The JSON array of whole numbers, as ``json.dumps(values.tolist(), separators=(",", ":"))``
    writes it, made with a few array operations per digit instead of one text per number (a
    million coordinates or indices: 0.05-0.26 s against 0.17-0.33 s)."""
    import numpy as np

    numbers = np.asarray(values, dtype=np.int64).reshape(-1)
    count = len(numbers)
    if not count:
        return b"[]"
    if int(numbers.min()) <= -(10**18) or int(numbers.max()) >= 10**18:  # past what the digits below count
        return json.dumps(numbers.tolist(), separators=(",", ":")).encode("ascii")
    magnitude = np.abs(numbers)
    digits = np.ones(count, dtype=np.int64)
    top, power = int(magnitude.max()), 10
    while power <= top:
        digits += magnitude >= power
        power *= 10
    width = int(digits.max()) + 2  # a minus sign, the digits, a comma
    text = np.zeros((width, count), dtype=np.uint8)  # 0: no character
    text[width - 1] = ord(",")
    rest = magnitude
    for k in range(width - 2):
        rest, digit = np.divmod(rest, 10)
        text[width - 2 - k] = np.where(digits > k, digit + ord("0"), 0)
    negative = np.flatnonzero(numbers < 0)
    text[width - 2 - digits[negative], negative] = ord("-")
    flat = text.T.ravel()
    return b"[" + flat[flat != 0].tobytes()[:-1] + b"]"


def _joined(values: list) -> dict[str, Any]:
    """A ``j`` node: the texts (None as a mark) in one string, separated by a mark.

    Most columns (names, ids, descriptions) need no escape at all: joined with the marks' JSON
    escapes, they are their JSON text as they stand (:func:`_joined_plain`). A backslash, a
    quote, a control character or one XML does not allow sends the column the general way
    (:func:`_joined_escaped`); both write the same text."""
    return _joined_plain(values) or _joined_escaped(values)


def _joined_plain(values: list) -> dict[str, Any] | None:
    """:func:`_joined` of texts that need no escape, without escaping them; None otherwise."""
    nones = values.count(None)
    text = "\\ud800".join(values if not nones else ["\\ud801" if v is None else v for v in values])
    if not _plain_json_text(text, backslashes=len(values) - 1 + nones):
        return None
    return {"j": _JsonText(f'"{text}"')}


def _joined_escaped(values: list) -> dict[str, Any]:
    """:func:`_joined` of any texts: JSON-escaped, characters XML does not allow replaced."""
    nones = values.count(None)
    text = _SEPARATOR.join(values if not nones else (_NONE if v is None else v for v in values))
    if _NOT_XML_OR_MARK.search(text) or text.count(_SEPARATOR) != len(values) - 1 or text.count(_NONE) != nones:
        # a character XML does not allow (a surrogate among them): the value's, replaced
        text = _SEPARATOR.join(_NONE if v is None else xml_safe(v) for v in values)
    dumped = json.dumps(text, ensure_ascii=False)  # the marks stay as they are: lone surrogates
    del text  # tens of megabytes for a million names
    dumped = dumped.replace(_SEPARATOR, "\\ud800")
    return {"j": _JsonText(dumped.replace(_NONE, "\\ud801") if nones else dumped)}


def _plain_json_text(text: str, backslashes: int) -> bool:
    """Whether ``text`` is the inside of a JSON string as it stands and holds only XML
    characters: no character JSON escapes, and no backslash but the ``backslashes`` of the
    marks' escapes."""
    if text.count("\\") != backslashes:
        return False
    if text.isascii():
        return not text.encode("ascii").translate(None, _SAFE_ASCII)
    return _ESCAPED_OR_NOT_XML.search(text) is None


def _all_equal(values: list) -> bool:
    """Whether every value equals the first: a few rows across the column first (most columns
    that are not one value differ there), then one comparison a row."""
    first = values[0]
    step = max(1, len(values) // 16)
    return all(value == first for value in values[::step]) and values.count(first) == len(values)


def _mostly_distinct(keys: Sequence[Any]) -> bool:
    """Whether a sample across a long column's rows is mostly distinct values (then no
    dictionary of a million keys is built only to be thrown away)."""
    sample = keys[:: len(keys) // 5_000]
    return len(set(sample)) > 0.8 * len(sample)


def _node(values: Sequence[Any]) -> dict[str, Any]:
    """A column node (see :mod:`influencemap.export.columns`) of scalar values, made with one
    hash of each value: a constant, distinct values and indices, or the values. Values that
    cannot be hashed (lists, objects) go to :func:`encode_rows`."""
    if not isinstance(values, list):
        values = list(values)
    if not values:
        return {"v": []}
    first = values[0]
    if (first is None or type(first) is str) and _all_equal(values):
        return {"c": first}  # every row equal to one text (or None): one comparison each, no hash
    kinds = set(map(type, values))
    if kinds <= _PLAIN or (len(kinds) == 1 and kinds <= {int, float}):
        keys: list = values  # no two of these values are equal unless they are the same JSON
    elif kinds <= {int, float, bool, str, type(None)}:
        keys = list(zip(map(type, values), values))  # 1, 1.0 and True stay apart, as encode_rows keeps them
    else:
        return encode_rows(values)
    if keys is values and _all_equal(values):
        return {"c": values[0]}  # a comparison per row, no hash: most of a big layer's columns
    if len(values) > 20_000 and _mostly_distinct(keys):
        return _joined(values) if keys is values and kinds <= _PLAIN else {"v": values}
    distinct = dict.fromkeys(keys)
    if len(distinct) == 1:
        return {"c": values[0]}
    if len(distinct) * 2 <= len(values):
        number = {key: i for i, key in enumerate(distinct)}
        firsts = list(distinct) if keys is values else [value for _, value in distinct]
        return {"d": firsts, "i": _Ints(_numbers(map(number.__getitem__, keys), len(keys)))}
    if keys is values and kinds <= _PLAIN and len(values) >= JOINED_MIN:
        return _joined(values)
    return {"v": values}


def _text_codes(values: Sequence[Any]) -> tuple[list, Any] | None:
    """(the distinct values in order of first appearance, each row's number among them) of a
    column of texts and None; None for a column of other values."""
    import numpy as np

    if values and (values[0] is None or type(values[0]) is str) and _all_equal(values):
        return [values[0]], np.zeros(len(values), dtype=np.int64)
    if not set(map(type, values)) <= _PLAIN:
        return None
    distinct = dict.fromkeys(values)
    number = {key: i for i, key in enumerate(distinct)}
    return list(distinct), _numbers(map(number.__getitem__, values), len(values))


def _numbers(numbers: Iterator[int], count: int) -> Any:
    """A numpy array of ``count`` whole numbers."""
    import numpy as np

    return np.fromiter(numbers, dtype=np.int64, count=count)


def _coded_text_node(distinct: list, codes: Any) -> dict[str, Any]:
    """:func:`_node` of the texts ``distinct[codes]`` (texts and None), from their numbers:
    the same node, without a dictionary of a million texts."""
    count = len(codes)
    if not count:
        return {"v": []}
    if count > 20_000 and _mostly_distinct(codes):
        return _joined([distinct[c] for c in codes.tolist()])
    if len(distinct) == 1:
        return {"c": distinct[0]}
    if len(distinct) * 2 <= count:
        return {"d": list(distinct), "i": _Ints(codes)}
    values = [distinct[c] for c in codes.tolist()]
    return _joined(values) if count >= JOINED_MIN else {"v": values}


def _lists(lists: Sequence[Sequence[Any]]) -> dict[str, Any]:
    """A list column: each row's length, then every item in order."""
    return {"n": _node(list(map(len, lists))), "items": _node(list(chain.from_iterable(lists)))}


def big_layer_columns(catalog: Catalog, layer: Layer, tables: dict[str, Any]) -> dict[str, Any]:
    """The layer's columns as the page reads them (before compression); what the features
    share (sources, their numbers, country names) goes into ``tables``, as for small layers."""
    return dict(_columns(catalog, layer, tables))


def _columns(catalog: Catalog, layer: Layer, tables: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """:func:`big_layer_columns` one column at a time, each made when it is asked for (the
    packing writes and forgets each before the next is made), from the layer's columns read
    one or a few at a time (:class:`_ColumnReader`)."""
    import numpy as np

    read = _ColumnReader(layer)
    count = read.count

    # What the features share goes into the tables first (as feature_properties resolves the
    # citations: only of sources the catalog defines), so the sources and countries columns
    # are made now and written in their turn.
    sources = _source_columns(catalog, read, tables)
    countries = read("countries")
    for code in dict.fromkeys(chain.from_iterable(countries)):
        tables["countries"].setdefault(code, country_label(code))
    countries_node = _lists(countries)
    del countries

    yield "count", count
    scaled = np.round(read.lonlat() * COORD_SCALE).astype(np.int64)
    yield "x", _Ints(scaled[:, 0])
    yield "y", _Ints(scaled[:, 1])
    del scaled
    yield "id", _node(read("ids"))
    yield "name", _node(read("names"))
    starts, ends = read("starts"), read("ends")
    coded_starts, coded_ends = _text_codes(starts), _text_codes(ends)
    yield "start", _coded_text_node(*coded_starts) if coded_starts else _node(starts)
    yield "end", _coded_text_node(*coded_ends) if coded_ends else _node(ends)
    datings = read("datings")
    yield "dating", _node(datings if None not in starts else [d if s is not None else None for d, s in zip(datings, starts)])
    del datings
    yield "precision", _node(read("precisions"))
    yield "description", _node(read("descriptions"))
    yield "dates", _dates_node(starts, ends, read("instants"), coded_starts, coded_ends)
    del starts, ends, coded_starts, coded_ends
    yield "countries", countries_node
    del countries_node
    yield "tags", _lists(read("tags"))
    yield "actors", _lists(read("actors"))
    figure_counts, labels, values, units = read("figure_counts"), read("labels"), read("values"), read("units")
    coded_labels, coded_units = _text_codes(labels), _text_codes(units)
    yield "figures", {
        "n": _node(figure_counts),
        "label": _coded_text_node(*coded_labels) if coded_labels else _node(labels),
        "value": _node(values),
        "unit": _coded_text_node(*coded_units) if coded_units else _node(units),
        "shown": _shown_figures_node(labels, values, units, coded_labels, coded_units),
    }
    del coded_labels, coded_units
    sizes = _symbol_sizes(layer, values)
    del figure_counts, labels, values, units
    yield "sources", sources
    del sources
    extras = read("extras")
    yield "extra", {"c": None} if not any(extras) else encode_rows([dict(e) if e else None for e in extras])
    del extras
    if sizes is not None:
        yield "symbolSize", _node(sizes)


def _source_columns(catalog: Catalog, read: _ColumnReader, tables: dict[str, Any]) -> dict[str, Any]:
    """The features' citations of sources the catalog defines (as feature_properties resolves
    them) as columns; each source cited goes into the tables, numbered in order of first
    citation."""
    import numpy as np

    known = catalog.sources
    citation_counts, refs = read("citation_counts"), read("refs")
    locators, quotes = read("locators"), read("quotes")
    cited = dict.fromkeys(refs)
    if not cited.keys() <= known.keys():
        keep = np.fromiter((ref in known for ref in refs), dtype=bool, count=len(refs))
        kept = np.concatenate(([0], np.cumsum(keep, dtype=np.int64)))
        ends = np.cumsum(np.asarray(citation_counts, dtype=np.int64))
        citation_counts = (kept[ends] - kept[ends - np.asarray(citation_counts, dtype=np.int64)]).tolist()
        rows = np.flatnonzero(keep).tolist()
        refs, locators, quotes = ([column[i] for i in rows] for column in (refs, locators, quotes))
        cited = dict.fromkeys(refs)
    for ref in cited:
        if ref not in tables["sources"]:
            source = known[ref]
            tables["sources"][ref] = {key: getattr(source, key) for key in SOURCE_KEYS}
            tables["sourceOrder"].append(ref)
            tables["sourceDisplay"][ref] = {
                "date": format_partial_date(source.date) if source.date else None,
                "url": safe_link(source.url),
            }
    return {"n": _node(citation_counts), "ref": _node(refs), "locator": _node(locators), "quote": _node(quotes)}


def _dates_node(
    starts: list, ends: list, instants: list, coded_starts: tuple | None = None, coded_ends: tuple | None = None
) -> dict[str, Any]:
    """The node of each feature's dates as the details panel writes them, each distinct
    (start, end, instant) formatted once and numbered without a tuple per feature
    (``coded_*``: :func:`_text_codes` of the starts and ends, when they are made already)."""
    import numpy as np

    if coded_starts is None:
        coded_starts = _text_codes(starts)
    if coded_ends is None:
        coded_ends = _text_codes(ends)
    if coded_starts is None or coded_ends is None:
        return _node(_dates(starts, ends, instants))
    (start_values, start_codes), (end_values, end_codes) = coded_starts, coded_ends
    instant = np.fromiter(map(bool, instants), dtype=np.int64, count=len(instants))
    combined = (start_codes * len(end_values) + end_codes) * 2 + instant
    distinct, first, inverse = _unique_ints(combined)
    texts: dict[str | None, int] = {}
    text_of = np.empty(len(distinct), dtype=np.int64)
    for k in np.argsort(first, kind="stable").tolist():  # in order of first appearance
        key = int(distinct[k])
        span = format_span(start_values[key // 2 // len(end_values)], end_values[key // 2 % len(end_values)], bool(key % 2))
        text_of[k] = texts.setdefault(span, len(texts))
    return _coded_text_node(list(texts), text_of[inverse.reshape(-1)])


def _unique_ints(numbers: Any) -> tuple[Any, Any, Any]:
    """``np.unique(numbers, return_index=True, return_inverse=True)`` of non-negative whole
    numbers: by counting when they are not much larger than there are numbers (a million rows
    in 0.01 s against 0.22 s for the sort), by ``np.unique`` otherwise."""
    import numpy as np

    count = len(numbers)
    top = int(numbers.max()) + 1 if count else 0
    if not count or top > 4 * count + 1024:
        distinct, first, inverse = np.unique(numbers, return_index=True, return_inverse=True)
        return distinct, first, inverse.reshape(-1)
    distinct = np.flatnonzero(np.bincount(numbers, minlength=top))
    first = np.full(top, count, dtype=np.int64)
    np.minimum.at(first, numbers, np.arange(count, dtype=np.int64))
    number = np.empty(top, dtype=np.int64)
    number[distinct] = np.arange(len(distinct), dtype=np.int64)
    return distinct, first[distinct], number[numbers]


def _dates(starts: Sequence[Any], ends: Sequence[Any], instants: Sequence[Any]) -> list[str | None]:
    """Each feature's dates as the details panel writes them (each distinct span formatted once)."""
    spans: dict[tuple, str | None] = {}
    dates = []
    for key in zip(starts, ends, instants):
        shown = spans.get(key, spans)
        if shown is spans:
            shown = spans[key] = format_span(*key)
        dates.append(shown)
    return dates


def _shown_figures_node(
    labels: list, values: list, units: list, coded_labels: tuple | None = None, coded_units: tuple | None = None
) -> dict[str, Any]:
    """The node of each figure as the details panel writes it, each distinct (label, value,
    unit) formatted once and numbered without a tuple per figure (``coded_*``: as for
    :func:`_dates_node`)."""
    import numpy as np

    if coded_labels is None:
        coded_labels = _text_codes(labels)
    if coded_units is None:
        coded_units = _text_codes(units)
    kinds = set(map(type, values))
    if coded_labels is None or coded_units is None or not (kinds <= {int} or kinds <= {float}):
        return _node(_shown_figures(labels, values, units))
    (label_values, label_codes), (unit_values, unit_codes) = coded_labels, coded_units
    # one kind of number: equal values are equal keys, as in the tuples of _shown_figures
    distinct_values = dict.fromkeys(values)
    number = {value: i for i, value in enumerate(distinct_values)}
    value_codes = _numbers(map(number.__getitem__, values), len(values))
    number_values = list(distinct_values)
    combined = (label_codes * len(number_values) + value_codes) * len(unit_values) + unit_codes
    distinct, first, inverse = _unique_ints(combined)
    texts: dict[str, int] = {}
    text_of = np.empty(len(distinct), dtype=np.int64)
    for k in np.argsort(first, kind="stable").tolist():
        key = int(distinct[k])
        rest, unit = divmod(key, len(unit_values))
        label, value = divmod(rest, len(number_values))
        shown = format_figure(Figure(label_values[label], number_values[value], unit_values[unit]))
        text_of[k] = texts.setdefault(shown, len(texts))
    return _coded_text_node(list(texts), text_of[inverse.reshape(-1)])


def _shown_figures(labels: Sequence[Any], values: Sequence[Any], units: Sequence[Any]) -> list[str]:
    """Each figure as the details panel writes it (each distinct figure formatted once)."""
    made: dict[tuple, str] = {}
    out = []
    for key in zip(labels, map(type, values), values, units):
        shown = made.get(key)
        if shown is None:
            shown = made[key] = format_figure(Figure(key[0], key[2], key[3]))
        out.append(shown)
    return out


def _symbol_sizes(layer: Layer, values: Sequence[float]) -> list[float | None] | None:
    """Each point's marker diameter in pixels for a layer sized by a figure (as the small
    layers' ``symbolSize``), None where a feature has no such figure. Which figure sizes a row is
    :func:`~influencemap.model.sizing.figure_rows`'s answer (the canvas's and the legend's rule);
    its value is taken as written from ``values`` (the layer's flat figure values)."""
    size_by = layer.style.size_by
    if size_by is None:
        return None
    rows = sizing.figure_rows(layer.features, size_by, keep=False).tolist()
    present = [values[i] for i in rows if i >= 0]
    if not present:
        return None
    top = max(present)
    return [None if i < 0 else round(sizing.diameter(values[i], top, size_by), 1) for i in rows]


def pack_layer(catalog: Catalog, layer: Layer, tables: dict[str, Any]) -> dict[str, Any]:
    """The big layer's data block: :func:`pack` of its columns, each column written and
    compressed as soon as it is made (a million points' JSON is never in memory whole)."""
    return pack(_columns(catalog, layer, tables))


def pack(columns: dict[str, Any] | Iterable[tuple[str, Any]]) -> dict[str, Any]:
    """The columns as the page's data block carries them: JSON (only XML characters, as every
    text of the page), gzip-compressed, base64-encoded.

    zlib compresses each column's text on a second thread (it lets go of the interpreter while
    it works) while the next column is made: on the million-point layer that took 0.6-0.9 s of
    the export's time off its one busy thread."""
    pairs = columns.items() if isinstance(columns, dict) else columns
    count, separator = None, "{"
    with _Compressor() as compressor:
        for key, value in pairs:
            if key == "count":
                count = value
            compressor.add((separator + json.dumps(key) + ":").encode("utf-8"))
            for piece in _json_pieces(value):
                compressor.add(piece)
            separator = ","
        compressor.add(b"}" if separator == "," else b"{}")
        packed = compressor.finish()
    return {"count": count, "gzip": base64.b64encode(packed).decode("ascii")}


class _Compressor:
    """gzip (``GZIP_LEVEL``) of the pieces given to :meth:`add`, in order, made on one worker
    thread. Pieces wait for it up to ``WAITING_BYTES`` (then :meth:`add` waits): enough that
    the column being made and the ones being compressed overlap, not a million points' text."""

    WAITING_BYTES = 64 * 1024 * 1024

    def __init__(self) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self._zlib = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 31)  # 31: the gzip container
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="influencemap-gzip")
        self._pending: list[tuple[Any, int]] = []
        self._waiting = 0
        self._chunks: list[bytes] = []

    def __enter__(self) -> "_Compressor":
        return self

    def __exit__(self, *exc: object) -> None:
        self._worker.shutdown(wait=True, cancel_futures=True)

    def add(self, data: "bytes | _Later") -> None:
        """Compress ``data``, or the bytes a :class:`_Later` makes (made on the worker too)."""
        if isinstance(data, _Later):
            future, size = self._worker.submit(lambda: self._zlib.compress(data.make())), data.size
        else:
            future, size = self._worker.submit(self._zlib.compress, data), len(data)
        self._pending.append((future, size))
        self._waiting += size
        while self._waiting > self.WAITING_BYTES and len(self._pending) > 1:
            future, size = self._pending.pop(0)
            self._chunks.append(future.result())
            self._waiting -= size

    def finish(self) -> bytes:
        """The whole gzip stream, once every piece is compressed."""
        self._pending.append((self._worker.submit(self._zlib.flush), 0))
        self._chunks.extend(future.result() for future, _ in self._pending)
        self._pending.clear()
        self._waiting = 0
        return b"".join(self._chunks)


class _Later:
    """A piece of JSON made where it is compressed: whole numbers, whose digits numpy works out
    without holding the interpreter, so the next column is made meanwhile."""

    __slots__ = ("array", "size")

    def __init__(self, array: Any) -> None:
        self.array = array
        self.size = 8 * len(array)  # about the text's length, for the compressor's budget

    def make(self) -> bytes:
        return _int_json(self.array)


def _json(value: Any) -> bytes:
    """XML-safe JSON text (UTF-8) of a column."""
    return b"".join(piece.make() if isinstance(piece, _Later) else piece for piece in _json_pieces(value))


def _json_pieces(value: Any) -> Iterator["bytes | _Later"]:
    """:func:`_json` in pieces, so that no column's text is copied into a bigger one: joined
    texts as they are (safe already), whole numbers digit by digit, the rest through JSON and
    the XML pass."""
    if isinstance(value, _JsonText):
        yield value.encode("utf-8")
    elif isinstance(value, _Ints):
        yield _Later(value.array)
    elif isinstance(value, dict):
        separator = b"{"
        for key, item in value.items():
            yield separator + json.dumps(key).encode("utf-8") + b":"
            yield from _json_pieces(item)
            separator = b","
        yield b"}" if separator == b"," else b"{}"
    else:
        yield xml_safe_json(json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)).encode("utf-8")


def unpack(data: dict[str, Any]) -> dict[str, Any]:
    """The columns of a packed data block (what the page's script inflates)."""
    return json.loads(gzip.decompress(base64.b64decode(data["gzip"])).decode("utf-8"))


def big_layer_features(columns: dict[str, Any], layer_id: str) -> list[dict[str, Any]]:
    """The GeoJSON features (properties compacted, as :func:`influencemap.export.html.layer_features`
    gives a small layer's) that the page's script builds from a big layer's columns, one by one,
    when it shows them."""
    count = columns["count"]

    def rows(node: dict[str, Any], n: int = count) -> list[Any]:
        if "j" in node:
            text = json.loads(node["j"]) if isinstance(node["j"], _JsonText) else node["j"]
            return [None if v == "\ud801" else v for v in text.split("\ud800")] if n else []
        return decode_rows(node, n)

    def cut(lists: dict[str, Any], *items: str) -> list[list[Any]]:
        lengths = rows(lists["n"])
        flat = [rows(lists[item], sum(lengths)) for item in items]
        out, at = [], 0
        for n in lengths:
            out.append(list(zip(*(column[at:at + n] for column in flat))) if len(items) > 1 else flat[0][at:at + n])
            at += n
        return out

    keys = ("id", "name", "start", "end", "dating", "precision", "description", "dates", "extra")
    scalar = {key: rows(columns[key]) for key in keys}
    lists = {key: cut(columns[key], "items") for key in ("countries", "tags", "actors")}
    figures = cut(columns["figures"], "label", "value", "unit", "shown")
    sources = cut(columns["sources"], "ref", "locator", "quote")
    sizes = rows(columns["symbolSize"]) if "symbolSize" in columns else None
    out = []
    for i in range(count):
        properties: dict[str, Any] = {"id": scalar["id"][i], "name": scalar["name"][i]}
        if lists["countries"][i]:
            properties["countries"] = list(lists["countries"][i])
        for key in ("start", "end", "dating"):
            if scalar[key][i] is not None:
                properties[key] = scalar[key][i]
        if lists["tags"][i]:
            properties["tags"] = list(lists["tags"][i])
        for key in ("precision", "description"):
            if scalar[key][i] is not None:
                properties[key] = scalar[key][i]
        if figures[i]:
            properties["figures"] = [{"label": l, "value": v, "unit": u} for l, v, u, _ in figures[i]]
        if lists["actors"][i]:
            properties["actors"] = list(lists["actors"][i])
        properties["sources"] = [
            {"ref": ref, **({"locator": loc} if loc is not None else {}), **({"quote": q} if q is not None else {})}
            for ref, loc, q in sources[i]
        ]
        properties.update(scalar["extra"][i] or {})
        x, y = columns["x"][i] / COORD_SCALE, columns["y"][i] / COORD_SCALE
        feature: dict[str, Any] = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [x, y]}, "properties": properties}
        display: dict[str, Any] = {}
        if scalar["dates"][i]:
            display["dates"] = scalar["dates"][i]
        if figures[i]:
            display["figures"] = [shown for *_, shown in figures[i]]
        if display:
            feature["display"] = display
        if sizes is not None and sizes[i] is not None:
            feature["symbolSize"] = sizes[i]
        out.append(feature)
    return out
