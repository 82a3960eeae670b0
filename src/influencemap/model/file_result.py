"""What loading one file yields on its own, before the checks that need every file.

A :class:`FileResult` holds a file's layer (without features yet), its features as one
:class:`~influencemap.model.feature_table.FeatureTable` whichever reader read them (with each
feature's source references and where they are written), the sources it defines and its
problems (errors and warnings, each with its position). The catalog builder then checks ids and references
across all files. Everything here is independent of the other files, so it can be cached: a
result converts to plain data for :mod:`marshal` (:func:`to_plain`) and back (:func:`from_plain`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from itertools import chain, islice, repeat
from typing import Callable

from influencemap.model.feature_table import COLUMNS as PLAIN_COLUMNS, FeatureTable, feature_columns as feature_columns, pack_columns
from influencemap.model.types import (
    Citation,
    Feature,
    Figure,
    GeometryKind,
    Layer,
    Marker,
    Origin,
    Precision,
    Problem,
    Severity,
    Source,
    SizeBy,
    Style,
)
from influencemap.model.types import Actor

log = logging.getLogger(__name__)

PLAIN_FORMAT = 5
"""Bumped whenever the plain-data layout below changes."""

Ref = tuple[str, "Origin | None"]
"""A source reference and where it is written; None when not known yet (see ``locate_ref``)."""


@dataclass(eq=False)
class FileResult:
    path: str
    """The path as displayed in problems and origins."""
    problems: list[Problem] = field(default_factory=list)
    sources: list[tuple[Source, int]] = field(default_factory=list)
    """Each source the file defines, with how many of ``problems`` came before it: a duplicate
    found across files is reported at that point, so problems keep the order of a single pass."""
    layer: Layer | None = None
    """The layer without features, or None (a sources file, or a layer left out whole)."""
    layer_id_origin: Origin | None = None
    features: FeatureTable = field(default=None)  # type: ignore[assignment]  # an empty table by default
    """The file's features as columns, whichever reader read them."""
    locate_ref: Callable[[int, int], Origin | None] | None = field(default=None, repr=False)
    """For refs whose origin is None: (feature index, ref index) → where it is written."""
    entry_lines: list[int] | None = None
    """Fast path only: the first line of each feature entry, and one past the last entry."""
    feature_entries: list[int] | None = None
    """Fast path only, when some entries gave no feature: the entry of each feature."""
    dependencies: list[tuple[str, str]] = field(default_factory=list)
    """Other files the result was read from (bulk data): (absolute path, content hash)."""
    actors: list[tuple[Actor, int]] = field(default_factory=list)
    """Each actor of the registry the file defines, with how many problems came before it."""
    distinct_ids: bool = False
    """Whether the features' ids are known to be all different (the loader found them so; kept
    in the load cache's entry, so that a cached file's ids need not be hashed to know it)."""

    def __post_init__(self) -> None:
        if self.features is None:
            self.features = empty_table(self.path)

    @property
    def feature_ids(self) -> list[str]:
        return self.features.ids

    @cached_property
    def ref_names(self) -> frozenset[str]:
        return frozenset(self.features.column("ref_names"))

    @cached_property
    def refs(self) -> Sequence[tuple[Ref, ...]]:
        """Per feature, its source references (from the feature or from the layer defaults),
        made from the table when first asked for (only an undefined reference or a duplicate
        id needs them)."""
        return _LazyRefs(self.features)

    @cached_property
    def full_layer(self) -> Layer | None:
        """The layer with all its features (shared by every catalog that keeps them all)."""
        if self.layer is None:
            return None
        return _replace_features(self.layer, self.features)


def _replace_features(layer: Layer, features: FeatureTable) -> Layer:
    import dataclasses

    return dataclasses.replace(layer, features=features)


# -- plain data for the on-disk cache --------------------------------------------------------

