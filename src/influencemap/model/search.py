"""Find features by what they say: names, descriptions, actors, tags and source titles.

Matching ignores case, accents and punctuation; every word of the query must appear. Hits in
the name rank first, then by date, then by name. Qt-free, so the app's search box and tests share it.

A million features must answer while the user types, so the index is columnar
(:class:`SearchIndex`): each distinct folded name and each distinct folded "rest" (description,
actors and their aliases, tags, cited titles — the same for most rows of a data file) is kept
once, in one UTF-8 byte string per column, and numpy arrays map rows to them. A query finds
each word in the two byte strings (``bytes.find`` for rare words, a vectorised compare for
common ones), turns the matching distinct texts into row masks, and orders only the rows asked
for. Building the index takes seconds on a million features: the app builds it off the UI
thread (:func:`influencemap.ui.catalog_loader.warm_up`, the search panel's worker) and asks
:func:`ready_search_index` meanwhile.
"""

from __future__ import annotations

import threading
from array import array
import weakref
from dataclasses import dataclass
from typing import Iterator

import numpy as np

from influencemap.geo.gazetteer import fold
from influencemap.model.catalog import Catalog
from influencemap.model.filters import FeatureFilter
from influencemap.model.types import Layer


@dataclass(frozen=True)
class SearchHit:
    feature_id: str
    layer_id: str
    name: str
    start: str | None
    in_name: bool


_FEW = 4096  # a word found at most this often is located by bytes.find; more often, by numpy


class _Texts:
    """Distinct folded texts in one byte string, with where each starts."""

    def __init__(self, texts: list[str]) -> None:
        joined = "\n".join(texts)  # never in a folded text (fold leaves single spaces): no match spans two
        self.joined = joined.encode()
        sizes = map(len, texts) if len(self.joined) == len(joined) else (len(t.encode()) for t in texts)
        lengths = np.fromiter(sizes, np.int64, len(texts)) + 1
        self.offsets = np.concatenate(([0], np.cumsum(lengths)[:-1])).astype(np.int64)[:len(texts)]
        self.count = len(texts)

    def containing(self, word: bytes) -> np.ndarray:
        """A boolean per distinct text: does it hold ``word``?"""
        found = np.zeros(self.count, bool)
        joined = self.joined
        occurrences = joined.count(word)
        if not occurrences:
            return found
        if occurrences <= _FEW:
            at = []
            where = joined.find(word)
            while where >= 0:
                at.append(where)
                where = joined.find(word, where + 1)
            positions = np.array(at, np.int64)
        else:
            buffer = np.frombuffer(joined, np.uint8)
            positions = np.flatnonzero(buffer[:len(buffer) - len(word) + 1] == word[0])
            for shift in range(1, len(word)):  # the candidates narrow letter by letter
                positions = positions[buffer[positions + shift] == word[shift]]
        found[np.searchsorted(self.offsets, positions, side="right") - 1] = True
        return found


class _Coder:
    """Numbers distinct values in order of first appearance."""

    def __init__(self) -> None:
        self.codes: dict = {}
        self.values: list = []

    def code(self, value) -> int:
        known = self.codes.get(value)
        if known is None:
            known = self.codes[value] = len(self.values)
            self.values.append(value)
        return known


class SearchIndex:
    """Every feature of a catalog as searchable rows (layer order, then file order)."""

    def __init__(self, catalog: Catalog) -> None:
        self._layers: list[tuple[str, list, list, list]] = []  # (layer id, ids, names, starts)
        names, rests = _Coder(), _Coder()
        name_codes = array("i")
        rest_codes = array("i")
        for layer in catalog.layers:
            ids, shown, starts = _layer_rows(catalog, layer, names, rests, name_codes, rest_codes)
            self._layers.append((layer.id, ids, shown, starts))
        self.rows = len(name_codes)
        self._layer_starts = np.cumsum([0] + [len(ids) for _, ids, _, _ in self._layers])
        self._name_codes = np.frombuffer(name_codes, np.int32)
        self._rest_codes = np.frombuffer(rest_codes, np.int32)
        self._names = _Texts([fold(n) for n in names.values])
        self._rests = _Texts([fold(r) for r in rests.values])
        self._rank = self._order_ranks(names.values)

    def _order_ranks(self, distinct_names: list[str]) -> np.ndarray:
        """Each row's place when sorted by (undated last, date, name), ties in row order."""
        starts = _Coder()
        start_codes = np.fromiter((starts.code(s) for _, _, _, ss in self._layers for s in ss), np.int64, self.rows)
        start_rank = _ranks(starts.values, key=lambda s: (s is None, s or ""))
        name_rank = _ranks(distinct_names, key=lambda n: n)  # the names as shown, coded as the rows' names
        order = np.lexsort((name_rank[self._name_codes], start_rank[start_codes]))  # stable: ties keep row order
        rank = np.empty(self.rows, np.int64)
        rank[order] = np.arange(self.rows)
        return rank

    def find(self, query: str, allowed: np.ndarray | None = None) -> Matches:
        """The rows holding every word of ``query`` (none for an empty query), of the rows
        ``allowed`` lets through when given (a bool per row: :func:`filter_rows`)."""
        words = fold(query).split()
        if not words or not self.rows:
            return Matches(self, np.zeros(0, np.int64), np.zeros(0, np.int64))
        matched = np.ones(self.rows, bool)
        in_name = np.ones(self.rows, bool)
        for word in dict.fromkeys(words):
            encoded = word.encode()
            word_in_name = self._names.containing(encoded)[self._name_codes]
            matched &= word_in_name | self._rests.containing(encoded)[self._rest_codes]
            in_name &= word_in_name
        if allowed is not None:
            matched &= allowed
        rows = np.flatnonzero(matched)
        keys = self._rank[rows] + np.where(in_name[rows], 0, self.rows)
        return Matches(self, rows, keys)

    def hit(self, row: int, in_name: bool) -> SearchHit:
        which = int(np.searchsorted(self._layer_starts, row, side="right")) - 1
        layer_id, ids, names, starts = self._layers[which]
        at = row - int(self._layer_starts[which])
        return SearchHit(ids[at], layer_id, names[at], starts[at], in_name)


