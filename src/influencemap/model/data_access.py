"""Reading a bulk layer's ``data:`` file without trusting it (issue 18, items 2 and 3).

A layer bundle may come from anyone, so its data file is handled as hostile input:

- ``data:`` names a regular file in the layer's folder or below it (after following symbolic
  links); an absolute path, ``..`` leading out of the folder, or a GDAL virtual path
  (``/vsicurl/…``, ``/vsizip/…``) is refused unless the user allows data outside the folder
  (``--allow-outside-data``) — and a ``/vsi`` path is refused even then.
- A FIFO, a device or a socket is refused before it is opened for reading (opening a FIFO to
  read would wait forever for a writer): the file is opened without blocking and checked on
  the open handle, so nothing can be swapped in between the check and the read.
- The bytes are read once, here. The readers get those bytes, never the path: GDAL works on an
  in-memory copy, so what is parsed is exactly what the load cache hashed, and a format that
  points at other files finds none.
- GDAL picks its driver by content, not by extension, and some drivers open other files or
  URLs named inside the content (VRT, GDALG pipelines, web services). So the content is first
  checked to be the format the extension names (its signature: SQLite with GeoPackage's
  application id, FlatGeobuf's magic bytes, a JSON object that is a GeoJSON feature
  collection), and the driver GDAL then opens it with must be that format's (GeoJSON: see
  :func:`read_with_gdal`; a big file's signature is its leading ``type`` member, see
  :data:`WHOLE_JSON_CHECK_BYTES`). GDAL's network file systems are switched off for the process.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import stat
import threading
import time
from pathlib import Path

GDAL_DRIVERS = {"GeoJSON": "GeoJSON", "GeoPackage": "GPKG", "FlatGeobuf": "FlatGeobuf"}
"""The one GDAL driver each bulk format may be opened with."""

GDAL_SAFETY_OPTIONS = {
    # /vsicurl/ and its kin may open only this file name, which no URL has.
    "CPL_VSIL_CURL_ALLOWED_FILENAME": "/influencemap-forbids-network-access",
    "GDAL_HTTP_TIMEOUT": "1",
    "GDAL_HTTP_MAX_RETRY": "0",
    # SQLite views and triggers of a GeoPackage must not open other data sources.
    "ALLOW_VIRTUAL_OGR_FROM_TRIGGER_AND_VIEW": "NO",
    "GDAL_ALLOW_REMOTE_RESOURCE_TO_ACCESS_LOCAL_FILE": "NO",
}

_VSI_PREFIX = "/vsi"


class DataAccessError(Exception):
    """Why a data file is refused or cannot be read; the message names the file as written."""


def resolve(base: Path, written: str, allow_outside: bool) -> Path:
    """The data file that ``written`` (the ``data:`` value) names, relative to ``base``, the
    layer file's folder; refused when outside that folder (unless allowed) or virtual."""
    if written.replace("\\", "/").lower().startswith(_VSI_PREFIX) or "\0" in written:
        raise DataAccessError(f"data file '{written}' is not a plain file path: GDAL virtual paths (/vsi…) are not read")
    folder = base.resolve()
    path = (folder / written).resolve()
    if str(path).lower().startswith(_VSI_PREFIX):
        raise DataAccessError(f"data file '{written}' is not a plain file path: GDAL virtual paths (/vsi…) are not read")
    if not allow_outside and not path.is_relative_to(folder):
        raise DataAccessError(
            f"data file '{written}' is outside the layer's folder ({path}): move it into the folder "
            "or below it, or allow data outside the folder (influencemap --allow-outside-data)"
        )
    return path


