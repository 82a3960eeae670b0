"""A bulk layer's data file read into columns, fast (issue 14: a million rows).

The bytes come from :mod:`.data_access` (checked, never the path). What comes out is what the
row rules in :mod:`.bulk_data` read: each column as a list of cells, each row's geometry (a
shapely object array) and, when every row is a point, its coordinates as two float arrays —
the shape the columnar model wants, so that nobody has to take a million points apart again.

Why each reader is the one it is (measured on 1M points, see docs/performance.md):

- GeoJSON, GeoPackage, FlatGeobuf: GDAL through pyogrio's Arrow stream (``use_arrow=True``),
  opened once. GDAL's GeoJSON driver parses the whole document when it opens it, so asking
  for the driver's name first (``read_info``) and then reading cost one full parse more — a
  quarter of the read. For GeoJSON the content's signature check (its top-level ``type``) is
  what rules the other drivers out (see :func:`.data_access.read_with_gdal`).
- GeoParquet: pyarrow through geopandas (it reads the ``geo`` metadata: column, encoding, CRS).
- CSV: pyarrow's multi-threaded CSV reader, every column as text (as pandas' ``dtype=str``
  with no NA guessing, the reader this replaces); a file it does not read exactly as pandas
  would (repeated column names, ragged rows, bad bytes) goes to pandas, which says why.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import numpy as np


class DataTableError(Exception):
    """The file cannot be read as its format; the message names the file as written."""


@dataclass
class DataTable:
    """The columns and geometries of one data file."""

    columns: dict[str, list]
    """Cells as Python values (text, numbers, dates, lists), one list per column, in file order."""
    geometries: Any
    """Each row's shapely geometry (an object array), or None for CSV (coordinates in columns)."""
    rows: int
    points: tuple[np.ndarray, np.ndarray] | None = None
    """Longitudes and latitudes when every row's geometry is a 2-D point (else None)."""


def read_table(content: bytes, kind: str, label: str) -> DataTable:
    """The table of a data file's bytes; ``kind`` is the format its extension names."""
    if kind == "CSV":
        return read_csv(content, label)
    if kind == "GeoParquet":
        return _geo_table(_read_geoparquet(content, label))
    from influencemap.model import data_access

    try:
        frame = data_access.read_with_gdal(kind, content, label)
    except data_access.DataAccessError as exc:
        raise DataTableError(str(exc)) from None
    return _geo_table(frame)


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
    columns = {str(c): frame[c].tolist() for c in frame.columns if c != geometry}
    shapes = np.asarray(frame.geometry.values, dtype=object)
    return DataTable(columns, shapes, len(frame), _point_coordinates(shapes, shapely))


def _point_coordinates(shapes: np.ndarray, shapely) -> tuple[np.ndarray, np.ndarray] | None:
    """(lon, lat) arrays when every shape is a non-empty 2-D point, else None."""
    if not len(shapes):
        return None
    if (shapely.get_type_id(shapes) != 0).any() or shapely.is_empty(shapes).any() or shapely.has_z(shapes).any():
        return None
    xy = shapely.get_coordinates(shapes)
    return np.ascontiguousarray(xy[:, 0]), np.ascontiguousarray(xy[:, 1])
