"""A fast reader for layer files that yields exactly what the precise reader yields, or gives up
(returns None) and leaves the file to the precise reader and its FILE:LINE:COL errors.

The precise reader composes every scalar into a Python node that knows its line and column:
right for pointing at mistakes, slow for 100,000 features. Here:

1. The file is split by its text, without parsing: the layer's own keys (the *header*) and the
   entries of its ``features:`` block sequence, each of which starts on a line with ``-`` at the
   sequence's column. The split is checked: each chunk of entry lines must parse as exactly
   that many entries, and the header must parse on its own.
2. The header goes through the precise reader (it is small), with the entry lines blanked so
   that every line keeps its number. Any problem there and this reader gives up.
3. The entries are parsed in chunks by rapidyaml (C++), emitted as JSON and read with orjson
   (:mod:`influencemap.model.fast_columns`).
4. The column validator applies the feature rules to a chunk's plain values a key at a time
   (:class:`~influencemap.model.fast_columns.ColumnChecker`, into columns of plain values),
   every geometry kind and the user's ``x-`` keys included; a chunk holding an entry it is not
   sure of is halved until that entry stands alone. This runs in this process (a helper
   process on the second core did not pay: docs/performance.md, "The parse helper process").
   A file read wholly this way keeps its features as those columns, a
   :class:`~influencemap.model.feature_table.FeatureTable` (as a cached file does): the Feature
   objects are built on first use, and ``validate`` or an image export never needs them.
   An entry it is not sure of (any problem, a bare ``~``, a boolean, a float where text is
   expected, a ``yes`` in an ``x-`` value, ...) is composed alone and read by the precise
   reader, with its lines shifted to where they are in the file: its problems, positions and
   all, are the precise reader's own.
5. Each feature's origin comes from its entry line (the first key after ``-``, or the ``{``),
   checked against the composer wherever an entry is composed; the position a warning needs is
   found in the entry's text when that is certain, else by composing the entry.

The rule: where rapidyaml and libyaml (the precise reader's parser) could read the same text
differently, the fast reader declines and the precise reader decides. The whole file goes to
the precise reader (:func:`_plan`) for:

- bytes that are not UTF-8, a byte order mark inside the text, line breaks other than ``\n``
  (CR, NEL, LS, PS), tabs;
- characters YAML forbids (C0 and C1 controls, DEL, U+FFFE/U+FFFF; libyaml refuses them,
  rapidyaml reads them): the precise reader reports the first at its own line and column;
- anchors, aliases, tags, directives, complex keys and reserved indicators where they start a
  token (``&``, ``*``, ``!``, ``%``, ``?``, ``@``, a backquote), a colon right before a flow
  indicator (``a:,``);
- a flow collection (``{...}``, ``[...]``) in the entries going on past the line it opens on:
  libyaml refuses a key and its ``:`` on different lines there (``{"foo"`` on one line,
  ``: bar}`` on the next; YAML test suite 4MUZ, 5MUD, 9SA2, K3WX, NJ66, VJP3), rapidyaml
  reads them; a line's brackets are counted at numpy speed, and a line with a quote or ``#``
  is read exactly (:func:`_flow_closes`);
- a key that may be longer than libyaml takes (1024 characters on one line; rapidyaml: any);
- a ``features:`` that is not one block sequence at the top level, a header the precise reader
  finds any problem in, a bulk ``data:`` layer.

A chunk whose keys read are not the keys written (a duplicate key, ``": "`` inside text), or
that holds ``' #'`` (rapidyaml keeps ``p.  #3`` as text in a flow collection, libyaml sees a
comment), or that rapidyaml cannot parse as its entries, sends the file to the precise reader
too. One entry goes to the precise reader (step 4) for what the JSON rapidyaml writes cannot
tell: a bare ``~``/``null``, a boolean, a number where text is expected, text starting with an
indicator, a special float in any spelling (``nan``, ``.NaN``, ``-Infinity``: rapidyaml writes
some as ``.nan``/``.inf``), a user's ``x-`` value YAML 1.1 reads as another type or key text
that is not the precise reader's (:func:`~influencemap.model.yaml_nodes.key_text`).

Equivalence is tested case by case, on generated layers and on random edits of them in
``tests/model/test_fast_parse.py``; on every case of the official YAML test suite, wrapped into
layers (``tests/model/test_yaml_suite.py``); and on real layer texts mutated with the constructs
above (``tests/model/test_reader_fuzz.py``).
"""

from __future__ import annotations

import ctypes
import re
import threading
from contextlib import contextmanager
from functools import reduce
from dataclasses import dataclass, field
from itertools import chain, islice
from typing import TYPE_CHECKING, Callable, Iterator

