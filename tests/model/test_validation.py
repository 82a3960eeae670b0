"""One test per validation rule: each checks the message and the FILE:LINE:COL it points at."""

from __future__ import annotations

import time

GOOD_FEATURE = """\
  - id: minsk-point
    name: A point in Minsk
    point: [27.56, 53.90]
    countries: [BY]
    sources: [doc-a]
"""


def layer(features: str = GOOD_FEATURE, head: str = "id: test\nname: Test\n") -> str:
    return head + "features:\n" + features


def only_problem(files, name="l.yaml"):
    problems = files.problems()
    assert len(problems) == 1, problems
    return problems[0]


def test_a_valid_layer_loads_with_no_problems(files):
    files.write("l.yaml", layer())
    catalog = files.load()
    assert catalog.problems == ()
    feature = catalog.feature("minsk-point")
    assert (feature.geometry.x, feature.geometry.y) == (27.56, 53.90)
    assert feature.origin.line == 4 and feature.origin.path.endswith("l.yaml")


# -- YAML and file level -------------------------------------------------------------------


def test_yaml_syntax_error_points_at_the_line(files):
    files.write("l.yaml", "id: test\nname: Test\nfeatures: [\n  - id: x\n")
    problem = only_problem(files)
    assert problem.startswith("l.yaml:4:")
    assert "error: YAML syntax error" in problem


def test_top_level_that_is_not_a_mapping_is_rejected(files):
    files.write("l.yaml", "- id: test\n- name: Test\n")
    assert only_problem(files) == (
        "l.yaml:1:1: error: the top level must be a mapping: a layer (id, name, features) "
        "or a registry file (only 'sources:' and/or 'actors:')"
    )


def test_file_that_is_not_utf8_is_rejected_at_the_bad_byte(files):
    (files.folder / "l.yaml").write_bytes(b"id: test\nname: Caf\xe9\nfeatures: []\n")
    assert only_problem(files).startswith("l.yaml:2:10: error: file is not UTF-8 text (byte 0xe9)")


def test_duplicate_key_in_a_mapping_is_rejected(files):
    files.write("l.yaml", "id: test\nname: Test\nname: Again\nfeatures: []\n")
    assert only_problem(files) == "l.yaml:3:1: error: duplicate key 'name' (first defined on line 2)"


def test_empty_file_is_an_error(files):
    files.write("l.yaml", "# nothing here\n")
    assert "l.yaml:1:1: error: empty file" in only_problem(files)


def test_alias_bomb_is_rejected_quickly(files):
    rows = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi"):
        rows.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    files.write("l.yaml", "\n".join(rows) + "\n")
    started = time.perf_counter()
    problem = only_problem(files)
    assert time.perf_counter() - started < 5
    assert "alias bomb" in problem and problem.startswith("l.yaml:")


def test_deep_nesting_is_rejected(files):
    files.write("l.yaml", "id: test\nname: Test\nfeatures: " + "[" * 100 + "]" * 100 + "\n")
    problem = only_problem(files)
    assert problem.startswith("l.yaml:3:") and "nesting deeper than 64 levels" in problem


def test_very_deep_nesting_is_rejected_without_crashing(files):
    files.write("l.yaml", "id: test\nname: Test\nfeatures: " + "[" * 100_000 + "]" * 100_000 + "\n")
    problem = only_problem(files)
    # Our composer's limit, or (PyYAML >= 6.0.4, whose libyaml scans ahead) the parser's own.
    assert problem.startswith("l.yaml:3:") and (
        "nesting deeper than 64 levels" in problem or "exceeded maximum nesting depth" in problem
    )


def test_one_bad_file_does_not_stop_the_others(files):
    files.write("a.yaml", "id: broken\nname: [\n")
    files.write("b.yaml", layer())
    catalog = files.load()
    assert [layer.id for layer in catalog.layers] == ["test"]
    assert len(catalog.errors) == 1 and catalog.errors[0].origin.path.endswith("a.yaml")


# -- keys ----------------------------------------------------------------------------------


def test_missing_required_layer_key_is_reported(files):
    files.write("l.yaml", "id: test\nfeatures: []\n")
    assert only_problem(files) == "l.yaml:1:1: error: a layer is missing the required key 'name'"


