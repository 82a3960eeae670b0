"""The command line: exit codes, output formats and the GeoJSON round trip."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import geopandas
import pytest

from influencemap import __version__
from influencemap.cli import main

LAYER = """\
id: loans
name: Loans
sources:
  - {id: doc-a, title: A report, publisher: Some Press, author: A. Writer, date: 2021-06-30, url: "https://example.org/a"}
features:
  - id: minsk-loan
    name: A loan in Minsk
    point: [27.56, 53.90]
    date: 2013-05-20
    countries: [BY]
    actors: [China Development Bank]
    tags: [loan]
    precision: city
    description: A credit line.
    figures: [{label: Loan, value: 1.18e9, unit: USD}]
    sources: [{ref: doc-a, locator: "para 3", quote: "a short phrase"}]
  - id: kyiv-span
    name: A span in Kyiv
    point: [30.52, 50.45]
    start: 2019-06
    countries: [UA]
    sources: [doc-a]
  - id: corridor
    name: A corridor
    line: [[23.7, 52.1], [27.56, 53.9]]
    countries: [BY]
    sources: [doc-a]
"""


@pytest.fixture
def layer_dir(tmp_path: Path) -> Path:
    (tmp_path / "loans.yaml").write_text(LAYER, encoding="utf-8")
    return tmp_path


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "influencemap", *args], capture_output=True, text=True, timeout=120
    )


def test_version_and_help():
    assert run_cli("--version").stdout.strip() == f"influencemap {__version__}"
    help_text = run_cli("--help").stdout
    for command in ("validate", "list", "export"):
        assert command in help_text


def test_validate_exits_0_on_good_layers(layer_dir, capsys):
    assert main(["validate", str(layer_dir)]) == 0
    assert capsys.readouterr().out == ""


def test_validate_exits_1_and_prints_file_line_col_on_errors(layer_dir, capsys):
    bad = layer_dir / "bad.yaml"
    bad.write_text("id: bad\nname: Bad\nfeatures:\n  - id: x\n    name: X\n    pont: [1, 2]\n", encoding="utf-8")
    assert main(["validate", str(layer_dir)]) == 1
    out = capsys.readouterr().out
    assert f"{bad}:6:5: error: unknown key 'pont' in a feature; did you mean 'point'?" in out


def test_validate_never_prints_a_traceback_on_garbage(tmp_path):
    (tmp_path / "junk.yaml").write_bytes(b"\x00\xff\xfe{{{: : :\n\t- [")
    result = run_cli("validate", str(tmp_path))
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    assert f"{tmp_path / 'junk.yaml'}:1:" in result.stdout


def test_strict_makes_warnings_fail(layer_dir):
    (layer_dir / "warn.yaml").write_text(
        "id: warn\nname: Warn\nfeatures:\n  - {id: w, name: W, point: Brest, sources: [doc-a]}\n",
        encoding="utf-8",
    )
    assert main(["validate", str(layer_dir)]) == 0
    assert main(["validate", "--strict", str(layer_dir)]) == 1


def test_missing_path_is_a_usage_error(tmp_path, capsys):
    assert main(["validate", str(tmp_path / "nope")]) == 2
    assert "no such file or folder" in capsys.readouterr().err


def test_list_json_has_the_documented_keys(layer_dir, capsys):
    assert main(["list", str(layer_dir), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["id"] for r in rows] == ["minsk-loan", "kyiv-span", "corridor"]
    assert rows[0] == {
        "layer": "loans", "id": "minsk-loan", "name": "A loan in Minsk", "geometry": "point",
        "start": "2013-05-20", "end": "2013-05-20", "countries": ["BY"],
        "figures": [{"label": "Loan", "value": 1.18e9, "unit": "USD"}], "sources": 1,
        "dating": "stated", "actors": ["China Development Bank"],
    }
    assert rows[1]["end"] is None
    assert rows[1]["figures"] == []


def test_list_csv_carries_figures_through_the_one_writer(layer_dir, capsys):
    (layer_dir / "more.yaml").write_text(textwrap.dedent("""\
        id: more
        name: More
        features:
          - id: formula
            name: "=HYPERLINK(\\"http://x\\")"
            point: [27.56, 53.90]
            countries: [BY, RU]
            figures: [{label: Credit line, value: 1.5e9, unit: USD}, {label: Share, value: 12.5, unit: "%"}, {label: Count, value: 3}]
            sources: [doc-a]
        """), encoding="utf-8")
    assert main(["list", str(layer_dir), "--csv"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[0] == ["layer", "id", "name", "geometry", "start", "end", "countries", "figures", "sources"]
    by_id = {row[1]: row for row in rows[1:]}
    assert by_id["minsk-loan"] == [
        "loans", "minsk-loan", "A loan in Minsk", "point", "2013-05-20", "2013-05-20", "BY", "Loan: 1180000000 USD", "1",
    ]
    assert by_id["kyiv-span"][5:8] == ["", "UA", ""]
    formula = by_id["formula"]
    assert formula[2] == "'=HYPERLINK(\"http://x\")"  # neutralised by csv_table.to_csv
    assert formula[6] == "BY; RU"
    assert formula[7] == "Credit line: 1500000000 USD; Share: 12.5 %; Count: 3"


def test_list_json_and_csv_exclude_each_other(layer_dir, capsys):
    with pytest.raises(SystemExit):
        main(["list", str(layer_dir), "--csv", "--json"])
    assert "not allowed with" in capsys.readouterr().err


def test_list_filters_by_date_and_country(layer_dir, capsys):
    assert main(["list", str(layer_dir), "--json", "--to", "2013"]) == 0
    assert [r["id"] for r in json.loads(capsys.readouterr().out)] == ["minsk-loan"]
    assert main(["list", str(layer_dir), "--json", "--from", "2020", "--undated"]) == 0
    assert [r["id"] for r in json.loads(capsys.readouterr().out)] == ["kyiv-span", "corridor"]
    assert main(["list", str(layer_dir), "--json", "--country", "ua"]) == 0
    assert [r["id"] for r in json.loads(capsys.readouterr().out)] == ["kyiv-span"]


def test_list_text_output(layer_dir, capsys):
    assert main(["list", str(layer_dir)]) == 0
    first = capsys.readouterr().out.splitlines()[0].split("\t")
    assert first == ["loans", "minsk-loan", "A loan in Minsk", "point", "2013-05-20", "BY", "1 source"]


def test_geojson_export_round_trips_through_geopandas(layer_dir, tmp_path):
    out = tmp_path / "out.geojson"
    assert main(["export", str(layer_dir), "-o", str(out)]) == 0
    frame = geopandas.read_file(out)
    assert list(frame["id"]) == ["minsk-loan", "kyiv-span", "corridor"]
    assert list(frame.geometry.geom_type) == ["Point", "Point", "LineString"]
    assert frame.geometry.iloc[0].x == pytest.approx(27.56)

    data = json.loads(out.read_text(encoding="utf-8"))
    props = data["features"][0]["properties"]
    for key in ("id", "name", "layer", "countries", "start", "end", "tags", "precision",
                "description", "figures", "actors", "sources"):
        assert key in data["features"][1]["properties"], key
    assert props["figures"] == [{"label": "Loan", "value": 1.18e9, "unit": "USD"}]
    assert props["sources"] == [{
        "id": "doc-a", "title": "A report", "url": "https://example.org/a", "publisher": "Some Press",
        "author": "A. Writer", "date": "2021-06-30", "locator": "para 3", "quote": "a short phrase",
    }]
    assert (props["start"], props["end"]) == ("2013-05-20", "2013-05-20")
    span = data["features"][1]["properties"]
    assert (span["start"], span["end"], span["description"], span["precision"]) == ("2019-06", None, None, None)


def test_export_with_unknown_extension_is_a_usage_error(layer_dir, tmp_path, capsys):
    assert main(["export", str(layer_dir), "-o", str(tmp_path / "x.docx")]) == 2
    assert "cannot tell the format" in capsys.readouterr().err


def test_export_rejects_an_invalid_date_filter(layer_dir, tmp_path, capsys):
    assert main(["export", str(layer_dir), "-o", str(tmp_path / "x.geojson"), "--from", "2020-13"]) == 2
    assert "--from: invalid date '2020-13'" in capsys.readouterr().err


def test_bundled_layers_validate_from_a_fresh_process():
    result = run_cli("validate")
    assert result.returncode == 0, result.stdout + result.stderr
    assert " 0 errors" in result.stderr


def test_output_piped_into_a_reader_that_stops_early_is_no_traceback(tmp_path):
    # As `influencemap list | head -1`: the reader closes the pipe after one line, while far more
    # than a pipe holds (64 KiB) is still to be written.
    (tmp_path / "sources.yaml").write_text("sources:\n  - {id: doc, title: A report}\n", encoding="utf-8")
    rows = "".join(
        f"  - {{id: f{i}, name: A feature with a rather long name number {i}, point: [27.5, 53.9], sources: [doc]}}\n"
        for i in range(3000)
    )
    (tmp_path / "big.yaml").write_text(f"id: big\nname: Big\nfeatures:\n{rows}", encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, "-m", "influencemap", "list", str(tmp_path)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    first = process.stdout.readline()
    process.stdout.close()
    stderr = process.stderr.read()
    process.wait(timeout=120)
    assert first.startswith("big\tf0\t")
    assert "Traceback" not in stderr and "BrokenPipeError" not in stderr
    assert process.returncode == 1


@pytest.mark.parametrize("url", ["http://[x]/", "http://[::1/"])
def test_validate_reports_a_url_urlparse_rejects_without_a_traceback(tmp_path, url):
    """Issue 18, item 1: the CLI printed ValueError's traceback and lost every layer."""
    (tmp_path / "loans.yaml").write_text(LAYER, encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(f'sources:\n  - {{id: bad-url, title: T, url: "{url}"}}\n', encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "influencemap", "validate", str(tmp_path)],
        capture_output=True, text=True, timeout=120,
    )
    assert "Traceback" not in done.stderr + done.stdout
    assert done.returncode == 1
    assert f"{bad}:2:34: error: source url is not a valid address" in done.stdout
    assert "1 layer, 3 features" in done.stderr


def test_allow_outside_data_lets_a_bulk_layer_read_a_file_outside_its_folder(tmp_path, capsys):
    """Issue 18, item 2: refused by default, read with --allow-outside-data."""
    (tmp_path / "rows.csv").write_text("id,name,lon,lat\nr-1,Row,27.5,53.9\n", encoding="utf-8")
    folder = tmp_path / "layers"
    folder.mkdir()
    (folder / "bulk.yaml").write_text(
        "id: bulk\nname: Bulk\ndata: ../rows.csv\nsources: [{id: doc-z, title: Z}]\ndefaults: {sources: [doc-z]}\n",
        encoding="utf-8",
    )
    assert main(["validate", str(folder)]) == 1
    out = capsys.readouterr().out
    assert f"{folder}/bulk.yaml:3:7: error: data file '../rows.csv' is outside the layer's folder" in out
    assert main(["validate", "--allow-outside-data", str(folder)]) == 0
    assert main(["list", "--allow-outside-data", str(folder)]) == 0
    assert "r-1" in capsys.readouterr().out
