"""The column validator: the fast reader's work on a chunk of feature entries, in plain values
only. Parse them with rapidyaml, then check them a key at a time for the whole chunk by the
feature rules (ids, names, every geometry kind through :mod:`.geometry_parts`, dates and
``dating``, countries, actors, tags, figures, citations, precision, the user's ``x-`` keys).

The value rules are :mod:`.feature_rules`' own, in their column forms
(:func:`.feature_rules.identifiers`, ``numbers``, ``coordinates``, ``dates``, ``periods``,
``precisions``, ``datings``, ``country_codes``), which answer ``(row, key, kind, detail)``
problems. This module adds only what the fast reader needs to be sure it read the values as the
precise reader would (:func:`text`, the types rapidyaml's JSON keeps), and leaves an entry with
a problem to the precise reader, which words it at the value's line and column.

What comes out is columns of plain values (str, float, int, bool, None, bytes, tuples and lists
of them) in the feature table's layout, never a Feature or a shapely geometry: the same columns
a cached file's table holds, so the table is made from them without building objects. Anything
unusual or unsure about a chunk and :meth:`ColumnChecker.check` returns None;
:meth:`ColumnChecker.segments` then sets apart the entry a check named (a problem's row), or
halves the chunk, until each unsure entry stands alone, and the fast reader leaves those to the
precise reader."""

from __future__ import annotations

import json
from dataclasses import dataclass
from itertools import chain, islice, repeat
from operator import getitem, itemgetter
from typing import Callable

from influencemap.model import feature_rules as rules, geometry_parts, schema
from influencemap.model.yaml_nodes import Node, key_text, to_python

try:  # three times as fast as json at making the entries' dicts
    from orjson import loads as _loads_json
except ImportError:  # pragma: no cover - a declared dependency
    _loads_json = json.loads


class GiveUp(Exception):
    """Not sure: leave the entry (or the file) to the precise reader. ``row``: the entry of the
    chunk found unsure, where the check knows it (a rule's :class:`.feature_rules.RowProblem`,
    the entry whose shape was being read)."""

    def __init__(self, row: int | None = None) -> None:
        super().__init__(row)
        self.row = row


# -- parsing a chunk ---------------------------------------------------------------------------


class ChunkParser:
    """Parses chunks of entry lines with rapidyaml, into the JSON data model."""

    def __init__(self) -> None:
        import ryml

        self._ryml = ryml
        self._tree = ryml.Tree()
        self._buffer = bytearray(1 << 20)
        """Where the JSON is written, grown when a chunk needs more (rapidyaml says how much)."""

    def parse(self, chunk: bytes | memoryview, count: int) -> tuple[list, int]:
        """(the ``count`` entries as plain values, mapping keys written); GiveUp when the chunk
        is not exactly that many entries or might read differently with libyaml."""
        ryml, tree = self._ryml, self._tree
        tree.clear()
        tree.clear_arena()
        try:
            ryml.parse_in_arena(chunk, tree)
            failed, size = ryml.emit_json_to_substr(tree, tree.root_id(), self._buffer)
            if failed:
                self._buffer = bytearray(max(size, 2 * len(self._buffer)))
                failed, size = ryml.emit_json_to_substr(tree, tree.root_id(), self._buffer)
        except Exception:  # ryml's own exception types; the precise reader explains
            raise GiveUp from None
        buffer = self._buffer
        if failed or _comment_mark(buffer, size):
            # ' #' starts a comment, so only quoted text holds it, but rapidyaml keeps
            # 'p.  #3' as text inside a flow collection where libyaml sees a comment.
            raise GiveUp
        text = memoryview(buffer)[:size]
        try:
            items = _loads_json(text)
        except ValueError:
            try:  # orjson stops at integers beyond 64 bits; json reads them
                items = json.loads(bytes(text))
            except ValueError:
                raise GiveUp from None
        finally:
            text.release()
        if type(items) is not list or len(items) != count:
            raise GiveUp
        return items, buffer.count(b'": ', 0, size)


def _comment_mark(buffer: bytearray, size: int) -> bool:
    """Whether ``buffer[:size]`` holds ``' #'`` (found by its rare ``#``: a two-byte search is
    slow where spaces are everywhere)."""
    at = buffer.find(b"#", 0, size)
    while at != -1:
        if at and buffer[at - 1] == 32:
            return True
        at = buffer.find(b"#", at + 1, size)
    return False


