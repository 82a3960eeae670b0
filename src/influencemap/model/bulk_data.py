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
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable

from influencemap.model import schema
from influencemap.model.dates import DateError, first_day, last_day, parse_partial_date
from influencemap.model.types import Citation, Feature, GeometryKind, Precision
from influencemap.model.yaml_nodes import Node

if TYPE_CHECKING:
    from influencemap.model.loader import FileReader, ParsedDefaults

FORMATS = {
    ".csv": "CSV",
    ".geojson": "GeoJSON",
    ".json": "GeoJSON",
    ".gpkg": "GeoPackage",
    ".fgb": "FlatGeobuf",
    ".parquet": "GeoParquet",
    ".geoparquet": "GeoParquet",
}

ROW_KEYS = (
    "id", "name", "date", "start", "end", "countries", "actors", "tags", "precision", "dating", "description", "sources",
)
"""Feature keys a row can give (its geometry comes from the file, or from lon/lat columns)."""
FIELD_KEYS = (*ROW_KEYS, "lon", "lat")
LIST_KEYS = ("countries", "actors", "tags", "sources")
LIST_SEPARATOR = ";"
"""In a text cell, the items of a list key (countries, tags, ...) are separated by this."""
CSV_LON = ("lon", "longitude", "lng", "x")
CSV_LAT = ("lat", "latitude", "y")
EXAMPLES = 5
"""Rows named in one problem message."""


class _RowProblems:
    """Problems of the rows, gathered by kind so that each is reported once."""

    def __init__(self) -> None:
        self.kinds: dict[tuple[str, str], list] = {}
        self.bad: set[int] = set()

    def add(self, key: str, what: str, row: int, detail: str, error: bool = True) -> None:
        entry = self.kinds.setdefault((key, what), [0, [], error])
        entry[0] += 1
        if len(entry[1]) < EXAMPLES:
            entry[1].append(f"row {row + 1} ({detail})")
        if error:
            self.bad.add(row)


@dataclass
class _Source:
    """The data file's table: its columns as lists of cells, and its geometries."""

    columns: dict[str, list]
    geometries: list | None
    rows: int
    label: str
    """How problems name the file: ``aiddata.csv``."""


def read_rows(reader: FileReader, layer_id: str, defaults: ParsedDefaults, data_node: Node, fields_node: Node | None) -> None:
    """Add the rows of the layer's data file to the reader's result as features."""
    fields = _read_fields(reader, fields_node)
    if fields is None:
        return
    written = reader.reader.text(data_node, "data")
    if written is None:
        return
    from influencemap.model import data_access
    from influencemap.model.load_cache import file_hash

    base = Path(reader.display).parent
    try:
        path = data_access.resolve(base, written, reader.allow_outside_data)
    except (data_access.DataAccessError, OSError, ValueError, RuntimeError) as exc:
        reader.reader.error(data_node, str(exc) if isinstance(exc, data_access.DataAccessError) else f"cannot resolve data file '{written}': {exc}")
        return
    kind = FORMATS.get(Path(written).suffix.lower())  # the extension as written (a link may have none)
    if kind is None:
        reader.reader.error(
            data_node, f"data file '{written}' has an unknown format: use {', '.join(sorted(set(FORMATS)))}"
        )
        return
    try:
        content = data_access.read_regular(path, f"data file '{written}'")
    except data_access.DataAccessError as exc:
        reader.reader.error(data_node, str(exc))
        return
    reader.result.dependencies.append((str(path), file_hash(content)))
    try:
        data_access.check_signature(kind, content, written)
        table = _read_table(content, kind, written, fields)
    except (_DataError, data_access.DataAccessError) as exc:
        reader.reader.error(data_node, str(exc))
        return
    _Rows(reader, layer_id, defaults, data_node, fields_node, fields, table).read()


class _DataError(Exception):
    pass


