"""A bulk layer's data file read into columns, fast (issue 14: a million rows).

The bytes come from :mod:`.data_access` (checked, never the path). What comes out is what the
row rules in :mod:`.bulk_rows` read: each column as a list of cells, each row's geometry (a
shapely object array) and, when every row is a point, its coordinates as two float arrays —
the shape the columnar model wants, so that nobody has to take a million points apart again.

Why each reader is the one it is (measured on 1M points, see docs/performance.md):

- GeoJSON, GeoPackage, FlatGeobuf: GDAL through pyogrio's Arrow stream (``use_arrow=True``),
  opened once. GDAL's GeoJSON driver parses the whole document when it opens it, so asking
  for the driver's name first (``read_info``) and then reading cost one full parse more — a
  quarter of the read. For GeoJSON the content's signature check (its top-level ``type``) is
  what rules the other drivers out (see :func:`.data_access.read_with_gdal`). The usual big
  GeoJSON — a FeatureCollection of 2-D points with flat properties — is read without GDAL by
  :mod:`.geojson_points` (msgspec, a slice at a time; 1M points ~3 s instead of ~12 s), which
  gives GDAL's cells or declines (:func:`_plain_geojson`).
- GeoParquet: pyarrow through geopandas (it reads the ``geo`` metadata: column, encoding, CRS).
  The usual big file — text columns and 2-D points as WKB in longitude and latitude — is read
  by pyarrow alone (:func:`_point_geoparquet`): the coordinates straight from the WKB bytes,
  no shapely object and no pandas column per row (1M points: a fraction of the time and ~0.5 GB
  less); anything else goes through geopandas as before.
- CSV: pyarrow's multi-threaded CSV reader, every column as text (as pandas' ``dtype=str``
  with no NA guessing, the reader this replaces); a file it does not read exactly as pandas
  would (repeated column names, ragged rows, bad bytes) goes to pandas, which says why.
"""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from influencemap.model import crs_lonlat


class DataTableError(Exception):
    """The file cannot be read as its format; the message names the file as written."""


@dataclass
class DataTable:
    """The columns and geometries of one data file."""

    columns: dict[str, list]
    """Cells as Python values (text, numbers, dates, lists), one list per column, in file order."""
    geometries: Any
    """Each row's shapely geometry (an object array; :class:`PointGeometries` when every row is
    a 2-D point), or None for CSV (coordinates in columns)."""
    rows: int
    points: tuple[np.ndarray, np.ndarray] | None = None
    """Longitudes and latitudes when every row's geometry is a 2-D point (else None)."""
    texts: frozenset[str] = frozenset()
    """Columns known to hold only text and None (a GeoParquet's string columns)."""
    codes: dict[str, tuple[np.ndarray, list]] = field(default_factory=dict)
    """For columns read through a dictionary (few distinct texts): ``(codes, values)``, each
    row's cell being ``values[codes[row]]``, so that a reader can work per distinct cell at
    C speed (a million rows' countries are a handful of texts)."""


def read_table(content: bytes, kind: str, label: str) -> DataTable:
    """The table of a data file's bytes; ``kind`` is the format its extension names."""
    if kind == "CSV":
        return read_csv(content, label)
    if kind == "GeoParquet":
        return _point_geoparquet(content) or _geo_table(_read_geoparquet(content, label))
    from influencemap.model import data_access

    if kind == "GeoJSON":
        table = _plain_geojson(content, label)
        if table is not None:
            return table
    try:
        frames = [data_access.read_with_gdal(kind, content, label)]
    except data_access.DataAccessError as exc:
        raise DataTableError(str(exc)) from None
    return _geo_table(frames.pop())  # held by _geo_table alone, which lets go of its geometries early


def _plain_geojson(content: bytes, label: str) -> DataTable | None:
    """A FeatureCollection of 2-D points with flat properties, read without GDAL's two passes
    (:mod:`.geojson_points`), or None when GDAL must read it."""
    from influencemap.model import data_access, geojson_points

    def ask_gdal(name: str, values: list) -> list:
        try:
            frame = data_access.read_with_gdal("GeoJSON", geojson_points.ask_document(name, values), label)
        except data_access.DataAccessError:
            raise geojson_points.Declined from None
        cells = _geo_table(frame).columns.get(name)
        if cells is None or len(cells) != len(values):
            raise geojson_points.Declined
        return cells

    found = geojson_points.read_points(content, ask_gdal)
    if found is None:
        return None
    columns, lons, lats = found
    return DataTable(columns, PointGeometries(lons, lats), len(lons), (lons, lats))


