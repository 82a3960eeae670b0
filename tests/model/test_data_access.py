"""A bulk layer's ``data:`` file is hostile input (issue 18, items 2 and 3): it is read only from
the layer's folder, only as a regular file, only by the driver its extension names, and GDAL
never follows what its content points at."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from influencemap.model import data_access
from influencemap.model.loader import load_catalog
from tests.model.conftest import cached_layers_folder, load_flushed

SOURCES = "sources:\n  - {id: doc-a, title: A report}\n"
SECRET = "secret_name,lon,lat\nthe-secret-row,27.5,53.9\n"


@pytest.fixture
def folder(tmp_path, monkeypatch) -> Path:
    yield from cached_layers_folder(tmp_path, monkeypatch, SOURCES)


def layer(data: str, fields: str = "") -> str:
    return f"id: bulk\nname: Bulk\ndata: {data}\n{fields}defaults: {{sources: [doc-a]}}\n"


def problems(folder: Path) -> list[str]:
    prefix = str(folder) + "/"
    return [p.format().removeprefix(prefix) for p in load_flushed(folder).problems]


def _vrt(csv_path: Path) -> str:
    return (
        '<OGRVRTDataSource><OGRVRTLayer name="x">'
        f"<SrcDataSource>CSV:{csv_path}</SrcDataSource><SrcLayer>{csv_path.stem}</SrcLayer>"
        '<GeometryType>wkbPoint</GeometryType><GeometryField encoding="PointFromColumns" x="lon" y="lat"/>'
        "<Field name='id' src='secret_name'/><Field name='name' src='secret_name'/>"
        "</OGRVRTLayer></OGRVRTDataSource>"
    )


def test_a_geojson_holding_vrt_xml_is_refused_and_the_outside_csv_never_read(folder, tmp_path):
    outside = tmp_path / "outside.csv"
    outside.write_text(SECRET, encoding="utf-8")
    (folder / "points.geojson").write_text(_vrt(outside), encoding="utf-8")
    (folder / "bulk.yaml").write_text(layer("points.geojson"), encoding="utf-8")
    catalog = load_flushed(folder)
    assert catalog.feature_count == 0
    found = problems(folder)
    assert found == [
        "bulk.yaml:3:7: error: data file 'points.geojson' is not GeoJSON: it does not start with '{' "
        "(a GeoJSON object); not read"
    ]
    assert "the-secret-row" not in "".join(found)


def test_the_same_vrt_file_read_by_gdal_would_leak_the_csv(tmp_path):
    """The attack is real: GDAL's content sniffing reads the outside CSV through the VRT."""
    import pyogrio

    outside = tmp_path / "outside.csv"
    outside.write_text(SECRET, encoding="utf-8")
    (tmp_path / "points.geojson").write_text(_vrt(outside), encoding="utf-8")
    frame = pyogrio.read_dataframe(tmp_path / "points.geojson")
    assert frame["id"].tolist() == ["the-secret-row"]


def test_a_gdal_pipeline_in_a_geojson_is_refused(folder, tmp_path):
    pipeline = {"type": "FeatureCollection", "gdal_streamed_alg": {"command_line": f"gdal vector pipeline ! read {tmp_path}/x.csv"}}
    (folder / "points.geojson").write_text(json.dumps(pipeline), encoding="utf-8")
    (folder / "bulk.yaml").write_text(layer("points.geojson"), encoding="utf-8")
    assert problems(folder) == [
        "bulk.yaml:3:7: error: data file 'points.geojson' is not GeoJSON: it is a GDAL pipeline, which reads other data; not read"
    ]