# -- one value ---------------------------------------------------------------------------------

NULLISH = frozenset({"~", "null", "Null", "NULL"})


def _spellings(word: str) -> set[str]:
    """``word`` in every mix of upper and lower case."""
    found = {""}
    for letter in word:
        found = {done + case for done in found for case in {letter.lower(), letter.upper()}}
    return found


SPECIAL_FLOATS = frozenset(
    sign + dot + spelling
    for word in ("nan", "inf", "infinity")
    for spelling in _spellings(word)
    for sign in ("", "-", "+")
    for dot in ("", ".")
)
"""Every text some YAML or JSON reader takes for a not-a-number or an infinity (``nan``, ``.NaN``,
``-Infinity``, ``+.inf``, ... in any case; 1,632 spellings, so that checking a column is one set
operation). rapidyaml's JSON writes some of them as ``.nan``/``.inf``/``-.inf`` (issue 18's
fuzzing found ``name: nan`` read as '.nan'), so a text that is one of them is left to the
precise reader, quoted or not."""
UNPLAIN_START = tuple("]}[{,:#|>")
"""Text can start with these only when quoted; rapidyaml takes some of them unquoted where
libyaml (the precise reader) stops with an error, so such text is left to the precise reader."""
_UNPLAIN_FIRST = frozenset(UNPLAIN_START)
_FIRST = slice(0, 1)


def text(value: object, required: bool = True) -> str | None:
    """The precise reader's ``text`` of a value, or GiveUp when it might differ."""
    kind = type(value)
    if kind is str:
        if value in NULLISH or value.startswith(UNPLAIN_START) or value in SPECIAL_FLOATS:  # type: ignore[union-attr]
            raise GiveUp  # a bare ~ is null, a quoted one is text: cannot tell here
        stripped = value.strip()  # type: ignore[union-attr]
        if stripped:
            return stripped
        if required:
            raise GiveUp
        return None
    if kind is int:
        if value == 0:  # 0 or -0?
            raise GiveUp
        return str(value)
    if value is None and not required:
        return None
    raise GiveUp  # a float: rapidyaml writes .5 as 0.5 and 1. as 1.0, not the text as written


def identifier(value: object) -> str:
    found = text(value)
    if rules.identifier(found) is not None:  # type: ignore[arg-type]
        raise GiveUp
    return found  # type: ignore[return-value]


def number(value: object, minimum: float | None = None) -> float:
    """A YAML number or a text of one (not a bool or null: rapidyaml's JSON may differ)."""
    if type(value) not in _NUMBER_TYPES:
        raise GiveUp
    found, broken = rules.number(value, minimum)
    if broken is not None:
        raise GiveUp
    return found  # type: ignore[return-value]


# -- columns of values -------------------------------------------------------------------------

MISSING: object = type("_Missing", (), {"__repr__": lambda self: "<missing>"})()
"""Where an entry does not have the key."""

FEATURE_KEYS = frozenset(schema.FEATURE_KEYS)
FIGURE_KEYS = frozenset(schema.FIGURE_KEYS)
CITATION_KEYS = frozenset(schema.CITATION_KEYS)
USER = schema.USER_KEY_PREFIX
GEOMETRY_KEYS = frozenset(schema.GEOMETRY_KEYS)
_LONLAT = frozenset(("lon", "lat"))
_POINT_ONLY = frozenset(("point",))
_DATE_KEYS = frozenset(schema.DATE_KEYS)
_NUMBER_TYPES = frozenset((float, int, str))
_TEXT_TYPES = frozenset((str, int))
"""Types a text item may have (a float literal is not text as written: see :func:`text`)."""
_STR = frozenset((str,))
_DATE = frozenset(("date",))
_LIST = frozenset((list,))
_DICT = frozenset((dict,))
_ONE = frozenset((1,))
_TWO = frozenset((2,))


def _values(items: list, key: str) -> list:
    """The key's value in each item; KeyError when some item does not have it."""
    return list(map(itemgetter(key), items))


def _column(items: list, key: str) -> list:
    """The key's value in each item (MISSING where absent)."""
    try:
        return _values(items, key)
    except KeyError:
        return list(map(dict.get, items, repeat(key), repeat(MISSING)))


