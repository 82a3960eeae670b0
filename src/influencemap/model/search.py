"""Find features by what they say: names, descriptions, actors, tags and source titles.

Matching ignores case, accents and punctuation; every word of the query must appear. Hits in
the name rank first. Qt-free, so the app's search box and tests share it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from influencemap.geo.gazetteer import fold
from influencemap.model.catalog import Catalog
from influencemap.model.types import Layer


@dataclass(frozen=True)
class SearchHit:
    feature_id: str
    layer_id: str
    name: str
    start: str | None
    in_name: bool


Entry = tuple[str, str, str, "str | None", str, str]
"""(feature id, layer id, name, start, folded name, folded everything else) of one feature."""


def _layer_entries(catalog: Catalog, layer: Layer) -> list[Entry]:
    """The search entries of a layer's features, from its table's columns (no Feature is built).
    Rows of a data file often say the same besides their name (one source, no description): each
    distinct text is folded once."""
    column = layer.features.column
    folded: dict[str, str] = {}

    def fold_once(text: str) -> str:
        known = folded.get(text)
        if known is None:
            known = folded[text] = fold(text)
        return known

    titles = {ref: source.title for ref, source in catalog.sources.items()}
    spellings: dict[str, tuple[str, ...]] = {}  # an actor is found by any spelling the registry knows

    def aliases(actor: str) -> tuple[str, ...]:
        known = spellings.get(actor)
        if known is None:
            entry = catalog.actor(actor)
            known = spellings[actor] = tuple(entry.aliases) if entry else ()
        return known

    refs, counts = column("refs"), column("citation_counts")
    entries = []
    at = 0
    for fid, name, start, description, actors, tags, count in zip(
        column("ids"), column("names"), column("starts"), column("descriptions"), column("actors"), column("tags"), counts
    ):
        cited = [titles[ref] for ref in refs[at:at + count] if ref in titles]
        at += count
        also = [s for a in actors for s in aliases(a)]
        rest = " \n ".join([description or "", *actors, *also, *tags, *cited])
        entries.append((fid, layer.id, name, start, fold(name), fold_once(rest)))
    return entries


@lru_cache(maxsize=4)
def _index(catalog: Catalog) -> tuple[Entry, ...]:
    return tuple(entry for layer in catalog.layers for entry in _layer_entries(catalog, layer))


def search(catalog: Catalog, query: str, limit: int | None = None) -> list[SearchHit]:
    """Features whose text holds every word of ``query``, name matches first, then by date."""
    words = fold(query).split()
    if not words:
        return []
    hits = []
    for feature_id, layer_id, shown, start, name, rest in _index(catalog):
        if all(w in name or w in rest for w in words):
            in_name = all(w in name for w in words)
            hits.append(SearchHit(feature_id, layer_id, shown, start, in_name))
    hits.sort(key=lambda h: (not h.in_name, h.start is None, h.start or "", h.name))
    return hits[:limit] if limit else hits
