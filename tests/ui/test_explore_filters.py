"""Filters by country, tag, actor and layer category; the indicator and its one-click reset."""

from __future__ import annotations

from PySide6.QtCore import Qt

from influencemap.model.filters import FeatureFilter

ALL = {"minsk-loan", "kyiv-port", "astana-bridge", "wang-visit", "brest-rail"}


def _shown(window):
    return {f.id for f in window.catalog.features() if window.state.is_shown(f.id)}


def test_countries_are_listed_by_name(explore_window):
    panel = explore_window.filters_panel
    assert panel.values("countries")[0] == "BY"  # the most features first
    texts = [panel.lists["countries"].item(i).text() for i in range(panel.lists["countries"].count())]
    assert "Belarus (BY)  (3)" in texts and "Ukraine (UA)  (1)" in texts


def test_a_country_filter_keeps_features_located_there(explore_window):
    window = explore_window
    window.filters_panel.set_checked("countries", "BY")
    assert window.state.feature_filter.countries == {"BY"}
    assert _shown(window) == {"minsk-loan", "wang-visit", "brest-rail"}
    window.filters_panel.set_checked("countries", "UA")
    assert _shown(window) == {"minsk-loan", "wang-visit", "brest-rail", "kyiv-port"}
    assert window.filters_panel.toolbox.itemText(0) == "Countries — 2 checked"


def test_tag_actor_and_category_filters(explore_window):
    window = explore_window
    panel = window.filters_panel
    panel.set_checked("tags", "loan")
    assert _shown(window) == {"minsk-loan", "astana-bridge"}
    panel.set_checked("tags", "loan", False)
    panel.set_checked("actors", "Wang Yi")
    assert _shown(window) == {"wang-visit"}
    panel.set_checked("actors", "Wang Yi", False)
    panel.set_checked("categories", "Economy")
    assert _shown(window) == {"minsk-loan", "kyiv-port", "astana-bridge"}
    panel.set_checked("countries", "BY")  # lists combine: Economy and Belarus
    assert _shown(window) == {"minsk-loan"}


def test_the_find_box_narrows_the_lists(explore_window):
    panel = explore_window.filters_panel
    panel.find.setText("belar")
    countries = panel.lists["countries"]
    visible = [countries.item(i).data(Qt.ItemDataRole.UserRole) for i in range(countries.count()) if not countries.item(i).isHidden()]
    assert visible == ["BY"]


def test_the_indicator_shows_while_filters_are_active_and_reset_clears_everything(explore_window, qtbot):
    window = explore_window
    indicator = window.filter_indicator
    assert not indicator.isVisibleTo(window)
    window.timeline.slider.set_range(2013, 2016)
    window.timeline.include_undated.setChecked(True)
    window.filters_panel.set_checked("countries", "BY")
    window.filters_panel.set_checked("tags", "loan")
    assert indicator.isVisibleTo(window)
    assert "Countries: Belarus (BY)" in indicator.toolTip() and "Dates: 2013 – 2016" in indicator.toolTip()
    assert _shown(window) == {"minsk-loan"}

    qtbot.mouseClick(indicator.reset_button, Qt.MouseButton.LeftButton)
    assert window.state.feature_filter is None
    assert not indicator.isVisibleTo(window)
    assert _shown(window) == ALL
    slider = window.timeline.slider
    assert (slider.low, slider.high) == (2011, 2019)
    assert not window.timeline.include_undated.isChecked()
    for name in ("countries", "tags", "actors", "categories"):
        widget = window.filters_panel.lists[name]
        assert all(widget.item(i).checkState() == Qt.CheckState.Unchecked for i in range(widget.count()))
    assert window.filters_panel.toolbox.itemText(0) == "Countries"


def test_panels_follow_a_filter_set_elsewhere(explore_window):
    window = explore_window
    window.state.set_filter(FeatureFilter(date_from="2013", date_to="2016-05", tags=frozenset({"visit"})))
    slider = window.timeline.slider
    assert (slider.low, slider.high) == (2013, 2016)
    tags = window.filters_panel.lists["tags"]
    checked = [tags.item(i).data(Qt.ItemDataRole.UserRole) for i in range(tags.count())
               if tags.item(i).checkState() == Qt.CheckState.Checked]
    assert checked == ["visit"]


def test_filters_survive_a_reload(explore_window, qtbot):
    window = explore_window
    window.filters_panel.set_checked("countries", "UA")
    window.reload()
    qtbot.waitUntil(lambda: not window.loader.busy, timeout=20000)
    assert window.state.feature_filter.countries == {"UA"}
    assert _shown(window) == {"kyiv-port"}
    widget = window.filters_panel.lists["countries"]
    checked = [widget.item(i).data(Qt.ItemDataRole.UserRole) for i in range(widget.count())
               if widget.item(i).checkState() == Qt.CheckState.Checked]
    assert checked == ["UA"]
