"""Dates mean the same everywhere: partial dates cover whole periods; spans overlap ranges."""

from __future__ import annotations

from datetime import date

import pytest
from shapely.geometry import Point

from influencemap.model.catalog import Catalog
from influencemap.model.dates import DateError, format_span, last_day, parse_partial_date, span
from influencemap.model.filters import FeatureFilter
from influencemap.model.types import Citation, Feature, GeometryKind, Layer


def feature(fid: str, start=None, end=None, instant=False, countries=(), tags=()) -> Feature:
    return Feature(
        id=fid, name=fid, layer_id="l", geometry=Point(0, 0), kind=GeometryKind.POINT,
        citations=(Citation("s"),), start=start, end=end, instant=instant,
        countries=countries, tags=tags,
    )


@pytest.mark.parametrize("text", ["2020-13", "2019-02-29", "20", "2020-1-1", "2020/01/01", "0000"])
def test_invalid_partial_dates(text):
    with pytest.raises(DateError):
        parse_partial_date(text)


def test_partial_dates_cover_their_whole_period():
    assert last_day("2020") == date(2020, 12, 31)
    assert last_day("2020-02") == date(2020, 2, 29)
    assert span("2019-06", None) == (date(2019, 6, 1), date.max)


def test_format_span_for_people():
    assert format_span("2013-05-20", "2013-05-20", True) == "20 May 2013"
    assert format_span("2015", "2019-03", False) == "2015 – March 2019"
    assert format_span("2021-03", None, False) == "since March 2021"
    assert format_span(None, None, False) is None


def test_to_2020_covers_all_of_2020():
    wanted = FeatureFilter(date_to="2020")
    assert wanted.accepts(feature("a", "2020-12-31", "2020-12-31", True))
    assert not wanted.accepts(feature("b", "2021-01-01", "2021-01-01", True))


def test_a_span_overlapping_the_range_matches_and_ongoing_runs_on():
    wanted = FeatureFilter(date_from="2019", date_to="2019")
    assert wanted.accepts(feature("a", "2015", "2019-01"))
    assert wanted.accepts(feature("b", "2010", None))
    assert not wanted.accepts(feature("c", "2015", "2018-12"))
    assert not wanted.accepts(feature("d", "2020-01", None))


def test_undated_features_are_left_out_of_a_date_filter_unless_asked():
    undated = feature("u")
    assert FeatureFilter().accepts(undated)
    assert not FeatureFilter(date_from="2019").accepts(undated)
    assert FeatureFilter(date_from="2019", include_undated=True).accepts(undated)


def test_country_and_tag_filters_apply_to_a_catalog():
    layer = Layer(
        id="l", name="L",
        features=(feature("a", countries=("BY",), tags=("loan",)), feature("b", countries=("UA",))),
    )
    catalog = Catalog(layers=(layer,))
    assert [f.id for f in FeatureFilter(countries=frozenset({"UA"})).apply(catalog).features()] == ["b"]
    assert [f.id for f in FeatureFilter(tags=frozenset({"loan"})).apply(catalog).features()] == ["a"]
    assert FeatureFilter(layers=frozenset({"other"})).apply(catalog).layers == ()
    assert FeatureFilter(countries=frozenset({"UA"})).is_active and not FeatureFilter().is_active