def read_regular(path: Path, what: str = "file") -> bytes:
    """The bytes of ``path`` if it is a regular file; refuses FIFOs, devices and sockets
    without waiting for them (it opens without blocking and checks the open file). ``what``
    names the file in messages (``data file 'x.csv'``)."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise DataAccessError(f"cannot read {what}: {exc.strerror}") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise DataAccessError(f"{what} is not a regular file ({_kind(mode)}): not read")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        with os.fdopen(fd, "rb", closefd=False) as handle:
            return handle.read()
    except OSError as exc:
        raise DataAccessError(f"cannot read {what}: {exc.strerror}") from None
    finally:
        os.close(fd)


def identity(path: Path) -> tuple[int, int, int, int, int] | None:
    """(device, inode, size, mtime, ctime) of a regular file, or None (see
    :func:`influencemap.model.load_cache.data_file_digest`, which trusts a remembered hash of a
    big data file while these are all unchanged)."""
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    if not stat.S_ISREG(st.st_mode):
        return None
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


_reads_lock = threading.Lock()
_reads: dict[str, tuple[str, int, tuple[int, int, int, int, int]]] = {}
"""path → (content hash, when the read began, the file's identity before and after it), for the
data files this process read whole while their identity stayed the same."""


def read_and_hash(path: Path, what: str = "file") -> tuple[bytes, str]:
    """:func:`read_regular` and :func:`file_hash` of its bytes; the file's identity around the
    read is noted (:func:`read_identity`) so that the load cache can remember the hash by
    identity at once: the first cached load after a first read then need not read and hash a
    186 MB file again (that cost a second of a 1.3 s cached export)."""
    before = identity(path)
    read_at = time.time_ns()
    content = read_regular(path, what)
    digest = file_hash(content)
    after = identity(path)
    if before is not None and before == after:
        with _reads_lock:
            _reads[str(path)] = (digest, read_at, after)
    return content, digest


def read_identity(path: str, digest: str) -> tuple[int, tuple[int, int, int, int, int]] | None:
    """(when the read began, the identity) of this process's whole read of ``path`` that gave
    ``digest``, if there was one and the file did not change during it."""
    with _reads_lock:
        known = _reads.get(path)
    if known is None or known[0] != digest:
        return None
    return known[1], known[2]


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "a special file"


# -- the format the extension names --------------------------------------------------------------


def check_signature(kind: str, content: bytes, label: str) -> None:
    """Refuse content that is not the format ``kind`` names (what GDAL would otherwise guess)."""
    problem = _signature_problem(kind, content)
    if problem is not None:
        raise DataAccessError(f"data file '{label}' is not {kind}: {problem}; not read")


def _signature_problem(kind: str, content: bytes) -> str | None:
    if kind == "GeoPackage":
        if not content.startswith(b"SQLite format 3\x00"):
            return "it does not start as an SQLite database does"
        if content[68:72] not in (b"GPKG", b"GP10", b"GP11"):
            return "its SQLite application id is not GeoPackage's"
        return None
    if kind == "FlatGeobuf":
        if len(content) < 8 or content[:3] != b"fgb" or content[4:7] != b"fgb":
            return "it does not start with FlatGeobuf's magic bytes"
        return None
    if kind == "GeoParquet":
        if not (content.startswith(b"PAR1") and content.endswith(b"PAR1")):
            return "it does not start and end as a Parquet file does"
        return None
    if kind == "GeoJSON":
        return _geojson_problem(content)
    return None


def _geojson_problem(content: bytes) -> str | None:
    text = content[3:] if content.startswith(b"\xef\xbb\xbf") else content
    if not text.lstrip()[:1] == b"{":
        return "it does not start with '{' (a GeoJSON object)"
    if b"gdal_streamed_alg" in text:
        return "it is a GDAL pipeline, which reads other data"
    if len(text) > WHOLE_JSON_CHECK_BYTES:
        found = _leading_type(text)
        if found is not _UNKNOWN:
            return None if found in ("FeatureCollection", "Feature") else (
                "its top level is not a GeoJSON FeatureCollection or Feature"
            )
    try:
        document = json.loads(text)
    except (ValueError, RecursionError) as exc:
        return f"it is not valid JSON ({str(exc).splitlines()[0][:120]})"
    if not isinstance(document, dict) or document.get("type") not in ("FeatureCollection", "Feature"):
        return "its top level is not a GeoJSON FeatureCollection or Feature"
    return None


WHOLE_JSON_CHECK_BYTES = 8_000_000
"""Up to this size a GeoJSON file is parsed whole for its signature check. A bigger one is
checked by its top-level ``type`` member read from the start of the file (writers put it
first): parsing a million features into Python objects took longer than GDAL's own read and
1.4 GB of memory, and GDAL then parses the document anyway (and reports invalid JSON)."""

_LEADING_BYTES = 1 << 20
_UNKNOWN = object()
_JSON_SPACE = re.compile(r"[ \t\n\r]*")


def _leading_type(text: bytes) -> object:
    """The value of the top-level ``type`` member when it comes before ``features`` in the
    first megabyte, else ``_UNKNOWN`` (the caller then parses the whole document)."""
    head = text[:_LEADING_BYTES].decode("utf-8", errors="replace")
    decoder = json.JSONDecoder()
    try:
        at = _JSON_SPACE.match(head, head.index("{") + 1).end()
        while head[at] == '"':
            key, at = decoder.raw_decode(head, at)
            at = _JSON_SPACE.match(head, at).end()
            if head[at] != ":":
                return _UNKNOWN
            at = _JSON_SPACE.match(head, at + 1).end()
            if key == "type":
                return decoder.raw_decode(head, at)[0]
            if key == "features":
                return _UNKNOWN
            at = _JSON_SPACE.match(head, decoder.raw_decode(head, at)[1]).end()
            if head[at] != ",":
                return _UNKNOWN
            at = _JSON_SPACE.match(head, at + 1).end()
    except (ValueError, IndexError, RecursionError):
        pass
    return _UNKNOWN


# -- GDAL ----------------------------------------------------------------------------------------

_gdal_configured = False


def _configure_gdal() -> None:
    global _gdal_configured
    if not _gdal_configured:
        import pyogrio

        pyogrio.set_gdal_config_options(GDAL_SAFETY_OPTIONS)
        _gdal_configured = True


def read_with_gdal(kind: str, content: bytes, label: str):
    """The data file's GeoDataFrame, read from its bytes by the one driver of its format,
    through GDAL's Arrow stream (one open; columns converted by pyarrow, not cell by cell).

    A GeoPackage's or FlatGeobuf's driver is asked for first (opening them reads a header).
    GeoJSON is not: GDAL's GeoJSON driver parses the whole document to open it, so asking
    would parse a million features twice. Its signature check stands in: content whose top
    level is a GeoJSON object and not a GDAL pipeline is claimed by GDAL's JSON readers only
    (GeoJSON, or JSON-FG, ESRIJSON, TopoJSON for their own members), which read these bytes
    and open nothing else."""
    import warnings

    import pyogrio

    _configure_gdal()
    expected = GDAL_DRIVERS[kind]
    with warnings.catch_warnings():
        # GDAL names its in-memory copy without the extension; the content was checked instead.
        warnings.filterwarnings("ignore", message=".*non conformant file extension", category=RuntimeWarning)
        # NaN coordinates are reported row by row by the geometry checks (geometry_parts.row_geometry).
        warnings.filterwarnings("ignore", message="invalid value encountered in from_wkb", category=RuntimeWarning)
        if kind != "GeoJSON":
            try:
                driver = pyogrio.read_info(io.BytesIO(content)).get("driver")
            except Exception as exc:  # GDAL's errors
                raise DataAccessError(f"cannot read data file '{label}' as {kind}: {exc}") from None
            if driver != expected:
                raise DataAccessError(
                    f"data file '{label}' is read by GDAL's {driver} driver, not {expected}: not read"
                )
        try:
            return pyogrio.read_dataframe(io.BytesIO(content), use_arrow=_has_pyarrow())
        except Exception as exc:  # GDAL's errors
            raise DataAccessError(f"cannot read data file '{label}' as {kind}: {exc}") from None


def _has_pyarrow() -> bool:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return False
    return True


def file_hash(data: bytes) -> str:
    """The content hash a result records for each data file it was read from (the load cache
    reads the file again when the file's hash has changed)."""
    return hashlib.blake2b(data, digest_size=20).hexdigest()