def _read_fields(reader: FileReader, node: Node | None) -> dict[str, tuple[str, Node]] | None:
    """``fields``: feature key → (column, the node naming it)."""
    if node is None:
        return {}
    before = reader.reader.error_count
    keys = reader.reader.mapping(node, "fields", FIELD_KEYS)
    if keys is None:
        return None
    result = {}
    for key, value in keys.items():
        column = reader.reader.text(value, f"the column for '{key}'")
        if column is not None:
            result[key] = (column, value)
    return result if reader.reader.error_count == before else None


def _read_table(content: bytes, kind: str, label: str, fields: dict) -> _Source:
    """The table of the data file's bytes (never its path: see :mod:`.data_access`)."""
    import io

    if kind == "CSV":
        import pandas as pd

        try:
            frame = pd.read_csv(io.BytesIO(content), dtype=str, keep_default_na=False, na_filter=False, encoding="utf-8-sig")
        except (ValueError, UnicodeDecodeError, OSError) as exc:
            raise _DataError(f"cannot read data file '{label}' as CSV: {exc}") from None
        columns = {str(c): frame[c].tolist() for c in frame.columns}
        return _Source(columns, None, len(frame), label)
    if kind == "GeoParquet":
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise _DataError(f"reading GeoParquet ('{label}') needs pyarrow: pip install pyarrow") from None
        import geopandas

        try:
            frame = geopandas.read_parquet(io.BytesIO(content))
        except Exception as exc:  # pyarrow's and geopandas' many error types
            raise _DataError(f"cannot read data file '{label}' as GeoParquet: {exc}") from None
    else:
        from influencemap.model import data_access

        frame = data_access.read_with_gdal(kind, content, label)
    if frame.crs is not None and not frame.crs.equals("EPSG:4326"):
        frame = frame.to_crs("EPSG:4326")  # features are in longitude and latitude
    columns = {str(c): frame[c].tolist() for c in frame.columns if c != frame.geometry.name}
    return _Source(columns, list(frame.geometry.values), len(frame), label)