_SEVERITY = {Severity.ERROR: 0, Severity.WARNING: 1}
_SEVERITY_BACK = (Severity.ERROR, Severity.WARNING)
_KIND_BACK = (GeometryKind.POINT, GeometryKind.LINE, GeometryKind.POLYGON, GeometryKind.POINT)
"""By ``kinds`` code; 3 is a multipoint (its parts are in ``others``, not ``points``)."""


def _pos(origin: Origin | None) -> tuple[int, int]:
    return (origin.line, origin.col) if origin is not None else (0, 0)


def to_plain(result: FileResult) -> tuple:
    """The result as nested tuples, lists, dicts, str, numbers and None (what marshal writes)."""
    layer = result.layer
    plain_layer = None
    if layer is not None:
        s = layer.style
        plain_layer = (
            layer.id, layer.name, layer.description, layer.category,
            (s.color, s.fill, s.opacity, s.width, tuple(s.dash), s.marker.value, s.size,
             None if s.size_by is None else (s.size_by.figure, s.size_by.scale, s.size_by.minimum, s.size_by.maximum)),
            _pos(layer.origin), _pos(result.layer_id_origin),
        )
    columns = tuple(map(result.features.stored_column, PLAIN_COLUMNS))
    return (
        PLAIN_FORMAT,
        [(p.origin.line, p.origin.col, _SEVERITY[p.severity], p.message) for p in result.problems],
        [(s.id, s.title, s.publisher, s.author, s.date, s.url, *_pos(s.origin), index, s.archive) for s, index in result.sources],
        plain_layer,
        columns,
        (result.entry_lines, result.feature_entries) if result.feature_entries is not None else result.entry_lines,
        result.dependencies,
        [(a.id, a.name, list(a.aliases), a.kind, a.country, *_pos(a.origin), index) for a, index in result.actors],
    )


def _plain_columns(result: FileResult) -> dict[str, list]:
    """The features as columns of plain values (the table's own)."""
    return {name: result.features.column(name) for name in PLAIN_COLUMNS}


def _cut(flat: list, counts: list[int]) -> list[tuple]:
    """``flat`` cut into tuples of the given lengths."""
    if not flat:
        return [()] * len(counts)
    if set(counts) == {1}:
        return [(item,) for item in flat]
    items = iter(flat)
    return [tuple(islice(items, n)) for n in counts]


def from_plain(data: tuple, path: str) -> FileResult:
    """Rebuild a result written by :func:`to_plain`; origins name ``path``.

    Raises ValueError for data of another layout (an old cache entry).
    """
    return _from_data(data, path, packed=False)


def pack(data: tuple) -> tuple:
    """:func:`to_plain`'s data with the feature columns packed for the disk cache
    (see :func:`~influencemap.model.feature_table.pack_columns`)."""
    data = list(data)
    data[4] = pack_columns(data[4])
    return tuple(data)


def from_packed(data: tuple, path: str) -> FileResult:
    """Rebuild a result written by :func:`pack`; its features are a :class:`FeatureTable`,
    built on first use. Raises ValueError for data of another layout (an old cache entry)."""
    return _from_data(data, path, packed=True)


def _from_data(data: tuple, path: str, packed: bool) -> FileResult:
    if not isinstance(data, tuple) or len(data) != 8 or data[0] != PLAIN_FORMAT:
        raise ValueError("not a load result of this version")
    _, problems, sources, plain_layer, columns, entry_lines, dependencies, actors = data
    feature_entries = None
    if isinstance(entry_lines, tuple):
        entry_lines, feature_entries = entry_lines
    result = FileResult(path, entry_lines=entry_lines, feature_entries=feature_entries,
                        dependencies=[tuple(d) for d in dependencies])
    result.problems = [Problem(Origin(path, line, col), _SEVERITY_BACK[sev], message) for line, col, sev, message in problems]
    result.sources = [
        (Source(id=i, title=t, publisher=p, author=a, date=d, url=u, origin=Origin(path, line, col), archive=arch), index)
        for i, t, p, a, d, u, line, col, index, arch in sources
    ]
    result.actors = [
        (Actor(id=i, name=n, aliases=tuple(al), kind=k, country=c, origin=Origin(path, line, col)), index)
        for i, n, al, k, c, line, col, index in actors
    ]
    layer_id = None
    if plain_layer is not None:
        layer_id, name, description, category, style, (line, col), (id_line, id_col) = plain_layer
        color, fill, opacity, width, dash, marker, size, size_by = style
        result.layer = Layer(
            id=layer_id, name=name, features=(), description=description, category=category, path=path,
            style=Style(color=color, fill=fill, opacity=opacity, width=width, dash=tuple(dash), marker=Marker(marker), size=size,
                        size_by=None if size_by is None else SizeBy(*size_by)),
            origin=Origin(path, line, col),
        )
        result.layer_id_origin = Origin(path, id_line, id_col)
    attach_table(result, FeatureTable(columns, path, lambda t: _build_features(t, layer_id), packed=packed,
                                      build_row=lambda t, i: _build_row(t, layer_id, i)))
    return result