# -- CSV -----------------------------------------------------------------------------------------


def read_csv(content: bytes, label: str) -> DataTable:
    """Every column as text, empty cells as ``""``, as pandas ``dtype=str`` reads them."""
    columns = _arrow_csv(content)
    if columns is None:
        columns = _pandas_csv(content, label)
    rows = len(next(iter(columns.values()))) if columns else 0
    return DataTable(columns, None, rows)


def _arrow_csv(content: bytes) -> dict[str, list] | None:
    """The columns by pyarrow, or None when pyarrow is missing or its reading could differ
    from pandas' (then pandas reads the file and reports what is wrong with it)."""
    try:
        import pyarrow as pa
        import pyarrow.csv as pacsv
    except ImportError:
        return None
    header = _csv_header(content)
    if header is None or len(set(header)) != len(header) or not all(header):
        return None  # pandas renames repeated and empty names ('a.1', 'Unnamed: 0')
    try:
        table = pacsv.read_csv(
            io.BytesIO(content),
            read_options=pacsv.ReadOptions(use_threads=True, block_size=1 << 24),
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types={name: pa.string() for name in header},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
                null_values=[],
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowException, ValueError, UnicodeDecodeError):
        return None
    if table.column_names != header:
        return None
    return {name: table.column(name).to_pylist() for name in header}


def _csv_header(content: bytes) -> list[str] | None:
    """The names in the first record, read as pandas reads them (BOM dropped), or None."""
    import csv

    try:
        text = io.TextIOWrapper(io.BytesIO(content), encoding="utf-8-sig", newline="")
        return next(csv.reader(text))
    except (StopIteration, UnicodeDecodeError, csv.Error):
        return None


def _pandas_csv(content: bytes, label: str) -> dict[str, list]:
    import pandas as pd

    try:
        frame = pd.read_csv(io.BytesIO(content), dtype=str, keep_default_na=False, na_filter=False, encoding="utf-8-sig")
    except (ValueError, UnicodeDecodeError, OSError) as exc:
        raise DataTableError(f"cannot read data file '{label}' as CSV: {exc}") from None
    return {str(c): frame[c].tolist() for c in frame.columns}


# -- geographic formats --------------------------------------------------------------------------


def _read_geoparquet(content: bytes, label: str):
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise DataTableError(f"reading GeoParquet ('{label}') needs pyarrow: pip install pyarrow") from None
    import geopandas

    try:
        return geopandas.read_parquet(io.BytesIO(content))
    except Exception as exc:  # pyarrow's and geopandas' many error types
        raise DataTableError(f"cannot read data file '{label}' as GeoParquet: {exc}") from None


def _geo_table(frame) -> DataTable:
    """A GeoDataFrame's columns and geometries, in longitude and latitude."""
    import shapely

    if frame.crs is not None and not frame.crs.equals("EPSG:4326"):
        frame = frame.to_crs("EPSG:4326")  # features are in longitude and latitude
    geometry = frame.geometry.name
    shapes = np.asarray(frame.geometry.values, dtype=object)
    points = _point_coordinates(shapes, shapely)
    if points is not None:  # a million shapely points are ~200 MB; the rows need their coordinates
        shapes = PointGeometries(*points)
        frame = frame.drop(columns=geometry)  # the shapely points go before the columns become lists
    columns = {str(c): frame[c].tolist() for c in frame.columns if c != geometry}
    return DataTable(columns, shapes, len(frame), points)


def _point_coordinates(shapes: np.ndarray, shapely) -> tuple[np.ndarray, np.ndarray] | None:
    """(lon, lat) arrays when every shape is a non-empty 2-D point, else None."""
    if not len(shapes):
        return None
    if (shapely.get_type_id(shapes) != 0).any() or shapely.is_empty(shapes).any() or shapely.has_z(shapes).any():
        return None
    xy = shapely.get_coordinates(shapes)
    return np.ascontiguousarray(xy[:, 0]), np.ascontiguousarray(xy[:, 1])