@pytest.mark.parametrize(
    ("name", "content", "why"),
    [
        ("points.gpkg", b"<OGRVRTDataSource/>", "it does not start as an SQLite database does"),
        ("points.fgb", b"{\"type\": \"FeatureCollection\", \"features\": []}", "it does not start with FlatGeobuf's magic bytes"),
        ("points.geojson", b"[1, 2]", "it does not start with '{' (a GeoJSON object)"),
        ("points.geojson", b'{"type": "Topology"}', "its top level is not a GeoJSON FeatureCollection or Feature"),
    ],
)
def test_content_that_is_not_the_format_its_extension_names_is_refused(folder, name, content, why):
    (folder / name).write_bytes(content)
    kind = {"gpkg": "GeoPackage", "fgb": "FlatGeobuf", "geojson": "GeoJSON"}[name.rsplit(".", 1)[1]]
    (folder / "bulk.yaml").write_text(layer(name), encoding="utf-8")
    assert problems(folder) == [f"bulk.yaml:3:7: error: data file '{name}' is not {kind}: {why}; not read"]


def test_a_gpkg_geojson_and_fgb_in_the_folder_still_load(folder):
    import geopandas
    import shapely

    frame = geopandas.GeoDataFrame(
        {"id": ["a", "b"], "name": ["A", "B"]}, geometry=[shapely.Point(27.5, 53.9), shapely.Point(30.5, 50.4)], crs=4326
    )
    for ext, driver in (("gpkg", "GPKG"), ("fgb", "FlatGeobuf"), ("geojson", "GeoJSON")):
        frame.to_file(folder / f"points.{ext}", driver=driver)
        (folder / "bulk.yaml").write_text(layer(f"points.{ext}"), encoding="utf-8")
        catalog = load_flushed(folder)
        assert catalog.problems == (), ext
        assert sorted(f.id for f in catalog.layer("bulk").features) == ["a", "b"], ext  # FlatGeobuf sorts spatially


@pytest.mark.parametrize(
    "written",
    ["../outside.csv", "ABSOLUTE", "sub/../../outside.csv"],
)
def test_data_outside_the_layer_folder_is_refused_unless_allowed(folder, tmp_path, written):
    outside = tmp_path / "outside.csv"
    outside.write_text(SECRET, encoding="utf-8")
    written = str(outside) if written == "ABSOLUTE" else written
    (folder / "bulk.yaml").write_text(layer(written, "fields: {id: secret_name, name: secret_name}\n"), encoding="utf-8")
    (found,) = problems(folder)
    assert found.startswith(f"bulk.yaml:3:7: error: data file '{written}' is outside the layer's folder ({outside})")
    assert "--allow-outside-data" in found
    allowed = load_catalog([folder], include_bundled_sources=False, allow_outside_data=True)
    assert allowed.problems == ()
    assert [f.name for f in allowed.features()] == ["the-secret-row"]
    again = load_catalog([folder], include_bundled_sources=False)  # the cache keeps the two apart
    assert again.feature_count == 0 and len(again.problems) == 1


def test_a_symlink_leading_out_of_the_folder_is_refused(folder, tmp_path):
    outside = tmp_path / "outside.csv"
    outside.write_text(SECRET, encoding="utf-8")
    (folder / "link.csv").symlink_to(outside)
    (folder / "bulk.yaml").write_text(layer("link.csv", "fields: {id: secret_name, name: secret_name}\n"), encoding="utf-8")
    (found,) = problems(folder)
    assert found.startswith("bulk.yaml:3:7: error: data file 'link.csv' is outside the layer's folder")


def test_data_below_the_layer_folder_is_read(folder):
    (folder / "sub").mkdir()
    (folder / "sub" / "rows.csv").write_text(SECRET, encoding="utf-8")
    (folder / "bulk.yaml").write_text(layer("sub/rows.csv", "fields: {id: secret_name, name: secret_name}\n"), encoding="utf-8")
    assert load_flushed(folder).feature_count == 1


@pytest.mark.parametrize("written", ["/vsicurl/http://127.0.0.1:9/x.geojson", "/vsizip//tmp/x.zip/a.csv"])
def test_gdal_virtual_paths_are_refused_even_when_outside_data_is_allowed(folder, written):
    (folder / "bulk.yaml").write_text(layer(written), encoding="utf-8")
    catalog = load_catalog([folder], include_bundled_sources=False, allow_outside_data=True)
    (problem,) = catalog.problems
    assert problem.format().endswith(f"bulk.yaml:3:7: error: data file '{written}' is not a plain file path: GDAL virtual paths (/vsi…) are not read")


