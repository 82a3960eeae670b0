"""Filter feedback: "N of M features shown", faceted counts, the filtered histogram, one undated rule."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt

from influencemap.cli import main as cli_main
from influencemap.model.feature_rows import FeatureRows
from influencemap.model.filters import FeatureFilter


def test_the_status_bar_says_how_many_features_are_shown(explore_window):
    window = explore_window
    assert window._summary.text() == "5 features in 2 layers"
    window.filters_panel.set_checked("countries", "BY")
    assert window._summary.text() == "3 of 5 features shown"
    window.state.set_visible("visits", False)
    assert window._summary.text() == "1 of 5 features shown"
    window.state.set_visible("visits", True)
    window.filter_indicator.reset()
    assert window._summary.text() == "5 features in 2 layers"


def test_facet_counts_are_given_the_other_filters_and_zero_is_dimmed(explore_window):
    panel = explore_window.filters_panel
    assert panel.count("countries", "BY") == 3 and panel.count("countries", "UA") == 1
    panel.set_checked("tags", "loan")  # minsk-loan (BY) and astana-bridge (KZ)
    assert panel.count("countries", "BY") == 1
    assert panel.count("countries", "KZ") == 1
    assert panel.count("countries", "UA") == 0 and panel.is_dimmed("countries", "UA")
    assert "UA" in panel.values("countries")  # listed, not hidden
    assert not panel.lists["countries"].item(panel.values("countries").index("UA")).isHidden()
    # A list's own checks do not change its counts: other tags still count what they would add.
    assert panel.count("tags", "loan") == 2 and panel.count("tags", "port") == 1
    panel.set_checked("countries", "BY")
    assert panel.count("tags", "loan") == 1 and panel.count("tags", "port") == 0
    assert panel.count("tags", "rail") == 1
    # The timeline range counts as another filter too.
    explore_window.timeline.slider.set_range(2016, 2019)
    assert panel.count("tags", "rail") == 0 and panel.count("tags", "visit") == 1


def test_the_histogram_shows_the_filtered_counts(explore_window, qtbot):
    window = explore_window
    slider = window.timeline.slider
    assert slider.filtered_counts == {2011: 1, 2012: 0, 2013: 1, 2014: 0, 2015: 0, 2016: 1, 2017: 0, 2018: 0, 2019: 1}
    window.filters_panel.set_checked("countries", "UA")
    assert slider.filtered_counts == {2011: 0, 2012: 0, 2013: 0, 2014: 0, 2015: 0, 2016: 0, 2017: 0, 2018: 0, 2019: 1}
    assert slider._counts[2013] == 1  # the unfiltered outline stays
    window.filters_panel.set_checked("countries", "UA", False)
    window.state.set_visible("loans", False)
    assert slider.filtered_counts[2019] == 0 and slider.filtered_counts[2016] == 1
    slider.repaint()  # draws both (outline and bars) without error


def test_one_undated_rule_in_the_app_and_the_cli(explore_window, layers, qtbot, capsys):
    window = explore_window
    everything = {"minsk-loan", "kyiv-port", "astana-bridge", "wang-visit", "brest-rail"}

    def table_ids():
        return {f.id for f in window.feature_table.rows.features}

    def cli_ids(*args):
        assert cli_main(["list", str(layers.folder), "--json", *args]) == 0
        return {row["id"] for row in json.loads(capsys.readouterr().out)}

    # No date range: every feature shows, dated or not, whatever "Include undated" says.
    assert table_ids() == everything == cli_ids() == cli_ids("--undated")
    qtbot.mouseClick(window.timeline.include_undated, Qt.MouseButton.LeftButton)
    assert table_ids() == everything
    qtbot.mouseClick(window.timeline.include_undated, Qt.MouseButton.LeftButton)
    # A range set: undated features hide unless "Include undated" (--undated).
    window.timeline.slider.set_range(2016, 2019)
    assert table_ids() == {"kyiv-port", "wang-visit"} == cli_ids("--from", "2016")
    qtbot.mouseClick(window.timeline.include_undated, Qt.MouseButton.LeftButton)
    assert table_ids() == {"kyiv-port", "wang-visit", "astana-bridge"} == cli_ids("--from", "2016", "--undated")
    # stats and export use the same filter.
    assert cli_main(["stats", str(layers.folder), "--from", "2016"]) == 0
    totals = [line.split() for line in capsys.readouterr().out.splitlines() if line.split()[:1] == ["all"]]
    assert totals[0][-1] == "2"
    out = layers.folder.parent / "filtered.geojson"
    assert cli_main(["export", str(layers.folder), "--from", "2016", "-o", str(out)]) == 0
    exported = {f["properties"]["id"] for f in json.loads(out.read_text(encoding="utf-8"))["features"]}
    assert exported == {"kyiv-port", "wang-visit"}


def test_feature_filter_rule_is_one_rule(explore_window):
    catalog = explore_window.catalog
    ids = lambda f: {feature.id for feature in FeatureRows.shown(catalog, f).features}  # noqa: E731
    assert "astana-bridge" in ids(FeatureFilter(include_undated=False))
    assert "astana-bridge" not in ids(FeatureFilter(date_to="2015"))
    assert "astana-bridge" in ids(FeatureFilter(date_to="2015", include_undated=True))
