"""``style: {size: {figure: LABEL, scale: sqrt}}``: parsing, errors at FILE:LINE:COL, both
readers, the load cache, and the sizing rule itself (Qt-free)."""

from __future__ import annotations

import math
import textwrap

import pytest

from influencemap.model import sizing
from influencemap.model.file_result import from_plain, to_plain
from influencemap.model.loader import _GazetteerSource, read_file
from influencemap.model.types import Feature, Figure, GeometryKind, Layer, SizeBy, Style

from tests.model.test_fast_parse import assert_same, read_both

FEATURES = """\
features:
  - id: big
    name: Big loan
    point: [71.4, 51.1]
    countries: [KZ]
    sources: [doc-a]
    figures: [{label: Loan, value: 1000000000, unit: USD}]
  - id: small
    name: Small loan
    point: [69.2, 41.3]
    countries: [UZ]
    sources: [doc-a]
    figures: [{label: "loan ", value: 10000000, unit: USD}]
  - id: none
    name: No figure
    point: [74.6, 42.9]
    countries: [KG]
    sources: [doc-a]
"""


def layer_text(style: str) -> str:
    return f"id: t\nname: T\nstyle: {style}\nsources:\n  - {{id: doc-a, title: A}}\n" + FEATURES


def read(text: str):
    data = text.encode()
    return read_file("/x/l.yaml", data, _GazetteerSource(None), None, fast=False)


def errors(result) -> list[str]:
    return [f"{p.origin.line}:{p.origin.col}: {p.message}" for p in result.problems if p.severity.value == "error"]


def test_size_by_a_figure_is_read_with_its_defaults():
    result = read(layer_text("{color: '#b2182b', size: {figure: '  LOAN', scale: linear, min: 4, max: 30}}"))
    assert errors(result) == []
    assert result.layer.style.size_by == SizeBy("LOAN", "linear", 4.0, 30.0)
    assert result.layer.style.size == Style().size  # unsized points keep the normal size
    default = read(layer_text("{size: {figure: Loan}}")).layer.style.size_by
    assert default == SizeBy("Loan", "sqrt", 6.0, 36.0)


@pytest.mark.parametrize(
    "style, where, message",
    [
        ("{size: {figure: Loan, scale: log}}", "3:37", "style size scale"),
        ("{size: [Loan]}", "3:15", "style size"),
        ("{size: {scale: sqrt}}", "3:15", "needs 'figure'"),
        ("{size: {figure: Loan, colour: red}}", "3:30", "colour"),
        ("{size: {figure: Loan, min: 20, max: 10}}", "3:35", "must not exceed max"),
        ("{size: {figure: Loan, max: 900}}", "3:35", "between 1 and 200"),
    ],
)
def test_a_bad_size_is_an_error_at_its_place_and_the_features_still_load(style, where, message):
    result = read(layer_text(style))
    found = errors(result)
    assert len(found) == 1, found
    assert found[0].startswith(where + ":") and message in found[0], found
    assert "log" not in style or "sqrt" in found[0] and "linear" in found[0]  # the choices are named


def test_both_readers_agree_on_a_sized_layer():
    text = layer_text("{size: {figure: Loan, scale: sqrt, max: 30}}")
    fast, precise, used_fast, _ = read_both(text)
    assert used_fast
    assert fast.layer.style == precise.layer.style
    assert fast.layer.style.size_by == SizeBy("Loan", "sqrt", 6.0, 30.0)
    assert_same(text, fast_expected=True)


def test_the_load_cache_keeps_the_size_rule():
    result = read(layer_text("{size: {figure: Loan, scale: linear}}"))
    back = from_plain(to_plain(result), "/x/l.yaml")
    assert back.layer.style.size_by == SizeBy("Loan", "linear")
    plain = read(layer_text("{size: 9}"))
    assert from_plain(to_plain(plain), "/x/l.yaml").layer.style.size_by is None


def _layer(values, style=SizeBy("Loan")):
    from shapely.geometry import Point

    features = tuple(
        Feature(f"f{i}", f"F{i}", "t", Point(i, 0), GeometryKind.POINT, (),
                figures=() if v is None else (Figure("Loan", v, "USD"),))
        for i, v in enumerate(values)
    )
    return Layer("t", "T", features, style=Style(size_by=style))


def test_label_matches_ignoring_case_and_spacing_and_missing_values_keep_the_normal_size():
    layer = _layer([1e9, None])
    size_by = layer.style.size_by
    assert sizing.values_of(layer.features, SizeBy(" loan ")) [0] == 1e9
    assert math.isnan(sizing.values_of(layer.features, size_by)[1])
    d = sizing.diameters(sizing.values_of(layer.features, size_by), 1e9, size_by, default=8.0)
    assert d.tolist() == [36.0, 8.0]


def test_sqrt_makes_area_follow_the_value_and_linear_the_diameter():
    sqrt, linear = SizeBy("Loan", "sqrt", 1, 40), SizeBy("Loan", "linear", 1, 40)
    assert sizing.diameter(25, 100, sqrt) == pytest.approx(20.0)  # a quarter of the area
    assert sizing.diameter(25, 100, linear) == pytest.approx(10.0)
    assert sizing.diameter(0.0001, 100, sqrt) == 1  # never below min


def test_the_legend_reference_sizes_are_round_values_with_the_unit():
    sizes = sizing.layer_sizes(_layer([1.3e9, 2e7, None]))
    assert sizes.top == 1.3e9 and sizes.unit == "USD"
    values = [value for value, _, _ in sizes.references]
    assert values == [1e9, 2e8, 5e7]
    diameters = [d for _, d, _ in sizes.references]
    assert diameters == sorted(diameters, reverse=True) and diameters[-1] > 6
    assert all("USD" in text for _, _, text in sizes.references)
    assert sizing.layer_sizes(_layer([None])) is None


def test_a_click_anywhere_on_a_sized_symbol_identifies_it(tmp_path):
    from influencemap.model.identify import identify
    from influencemap.model.loader import load_catalog

    (tmp_path / "l.yaml").write_text(layer_text("{size: {figure: Loan, max: 40}}"), encoding="utf-8")
    catalog = load_catalog([tmp_path], include_bundled_sources=False)
    assert not catalog.errors, [p.format() for p in catalog.errors]
    per_pixel = 0.01  # degrees: the big loan's 40 px symbol spans 0.4°, 0.2° from its centre
    args = (catalog, 71.4 + 0.15, 51.1, 3 * per_pixel, ["t"], None)
    assert identify(*args, degrees_per_pixel=per_pixel) == [("t", "big")]
    assert identify(*args) == []  # without the scale, only the tolerance counts
    # the small loan's symbol is smaller: 0.15° off it is a miss
    assert identify(catalog, 69.2 + 0.15, 41.3, 3 * per_pixel, ["t"], None, degrees_per_pixel=per_pixel) == []