from influencemap.model import schema
from influencemap.model.fast_columns import ChunkParser, ColumnChecker, Shared, count_keys
from influencemap.model.fast_columns import GiveUp as _GiveUp
from influencemap.model.country_check import point_country_warnings
from influencemap.model.entry_locator import BOM, locate
from influencemap.model.feature_table import FeatureTable
from influencemap.model.file_result import FileResult, attach_table, feature_columns, joined_table
from influencemap.model.fields import ParsedDefaults
from influencemap.model.precise_reader import FileReader
from influencemap.model.types import Feature, Origin, Problem, Severity
from influencemap.model.yaml_nodes import Node, YamlError, compose

CHUNK_BYTES = 1 << 18
"""Feature entries are parsed in chunks of about this size (bounded memory, warm caches)."""

_OTHER_LINE_BREAKS = (b"\r", b"\xc2\x85", b"\xe2\x80\xa8", b"\xe2\x80\xa9")
"""CR, NEL, LS, PS: libyaml counts lines with these too; this reader only splits on LF."""
_NOT_PRINTABLE = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|\xc2[\x80-\x84\x86-\x9f]|\xef\xbf[\xbe\xbf]")
"""Characters libyaml refuses (C0 and C1 controls, DEL, U+FFFE/U+FFFF) and rapidyaml reads
(issue 18's fuzzing: a form feed in a key)."""
_CONTROLS = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])
_NOT_CONTROLS = bytes(sorted(set(range(256)) - set(_CONTROLS)))
_WIDE_NOT_PRINTABLE = re.compile(rb"\xc2[\x80-\x84\x86-\x9f]|\xef\xbf[\xbe\xbf]")
"""The characters of :data:`_NOT_PRINTABLE` written with more than one byte (never in ASCII)."""
SCAN_BYTES = 1 << 20
""":func:`_has_unprintable` and :func:`_translated` hand C this much of the file per call, so
that Python's lock is let go between calls (~0.3-2 ms a call)."""


def _translated(data: bytes, start: int, end: int, table: bytes) -> bytes:
    """``data[start:end].translate(table)``, a slice of :data:`SCAN_BYTES` at a time (one call on
    a 31 MB file held Python's lock for 50-60 ms)."""
    pieces = [data[at : min(at + SCAN_BYTES, end)].translate(table) for at in range(start, end, SCAN_BYTES)]
    return b"".join(pieces)


def _has_unprintable(data: bytes) -> bool:
    """Whether ``data`` holds a character :data:`_NOT_PRINTABLE` matches.

    In slices, so that no one call holds Python's lock for long: the app reads a file on a worker
    thread, and one ``_NOT_PRINTABLE.search`` of a 100,000-feature file (31 MB) kept its UI thread
    waiting for the lock for 0.3 s. The one-byte characters are found by deleting every other byte
    (``bytes.translate``, ~0.3 ms a megabyte against the regex's ~10), the others by the regex,
    only when the text is not ASCII; its slices overlap by the two bytes a match may reach past
    one slice's end."""
    size = len(data)
    for start in range(0, size, SCAN_BYTES):
        if data[start : start + SCAN_BYTES].translate(None, _NOT_CONTROLS):
            return True
    if data.isascii():
        return False
    search = _WIDE_NOT_PRINTABLE.search
    return any(search(data, start, start + SCAN_BYTES + 2) for start in range(0, size, SCAN_BYTES))


_INDICATORS = tuple(bytes([c]) for c in b"&*!?%@`")
"""Anchors, aliases, tags, complex keys, directives and reserved indicators, where they start a token."""
_TOKEN_BEFORE = frozenset(b" \n[{,")
_AFTER_COLON = tuple(b",]}[{?")
"""libyaml rejects a colon right before these in flow collections ('found unexpected :'), where
rapidyaml reads a key."""
_FEATURES_LINE = re.compile(rb"features:[ ]*(?:#[^\n]*)?(?:\n|$)")
_ENTRY = re.compile(rb"( *)-(?: |\n|$)")
_ENTRY_REST = re.compile(rb"-( *)([^ \n#])?")


# -- splitting the file ------------------------------------------------------------------------


@dataclass
class _Plan:
    header: str
    indent: int
    """The column (0-based) of the entries' ``-``."""
    offsets: list[int]
    """Byte offset of each entry's first line, and of the end of the entries."""
    lines: list[int]
    """1-based line of each entry's first line, and the line after the last entry."""
    origins: list[tuple[int, int]]
    """(line, col) where each entry's mapping starts, as the precise composer reports it."""
    chunks: list[tuple[int, int]] = field(default_factory=list)
    """(first entry, entry after the last) of each chunk the entries are parsed in."""


