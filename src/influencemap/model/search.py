"""Find features by what they say: names, descriptions, actors, tags and source titles.

Matching ignores case, accents and punctuation; every word of the query must appear. Hits in
the name rank first. Qt-free, so the app's search box and tests share it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from influencemap.geo.gazetteer import fold
from influencemap.model.catalog import Catalog
from influencemap.model.types import Feature


@dataclass(frozen=True)
class SearchHit:
    feature_id: str
    layer_id: str
    name: str
    start: str | None
    in_name: bool


def _haystacks(catalog: Catalog, feature: Feature) -> tuple[str, str]:
    """(folded name, folded everything else) of a feature."""
    titles = [c.source.title for c in catalog.citations(feature)]
    # An actor is found by any spelling the registry knows (the features hold canonical names).
    spellings = [s for a in feature.actors for s in (catalog.actor(a).aliases if catalog.actor(a) else ())]
    rest = " \n ".join([feature.description or "", *feature.actors, *spellings, *feature.tags, *titles])
    return fold(feature.name), fold(rest)


@lru_cache(maxsize=4)
def _index(catalog: Catalog) -> tuple[tuple[Feature, str, str], ...]:
    return tuple((f, *_haystacks(catalog, f)) for f in catalog.features())


def search(catalog: Catalog, query: str, limit: int | None = None) -> list[SearchHit]:
    """Features whose text holds every word of ``query``, name matches first, then by date."""
    words = fold(query).split()
    if not words:
        return []
    hits = []
    for feature, name, rest in _index(catalog):
        if all(w in name or w in rest for w in words):
            in_name = all(w in name for w in words)
            hits.append(SearchHit(feature.id, feature.layer_id, feature.name, feature.start, in_name))
    hits.sort(key=lambda h: (not h.in_name, h.start is None, h.start or "", h.name))
    return hits[:limit] if limit else hits
