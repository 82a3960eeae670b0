"""A bulk data file's table, and its columns read as feature keys' cells.

:class:`KeyColumns` finds the cells of a feature key (its ``fields`` entry: a column, several,
a template; else the column of its name) and reads them as texts or lists of items, checked by a
rule's column form (:mod:`.feature_rules`). A million-row column is read a distinct cell at a
time where cells repeat, and a dictionary-coded column (:attr:`.DataTable.codes`) by its codes
at C speed; problems are added in the order a row-by-row reading finds them. The rows that use
these cells are :mod:`.bulk_rows`'.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any, Callable, Sequence

from influencemap.model import field_map, schema
from influencemap.model.bulk_cells import LIST_SEPARATOR, cell_items, cell_text
from influencemap.model.bulk_problems import DataError, RowProblems, problem_detail
from influencemap.model.field_map import FieldMap
from influencemap.model.yaml_nodes import Node

LIST_KEYS = ("countries", "actors", "tags", "sources", "source_urls", "source_titles", "source_publishers")
_TEXT_CELLS = {str, type(None)}
_SAMPLE = 4096
"""Cells looked at to guess whether a column repeats (the guess only chooses the faster way)."""

ColumnRule = Callable[[Sequence[str], str], list]
"""A rule's column form (:mod:`.feature_rules`, :func:`.field_map.country_codes`): a column of
texts and the key it holds → its :class:`~.feature_rules.RowProblem` records."""


@dataclass
class RowTable:
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


class KeyColumns:
    """The cells of the table's feature keys, read and checked; the problems found on the way
    gathered in :attr:`problems`. :class:`.bulk_rows.Rows` builds on it (a base class rather
    than a part it holds: the rows' steps read cells and add problems throughout, through the
    same ``self``)."""

    def __init__(self, reader, data_node, fields_node, fields: FieldMap, table: RowTable) -> None:
        self.reader = reader
        self.data_node = data_node
        self.fields_node = fields_node
        self.fields = fields
        self.specs = fields.specs
        self.table = table
        self.problems = RowProblems(table.name_row)
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
            raise DataError
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
                    text, empty = field_map.fill_template(spec.template, {n: c[row] for n, c in needed.items()}, cell_text)
                    if empty is not None:
                        self.problems.add(key, f"empty '{empty}' in the template of {key}", row, "empty")
                    result.append(text)
                return result
            if len(spec.columns) == 1:
                return needed[spec.columns[0]]
            if key in LIST_KEYS:
                separator = spec.separator or LIST_SEPARATOR
                return [
                    [item for name in spec.columns if not field_map.missing(needed[name][row]) for item in cell_items(needed[name][row], separator)] or None
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
            raise DataError
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
        return [(at(problem.row), (what, problem_detail(problem, texts[at(problem.row)]))) for problem in found]

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
            text = cell_text(value)
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
                problems = [(what, problem_detail(broken[item], item)) for item in items if item in broken]
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
            items = value if isinstance(value, list) and all(isinstance(i, str) for i in value) else cell_items(value, separator)
        except ValueError as exc:
            return None, [(f"'{self.column_name(key)}' ({key}) must be text", str(exc))]
        if spec is not None and (spec.values is not None or spec.slug):
            items = [self._convert(key, item) for item in items]
        return items, []

    def optional_texts(self, key: str, values: dict, rule: ColumnRule | None = None) -> list:
        return self.texts(key, values[key], rule) if values[key] is not None else [None] * self.table.rows

    def optional_lists(self, key: str, values: dict, rule: ColumnRule | None = None, codes: bool = False) -> list:
        return self.lists(key, values[key], rule, codes) if values[key] is not None else [None] * self.table.rows

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
                result.append([cell_text(value)])
        return result
