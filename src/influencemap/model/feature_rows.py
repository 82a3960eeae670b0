"""The features as table rows: columns, cell texts, sort keys and a quick text filter, without Qt.

The app's feature table is a thin Qt model over :class:`FeatureRows`; the command line can
list the same rows (``rows.header()`` and ``rows.cells(i)`` are what a CSV of them holds,
through :func:`influencemap.model.csv_table.to_csv`).

Cells are made when asked for, so 100,000 rows cost nothing until shown. Sorting builds one
key per row for the asked column once (remembered), then orders with numpy: dates sort as
dates (by the first day they cover, undated last), numbers as numbers (no figure last),
texts case- and accent-blind.

A cached layer's rows are read from its table's columns (:class:`_TableRows`), so listing a
million cached features builds no Feature object: one is built only for what needs it (the
details of a row, the GeoJSON of the rows shown), and only for that row.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from influencemap.geo.gazetteer import fold
from influencemap.model.catalog import Catalog
from influencemap.model.feature_table import FeatureTable
from influencemap.model.dates import first_day, format_span
from influencemap.model.filters import FeatureFilter, shown_catalog
from influencemap.model.gc_pause import paused_gc
from influencemap.model.types import Feature, Figure, Layer


def figure_text(figure: Figure) -> str:
    """``Loan: 1,180,000,000 USD`` — the value in full, digits grouped (a table is for checking
    numbers, and 16000000000 is hard to read)."""
    value = figure.value
    if float(value).is_integer():
        shown = f"{int(value):,}"
    else:
        shown = f"{value:,.6g}" if abs(value) >= 1000 else f"{value:.6g}"
    return f"{figure.label}: {shown} {figure.unit}" if figure.unit else f"{figure.label}: {shown}"


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    kind: str
    """"text", "date" or "number": how the column sorts."""


COLUMNS: tuple[Column, ...] = (
    Column("name", "Name", "text"),
    Column("layer", "Layer", "text"),
    Column("date", "Date", "date"),
    Column("countries", "Countries", "text"),
    Column("actors", "Actors", "text"),
    Column("tags", "Tags", "text"),
    Column("figures", "Figures", "number"),
    Column("precision", "Precision", "text"),
    Column("sources", "Sources", "number"),
    Column("dating", "Dating", "text"),
)
COLUMN_INDEX = {column.key: i for i, column in enumerate(COLUMNS)}


def _fold(text: str) -> str:
    """Case-blind, and accent-blind for text that has accents (the slow part, so only then)."""
    return text.casefold() if text.isascii() else fold(text)


class _FeatureList:
    """Rows read from Feature objects (a layer written out, filtered or edited)."""

    def __init__(self, features: Sequence[Feature]) -> None:
        self.features = features

    def __len__(self) -> int:
        return len(self.features)

    def feature(self, j: int) -> Feature:
        return self.features[j]

    def value(self, key: str, j: int):
        feature = self.features[j]
        if key == "figures":
            return feature.figures
        if key == "sources":
            return len(feature.citations)
        if key == "precision":
            return feature.precision.value if feature.precision else None
        return getattr(feature, key, None)

    def values(self, key: str) -> list:
        """Every row's ``key`` (the first figure's value for ``figures``, the sort key)."""
        if key == "figures":
            return [f.figures[0].value if f.figures else None for f in self.features]
        return [self.value(key, j) for j in range(len(self))]

    def chosen(self, rows: Sequence[int]) -> list[tuple[str, FeatureTable]]:
        """The features of ``rows`` by layer (in the order each layer first appears), as tables."""
        by_layer: dict[str, list[Feature]] = {}
        for j in rows:
            feature = self.features[j]
            by_layer.setdefault(feature.layer_id, []).append(feature)
        return [(layer_id, FeatureTable.of(features)) for layer_id, features in by_layer.items()]


class _TableRows:
    """Rows read from a cached layer's columns (:class:`FeatureTable`), without its Feature objects."""

    _COLUMN = {"id": "ids", "name": "names", "start": "starts", "end": "ends", "instant": "instants",
               "countries": "countries", "actors": "actors", "tags": "tags", "precision": "precisions",
               "sources": "citation_counts", "dating": "datings"}

    def __init__(self, table: FeatureTable, layer_id: str) -> None:
        self.table = table
        self.layer_id = layer_id

    def __len__(self) -> int:
        return len(self.table)

    def feature(self, j: int) -> Feature:
        return self.table.row(j)

    def value(self, key: str, j: int):
        if key == "layer_id":
            return self.layer_id
        column = self.table.column
        if key == "figures":
            count = column("figure_counts")[j]
            if not count:
                return ()
            first = self.table.offset("figure_counts", j)
            labels, values, units = column("labels"), column("values"), column("units")
            return tuple(Figure(labels[i], values[i], units[i]) for i in range(first, first + count))
        return column(self._COLUMN[key])[j]

    def values(self, key: str) -> Sequence:
        """Every row's ``key`` at once (a whole column), for sorting and filtering."""
        if key == "layer_id":
            return [self.layer_id] * len(self.table)
        if key == "figures":  # the first figure's value (the sort key), None without figures
            counts = np.asarray(self.table.column("figure_counts"), dtype=np.intp)
            firsts = (np.cumsum(counts) - counts).tolist()
            values = self.table.column("values")
            return [values[first] if count else None for first, count in zip(firsts, counts.tolist())]
        return self.table.column(self._COLUMN[key])

    def chosen(self, rows: Sequence[int]) -> list[tuple[str, FeatureTable]]:
        """The layer's features of ``rows``: the rows of its table (no Feature built)."""
        return [(self.layer_id, self.table.take(rows))]