def _plan(data: bytes) -> _Plan | None:
    """Split ``data`` (without a BOM) into the header and the feature entries, or None."""
    import numpy as np

    if data.isascii():
        if b"\r" in data:
            return None
    else:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return None
        if BOM in data or any(b in data for b in _OTHER_LINE_BREAKS):
            return None
    text = np.frombuffer(data, dtype=np.uint8)
    if b"\t" in data or _has_unprintable(data):
        return None
    colons = np.flatnonzero(text[:-1] == 58)  # (numpy: a regex stops at each of a million colons)
    if len(colons) and np.isin(text[colons + 1], _AFTER_COLON).any():
        return None
    for indicator in _INDICATORS:
        at = data.find(indicator)
        while at != -1:
            if at == 0 or data[at - 1] in _TOKEN_BEFORE:
                return None
            at = data.find(indicator, at + 1)
    # The one top-level 'features:' key, alone on its line.
    if data.startswith(b"features:"):
        at = 0
    else:
        at = data.find(b"\nfeatures:") + 1
        if at == 0:
            return None
    if data.find(b"\nfeatures:", at) != -1:
        return None
    line_match = _FEATURES_LINE.match(data, at)
    if line_match is None:
        return None
    # The first entry: skip blank and comment lines.
    pos = line_match.end()
    size = len(data)
    while pos < size:
        end = data.find(b"\n", pos)
        end = size if end == -1 else end
        stripped = data[pos:end].strip(b" ")
        if stripped and not stripped.startswith(b"#"):
            break
        pos = end + 1
    if pos >= size:
        return None
    first = _ENTRY.match(data, pos)
    if first is None:
        return None
    indent = len(first.group(1))
    region_start = pos
    first_line = data.count(b"\n", 0, region_start) + 1
    # Every later line, by what its first columns hold: an entry ('-' at the entries' column),
    # deeper content, a blank or comment line, or the first line of what follows the entries.
    width = indent + 3
    region = np.concatenate((text[region_start:], np.full(width + 1, 10, dtype=np.uint8)))
    newlines = np.flatnonzero(region[: size - region_start] == 10)
    starts = newlines + 1
    starts = starts[starts < size - region_start]
    # The first columns of each line (newlines past the end of the file), in one gather.
    block = np.lib.stride_tricks.sliding_window_view(region, width)[starts]
    starts += region_start
    columns = block.T
    nonspace = block[:, : indent + 1] != 32
    found = reduce(np.logical_or, nonspace.T)  # (any(axis=1) is slow over so few columns)
    where = nonspace.argmax(axis=1)
    char = block[np.arange(len(starts)), where]
    entry = found & (where == indent) & (char == 45) & np.isin(columns[indent + 1], (32, 10))
    shallow = found & (char != 10) & (char != 35) & ~entry
    stops = np.flatnonzero(shallow)
    if len(stops):
        stop = int(stops[0])
        region_end = int(starts[stop])
        if data[region_end] == 32:  # indented less than the entries, but not at column 1
            return None
        entry[stop:] = False
        end_line = first_line + stop + 1
    else:
        region_end = size
        end_line = first_line + len(starts) + 1  # past the end when the last line has no newline
    rows = np.flatnonzero(entry)
    offsets = [region_start] + starts[rows].tolist() + [region_end]
    lines = [first_line] + (rows + (first_line + 1)).tolist() + [end_line]
    # Where each entry's mapping starts: right after '- ' mostly.
    simple = np.ones(len(rows) + 1, dtype=bool)
    simple[1:] = (columns[indent + 1][rows] == 32) & ~np.isin(columns[indent + 2][rows], (32, 10, 35))
    simple[0] = data[region_start + indent + 1 : region_start + indent + 2] == b" " and data[
        region_start + indent + 2 : region_start + indent + 3
    ] not in (b" ", b"\n", b"#", b"")
    content_col = indent + 3
    origins: list[tuple[int, int]] = [(line, content_col) for line in lines[:-1]]
    for i in np.flatnonzero(~simple).tolist():
        start = offsets[i]
        rest = _ENTRY_REST.match(data, start + indent)
        if rest is None:  # pragma: no cover - an entry line always matches
            return None
        if rest.group(2) is not None:
            origins[i] = (lines[i], indent + 1 + len(rest.group(1)) + 1)
            continue
        origin = _next_content(data, rest.end(), offsets[i + 1], lines[i])
        if origin is None:
            return None
        origins[i] = origin
    if _unsure_entries(data, region_start, region_end, newlines):
        return None
    blank = b"\n" * int(np.searchsorted(newlines, region_end - region_start))  # the region's line breaks
    header = data[:region_start] + blank + data[region_end:]
    return _Plan(header.decode("utf-8"), indent, offsets, lines, origins)


_SPACE_BREAK_HASH = frozenset(b" \n#")

MAX_KEY = 1000
"""libyaml takes a key written on one line only, of at most 1024 characters (rapidyaml: any)."""