class Matches:
    """The rows a query found, ordered on demand: name matches first, then by date, then name."""

    def __init__(self, index: SearchIndex, rows: np.ndarray, keys: np.ndarray) -> None:
        self._index = index
        self._rows = rows
        self._keys = keys

    def __len__(self) -> int:
        return len(self._rows)

    def _hit(self, position: int) -> SearchHit:
        return self._index.hit(int(self._rows[position]), bool(self._keys[position] < self._index.rows))

    def first(self, limit: int | None = None) -> list[SearchHit]:
        """The best ``limit`` hits (all when None), in order; only those are built."""
        keys = self._keys
        if limit is not None and limit < len(keys):
            chosen = np.argpartition(keys, limit)[:limit] if limit > 0 else np.zeros(0, np.int64)
            positions = chosen[np.argsort(keys[chosen])]
        else:
            positions = np.argsort(keys)
        return [self._hit(int(p)) for p in positions]

    def __iter__(self) -> Iterator[SearchHit]:
        """Every hit in order, built one at a time."""
        for position in np.argsort(self._keys):
            yield self._hit(int(position))


def filter_rows(catalog: Catalog, feature_filter: FeatureFilter) -> np.ndarray:
    """Whether the filter lets each row of the catalog's index through (layer order, then file
    order), from the layers' columns (:meth:`FeatureFilter.accepted_rows`), not row by row."""
    parts = [
        np.asarray(feature_filter.accepted_rows(layer.features), bool) if feature_filter.accepts_layer(layer)
        else np.zeros(len(layer.features), bool)
        for layer in catalog.layers
    ]
    return np.concatenate(parts) if parts else np.zeros(0, bool)


def _ranks(values: list, key) -> np.ndarray:
    """Each value's place among ``values`` sorted by ``key``."""
    order = sorted(range(len(values)), key=lambda i: key(values[i]))
    rank = np.empty(len(values), np.int64)
    rank[np.array(order, np.int64)] = np.arange(len(values))
    return rank


def _layer_rows(catalog: Catalog, layer: Layer, names: _Coder, rests: _Coder, name_codes: array, rest_codes: array):
    """Codes a layer's rows into ``names`` and ``rests`` from its table's columns (no Feature
    is built); returns its ids, names and starts."""
    column = layer.features.column
    titles = {ref: source.title for ref, source in catalog.sources.items()}
    spellings: dict[str, tuple[str, ...]] = {}  # an actor is found by any spelling the registry knows

    def aliases(actor: str) -> tuple[str, ...]:
        known = spellings.get(actor)
        if known is None:
            entry = catalog.actor(actor)
            known = spellings[actor] = tuple(entry.aliases) if entry else ()
        return known

    ids, shown, starts = column("ids"), column("names"), column("starts")
    refs, counts = column("refs"), column("citation_counts")
    name_code, rest_code = names.code, rests.code
    at = 0
    for name, description, actors, tags, count in zip(shown, column("descriptions"), column("actors"), column("tags"), counts):
        cited = [titles[ref] for ref in refs[at:at + count] if ref in titles]
        at += count
        also = [s for a in actors for s in aliases(a)]
        name_codes.append(name_code(name))
        rest_codes.append(rest_code(" \n ".join([description or "", *actors, *also, *tags, *cited])))
    return ids, shown, starts


_indexes: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_building: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # a lock per catalog being indexed
_lock = threading.Lock()


def search_index(catalog: Catalog) -> SearchIndex:
    """The catalog's index, built on first use (once, whichever thread asks first; others wait)."""
    with _lock:
        index = _indexes.get(catalog)
        if index is not None:
            return index
        building = _building.setdefault(catalog, threading.Lock())
    with building:
        with _lock:
            index = _indexes.get(catalog)
        if index is None:
            index = SearchIndex(catalog)
            with _lock:
                _indexes[catalog] = index
    return index


def ready_search_index(catalog: Catalog) -> SearchIndex | None:
    """The catalog's index if it is built, without building it."""
    with _lock:
        return _indexes.get(catalog)


def search(catalog: Catalog, query: str, limit: int | None = None) -> list[SearchHit]:
    """Features whose text holds every word of ``query``, name matches first, then by date."""
    return search_index(catalog).find(query).first(limit or None)
