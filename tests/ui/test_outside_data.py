"""``influencemap --allow-outside-data`` for the app (issue 18, item 2): a bulk layer's ``data:``
file outside its folder is refused by default — the problem listed, the rest of the map shown —
and read when the user who trusts the bundle passes the flag, for every load of the window."""

from __future__ import annotations

from tests.ui.conftest import MINSK

LOAD_MS = 30000
ROWS = "id,name,lon,lat\nr-1,Row one,27.5,53.9\n"


def _bundle(layers, tmp_path):
    layers.point_layer("econ", [("minsk-plant", "Plant in Minsk", MINSK)], "#0000ff")
    rows = tmp_path / "rows.csv"  # beside the layers folder, not in it
    rows.write_text(ROWS, encoding="utf-8")
    bulk = layers.write(
        "bulk.yaml",
        "id: bulk\nname: Bulk\ndata: ../rows.csv\ndefaults: {sources: [uitest-doc-a]}\n",
    )
    return bulk, rows


def test_outside_data_is_refused_by_default_and_the_rest_of_the_map_shown(layers, tmp_path, open_window):
    bulk, _ = _bundle(layers, tmp_path)
    window = open_window([layers.folder])
    assert window.catalog.find_feature("minsk-plant") is not None
    assert window.catalog.find_feature("r-1") is None
    (line,) = [line for line in window.problems_panel.lines() if line.startswith(f"{bulk}:")]
    assert line.startswith(f"{bulk}:3:7: error: data file '../rows.csv' is outside the layer's folder")
    assert "--allow-outside-data" in line


def test_with_the_flag_the_outside_data_loads_and_reloads(layers, tmp_path, qtbot, settings_file):
    from influencemap.ui import MainWindow

    bulk, rows = _bundle(layers, tmp_path)
    window = MainWindow([str(layers.folder)], settings=settings_file, load_in_background=True, allow_outside_data=True)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.catalog.find_feature("r-1") is not None, timeout=LOAD_MS)
    assert window.catalog.find_feature("minsk-plant") is not None
    assert not [line for line in window.problems_panel.lines() if line.startswith(f"{bulk}:")]
    # a reload (File > Reload, or a file changed on disk) keeps the user's choice
    rows.write_text(ROWS + "r-2,Row two,27.6,53.8\n", encoding="utf-8")
    window.reload()
    qtbot.waitUntil(lambda: window.catalog.find_feature("r-2") is not None, timeout=LOAD_MS)
    assert window.catalog.find_feature("r-1").name == "Row one"


def test_the_command_line_hands_the_flag_to_the_app(layers, monkeypatch):
    from influencemap import cli
    from influencemap.ui import app

    calls = []
    monkeypatch.setattr(app, "run_app", lambda paths, basemap=None, allow_outside_data=False: calls.append((paths, allow_outside_data)) or 0)
    folder = str(layers.folder)
    assert cli.main(["--allow-outside-data", folder]) == 0
    assert cli.main(["gui", "--allow-outside-data", folder]) == 0
    assert cli.main([folder]) == 0
    assert calls == [([folder], True), ([folder], True), ([folder], False)]