def _optional(column: list, read: Callable[[list], list]) -> list:
    """``read`` applied to the values that are there, MISSING kept where they are not."""
    if MISSING not in column:
        return read(column)
    there = [v for v in column if v is not MISSING]
    done = iter(read(there))
    return [v if v is MISSING else next(done) for v in column]


def texts(column: list, required: bool) -> list:
    """:func:`text` of each value; at C speed when they are all strings."""
    try:
        stripped = list(map(str.strip, column))  # TypeError unless all are text
    except TypeError:
        return [text(v, required) for v in column]
    if not (
        NULLISH.isdisjoint(column)
        and SPECIAL_FLOATS.isdisjoint(column)
        and _UNPLAIN_FIRST.isdisjoint(set(map(getitem, column, repeat(_FIRST))))
    ):
        raise GiveUp
    if not all(stripped):
        if required:
            raise GiveUp
        stripped = [t or None for t in stripped]
    return stripped


def _optional_texts(items: list, key: str, names: set) -> list:
    """The optional text under ``key`` of each mapping (None where absent or empty)."""
    if key not in names:
        return [None] * len(items)
    return [None if v is MISSING else v for v in _optional(_column(items, key), lambda col: texts(col, False))]


def _numbers(column: list, key: str) -> list[float]:
    """:func:`number` of each value (:func:`.feature_rules.numbers`)."""
    if not set(map(type, column)) <= _NUMBER_TYPES:
        raise GiveUp
    numbers, problems = rules.numbers(column, key)
    if problems:
        raise GiveUp
    return numbers  # type: ignore[return-value]


def _lists_of(column: list) -> tuple[list, list]:
    """The lists of a column (without MISSING) and all their items in one list."""
    lists = [v for v in column if v is not MISSING] if MISSING in column else column
    if set(map(type, lists)) != _LIST and lists:
        raise GiveUp
    return lists, list(chain.from_iterable(lists))


def _counts(column: list, lists: list) -> list[int]:
    """Each item's number of values, -1 where the column has MISSING (the default applies)."""
    if len(lists) == len(column):
        return list(map(len, lists))
    return [-1 if v is MISSING else len(v) for v in column]


def _tuples(column: list, lists: list, flat: list, fallback: tuple) -> list[tuple]:
    """Tuples of ``flat`` cut as ``lists`` were, one per item of ``column``; ``fallback``
    where the column has MISSING."""
    if len(flat) == len(lists) and set(map(len, lists)) == _ONE:
        grouped = [(item,) for item in flat]
    else:
        items = iter(flat)
        grouped = [tuple(islice(items, len(v))) for v in lists]
    if len(lists) == len(column):
        return grouped
    done = iter(grouped)
    return [fallback if v is MISSING else next(done) for v in column]


def identifiers(column: list, key: str) -> list[str]:
    """:func:`identifier` of each value (:func:`.feature_rules.identifiers`)."""
    if not column:
        return []
    found = texts(column, True)
    if rules.identifiers(found, key):  # type: ignore[arg-type]
        raise GiveUp
    return found


def count_keys(value: object) -> int:
    """The mapping keys inside a value (another object's ``x-`` keys, kept nowhere)."""
    kind = type(value)
    if kind is dict:
        return len(value) + sum(map(count_keys, value.values()))  # type: ignore[arg-type, union-attr]
    if kind is list:
        return sum(map(count_keys, value))  # type: ignore[arg-type]
    return 0


def _user_keys(item: dict, allowed: frozenset[str]) -> int:
    """Check the keys beyond ``allowed`` are the user's own; the keys inside them."""
    keys = 0
    for key, value in item.items():
        if key not in allowed:
            if not key.startswith(USER):
                raise GiveUp
            keys += count_keys(value)
    return keys


@dataclass(frozen=True)
class Shared:
    """What the checks need besides the entries (the layer's defaults and the country codes),
    as plain values."""

    start: str | None = None
    end: str | None = None
    instant: bool = False
    countries: tuple[str, ...] = ()
    actors: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    precision: str | None = None
    description: str | None = None
    citations: bool = False
    """Whether the defaults give sources."""
    dating: str = schema.DEFAULT_DATING
    known_countries: frozenset[str] = frozenset()


