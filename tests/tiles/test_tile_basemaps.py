"""Tile basemaps: a local XYZ server (127.0.0.1 only) and an MBTiles file made here.

Checks that the image export and the canvas draw the server's tiles with the attribution, that
a second run is served from the disk cache, that a stopped or stalled server ends in a quiet
warning with the offline basemap showing (within bounded time), and that an MBTiles file's
tiles land where they belong.
"""

from __future__ import annotations

from influencemap.render import tiles as tiles_module

import sqlite3
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from PySide6.QtCore import QBuffer, QByteArray, QIODevice
from PySide6.QtGui import QColor, QImage

from influencemap.cli import main
from influencemap.export import image as image_export
from influencemap.geo.basemaps import (
    BasemapError,
    custom_xyz,
    mbtiles,
    parse_basemap,
    tile_bounds,
    tiles_in_view,
)
from influencemap.model.loader import load_catalog
from influencemap.render import basemap_layer
from influencemap.geo.mercator import mercator_bounds
from influencemap.render.map_settings import MapSettings

MAGENTA = QColor(255, 0, 255)
RED = QColor(255, 0, 0)
BBOX = (20.0, 40.0, 40.0, 55.0)
SIZE = (400, 300)

LAYER = """\
id: far
name: Far
features:
  - {id: f1, name: Far away, point: [100.0, 10.0], sources: [doc]}
"""


def _png(color: QColor) -> bytes:
    image = QImage(256, 256, QImage.Format.Format_RGB32)
    image.fill(color)
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(data.data())


class TileServer:
    """An XYZ server on 127.0.0.1 that counts requests; ``delay`` makes it stall."""

    def __init__(self, png: bytes) -> None:
        self.png = png
        self.requests: list[str] = []
        self.delay = 0.0
        self.user_agents: set[str] = set()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                server.requests.append(self.path)
                server.user_agents.add(self.headers.get("User-Agent", ""))
                if server.delay:
                    time.sleep(server.delay)
                parts = self.path.strip("/").removesuffix(".png").split("/")
                if len(parts) != 3 or not all(p.isdigit() for p in parts):
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(server.png)))
                self.send_header("Cache-Control", "public, max-age=86400")
                self.end_headers()
                self.wfile.write(server.png)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def template(self) -> str:
        return f"http://127.0.0.1:{self.port}/{{z}}/{{x}}/{{y}}.png"

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def tile_server(qapp):
    server = TileServer(_png(MAGENTA))
    yield server
    server.stop()


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("INFLUENCEMAP_CACHE_DIR", str(folder))
    return folder


@pytest.fixture
def catalog(tmp_path):
    folder = tmp_path / "layers"
    folder.mkdir()
    (folder / "sources.yaml").write_text("sources:\n  - {id: doc, title: A report}\n", encoding="utf-8")
    (folder / "far.yaml").write_text(LAYER, encoding="utf-8")
    return load_catalog([folder], include_bundled_sources=False)


def _export(catalog, tmp_path, basemap, name="map.png") -> tuple[QImage, list[str], MapSettings]:
    out = tmp_path / name
    warnings = image_export.write_image(catalog, out, size=SIZE, bbox=BBOX, basemap=basemap)
    settings = image_export.image_settings(catalog, SIZE, BBOX)
    return QImage(str(out)), warnings, settings


def _colour_at(image: QImage, settings: MapSettings, lon: float, lat: float) -> QColor:
    x, y = settings.lonlat_to_pixels(lon, lat)
    return image.pixelColor(int(x), int(y))


# -- naming ------------------------------------------------------------------------------------