def test_gdal_network_file_systems_are_off_after_a_data_file_is_read(folder):
    import pyogrio

    frame_json = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"id": "a", "name": "A"}, "geometry": {"type": "Point", "coordinates": [27.5, 53.9]}}]}
    (folder / "points.geojson").write_text(json.dumps(frame_json), encoding="utf-8")
    (folder / "bulk.yaml").write_text(layer("points.geojson"), encoding="utf-8")
    assert load_flushed(folder).feature_count == 1
    with pytest.raises(Exception) as raised:  # noqa: PT011 - GDAL's error classes vary
        pyogrio.read_info("/vsicurl/http://127.0.0.1:9/x.geojson")
    assert "CURL" not in str(raised.value)  # refused before any connection (else: "CURL error: Failed to connect")
    assert "does not exist" in str(raised.value)


# -- special files (item 3) ----------------------------------------------------------------------


def _in_a_thread(work, seconds=20):
    """Run ``work`` on a thread and fail (instead of hanging the test run) if it blocks."""
    outcome = {}

    def run():
        try:
            outcome["value"] = work()
        except BaseException as exc:  # noqa: BLE001 - reported below
            outcome["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        # Unblock the reader (a FIFO opened for reading waits for a writer), then fail.
        pytest.fail(f"still blocked after {seconds} s")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
def test_a_fifo_as_data_file_is_refused_without_blocking(folder):
    os.mkfifo(folder / "rows.csv")
    (folder / "bulk.yaml").write_text(layer("rows.csv"), encoding="utf-8")
    try:
        found = _in_a_thread(lambda: problems(folder))
    finally:
        _release_fifo(folder / "rows.csv")
    assert found == ["bulk.yaml:3:7: error: data file 'rows.csv' is not a regular file (a FIFO): not read"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
def test_a_fifo_given_as_a_layer_file_is_refused_without_blocking(folder):
    fifo = folder / "layer.yaml"
    os.mkfifo(fifo)
    try:
        catalog = _in_a_thread(lambda: load_catalog([fifo], include_bundled_sources=False))
    finally:
        _release_fifo(fifo)
    assert [p.format() for p in catalog.problems] == [f"{fifo}:1:1: error: file is not a regular file (a FIFO): not read"]


def test_a_device_as_data_file_is_refused(folder):
    (folder / "bulk.yaml").write_text(layer("zero.csv"), encoding="utf-8")
    (folder / "zero.csv").symlink_to("/dev/zero")
    found = _in_a_thread(lambda: load_catalog([folder], include_bundled_sources=False, allow_outside_data=True).problems)
    assert [p.format().removeprefix(str(folder) + "/") for p in found] == [
        "bulk.yaml:3:7: error: data file 'zero.csv' is not a regular file (a device): not read"
    ]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
def test_validate_with_a_fifo_as_data_exits_with_a_message(folder):
    os.mkfifo(folder / "rows.csv")
    (folder / "bulk.yaml").write_text(layer("rows.csv"), encoding="utf-8")
    try:
        done = subprocess.run(
            [sys.executable, "-m", "influencemap", "validate", str(folder)],
            capture_output=True, text=True, timeout=60,
        )
    finally:
        _release_fifo(folder / "rows.csv")
    assert done.returncode == 1
    assert f"{folder}/bulk.yaml:3:7: error: data file 'rows.csv' is not a regular file (a FIFO): not read" in done.stdout
    assert "Traceback" not in done.stderr


def _release_fifo(path: Path) -> None:
    """Open the FIFO for writing without blocking, so a reader stuck on it (a failing test) ends."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
    except OSError:  # no reader waiting: nothing to release
        return
    os.close(fd)