class ColumnChecker:
    """Checks a chunk's entries a key at a time for the whole chunk: the usual shape only (every
    entry a mapping with a ``[lon, lat]`` point and no ``x-`` keys), and nothing unsure."""

    def __init__(self, shared: Shared) -> None:
        self.shared = shared
        self._good_dates: set[str] = set()
        """Dates found good in earlier chunks (each distinct date is parsed once a file)."""
        self._code_cache: dict = {}
        self._text_cache: dict = {}
        self._nested = 0
        """Mapping keys read inside values (a `{lon, lat}` point, the user's `x-` values)."""

    def segments(self, items: list, first: int = 0) -> list[tuple[int, int, dict | None]]:
        """The entries as runs ``(first, end, columns)``: columns for the entries read surely,
        None for a single entry left to the precise reader. The entry a check names as unsure is
        set apart and the entries around it checked again; a chunk unsure without a name is
        halved until the unusual entries stand alone (a few whole-chunk checks, not one per
        entry)."""
        try:
            columns = self._check(items)
            row = None
        except GiveUp as unsure:
            columns, row = None, unsure.row
        if columns is not None:
            return [(first, first + len(items), columns)]
        if len(items) == 1:
            return [(first, first + 1, None)]
        if row is not None:
            after = row + 1
            return (
                (self.segments(items[:row], first) if row else [])
                + self.segments(items[row:after], first + row)
                + (self.segments(items[after:], first + after) if after < len(items) else [])
            )
        middle = len(items) // 2
        return self.segments(items[:middle], first) + self.segments(items[middle:], first + middle)

    def check(self, items: list) -> dict | None:
        """The entries as columns of plain values, or None when they are not of the usual shape
        or something is unsure. ``keys`` is the number of mapping keys read, for the caller to
        compare with the keys written (a duplicate key vanishes in the JSON data model)."""
        try:
            return self._check(items)
        except GiveUp:
            return None

    def _check(self, items: list) -> dict | None:
        n = len(items)
        if not n or set(map(type, items)) != _DICT:
            return None
        present = set().union(*items)
        users = present - FEATURE_KEYS
        if users and not all(key.startswith(USER) for key in users):
            return None  # an unknown key: the precise reader says so
        try:
            ids = _values(items, "id")
            names = _values(items, "name")
        except KeyError:
            return None
        written = sum(map(len, items))
        self._nested = 0
        shared = self.shared
        geometries = present & GEOMETRY_KEYS
        coords = self._points(items) if geometries == _POINT_ONLY else None
        if coords is not None:
            kinds, others = [0] * n, []
        else:
            kinds, coords, others = self._shapes(items, shared.countries)
        extras = [self._extras(item) for item in items] if users else [None] * n
        ids = texts(ids, True)
        broken = rules.identifiers(ids, "id")
        if broken:
            raise GiveUp(broken[0].row)
        names = texts(names, True)
        # Dates: a feature's own, else the defaults'.
        starts: list = [shared.start] * n
        ends: list = [shared.end] * n
        instants: list = [shared.instant] * n
        dated = present & _DATE_KEYS
        if dated == _DATE:
            column = _column(items, "date")
            if MISSING in column:
                self._dates(items, starts, ends, instants)
            else:
                starts = ends = texts(column, True)
                broken = rules.dates(starts, "date", self._good_dates)
                if broken:
                    raise GiveUp(broken[0].row)
                instants = [True] * n
        elif dated:
            self._dates(items, starts, ends, instants)
        countries = self._codes(_column(items, "countries"), n) if "countries" in present else [shared.countries] * n
        actors = self._lists(_column(items, "actors"), shared.actors) if "actors" in present else [shared.actors] * n
        tags = self._lists(_column(items, "tags"), shared.tags) if "tags" in present else [shared.tags] * n
        columns: dict = {"n": n}
        figure_keys = self._figures(_column(items, "figures"), columns) if "figures" in present else 0
        if "precision" in present:
            precisions = _optional(_column(items, "precision"), lambda col: self._choices(col, rules.precisions))
            precisions = [shared.precision if v is MISSING else v for v in precisions]
        else:
            precisions = [shared.precision] * n
        if "dating" in present:
            datings = _optional(_column(items, "dating"), lambda col: self._choices(col, rules.datings))
            datings = [shared.dating if v is MISSING else v for v in datings]
        else:
            datings = [shared.dating] * n
        if "description" in present:
            default = shared.description
            descriptions = [
                default if v is MISSING or v is None else v
                for v in _optional(_column(items, "description"), lambda col: texts(col, False))
            ]
        else:
            descriptions = [shared.description] * n
        citation_keys = self._citations(_column(items, "sources") if "sources" in present else [MISSING] * n, columns)
        columns.update(
            keys=written + figure_keys + citation_keys + self._nested, ids=ids, names=names, points=coords,
            kinds=kinds, others=others, extras=extras, starts=starts,
            ends=ends, instants=instants, countries=countries, actors=actors, tags=tags, precisions=precisions,
            datings=datings, descriptions=descriptions,
        )
        return columns

    # -- geometry --------------------------------------------------------------------------

    def _points(self, items: list) -> list[float] | None:
        """Every entry's ``[lon, lat]`` point, flat, all at once; None unless all are such."""
        try:
            points = _values(items, "point")
        except KeyError:
            return None
        if set(map(type, points)) != _LIST or set(map(len, points)) != _TWO:
            return None
        flat = list(chain.from_iterable(points))
        if not set(map(type, flat)) <= _NUMBER_TYPES:
            return None
        coords, problems = rules.numbers(flat, "point")
        if problems or rules.coordinates(coords[0::2], coords[1::2], "point"):  # type: ignore[arg-type]
            return None
        return coords  # type: ignore[return-value]

    def _shapes(self, items: list, default_countries: tuple) -> tuple[list[int], list[float], list]:
        """Each entry's kind code, the points' coordinates (flat) and the other shapes (plain,
        see :func:`~influencemap.model.geometry_parts.plain_shape`), by the rules of
        :mod:`~influencemap.model.geometry_parts`; GiveUp for anything unsure."""
        from shapely.geometry import LineString, MultiLineString, MultiPoint

        kinds: list[int] = []
        coords: list[float] = []
        others: list = []
        row = 0
        try:
            for row, item in enumerate(items):
                present = [key for key in schema.GEOMETRY_KEYS if key in item]
                if len(present) != 1:
                    raise GiveUp
                key = present[0]
                value = item[key]
                if key == "point":
                    kinds.append(0)
                    coords.extend(self._position(value))
                elif key == "multipoint":
                    if item.get("countries", default_countries):
                        raise GiveUp  # its country warning is placed by the precise reader
                    positions = self._positions(value)
                    if not positions:
                        raise GiveUp
                    kinds.append(3)
                    others.append(MultiPoint(positions).wkb)
                elif key == "line":
                    kinds.append(1)
                    others.append(tuple(LineString(self._line(value)).coords))
                elif key == "multiline":
                    parts = [self._line(part) for part in _items(value)]
                    if not parts:
                        raise GiveUp
                    kinds.append(1)
                    others.append(MultiLineString(parts).wkb)
                elif key == "polygon":
                    kinds.append(2)
                    others.append(geometry_parts.plain_shape(self._polygon(value)))
                else:
                    polygons = [self._polygon(part) for part in _items(value)]
                    if not polygons:
                        raise GiveUp
                    shape, problem = geometry_parts.multipolygon(polygons)
                    if problem:
                        raise GiveUp
                    kinds.append(2)
                    others.append(geometry_parts.plain_shape(shape))
        except GiveUp:
            raise GiveUp(row) from None  # the entry being read
        return kinds, coords, others

    def _position(self, value: object) -> tuple[float, float]:
        """``[lon, lat]`` or ``{lon: .., lat: ..}``; a place name is left to the precise reader
        (the gazetteer, and where an ambiguous name's warning goes)."""
        kind = type(value)
        if kind is list:
            if len(value) != 2:  # type: ignore[arg-type]
                raise GiveUp
            lon_value, lat_value = value  # type: ignore[misc]
        elif kind is dict:
            self._nested += len(value) + _user_keys(value, _LONLAT)  # type: ignore[arg-type]
            if "lon" not in value or "lat" not in value:  # type: ignore[operator]
                raise GiveUp
            lon_value, lat_value = value["lon"], value["lat"]  # type: ignore[index]
        else:
            raise GiveUp
        lon, lat = number(lon_value), number(lat_value)
        if rules.longitude(lon) is not None or rules.latitude(lat) is not None:
            raise GiveUp
        return lon, lat

    def _positions(self, value: object) -> list[tuple[float, float]]:
        return [self._position(item) for item in _items(value)]

    def _line(self, value: object) -> list[tuple[float, float]]:
        positions = self._positions(value)
        if geometry_parts.line_problem(positions):
            raise GiveUp
        return positions

    def _polygon(self, value: object):
        items = _items(value)
        if items and geometry_parts.is_ring_list(items[0], lambda v: type(v) is list, lambda v: v):
            rings = [self._positions(ring) for ring in items]
        else:
            rings = [self._positions(value)]
        polygon, problem = geometry_parts.polygon_from_rings(rings)
        if problem:
            raise GiveUp
        return polygon

    # -- the user's own keys -----------------------------------------------------------------

    def _extras(self, item: dict) -> dict | None:
        """The entry's ``x-`` keys with their values exactly as the precise reader keeps them."""
        found = {key: self._user_value(value) for key, value in item.items() if key.startswith(USER)}
        return found or None

    def _user_value(self, value: object) -> object:
        """A user's ``x-`` value as the precise reader keeps it (YAML 1.1 scalars), or GiveUp
        where the JSON data model has lost what the text said (quoted or not, ``1.e5``)."""
        kind = type(value)
        if kind is dict:
            self._nested += len(value)  # type: ignore[arg-type]
            result = {}
            for key, item in value.items():  # type: ignore[union-attr]
                if len(key) > 1000 or key_text(_plain(key)) != key or key.startswith(UNPLAIN_START):
                    raise GiveUp  # quoted or not would differ
                result[key] = self._user_value(item)
            return result
        if kind is list:
            return [self._user_value(item) for item in value]  # type: ignore[union-attr]
        if kind is str:
            if type(_plain(value)) is not str or value.startswith(UNPLAIN_START):  # type: ignore[arg-type, union-attr]
                raise GiveUp  # 'yes' quoted is text, unquoted true: cannot tell here
            return value
        if kind is float:  # '1.e5' is text in YAML 1.1: the float's text as written is needed
            raise GiveUp
        if kind is int:
            if value == 0:
                raise GiveUp
            return _plain(str(value))
        if value is None or value is True or value is False:
            return value
        raise GiveUp  # pragma: no cover - json yields nothing else

    # -- dates, lists, figures, citations ------------------------------------------------------

    def _dates(self, items: list, starts: list, ends: list, instants: list) -> None:
        """Each entry's own ``date`` or ``start``/``end`` (by :func:`.feature_rules.dates` and
        ``periods``) into the columns, which hold the defaults' elsewhere; GiveUp names the
        entry of a problem."""
        written: list[str] = []
        entry_of: list[int] = []
        """The entry of each written date."""
        periods: list[int] = []
        i = 0
        try:
            for i, item in enumerate(items):
                if "date" in item:
                    if "start" in item or "end" in item:
                        raise GiveUp
                    starts[i] = ends[i] = text(item["date"])
                    instants[i] = True
                elif "start" in item or "end" in item:
                    if "start" not in item:
                        raise GiveUp  # 'end' needs a 'start'
                    starts[i] = text(item["start"])
                    ends[i] = text(item["end"]) if "end" in item else None
                    instants[i] = False
                    periods.append(i)
                    if ends[i] is not None:
                        written.append(ends[i])
                        entry_of.append(i)
                else:
                    continue
                written.append(starts[i])
                entry_of.append(i)
        except GiveUp:
            raise GiveUp(i) from None
        broken = rules.dates(written, "date", self._good_dates)
        if broken:
            raise GiveUp(entry_of[broken[0].row])
        broken = rules.periods([starts[i] for i in periods], [ends[i] for i in periods]) if periods else []
        if broken:
            raise GiveUp(periods[broken[0].row])

    def _choices(self, column: list, rule: Callable[[list], list]) -> list:
        """:func:`text` of each value, checked by the column ``rule`` (precision, dating)."""
        found = texts(column, True)
        if rule(found):
            raise GiveUp
        return found

    def _normalised(self, column: list, normalise: Callable[[list], list[str]], cache: dict, fallback: tuple) -> list[tuple]:
        """Each list of the column as a tuple of normalised items (text, codes), each distinct
        item normalised once a file (``normalise`` takes the new ones, a list, at once);
        ``fallback`` where the column has MISSING."""
        lists, flat = _lists_of(column)
        kinds = set(map(type, flat))
        if not kinds <= _TEXT_TYPES:
            raise GiveUp
        distinct = set(flat)
        new = [item for item in distinct if item not in cache or type(item) is not str]
        if new:
            cache.update(zip(new, normalise(new)))
        if kinds <= _STR and all(cache[item] == item for item in distinct):  # every item as written: the lists as they are
            grouped = list(map(tuple, lists))
            if len(lists) == len(column):
                return grouped
            done = iter(grouped)
            return [fallback if v is MISSING else next(done) for v in column]
        return _tuples(column, lists, list(map(cache.__getitem__, flat)), fallback)

    def _codes(self, column: list, n: int) -> list[tuple]:
        known = self.shared.known_countries

        def normalise(items: list) -> list[str]:
            codes, problems = rules.country_codes([text(item) for item in items], known)  # type: ignore[misc]
            if problems:
                raise GiveUp
            return codes  # type: ignore[return-value]

        return self._normalised(column, normalise, self._code_cache, self.shared.countries)

    def _lists(self, column: list, fallback: tuple) -> list[tuple]:
        return self._normalised(column, lambda items: [text(item) for item in items], self._text_cache, fallback)  # type: ignore[misc]

    def _figures(self, column: list, columns: dict) -> int:
        """Figures as flat columns and a count per entry (-1: the defaults'); the keys read."""
        lists, flat = _lists_of(column)
        if flat and set(map(type, flat)) != _DICT:
            raise GiveUp
        keys = sum(map(len, flat))
        names = set().union(*flat)
        if not names <= FIGURE_KEYS:
            keys += sum(_user_keys(item, FIGURE_KEYS) for item in flat)
        try:
            labels = _values(flat, "label")
            values = _values(flat, "value")
        except KeyError:
            raise GiveUp from None
        columns["figure_counts"] = _counts(column, lists)
        columns["labels"] = texts(labels, True)
        columns["values"] = _numbers(values, "value")
        columns["units"] = _optional_texts(flat, "unit", names)
        return keys

    def _citations(self, column: list, columns: dict) -> int:
        """Citations as flat columns and a count per entry (-1: the defaults'); the keys read.
        ``locators`` and ``quotes`` are None when every citation is a bare reference."""
        lists, flat = _lists_of(column)
        if 0 in map(len, lists):
            raise GiveUp  # 'sources: []'
        if not self.shared.citations and len(lists) < len(column):
            raise GiveUp  # no sources
        keys = 0
        kinds = set(map(type, flat))
        locators = quotes = None
        if kinds == _DICT:
            keys = sum(map(len, flat))
            names = set().union(*flat)
            if not names <= CITATION_KEYS:
                keys += sum(_user_keys(item, CITATION_KEYS) for item in flat)
            try:
                refs = identifiers(_values(flat, "ref"), "ref")
            except KeyError:
                raise GiveUp from None
            locators = _optional_texts(flat, "locator", names)
            quotes = _optional_texts(flat, "quote", names)
        elif kinds <= _STR:
            refs = identifiers(flat, "ref")
        else:  # a mix: one by one
            refs, locators, quotes = [], [], []
            for item in flat:
                kind = type(item)
                if kind is dict:
                    keys += len(item)
                    if not item.keys() <= CITATION_KEYS:
                        keys += _user_keys(item, CITATION_KEYS)
                    if "ref" not in item:
                        raise GiveUp
                    refs.append(identifier(item["ref"]))
                    locators.append(text(item["locator"], False) if "locator" in item else None)
                    quotes.append(text(item["quote"], False) if "quote" in item else None)
                elif kind is list:
                    raise GiveUp
                else:
                    refs.append(identifier(item))
                    locators.append(None)
                    quotes.append(None)
        columns["citation_counts"] = _counts(column, lists)
        columns["refs"] = refs
        columns["locators"] = locators
        columns["quotes"] = quotes
        return keys


def _items(value: object) -> list:
    if type(value) is not list:
        raise GiveUp
    return value  # type: ignore[return-value]


def _plain(text: str) -> object:
    """What the precise reader makes of an unquoted scalar (in a user's ``x-`` value)."""
    return to_python(Node("scalar", text, 0, 0, plain=True))