# -- GeoParquet of text columns and points, without geopandas ----------------------------------

_WKB_POINT = 21
"""Bytes of a little-endian 2-D WKB point: byte order 1, type 1 (uint32), x and y (float64)."""


def _point_geoparquet(content: bytes) -> DataTable | None:
    """The table of a GeoParquet file whose columns are all text and whose geometries are
    all 2-D points (WKB, little-endian, finite) in a CRS equal to EPSG:4326; None for any
    other file (geopandas reads it). What comes out is what :func:`_geo_table` makes of
    geopandas' reading of the same file: the same columns in the same order (empty cells as
    None, which the rows read as geopandas' NaN), the same point coordinates
    (:class:`PointGeometries`)."""
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        return None
    try:
        # ParquetFile, not read_table: the same table (tests/model/test_bulk_columns.py compares
        # it with geopandas' reading) without importing pyarrow.dataset and pandas (0.3 s), and
        # read whole in one chunk per column (1M points: 0.36 s, read_table 0.86 s)
        table = pq.ParquetFile(pa.BufferReader(content)).read()
        geo = json.loads((table.schema.metadata or {}).get(b"geo", b"null"))
        pandas_meta = json.loads((table.schema.metadata or {}).get(b"pandas", b"null")) or {}
    except Exception:  # pyarrow's many error types: geopandas reads it and says what is wrong
        return None
    if not isinstance(geo, dict) or not isinstance(geo.get("columns"), dict) or not isinstance(pandas_meta, dict):
        return None
    primary = geo.get("primary_column")
    info = geo["columns"].get(primary)
    if len(geo["columns"]) != 1 or not isinstance(info, dict) or info.get("encoding") != "WKB":
        return None
    if any(not isinstance(c, dict) for c in pandas_meta.get("index_columns", [])) or len(pandas_meta.get("column_indexes", [])) > 1:
        return None  # an index kept as columns, or several levels of column names: geopandas' reading
    if not crs_lonlat.is_lonlat(info):
        return None
    names = [name for name in table.column_names if name != primary]
    if len(set(table.column_names)) != len(table.column_names) or primary not in table.column_names:
        return None
    text_types = (pa.string(), pa.large_string())
    if any(field.type not in text_types for field in table.schema if field.name != primary):
        return None
    try:
        shapes = table.column(primary).combine_chunks()
        points = _wkb_points(shapes)
        if points is None:
            return None
        columns, codes = {}, {}
        for name in names:
            cells, coded = _text_cells(table.column(name))
            columns[str(name)] = cells
            if coded is not None:
                codes[str(name)] = coded
    except (pa.ArrowException, KeyError, ValueError):  # anything unforeseen: geopandas reads it as before
        return None
    return DataTable(columns, PointGeometries(*points), len(points[0]), points, frozenset(columns), codes)


def _text_cells(column) -> tuple[list, tuple[np.ndarray, list] | None]:
    """A text column's cells (None where empty), and for a column of few distinct texts
    (dates, countries), read through its dictionary, its ``(codes, values)`` (see
    :attr:`DataTable.codes`): each text one Python string, shared by its rows, instead of one
    per row (the same values, a fraction of the memory)."""
    import pyarrow.compute as pc

    sample = column.slice(0, 4096)
    if 2 * pc.count_distinct(sample, mode="all").as_py() > len(sample):  # mostly distinct (ids, names)
        # to_pylist, not to_numpy().tolist(): the same list, and to_numpy of a text column
        # imports pandas (0.24 s) for its object conversion
        return column.to_pylist(), None
    encoded = pc.dictionary_encode(column).combine_chunks()
    values = [*encoded.dictionary.to_pylist(), None]
    codes = _indices_or(encoded.indices, len(encoded.dictionary))
    texts = np.empty(len(values), dtype=object)
    texts[:] = values
    return texts[codes].tolist(), (codes, values)