def test_missing_feature_name_is_reported_at_the_feature(files):
    files.write("l.yaml", layer("  - id: x\n    point: [27.5, 53.9]\n    sources: [doc-a]\n"))
    assert only_problem(files) == "l.yaml:4:5: error: a feature is missing the required key 'name'"


def test_unknown_key_suggests_the_right_one(files):
    files.write("l.yaml", layer("  - id: x\n    name: X\n    pont: [27.5, 53.9]\n    sources: [doc-a]\n"))
    problems = files.problems()
    assert "l.yaml:6:5: error: unknown key 'pont' in a feature; did you mean 'point'?" in problems


def test_user_keys_starting_with_x_are_kept(files):
    files.write("l.yaml", layer(GOOD_FEATURE + "    x-note: checked twice\n    x-count: 3\n"))
    catalog = files.load()
    assert catalog.problems == ()
    assert dict(catalog.feature("minsk-point").extra) == {"x-note": "checked twice", "x-count": 3}


def test_wrong_type_is_reported(files):
    files.write("l.yaml", layer(GOOD_FEATURE.replace("countries: [BY]", "countries: BY")))
    assert only_problem(files) == "l.yaml:7:16: error: countries must be a list, not a single value"


def test_invalid_feature_id_is_reported_with_a_suggestion(files):
    files.write("l.yaml", layer(GOOD_FEATURE.replace("id: minsk-point", "id: Minsk Point")))
    assert only_problem(files) == (
        "l.yaml:4:9: error: invalid feature id 'Minsk Point': use lowercase letters, digits "
        "and hyphens (e.g. 'minsk-point')"
    )


def test_invalid_layer_id_drops_the_layer(files):
    files.write("l.yaml", layer(head="id: My_Layer\nname: Test\n"))
    catalog = files.load()
    assert catalog.layers == ()
    assert "l.yaml:1:5: error: invalid layer id 'My_Layer'" in catalog.problems[0].format()


# -- ids and references --------------------------------------------------------------------


def test_duplicate_layer_id_across_files(files):
    files.write("a.yaml", layer())
    files.write("b.yaml", layer(GOOD_FEATURE.replace("minsk-point", "other")))
    problem = only_problem(files)
    assert problem.startswith("b.yaml:1:5: error: duplicate layer id 'test' (first defined at ")
    assert "a.yaml:1:1" in problem


def test_duplicate_feature_id_across_files(files):
    files.write("a.yaml", layer())
    files.write("b.yaml", layer(head="id: second\nname: Second\n"))
    problem = only_problem(files)
    assert problem.startswith("b.yaml:4:5: error: duplicate feature id 'minsk-point'")


def test_duplicate_source_id_across_files(files):
    files.write("l.yaml", layer(head="id: test\nname: Test\nsources:\n  - {id: doc-a, title: Again}\n"))
    problem = only_problem(files)
    assert problem.startswith("l.yaml:4:5: error: duplicate source id 'doc-a' (first defined at ")


def test_undefined_source_is_reported_with_a_suggestion(files):
    files.write("l.yaml", layer(GOOD_FEATURE.replace("sources: [doc-a]", "sources: [doc-b]")))
    assert only_problem(files) == "l.yaml:8:15: error: undefined source 'doc-b'; did you mean 'doc-a'?"


def test_feature_with_no_sources_is_rejected(files):
    files.write("l.yaml", layer(GOOD_FEATURE.replace("    sources: [doc-a]\n", "")))
    assert only_problem(files) == (
        "l.yaml:4:5: error: feature has no sources: add 'sources: [source-id]' (or layer defaults)"
    )


def test_layer_defaults_supply_sources_and_countries(files):
    text = layer(
        "  - id: x\n    name: X\n    point: [27.5, 53.9]\n",
        head="id: test\nname: Test\ndefaults: {sources: [doc-a], countries: [BY]}\n",
    )
    files.write("l.yaml", text)
    catalog = files.load()
    assert catalog.problems == ()
    feature = catalog.feature("x")
    assert feature.countries == ("BY",) and feature.citations[0].ref == "doc-a"


def test_a_bad_default_is_reported_once(files):
    text = layer(
        "  - {id: x, name: X, point: [27.5, 53.9]}\n  - {id: y, name: Y, point: [27.6, 53.9]}\n",
        head="id: test\nname: Test\ndefaults: {sources: [doc-zzz], countries: [BY]}\n",
    )
    files.write("l.yaml", text)
    assert only_problem(files).startswith("l.yaml:3:22: error: undefined source 'doc-zzz'")