def _unsure_entries(data: bytes, start: int, end: int, newlines) -> bool:
    """Whether the entries in ``data[start:end]`` hold what rapidyaml and libyaml could read
    differently although each reads it: a flow collection (``{...}``, ``[...]``) going on past
    the line it opens on — libyaml refuses a key and its ``:`` on different lines there
    (``{"foo"\\n  : bar}``), rapidyaml reads them (YAML test suite 4MUZ, 5MUD, 9SA2, K3WX, NJ66,
    VJP3) — or a key that may be longer than libyaml takes. Sure of neither, say True: the
    precise reader decides. ``newlines``: where the line breaks are, from ``start`` on."""
    import numpy as np

    size = end - start
    newlines = newlines[: np.searchsorted(newlines, size)]
    # Lines longer than a key may be: look at their keys.
    lengths = np.diff(np.concatenate(([-1], newlines, [size])))
    for line in np.flatnonzero(lengths > MAX_KEY).tolist():
        first = int(newlines[line - 1]) + 1 if line else 0
        last = int(newlines[line]) if line < len(newlines) else size
        if _long_key(data[start + first : start + last]):
            return True
    # Flow collections: each line's brackets must close on it. Counted at numpy speed where the
    # line holds no quote or comment mark (then every bracket is one, or text in a plain scalar,
    # and a bracket that does not close makes the line unsure); lines with a mark are read.
    codes = np.frombuffer(_translated(data, start, end, _FLOW_CODES), dtype=np.uint8)
    found = np.flatnonzero(codes)
    kinds = codes[found]
    brackets = found[kinds < 3]
    if not len(brackets):
        return False
    depth = np.cumsum(np.where(kinds[kinds < 3] == 1, 1, -1))
    before_break = np.searchsorted(brackets, newlines)  # brackets before each line break
    open_lines: set[int] = set()
    if depth.min() < 0 or depth[-1] != 0 or depth[before_break[before_break > 0] - 1].any():
        # Some line does not close what it opens (by raw count): find which, line by line.
        line_of = np.searchsorted(newlines, brackets)
        firsts = np.flatnonzero(np.concatenate(([True], line_of[1:] != line_of[:-1])))
        lasts = np.concatenate((firsts[1:], [len(brackets)])) - 1
        base = np.concatenate(([0], depth))[firsts]  # the depth before each line's first bracket
        local = depth - np.repeat(base, lasts - firsts + 1)
        lowest = np.minimum.reduceat(local, firsts)
        open_lines = set(line_of[firsts[(lowest < 0) | (local[lasts] != 0)]].tolist())
    marks = found[kinds == 3]
    if len(marks):
        lines = np.unique(np.searchsorted(newlines, marks))
        starts = np.where(lines > 0, newlines[np.maximum(lines - 1, 0)] + 1, 0)
        ends = np.where(lines < len(newlines), newlines[np.minimum(lines, len(newlines) - 1)], size)
        at = np.searchsorted(brackets, starts)
        with_brackets = at < len(brackets)
        with_brackets[with_brackets] = brackets[at[with_brackets]] < ends[with_brackets]
        open_lines.update(lines[with_brackets].tolist())
    for line in sorted(open_lines):
        first = int(newlines[line - 1]) + 1 if line else 0
        last = int(newlines[line]) if line < len(newlines) else size
        if not _flow_closes(data[start + first : start + last]):
            return True
    return False


_FLOW_CODES = bytes(1 if c in b"[{" else 2 if c in b"]}" else 3 if c in b"'\"#" else 0 for c in range(256))
"""Brackets that open (1) and close (2) flow collections, and quote and comment marks (3)."""
_KEY_END = re.compile(rb":(?=[ ,\[\]{}]|$)")
_KEY_START = frozenset(b"[{,")


def _long_key(line: bytes) -> bool:
    """Whether a ``:`` on this line may end a key longer than libyaml takes (counted from the
    nearest flow indicator or the line's start: never shorter than the key)."""
    for match in _KEY_END.finditer(line):
        at = match.start()
        since = max(line.rfind(b"[", 0, at), line.rfind(b"{", 0, at), line.rfind(b",", 0, at))
        if at - since > MAX_KEY:
            return True
    return False


_LINE_MARKS = re.compile(rb"[\[\]{}'\"#]")
_QUOTE_AFTER = frozenset(b"[{,")
_QUOTE_AFTER_SPACE = frozenset(b":-?")


def _flow_closes(line: bytes) -> bool:
    """Whether every flow collection opened on this line (outside quoted scalars and comments)
    closes on it. False when not sure."""
    depth = 0
    pos = 0
    while True:
        match = _LINE_MARKS.search(line, pos)
        if match is None:
            return depth == 0
        at = match.start()
        mark = line[at]
        pos = at + 1
        if mark in b"[{":
            depth += 1
        elif mark in b"]}":
            depth -= 1
            if depth < 0:
                return False
        elif mark == 35:  # '#'
            if at == 0 or line[at - 1] == 32:
                return depth == 0  # a comment to the end of the line
        else:
            stripped = line[:at].rstrip(b" ")
            spaced = len(stripped) < at
            previous = stripped[-1] if stripped else None
            if not (previous is None or previous in _QUOTE_AFTER or (spaced and previous in _QUOTE_AFTER_SPACE)
                    or (previous == 58 and stripped[-2:-1] in (b'"', b"'"))):
                continue  # a quote inside plain text
            pos = _quoted_end(line, at)
            if pos < 0:  # a quoted scalar going on past the line: fine outside a flow collection
                return depth == 0


