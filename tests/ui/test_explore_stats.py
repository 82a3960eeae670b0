"""The statistics panel follows the filters; Copy and Save CSV; the app's exports use the filter."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QImage, QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel

from influencemap.model.filters import FeatureFilter

MINSK = (27.56, 53.90)
KYIV = (30.52, 50.45)


def _row(panel, table, group, unit, label=""):
    return next((r.value for r in panel.rows if (r.table, r.group, r.label, r.unit) == (table, group, label, unit)), None)


def test_the_panel_counts_per_layer_and_country_and_sums_figures(explore_window):
    panel = explore_window.stats_panel
    assert _row(panel, "features per layer", "Loans", "features") == 3
    assert _row(panel, "features per layer", "all", "features") == 5
    assert _row(panel, "features per country", "BY", "features") == 3
    assert _row(panel, "figures per country", "all", "USD", "Loan") == 1.5e9
    tables = [panel.tree.topLevelItem(i).text(0) for i in range(panel.tree.topLevelItemCount())]
    assert tables[:2] == ["Features per layer", "Features per country"]
    countries = panel.tree.topLevelItem(1)
    assert any(countries.child(i).text(0) == "Belarus (BY)" for i in range(countries.childCount()))
    assert panel.summary.text() == "5 features shown"


def test_the_panel_follows_filters_and_hidden_layers(explore_window, qtbot):
    window = explore_window
    panel = window.stats_panel
    window.filters_panel.set_checked("countries", "UA")
    qtbot.waitUntil(lambda: _row(panel, "features per layer", "all", "features") == 1)
    assert _row(panel, "figures per country", "UA", "USD", "Loan") == 5e8
    assert _row(panel, "features per country", "BY", "features") is None
    assert panel.summary.text() == "1 feature shown (filtered)"
    window.state.set_filter(None)
    window.state.set_visible("loans", False)
    qtbot.waitUntil(lambda: _row(panel, "features per layer", "all", "features") == 2)
    assert _row(panel, "features per layer", "Loans", "features") is None


def test_save_csv_writes_the_rows_shown(explore_window, qtbot, tmp_path, monkeypatch):
    window = explore_window
    window.timeline.slider.set_range(2013, 2016)
    qtbot.waitUntil(lambda: _row(window.stats_panel, "features per layer", "all", "features") == 3)
    out = tmp_path / "stats.csv"
    monkeypatch.setattr(
        "influencemap.ui.stats_panel.QFileDialog.getSaveFileName", lambda *args, **kwargs: (str(out), "CSV (*.csv)")
    )
    window.stats_panel.save_button.click()
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "table,group,label,unit,value"
    assert "features per layer,Loans,,features,1" in lines
    assert "features per layer,Visits,,features,2" in lines
    assert "features per layer,all,,features,3" in lines
    assert "figures per country,BY,Loan,USD,1000000000" in lines
    assert not any(",UA," in line for line in lines)


def test_copy_puts_the_text_report_on_the_clipboard(explore_window):
    explore_window.stats_panel.copy_button.click()
    text = QApplication.clipboard().text()
    assert text.startswith("Features per layer\n")
    assert "Loans" in text and "1,500,000,000 USD" in text


def test_image_export_draws_only_what_the_filter_shows(explore_window, tmp_path):
    window = explore_window
    window.state.set_filter(FeatureFilter(countries=frozenset({"UA"})))
    out = tmp_path / "view.png"
    window.export_image(out)
    image = QImage(str(out))
    kyiv = window.canvas.screen_point(*KYIV)
    minsk = window.canvas.screen_point(*MINSK)
    assert image.pixelColor(kyiv.x(), kyiv.y()).blue() > 200
    color = image.pixelColor(minsk.x(), minsk.y())
    assert not (color.blue() > 200 and color.red() < 60)  # the Minsk loan is filtered out


def test_html_export_writes_only_what_the_map_shows(explore_window, tmp_path, monkeypatch):
    window = explore_window
    assert window.export_html_action.isEnabled()
    window.timeline.slider.set_range(2016, 2019)
    window.state.set_visible("visits", False)
    out = tmp_path / "map.html"
    monkeypatch.setattr(
        "influencemap.ui.main_window.QFileDialog.getSaveFileName", lambda *args, **kwargs: (str(out), "HTML (*.html)")
    )
    window.export_html_action.trigger()
    text = out.read_text(encoding="utf-8")
    assert "kyiv-port" in text
    for hidden in ("minsk-loan", "astana-bridge", "wang-visit", "brest-rail"):
        assert hidden not in text, hidden
    assert [layer.id for layer in window.visible_catalog().layers] == ["loans"]
    assert [f.id for f in window.visible_catalog().features()] == ["kyiv-port"]


def _current_tab_of(window, title):
    from PySide6.QtWidgets import QTabBar

    for bar in window.findChildren(QTabBar):
        titles = [bar.tabText(i) for i in range(bar.count())]
        if title in titles:
            return bar.tabText(bar.currentIndex())
    return None


def test_selecting_a_feature_brings_the_details_tab_forward(explore_window, qtbot):
    window = explore_window
    window.stats_dock.raise_()
    qtbot.waitUntil(lambda: _current_tab_of(window, "Details") == "Statistics")
    window.select_feature(next(window.state.catalog.features()).id)
    qtbot.waitUntil(lambda: _current_tab_of(window, "Details") == "Details")


def test_html_export_offers_to_open_the_result_in_the_browser(explore_window, tmp_path, monkeypatch, qtbot):
    window = explore_window
    out = tmp_path / "map.html"
    monkeypatch.setattr(
        "influencemap.ui.main_window.QFileDialog.getSaveFileName", lambda *args, **kwargs: (str(out), "HTML (*.html)")
    )
    opened = []
    monkeypatch.setattr("influencemap.ui.main_window.QDesktopServices.openUrl", lambda url: opened.append(url))
    window.export_html_action.trigger()
    box = window.export_done_box
    qtbot.waitUntil(box.isVisible)
    assert str(out) in box.text()
    open_button = next(b for b in box.buttons() if b.text() == "Open in Browser")
    open_button.click()
    qtbot.waitUntil(lambda: bool(opened))
    assert opened[0].toLocalFile() == str(out)


def test_a_hidden_panel_counts_only_once_it_is_shown(explore_window, qtbot, monkeypatch):
    import influencemap.ui.stats_panel as stats_panel

    window = explore_window
    panel = window.stats_panel
    window.details_dock.raise_()  # Statistics shares its tab: now hidden behind Details
    qtbot.waitUntil(lambda: not panel._shown)
    calls = []
    real = stats_panel.statistics
    monkeypatch.setattr(stats_panel, "statistics", lambda catalog: calls.append(1) or real(catalog))
    for code, checked in (("UA", True), ("BY", True), ("BY", False)):
        window.filters_panel.set_checked("countries", code, checked)
        QApplication.processEvents()
    assert calls == []  # nothing counted for a panel nobody sees
    window.stats_dock.raise_()
    qtbot.waitUntil(lambda: len(calls) == 1)
    assert _row(panel, "features per layer", "all", "features") == 1  # the last filter: UA
    assert panel.summary.text() == "1 feature shown (filtered)"
    assert len(calls) == 1


def test_the_rule_is_stated_under_the_tree(explore_window):
    note = explore_window.stats_panel.findChild(QLabel, "statsRule")
    assert note is not None and note.isVisibleTo(explore_window.stats_panel)
    assert "label and unit match" in note.text() and "never summed" in note.text()


def test_a_total_opens_to_its_features_and_a_click_selects_one(explore_window, qtbot):
    window = explore_window
    window.stats_dock.raise_()
    panel = window.stats_panel
    total = next(r for r in panel.rows if (r.table, r.group, r.label) == ("figures per country", "all", "Loan"))
    item = panel.row_item(total)
    assert (item.parent().text(0), item.text(0), item.text(1)) == ("All", "Loan", "1,500,000,000 USD")
    assert item.parent().parent().text(0) == "Figures per country"
    panel.tree.scrollToItem(item)
    item.setExpanded(True)
    children = [(item.child(i).text(0), item.child(i).text(1)) for i in range(item.childCount())]
    assert children == [("Credit line for Belarus", "1,000,000,000 USD"), ("Port deal in Kyiv", "500,000,000 USD")]
    kyiv = item.child(1)
    panel.tree.scrollToItem(kyiv)
    rect = panel.tree.visualItemRect(kyiv)
    QTest.mouseClick(panel.tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: window.state.selected_id == "kyiv-port")


def test_html_export_asks_for_the_title_and_notes_and_remembers_them(
    explore_window, tmp_path, monkeypatch, html_options_answered
):
    window = explore_window
    out = tmp_path / "map.html"
    monkeypatch.setattr(
        "influencemap.ui.main_window.QFileDialog.getSaveFileName", lambda *args, **kwargs: (str(out), "HTML (*.html)")
    )
    monkeypatch.setattr("influencemap.ui.main_window.MainWindow._offer_to_open", lambda self, out: None)
    html_options_answered.update(title="Loans to Belarus", subtitle="2009-2020", notes="Placed at capitals.", sources_list=False)
    window.export_html_action.trigger()
    text = out.read_text(encoding="utf-8")
    assert "<title>Loans to Belarus</title>" in text
    assert "2009-2020" in text and "Placed at capitals." in text
    # Asked again, the dialog holds what was typed last time.
    from influencemap.ui.html_options_dialog import HtmlOptionsDialog

    again = HtmlOptionsDialog(window._settings, window)
    assert again.texts().title == "Loans to Belarus" and again.texts().notes == "Placed at capitals."
    assert again.texts().sources_list is False


def test_html_export_starts_at_the_title_as_file_name_and_adds_the_suffix(
    explore_window, tmp_path, monkeypatch, html_options_answered
):
    window = explore_window
    window.remember_folder(tmp_path)
    asked = []

    def save_as(parent, caption, start, filters):
        asked.append(start)
        return str(tmp_path / "loans-for-print"), "HTML (*.html)"

    monkeypatch.setattr("influencemap.ui.main_window.QFileDialog.getSaveFileName", save_as)
    monkeypatch.setattr("influencemap.ui.main_window.MainWindow._offer_to_open", lambda self, out: None)
    html_options_answered.update(title="Loans to Belarus, 2009–2020")
    window.export_html_action.trigger()
    assert asked == [str(tmp_path / "loans-to-belarus-2009-2020.html")]
    assert "<title>Loans to Belarus, 2009–2020</title>" in (tmp_path / "loans-for-print.html").read_text(encoding="utf-8")
    assert not (tmp_path / "loans-for-print").exists()


def test_html_export_has_a_shortcut_of_its_own(explore_window):
    window = explore_window
    key = window.export_html_action.shortcut()
    assert key == QKeySequence("Ctrl+Shift+H")
    others = [a for a in window.findChildren(QAction) if a is not window.export_html_action]
    assert all(key not in a.shortcuts() for a in others)


@pytest.mark.parametrize("replace", [False, True])
def test_html_export_asks_before_replacing_the_file_its_added_suffix_names(
    explore_window, tmp_path, monkeypatch, html_options_answered, replace
):
    from PySide6.QtWidgets import QMessageBox

    window = explore_window
    existing = tmp_path / "loans.html"
    existing.write_text("theirs", encoding="utf-8")
    asked = []
    monkeypatch.setattr(
        "influencemap.ui.main_window.QFileDialog.getSaveFileName", lambda *a, **k: (str(tmp_path / "loans"), "HTML (*.html)")
    )
    monkeypatch.setattr("influencemap.ui.main_window.MainWindow._offer_to_open", lambda self, out: None)
    answer = QMessageBox.StandardButton.Yes if replace else QMessageBox.StandardButton.No
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or answer)
    window.export_html_action.trigger()
    assert len(asked) == 1 and "loans.html" in asked[0]
    text = existing.read_text(encoding="utf-8")
    assert ("<html" in text.lower()) if replace else text == "theirs"
    assert not (tmp_path / "loans").exists()
