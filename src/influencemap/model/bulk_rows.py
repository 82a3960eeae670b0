"""A bulk data file's rows into the feature table's columns.

:class:`Rows` reads each feature key's cells (:class:`.bulk_columns.KeyColumns`), the rows'
figures, positions, periods and citations, leaves out the rows with an error, and hands the
kept rows to the reader as table columns (:data:`.feature_table.COLUMNS`). Where every row takes
the same thing (the defaults' citations, points in the coordinate arrays: the usual big file) a
column is made at once; a row-by-row step remains only where rows differ. Each kind of problem
is reported once, at the ``data:`` (or ``fields:``) line (:mod:`.bulk_problems`).
"""

from __future__ import annotations

from operator import itemgetter

from influencemap.model import feature_rules as rules, field_map, schema
from influencemap.model.bulk_cells import cell_text
from influencemap.model.bulk_columns import KeyColumns, RowTable
from influencemap.model.bulk_positions import RowPositions
from influencemap.model.bulk_problems import DataError, problem_detail
from influencemap.model.country_check import outside_messages, points_outside
from influencemap.model.feature_table import COLUMNS as TABLE_COLUMNS
from influencemap.model.field_map import FieldMap
from influencemap.model.types import Citation, Figure, Source

ROW_KEYS = (
    "id", "name", "date", "start", "end", "countries", "actors", "tags", "precision", "dating", "description", "sources",
)
"""Feature keys a row can give (its geometry comes from the file, or from lon/lat columns)."""
CITATION_KEYS = ("locator", "source_urls", "source_titles", "source_publishers")
"""Keys of ``fields`` that build each row's citations (see :mod:`.field_map`)."""


class Rows(KeyColumns):
    """A data file's rows made features: :meth:`read` puts the kept rows in the reader's
    tables and reports the problems."""

    def __init__(self, reader, layer_id, defaults, data_node, fields_node, fields: FieldMap, table: RowTable) -> None:
        super().__init__(reader, data_node, fields_node, fields, table)
        self.layer_id = layer_id
        self.defaults = defaults
        self.origin = reader.reader.origin(data_node)

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
            # A local, not an attribute: RowPositions refers to these rows, and a cycle would keep
            # the file's own columns (~50 MB for 1M GeoParquet points) until the loader's paused
            # garbage collector runs again, past the peak of the load.
            placed = RowPositions(self)
            positions = placed.positions()
        except DataError:
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
        owners, lonlat = placed.shapes(positions, kept, columns)
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
                    unit = cell_text(units[row])
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
                        self.problems.add("source_urls", what, row, problem_detail(broken[url], url))
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

    def add_row_sources(self, row_sources: list[list[str]] | None) -> None:
        """The kept rows' own documents join the file's sources."""
        for row, made in enumerate(self._row_source_data):
            if row in self.problems.bad:
                continue
            for source in made:
                self.reader.result.sources.append((source, len(self.reader.reader.problems)))

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
        for key, message, error in self.problems.messages(self.table.label):
            node = self.node_for(key)
            if error:
                reader.error(node, message)
            else:
                reader.warning(node, message)


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