def fresh_table(columns: Sequence[list], path: str, layer_id: str | None) -> FeatureTable:
    """A table of features a reader holds as plain columns (in ``COLUMNS`` order), as the
    cache's tables are: their Feature objects are built as a cached file's are, on first use."""
    return FeatureTable(columns, path, lambda t: _build_features(t, layer_id), packed=False,
                        build_row=lambda t, i: _build_row(t, layer_id, i))


def empty_table(path: str) -> FeatureTable:
    return fresh_table([[] for _ in PLAIN_COLUMNS], path, None)


def joined_table(parts: Sequence[dict[str, list]], path: str, layer_id: str | None) -> FeatureTable:
    """One table of several readers' columns, in order (a layer's written features, then its
    data file's rows; the fast reader's chunks and the entries it left to the precise reader)."""
    if len(parts) == 1:
        joined = parts[0]
    else:
        joined = {name: list(chain.from_iterable(_cells(part[name]) for part in parts)) for name in PLAIN_COLUMNS}
    return fresh_table([joined[name] for name in PLAIN_COLUMNS], path, layer_id) if parts else empty_table(path)


def _cells(column: list | tuple) -> list:
    """A reader's column as a list (one given as ``(value, count)`` made ``count`` rows of it)."""
    if type(column) is tuple:
        value, count = column
        return [value] * count
    return column


def attach_table(result: FileResult, table: FeatureTable) -> None:
    """Make ``table`` the result's features."""
    result.features = table


def _build_features(table: FeatureTable, layer_id: str | None) -> list[Feature]:
    """The Feature objects of a table's columns, through the dataclass's own constructor.

    Only what needs every Feature object comes here (GeoJSON export, the small HTML layers,
    ``--strict`` and quote checks, editing); statistics, search, filters, the renderer, the
    attribute table and the big-layer HTML read the columns (docs/performance.md, "Readers of a
    layer use its columns")."""
    path = table.path
    column = table.column
    precision_of = {p.value: p for p in Precision}
    precision_of[None] = None  # type: ignore[index]
    citations = _cut(list(map(Citation, column("refs"), column("locators"), column("quotes"))), column("citation_counts"))
    figures = _cut(list(map(Figure, column("labels"), column("values"), column("units"))), column("figure_counts"))
    origins = list(map(Origin, repeat(path), column("lines"), column("cols")))
    kind_of = _KIND_BACK
    written = table.optional_column("actors_as_written") or repeat(None)
    return [
        Feature(
            id=fid, name=name, layer_id=layer_id, geometry=shape, kind=kind_of[kind], citations=cites,  # type: ignore[arg-type]
            start=start, end=end, countries=codes, actors=act, tags=tag, figures=figs, precision=precision_of[precision],
            description=description, instant=instant, extra=extra or {}, origin=origin, dating=dating,
            actors_as_written=as_written,
        )
        for fid, name, shape, kind, cites, start, end, codes, act, tag, figs, precision, description, instant, extra, origin, dating,
        as_written in zip(column("ids"), column("names"), table.shapes().tolist(), table.kind_codes.tolist(), citations,
                          column("starts"), column("ends"), column("countries"), column("actors"), column("tags"), figures,
                          column("precisions"), column("descriptions"), column("instants"), column("extras"), origins,
                          column("datings"), written)
    ]


