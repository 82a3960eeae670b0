"""Read raster tiles from an MBTiles file (SQLite, with the standard library's sqlite3).

MBTiles 1.3: a ``tiles`` table of ``zoom_level``, ``tile_column``, ``tile_row`` (TMS: rows
count from the south) and ``tile_data``, and a ``metadata`` table of name/value pairs. Raster
PNG, JPEG and WebP tiles are read; vector tiles (``format`` pbf) are out of scope and refused
with a clear message. The file is opened read-only and is never changed.

Qt-free: decoding the image bytes is the renderer's business.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass, field
from pathlib import Path

RASTER_FORMATS = ("png", "jpg", "jpeg", "webp")


class MBTilesError(OSError):
    """The file is missing, not an MBTiles file, or holds vector tiles."""


@dataclass
class MBTiles:
    path: Path
    metadata: dict[str, str]
    _local: threading.local = field(default_factory=threading.local, repr=False)

    @property
    def attribution(self) -> str:
        return self.metadata.get("attribution", "").strip()

    @property
    def max_zoom(self) -> int | None:
        value = self.metadata.get("maxzoom", "")
        return int(value) if value.strip().isdigit() else None

    def _connection(self) -> sqlite3.Connection:
        # One connection per thread: the render worker and the UI thread may both read.
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = self._local.connection = _connect(self.path)
        return connection

    def tile(self, z: int, x: int, y: int) -> bytes | None:
        """The bytes of XYZ tile (z, x, y), or None if the file has no such tile."""
        try:
            row = self._connection().execute(
                "SELECT tile_data FROM tiles WHERE zoom_level=? AND tile_column=? AND tile_row=?",
                (z, x, (1 << z) - 1 - y),
            ).fetchone()
        except sqlite3.Error as error:
            raise MBTilesError(f"{self.path}: cannot read tiles: {error}") from error
        return bytes(row[0]) if row and row[0] is not None else None


def _connect(path: Path) -> sqlite3.Connection:
    # mode=ro: never create or change the user's file (sqlite3.connect would create a missing one).
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False)


def open_mbtiles(path: str | Path) -> MBTiles:
    """Open and check an MBTiles file; :class:`MBTilesError` says what is wrong with it."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise MBTilesError(f"{path}: no such file")
    try:
        connection = _connect(path)
        metadata = dict(connection.execute("SELECT name, value FROM metadata").fetchall())
        connection.execute("SELECT zoom_level, tile_column, tile_row, tile_data FROM tiles LIMIT 1").fetchall()
        connection.close()
    except sqlite3.Error as error:
        raise MBTilesError(f"{path}: not an MBTiles file ({error})") from error
    fmt = str(metadata.get("format", "png")).lower()
    if fmt not in RASTER_FORMATS:
        raise MBTilesError(f"{path}: holds '{fmt}' tiles; only raster tiles (PNG, JPEG, WebP) can be drawn")
    return MBTiles(path, {str(k): str(v) for k, v in metadata.items()})