def _indices_or(indices, missing: int) -> np.ndarray:
    """A dictionary array's indices as numpy, ``missing`` where a cell is null: read from the
    Arrow buffers, because pyarrow's own ``to_numpy`` and ``fill_null`` import pandas (0.24 s)
    even for an integer array without nulls."""
    start, count = indices.offset, len(indices)
    validity, values = indices.buffers()[:2]
    rows = np.frombuffer(values, dtype=indices.type.to_pandas_dtype())[start: start + count]
    if not indices.null_count:
        return rows
    valid = np.unpackbits(np.frombuffer(validity, dtype=np.uint8), bitorder="little")[start: start + count]
    return np.where(valid.astype(bool), rows, missing)


def _wkb_points(shapes) -> tuple[np.ndarray, np.ndarray] | None:
    """The longitudes and latitudes of a binary Arrow array of WKB geometries when every one is a
    little-endian 2-D point with finite coordinates (else None: an empty point is NaN, NaN,
    which shapely reads as empty)."""
    import pyarrow as pa

    if shapes.null_count or not (pa.types.is_binary(shapes.type) or pa.types.is_large_binary(shapes.type)):
        return None
    count = len(shapes)
    if not count:
        return None
    offsets = np.frombuffer(shapes.buffers()[1], dtype=np.int64 if pa.types.is_large_binary(shapes.type) else np.int32)
    offsets = offsets[shapes.offset: shapes.offset + count + 1]
    if not (np.diff(offsets) == _WKB_POINT).all():
        return None
    points = np.frombuffer(shapes.buffers()[2], dtype=_WKB_POINT_RECORD, count=count, offset=int(offsets[0]))
    if not ((points["order"] == 1).all() and (points["type"] == 1).all()):
        return None
    lons, lats = np.ascontiguousarray(points["x"], dtype=np.float64), np.ascontiguousarray(points["y"], dtype=np.float64)
    return (lons, lats) if np.isfinite(lons).all() and np.isfinite(lats).all() else None


_WKB_POINT_RECORD = np.dtype([("order", "u1"), ("type", "<u4"), ("x", "<f8"), ("y", "<f8")])
"""A little-endian 2-D WKB point as numpy reads it in place: byte order, type, x, y (21 bytes)."""


class PointGeometries(Sequence):
    """The rows' geometries of a file whose rows are all 2-D points, made from the coordinate
    arrays when asked for: the rows need the coordinates (:attr:`DataTable.points`) and a
    shapely point only for the few out of range (:meth:`.bulk_positions.RowPositions.positions`), so a
    million points do not stay in memory as a million objects (~200 MB). Each is the point
    the file's geometry was: the same two coordinates."""

    def __init__(self, lons: np.ndarray, lats: np.ndarray) -> None:
        self._lons, self._lats = lons, lats

    def __len__(self) -> int:
        return len(self._lons)

    def __getitem__(self, row):  # type: ignore[override]
        import shapely

        if isinstance(row, slice):
            return shapely.points(self._lons[row], self._lats[row]).tolist()
        if not -len(self._lons) <= row < len(self._lons):
            raise IndexError("row out of range")
        return shapely.points(float(self._lons[row]), float(self._lats[row]))

    def __iter__(self):
        import shapely

        return iter(shapely.points(self._lons, self._lats).tolist())


# -- memory ----------------------------------------------------------------------------------------


def give_back_memory() -> None:
    """Hand the C heap's free pages back to the system (glibc's ``malloc_trim``; elsewhere
    nothing). Reading a big data file frees hundreds of megabytes (GDAL's parse, the file's
    bytes, the file's own columns) that the allocators (the C library's, pyarrow's pool) would
    otherwise keep for this process:
    measured on 1M GeoJSON points, the process then held ~250 MB less through the rest of the
    export (the peak 1.24 → 1.07 GB)."""
    global _trim
    if _trim is None:
        _trim = _find_trim()
    _trim()
    arrow = sys.modules.get("pyarrow")
    if arrow is not None:  # pyarrow's own pool (GeoParquet's and GDAL's Arrow tables) keeps its pages too
        arrow.default_memory_pool().release_unused()


_trim = None


def _find_trim():
    import ctypes

    if not sys.platform.startswith("linux"):
        return lambda: None
    try:
        # The process's own symbols (the C library is loaded): ctypes.util.find_library would
        # spawn ldconfig, a fork of a process holding a big layer, from the loading thread.
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):  # not glibc (musl has no malloc_trim)
        return lambda: None
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return lambda: trim(0)
