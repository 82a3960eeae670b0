"""The renderer's sizes of a layer sized by a figure come from its figure columns (issue 14 (b)):
the same diameters and stack sums as from each Feature's figures, without building them."""

from __future__ import annotations

import numpy as np
import pytest

from influencemap.model import sizing
from influencemap.model.stats import is_additive, label_key, unit_key
from influencemap.render.layer_geometry import layer_geometry
from influencemap.render.renderer import _point_figures, layer_sizes, point_sizes
from influencemap.model.types import GeometryKind
from tests.model.conftest import cached_layers_folder
from tests.model.test_column_readers import VARIED
from tests.model.test_feature_table import SOURCES, from_disk


@pytest.fixture
def varied(tmp_path, monkeypatch):
    for folder in cached_layers_folder(tmp_path, monkeypatch, SOURCES):
        (folder / "v.yaml").write_text(VARIED, encoding="utf-8")
        _, catalog = from_disk(folder, monkeypatch)
        yield catalog.layer("varied")


def test_point_and_polygon_sizes_and_stack_figures_come_from_the_columns(varied):
    points = point_sizes(varied, GeometryKind.POINT)
    polygons = point_sizes(varied, GeometryKind.POLYGON)
    values, keys = _point_figures(varied)
    sizes = layer_sizes(varied)
    assert not varied.features.built

    size_by = varied.style.size_by
    geometry = layer_geometry(varied)
    figures = [sizing.figure_of(f, size_by) for f in geometry.points.features]  # builds the Feature objects
    expected = [sizing.diameter(f.value, sizes.top, size_by) if f else varied.style.size for f in figures]
    assert points.tolist() == expected
    assert len(expected) == 3 and expected[0] > expected[1] and expected[2] == varied.style.size  # v-5 has no figure
    shape = sizing.figure_of(geometry.polygons.features[0], size_by)
    assert polygons.tolist() == [sizing.diameter(shape.value, sizes.top, size_by)]
    assert np.array_equal(values, [f.value if f else np.nan for f in figures], equal_nan=True)
    assert keys == [(label_key(f.label), unit_key(f.unit)) if f and is_additive(f) else None for f in figures]
    assert keys[0] == ("loan", "USD") and keys[1] == ("loan", "usd") and keys[2] is None


def test_a_mixed_layers_geometry_is_read_from_its_columns(varied):
    geometry = layer_geometry(varied)
    assert not varied.features.built and not any(kind.features.built for kind in geometry.by_kind())
    assert [len(kind) for kind in geometry.by_kind()] == [1, 1, 3]
    features = list(varied.features)
    lines = geometry.lines
    assert lines.features[0] is features[1]  # the chosen rows are the layer's own Features
    assert lines.citation_refs.tolist() == ["doc-b"] and lines.citation_owner.tolist() == [0]
    assert geometry.points.citation_refs.tolist() == ["doc-a", "doc-b", "doc-a", "doc-b"]
    assert geometry.points.citation_owner.tolist() == [0, 0, 1, 2]