def _quoted_end(line: bytes, at: int) -> int:
    """Where the quoted scalar starting at ``at`` ends (after its closing quote), or -1."""
    quote = line[at]
    pos = at + 1
    while True:
        end = line.find(bytes((quote,)), pos)
        if end == -1:
            return -1
        if quote == 39:  # '': a quote inside single quotes
            if line[end + 1 : end + 2] == b"'":
                pos = end + 2
                continue
            return end + 1
        backslashes = len(line[pos:end]) - len(line[pos:end].rstrip(b"\\"))
        if backslashes % 2 == 0:
            return end + 1
        pos = end + 1


def _next_content(data: bytes, pos: int, limit: int, line: int) -> tuple[int, int] | None:
    """Where the entry's content starts when its ``-`` line holds none (only a comment)."""
    end = data.find(b"\n", pos)
    while end != -1 and end + 1 < limit:
        pos = end + 1
        line += 1
        end = data.find(b"\n", pos)
        text = data[pos : (limit if end == -1 or end > limit else end)]
        stripped = text.lstrip(b" ")
        if stripped and not stripped.startswith(b"#"):
            return line, len(text) - len(stripped) + 1
    return None


# -- rapidyaml ---------------------------------------------------------------------------------

_stderr_lock = threading.Lock()


@contextmanager
def _quiet_stderr() -> Iterator[None]:
    """rapidyaml prints each parse error to C's stderr before raising it; the precise reader
    reports the error properly, so point C's stderr at /dev/null meanwhile (Python's own
    ``sys.stderr`` does not go through it)."""
    try:
        libc = ctypes.CDLL(None)
        pointer = ctypes.c_void_p.in_dll(libc, "stderr")
        libc.fopen.restype = ctypes.c_void_p
        libc.fopen.argtypes = (ctypes.c_char_p, ctypes.c_char_p)
        libc.fclose.argtypes = (ctypes.c_void_p,)
    except (OSError, ValueError, AttributeError):
        yield
        return
    with _stderr_lock:
        sink = libc.fopen(b"/dev/null", b"w")
        if not sink:
            yield
            return
        saved = pointer.value
        pointer.value = sink
        try:
            yield
        finally:
            pointer.value = saved
            libc.fclose(sink)


# -- the lean validator ------------------------------------------------------------------------


def shared_values(defaults: dict) -> Shared:
    """What :class:`ColumnChecker` needs of the layer's defaults, with the country codes."""
    from influencemap.geo import basemap

    def listed(key: str) -> tuple:
        value = defaults.get(key)
        return tuple(value) if value is not None else ()  # type: ignore[call-overload]

    return Shared(
        start=defaults.get("start"),  # type: ignore[arg-type]
        end=defaults.get("end"),  # type: ignore[arg-type]
        instant=bool(defaults.get("instant", False)),
        countries=listed("countries"),
        actors=listed("actors"),
        tags=listed("tags"),
        precision=defaults.get("precision"),  # type: ignore[arg-type]
        description=defaults.get("description"),  # type: ignore[arg-type]
        citations=bool(defaults.get("citations")),
        dating=defaults.get("dating", schema.DEFAULT_DATING),  # type: ignore[arg-type]
        known_countries=basemap.known_country_codes(),
    )


def _cut(flat: list, counts: list[int], fallback: object) -> list:
    """``flat`` cut into tuples of the given lengths; ``fallback`` where a count is -1."""
    if len(flat) == len(counts) and set(counts) == _ONE:
        return [(item,) for item in flat]
    items = iter(flat)
    return [fallback if count < 0 else tuple(islice(items, count)) for count in counts]


_ONE = frozenset((1,))


def _expand(counts: list[int], own: tuple[list, ...], defaults: tuple[list, ...]) -> tuple:
    """Flat columns (``own``, cut by ``counts``) with each count of -1 replaced by ``defaults``;
    the columns and the new counts."""
    out: tuple[list, ...] = tuple([] for _ in own)
    at = 0
    for count in counts:
        if count < 0:
            for column, default in zip(out, defaults):
                column.extend(default)
        else:
            for column, values in zip(out, own):
                column.extend(values[at : at + count])
            at += count
    fallback = len(defaults[0])
    return (*out, [fallback if count < 0 else count for count in counts])


@dataclass
class _Part:
    """The features of one chunk read by columns, before they are added in the file's order:
    as the columns of a :class:`FeatureTable` (no Feature object is made for them unless an
    entry of the file needed the precise reader, see :meth:`_Validator.features`)."""

    table: dict[str, list]
    """The features' columns, as :data:`~influencemap.model.feature_table.COLUMNS` names them."""
    first: int
    """The chunk's first entry."""
    refs: list
    checked: list[int]
    """Which of the features have countries (to check the point against)."""
    keys: int
    """Mapping keys read."""

    @property
    def count(self) -> int:
        return len(self.table["ids"])


