"""The feature table: rows are what the map shows, sorted as dates and numbers, in sync with the map."""

from __future__ import annotations

import csv
import json

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QTableView

from influencemap.model.feature_rows import COLUMN_INDEX
from influencemap.model.filters import FeatureFilter
from tests.ui.conftest import KYIV


def _table(window) -> QTableView:
    table = window.findChild(QTableView, "featureTable")
    assert table is window.feature_table.view
    return table


def _column(table: QTableView, key: str) -> list[str]:
    model, column = table.model(), COLUMN_INDEX[key]
    return [model.index(row, column).data() for row in range(model.rowCount())]


def _sort_by_header(qtbot, table: QTableView, key: str) -> None:
    header = table.horizontalHeader()
    x = header.sectionViewportPosition(COLUMN_INDEX[key]) + header.sectionSize(COLUMN_INDEX[key]) // 2
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, header.height() // 2))


def test_at_start_the_table_has_one_row_per_loaded_feature(explore_window):
    window = explore_window
    table = _table(window)
    assert window.findChild(object, "featureTableDock") is window.feature_table_dock
    assert table.model().rowCount() == window.catalog.feature_count == 5
    assert set(_column(table, "name")) == {f.name for f in window.catalog.features()}
    row = _column(table, "name").index("Credit line for Belarus")
    cells = {key: table.model().index(row, COLUMN_INDEX[key]).data() for key in COLUMN_INDEX}
    assert cells["layer"] == "Loans" and cells["date"] == "May 2013" and cells["countries"] == "BY"
    assert cells["actors"] == "China Development Bank" and cells["tags"] == "loan"
    assert cells["figures"] == "Loan: 1,000,000,000 USD" and cells["sources"] == "1" and cells["dating"] == "stated"


def test_sorting_by_date_sorts_dates_as_dates_and_undated_last(explore_window, qtbot):
    table = _table(explore_window)
    window = explore_window
    window.show_feature_table()
    _sort_by_header(qtbot, table, "date")
    assert _column(table, "name") == [
        "Railway to Brest", "Credit line for Belarus", "Wang Yi in Vilnius", "Port deal in Kyiv", "Bridge in Astana",
    ]
    _sort_by_header(qtbot, table, "date")  # a second click: descending, undated still last
    assert _column(table, "name") == [
        "Port deal in Kyiv", "Wang Yi in Vilnius", "Credit line for Belarus", "Railway to Brest", "Bridge in Astana",
    ]


def test_sorting_by_figure_sorts_numbers_as_numbers(explore_window, qtbot):
    table = _table(explore_window)
    explore_window.show_feature_table()
    _sort_by_header(qtbot, table, "figures")
    # 5.0e8 before 1.0e9 (as text, "1000000000" would come first); no figure last.
    assert _column(table, "name")[:2] == ["Port deal in Kyiv", "Credit line for Belarus"]


def test_selecting_a_row_selects_on_the_map_and_back(explore_window, qtbot):
    window = explore_window
    table = _table(window)
    window.show_feature_table()
    row = _column(table, "name").index("Port deal in Kyiv")
    rect = table.visualRect(table.model().index(row, 0))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.state.selected_id == "kyiv-port"
    assert "Port deal in Kyiv" in window.details_text()

    # Map → table: a click on the map selects the row.
    window.canvas.zoom_all()
    qtbot.mouseClick(window.canvas, Qt.MouseButton.LeftButton, pos=window.canvas.screen_point(71.43, 51.13))
    assert window.state.selected_id == "astana-bridge"
    selected = [index.row() for index in table.selectionModel().selectedRows()]
    assert [_column(table, "name")[r] for r in selected] == ["Bridge in Astana"]
    assert window.select_feature("wang-visit")
    selected = [index.row() for index in table.selectionModel().selectedRows()]
    assert [_column(table, "name")[r] for r in selected] == ["Wang Yi in Vilnius"]

    # Double-click zooms to the feature.
    window.canvas.zoom_by(0.05)
    resolution = window.canvas.view.resolution
    row = _column(table, "name").index("Port deal in Kyiv")
    rect = table.visualRect(table.model().index(row, 0))
    qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.state.selected_id == "kyiv-port"
    assert window.canvas.view.resolution < resolution
    centre = window.canvas.rect().center()
    assert (window.canvas.screen_point(*KYIV) - centre).manhattanLength() <= 3


def test_filters_and_hidden_layers_decide_the_rows(explore_window, qtbot):
    window = explore_window
    table = _table(window)
    window.filters_panel.set_checked("countries", "BY")
    assert sorted(_column(table, "name")) == ["Credit line for Belarus", "Railway to Brest", "Wang Yi in Vilnius"]
    window.state.set_visible("visits", False)
    assert _column(table, "name") == ["Credit line for Belarus"]
    window.state.set_visible("visits", True)
    window.timeline.slider.set_range(2015, 2019)
    assert _column(table, "name") == ["Wang Yi in Vilnius"]
    window.filter_indicator.reset()
    assert table.model().rowCount() == 5
    # The table's own filter box.
    window.feature_table.find.setText("kyiv")
    qtbot.waitUntil(lambda: table.model().rowCount() == 1, timeout=3000)
    assert _column(table, "name") == ["Port deal in Kyiv"]
    assert window.feature_table.count_label.text() == "1 of 5 rows"


def test_copy_and_save_write_exactly_the_rows_shown(explore_window, qtbot, tmp_path):
    window = explore_window
    table = _table(window)
    window.show_feature_table()
    window.state.set_filter(FeatureFilter(countries=frozenset({"BY"})))
    _sort_by_header(qtbot, table, "date")
    table.selectAll()
    qtbot.keyClick(table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    copied = QGuiApplication.clipboard().text().splitlines()
    assert [line.split("\t")[0] for line in copied] == ["Railway to Brest", "Credit line for Belarus", "Wang Yi in Vilnius"]

    out = tmp_path / "rows.csv"
    window.feature_table.save_csv(out)
    with out.open(encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0][:3] == ["Name", "Layer", "Date"]
    assert [r[0] for r in rows[1:]] == ["Railway to Brest", "Credit line for Belarus", "Wang Yi in Vilnius"]

    geo = tmp_path / "rows.geojson"
    window.feature_table.save_geojson(geo)
    ids = {f["properties"]["id"] for f in json.loads(geo.read_text(encoding="utf-8"))["features"]}
    assert ids == {"brest-rail", "minsk-loan", "wang-visit"}