def test_basemaps_are_named_as_on_the_command_line(tmp_path):
    assert parse_basemap("offline").kind == "offline"
    assert parse_basemap("OSM").url.startswith("https://tile.openstreetmap.org/")
    topo = parse_basemap("opentopomap")
    assert topo.tile_url(3, 4, 2) in {f"https://{s}.tile.opentopomap.org/3/4/2.png" for s in "abc"}
    custom = parse_basemap("xyz:https://tiles.example.org/{z}/{x}/{y}.png")
    assert custom.tile_url(1, 0, 1) == "https://tiles.example.org/1/0/1.png" and custom.attribution
    assert parse_basemap(f"mbtiles:{tmp_path / 'a.mbtiles'}").path == str(tmp_path / "a.mbtiles")
    for bad in ("google", "xyz:https://example.org/tiles.png", "xyz:ftp://x/{z}/{x}/{y}", "mbtiles:"):
        with pytest.raises(BasemapError):
            parse_basemap(bad)


def test_tiles_cover_the_view_and_no_more_than_a_ring_around_it():
    extent = mercator_bounds(BBOX)
    tiles = tiles_in_view(extent, 6)
    xs, ys = {t[1] for t in tiles}, {t[2] for t in tiles}
    assert len(tiles) == len(xs) * len(ys)
    union = [tile_bounds(*t) for t in tiles]
    assert min(b[0] for b in union) <= extent[0] and max(b[2] for b in union) >= extent[2]
    assert min(b[1] for b in union) <= extent[1] and max(b[3] for b in union) >= extent[3]
    assert len(tiles_in_view(extent, 6, margin=1)) == (len(xs) + 2) * (len(ys) + 2)


# -- the image export --------------------------------------------------------------------------


def test_png_export_draws_the_servers_tiles_then_reads_them_from_the_disk_cache(catalog, tmp_path, tile_server, cache):
    basemap = custom_xyz(tile_server.template, attribution="Test tiles")
    image, warnings, settings = _export(catalog, tmp_path, basemap)
    assert warnings == []
    assert _colour_at(image, settings, 30.0, 47.0) == MAGENTA
    first = len(tile_server.requests)
    assert first > 0 and all(r.endswith(".png") for r in tile_server.requests)
    assert any(agent.startswith("influencemap/") for agent in tile_server.user_agents)
    assert (cache / "tiles").is_dir()
    # A second export (a new source, as in a new process) is served from the disk cache.
    image, warnings, _ = _export(catalog, tmp_path, basemap, "again.png")
    assert warnings == [] and _colour_at(image, settings, 30.0, 47.0) == MAGENTA
    assert len(tile_server.requests) == first


def test_with_the_server_gone_the_export_falls_back_and_warns(catalog, tmp_path, tile_server, cache):
    basemap = custom_xyz(tile_server.template)
    tile_server.stop()
    started = time.monotonic()
    image, warnings, settings = _export(catalog, tmp_path, basemap)
    assert time.monotonic() - started < tiles_module.TILE_TIMEOUT_S
    assert warnings and "offline basemap" in warnings[0]
    land = _colour_at(image, settings, 30.0, 47.0)  # Ukraine, drawn by the offline basemap
    assert land == basemap_layer.LAND


def test_a_stalled_server_is_given_up_in_bounded_time(catalog, tmp_path, tile_server, cache, monkeypatch):
    tile_server.delay = 5.0
    monkeypatch.setattr(tiles_module, "TILE_TIMEOUT_S", 1.0)
    started = time.monotonic()
    image, warnings, settings = _export(catalog, tmp_path, custom_xyz(tile_server.template))
    assert time.monotonic() - started < 4.0
    assert warnings and "no answer in time" in warnings[0]
    assert _colour_at(image, settings, 30.0, 47.0) == basemap_layer.LAND


def test_cli_export_with_a_basemap_exits_0_and_warns_on_stderr(catalog, tmp_path, tile_server, cache, capsys):
    folder = tmp_path / "layers"
    out = tmp_path / "cli.png"
    assert main(["export", str(folder), "-o", str(out), "--bbox", "20,40,40,55", "--size", "400x300",
                 "--basemap", f"xyz:{tile_server.template}"]) == 0
    assert _colour_at(QImage(str(out)), image_export.image_settings(catalog, SIZE, BBOX), 30.0, 47.0) == MAGENTA
    tile_server.stop()
    capsys.readouterr()
    assert main(["export", str(folder), "-o", str(out), "--bbox", "20,40,40,55", "--size", "400x300",
                 "--basemap", f"mbtiles:{tmp_path / 'missing.mbtiles'}"]) == 0
    assert "warning" in capsys.readouterr().err
    assert main(["export", str(folder), "-o", str(out), "--basemap", "google"]) == 2