def _build_row(table: FeatureTable, layer_id: str | None, index: int) -> Feature:
    """Feature ``index`` of a table alone, as :func:`_build_features` makes it among the others."""
    import shapely
    from shapely.geometry import LineString, Polygon

    column = table.column
    kind = int(table.kind_codes[index])
    if kind == 0:
        lon, lat = table.point_lonlat()[table.offset("points", index)].tolist()
        shape = shapely.points(lon, lat)
    else:
        plain = column("others")[table.offset("others", index)]
        shape = shapely.from_wkb(plain) if type(plain) is bytes else LineString(plain) if kind == 1 else Polygon(plain)
    first, count = table.offset("citation_counts", index), column("citation_counts")[index]
    refs, locators, quotes = column("refs"), column("locators"), column("quotes")
    citations = tuple(Citation(refs[i], locators[i], quotes[i]) for i in range(first, first + count))
    first, count = table.offset("figure_counts", index), column("figure_counts")[index]
    labels, values, units = column("labels"), column("values"), column("units")
    figures = tuple(Figure(labels[i], values[i], units[i]) for i in range(first, first + count))
    precision = column("precisions")[index]
    written = table.optional_column("actors_as_written")
    return Feature(
        id=column("ids")[index], name=column("names")[index], layer_id=layer_id, geometry=shape, kind=_KIND_BACK[kind],  # type: ignore[arg-type]
        citations=citations, start=column("starts")[index], end=column("ends")[index], countries=column("countries")[index],
        actors=column("actors")[index], tags=column("tags")[index], figures=figures,
        precision=Precision(precision) if precision else None, description=column("descriptions")[index],
        instant=column("instants")[index], extra=column("extras")[index] or {},
        origin=Origin(table.path, column("lines")[index], column("cols")[index]), dating=column("datings")[index],
        actors_as_written=None if written is None else written[index],
    )


class _LazyRefs(Sequence):
    """A table's per-feature source references (``FileResult.refs``), built on first use: the
    catalog needs them only when some reference is undefined or an id is duplicated."""

    __slots__ = ("_table", "_refs")

    def __init__(self, table: FeatureTable) -> None:
        self._table = table
        self._refs: list[tuple[Ref, ...]] | None = None

    def _built(self) -> list[tuple[Ref, ...]]:
        if self._refs is None:
            column, path = self._table.column, self._table.path
            # Each distinct reference once: (ref, None) where its place is not known, else (ref, Origin).
            keys = list(zip(column("ref_names"), map(tuple, column("ref_places"))))
            pair_of = {key: (key[0], Origin(path, *key[1]) if key[1][0] else None) for key in set(keys)}
            self._refs = _cut(list(map(pair_of.__getitem__, keys)), column("ref_counts"))
        return self._refs

    def __len__(self) -> int:
        return len(self._table)

    def __getitem__(self, index):  # type: ignore[override]
        return self._built()[index]

    def __iter__(self):
        return iter(self._built())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (list, _LazyRefs)):
            return self._built() == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # like the list it stands for


# -- results of a file that could not be read ----------------------------------------------


def refused_file(display: str, message: str) -> FileResult:
    return FileResult(display, problems=[Problem(Origin(display, 1, 1), Severity.ERROR, message)])


def unexpected_message(exc: BaseException) -> str:
    """What a problem says about an exception the reader did not foresee (a bug to report)."""
    detail = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
    name = type(exc).__name__
    return f"could not read this: unexpected {name}{': ' + detail if detail else ''} (please report it)"


def failed_file(display: str, exc: BaseException) -> FileResult:
    """The result of a file whose reading raised: one error at its start, no layer (the app
    keeps showing the file's last good version)."""
    log.debug("reading %s failed", display, exc_info=True)
    return FileResult(display, problems=[Problem(Origin(display, 1, 1), Severity.ERROR, unexpected_message(exc))])