_NUMBER_TYPES = frozenset((float, int))

_SAME_IN_TABLE = ("ids", "names", "points", "starts", "ends", "instants", "countries", "actors", "tags", "precisions",
                  "datings", "descriptions")
"""Chunk columns a table takes as they are."""


class _Validator:
    def __init__(
        self, reader: FileReader, layer_id: str, defaults: ParsedDefaults, display: str, data: bytes, plan: _Plan
    ) -> None:
        self.reader = reader
        self.data = data
        self.plan = plan
        self.entry_problems: list[tuple[int, list[Problem]]] = []
        """Problems of entries read by the precise reader, by entry."""
        self.point_origins: dict[int, Origin] = {}
        """Where the point of a feature read by the precise reader is written."""
        self.entries: list[int] = []
        """The entry of each feature (entries with an error give none)."""
        self.layer_id = layer_id
        self.defaults = defaults
        self.display = display
        self.default_refs = tuple((ref, reader.reader.origin(node)) for ref, node in defaults.refs)
        self.keys = 0
        """Mapping keys read, to compare with the keys written (a duplicate key would vanish)."""
        self.pieces: list = []
        """(Feature, refs) read by the precise reader and :class:`_Part` s of features read by
        columns, in order."""
        self.feature_count = 0
        """Features so far."""
        self.refs: list = []
        self.to_check: list[int] = []
        """Point features with countries, for the check against the basemap."""
        values = defaults.values
        self.default_figures = tuple(values["figures"]) if values.get("figures") is not None else ()  # type: ignore[call-overload]
        self.default_cites = tuple(values["citations"]) if values.get("citations") else None  # type: ignore[call-overload]
        self.shared = shared_values(values)
        self.checker = ColumnChecker(self.shared)
        self._pair_cache: dict[str, tuple] = {}
        self.columnar = True
        """Whether every feature so far was read by columns (then the result is a FeatureTable)."""

    # -- helpers ---------------------------------------------------------------------------


    # -- a chunk of features, key by key ---------------------------------------------------

    def chunk(self, items: list, first: int) -> None:
        """Read a chunk of entries by columns (:meth:`ColumnChecker.segments`), each entry the
        checker is not sure of with the precise reader."""
        for start, end, columns in self.checker.segments(items):
            if columns is not None:
                self.add_columns(columns, first + start)
            else:
                index = first + start
                self.precise_entry(items[start], index, Origin(self.display, *self.plan.origins[index]))

    def precise_entry(self, item: object, index: int, origin: Origin) -> None:
        """Read one entry with the precise reader: its problems, with their positions, are those
        the precise reader would report reading the whole file (the entry is composed alone, its
        lines shifted to where they are in the file)."""
        plan, data = self.plan, self.data
        self.keys += count_keys(item)
        try:
            root = compose(data[plan.offsets[index] : plan.offsets[index + 1]].decode("utf-8"))
        except (YamlError, UnicodeDecodeError):
            raise _GiveUp from None  # a YAML error stops the whole file: the precise reader says so
        if root is None or not root.is_seq or len(root.value) != 1:  # type: ignore[arg-type]
            raise _GiveUp
        node = root.value[0]  # type: ignore[index]
        _shift(node, plan.lines[index] - 1)
        if (node.line, node.col) != (origin.line, origin.col):
            raise _GiveUp  # the entry's origin as this reader found it must agree
        reader = self.reader
        problems, features = len(reader.reader.problems), len(reader.features)
        reader._read_feature(node, self.layer_id, self.defaults)
        self.entry_problems.append((index, reader.reader.problems[problems:]))
        del reader.reader.problems[problems:]
        if len(reader.features) > features:
            feature, refs = reader.features.pop(), reader.refs.pop()
            self.refs.append(refs)
            self.pieces.append((feature, refs))
            self.feature_count += 1
            self.entries.append(index)
            if reader._points_to_check:
                _, point = reader._points_to_check.pop()
                self.point_origins[self.feature_count - 1] = reader.reader.origin(point)
                self.to_check.append(self.feature_count - 1)
        self.columnar = False

    def add_columns(self, columns: dict, first: int) -> None:
        """Add the features of a chunk that :class:`ColumnChecker` found sure."""
        self.add_part(self.column_part(columns, first))

    def column_part(self, columns: dict, first: int) -> _Part:
        """The features of a chunk that :class:`ColumnChecker` found sure, as the columns of a
        table whose features are exactly those :meth:`feature` would make one by one (added with
        :meth:`add_part`)."""
        n = columns["n"]
        table: dict[str, list] = {name: columns[name] for name in _SAME_IN_TABLE}
        kinds = columns["kinds"]
        if len(kinds) != n or len(table["points"]) != 2 * kinds.count(0) or not set(map(type, table["points"])) <= _NUMBER_TYPES:
            raise ValueError("not a point per point entry")
        table["kinds"], table["others"], table["extras"] = columns["kinds"], columns["others"], columns["extras"]
        self._citation_columns(columns, table)
        self._figure_columns(columns, n, table)
        refs = self._ref_pairs(columns)
        table["ref_counts"] = list(map(len, refs))
        pairs = list(chain.from_iterable(refs))
        table["ref_names"] = [ref for ref, _ in pairs]
        table["ref_places"] = [(o.line, o.col) if o is not None else (0, 0) for _, o in pairs]
        places = self.plan.origins[first : first + n]
        table["lines"] = [line for line, _ in places]
        table["cols"] = [col for _, col in places]
        checked = [i for i, (codes, kind) in enumerate(zip(columns["countries"], kinds)) if codes and kind == 0]
        return _Part(table, first, refs, checked, columns["keys"])

    def add_part(self, part: _Part) -> None:
        base = self.feature_count
        self.pieces.append(part)
        self.feature_count += part.count
        self.entries.extend(range(part.first, part.first + part.count))
        self.refs.extend(part.refs)
        self.keys += part.keys
        self.to_check.extend([base + i for i in part.checked])

    def _citation_columns(self, columns: dict, table: dict) -> None:
        """Each feature's citations, flat, with a count each; a count of -1 (the defaults') expanded."""
        refs, locators, quotes, counts = columns["refs"], columns["locators"], columns["quotes"], columns["citation_counts"]
        if locators is None:
            locators = quotes = [None] * len(refs)
        if -1 in counts:
            defaults = self.default_cites or ()
            refs, locators, quotes, counts = _expand(
                counts, (refs, locators, quotes),
                ([c.ref for c in defaults], [c.locator for c in defaults], [c.quote for c in defaults]),
            )
        table["citation_counts"], table["refs"], table["locators"], table["quotes"] = counts, refs, locators, quotes

    def _figure_columns(self, columns: dict, n: int, table: dict) -> None:
        """Each feature's figures, flat, with a count each; a count of -1 (or none given: the defaults') expanded."""
        defaults = self.default_figures
        counts = columns.get("figure_counts")
        if counts is None:
            counts, labels, values, units = [-1] * n, [], [], []
        else:
            labels, values, units = columns["labels"], columns["values"], columns["units"]
        if -1 in counts:
            labels, values, units, counts = _expand(
                counts, (labels, values, units),
                ([f.label for f in defaults], [f.value for f in defaults], [f.unit for f in defaults]),
            )
        table["figure_counts"], table["labels"], table["values"], table["units"] = counts, labels, values, units

    def _ref_pairs(self, columns: dict) -> list:
        """Each feature's (source reference, None) pairs: the defaults' (with their places) for a count of -1."""
        refs = columns["refs"]
        pairs = self._pair_cache
        for ref in set(refs) - pairs.keys():
            pairs[ref] = (ref, None)
        return _cut(list(map(pairs.__getitem__, refs)), columns["citation_counts"], self.default_refs)

    def table(self, path: str) -> FeatureTable:
        """Every feature read, in order, as one table (the entries read by the precise reader
        made columns too)."""
        parts: list[dict[str, list]] = []
        run: list[tuple[Feature, tuple]] = []
        for piece in self.pieces:
            if isinstance(piece, _Part):
                if run:
                    parts.append(feature_columns([f for f, _ in run], [refs for _, refs in run]))
                    run = []
                parts.append(piece.table)
            else:
                run.append(piece)
        if run:
            parts.append(feature_columns([f for f, _ in run], [refs for _, refs in run]))
        return joined_table(parts, path, self.layer_id)


