"""Tile basemaps under the layers: from an MBTiles file or an XYZ server, never blocking a frame.

A frame only draws tiles already at hand (:meth:`TileSource.image`); where one is missing the
offline basemap, drawn first, shows through. The canvas asks its source for the tiles of the
view (:meth:`TileSource.request`) after each frame and draws again when they arrive; the image
export waits for them with a deadline (:meth:`NetworkTiles.fetch`). Nothing is fetched unless
an online basemap was chosen.

Network tiles go through one ``QNetworkAccessManager`` on the thread that made the source (the
UI thread in the app), with a persistent ``QNetworkDiskCache`` (:data:`DISK_CACHE_BYTES`) in the
user's cache folder, the application's User-Agent, HTTP caching rules as the server gives them
(``PreferNetwork``: a fresh cached tile is not asked for again) and a transfer timeout, so a
slow or absent server ends in a quiet failure with a note, never a hang.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from pathlib import Path

from PySide6.QtCore import QByteArray, QEventLoop, QObject, QRectF, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QImage, QPainter

from influencemap.geo.basemaps import USER_AGENT, Basemap, tile_bounds, tile_zoom, tiles_in_view
from influencemap.render.map_settings import MapSettings

DISK_CACHE_BYTES = 500 * 1024 * 1024
TRANSFER_TIMEOUT_MS = 8000
"""A tile not complete after this long is given up (a stalled server must not hold the map)."""
MEMORY_TILES = 512
"""Decoded tiles kept in memory (a 1600×1000 view shows about 40)."""
PREFETCH_MARGIN = 1
"""Tiles fetched around the view: one ring, so a small pan finds them ready; no more."""


class TileSource(QObject):
    """Decoded tiles of one basemap, kept in a small memory cache shared by threads."""

    tiles_arrived = Signal()
    failed = Signal(str)

    def __init__(self, basemap: Basemap, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.basemap = basemap
        self.attribution = basemap.attribution
        self.max_zoom = basemap.max_zoom
        self._images: OrderedDict[tuple[int, int, int], QImage] = OrderedDict()
        self._lock = threading.Lock()
        self.failures: dict[tuple[int, int, int], str] = {}

    def image(self, z: int, x: int, y: int) -> QImage | None:
        """The tile if at hand; never waits."""
        with self._lock:
            image = self._images.get((z, x, y))
            if image is not None:
                self._images.move_to_end((z, x, y))
            return image

    def _store(self, key: tuple[int, int, int], image: QImage) -> None:
        with self._lock:
            self._images[key] = image
            while len(self._images) > MEMORY_TILES:
                self._images.popitem(last=False)

    def request(self, tiles: list[tuple[int, int, int]]) -> None:
        """Ask for tiles not at hand (the view's, after a frame); a file source reads them now."""

    def fetch(self, tiles: list[tuple[int, int, int]], timeout_s: float) -> None:
        """Get tiles now, waiting at most ``timeout_s`` (the image export)."""
        self.request(tiles)

    def failure_note(self) -> str:
        """What went wrong, in a line for the status bar or stderr; empty when nothing did."""
        if not self.failures:
            return ""
        reasons = sorted(set(self.failures.values()))
        return f"{self.basemap.label}: {len(self.failures)} tile(s) not loaded ({'; '.join(reasons[:2])}); the offline basemap shows instead"


class MBTilesSource(TileSource):
    """Tiles read from an MBTiles file, on demand, in whichever thread draws."""

    def __init__(self, basemap: Basemap, parent: QObject | None = None) -> None:
        super().__init__(basemap, parent)
        from influencemap.geo.mbtiles import MBTilesError, open_mbtiles

        self._file = None
        self.error = ""
        try:
            self._file = open_mbtiles(basemap.path)
        except MBTilesError as error:
            self.error = str(error)
            self.failures[(-1, -1, -1)] = str(error)
            return
        if self._file.attribution:
            self.attribution = self._file.attribution
        if self._file.max_zoom is not None:
            self.max_zoom = self._file.max_zoom

    def image(self, z: int, x: int, y: int) -> QImage | None:
        cached = super().image(z, x, y)
        if cached is not None or self._file is None or (z, x, y) in self.failures:
            return cached
        try:
            data = self._file.tile(z, x, y)
        except OSError as error:
            self.failures[(z, x, y)] = str(error)
            return None
        if data is None:
            return None
        image = QImage.fromData(QByteArray(data))
        if image.isNull():
            self.failures[(z, x, y)] = "a tile that is not an image"
            return None
        self._store((z, x, y), image)
        return image

    def failure_note(self) -> str:
        return f"Basemap: {self.error}; the offline basemap shows instead" if self.error else super().failure_note()


class NetworkTiles(TileSource):
    """Tiles from an XYZ server through Qt's network stack and its disk cache."""

    def __init__(self, basemap: Basemap, cache_folder: Path | None = None, parent: QObject | None = None) -> None:
        super().__init__(basemap, parent)
        self._manager = _manager(cache_folder)
        self._pending: dict[tuple[int, int, int], object] = {}
        self.requests_made = 0

    def request(self, tiles: list[tuple[int, int, int]]) -> None:
        from PySide6.QtNetwork import QNetworkRequest

        for key in tiles:
            if key in self._pending or key in self.failures or super().image(*key) is not None:
                continue
            request = QNetworkRequest(QUrl(self.basemap.tile_url(*key)))
            request.setHeader(QNetworkRequest.KnownHeaders.UserAgentHeader, USER_AGENT)
            request.setAttribute(
                QNetworkRequest.Attribute.CacheLoadControlAttribute, QNetworkRequest.CacheLoadControl.PreferNetwork
            )
            request.setAttribute(QNetworkRequest.Attribute.CacheSaveControlAttribute, True)
            request.setTransferTimeout(TRANSFER_TIMEOUT_MS)
            reply = self._manager.get(request)
            self.requests_made += 1
            self._pending[key] = reply
            reply.finished.connect(lambda key=key, reply=reply: self._finished(key, reply))

    def _finished(self, key: tuple[int, int, int], reply) -> None:
        try:
            self._take(key, reply)
        except RuntimeError:
            pass  # this source was dropped (another basemap chosen) while the tile was on its way
        finally:
            reply.deleteLater()

    def _take(self, key: tuple[int, int, int], reply) -> None:
        from PySide6.QtNetwork import QNetworkReply, QNetworkRequest

        if self._pending.pop(key, None) is None:  # given up already (fetch's deadline)
            return
        if reply.error() != QNetworkReply.NetworkError.NoError:
            status = reply.attribute(QNetworkRequest.Attribute.HttpStatusCodeAttribute)
            reason = f"HTTP {status}" if status else reply.errorString()
            self.failures[key] = reason
            self.failed.emit(self.failure_note())
            return
        image = QImage.fromData(reply.readAll())
        if image.isNull():
            self.failures[key] = "a tile that is not an image"
            self.failed.emit(self.failure_note())
            return
        self._store(key, image)
        self.tiles_arrived.emit()

    def pending(self) -> int:
        return len(self._pending)

    def fetch(self, tiles: list[tuple[int, int, int]], timeout_s: float) -> None:
        """Request the tiles and run an event loop until they are in or ``timeout_s`` passed."""
        self.request(tiles)
        if not self._pending:
            return
        loop = QEventLoop()
        deadline = time.monotonic() + timeout_s
        timer = QTimer()
        timer.setInterval(25)
        timer.timeout.connect(lambda: loop.quit() if not self._pending or time.monotonic() > deadline else None)
        timer.start()
        loop.exec()
        timer.stop()
        given_up = list(self._pending.items())
        self._pending.clear()
        for key, reply in given_up:
            self.failures[key] = "no answer in time"
            reply.abort()


_MANAGERS: dict[str, object] = {}


def _manager(cache_folder: Path | None):
    """One network manager (and disk cache) per cache folder for the whole process, as Qt
    advises: it outlives every source, so a dropped source never takes requests in flight
    (or the disk cache they write to) down with it."""
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtNetwork import QNetworkAccessManager, QNetworkDiskCache

    key = str(cache_folder or "")
    manager = _MANAGERS.get(key)
    if manager is None:
        manager = QNetworkAccessManager(QCoreApplication.instance())
        if cache_folder is not None:
            disk = QNetworkDiskCache(manager)
            disk.setCacheDirectory(str(cache_folder))
            disk.setMaximumCacheSize(DISK_CACHE_BYTES)
            manager.setCache(disk)
        _MANAGERS[key] = manager
    return manager


def make_source(basemap: Basemap, parent: QObject | None = None) -> TileSource | None:
    """The tile source of a basemap; None for the offline basemap (nothing to fetch)."""
    if basemap.kind == "mbtiles":
        return MBTilesSource(basemap, parent)
    if basemap.kind == "xyz":
        from influencemap.disk_cache import cache_dir

        folder = cache_dir()
        return NetworkTiles(basemap, folder / "tiles" if folder is not None else None, parent)
    return None


TILE_TIMEOUT_S = 20.0
"""How long an image export or map sheet waits for online tiles in all; then it draws what came."""


def with_tiles(settings: MapSettings, basemap: Basemap, timeout_s: float | None = None) -> tuple[MapSettings, list[str]]:
    """``settings`` drawing on ``basemap`` (a :class:`~influencemap.geo.basemaps.Basemap`), its
    tiles for the view fetched or read now; and warnings for what could not be had (the image is
    still made, with the offline basemap where tiles are missing)."""
    if not basemap.tiled:
        return settings, []
    source = make_source(basemap)
    source.fetch(view_tiles(settings, source), TILE_TIMEOUT_S if timeout_s is None else timeout_s)
    note = source.failure_note()
    return settings.replace(tiles=source), [note] if note else []


def view_tiles(settings: MapSettings, source: TileSource, margin: int = 0) -> list[tuple[int, int, int]]:
    z = tile_zoom(settings.resolution, settings.device_pixel_ratio, source.max_zoom)
    return tiles_in_view(settings.extent, z, margin)


def draw_tiles(painter: QPainter, settings: MapSettings, source: TileSource) -> int:
    """Draw the view's tiles that are at hand; returns how many were missing."""
    missing = 0
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
    minx, _, _, maxy = settings.extent
    r = settings.resolution
    for z, x, y in view_tiles(settings, source):
        image = source.image(z, x, y)
        if image is None:
            missing += 1
            continue
        x0, y0, x1, y1 = tile_bounds(z, x, y)
        # Whole-pixel edges: neighbouring tiles meet without a hairline of background between.
        left, top = round((x0 - minx) / r), round((maxy - y1) / r)
        right, bottom = round((x1 - minx) / r), round((maxy - y0) / r)
        painter.drawImage(QRectF(left, top, right - left, bottom - top), image)
    painter.restore()
    return missing


ATTRIBUTION_MARGIN = 4.0


def attribution_rect(settings: MapSettings, text: str) -> QRectF:
    metrics = QFontMetricsF(_attribution_font())
    width = metrics.horizontalAdvance(text) + 8
    height = metrics.height() + 4
    return QRectF(settings.width - width - ATTRIBUTION_MARGIN, settings.height - height - ATTRIBUTION_MARGIN, width, height)


def _attribution_font() -> QFont:
    font = QFont()
    font.setPointSizeF(7.5)
    return font


def draw_attribution(painter: QPainter, settings: MapSettings, text: str, above: float = 0.0) -> None:
    """The tiles' attribution, bottom right, always (the tile licences ask for it)."""
    rect = attribution_rect(settings, text).translated(0, -above)
    painter.save()
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(255, 255, 255, 200))
    painter.drawRect(rect)
    painter.setPen(QColor("#333333"))
    painter.setFont(_attribution_font())
    painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
    painter.restore()
