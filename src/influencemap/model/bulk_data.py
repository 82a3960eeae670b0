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

from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Protocol, Sequence

from influencemap.model import data_access, feature_rules as rules, field_map, schema
from influencemap.model.country_check import outside_messages, points_outside
from influencemap.model.field_map import FieldMap, Spec
from influencemap.model.feature_table import COLUMNS as TABLE_COLUMNS
from influencemap.model.geometry_parts import RowProblem, plain_shape, row_geometry, rows_geometry
from influencemap.model.fields import FieldReader, ParsedDefaults
from influencemap.model.file_result import FileResult
from influencemap.model.types import PRECISION_VALUES, Citation, Figure, GeometryKind, Source
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

ROW_KEYS = (
    "id", "name", "date", "start", "end", "countries", "actors", "tags", "precision", "dating", "description", "sources",
)
"""Feature keys a row can give (its geometry comes from the file, or from lon/lat columns)."""
CITATION_KEYS = ("locator", "source_urls", "source_titles", "source_publishers")
"""Keys of ``fields`` that build each row's citations (see :mod:`.field_map`)."""
FIELD_KEYS = (*ROW_KEYS, "lon", "lat", "figures", *CITATION_KEYS)
LIST_KEYS = ("countries", "actors", "tags", "sources", "source_urls", "source_titles", "source_publishers")
TEMPLATE_KEYS = ("id", "name", "description", "locator")
"""Keys whose ``fields`` entry may be a template over the row: ``"aiddata-{Project ID}"``."""
LIST_SEPARATOR = ";"
"""In a text cell, the items of a list key (countries, tags, ...) are separated by this,
unless the key's ``fields`` entry names another ``separator``."""
CSV_LON = ("lon", "longitude", "lng", "x")
CSV_LAT = ("lat", "latitude", "y")
EXAMPLES = 5
"""Rows named in one problem message."""
GLOB_CHARACTERS = set("*?[")
_TEXT_CELLS = {str, type(None)}
_SAMPLE = 4096
"""Cells looked at to guess whether a column repeats (the guess only chooses the faster way)."""
_FROM_ARRAYS = (GeometryKind.POINT, None)
"""A row's position when its point is in the coordinate arrays (see :meth:`_Rows.positions`)."""


class _RowProblems:
    """Problems of the rows, gathered by kind so that each is reported once."""

    def __init__(self, name_row: Callable[[int], str] = lambda row: f"row {row + 1}") -> None:
        self.kinds: dict[tuple[str, str], list] = {}
        self.bad: set[int] = set()
        self.name_row = name_row

    def add(self, key: str, what: str, row: int, detail: str, error: bool = True) -> None:
        entry = self.kinds.setdefault((key, what), [0, [], error])
        entry[0] += 1
        if len(entry[1]) < EXAMPLES:
            entry[1].append(f"{self.name_row(row)} ({detail})")
        if error:
            self.bad.add(row)

    def room(self, key: str, what: str) -> int:
        """How many more rows of this kind the report names (their details are read; the
        other rows are only counted, so they need none)."""
        entry = self.kinds.get((key, what))
        return EXAMPLES - (len(entry[1]) if entry else 0)


@dataclass
class _Source:
    """The data file's table: its columns as lists of cells, and its geometries."""

    columns: dict[str, list]
    geometries: Sequence | None
    """Each row's shapely geometry (a list or an object array), None for CSV."""
    rows: int
    label: str
    """How problems name the file: ``aiddata.csv`` (or the ``data:`` list or pattern)."""
    parts: tuple[tuple[str, int], ...] = ()
    """When several files make the table: each file's name and its first row."""
    points: tuple | None = None
    """(longitudes, latitudes) as float arrays when every row is a 2-D point (see
    :mod:`.data_tables`): the coordinates without taking a million shapes apart again."""
    codes: dict = field(default_factory=dict)
    """``(codes, values)`` of the columns read through a dictionary (:attr:`.DataTable.codes`)."""
    texts: frozenset = frozenset()
    """Columns known to hold only text and None (:attr:`.DataTable.texts`)."""

    def name_row(self, row: int) -> str:
        for name, first in reversed(self.parts):
            if row >= first:
                return f"{name} row {row - first + 1}"
        return f"row {row + 1}"


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
        except (_DataError, data_access.DataAccessError) as exc:
            reader.reader.error(data_node, str(exc))
            return
        del content  # read into columns: the file's bytes (185 MB for 1M GeoJSON points) need not wait for the rows
    try:
        table = _join_tables(tables, _written_label(data_node, written))
    except _DataError as exc:
        reader.reader.error(data_node, str(exc))
        return
    big = table.rows >= BIG_TABLE
    if big:
        _give_back_memory()  # what reading the file took (GDAL's parse, the bytes), before the rows take theirs
    rows = _Rows(reader, layer_id, defaults, data_node, fields_node, fields, table)
    del tables, table
    rows.read()
    del rows  # the file's own columns: only the table's are kept (their memory is reused by
    # what comes next; a long-lived caller hands it back once its load is done: the app's
    # catalog loader calls data_tables.give_back_memory)


class _DataError(Exception):
    pass


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


def _join_tables(tables: list[_Source], label: str) -> _Source:
    """Several files read as one table: the union of their columns (a column a file lacks is
    empty in its rows), their rows in order."""
    if len(tables) == 1:
        return tables[0]
    if len({t.geometries is None for t in tables}) > 1:
        raise _DataError("data files mix CSV (lon/lat columns) and geographic formats: use one kind")
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
    return _Source(columns, geometries, first, label, tuple(parts), points)


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


def _read_table(content: bytes, kind: str, label: str, fields: dict) -> _Source:
    """The table of the data file's bytes (never its path: see :mod:`.data_access`), read into
    columns by :mod:`.data_tables`."""
    from influencemap.model.data_tables import DataTableError, read_table

    try:
        table = read_table(content, kind, label)
    except DataTableError as exc:
        raise _DataError(str(exc)) from None
    return _Source(table.columns, table.geometries, table.rows, label, points=table.points, codes=table.codes, texts=table.texts)


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