def chunk_bounds(offsets: list[int], size: int = CHUNK_BYTES) -> list[tuple[int, int]]:
    """(first entry, entry after the last) of each chunk of about ``size`` bytes."""
    from bisect import bisect_left

    count = len(offsets) - 1
    bounds = []
    first = 0
    while first < count:
        last = max(first + 1, bisect_left(offsets, offsets[first] + size, first + 1, count))
        bounds.append((first, last))
        first = last
    return bounds


def _read_chunks(data: bytes, plan: _Plan, validator: _Validator) -> bool:
    """Read every entry into ``validator``, chunk by chunk in the file's order.
    False when a chunk's keys read are not those written (a duplicate key, or '": ' inside a
    text: let the precise reader see); GiveUp when a chunk cannot be parsed as its entries."""
    offsets = plan.offsets
    parser = ChunkParser()
    with _quiet_stderr():
        for first, last in plan.chunks:
            items, written = parser.parse(data[offsets[first] : offsets[last]], last - first)
            before = validator.keys
            validator.chunk(items, first)
            if validator.keys - before != written:
                return False
    return True


# -- reading a file ----------------------------------------------------------------------------


def read_fast(display: str, data: bytes, make_reader: Callable[[], FileReader]) -> FileResult | None:
    """The file's result exactly as the precise reader would make it, or None when not sure."""
    try:
        import ryml  # noqa: F401
    except ImportError:  # pragma: no cover - a declared dependency
        return None
    if data.startswith(BOM):
        data = data[len(BOM):]
    plan = _plan(data)
    if plan is None:
        return None
    try:
        root = compose(plan.header)
    except YamlError:
        return None
    if root is None or not root.is_map or root.get("data") is not None:
        return None  # a bulk data layer: its file is small, its rows are read by bulk_data
    for position, (key, value) in enumerate(root.value):  # type: ignore[arg-type]
        if key.is_scalar and key.value == "features":
            if not value.is_null:  # type: ignore[union-attr]
                return None
            root.value[position] = (key, Node("seq", [], value.line, value.col))  # type: ignore[index]
    reader = make_reader()
    seen: list = []
    reader.read_layer(root, features=lambda layer, defaults: seen.append((layer, defaults)))
    if reader.reader.problems or not seen:
        return None
    layer, defaults = seen[0]
    validator = _Validator(reader, layer.id, defaults, display, data, plan)
    plan.chunks = chunk_bounds(plan.offsets, CHUNK_BYTES)
    try:
        if not _read_chunks(data, plan, validator):
            return None
        # In the precise reader's order: each entry's own problems, then the country warnings.
        problems = [problem for _, entry in validator.entry_problems for problem in entry]

        table = validator.table(display)
        if validator.columnar:
            countries = table.column("countries")
            warnings = point_country_warnings(
                None, table.point_lonlat()[_point_rows(table, validator.to_check)],
                declared=[countries[i] for i in validator.to_check],
            ) if validator.to_check else []
        else:  # entries read by the precise reader among them: their Feature objects, built
            # at once (a row built alone decodes whole columns: row by row was quadratic)
            features = table.features if validator.to_check else ()
            warnings = point_country_warnings([features[i] for i in validator.to_check])
        for i, message in warnings:
            index = validator.to_check[i]
            origin = validator.point_origins.get(index)
            if origin is None:
                entry = validator.entries[index]
                spot = _point_value(data, plan, entry)
                origin = Origin(display, *spot) if spot else _locate_or_give_up(data, plan, entry, ("point",), display)
            problems.append(Problem(origin, Severity.WARNING, message))
    except _GiveUp:
        return None
    result = reader.result
    result.problems = problems
    attach_table(result, table)
    result.entry_lines = plan.lines
    if len(validator.entries) != len(plan.lines) - 1:
        result.feature_entries = validator.entries
    return result


