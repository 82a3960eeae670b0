"""The timeline: a year range hides features on the map and in search, undated toggle, play."""

from __future__ import annotations

from PySide6.QtCore import Qt

from influencemap.ui.timeline import Handle, PlayMode

MINSK = (27.56, 53.90)
KYIV = (30.52, 50.45)
ASTANA = (71.43, 51.13)


def _hit_ids(window, lonlat):
    return [feature_id for _layer, feature_id in window.canvas.features_at(window.canvas.screen_point(*lonlat))]


def test_the_slider_spans_the_features_years_with_a_histogram(explore_window):
    slider = explore_window.timeline.slider
    assert (slider.minimum, slider.maximum) == (2011, 2019)
    assert (slider.low, slider.high) == (2011, 2019)
    assert slider._counts == {2011: 1, 2012: 0, 2013: 1, 2014: 0, 2015: 0, 2016: 1, 2017: 0, 2018: 0, 2019: 1}
    assert explore_window.state.feature_filter is None
    assert explore_window.timeline.range_label.text() == "All years (2011–2019)"


def test_a_year_range_hides_features_on_the_map(explore_window, qtbot):
    window = explore_window
    assert "minsk-loan" in _hit_ids(window, MINSK)
    window.timeline.slider.set_range(2016, 2019)
    current = window.state.feature_filter
    assert (current.date_from, current.date_to) == ("2016", None)
    assert not window.state.is_shown("minsk-loan")
    assert window.state.is_shown("kyiv-port")
    assert not window.state.is_shown("astana-bridge")  # undated: hidden while a range is set
    assert _hit_ids(window, MINSK) == []
    assert _hit_ids(window, KYIV) == ["kyiv-port"]
    qtbot.waitUntil(window.canvas.is_frame_current, timeout=20000)
    assert window.timeline.range_label.text() == "2016–2019"


def test_a_span_shows_while_it_overlaps_the_range(explore_window):
    window = explore_window
    window.timeline.slider.set_range(2014, 2015)
    assert window.state.feature_filter.date_to == "2015"
    assert window.state.is_shown("brest-rail")  # 2011-2014
    assert not window.state.is_shown("minsk-loan")


def test_include_undated_keeps_undated_features(explore_window, qtbot):
    window = explore_window
    window.timeline.slider.set_range(2016, 2019)
    assert not window.state.is_shown("astana-bridge")
    qtbot.mouseClick(window.timeline.include_undated, Qt.MouseButton.LeftButton)
    assert window.state.feature_filter.include_undated
    assert window.state.is_shown("astana-bridge")
    assert _hit_ids(window, ASTANA) == ["astana-bridge"]
    assert not window.state.is_shown("minsk-loan")


def test_the_handles_move_with_the_keyboard(explore_window, qtbot):
    slider = explore_window.timeline.slider
    slider.setFocus(Qt.FocusReason.TabFocusReason)
    assert slider.active_handle is Handle.LOW
    qtbot.keyClick(slider, Qt.Key.Key_Right)
    qtbot.keyClick(slider, Qt.Key.Key_Right)
    assert (slider.low, slider.high) == (2013, 2019)
    assert slider.focusNextPrevChild(True)  # Tab: on to the end handle
    assert slider.active_handle is Handle.HIGH
    qtbot.keyClick(slider, Qt.Key.Key_PageDown)
    assert (slider.low, slider.high) == (2013, 2014)
    qtbot.keyClick(slider, Qt.Key.Key_Home)  # the end handle never passes the start
    assert (slider.low, slider.high) == (2013, 2013)
    assert explore_window.state.feature_filter.date_to == "2013"


def test_dragging_a_handle_with_the_mouse(explore_window, qtbot):
    slider = explore_window.timeline.slider
    start = slider._handle_x(Handle.LOW)
    target = slider._boundary_x(5)  # the line before 2016
    y = slider.height() // 2
    qtbot.mousePress(slider, Qt.MouseButton.LeftButton, pos=_point(start, y))
    qtbot.mouseMove(slider, _point(target, y))
    qtbot.mouseRelease(slider, Qt.MouseButton.LeftButton, pos=_point(target, y))
    assert (slider.low, slider.high) == (2016, 2019)


def _point(x, y):
    from PySide6.QtCore import QPoint

    return QPoint(round(x), y)


def test_play_cumulative_adds_a_year_per_step_and_stops_at_the_end(explore_window, qtbot):
    timeline = explore_window.timeline
    slider = timeline.slider
    timeline.set_play_mode(PlayMode.CUMULATIVE)
    timeline.play_timer.setInterval(10)
    seen = []
    slider.rangeChanged.connect(lambda low, high: seen.append((low, high)))
    timeline.play()
    assert timeline.is_playing
    qtbot.waitUntil(lambda: not timeline.is_playing, timeout=5000)
    assert seen == [(2011, year) for year in range(2011, 2020)]
    assert not timeline.play_button.isChecked()
    # The map followed each step: the last one shows everything dated.
    assert explore_window.state.is_shown("kyiv-port")


def test_play_window_slides_the_range_keeping_its_width(explore_window, qtbot):
    window = explore_window
    timeline = window.timeline
    slider = timeline.slider
    timeline.set_play_mode(PlayMode.WINDOW)
    slider.set_range(2011, 2012)
    timeline.play_timer.setInterval(10)
    seen = []
    slider.rangeChanged.connect(lambda low, high: seen.append((low, high)))
    timeline.play()
    timeline.step()  # drive it by hand once, then let the timer run
    assert seen[0] == (2012, 2013)
    assert window.state.is_shown("minsk-loan") and not window.state.is_shown("kyiv-port")
    qtbot.waitUntil(lambda: not timeline.is_playing, timeout=5000)
    assert seen[-1] == (2018, 2019)
    assert all(high - low == 1 for low, high in seen)


def test_playing_from_the_end_starts_over(explore_window):
    timeline = explore_window.timeline
    timeline.set_play_mode(PlayMode.WINDOW)
    timeline.play()
    assert (timeline.slider.low, timeline.slider.high) == (2011, 2011)
    timeline.stop()
    assert not timeline.is_playing