def _cell_items(value: object, separator: str = LIST_SEPARATOR) -> list[str]:
    if isinstance(value, str):
        return [item.strip() for item in value.split(separator) if item.strip()]
    if isinstance(value, (list, tuple)) or hasattr(value, "tolist"):
        items = value.tolist() if hasattr(value, "tolist") else list(value)  # type: ignore[union-attr]
        return [_cell_text(item) for item in items if not field_map.missing(item)]
    return [_cell_text(value)]


class _Rows:
    def __init__(self, reader, layer_id, defaults, data_node, fields_node, fields: FieldMap, table: _Source) -> None:
        self.reader = reader
        self.layer_id = layer_id
        self.defaults = defaults
        self.data_node = data_node
        self.fields_node = fields_node
        self.fields = fields
        self.specs = fields.specs
        self.table = table
        self.problems = _RowProblems(table.name_row)
        self.origin = reader.reader.origin(data_node)
        self._coded: dict[int, tuple[list, Any, list]] = {
            id(table.columns[name]): (table.columns[name], codes, values) for name, (codes, values) in table.codes.items()
        }
        """Lists known to be ``values[codes[row]]`` row by row, by identity: the file's
        dictionary columns, and what :meth:`lists` and :meth:`texts` make of them."""
        self._all_text = {id(table.columns[name]): table.columns[name] for name in table.texts}
        """The file's columns known to hold only text and None, by identity (not looked over again)."""

    def _codes_of(self, cells: list) -> tuple[Any, list] | None:
        """``(codes, values)`` if ``cells`` is a list known to be ``values`` by ``codes``."""
        known = self._coded.get(id(cells))
        if known is None or known[0] is not cells:
            return None
        return known[1], known[2]

    def _by_codes(self, codes: Any, values: list) -> list:
        """``values[codes[row]]`` for every row, at C speed; the list is remembered as coded."""
        import numpy as np

        each = np.empty(len(values), dtype=object)
        for k, value in enumerate(values):  # one by one: a tuple value must stay one cell
            each[k] = value
        cells = each[codes].tolist()
        self._coded[id(cells)] = (cells, codes, values)
        return cells

    def _rows_of(self, codes: Any, chosen: list[int]) -> list[int]:
        """The rows whose code is one of ``chosen``, in order."""
        import numpy as np

        return np.flatnonzero(np.isin(codes, chosen)).tolist() if chosen else []

    def node_for(self, key: str) -> Node:
        spec = self.specs.get(key)
        if spec is not None and spec.node is not None:
            return spec.node
        if key == "figures" and self.fields.figures_node is not None:
            return self.fields.figures_node
        return self.data_node

    def _need(self, name: str, node: Node) -> list:
        columns = self.table.columns
        if name not in columns:
            hint = schema.did_you_mean(name, list(columns))
            self.reader.reader.error(node, f"data file '{self.table.label}' has no column '{name}'{hint}")
            raise _DataError
        return columns[name]

    def column(self, key: str, required: bool = False) -> list | None:
        """The cells for a feature key: its mapped column (several columns: a list key takes
        the items of all, another key the first non-empty cell; a template: the filled text),
        else the column of that name."""
        columns = self.table.columns
        spec = self.specs.get(key)
        if spec is not None:
            node = spec.node or self.data_node
            needed = {name: self._need(name, node) for name in spec.needed_columns()}
            if spec.template is not None:
                result: list = []
                for row in range(self.table.rows):
                    text, empty = field_map.fill_template(spec.template, {n: c[row] for n, c in needed.items()}, _cell_text)
                    if empty is not None:
                        self.problems.add(key, f"empty '{empty}' in the template of {key}", row, "empty")
                    result.append(text)
                return result
            if len(spec.columns) == 1:
                return needed[spec.columns[0]]
            if key in LIST_KEYS:
                separator = spec.separator or LIST_SEPARATOR
                return [
                    [item for name in spec.columns if not field_map.missing(needed[name][row]) for item in _cell_items(needed[name][row], separator)] or None
                    for row in range(self.table.rows)
                ]
            return [
                next((needed[name][row] for name in spec.columns if not field_map.missing(needed[name][row])), None)
                for row in range(self.table.rows)
            ]
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
        return self.specs[key].label if key in self.specs else key

    def _convert(self, key: str, text: str) -> str:
        """A cell's text as the key's ``fields`` entry says: dates normalised (and parsed by
        their format), values mapped (or the default), ids slugged. Raises ValueError."""
        spec = self.specs.get(key)
        if key in field_map.DATE_KEYS:
            text = field_map.normal_date(text, spec.format if spec else None)
        if spec is None:
            return text
        if spec.values is not None:
            text = spec.values.get(text, spec.default if spec.default is not None else text)
        if spec.slug:
            text = field_map.slug(text)
        return text

    def texts(self, key: str, cells: list, rule: ColumnRule | None = None, required: bool = False) -> list:
        """Each cell as text (None where empty), the texts checked by ``rule`` (a column form of
        :mod:`.feature_rules`). Where cells repeat, each distinct cell is read once and the rule
        checks the distinct texts (a column of a million dates has a few thousand)."""
        spec = self.specs.get(key)
        default = spec.default if spec is not None else None
        empty_problem = required and not (spec is not None and spec.template is not None)

        def read_cell(value: object) -> tuple:
            return self._text(key, value, default, empty_problem)

        coded = self._codes_of(cells)
        if coded is not None and set(map(type, coded[1])) <= _TEXT_CELLS:  # a dictionary column
            return self._coded_texts(key, *coded, rule, read_cell)
        if self._all_text.get(id(cells)) is cells or set(map(type, cells)) <= _TEXT_CELLS:  # the usual column: text (and empty cells)
            sample = cells[:_SAMPLE]  # ids and names repeat in no sample: no need to count a million texts
            if 2 * len(set(sample)) <= len(sample):
                distinct = set(cells)
                if 2 * len(distinct) <= len(cells):
                    return self._distinct_texts(key, cells, distinct, rule, read_cell)
            if key not in field_map.DATE_KEYS and (spec is None or (spec.values is None and not spec.slug)):
                return self._plain_texts(key, cells, rule, read_cell)
        try:
            repeats = 2 * len(set(cells)) <= len(cells)
        except TypeError:  # unhashable cells
            repeats = False
        result: list = []
        unread: list[tuple[int, tuple[str, str]]] = []
        """The cells that give no text: (row, (what, detail))."""
        if not repeats:  # mostly distinct (ids, names): remembering each would only cost
            for row, value in enumerate(cells):
                text, problem = read_cell(value)
                if problem is not None:
                    unread.append((row, problem))
                result.append(text)
        else:
            read: dict[type, dict] = {}
            for row, value in enumerate(cells):
                done = read.get(value.__class__)
                if done is None:
                    done = read[value.__class__] = {}
                try:
                    text, problem = done[value]
                except KeyError:
                    text, problem = done[value] = read_cell(value)
                except TypeError:  # an unhashable cell (a list): read it on its own
                    text, problem = read_cell(value)
                if problem is not None:
                    unread.append((row, problem))
                result.append(text)
        self._add(key, unread, self._broken_texts(key, rule, result))
        return result

    def _distinct_texts(self, key: str, cells: list, distinct: set, rule: ColumnRule | None, read_cell: Callable[[object], tuple]) -> list:
        """:meth:`texts` of a column of few distinct cells: each read once, the rule over their
        texts, the rows then looked up (problems added in row order, as the row-by-row reading
        adds them)."""
        answers = {value: read_cell(value) for value in distinct}
        values = [value for value, (text, _) in answers.items() if text is not None]
        for row, problem in self._broken_texts(key, rule, [answers[value][0] for value in values]):
            answers[values[row]] = (answers[values[row]][0], problem)
        troubled = {value for value, (_, problem) in answers.items() if problem is not None}
        if troubled:
            add = self.problems.add
            for row, value in enumerate(cells):
                if value in troubled:
                    what, detail = answers[value][1]
                    add(key, what, row, detail)
        return [answers[value][0] for value in cells]

    def _coded_texts(self, key: str, row_codes: Any, values: list, rule: ColumnRule | None, read_cell: Callable[[object], tuple]) -> list:
        """:meth:`texts` of a dictionary column: :meth:`_distinct_texts` with the rows found by
        their codes at C speed instead of looked up one by one."""
        answers = {value: read_cell(value) for value in values}
        good = [value for value, (text, _) in answers.items() if text is not None]
        for row, problem in self._broken_texts(key, rule, [answers[value][0] for value in good]):
            answers[good[row]] = (answers[good[row]][0], problem)
        add = self.problems.add
        for row in self._rows_of(row_codes, [k for k, value in enumerate(values) if answers[value][1] is not None]):
            what, detail = answers[values[row_codes[row]]][1]
            add(key, what, row, detail)
        return self._by_codes(row_codes, [answers[value][0] for value in values])

    def _plain_texts(self, key: str, cells: list, rule: ColumnRule | None, read_cell: Callable[[object], tuple]) -> list:
        """:meth:`texts` of a text column of mostly distinct cells (ids, names) read as they are:
        a cell's text is the cell stripped, as :meth:`_text` makes it; only the empty cells go
        through :meth:`_text` (the default, or the problem), then the rule over the column."""
        if None in cells:
            result = [None if value is None else value.strip() for value in cells]
        else:
            result = list(map(str.strip, cells))
        unread = []
        if None in result or "" in result:
            for row in [row for row, text in enumerate(result) if not text]:
                result[row], problem = read_cell(cells[row])
                if problem is not None:
                    unread.append((row, problem))
        self._add(key, unread, self._broken_texts(key, rule, result))
        return result

    def _broken_texts(self, key: str, rule: ColumnRule | None, texts: list) -> list[tuple[int, tuple[str, str]]]:
        """The rows of ``texts`` (None: no text, not checked) that ``rule`` refuses, each with
        its problem as this reader words it: (row, (what, detail))."""
        if rule is None:
            return []
        if None in texts:
            rows = [row for row, text in enumerate(texts) if text is not None]
            found = rule([texts[row] for row in rows], key)
            if not found:
                return []
            at = rows.__getitem__
        else:
            found = rule(texts, key)
            if not found:
                return []
            at = int
        what = f"invalid {key} in '{self.column_name(key)}'"
        return [(at(problem.row), (what, _detail(problem, texts[at(problem.row)]))) for problem in found]

    def _add(self, key: str, *found: list[tuple[int, tuple[str, str]]]) -> None:
        """Problems of one key's column, (row, (what, detail)) from several steps (a row has at
        most one), added in row order."""
        add = self.problems.add
        for row, (what, detail) in sorted((problem for part in found for problem in part), key=itemgetter(0)):
            add(key, what, row, detail)

    def _text(self, key: str, value: object, default, empty_problem: bool) -> tuple[str | None, tuple[str, str] | None]:
        """One cell's text, or None and its problem (what, detail), for :meth:`texts`."""
        if field_map.missing(value):
            if default is None:
                return None, ((f"empty '{self.column_name(key)}' ({key})", "empty") if empty_problem else None)
            value = default
        try:
            text = _cell_text(value)
        except ValueError as exc:
            return None, (f"'{self.column_name(key)}' ({key}) must be text", str(exc))
        try:
            return self._convert(key, text), None
        except ValueError as exc:  # a date that does not fit its stated format
            return None, (f"invalid {key} in '{self.column_name(key)}'", str(exc))

    def lists(self, key: str, cells: list, rule: ColumnRule | None = None, codes: bool = False) -> list:
        """Each cell's items as a tuple (None where empty), checked by ``rule`` (a column form:
        over the distinct items of all cells at once); ``codes``: the rule answers (codes,
        problems), as :func:`.field_map.country_codes`, and the items become the codes. Each
        distinct cell read once; rows with the same cell share its tuple."""
        add = self.problems.add
        coded = self._codes_of(cells)
        if coded is not None:  # a dictionary column: each distinct cell read once, the rows by their codes
            row_codes, values = coded
            answers = self._checked_items(key, {value: self._items(key, value) for value in values}, rule, codes)
            troubled = [k for k, value in enumerate(values) if answers[value][1]]
            for row in self._rows_of(row_codes, troubled):
                for what, detail in answers[values[row_codes[row]]][1]:
                    add(key, what, row, detail)
            return self._by_codes(row_codes, [answers[value][0] for value in values])
        if set(map(type, cells)) == {str}:  # the usual column: text cells, each distinct one read once
            answers = self._checked_items(key, {value: self._items(key, value) for value in set(cells)}, rule, codes)
            troubled = {value for value, (_, problems) in answers.items() if problems}
            if troubled:
                for row, value in enumerate(cells):
                    if value in troubled:
                        for what, detail in answers[value][1]:
                            add(key, what, row, detail)
            return [answers[value][0] for value in cells]
        read: dict = {}
        for row, value in enumerate(cells):
            if value.__class__ is not str:  # lists (GeoParquet, GeoJSON arrays), empty cells: read on their own
                read[(row,)] = self._items(key, value)
            elif value not in read:
                read[value] = self._items(key, value)
        answers = self._checked_items(key, read, rule, codes)
        result: list = []
        for row, value in enumerate(cells):
            items, problems = answers[(row,) if value.__class__ is not str else value]
            for what, detail in problems:
                add(key, what, row, detail)
            result.append(items)
        return result

    def _checked_items(self, key: str, read: dict, rule: ColumnRule | None, codes: bool) -> dict:
        """Each read cell's (items as a tuple, problems): the rule over the distinct items of
        them all, a cell's problems one per refused item, in item order."""
        distinct = list({item: None for items, _ in read.values() if items for item in items})
        found = rule(distinct, key) if rule is not None else []
        converted = None
        if codes:
            converted, found = found  # type: ignore[misc]
            converted = dict(zip(distinct, converted))
        broken = {distinct[problem.row]: problem for problem in found}
        what = f"invalid {key} in '{self.column_name(key)}'"
        answers = {}
        for cell, (items, problems) in read.items():
            if items is None:
                answers[cell] = (None, problems)
                continue
            if broken:
                problems = [(what, _detail(broken[item], item)) for item in items if item in broken]
            if converted is not None:
                items = [converted[item] for item in items]
            answers[cell] = (tuple(dict.fromkeys(items)), problems)  # an agency named twice is one actor; a tuple, as the table keeps it
        return answers

    def _items(self, key: str, value: object) -> tuple[list | None, list[tuple[str, str]]]:
        """One cell's items as read (before the rule), or None and its problems (what, detail),
        for :meth:`lists`."""
        if field_map.missing(value) and not isinstance(value, list):
            return None, []
        spec = self.specs.get(key)
        separator = spec.separator if spec is not None and spec.separator else LIST_SEPARATOR
        try:
            items = value if isinstance(value, list) and all(isinstance(i, str) for i in value) else _cell_items(value, separator)
        except ValueError as exc:
            return None, [(f"'{self.column_name(key)}' ({key}) must be text", str(exc))]
        if spec is not None and (spec.values is not None or spec.slug):
            items = [self._convert(key, item) for item in items]
        return items, []

    def optional_texts(self, key: str, values: dict, rule: ColumnRule | None = None) -> list:
        return self.texts(key, values[key], rule) if values[key] is not None else [None] * self.table.rows

    def optional_lists(self, key: str, values: dict, rule: ColumnRule | None = None, codes: bool = False) -> list:
        return self.lists(key, values[key], rule, codes) if values[key] is not None else [None] * self.table.rows

    # -- the rows --------------------------------------------------------------------------

    def read(self) -> None:
        """The rows into table columns. Where every row takes the same thing (the defaults'
        citations, no figures, points in the coordinate arrays: the usual big file) a column is
        made at once; a row-by-row step remains only where rows differ. Problems are added in
        the order a row-by-row reading finds them (row by row, and within a row in a fixed
        order), so the messages name the same first rows."""
        reader = self.reader
        before = reader.reader.error_count
        try:
            ids = self.texts("id", self.column("id", True), rules.identifiers, required=True)  # type: ignore[arg-type]
            names = self.texts("name", self.column("name", True), required=True)  # type: ignore[arg-type]
            values = {key: self.column(key) for key in (*ROW_KEYS[2:], *CITATION_KEYS)}
            figures = self.figures()
            positions = self.positions()
        except _DataError:
            return
        if reader.reader.error_count > before:
            return
        dates = {key: self.optional_texts(key, values, rules.dates) for key in ("date", "start", "end")}
        countries = self.optional_lists("countries", values, field_map.country_codes, codes=True)
        actors = self.optional_lists("actors", values)
        tags = self.optional_lists("tags", values)
        precisions = self.optional_texts("precision", values, rules.precisions)
        datings = self.optional_texts("dating", values, rules.datings)
        descriptions = self.optional_texts("description", values)
        sources = self.optional_lists("sources", values, rules.identifiers)
        locators = self.optional_texts("locator", values)
        row_sources = self.row_sources(values, ids)
        default = self.defaults.values
        pending: list[tuple[int, int, str, str, str]] = []
        """Problems of a row's keys together, as (row, step, key, what, detail): added in row order below."""
        distinct_ids = self._duplicate_ids(ids, pending)
        starts, ends, instants = self._periods(dates, default, pending)
        citations = self._citations(sources, locators, row_sources, pending)
        for row, _, key, what, detail in sorted(pending, key=itemgetter(0, 1)):
            self.problems.add(key, what, row, detail)
        kept = self._kept(ids, names, positions)
        count = self.table.rows if kept is None else len(kept)

        def take(cells: list | tuple) -> list | tuple:
            if kept is None:
                return cells
            if type(cells) is tuple:  # one value in every row (see _same)
                return cells[0], count
            coded = self._codes_of(cells)
            if coded is not None:  # still known by codes: the kept rows' codes
                return self._by_codes(coded[0][kept], coded[1])
            return list(map(cells.__getitem__, kept))

        columns: dict[str, list] = {"ids": take(ids), "names": take(names)}
        for name, cells in (("countries", countries), ("actors", actors), ("tags", tags)):
            columns[name] = _or_default(take(cells), tuple(default.get(name, ())))  # type: ignore[arg-type]
        owners, lonlat = self._shapes(positions, kept, columns)
        columns.update(self._citation_columns(citations, kept, count))
        columns.update(self._figure_columns(figures, kept, count))
        columns["starts"], columns["ends"], columns["instants"] = take(starts), take(ends), take(instants)
        default_precision = default.get("precision")
        default_dating = default.get("dating", schema.DEFAULT_DATING)
        default_description = default.get("description")
        if values["precision"] is None:  # no such column: the defaults' in every row
            columns["precisions"] = _same(default_precision or None, count)
        else:
            columns["precisions"] = [(p if p is not None else default_precision) or None for p in take(precisions)]
        if values["dating"] is None:
            columns["datings"] = _same(default_dating, count)
        else:
            columns["datings"] = [d or default_dating for d in take(datings)]
        if values["description"] is None:
            columns["descriptions"] = _same(default_description, count)
        else:
            columns["descriptions"] = [d if d is not None else default_description for d in take(descriptions)]
        columns["extras"] = self._extras(kept, count)
        columns["lines"], columns["cols"] = _same(self.origin.line, count), _same(self.origin.col, count)
        self.add_row_sources(row_sources)
        self.check_countries(owners, lonlat, columns["countries"], kept)
        self.report()
        reader.tables.append({name: columns[name] for name in TABLE_COLUMNS})
        reader.distinct_table_ids.append(distinct_ids)

    def _duplicate_ids(self, ids: list, pending: list) -> bool:
        """A row whose id an earlier row has (each named with the first row that has it).
        True when every row's id is its own (then so are the kept rows')."""
        if len(set(ids)) == len(ids):
            return True
        seen: dict[str, int] = {}
        what = f"duplicate feature id in '{self.column_name('id')}'"
        for row, feature_id in enumerate(ids):
            if feature_id in seen:
                pending.append((row, 0, "id", what, f"'{feature_id}' is also in row {seen[feature_id] + 1}"))
            elif feature_id is not None:
                seen[feature_id] = row
        return False

    def _periods(self, dates: dict, default: dict, pending: list) -> tuple[list, list, list]:
        """Each row's start, end and whether it is an instant: its ``date``, else its
        ``start``/``end``, else the defaults'."""
        date_cells, start_cells, end_cells = dates["date"], dates["start"], dates["end"]
        count = len(date_cells)
        default_start, default_end = default.get("start"), default.get("end")
        default_instant = bool(default.get("instant", False))
        if start_cells.count(None) == count and end_cells.count(None) == count:  # dates only (or none)
            if None not in date_cells:
                return list(date_cells), list(date_cells), _same(True, count)
            return (
                [d if d is not None else default_start for d in date_cells],
                [d if d is not None else default_end for d in date_cells],
                [d is not None or default_instant for d in date_cells],
            )
        starts, ends, instants = [], [], []
        spans: list[int] = []
        """Rows with their own start and end: the period rule's column."""
        for row in range(count):
            start, end, instant = None, None, False
            date = date_cells[row]
            if date is not None:
                if start_cells[row] is not None or end_cells[row] is not None:
                    pending.append((row, 1, "date", "both 'date' and 'start'/'end'", "use one"))
                start = end = date
                instant = True
            elif start_cells[row] is not None or end_cells[row] is not None:
                start, end = start_cells[row], end_cells[row]
                if start is None:
                    pending.append((row, 2, "end", "'end' without a 'start'", f"end {end}"))
                elif end is not None:
                    spans.append(row)
            else:
                start, end, instant = default_start, default_end, default_instant
            starts.append(start)
            ends.append(end)
            instants.append(instant)
        for problem in rules.periods([starts[row] for row in spans], [ends[row] for row in spans]):
            row = spans[problem.row]
            pending.append((row, 2, "end", "'end' before 'start'", f"end {ends[row]} is before start {starts[row]}"))
        return starts, ends, instants

    def _citations(self, sources: list, locators: list, row_sources: list | None, pending: list) -> list | None:
        """Each row's (citations, source references, their places); None when every row cites
        the layer's defaults (no ``sources``, ``locator`` or ``source_urls`` cells)."""
        default = self.defaults.values
        line, col = self.origin.line, self.origin.col
        default_cites = tuple(default.get("citations", ()))  # type: ignore[arg-type]
        default_refs = [ref for ref, _ in self.defaults.refs]
        default_places = [_pos(self.reader.reader.origin(node)) for _, node in self.defaults.refs]
        self._default_citations = (default_cites, default_refs, default_places)
        count = len(sources)
        no_sources = ("sources", "no sources", "add a 'sources' column or 'defaults: {sources: [...]}'")
        if sources.count(None) == count and locators.count(None) == count and row_sources is None:
            if not default_cites:
                pending.extend((row, 3, *no_sources) for row in range(count))
            return None
        result = []
        for row in range(count):
            if sources[row] is not None:
                citations = tuple(Citation(ref) for ref in sources[row])
                ref_names, ref_places = list(sources[row]), [(line, col)] * len(sources[row])
            else:
                citations, ref_names, ref_places = default_cites, default_refs, default_places
            if locators[row] is not None:
                citations = tuple(c if c.locator else Citation(c.ref, locators[row], c.quote) for c in citations)
            if row_sources is not None and row_sources[row]:
                citations += tuple(Citation(source_id) for source_id in row_sources[row])
                ref_names = ref_names + row_sources[row]
                ref_places = ref_places + [(line, col)] * len(row_sources[row])
            if not citations:
                pending.append((row, 3, *no_sources))
            result.append((citations, ref_names, ref_places))
        return result

    def _kept(self, ids: list, names: list, positions: list) -> list[int] | None:
        """The rows that become features (None: all of them): those without an error, with an
        id, a name and a position."""
        dropped = set(self.problems.bad)
        for cells in (ids, names, positions):
            if None in cells:
                dropped.update(row for row, cell in enumerate(cells) if cell is None)
        if not dropped:
            return None
        return [row for row in range(self.table.rows) if row not in dropped]

    def _shapes(self, positions: list, kept: list[int] | None, columns: dict) -> tuple[list[int] | None, object]:
        """The kinds, points and others columns of the kept rows; and the points to check
        against their countries: (the owning feature of each (None: feature k owns point k),
        their lon/lat array)."""
        import numpy as np

        countries = columns["countries"]
        if self.lonlat is not None and (self.from_arrays.all() if kept is None else self.from_arrays[kept].all()):
            lons, lats = self.lonlat
            if kept is not None:
                lons, lats = lons[kept], lats[kept]
            lonlat = np.column_stack((lons, lats))
            lonlat.flags.writeable = False  # as a cached table's points are: shared, never changed in place
            # The points column as the float array it is packed into (a cached table's is one too):
            # two million Python floats would be ~64 MB more.
            # the kinds as bytes: every code 0 (a point), one byte each, as the cache stores them
            columns["kinds"], columns["points"], columns["others"] = bytes(len(lonlat)), lonlat.reshape(-1), []
            if () not in countries:
                return None, lonlat
            owners = [k for k, codes in enumerate(countries) if codes]
            return owners, lonlat[owners]
        kinds, points, others = [], [], []
        owners, coords = [], []
        for k, row in enumerate(range(self.table.rows) if kept is None else kept):
            position = positions[row]
            if position is _FROM_ARRAYS:
                code, plain = 0, (float(self.lonlat[0][row]), float(self.lonlat[1][row]))  # type: ignore[index]
            else:
                code, plain = _table_shape(*position)
            kinds.append(code)
            if code == 0:
                points.extend(plain)
                if countries[k]:
                    owners.append(k)
                    coords.append(plain)
            else:
                others.append(plain)
                if code == 3 and countries[k]:  # a multipoint: each of its points
                    for part in position[1].geoms:
                        owners.append(k)
                        coords.append((part.x, part.y))
        columns["kinds"], columns["points"], columns["others"] = kinds, points, others
        return owners, np.asarray(coords, dtype=np.float64).reshape(-1, 2)

    def _citation_columns(self, citations: list | None, kept: list[int] | None, count: int) -> dict[str, list]:
        if citations is None:  # every row: the defaults'
            cites, refs, places = self._default_citations
            return {
                "citation_counts": _same(len(cites), count), "refs": _repeated([c.ref for c in cites], count),
                "locators": _repeated([c.locator for c in cites], count), "quotes": _repeated([c.quote for c in cites], count),
                "ref_counts": _same(len(refs), count), "ref_names": _repeated(list(refs), count),
                "ref_places": _repeated(list(places), count),
            }
        rows = citations if kept is None else map(citations.__getitem__, kept)
        columns: dict[str, list] = {name: [] for name in ("citation_counts", "refs", "locators", "quotes", "ref_counts", "ref_names", "ref_places")}
        for cites, ref_names, ref_places in rows:
            columns["citation_counts"].append(len(cites))
            columns["refs"].extend(c.ref for c in cites)
            columns["locators"].extend(c.locator for c in cites)
            columns["quotes"].extend(c.quote for c in cites)
            columns["ref_counts"].append(len(ref_names))
            columns["ref_names"].extend(ref_names)
            columns["ref_places"].extend(ref_places)
        return columns

    def _figure_columns(self, figures: list | None, kept: list[int] | None, count: int) -> dict[str, list]:
        defaults = tuple(self.defaults.values.get("figures", ()))  # type: ignore[arg-type]
        if figures is None:  # no figure columns: every row has the defaults'
            return {
                "figure_counts": _same(len(defaults), count), "labels": _repeated([f.label for f in defaults], count),
                "values": _repeated([f.value for f in defaults], count), "units": _repeated([f.unit for f in defaults], count),
            }
        columns: dict[str, list] = {"figure_counts": [], "labels": [], "values": [], "units": []}
        for own in figures if kept is None else map(figures.__getitem__, kept):
            row_figures = own + defaults
            columns["figure_counts"].append(len(row_figures))
            columns["labels"].extend(f.label for f in row_figures)
            columns["values"].extend(f.value for f in row_figures)
            columns["units"].extend(f.unit for f in row_figures)
        return columns

    def _extras(self, kept: list[int] | None, count: int) -> list:
        """Each kept row's ``x-`` columns (None: it has none)."""
        user_columns = {name: cells for name, cells in self.table.columns.items() if name.startswith(schema.USER_KEY_PREFIX)}
        if not user_columns:
            return _same(None, count)
        result = []
        for row in range(self.table.rows) if kept is None else kept:
            extra = {
                key: cells[row] if not hasattr(cells[row], "item") else cells[row].item()
                for key, cells in user_columns.items() if not field_map.missing(cells[row])
            }
            result.append(extra or None)
        return result

    def figures(self) -> list[tuple[Figure, ...]] | None:
        """Each row's figures from the ``figures`` columns: a row whose value cell is empty has
        no such figure; a value that is not a number is an error naming the row. None when
        ``fields`` names no figures."""
        if not self.fields.figures:
            return None
        count = self.table.rows
        result: list[list[Figure]] = [[] for _ in range(count)]
        for spec in self.fields.figures:
            node = spec.node or self.data_node
            values = self._need(spec.value, node)
            units = self._need(spec.unit_column, node) if spec.unit_column else None
            rows = [row for row, value in enumerate(values) if not field_map.missing(value)]
            numbers, found = rules.numbers([values[row] for row in rows], "figures", thousands=True)
            for problem in found:
                what = "a number" if problem.kind == "number" else "a finite number"
                row = rows[problem.row]
                self.problems.add("figures", f"figure '{spec.label}': '{spec.value}' must be {what}", row, f"'{values[row]}'")
            for row, number in zip(rows, numbers):
                if number is None:
                    continue
                unit = spec.unit
                if units is not None and not field_map.missing(units[row]):
                    unit = _cell_text(units[row])
                result[row].append(Figure(spec.label, number, unit))
        return [tuple(figures) for figures in result]

    def row_sources(self, values: dict, ids: list) -> list[list[str]] | None:
        """Each row's own documents (``source_urls``, with ``source_titles`` and
        ``source_publishers`` item by item): their source ids, ``FEATURE-ID-source-N``. None
        when the layer maps none of these columns."""
        count = self.table.rows
        self._row_source_data: list[list[Source]] = []
        if all(values[key] is None for key in ("source_urls", "source_titles", "source_publishers")):
            return None
        urls = self.positional("source_urls", values["source_urls"])
        distinct = list({url: None for items in urls if items for url in items if url is not None})
        broken = {distinct[problem.row]: problem for problem in rules.urls(distinct)}
        if broken:
            what = f"invalid source_urls in '{self.column_name('source_urls')}'"
            for row, items in enumerate(urls):
                for url in items or ():
                    if url in broken:
                        self.problems.add("source_urls", what, row, _detail(broken[url], url))
        titles = self.positional("source_titles", values["source_titles"])
        publishers = self.positional("source_publishers", values["source_publishers"])
        result: list[list[str]] = []
        for row in range(count):
            made: list[Source] = []
            if urls[row] and ids[row] is not None:
                for n, url in enumerate(urls[row], 1):
                    if url is None:  # an empty item: its title and publisher go with it
                        continue
                    title = titles[row][n - 1] if titles[row] and n - 1 < len(titles[row]) else None
                    publisher = publishers[row][n - 1] if publishers[row] and n - 1 < len(publishers[row]) else None
                    made.append(Source(f"{ids[row]}-source-{n}", title or url, publisher=publisher, url=url, origin=self.origin))
            self._row_source_data.append(made)
            result.append([s.id for s in made])
        return result

    def positional(self, key: str, cells: list | None) -> list:
        """Items that go with the URLs one by one: split keeping empty items (``A||C``), so the
        third title stays with the third URL."""
        if cells is None:
            return [None] * self.table.rows
        spec = self.specs.get(key)
        separator = spec.separator if spec is not None and spec.separator else LIST_SEPARATOR
        result: list = []
        for value in cells:
            if field_map.missing(value) and not isinstance(value, list):
                result.append(None)
            elif isinstance(value, str):
                result.append([item.strip() or None for item in value.split(separator)])
            elif isinstance(value, list):
                result.append([item.strip() or None if isinstance(item, str) else None for item in value])
            else:
                result.append([_cell_text(value)])
        return result

    def add_row_sources(self, row_sources: list[list[str]] | None) -> None:
        """The kept rows' own documents join the file's sources."""
        for row, made in enumerate(self._row_source_data):
            if row in self.problems.bad:
                continue
            for source in made:
                self.reader.result.sources.append((source, len(self.reader.reader.problems)))

    def positions(self) -> list:
        """(kind, geometry) of each row, or None for a row with a problem. A row whose point is
        plain (2-D, finite, in range: the usual row of a big file) is :data:`_FROM_ARRAYS`: its
        coordinates are in ``self.lonlat``, and ``self.from_arrays`` marks such rows."""
        import numpy as np

        count = self.table.rows
        self.lonlat: tuple | None = None
        self.from_arrays = np.zeros(count, dtype=bool)
        if self.table.geometries is None:  # CSV: lon and lat columns
            lon_cells = self._coordinate_column("lon", CSV_LON)
            lat_cells = self._coordinate_column("lat", CSV_LAT)
            arrays = _point_arrays(lon_cells, lat_cells, count)
            if arrays is None:
                result, doubtful = [None] * count, range(count)
            else:
                self.lonlat, self.from_arrays = arrays[:2], arrays[2]
                result, doubtful = [_FROM_ARRAYS] * count, np.flatnonzero(~self.from_arrays).tolist()
            for row, point in zip(doubtful, self._csv_points(doubtful, lon_cells, lat_cells)):
                result[row] = point
            return result
        if self.table.points is not None:  # every row a 2-D point: only those out of range are looked at
            lons, lats = self.table.points
            self.lonlat, self.from_arrays = (lons, lats), rules.coordinates_in_range(lons, lats)
            result = [_FROM_ARRAYS] * count
            for row in np.flatnonzero(~self.from_arrays).tolist():
                try:
                    result[row] = row_geometry(self.table.geometries[row])
                except RowProblem as problem:
                    self.problems.add("geometry", problem.message, row, problem.detail)
                    result[row] = None
            return result
        result = rows_geometry(self.table.geometries)
        for row, found in enumerate(result):
            if type(found) is RowProblem:
                self.problems.add("geometry", found.message, row, found.detail)
                result[row] = None
        return result

    _lon_lat_names = ("lon", "lat")

    def _csv_points(self, rows: Sequence[int], lon_cells: list, lat_cells: list) -> list[tuple | None]:
        """The points of the CSV ``rows`` from their lon/lat cells (None where a cell is empty or
        not a number), by the number and coordinate rules' column forms; problems added in row
        order, a row's as one row at a time finds them: its lon cell, its lat cell, the
        longitude's range, the latitude's."""
        found: list[tuple[int, int, str, str, str]] = []
        """(row, step, key, what, detail)"""
        numbers: list[dict[int, float | None]] = []
        for step, (key, cells) in enumerate((("lon", lon_cells), ("lat", lat_cells))):
            column = self._lon_lat_names[step]
            filled = []
            for row in rows:
                if field_map.missing(cells[row]):
                    found.append((row, step, key, f"empty '{column}' ({key})", "empty"))
                else:
                    filled.append(row)
            values, problems = rules.numbers([cells[row] for row in filled], key)
            for problem in problems:
                row = filled[problem.row]
                what = "a number" if problem.kind == "number" else "a finite number"
                found.append((row, step, key, f"'{column}' ({key}) must be {what}", f"'{cells[row]}'"))
            numbers.append(dict(zip(filled, values)))
        lon_of, lat_of = numbers
        both = [row for row in rows if lon_of.get(row) is not None and lat_of.get(row) is not None]
        lons, lats = [lon_of[row] for row in both], [lat_of[row] for row in both]
        for problem in rules.coordinates(lons, lats):  # type: ignore[arg-type]
            row, lon, lat = both[problem.row], lons[problem.row], lats[problem.row]
            if problem.kind == "longitude":
                found.append((row, 2, "lon", f"longitude out of range (-180 to 180) in '{self._lon_lat_names[0]}'", f"{lon:g}"))
            else:
                hint = "; are longitude and latitude swapped?" if rules.maybe_swapped(lon) else ""  # type: ignore[arg-type]
                found.append((row, 3, "lat", f"latitude out of range (-90 to 90) in '{self._lon_lat_names[1]}'", f"{lat:g}{hint}"))
        for row, _, key, what, detail in sorted(found, key=itemgetter(0, 1)):
            self.problems.add(key, what, row, detail)
        points = dict(zip(both, zip(lons, lats)))
        return [(GeometryKind.POINT, points[row]) if row in points else None for row in rows]

    def _coordinate_column(self, key: str, names: Iterable[str]) -> list:
        if key in self.specs:
            cells = self.column(key)
            self._set_name(key, self.specs[key].columns[0] if self.specs[key].columns else key)
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

    def check_countries(self, owners: list[int] | None, lonlat, countries: list, kept: list[int] | None) -> None:
        """Warn (once per kind, naming rows) about points outside all their declared countries:
        ``owners`` are the checked points' features (their places in the table; None: point k
        is feature k's), ``lonlat`` the points (a multipoint's several: the first outside names
        its row, once), ``kept`` the row of each feature (None: the same). Only the rows the
        report names are described (where each lies instead: a query per point, 0.3 s for the
        17,000 strays of a million-point file whose message names five)."""
        if not len(lonlat):
            return
        declared = countries if owners is None else [countries[k] for k in owners]
        groups = self._codes_of(countries) if owners is None else None
        first: dict[int, int] = {}
        """Each warned feature's first point outside (its position in ``lonlat``)."""
        for index in points_outside(lonlat, declared, groups=groups):
            first.setdefault(index if owners is None else owners[index], index)
        what = "points outside their countries"
        warned = sorted(first.items())
        shown = [index for _, index in warned[:max(self.problems.room("countries", what), 0)]]
        messages = dict(zip(shown, outside_messages(lonlat, declared, shown)))
        for feature, index in warned:
            row = feature if kept is None else kept[feature]
            detail = messages[index].replace("point ", "", 1) if index in messages else ""
            self.problems.add("countries", what, row, detail, error=False)

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


