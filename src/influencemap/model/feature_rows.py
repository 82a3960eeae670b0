"""The features as table rows: columns, cell texts, sort keys and a quick text filter, without Qt.

The app's feature table is a thin Qt model over :class:`FeatureRows`; the command line can
list the same rows (``rows.header()`` and ``rows.cells(i)`` are what a CSV of them holds,
through :func:`influencemap.model.csv_table.to_csv`).

Cells are made when asked for, so 100,000 rows cost nothing until shown. Sorting builds one
key per row for the asked column once (remembered), then orders with numpy: dates sort as
dates (by the first day they cover, undated last), numbers as numbers (no figure last),
texts case- and accent-blind.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from influencemap.geo.gazetteer import fold
from influencemap.model.catalog import Catalog
from influencemap.model.dates import first_day, format_span
from influencemap.model.filters import FeatureFilter, shown_catalog
from influencemap.model.gc_pause import paused_gc
from influencemap.model.types import Feature, Figure


def figure_text(figure: Figure) -> str:
    """``Loan: 1,180,000,000 USD`` — the value in full, digits grouped (a table is for checking
    numbers, and 16000000000 is hard to read)."""
    value = figure.value
    if float(value).is_integer():
        shown = f"{int(value):,}"
    else:
        shown = f"{value:,.6g}" if abs(value) >= 1000 else f"{value:.6g}"
    return f"{figure.label}: {shown} {figure.unit}" if figure.unit else f"{figure.label}: {shown}"


def dating_of(feature: Feature) -> str:
    """How the feature's date was found; features without a ``dating`` say "stated"."""
    return str(getattr(feature, "dating", None) or "stated")


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