# -- MBTiles -----------------------------------------------------------------------------------


def make_mbtiles(path: Path, color: QColor, box=(0.0, 0.0, 90.0, 66.52), zooms=range(0, 7), fmt="png", touching=False) -> None:
    """Tiles in ``color`` wherever a tile lies inside ``box`` (lon/lat; or touches it, with
    ``touching``), TMS rows as MBTiles has them."""
    png = _png(color)
    extent = mercator_bounds(box)
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
        db.execute("CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB)")
        db.executemany("INSERT INTO metadata VALUES (?, ?)", [
            ("name", "test"), ("format", fmt), ("minzoom", "0"), ("maxzoom", str(max(zooms))),
            ("attribution", "Test MBTiles"),
        ])
        for z in zooms:
            for _, x, y in tiles_in_view(extent, z):
                b = tile_bounds(z, x, y)
                inside = b[0] >= extent[0] - 1 and b[2] <= extent[2] + 1 and b[1] >= extent[1] - 1 and b[3] <= extent[3] + 1
                if inside or touching:
                    db.execute("INSERT INTO tiles VALUES (?, ?, ?, ?)", (z, x, (1 << z) - 1 - y, png))


def test_mbtiles_tiles_are_drawn_at_their_place(catalog, tmp_path, cache, qapp):
    path = tmp_path / "east.mbtiles"
    make_mbtiles(path, RED)
    bbox = (-40.0, -20.0, 120.0, 75.0)
    out = tmp_path / "mb.png"
    warnings = image_export.write_image(catalog, out, size=(640, 400), bbox=bbox, basemap=mbtiles(path))
    assert warnings == []
    settings = image_export.image_settings(catalog, (640, 400), bbox)
    image = QImage(str(out))
    assert _colour_at(image, settings, 45.0, 33.0) == RED  # inside the tiles' box
    assert _colour_at(image, settings, 85.0, 60.0) == RED
    assert _colour_at(image, settings, -20.0, 33.0) != RED  # west of it: the offline basemap
    assert _colour_at(image, settings, 45.0, 72.0) != RED  # north of it
    assert path.stat().st_size > 0 and sqlite3.connect(path).execute("SELECT count(*) FROM tiles").fetchone()[0] > 0


def test_broken_and_vector_mbtiles_are_refused_with_a_reason(catalog, tmp_path, cache, qapp):
    broken = tmp_path / "broken.mbtiles"
    broken.write_bytes(b"not a database at all")
    image, warnings, settings = _export(catalog, tmp_path, mbtiles(broken))
    assert warnings and "not an MBTiles file" in warnings[0]
    assert _colour_at(image, settings, 30.0, 47.0) == basemap_layer.LAND
    assert broken.read_bytes() == b"not a database at all"  # never changed
    vector = tmp_path / "vector.mbtiles"
    make_mbtiles(vector, RED, fmt="pbf")
    _, warnings, _ = _export(catalog, tmp_path, mbtiles(vector), "v.png")
    assert warnings and "only raster tiles" in warnings[0]


def test_the_app_takes_basemap_on_the_command_line(monkeypatch, capsys):
    import influencemap.ui.app as app

    seen = []
    monkeypatch.setattr(app, "run_app", lambda paths, basemap=None, **_: seen.append((paths, basemap)) or 0)
    assert main(["--basemap", "opentopomap"]) == 0
    assert seen[-1][0] == [] and seen[-1][1].spec == "opentopomap"
    assert main(["gui", "--basemap", "xyz:http://127.0.0.1:9/{z}/{x}/{y}.png"]) == 0
    assert seen[-1][1].url == "http://127.0.0.1:9/{z}/{x}/{y}.png"
    assert main(["--basemap", "nowhere"]) == 2
    assert "unknown basemap" in capsys.readouterr().err
