"""Web Mercator and MapSettings: round trips, fitting, zooming about a point, panning."""

from __future__ import annotations

import numpy as np
import pytest

from influencemap.geo.mercator import EARTH_RADIUS, MAX_LATITUDE, lonlat_to_mercator, mercator_to_lonlat
from influencemap.render.map_settings import MapSettings


def test_mercator_round_trip_is_exact_enough():
    lon = np.array([-179.9, -30.0, 0.0, 27.56, 120.0])
    lat = np.array([-80.0, -10.0, 0.0, 53.9, 84.0])
    back_lon, back_lat = mercator_to_lonlat(*lonlat_to_mercator(lon, lat))
    np.testing.assert_allclose(back_lon, lon, atol=1e-9)
    np.testing.assert_allclose(back_lat, lat, atol=1e-9)


def test_known_mercator_values():
    x, y = lonlat_to_mercator(180.0, MAX_LATITUDE)
    assert float(x) == pytest.approx(np.pi * EARTH_RADIUS)
    assert float(y) == pytest.approx(np.pi * EARTH_RADIUS, rel=1e-9)
    assert float(lonlat_to_mercator(0.0, 0.0)[1]) == pytest.approx(0.0, abs=1e-6)


def test_fitting_a_box_shows_it_whole_and_centred():
    settings = MapSettings.fit_lonlat((20.0, 40.0, 80.0, 60.0), (1000, 500))
    minlon, minlat, maxlon, maxlat = settings.lonlat_bounds
    assert minlon <= 20.0 + 1e-9 and maxlon >= 80.0 - 1e-9
    assert minlat <= 40.0 + 1e-9 and maxlat >= 60.0 - 1e-9
    px, py = settings.lonlat_to_pixels([20.0, 80.0], [40.0, 60.0])
    assert (px[0] + px[1]) / 2 == pytest.approx(500)
    assert (py[0] + py[1]) / 2 == pytest.approx(250)


@pytest.mark.parametrize("factor", [2.0, 0.3, 1.5**3])
def test_zoom_keeps_the_anchor_on_the_same_place(factor):
    settings = MapSettings.fit_lonlat((20.0, 40.0, 80.0, 60.0), (800, 600))
    anchor = (123.0, 456.0)
    before = settings.pixels_to_lonlat(*anchor)
    zoomed = settings.zoomed(factor, anchor)
    after = zoomed.pixels_to_lonlat(*anchor)
    assert zoomed.resolution == pytest.approx(settings.resolution / factor)
    np.testing.assert_allclose(after, before, atol=1e-9)


def test_panning_moves_the_map_with_the_drag():
    settings = MapSettings.fit_lonlat((20.0, 40.0, 80.0, 60.0), (800, 600))
    lon, lat = settings.pixels_to_lonlat(100, 100)
    moved = settings.panned(30, -20)
    px, py = moved.lonlat_to_pixels(lon, lat)
    assert (float(px), float(py)) == pytest.approx((130, 80))


def test_resizing_keeps_centre_and_scale():
    settings = MapSettings.fit_lonlat((20.0, 40.0, 80.0, 60.0), (800, 600))
    resized = settings.resized((400, 900))
    assert resized.center == settings.center and resized.resolution == settings.resolution


def test_degrees_per_pixel_matches_longitude_spacing():
    settings = MapSettings.fit_lonlat((20.0, 40.0, 80.0, 60.0), (800, 600))
    lon0, _ = settings.pixels_to_lonlat(0, 300)
    lon1, _ = settings.pixels_to_lonlat(1, 300)
    assert float(lon1 - lon0) == pytest.approx(settings.degrees_per_pixel())
