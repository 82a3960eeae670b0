"""Bulk data layers: a layer whose features are the rows of a data file.

    id: aiddata-china
    name: Chinese development finance (AidData)
    data: aiddata.csv                  # relative to this file
    fields: {id: project_id, name: title, date: commitment_year, countries: recipient_iso2}
    defaults: {sources: [aiddata-3], precision: country}

GeoJSON, GeoPackage and FlatGeobuf files are read with pyogrio (their geometry is the
feature's point, line or polygon), GeoParquet with pyarrow (if installed), CSV with pandas (its
``lon``/``lat`` columns, or the columns ``fields`` maps to ``lon`` and ``lat``). A feature key
that ``fields`` does not map is read from the column of the same name, if there is one; the
layer's ``defaults`` supply what a row lacks. Rows are checked by the same rules as written
features, a column at a time; each kind of problem is reported once, at the ``data:`` (or
``fields:``) line, naming the rows and the column. A row with an error is left out.

This module finds and reads the file(s) into one table; :mod:`.bulk_rows` makes the rows
features (reading each key's cells with :mod:`.bulk_columns` and :mod:`.bulk_cells`, wording
the problems with :mod:`.bulk_problems`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from influencemap.model import data_access, field_map
from influencemap.model.bulk_columns import RowTable
from influencemap.model.bulk_problems import DataError
from influencemap.model.bulk_rows import CITATION_KEYS, ROW_KEYS, Rows
from influencemap.model.field_map import FieldMap
from influencemap.model.fields import FieldReader, ParsedDefaults
from influencemap.model.file_result import FileResult
from influencemap.model.yaml_nodes import Node


class FileReader(Protocol):
    """What the rows need of the reader of the layer file: its field reader (problems with
    positions), its result (features, refs, sources, dependencies) and its options."""

    display: str
    reader: FieldReader
    result: FileResult
    """Where the data file's own sources and dependencies go."""
    tables: list[dict[str, list]]
    """Where the rows go, as table columns."""
    allow_outside_data: bool


FORMATS = {
    ".csv": "CSV",
    ".geojson": "GeoJSON",
    ".json": "GeoJSON",
    ".gpkg": "GeoPackage",
    ".fgb": "FlatGeobuf",
    ".parquet": "GeoParquet",
    ".geoparquet": "GeoParquet",
}

FIELD_KEYS = (*ROW_KEYS, "lon", "lat", "figures", *CITATION_KEYS)
TEMPLATE_KEYS = ("id", "name", "description", "locator")
"""Keys whose ``fields`` entry may be a template over the row: ``"aiddata-{Project ID}"``."""
GLOB_CHARACTERS = set("*?[")


def read_rows(reader: FileReader, layer_id: str, defaults: ParsedDefaults, data_node: Node, fields_node: Node | None) -> None:
    """Add the rows of the layer's data file (or files) to the reader's result as features."""
    fields = _read_fields(reader, fields_node)
    if fields is None:
        return
    written = _data_names(reader, data_node)
    if written is None:
        return
    base = Path(reader.display).parent
    tables = []
    for name in written:
        try:
            path = data_access.resolve(base, name, reader.allow_outside_data)
        except (data_access.DataAccessError, OSError, ValueError, RuntimeError) as exc:
            reader.reader.error(data_node, str(exc) if isinstance(exc, data_access.DataAccessError) else f"cannot resolve data file '{name}': {exc}")
            return
        kind = FORMATS.get(Path(name).suffix.lower())  # the extension as written (a link may have none)
        if kind is None:
            reader.reader.error(
                data_node, f"data file '{name}' has an unknown format: use {', '.join(sorted(set(FORMATS)))}"
            )
            return
        try:
            content, digest = data_access.read_and_hash(path, f"data file '{name}'")
        except data_access.DataAccessError as exc:
            reader.reader.error(data_node, str(exc))
            return
        reader.result.dependencies.append((str(path), digest))
        try:
            data_access.check_signature(kind, content, name)
            tables.append(_read_table(content, kind, name, fields))
        except (DataError, data_access.DataAccessError) as exc:
            reader.reader.error(data_node, str(exc))
            return
        del content  # read into columns: the file's bytes (185 MB for 1M GeoJSON points) need not wait for the rows
    try:
        table = _join_tables(tables, _written_label(data_node, written))
    except DataError as exc:
        reader.reader.error(data_node, str(exc))
        return
    big = table.rows >= BIG_TABLE
    if big:
        _give_back_memory()  # what reading the file took (GDAL's parse, the bytes), before the rows take theirs
    rows = Rows(reader, layer_id, defaults, data_node, fields_node, fields, table)
    del tables, table
    rows.read()
    del rows  # the file's own columns: only the table's are kept (their memory is reused by
    # what comes next; a long-lived caller hands it back once its load is done: the app's
    # catalog loader calls data_tables.give_back_memory)