ColumnRule = Callable[[Sequence[str], str], list]
"""A rule's column form (:mod:`.feature_rules`, :func:`.field_map.country_codes`): a column of
texts and the key it holds → its :class:`~.feature_rules.RowProblem` records."""

CHOICES = {"precision": PRECISION_VALUES, "dating": schema.DATINGS}
"""What a ``choice`` problem of each key lists."""


def _detail(problem: rules.RowProblem, text: str) -> str:
    """How bulk data names a row's problem: the text the rule refused and what it wants (the
    rule's own reason where it has one)."""
    kind = problem.kind
    if kind == "identifier":
        return f"'{text}': use lowercase letters, digits and hyphens"
    if kind == "date":
        return problem.detail
    if kind == "country":
        return f"unknown country '{text}': use an ISO 3166-1 code (BY, BLR) or an English name"
    if kind == "address":
        return f"'{text}': {problem.detail}"
    if kind == "scheme":
        return f"'{text}' is not an http:// or https:// address"
    if kind == "choice":
        return f"'{text}' is not one of {', '.join(CHOICES[problem.key])}"
    raise ValueError(f"no wording for a '{kind}' problem")


def _point_arrays(lon_cells: list, lat_cells: list, count: int) -> tuple | None:
    """(longitudes, latitudes, plain) of the lon/lat cells at C speed (numpy converts a text
    cell with Python's ``float``, as the row-at-a-time rule does), ``plain`` marking the rows
    whose point is finite and in range; the other rows are left to that rule. None when the
    columns do not convert as a whole (then every row is)."""
    import numpy as np

    try:
        lons = np.asarray(lon_cells, dtype=np.float64)
        lats = np.asarray(lat_cells, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        return None
    if lons.shape != (count,) or lats.shape != (count,):
        return None
    return lons, lats, rules.coordinates_in_range(lons, lats)


def _pos(origin) -> tuple[int, int]:
    return (origin.line, origin.col) if origin is not None else (0, 0)


def _same(value: object, count: int) -> tuple[object, int]:
    """A column holding ``value`` in each of ``count`` rows as the feature table takes it,
    ``(value, count)``: made a list only when read, and stored as it is (a million-row file's
    defaults fill a dozen such columns; each list would be 8 MB, and the cache writer would
    walk it to find what the reader knew)."""
    return value, count


def _repeated(per_row: list, count: int) -> list | tuple:
    """A flat column (one item per citation or figure) of rows that all have the items
    ``per_row``: :func:`_same` when that is one item."""
    return _same(per_row[0], count) if len(per_row) == 1 else per_row * count


def _or_default(cells: list, default: tuple) -> list[tuple]:
    """A list column (tuples, None where a row has none) with ``default`` for the empty rows."""
    if None not in cells:
        return cells
    if cells.count(None) == len(cells):
        return [default] * len(cells)
    return [default if items is None else items for items in cells]


def _table_shape(kind: GeometryKind, shape) -> tuple[int, object]:
    """A row's kind code and shape as the feature table keeps them: a point's ``(lon, lat)``,
    else the plain shape (:func:`~influencemap.model.geometry_parts.plain_shape`)."""
    if type(shape) is tuple:
        return 0, shape
    if kind is GeometryKind.POINT:
        if shape.geom_type == "Point":
            return 0, (shape.x, shape.y)
        return 3, shape.wkb
    return (1 if kind is GeometryKind.LINE else 2), plain_shape(shape)
