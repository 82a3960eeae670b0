"""The canvas's filter masks come from the feature table's columns (issue 14 b): for every
geometry kind of a layer they keep exactly the features the filter accepts one by one, and
setting a filter on a cached layer builds none of its Feature objects."""

from __future__ import annotations

import numpy as np
import pytest

from influencemap.model.feature_table import FeatureTable
from influencemap.model.filters import FeatureFilter
from influencemap.model.loader import load_catalog
from influencemap.render.layer_geometry import build_layer_geometry, filter_masks, layer_geometry
from tests.model.test_feature_table_take import FILTERS, cached, folder  # noqa: F401 - the cached layer's fixtures


def _by_reference(layer, feature_filter):
    """Per kind, what the filter accepts one Feature at a time (``accepts``)."""
    geometry = build_layer_geometry(layer)
    layer_ok = feature_filter.accepts_layer(layer)
    return [np.array([layer_ok and feature_filter.accepts(f) for f in kind.features], dtype=bool) for kind in geometry.by_kind()]


@pytest.mark.parametrize("feature_filter", FILTERS[:6], ids=range(6))
def test_masks_of_a_mixed_cached_layer_match_accepting_features_one_by_one(cached, feature_filter):  # noqa: F811
    (layer,) = cached.layers
    masks = filter_masks(layer, feature_filter)
    assert not layer.features.built  # from the columns
    for mask, wanted, kind in zip(masks, _by_reference(layer, feature_filter), layer_geometry(layer).by_kind()):
        assert isinstance(kind.features, FeatureTable)
        assert mask.tolist() == wanted.tolist()
    assert sum(int(m.sum()) for m in masks) == len(feature_filter.apply(cached).layers[0].features)


def test_masks_of_the_bundled_layers_match_accepting_features_one_by_one():
    catalog = load_catalog()
    feature_filter = FeatureFilter(countries=frozenset({"BY", "KZ"}), date_from="2012")
    for layer in catalog.layers:
        for mask, wanted in zip(filter_masks(layer, feature_filter), _by_reference(layer, feature_filter)):
            assert mask.tolist() == wanted.tolist(), layer.id