# -- geometry ------------------------------------------------------------------------------


def test_no_geometry_is_rejected(files):
    files.write("l.yaml", layer("  - id: x\n    name: X\n    sources: [doc-a]\n"))
    assert only_problem(files) == (
        "l.yaml:4:5: error: feature has no geometry: add one of 'point', 'line' or 'polygon' (or 'multipoint', 'multiline', 'multipolygon')"
    )


def test_several_geometries_are_rejected(files):
    files.write("l.yaml", layer(GOOD_FEATURE + "    line: [[27, 53], [28, 54]]\n"))
    assert only_problem(files) == (
        "l.yaml:9:11: error: feature has several geometries (point, line); keep exactly one"
    )


def test_longitude_out_of_range(files):
    files.write("l.yaml", layer(GOOD_FEATURE.replace("[27.56, 53.90]", "[190, 53.9]")))
    assert only_problem(files) == "l.yaml:6:13: error: longitude 190 is out of range (-180 to 180)"


def test_latitude_out_of_range_suggests_swapping(files):
    files.write("l.yaml", layer(GOOD_FEATURE.replace("[27.56, 53.90]", "[53.9, 127.5]")))
    assert only_problem(files) == (
        "l.yaml:6:19: error: latitude 127.5 is out of range (-90 to 90) — are longitude and "
        "latitude swapped? Write [lon, lat]"
    )


def test_coordinates_that_are_not_finite(files):
    files.write("l.yaml", layer(GOOD_FEATURE.replace("[27.56, 53.90]", "[nan, 53.9]")))
    assert only_problem(files) == "l.yaml:6:13: error: longitude must be a finite number, not 'nan'"


def test_point_as_lon_lat_mapping(files):
    files.write("l.yaml", layer(GOOD_FEATURE.replace("[27.56, 53.90]", "{lon: 27.56, lat: 53.9}")))
    catalog = files.load()
    assert catalog.problems == ()
    assert catalog.feature("minsk-point").geometry.coords[0] == (27.56, 53.9)


def test_line_needs_two_distinct_positions(files):
    feature = "  - id: x\n    name: X\n    line: [[27, 53], [27, 53]]\n    sources: [doc-a]\n"
    files.write("l.yaml", layer(feature))
    assert only_problem(files) == (
        "l.yaml:6:11: error: a line needs at least 2 distinct positions, found 1"
    )


def test_polygon_needs_three_distinct_positions(files):
    feature = "  - id: x\n    name: X\n    polygon: [[27, 53], [28, 53], [27, 53]]\n    sources: [doc-a]\n"
    files.write("l.yaml", layer(feature))
    assert only_problem(files) == (
        "l.yaml:6:14: error: a polygon needs at least 3 distinct positions, found 2"
    )


def test_polygon_closing_vertex_is_optional(files):
    open_ring = "[[27, 53], [28, 53], [28, 54]]"
    closed_ring = "[[27, 53], [28, 53], [28, 54], [27, 53]]"
    files.write("a.yaml", layer(f"  - id: a\n    name: A\n    polygon: {open_ring}\n    sources: [doc-a]\n"))
    files.write(
        "b.yaml",
        layer(f"  - id: b\n    name: B\n    polygon: {closed_ring}\n    sources: [doc-a]\n", head="id: b\nname: B\n"),
    )
    catalog = files.load()
    assert catalog.problems == ()
    assert catalog.feature("a").geometry.equals(catalog.feature("b").geometry)


def test_self_intersecting_polygon_is_rejected(files):
    bowtie = "[[27, 53], [28, 54], [28, 53], [27, 54]]"
    files.write("l.yaml", layer(f"  - id: x\n    name: X\n    polygon: {bowtie}\n    sources: [doc-a]\n"))
    problem = only_problem(files)
    assert problem.startswith("l.yaml:6:14: error: polygon intersects itself (near 27.5, 53.5)")


# -- values --------------------------------------------------------------------------------


def test_invalid_date_is_rejected(files):
    files.write("l.yaml", layer(GOOD_FEATURE + "    date: 2019-02-30\n"))
    assert only_problem(files) == (
        "l.yaml:9:11: error: date: invalid date '2019-02-30': day 30 is not in 1-28"
    )