BIG_TABLE = 100_000
"""Rows from which the memory a file's reading freed is handed back to the system at once."""


def _give_back_memory() -> None:
    from influencemap.model.data_tables import give_back_memory

    give_back_memory()


def _written_label(node: Node, names: list[str]) -> str:
    if node.is_scalar and len(names) == 1 and not GLOB_CHARACTERS & set(str(node.value)):
        return names[0]
    if node.is_scalar:
        return str(node.value)
    return ", ".join(names) if len(names) <= 3 else f"{names[0]}, … ({len(names)} files)"


def _data_names(reader: FileReader, node: Node) -> list[str] | None:
    """The files ``data:`` names: one file, a list of files, or a pattern (``projects/*.geojson``,
    ``**`` for sub-folders) matched in the layer's folder, in name order."""
    if node.is_seq:
        names = reader.reader.text_list(node, "data")
        if names is None:
            return None
        if not names:
            reader.reader.error(node, "data must name at least one file")
            return None
    else:
        written = reader.reader.text(node, "data")
        if written is None:
            return None
        names = [written]
    result: list[str] = []
    base = Path(reader.display).parent
    for name in names:
        if not GLOB_CHARACTERS & set(name):
            result.append(name)
            continue
        if Path(name).is_absolute() or ".." in Path(name).parts:
            reader.reader.error(node, f"data pattern '{name}' must be relative to the layer's folder, without '..'")
            return None
        try:
            matches = sorted(p for p in base.glob(name) if not p.is_dir())
        except (OSError, ValueError) as exc:
            reader.reader.error(node, f"data pattern '{name}' cannot be matched: {exc}")
            return None
        if not matches:
            reader.reader.error(node, f"data pattern '{name}' matches no file in {base}")
            return None
        result.extend(str(p.relative_to(base)) for p in matches)
    return result


def _join_tables(tables: list[RowTable], label: str) -> RowTable:
    """Several files read as one table: the union of their columns (a column a file lacks is
    empty in its rows), their rows in order."""
    if len(tables) == 1:
        return tables[0]
    if len({t.geometries is None for t in tables}) > 1:
        raise DataError("data files mix CSV (lon/lat columns) and geographic formats: use one kind")
    columns: dict[str, list] = {}
    for table in tables:
        for name in table.columns:
            columns.setdefault(name, [])
    parts, first = [], 0
    for table in tables:
        for name, cells in columns.items():
            cells.extend(table.columns.get(name, [None] * table.rows))
        parts.append((table.label, first))
        first += table.rows
    geometries = None if tables[0].geometries is None else [g for t in tables for g in t.geometries]  # type: ignore[union-attr]
    points = None
    if all(t.points is not None for t in tables):  # every file's rows all points: so are the joined rows
        import numpy as np

        points = tuple(np.concatenate([t.points[k] for t in tables]) for k in (0, 1))  # type: ignore[index]
    return RowTable(columns, geometries, first, label, tuple(parts), points)


def _read_fields(reader: FileReader, node: Node | None) -> FieldMap | None:
    """``fields``: feature key → how its cells are read (see :mod:`.field_map`)."""
    if node is None:
        return FieldMap()
    before = reader.reader.error_count
    keys = reader.reader.mapping(node, "fields", FIELD_KEYS)
    if keys is None:
        return None
    result = FieldMap()
    for key, value in keys.items():
        if key == "figures":
            figures = field_map.read_figures(reader.reader, value)
            result.figures = figures or []
            result.figures_node = value
            continue
        spec = field_map.read_spec(reader.reader, key, value, key in TEMPLATE_KEYS)
        if spec is not None:
            if spec.template is not None and key not in TEMPLATE_KEYS:
                reader.reader.error(value, f"a template is for {', '.join(TEMPLATE_KEYS)}, not '{key}'")
            result.specs[key] = spec
    return result if reader.reader.error_count == before else None


def _read_table(content: bytes, kind: str, label: str, fields: dict) -> RowTable:
    """The table of the data file's bytes (never its path: see :mod:`.data_access`), read into
    columns by :mod:`.data_tables`."""
    from influencemap.model.data_tables import DataTableError, read_table

    try:
        table = read_table(content, kind, label)
    except DataTableError as exc:
        raise DataError(str(exc)) from None
    return RowTable(table.columns, table.geometries, table.rows, label, points=table.points, codes=table.codes, texts=table.texts)