def _point_rows(table: FeatureTable, features: list[int]):
    """Where the given (point) features' coordinates are among the table's points, which hold
    only the point features'."""
    import numpy as np

    kinds = table.kind_codes
    if not kinds.any():
        return features
    return (np.cumsum(kinds == 0) - 1)[features]


def _shift(node: Node, lines: int) -> None:
    """Move a composed entry's nodes down by ``lines`` (no aliases here: each node once)."""
    stack = [node]
    while stack:
        node = stack.pop()
        node.line += lines
        if node.kind == "seq":
            stack.extend(node.value)  # type: ignore[arg-type]
        elif node.kind == "map":
            for key, value in node.value:  # type: ignore[misc]
                stack.append(key)
                stack.append(value)


def _point_value(data: bytes, plan: _Plan, index: int) -> tuple[int, int] | None:
    """Where the value of the entry's ``point`` key starts, found in the text when that is
    certain: the entry is a block mapping, and exactly one line holds a ``point:`` key at the
    mapping's indentation (the real key always does; anything else there makes two)."""
    start, end = plan.offsets[index], plan.offsets[index + 1]
    line, col = plan.origins[index]
    if line != plan.lines[index]:
        return None  # the mapping starts on a later line: let the composer find it
    at = start + col - 1
    if data[at : at + 1] == b"{":
        return None
    key = _POINT_KEY.match(data, at)
    if key is None:
        found = list(re.compile(rb"\n {%d}%s" % (col - 1, _POINT_KEY.pattern)).finditer(data, start, end))
        if len(found) != 1:
            return None
        key = found[0]
        line += data.count(b"\n", start, key.start() + 1)
        at = key.start() + 1
        col = 1
        value_at = key.end()
    else:
        value_at = key.end()
    skip = len(data[value_at:end]) - len(data[value_at:end].lstrip(b" "))
    value_at += skip
    if value_at >= end or data[value_at] in _NOT_A_VALUE_START:
        return None
    return line, col + (value_at - at)


_POINT_KEY = re.compile(rb"(['\"]?)point\1 *:(?=[ \n])")
_NOT_A_VALUE_START = frozenset(b"\n#|>")


def _locate_or_give_up(data: bytes, plan: _Plan, index: int, where: tuple, display: str) -> Origin:
    spot = locate(data, plan.offsets[index], plan.offsets[index + 1], plan.lines[index], where)
    if spot is None:
        raise _GiveUp
    return Origin(display, *spot)
