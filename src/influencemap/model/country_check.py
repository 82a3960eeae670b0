"""The check that a point lies inside one of the countries its feature declares.

Shared by every reader (the precise one, the fast one and the bulk-data one): the tolerance
and the message are defined here once.
"""

from __future__ import annotations

from operator import attrgetter
from typing import Sequence

from influencemap.model.types import Feature

COUNTRY_TOLERANCE_DEG = 0.05
"""How far outside a declared country's (simplified) outline a point may lie unwarned."""


def point_country_warnings(
    features: Sequence[Feature] | None, coords=None, *, declared: Sequence[tuple[str, ...]] | None = None
) -> list[tuple[int, str]]:
    """(index, message) for each point feature that lies outside all its declared countries.

    A caller holding the points as columns, not features, gives ``coords`` (an array of lon,
    lat) and ``declared`` (each point's countries) instead; ``coords`` may also come with
    features. Multipoints: every part is checked; the first part outside names its feature
    (once). See :func:`points_outside` and :func:`outside_messages`, its two steps.
    """
    if declared is None:
        if not features:
            return []
        declared = list(map(_COUNTRIES, features))
    if not declared:
        return []
    import numpy as np
    import shapely

    if coords is None:
        coords, owner = shapely.get_coordinates(
            np.array([f.geometry for f in features], dtype=object), return_index=True  # type: ignore[union-attr]
        )
        if len(coords) != len(declared):
            parts = point_country_warnings(None, coords, declared=[declared[i] for i in owner.tolist()])
            seen: dict[int, str] = {}
            for k, message in parts:
                seen.setdefault(int(owner[k]), message)
            return sorted(seen.items())
    outside = points_outside(coords, declared)
    return list(zip(outside, outside_messages(coords, declared, outside)))


def points_outside(coords, declared: Sequence[tuple[str, ...]], *, groups: tuple | None = None) -> list[int]:
    """The positions (ascending) of the points (``coords``: an array of lon, lat) farther than
    :data:`COUNTRY_TOLERANCE_DEG` from every one of their ``declared`` countries.

    Points inside one of their declared countries are set aside first, one vectorised
    point-in-polygon test per country; only the rest are measured, and only against the
    outlines of their own declared countries (not every country near them: where a point does
    lie is asked only for the messages, :func:`outside_messages`). ``groups``, when the caller
    knows it: ``(codes, values)`` with ``declared[i]`` being ``values[codes[i]]`` (a column read
    through its dictionary), so that the points are grouped by country without a pass over them."""
    import numpy as np
    import shapely

    from influencemap.geo import basemap

    if not len(declared):
        return []
    all_lons, all_lats = coords[:, 0], coords[:, 1]
    inside = np.zeros(len(declared), dtype=bool)
    outlines = _country_outlines()
    known, groups = groups, []
    if known is not None and len(declared) > FEW_POINTS:
        groups = _rows_by_country(*known)
    elif len(declared) <= FEW_POINTS:  # a small file: numpy's grouping costs more than it saves
        for i, countries in enumerate(declared):
            for code in countries:
                outline = outlines.get(code)
                if outline is not None and shapely.contains_xy(outline, all_lons[i], all_lats[i]):
                    inside[i] = True
                    break
    elif set(map(len, declared)) == {1}:  # one country each: number the codes, group the numbers with numpy
        firsts = [c[0] for c in declared]
        number = {code: k for k, code in enumerate(dict.fromkeys(firsts))}
        which = np.fromiter(map(number.__getitem__, firsts), dtype=np.intp, count=len(firsts))
        order = np.argsort(which, kind="stable")
        bounds = np.searchsorted(which[order], np.arange(len(number) + 1))
        groups = [(code, order[bounds[k]:bounds[k + 1]]) for code, k in number.items()]
    else:
        by_country: dict[str, list[int]] = {}
        for i, countries in enumerate(declared):
            for code in countries:
                by_country.setdefault(code, []).append(i)
        groups = [(code, np.array(rows)) for code, rows in by_country.items()]
    for code, rows in groups:
        outline = outlines.get(code)
        if outline is not None:
            inside[rows] |= shapely.contains_xy(outline, all_lons[rows], all_lats[rows])
    rest = np.flatnonzero(~inside)
    if not len(rest):
        return []
    near = basemap.near_any_of(all_lons[rest], all_lats[rest], [declared[i] for i in rest.tolist()], COUNTRY_TOLERANCE_DEG)
    return rest[~near].tolist()


def _rows_by_country(codes, values: Sequence[tuple[str, ...] | None]) -> list:
    """(country, rows) for the points whose declared countries are ``values[codes[row]]``."""
    import numpy as np

    codes = np.asarray(codes)
    if len(values) <= 64:  # a handful of distinct cells: one comparison each
        rows_of = [np.flatnonzero(codes == k) for k in range(len(values))]
    else:
        order = np.argsort(codes, kind="stable")
        bounds = np.searchsorted(codes[order], np.arange(len(values) + 1))
        rows_of = [order[bounds[k]:bounds[k + 1]] for k in range(len(values))]
    by_country: dict[str, list] = {}
    for countries, rows in zip(values, rows_of):
        for code in countries or ():
            by_country.setdefault(code, []).append(rows)
    return [(code, parts[0] if len(parts) == 1 else np.sort(np.concatenate(parts))) for code, parts in by_country.items()]


def outside_messages(coords, declared: Sequence[tuple[str, ...]], positions: Sequence[int]) -> list[str]:
    """The warning for each point at ``positions`` (found by :func:`points_outside`): where
    it lies instead, and whether swapping its longitude and latitude would put it inside.
    Asked for only the points whose message is shown (a million-row file names its first few)."""
    from influencemap.geo import basemap

    if not len(positions):
        return []
    lons = [float(coords[i, 0]) for i in positions]
    lats = [float(coords[i, 1]) for i in positions]
    found = basemap.countries_containing_many(lons, lats, COUNTRY_TOLERANCE_DEG)
    swapped = basemap.countries_containing_many(
        lats, [lon if -90 <= lon <= 90 else 0.0 for lon in lons], COUNTRY_TOLERANCE_DEG,
    )
    messages = []
    for i, lon, lat, there, swapped_in in zip(positions, lons, lats, found, swapped):
        countries = declared[i]
        where = f"it lies in {', '.join(there)}" if there else "it lies in no country (at sea?)"
        message = f"point ({lon:g}, {lat:g}) is outside its countries {', '.join(countries)}: {where}"
        if -90 <= lon <= 90 and set(swapped_in) & set(countries):
            message += f"; swapping longitude and latitude, [{lat:g}, {lon:g}], would put it inside"
        messages.append(message)
    return messages


_COUNTRIES = attrgetter("countries")
FEW_POINTS = 16
"""Up to this many points are checked one by one (the numpy grouping is for big files)."""
_outlines: dict | None = None


def _country_outlines() -> dict:
    """Each basemap country's prepared outline by ISO code (a point inside needs no more checks)."""
    global _outlines
    if _outlines is None:
        from influencemap.geo import basemap

        _outlines = basemap.country_outlines()
    return _outlines


# -- the whole catalog -----------------------------------------------------------------------
