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

    Points inside one of their declared countries are set aside first, one vectorised test per
    country; the rest go through the full check, which says where they lie instead. A caller
    holding the points as columns, not features, gives ``coords`` (an array of lon, lat) and
    ``declared`` (each point's countries) instead; ``coords`` may also come with features.
    """
    if declared is None:
        if not features:
            return []
        declared = list(map(_COUNTRIES, features))
    if not declared:
        return []
    import numpy as np
    import shapely

    from influencemap.geo import basemap

    if coords is None:
        coords, owner = shapely.get_coordinates(
            np.array([f.geometry for f in features], dtype=object), return_index=True  # type: ignore[union-attr]
        )
        if len(coords) != len(declared):
            # Multipoints: check every part; the first part outside names its feature (once).
            parts = point_country_warnings(None, coords, declared=[declared[i] for i in owner.tolist()])
            seen: dict[int, str] = {}
            for k, message in parts:
                seen.setdefault(int(owner[k]), message)
            return sorted(seen.items())
    all_lons, all_lats = coords[:, 0], coords[:, 1]
    inside = np.zeros(len(declared), dtype=bool)
    outlines = _country_outlines()
    groups: list = []
    if len(declared) <= FEW_POINTS:  # a small file: numpy's grouping costs more than it saves
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
    rest = np.flatnonzero(~inside).tolist()
    if not rest:
        return []
    lons = all_lons[rest].tolist()
    lats = all_lats[rest].tolist()
    found = basemap.countries_containing_many(lons, lats, COUNTRY_TOLERANCE_DEG)
    outside = [k for k, i in enumerate(rest) if not set(found[k]) & set(declared[i])]
    if not outside:
        return []
    swapped = basemap.countries_containing_many(
        [lats[k] for k in outside], [lons[k] if -90 <= lons[k] <= 90 else 0.0 for k in outside],
        COUNTRY_TOLERANCE_DEG,
    )
    warnings = []
    for k, swapped_in in zip(outside, swapped):
        countries = declared[rest[k]]
        lon, lat, there = lons[k], lats[k], found[k]
        where = f"it lies in {', '.join(there)}" if there else "it lies in no country (at sea?)"
        message = f"point ({lon:g}, {lat:g}) is outside its countries {', '.join(countries)}: {where}"
        if -90 <= lon <= 90 and set(swapped_in) & set(countries):
            message += f"; swapping longitude and latitude, [{lat:g}, {lon:g}], would put it inside"
        warnings.append((rest[k], message))
    return warnings


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