def _missing(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if isinstance(value, str) and not value.strip():
        return True
    try:
        import pandas as pd

        return value is pd.NaT
    except ImportError:  # pragma: no cover
        return False


def _cell_text(value: object) -> str:
    """A cell as the text a YAML file would hold: ``2015.0`` → ``2015``, a date → ``2015-06-01``."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        raise ValueError("a true/false value")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if hasattr(value, "isoformat") and hasattr(value, "year"):
        text = value.isoformat()
        return text[:10] if text[10:].strip("T0:.") == "" else text
    if hasattr(value, "item"):  # numpy scalars
        return _cell_text(value.item())  # type: ignore[attr-defined]
    raise ValueError(f"a {type(value).__name__}")


def _cell_items(value: object) -> list[str]:
    if isinstance(value, str):
        return [item.strip() for item in value.split(LIST_SEPARATOR) if item.strip()]
    if isinstance(value, (list, tuple)) or hasattr(value, "tolist"):
        items = value.tolist() if hasattr(value, "tolist") else list(value)  # type: ignore[union-attr]
        return [_cell_text(item) for item in items if not _missing(item)]
    return [_cell_text(value)]


class _Rows:
    def __init__(self, reader, layer_id, defaults, data_node, fields_node, fields, table: _Source) -> None:
        self.reader = reader
        self.layer_id = layer_id
        self.defaults = defaults
        self.data_node = data_node
        self.fields_node = fields_node
        self.fields = fields
        self.table = table
        self.problems = _RowProblems()
        self.origin = reader.reader.origin(data_node)

    def node_for(self, key: str) -> Node:
        return self.fields[key][1] if key in self.fields else self.data_node

    def column(self, key: str, required: bool = False) -> list | None:
        """The cells for a feature key: its mapped column, else the column of that name."""
        columns = self.table.columns
        if key in self.fields:
            name = self.fields[key][0]
            if name not in columns:
                hint = schema.did_you_mean(name, list(columns))
                self.reader.reader.error(
                    self.fields[key][1], f"data file '{self.table.label}' has no column '{name}'{hint}"
                )
                raise _DataError
            return columns[name]
        if key in columns:
            return columns[key]
        if required:
            self.reader.reader.error(
                self.fields_node or self.data_node,
                f"data file '{self.table.label}' has no column '{key}': name the column with 'fields: {{{key}: COLUMN}}'",
            )
            raise _DataError
        return None

    def column_name(self, key: str) -> str:
        return self.fields[key][0] if key in self.fields else key

    def texts(self, key: str, cells: list, check: Callable[[str], str | None] | None = None, required: bool = False) -> list:
        """Each cell as text (None where empty), checked by ``check`` (which returns a problem)."""
        result: list = []
        checked: dict[str, str | None] = {}
        for row, value in enumerate(cells):
            if _missing(value):
                if required:
                    self.problems.add(key, f"empty '{self.column_name(key)}' ({key})", row, "empty")
                result.append(None)
                continue
            try:
                text = _cell_text(value)
            except ValueError as exc:
                self.problems.add(key, f"'{self.column_name(key)}' ({key}) must be text", row, str(exc))
                result.append(None)
                continue
            if check is not None:
                if text not in checked:
                    checked[text] = check(text)
                problem = checked[text]
                if problem is not None:
                    self.problems.add(key, f"invalid {key} in '{self.column_name(key)}'", row, problem)
            result.append(text)
        return result

    def lists(self, key: str, cells: list, check: Callable[[str], str | None] | None = None) -> list:
        result: list = []
        checked: dict[str, str | None] = {}
        for row, value in enumerate(cells):
            if _missing(value):
                result.append(None)
                continue
            try:
                items = _cell_items(value)
            except ValueError as exc:
                self.problems.add(key, f"'{self.column_name(key)}' ({key}) must be text", row, str(exc))
                result.append(None)
                continue
            if check is not None:
                for item in items:
                    if item not in checked:
                        checked[item] = check(item)
                    if checked[item] is not None:
                        self.problems.add(key, f"invalid {key} in '{self.column_name(key)}'", row, checked[item])  # type: ignore[arg-type]
            result.append(items)
        return result

    # -- the rows --------------------------------------------------------------------------

    def read(self) -> None:
        reader = self.reader
        before = reader.reader.error_count
        try:
            ids = self.texts("id", self.column("id", True), _check_identifier, required=True)  # type: ignore[arg-type]
            names = self.texts("name", self.column("name", True), required=True)  # type: ignore[arg-type]
            values = {key: self.column(key) for key in ROW_KEYS[2:]}
            positions = self.positions()
        except _DataError:
            return
        if reader.reader.error_count > before:
            return
        count = self.table.rows
        dates = {key: self.texts(key, cells, _check_date) if cells is not None else [None] * count
                 for key in ("date", "start", "end") for cells in [values[key]]}
        known = _known_countries()
        countries = self.lists("countries", values["countries"], lambda c: None if c.upper() in known else f"unknown country code '{c}'") if values["countries"] is not None else [None] * count
        actors = self.lists("actors", values["actors"]) if values["actors"] is not None else [None] * count
        tags = self.lists("tags", values["tags"]) if values["tags"] is not None else [None] * count
        choices = [p.value for p in Precision]
        precisions = self.texts("precision", values["precision"], lambda p: None if p in choices else f"'{p}' is not one of {', '.join(choices)}") if values["precision"] is not None else [None] * count
        datings = self.texts("dating", values["dating"], lambda d: None if d in schema.DATINGS else f"'{d}' is not one of {', '.join(schema.DATINGS)}") if values["dating"] is not None else [None] * count
        descriptions = self.texts("description", values["description"]) if values["description"] is not None else [None] * count
        sources = self.lists("sources", values["sources"], _check_identifier) if values["sources"] is not None else [None] * count
        user_columns = {name: cells for name, cells in self.table.columns.items() if name.startswith(schema.USER_KEY_PREFIX)}
        seen_ids: dict[str, int] = {}
        default = self.defaults.values
        default_refs = tuple((ref, reader.reader.origin(node)) for ref, node in self.defaults.refs)
        to_check: list[tuple[int, Feature]] = []
        for row in range(count):
            feature_id, name, position = ids[row], names[row], positions[row]
            if feature_id in seen_ids:
                self.problems.add("id", f"duplicate feature id in '{self.column_name('id')}'", row, f"'{feature_id}' is also in row {seen_ids[feature_id] + 1}")
            elif feature_id is not None:
                seen_ids[feature_id] = row
            start, end, instant = None, None, False
            date = dates["date"][row]
            has_dates = date is not None or dates["start"][row] is not None or dates["end"][row] is not None
            if date is not None:
                if dates["start"][row] is not None or dates["end"][row] is not None:
                    self.problems.add("date", "both 'date' and 'start'/'end'", row, "use one")
                start = end = date
                instant = True
            elif has_dates:
                start, end = dates["start"][row], dates["end"][row]
                if start is None:
                    self.problems.add("end", "'end' without a 'start'", row, f"end {end}")
                elif end is not None and _ordered(start, end) is False:
                    self.problems.add("end", "'end' before 'start'", row, f"end {end} is before start {start}")
            else:
                start, end, instant = default.get("start"), default.get("end"), bool(default.get("instant", False))
            row_countries = [c.upper() for c in countries[row]] if countries[row] is not None else default.get("countries", [])
            if sources[row] is not None:
                citations = tuple(Citation(ref) for ref in sources[row])
                refs = tuple((ref, self.origin) for ref in sources[row])
            else:
                citations = tuple(default.get("citations", ()))  # type: ignore[arg-type]
                refs = default_refs
            if not citations:
                self.problems.add("sources", "no sources", row, "add a 'sources' column or 'defaults: {sources: [...]}'")
            if row in self.problems.bad or position is None or feature_id is None or name is None:
                continue
            kind, shape = position
            precision = precisions[row] if precisions[row] is not None else default.get("precision")
            extra = {
                key: cells[row] if not hasattr(cells[row], "item") else cells[row].item()
                for key, cells in user_columns.items() if not _missing(cells[row])
            }
            feature = Feature(
                id=feature_id,
                name=name,
                layer_id=self.layer_id,
                geometry=shape,
                kind=kind,
                citations=citations,
                start=start,
                end=end,
                instant=instant,
                countries=tuple(row_countries),  # type: ignore[arg-type]
                actors=tuple(actors[row] if actors[row] is not None else default.get("actors", ())),  # type: ignore[arg-type]
                tags=tuple(tags[row] if tags[row] is not None else default.get("tags", ())),  # type: ignore[arg-type]
                figures=tuple(default.get("figures", ())),  # type: ignore[arg-type]
                precision=Precision(precision) if precision else None,  # type: ignore[arg-type]
                description=descriptions[row] if descriptions[row] is not None else default.get("description"),  # type: ignore[arg-type]
                extra=extra,
                origin=self.origin,
                dating=datings[row] or default.get("dating", schema.DEFAULT_DATING),  # type: ignore[arg-type]
            )
            reader.result.features.append(feature)
            reader.result.refs.append(refs)
            if kind is GeometryKind.POINT and feature.countries:
                to_check.append((row, feature))
        self.check_countries(to_check)
        self.report()

    def positions(self) -> list:
        """(kind, geometry) of each row, or None for a row with a problem."""
        from shapely.geometry import Point

        count = self.table.rows
        if self.table.geometries is None:  # CSV: lon and lat columns
            lon_cells = self._coordinate_column("lon", CSV_LON)
            lat_cells = self._coordinate_column("lat", CSV_LAT)
            result: list = []
            for row in range(count):
                lon = self._number(row, "lon", lon_cells[row])
                lat = self._number(row, "lat", lat_cells[row])
                if lon is None or lat is None:
                    result.append(None)
                    continue
                if not -180 <= lon <= 180:
                    self.problems.add("lon", f"longitude out of range (-180 to 180) in '{self._lon_lat_names[0]}'", row, f"{lon:g}")
                if not -90 <= lat <= 90:
                    hint = "; are longitude and latitude swapped?" if -90 <= lon <= 90 else ""
                    self.problems.add("lat", f"latitude out of range (-90 to 90) in '{self._lon_lat_names[1]}'", row, f"{lat:g}{hint}")
                result.append((GeometryKind.POINT, Point(lon, lat)))
            return result
        from influencemap.model.geometry_parts import RowProblem, row_geometry

        result = []
        for row, geometry in enumerate(self.table.geometries):
            try:
                result.append(row_geometry(geometry))
            except RowProblem as problem:
                self.problems.add("geometry", problem.message, row, problem.detail)
                result.append(None)
        return result

    _lon_lat_names = ("lon", "lat")

    def _coordinate_column(self, key: str, names: Iterable[str]) -> list:
        if key in self.fields:
            cells = self.column(key)
            self._set_name(key, self.fields[key][0])
            return cells  # type: ignore[return-value]
        columns = {name.lower(): name for name in self.table.columns}
        for name in names:
            if name in columns:
                self._set_name(key, columns[name])
                return self.table.columns[columns[name]]
        self.reader.reader.error(
            self.fields_node or self.data_node,
            f"data file '{self.table.label}' has no '{key}' column: name it with 'fields: {{lon: COLUMN, lat: COLUMN}}'",
        )
        raise _DataError

    def _set_name(self, key: str, name: str) -> None:
        names = list(self._lon_lat_names)
        names[0 if key == "lon" else 1] = name
        self._lon_lat_names = tuple(names)  # type: ignore[assignment]

    def _number(self, row: int, key: str, value: object) -> float | None:
        column = self._lon_lat_names[0 if key == "lon" else 1]
        if _missing(value):
            self.problems.add(key, f"empty '{column}' ({key})", row, "empty")
            return None
        try:
            number = float(value.strip()) if isinstance(value, str) else float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            self.problems.add(key, f"'{column}' ({key}) must be a number", row, f"'{value}'")
            return None
        if not math.isfinite(number):
            self.problems.add(key, f"'{column}' ({key}) must be a finite number", row, f"'{value}'")
            return None
        return number

    def check_countries(self, points: list[tuple[int, Feature]]) -> None:
        from influencemap.model.loader import point_country_warnings

        for index, message in point_country_warnings([f for _, f in points]):
            row = points[index][0]
            self.problems.add("countries", "points outside their countries", row, message.replace("point ", "", 1), error=False)

    def report(self) -> None:
        reader = self.reader.reader
        label = self.table.label
        for (key, what), (count, examples, error) in self.problems.kinds.items():
            more = f", and {count - len(examples)} more" if count > len(examples) else ""
            rows = "1 row" if count == 1 else f"{count} rows"
            message = f"data file '{label}': {what} in {rows}: {'; '.join(examples)}{more}"
            node = self.node_for(key)
            if error:
                reader.error(node, message)
            else:
                reader.warning(node, message)


def _check_identifier(text: str) -> str | None:
    return None if schema.IDENTIFIER.match(text) else f"'{text}': use lowercase letters, digits and hyphens"


def _check_date(text: str) -> str | None:
    try:
        parse_partial_date(text)
    except DateError as exc:
        return str(exc)
    return None


def _ordered(start: str, end: str) -> bool | None:
    try:
        return last_day(end) >= first_day(start)
    except DateError:
        return None


def _known_countries() -> frozenset[str]:
    from influencemap.geo import basemap

    return basemap.known_country_codes()