class FeatureRows:
    """The shown features of a catalog (visible layers, through the filter), one row each.

    ``features`` are in catalog order (layer by layer, as loaded); ``order`` is the displayed
    order, a permutation of them, after :meth:`sort` and :meth:`set_query`.
    """

    def __init__(self, catalog: Catalog, features: Sequence[Feature]) -> None:
        self.catalog = catalog
        self.features = list(features)
        self._layer_names = {layer.id: layer.name for layer in catalog.layers}
        self._keys: dict[str, np.ndarray] = {}
        self._sort: tuple[int, bool] | None = None
        self._query = ""
        self._matching: np.ndarray | None = None
        self._hay: list[str] | None = None
        self.order = np.arange(len(self.features), dtype=np.intp)
        self._position: dict[str, int] | None = None

    @classmethod
    def shown(
        cls, catalog: Catalog, feature_filter: FeatureFilter | None = None, visible_layer_ids: Iterable[str] | None = None
    ) -> "FeatureRows":
        """The rows a map of ``visible_layer_ids`` (all when None) through ``feature_filter`` shows."""
        layer_ids = [layer.id for layer in catalog.layers] if visible_layer_ids is None else visible_layer_ids
        shown = shown_catalog(catalog, feature_filter, layer_ids)
        return cls(catalog, [f for layer in shown.layers for f in layer.features])

    # -- cells ---------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.order)

    @staticmethod
    def header() -> list[str]:
        return [column.title for column in COLUMNS]

    def feature(self, row: int) -> Feature:
        """The feature shown in display row ``row``."""
        return self.features[int(self.order[row])]

    def text(self, feature: Feature, column: int) -> str:
        key = COLUMNS[column].key
        if key == "name":
            return feature.name
        if key == "layer":
            return self._layer_names.get(feature.layer_id, feature.layer_id)
        if key == "date":
            return format_span(feature.start, feature.end, feature.instant) or ""
        if key in ("countries", "actors", "tags"):
            return ", ".join(getattr(feature, key))
        if key == "figures":
            return "; ".join(figure_text(f) for f in feature.figures)
        if key == "precision":
            return feature.precision.value if feature.precision else ""
        if key == "sources":
            return str(len(feature.citations))
        if key == "dating":
            return dating_of(feature)
        raise KeyError(key)

    def cells(self, row: int) -> list[str | int]:
        """Display row ``row`` as CSV cells (the source count as a number)."""
        feature = self.feature(row)
        return [len(feature.citations) if c.key == "sources" else self.text(feature, i) for i, c in enumerate(COLUMNS)]

    def tsv(self, rows: Iterable[int]) -> str:
        """Display rows as tab-separated lines (for the clipboard); tabs and newlines in cells become spaces."""
        lines = []
        for row in rows:
            feature = self.feature(row)
            cells = (self.text(feature, i).replace("\t", " ").replace("\n", " ") for i in range(len(COLUMNS)))
            lines.append("\t".join(cells))
        return "\n".join(lines) + ("\n" if lines else "")

    def shown_catalog(self) -> Catalog:
        """A catalog of exactly the displayed rows (for the GeoJSON export), layers in the
        order their first row appears."""
        import dataclasses

        by_layer: dict[str, list[Feature]] = {}
        for row in range(len(self)):
            feature = self.feature(row)
            by_layer.setdefault(feature.layer_id, []).append(feature)
        layers = tuple(
            dataclasses.replace(self.catalog.layer(layer_id), features=tuple(features))
            for layer_id, features in by_layer.items()
        )
        return Catalog(layers=layers, sources=self.catalog.sources, problems=())

    # -- finding rows --------------------------------------------------------------------

    def row_of(self, feature_id: str) -> int:
        """The display row of a feature, or -1 when it is not shown."""
        if self._position is None:
            ids = [self.features[i].id for i in self.order.tolist()]
            self._position = {feature_id: row for row, feature_id in enumerate(ids)}
        return self._position.get(feature_id, -1)

    # -- sorting and the text filter -----------------------------------------------------

    def sort_key(self, column: int) -> np.ndarray:
        """One key per feature (in catalog order) for ``column``, made once."""
        key = COLUMNS[column].key
        cached = self._keys.get(key)
        if cached is not None:
            return cached
        with paused_gc():  # 100,000 new strings would set off full collections over the catalog
            values = self._make_key(column, key)
        self._keys[key] = values
        return values

    def _make_key(self, column: int, key: str) -> np.ndarray:
        features = self.features
        if key == "date":
            days: dict[str, float] = {}

            def day(text: str | None) -> float:
                if text is None:
                    return math.inf
                value = days.get(text)
                if value is None:
                    value = days[text] = float(first_day(text).toordinal())
                return value

            values: np.ndarray | list = np.fromiter((day(f.start) for f in features), dtype=float, count=len(features))
        elif key == "figures":
            values = np.fromiter(
                (f.figures[0].value if f.figures else math.inf for f in features), dtype=float, count=len(features)
            )
        elif key == "sources":
            values = np.fromiter((len(f.citations) for f in features), dtype=float, count=len(features))
        else:
            folded: dict[str, str] = {}
            texts = []
            for f in features:
                text = self.text(f, column)
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
                (all(w in hay for w in words) for hay in haystacks), dtype=bool, count=len(self.features)
            )
        self._apply()

    def _haystacks(self) -> list[str]:
        """Per feature, its folded name, layer, countries, actors and tags (made once)."""
        if self._hay is None:
            columns = [COLUMN_INDEX[k] for k in ("layer", "countries", "actors", "tags")]
            folded: dict[str, str] = {}

            def fold_once(text: str) -> str:
                value = folded.get(text)
                if value is None:
                    value = folded[text] = _fold(text).replace("\x00", " ")
                return value

            with paused_gc():
                self._hay = [
                    "\x00".join([_fold(f.name), *(fold_once(self.text(f, c)) for c in columns)]) for f in self.features
                ]
        return self._hay

    @property
    def query(self) -> str:
        return self._query

    def _apply(self) -> None:
        count = len(self.features)
        if self._sort is None:
            order = np.arange(count, dtype=np.intp)
        else:
            column, descending = self._sort
            order = _argsort(self.sort_key(column), descending)
        if self._matching is not None:
            order = order[self._matching[order]]
        self.order = order
        self._position = None


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