class FeatureRows:
    """The shown features of a catalog (visible layers, through the filter), one row each.

    The rows are in catalog order (layer by layer, as loaded); ``order`` is the displayed
    order, a permutation of them, after :meth:`sort` and :meth:`set_query`. A cached layer's
    rows come from its columns (see the module); ``features`` builds every Feature object and
    is there for small catalogs and tests.
    """

    def __init__(self, catalog: Catalog, features: Sequence[Feature] = (), *, layers: Sequence[Layer] | None = None) -> None:
        """Rows of ``features`` (Feature objects), or of the features of ``layers`` (a cached
        layer's read from its columns)."""
        self.catalog = catalog
        if layers is None:
            self._parts: list[_FeatureList | _TableRows] = [_FeatureList(list(features))] if len(features) else []
        else:
            self._parts = [_TableRows(layer.features, layer.id) for layer in layers if len(layer.features)]
        self._starts = np.cumsum([0] + [len(part) for part in self._parts], dtype=np.intp)
        self.total = int(self._starts[-1])
        """How many rows there are before the text filter."""
        self._layer_names = {layer.id: layer.name for layer in catalog.layers}
        self._keys: dict[str, np.ndarray] = {}
        self._sort: tuple[int, bool] | None = None
        self._query = ""
        self._matching: np.ndarray | None = None
        self._hay: list[str] | None = None
        self.order = np.arange(self.total, dtype=np.intp)
        self._index_of_id: dict[str, int] | None = None
        self._row_of_index: np.ndarray | None = None

    @classmethod
    def shown(
        cls, catalog: Catalog, feature_filter: FeatureFilter | None = None, visible_layer_ids: Iterable[str] | None = None
    ) -> "FeatureRows":
        """The rows a map of ``visible_layer_ids`` (all when None) through ``feature_filter`` shows."""
        layer_ids = [layer.id for layer in catalog.layers] if visible_layer_ids is None else visible_layer_ids
        shown = shown_catalog(catalog, feature_filter, layer_ids)
        return cls(catalog, layers=shown.layers)

    # -- cells ---------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.order)

    @property
    def features(self) -> list[Feature]:
        """Every row's Feature, in catalog order (builds them: for small catalogs and tests)."""
        return [self._feature_at(i) for i in range(self.total)]

    @staticmethod
    def header() -> list[str]:
        return [column.title for column in COLUMNS]

    def _locate(self, index: int) -> tuple[_FeatureList | _TableRows, int]:
        """The part holding catalog-order row ``index`` and the row within it."""
        part = int(np.searchsorted(self._starts, index, side="right")) - 1
        return self._parts[part], index - int(self._starts[part])

    def _feature_at(self, index: int) -> Feature:
        part, j = self._locate(index)
        return part.feature(j)

    def feature(self, row: int) -> Feature:
        """The feature shown in display row ``row`` (built on its own for a cached layer)."""
        return self._feature_at(int(self.order[row]))

    def feature_id(self, row: int) -> str:
        """The id of the feature in display row ``row`` (no Feature built)."""
        part, j = self._locate(int(self.order[row]))
        return part.value("id", j)

    def text(self, feature: Feature, column: int) -> str:
        """``feature``'s cell in ``column``."""
        return self._cell(_FeatureList((feature,)), 0, column)

    def cell_text(self, row: int, column: int) -> str:
        """Display row ``row``'s cell in ``column`` (read from the columns for a cached layer)."""
        part, j = self._locate(int(self.order[row]))
        return self._cell(part, j, column)

    def _cell(self, part: _FeatureList | _TableRows, j: int, column: int) -> str:
        key = COLUMNS[column].key
        value = part.value
        if key == "name":
            return value("name", j)
        if key == "layer":
            layer_id = value("layer_id", j)
            return self._layer_names.get(layer_id, layer_id)
        if key == "date":
            return format_span(value("start", j), value("end", j), value("instant", j)) or ""
        if key in ("countries", "actors", "tags"):
            return ", ".join(value(key, j))
        if key == "figures":
            return "; ".join(figure_text(f) for f in value("figures", j))
        if key == "precision":
            return value("precision", j) or ""
        if key == "sources":
            return str(value("sources", j))
        if key == "dating":
            return str(value("dating", j) or "stated")
        raise KeyError(key)

    def cells(self, row: int) -> list[str | int]:
        """Display row ``row`` as CSV cells (the source count as a number)."""
        part, j = self._locate(int(self.order[row]))
        return [int(part.value("sources", j)) if c.key == "sources" else self._cell(part, j, i) for i, c in enumerate(COLUMNS)]

    def tsv(self, rows: Iterable[int]) -> str:
        """Display rows as tab-separated lines (for the clipboard); tabs and newlines in cells become spaces."""
        lines = []
        for row in rows:
            cells = (self.cell_text(row, i).replace("\t", " ").replace("\n", " ") for i in range(len(COLUMNS)))
            lines.append("\t".join(cells))
        return "\n".join(lines) + ("\n" if lines else "")

    def shown_catalog(self) -> Catalog:
        """A catalog of exactly the displayed rows (for the GeoJSON export), layers in the
        order their first row appears, each holding the rows of its table in display order."""
        import dataclasses

        part_of = np.searchsorted(self._starts, self.order, side="right") - 1
        within = self.order - self._starts[part_of]
        parts, first_rows = np.unique(part_of, return_index=True)
        layers = []
        for part in parts[np.argsort(first_rows)].tolist():
            for layer_id, features in self._parts[part].chosen(within[part_of == part]):
                layers.append(dataclasses.replace(self.catalog.layer(layer_id), features=features))
        return Catalog(layers=tuple(layers), sources=self.catalog.sources, problems=())

    # -- whole columns -------------------------------------------------------------------

    def _values(self, key: str) -> list:
        """Every row's ``key``, in catalog order (a cached layer's straight from its column)."""
        out: list = []
        for part in self._parts:
            out.extend(part.values(key))
        return out

    def _texts(self, column: int) -> list[str]:
        """Every row's cell in ``column``, in catalog order."""
        out: list[str] = []
        for part in self._parts:
            cell = self._cell
            out.extend(cell(part, j, column) for j in range(len(part)))
        return out

    # -- finding rows --------------------------------------------------------------------

    def row_of(self, feature_id: str) -> int:
        """The display row of a feature, or -1 when it is not shown."""
        if self._index_of_id is None:
            ids = self._values("id")
            self._index_of_id = {fid: i for i, fid in enumerate(ids)}
        index = self._index_of_id.get(feature_id)
        if index is None:
            return -1
        if self._row_of_index is None:
            rows = np.full(self.total, -1, dtype=np.intp)
            rows[self.order] = np.arange(len(self.order), dtype=np.intp)
            self._row_of_index = rows
        return int(self._row_of_index[index])

    # -- sorting and the text filter -----------------------------------------------------

    def sort_key(self, column: int) -> np.ndarray:
        """One key per row (in catalog order) for ``column``, made once."""
        key = COLUMNS[column].key
        cached = self._keys.get(key)
        if cached is not None:
            return cached
        with paused_gc():  # 100,000 new strings would set off full collections over the catalog
            values = self._make_key(column, key)
        self._keys[key] = values
        return values

    def _make_key(self, column: int, key: str) -> np.ndarray:
        count = self.total
        if key == "date":
            days: dict[str, float] = {}

            def day(text: str | None) -> float:
                if text is None:
                    return math.inf
                value = days.get(text)
                if value is None:
                    value = days[text] = float(first_day(text).toordinal())
                return value

            values: np.ndarray | list = np.fromiter((day(s) for s in self._values("start")), dtype=float, count=count)
        elif key == "figures":
            values = np.fromiter((math.inf if v is None else v for v in self._values("figures")), dtype=float, count=count)
        elif key == "sources":
            values = np.fromiter(self._values("sources"), dtype=float, count=count)
        else:
            folded: dict[str, str] = {}
            texts = []
            for text in self._texts(column):
                value = folded.get(text)
                if value is None:
                    value = folded[text] = _fold(text) if text else "\uffff"
                texts.append(value)
            # Texts become their ranks among the distinct texts (numpy's sort of a fixed-width
            # string array, at C speed), empty cells infinite: every later sort is of numbers.
            values = _text_ranks(texts).astype(float)
            values[np.array([t == "\uffff" for t in texts], dtype=bool)] = math.inf
        return values

    def sort(self, column: int, descending: bool = False) -> None:
        """Order the rows by ``column`` (stable: equal keys keep catalog order); empty last."""
        self._sort = (column, descending)
        self._apply()

    def set_query(self, query: str) -> None:
        """Show only rows whose name, layer, countries, actors or tags hold every word of ``query``."""
        words = _fold(query).split()
        self._query = " ".join(words)
        if not words:
            self._matching = None
        else:
            haystacks = self._haystacks()
            self._matching = np.fromiter(
                (all(w in hay for w in words) for hay in haystacks), dtype=bool, count=self.total
            )
        self._apply()

    def _haystacks(self) -> list[str]:
        """Per row, its folded name, layer, countries, actors and tags (made once)."""
        if self._hay is None:
            columns = [COLUMN_INDEX[k] for k in ("layer", "countries", "actors", "tags")]
            folded: dict[str, str] = {}

            def fold_once(text: str) -> str:
                value = folded.get(text)
                if value is None:
                    value = folded[text] = _fold(text).replace("\x00", " ")
                return value

            with paused_gc():
                names = self._values("name")
                others = [self._texts(c) for c in columns]
                self._hay = [
                    "\x00".join([_fold(name), *(fold_once(texts[i]) for texts in others)]) for i, name in enumerate(names)
                ]
        return self._hay

    @property
    def query(self) -> str:
        return self._query

    def _apply(self) -> None:
        count = self.total
        if self._sort is None:
            order = np.arange(count, dtype=np.intp)
        else:
            column, descending = self._sort
            order = _argsort(self.sort_key(column), descending)
        if self._matching is not None:
            order = order[self._matching[order]]
        self.order = order
        self._row_of_index = None


def _argsort(keys: np.ndarray, descending: bool) -> np.ndarray:
    """A stable order of ``keys``; missing keys (infinite) last in both directions."""
    finite = np.isfinite(keys)
    values = np.where(finite, -keys if descending else keys, np.inf)
    return np.argsort(values, kind="stable")


def _text_ranks(keys: list) -> np.ndarray:
    """Each text's rank among the distinct texts, found by numpy's sort of a fixed-width
    string array (C speed), so later orders sort integers."""
    if not keys:
        return np.zeros(0, dtype=np.int64)
    _, ranks = np.unique(np.array(keys, dtype=str), return_inverse=True)
    return ranks.astype(np.int64).reshape(-1)