def test_end_before_start_is_rejected(files):
    files.write("l.yaml", layer(GOOD_FEATURE + "    start: 2020-05\n    end: 2019\n"))
    assert only_problem(files) == "l.yaml:10:10: error: end 2019 is before start 2020-05"


def test_yaml_11_surprises_are_read_by_what_the_key_expects(files):
    feature = GOOD_FEATURE.replace("countries: [BY]", "countries: [NO]").replace(
        "[27.56, 53.90]", "[10.75, 59.91]"
    )
    feature += "    date: 2013-05-20\n    figures: [{label: Loan, value: 1.18e9, unit: USD}]\n"
    files.write("l.yaml", layer(feature))
    catalog = files.load()
    assert catalog.problems == ()
    f = catalog.feature("minsk-point")
    assert f.countries == ("NO",)
    assert (f.start, f.end, f.instant) == ("2013-05-20", "2013-05-20", True)
    assert f.figures[0].value == 1.18e9


def test_year_only_date_and_ongoing_span(files):
    files.write("l.yaml", layer(GOOD_FEATURE + "    start: 2021\n"))
    f = files.load().feature("minsk-point")
    assert (f.start, f.end, f.ongoing) == ("2021", None, True)


def test_non_http_source_url_is_rejected(files):
    files.write(
        "l.yaml",
        layer(head="id: test\nname: Test\nsources:\n  - {id: doc-b, title: B, url: 'javascript:alert(1)'}\n"),
    )
    assert only_problem(files) == (
        "l.yaml:4:32: error: source url must be an http:// or https:// address, not 'javascript:alert(1)'"
    )


def test_unknown_country_code_is_rejected(files):
    files.write("l.yaml", layer(GOOD_FEATURE.replace("[BY]", "[ZZ]")))
    assert only_problem(files).startswith("l.yaml:7:17: error: unknown country code 'ZZ'")


def test_bad_marker_suggests_a_valid_one(files):
    files.write("l.yaml", layer(head="id: test\nname: Test\nstyle: {marker: sqare}\n"))
    assert only_problem(files) == (
        "l.yaml:3:17: error: style marker must be one of circle, square, triangle, diamond, star, "
        "not 'sqare'; did you mean 'square'?"
    )


# -- places and countries ------------------------------------------------------------------


def test_place_name_resolves_through_the_gazetteer(files):
    files.write("l.yaml", layer(GOOD_FEATURE.replace("[27.56, 53.90]", "Minsk")))
    catalog = files.load()
    assert catalog.problems == ()
    point = catalog.feature("minsk-point").geometry
    assert abs(point.x - 27.57) < 0.05 and abs(point.y - 53.90) < 0.05


def test_unknown_place_name_suggests_close_matches(files):
    files.write("l.yaml", layer(GOOD_FEATURE.replace("[27.56, 53.90]", "Minks")))
    assert only_problem(files).startswith(
        "l.yaml:6:12: error: unknown place name 'Minks'; did you mean 'Minsk, BY'"
    )


def test_ambiguous_place_is_settled_by_the_feature_countries(files):
    feature = GOOD_FEATURE.replace("[27.56, 53.90]", "Brest").replace("[BY]", "[FR]")
    files.write("l.yaml", layer(feature))
    catalog = files.load()
    assert catalog.problems == ()
    assert catalog.feature("minsk-point").geometry.x < 0  # Brest in Brittany


def test_ambiguous_place_without_countries_warns_which_was_chosen(files):
    feature = "  - id: x\n    name: X\n    point: Brest\n    sources: [doc-a]\n"
    files.write("l.yaml", layer(feature))
    problem = only_problem(files)
    assert problem.startswith("l.yaml:6:12: warning: place name 'Brest' is ambiguous; chose Brest, BY")


def test_point_outside_its_countries_warns_and_notices_swapped_coordinates(files):
    files.write("l.yaml", layer(GOOD_FEATURE.replace("[27.56, 53.90]", "[53.90, 27.56]")))
    problem = only_problem(files)
    assert problem.startswith("l.yaml:6:12: warning: point (53.9, 27.56) is outside its countries BY")
    assert "swapping longitude and latitude, [27.56, 53.9], would put it inside" in problem
