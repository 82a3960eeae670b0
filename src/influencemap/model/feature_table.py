"""A layer's features as columns, each Feature built on demand: the only in-memory form.

Reading 100,000 cached features used to mean building half a million objects (features,
origins, citations, figures, points) before anything could be drawn or checked. A
:class:`FeatureTable` holds columns instead (as the load cache keeps them, each a marshal
blob decoded when first asked for) and is a sequence of
:class:`~influencemap.model.types.Feature`: ``table[i]`` builds that one row (the details
panel, an edit, a hover); iteration builds them all, once. It is not a tuple: no equality,
hashing or ``+`` that would build every feature to compare or join them (compare
``list(table)``; a table is equal only to itself).

Every ``Layer.features`` is a table, made one of four ways:

- from a reader's or the cache's columns (the loader);
- :meth:`FeatureTable.take`: some rows of another table (a filter, the rows shown in the
  attribute table, the ids the catalog or the last good layer kept), sharing its columns through row indices: nothing is copied until a column of the
  chosen rows is asked for, and a row is the parent's own Feature;
- :meth:`FeatureTable.of`: Feature objects (tests, a layer written or edited), whose columns
  are made from them when first asked for;
- :meth:`FeatureTable.with_columns`: another table with per-row columns replaced (the actors
  registry's canonical names), sharing the others.

What needs only a column reads the column: the catalog's checks across files (ids, source
references), filters (countries, tags, actors, dates), the renderer (point coordinates, the
sources a view cites, names for labels), the attribute table and a layer's bounds. So a
command-line export or ``validate`` of a big cached layer never builds the objects.

This module imports nothing from :mod:`influencemap.model.types` (whose ``Layer`` holds a
table): the Feature objects are made by the builder the loader passes in
(:mod:`influencemap.model.file_result`), or given.
"""

from __future__ import annotations

import marshal
import operator
import threading
from collections.abc import Iterable, Sequence
from itertools import chain, repeat
from operator import attrgetter, itemgetter
from typing import TYPE_CHECKING, Any, Callable, Iterator

from influencemap.model.basics import GeometryKind, Origin
from influencemap.model.gc_pause import paused_gc
from influencemap.model.schema import DEFAULT_DATING

if TYPE_CHECKING:  # numpy is imported where used: the app's window must not wait for it
    import numpy as np

COLUMNS = (
    "ids", "names", "kinds", "points", "others", "citation_counts", "refs", "locators", "quotes",
    "starts", "ends", "instants", "countries", "actors", "tags", "figure_counts", "labels", "values",
    "units", "precisions", "datings", "descriptions", "extras", "lines", "cols", "ref_counts", "ref_names", "ref_places",
)
"""The columns of a file's features, in the order :func:`~influencemap.model.file_result.to_plain` writes them."""

POINT = 0
"""The ``kinds`` code of a point (1 is a line, 2 a polygon, 3 a multipoint, whose parts are kept
with the lines and polygons in ``others``, not in ``points``)."""

_ITEMS_COUNTED_BY = {
    "refs": "citation_counts", "locators": "citation_counts", "quotes": "citation_counts",
    "labels": "figure_counts", "values": "figure_counts", "units": "figure_counts",
    "ref_names": "ref_counts", "ref_places": "ref_counts",
}
"""The flat columns (one item per citation, figure or source reference) and the per-row column
counting each row's items; ``points`` and ``others`` are flat by kind. Every other column has
one value per row."""

Builder = Callable[["FeatureTable"], "list[Feature]"]
RowBuilder = Callable[["FeatureTable", int], "Feature"]


def pack_columns(columns: Sequence[Any]) -> tuple[bytes | tuple[Any, int], ...]:
    """The columns as the disk cache stores them: point coordinates and kinds as raw arrays
    (no float or int object each), a column holding one value in every row as ``(value,
    count)`` (:func:`one_value`), every other column as its own marshal blob.

    A bulk layer's defaults make most of its columns one value (its source, precision,
    dating, citation counts, the line of its ``data:`` key): as marshal blobs those were
    5 bytes a row (a reference to the first), 75 MB of a 1M-point entry's 122 MB, written,
    checked and read on every load."""
    import numpy as np

    packed: list[bytes | tuple[Any, int]] = []
    for name, values in zip(COLUMNS, columns):
        if name == "points":
            packed.append(np.asarray(values, dtype=np.float64).tobytes())
        elif name == "kinds":
            packed.append(bytes(values))
        elif type(values) is tuple:  # already (value, count): a reader that knew (FeatureTable.stored_column)
            packed.append(values)
        else:
            same = one_value(values)
            packed.append(same if same is not None else marshal.dumps(values))
    return tuple(packed)


ONE_VALUE_ROWS = 64
"""Columns shorter than this are written as they are (the saving would be a few bytes)."""


def one_value(values: Any) -> tuple[Any, int] | None:
    """``(value, count)`` if the list ``values`` is ``count`` times one value, so that
    ``[value] * count`` gives back the same column; else None.

    Equal is not always the same here (``1 == True == 1.0``, ``0.0 == -0.0``, equal tuples of
    numbers of other types), so equality (one C pass, ``list.count``) settles it only for texts,
    None and tuples of texts; ints and bools must also all be of one type, and anything else
    the very same object in every row."""
    if type(values) is not list or len(values) < ONE_VALUE_ROWS:
        return None
    count = len(values)
    value = values[0]
    if values[-1] != value or values[count // 2] != value or values.count(value) != count:  # most differ early
        return None
    kind = type(value)
    if value is None or kind is str or (kind is tuple and all(type(item) is str for item in value)):
        return value, count
    if kind is int or kind is bool:
        return (value, count) if set(map(type, values)) == {kind} else None
    return (value, count) if all(map(operator.is_, values, repeat(value))) else None


class FeatureTable(Sequence):
    """A layer's features as columns, each Feature built on demand (see the module)."""

    __slots__ = ("_raw", "_decoded", "_count", "_build", "_build_row", "_rows", "_prefixes", "_features", "_lock", "path",
                 "_parent", "_index", "_base", "__weakref__")

    def __init__(
        self, columns: Sequence[Any], path: str, build: Builder, *, packed: bool, build_row: RowBuilder | None = None
    ) -> None:
        """``columns`` in :data:`COLUMNS` order: lists (as ``to_plain`` gives them), or with
        ``packed`` the blobs of :func:`pack_columns`. ``build`` makes the Feature objects,
        ``build_row`` one of them (see :meth:`row`)."""
        if len(columns) != len(COLUMNS):
            raise ValueError("not a feature table of this version")
        self._start(path, build, build_row)
        self._raw = dict(zip(COLUMNS, columns))
        # Plain columns are taken as they are, but for a column given as ``(value, count)`` (one
        # value in every row, as a reader that knows it gives it: a data file's rows citing
        # its defaults): that is made a list only when asked for, and stored as it is
        self._decoded = {} if packed else {name: values for name, values in self._raw.items() if type(values) is not tuple}
        if packed and type(self._raw["kinds"]) is not bytes:  # a view into a cache entry (bytes count codes)
            self._raw["kinds"] = bytes(self._raw["kinds"])
        kinds, points = self._raw["kinds"], self._raw["points"]
        # A packed table counts its rows by their kind codes (one byte each), so that a load that
        # never asks for the ids (a cached export: 0.06 s for a million) does not decode them.
        self._count = len(kinds) if packed else len(self.column("ids"))
        point_values = len(points) // 8 if packed else len(points)  # float64s, or plain floats
        if len(kinds) != self._count or point_values != 2 * kinds.count(POINT):
            raise ValueError("the cached columns disagree in length")

    def _start(self, path: str, build: Builder | None, build_row: RowBuilder | None) -> None:
        self.path = path
        self._build = build
        self._build_row = build_row
        self._raw: dict[str, Any] | None = None
        """The columns as given (lists, or the cache's blobs); None for a table of Feature objects or of chosen rows."""
        self._decoded: dict[str, Any] = {}
        self._rows: dict[int, Feature] = {}
        """Features built one by one (:meth:`row`), kept so that each row is one object."""
        self._prefixes: dict[str, Any] = {}
        self._features: tuple[Feature, ...] | None = None
        self._lock = threading.RLock()
        self._parent: FeatureTable | None = None
        """For a table of chosen rows (:meth:`take`): the table they are rows of (never itself such a table)."""
        self._index: Any = None
        """For a table of chosen rows: their positions in ``_parent`` (an intp array)."""
        self._base: FeatureTable | None = None
        """For a table with some columns replaced (:meth:`with_columns`): the table whose other columns it reads."""
        self._count = 0

    @classmethod
    def of(cls, features: Iterable[Feature], path: str = "") -> FeatureTable:
        """``features`` as a table: a table as it is; Feature objects (tests, an edit) as a
        table of those very objects, whose columns are made from them when first asked for."""
        if isinstance(features, FeatureTable):
            return features
        given = tuple(features)
        if not given:
            return _EMPTY
        table = cls.__new__(cls)
        table._start(path, None, None)
        table._features = given
        table._count = len(given)
        return table

    def take(self, rows: Iterable[int] | np.ndarray) -> FeatureTable:
        """The table of ``rows`` (positions in this table, in the order given): it shares this
        table's columns through the positions (a column of the chosen rows is gathered when
        first asked for) and its rows are this table's own Features. Choosing every row in
        order gives this table itself."""
        import numpy as np

        index = np.asarray(rows if isinstance(rows, np.ndarray) else list(rows), dtype=np.intp)
        if index.ndim != 1:
            raise ValueError("rows must be a flat list of positions")
        if len(index) and (int(index.min()) < 0 or int(index.max()) >= self._count):
            raise IndexError("row position out of range")
        if len(index) == self._count and np.array_equal(index, np.arange(self._count)):
            return self
        if not len(index):
            return _EMPTY
        root = self
        if self._parent is not None:
            root, index = self._parent, self._index[index]
        table = FeatureTable.__new__(FeatureTable)
        table._start(root.path, root._build, None)
        table._parent, table._index, table._count = root, index, len(index)
        return table

    def with_columns(self, columns: dict[str, Sequence[Any]]) -> FeatureTable:
        """This table with per-row columns replaced or added (:data:`REPLACEABLE`): the actors
        registry's canonical ``actors`` and the ``actors_as_written`` they replace. A table read
        from columns shares every other column with this one and builds its rows from them; a
        table of Feature objects (given, or chosen rows) gets new objects for the rows that change."""
        for name, values in columns.items():
            if name not in REPLACEABLE:
                raise ValueError(f"column {name!r} cannot be replaced")
            if len(values) != self._count:
                raise ValueError(f"column {name!r} has {len(values)} values for {self._count} rows")
        if self._raw is None:  # Feature objects, or rows of another table
            import dataclasses

            features = list(self.features)
            for row, feature in enumerate(features):
                changes = {REPLACEABLE[name]: values[row] for name, values in columns.items()}
                if any(getattr(feature, field) != value for field, value in changes.items()):
                    features[row] = dataclasses.replace(feature, **changes)
            return FeatureTable.of(features, self.path)
        table = FeatureTable.__new__(FeatureTable)
        table._start(self.path, self._build, self._build_row)
        table._raw, table._count = self._raw, self._count
        table._base = self if self._base is None else self._base
        # Only the replaced columns are kept here (the others are read from the base, not stored).
        table._decoded = {**(self._decoded if self._base is not None else {}), **columns}
        return table

    def optional_column(self, name: str) -> Sequence[Any] | None:
        """A column only some tables have (``actors_as_written``), or None."""
        if name in self._decoded:
            return self._decoded[name]
        if self._base is not None:
            return self._base.optional_column(name)
        if self._parent is not None:
            values = self._parent.optional_column(name)
            if values is None:
                return None
            with self._lock:
                gathered = self._decoded[name] = [values[i] for i in self._index.tolist()]
            return gathered
        return None

    @property
    def taken_from(self) -> FeatureTable | None:
        """For a table made by :meth:`take`: the table whose rows :attr:`rows_of_parent` are
        (the first one taken from); None otherwise."""
        return self._parent

    @property
    def rows_of_parent(self) -> np.ndarray | None:
        """For a table made by :meth:`take`: the chosen rows' positions in the table they were
        taken from first (whose columns this one shares); None otherwise."""
        return self._index

    # -- columns -------------------------------------------------------------------------

    def column(self, name: str, keep: bool = True) -> Any:
        """One column as plain data (decoded, gathered or made on first use). With ``keep``
        false a column not decoded yet is decoded for the caller only: a writer that goes
        through a million rows' columns one at a time (the big-layer HTML) then holds one
        column at a time, not all of them for as long as the table lives."""
        try:
            return self._decoded[name]
        except KeyError:
            pass
        with self._lock:
            if name not in self._decoded:
                if self._base is not None:
                    return self._base.column(name, keep)  # not replaced: the base table's, decoded once there
                if self._parent is not None:
                    value = self._gathered(name)
                elif self._raw is None:
                    self._decoded.update(feature_columns(self._features or ()))
                    return self._decoded[name]
                else:
                    value = _decoded(name, self._raw[name])
                if not keep:
                    return value
                self._decoded[name] = value
            return self._decoded[name]

    def stored_column(self, name: str) -> Any:
        """The column as the disk cache stores it: ``(value, count)`` where the table was
        given it so (one value in every row, not yet made a list, see :func:`pack_columns`),
        else :meth:`column`."""
        raw = self._raw
        if raw is not None and self._base is None and type(raw[name]) is tuple:
            return raw[name]
        return self.column(name)

    def _gathered(self, name: str) -> Any:
        """Column ``name`` of the chosen rows, from the parent's."""
        parent, index = self._parent, self._index
        assert parent is not None
        if name == "kinds":
            return parent.kind_codes[index]
        if name == "points":
            chosen = index[parent.kind_codes[index] == POINT]
            return parent.point_lonlat()[parent.prefix("points")[chosen]]
        if name == "others":
            chosen = index[parent.kind_codes[index] != POINT]
            others = parent.column("others")
            return [others[i] for i in parent.prefix("others")[chosen].tolist()]
        column = parent.column(name)
        counted_by = _ITEMS_COUNTED_BY.get(name)
        if counted_by is None:
            return [column[i] for i in index.tolist()]
        return [column[i] for i in parent.items_of(counted_by, index).tolist()]

    def items_of(self, counted_by: str, rows: np.ndarray) -> np.ndarray:
        """The positions, in the flat columns ``counted_by`` counts, of the items of ``rows``, in order."""
        import numpy as np

        prefix = self.prefix(counted_by)
        firsts = prefix[rows]
        counts = prefix[rows + 1] - firsts
        before = np.cumsum(counts) - counts
        return np.arange(int(counts.sum()), dtype=np.intp) + np.repeat(firsts - before, counts)

    @property
    def ids(self) -> list[str]:
        return self.column("ids")

    @property
    def kind_codes(self) -> np.ndarray:
        """Per feature 0 (point), 1 (line), 2 (polygon) or 3 (multipoint)."""
        import numpy as np

        kinds = self.column("kinds")
        if type(kinds) is bytes:  # one byte a feature (a data file's points): read in place
            return np.frombuffer(kinds, dtype=np.uint8)
        return np.asarray(kinds, dtype=np.uint8)

    def kind_code_set(self) -> set[int]:
        """The distinct kind codes (from the raw column where there is one: no numpy needed;
        kept as bytes, each code is looked for at C speed instead of a million taken apart)."""
        if self._raw is not None:
            kinds = self._raw["kinds"]
            if type(kinds) is bytes:
                return {code for code in range(len(_KINDS)) if code in kinds}
            return set(kinds)
        return set(self.kind_codes.tolist())

    @property
    def all_points(self) -> bool:
        return bool(self._count) and self.kind_code_set() == {POINT}

    def geometry_kinds(self) -> frozenset[GeometryKind]:
        """The geometry kinds among the features (from the kinds column)."""
        return frozenset(_KINDS[code] for code in self.kind_code_set())

    def point_lonlat(self) -> np.ndarray:
        """(N, 2) lon/lat of the point features, in feature order."""
        import numpy as np

        return np.asarray(self.column("points"), dtype=np.float64).reshape(-1, 2)

    def name(self, index: int) -> str:
        return self.column("names")[index]

    def prefix(self, name: str) -> np.ndarray:
        """Where each row's items start in a flat column, and one past the last: ``citation_counts``,
        ``figure_counts`` and ``ref_counts`` name the counts; ``points`` and ``others`` count the
        point rows and the other rows (prefix sums, made once)."""
        sums = self._prefixes.get(name)
        if sums is None:
            import numpy as np

            if name == "points":
                counts = self.kind_codes == POINT
            elif name == "others":
                counts = self.kind_codes != POINT
            else:
                counts = np.asarray(self.column(name), dtype=np.intp)
            sums = self._prefixes[name] = np.concatenate(([0], np.cumsum(counts, dtype=np.intp)))
        return sums

    def offset(self, name: str, index: int) -> int:
        """Where row ``index``'s items start in a flat column (see :meth:`prefix`)."""
        return int(self.prefix(name)[index])

    def origin(self, index: int) -> Origin:
        """Where feature ``index`` is written, without building the features."""
        if self._features is not None:
            return self._features[index].origin  # type: ignore[return-value]
        if self._parent is not None:
            return self._parent.origin(int(self._index[index]))
        return Origin(self.path, self.column("lines")[index], self.column("cols")[index])

    def citation_refs(self) -> tuple[np.ndarray, np.ndarray]:
        """(owner, ref): for every citation in order, the feature it belongs to and its source id."""
        import numpy as np

        counts = np.asarray(self.column("citation_counts"), dtype=np.intp)
        owner = np.repeat(np.arange(self._count, dtype=np.intp), counts)
        return owner, np.asarray(self.column("refs"), dtype=object)

    def lonlat_bounds(self) -> tuple[float, float, float, float] | None:
        """(minlon, minlat, maxlon, maxlat) of the features, from the columns when all are points;
        None when there are none."""
        if not self._count:
            return None
        if self.all_points:
            points = self.point_lonlat()
            low, high = points.min(axis=0), points.max(axis=0)
            return (float(low[0]), float(low[1]), float(high[0]), float(high[1]))
        import shapely

        return tuple(shapely.total_bounds([f.geometry for f in self.features]).tolist())  # type: ignore[return-value]

    # -- the features --------------------------------------------------------------------

    @property
    def built(self) -> bool:
        """Whether the Feature objects exist yet."""
        return self._features is not None

    @property
    def features(self) -> tuple[Feature, ...]:
        """The Feature objects, built on first use (once, whichever thread asks first)."""
        features = self._features
        if features is not None:
            return features
        with self._lock:
            if self._features is None:
                self._features = self._build_all()
                self._rows = {}
            return self._features

    def _build_all(self) -> tuple[Feature, ...]:
        parent = self._parent
        if parent is not None:
            rows = self._index.tolist()
            if parent.built or len(rows) <= _ONE_BY_ONE:
                return tuple(map(parent.row, rows))
            # Many rows of a table not built yet: built together from the gathered columns
            # (equal to the parent's rows, not the same objects), as the parent would build them.
        assert self._build is not None
        with paused_gc():
            built = self._build(self)
        for index, feature in self._rows.items():  # the rows built already stay the same objects
            built[index] = feature
        return tuple(built)

    def row(self, index: int) -> Feature:
        """Feature ``index`` on its own, built on demand from the columns (the details panel, an
        edit, a hover), without building the table's other features."""
        features = self._features
        if features is not None:
            return features[index]
        if index < 0:
            index += self._count
        if not 0 <= index < self._count:
            raise IndexError("feature index out of range")
        if self._parent is not None:
            return self._parent.row(int(self._index[index]))
        with self._lock:
            if self._features is not None:
                return self._features[index]
            feature = self._rows.get(index)
            if feature is None:
                if self._build_row is None:
                    return self.features[index]
                feature = self._rows[index] = self._build_row(self, index)
            return feature

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index):  # type: ignore[override]
        if type(index) is int:
            return self.row(index)
        return self.features[index]

    def __iter__(self) -> Iterator[Feature]:
        return iter(self.features)

    def __reversed__(self) -> Iterator[Feature]:
        return reversed(self.features)

    def __contains__(self, item: object) -> bool:
        return item in self.features

    def __repr__(self) -> str:
        state = "built" if self.built else "not built yet"
        return f"<FeatureTable of {self._count} features from {self.path}, {state}>"

    # -- read-only column accessors (issue 14 (b): readers use columns) ---------------------

    def shapes(self) -> np.ndarray:
        """Every row's shape (an object array of shapely geometries, in row order), made from the
        ``points`` and ``others`` columns as the Feature builder makes them, without building
        the features (the features' own shapes once they exist)."""
        import numpy as np
        import shapely
        from shapely.geometry import LineString, Polygon

        out = np.empty(self._count, dtype=object)
        if self._features is not None:
            out[:] = [f.geometry for f in self._features]
            return out
        kinds = self.kind_codes
        points = kinds == POINT
        if points.any():
            out[points] = shapely.points(self.point_lonlat())
        if not points.all():
            out[~points] = [
                shapely.from_wkb(plain) if type(plain) is bytes else LineString(plain) if kind == 1 else Polygon(plain)
                for plain, kind in zip(self.column("others"), kinds[~points].tolist())
            ]
        return out


REPLACEABLE = {"actors": "actors", "actors_as_written": "actors_as_written"}
"""The columns :meth:`FeatureTable.with_columns` may replace or add, and the Feature field of each."""

_ONE_BY_ONE = 4096
"""Up to this many chosen rows of a table not built yet are built one by one as the parent's
own rows; more are built together (one row costs several times what it costs in a batch)."""

_KINDS = (GeometryKind.POINT, GeometryKind.LINE, GeometryKind.POLYGON, GeometryKind.POINT)
"""The geometry kind of each ``kinds`` code (3, a multipoint, is a point feature)."""


def _decoded(name: str, raw: Any) -> Any:
    """A column as :func:`pack_columns` wrote it, as plain data."""
    import numpy as np

    if name == "points":
        return np.frombuffer(raw, dtype=np.float64).reshape(-1, 2)
    if name == "kinds":
        return np.frombuffer(raw, dtype=np.uint8)
    if type(raw) is tuple:  # one value in every row (pack_columns)
        value, count = raw
        return [value] * count
    return marshal.loads(raw)


_EMPTY = FeatureTable.__new__(FeatureTable)
_EMPTY._start("", None, None)
_EMPTY._features = ()
"""The one table with no features (so that two layers without features can be equal)."""


def geometry_kinds(features: FeatureTable) -> frozenset:
    """The geometry kinds among ``features`` (from the kinds column, without building it)."""
    return features.geometry_kinds()


_COLUMN_OF = {"id": "ids", "start": "starts", "end": "ends", "countries": "countries", "actors": "actors", "tags": "tags", "name": "names"}


def feature_values(features: FeatureTable, key: str) -> Sequence[Any]:
    """Every feature's ``key`` (``id``, ``start``, ``end``, ``countries``, ``actors``, ``tags``
    or ``name``), in order: the table's column as it is, without building its features."""
    return features.column(_COLUMN_OF[key])


# -- Feature objects as columns ------------------------------------------------------------


def plain_shape(shape) -> tuple | bytes:
    """A feature's line or hole-free polygon as its coordinates; anything else (multi-part
    shapes, polygons with holes) as WKB: how the feature table keeps shapes other than points."""
    kind = shape.geom_type
    if kind == "LineString":
        return tuple(shape.coords)
    if kind == "Polygon" and not shape.interiors:
        return tuple(shape.exterior.coords)
    return shape.wkb


def feature_columns(features: Sequence[Feature], refs: Sequence[tuple] | None = None) -> dict[str, list]:
    """Feature objects (read one by one by the precise reader, or given to :meth:`FeatureTable.of`)
    and their source references as the columns of a table (:data:`COLUMNS`). ``refs`` are per
    feature ``(source id, Origin or None)`` pairs; by default each citation's source, place unknown."""
    import numpy as np
    import shapely

    columns: dict[str, list] = {}
    fields = [vars(f) for f in features]

    def column(key: str) -> list:
        return list(map(itemgetter(key), fields))

    point, line = GeometryKind.POINT, GeometryKind.LINE
    kinds = [0 if k is point else 1 if k is line else 2 for k in map(itemgetter("kind"), fields)]
    shapes = list(map(itemgetter("geometry"), fields))
    for i, k in enumerate(kinds):
        if k == 0 and (shapes[i].geom_type == "MultiPoint" or shapes[i].is_empty):
            kinds[i] = 3  # kept whole with the others (an empty point has no position for ``points``)
    point_rows = [i for i, k in enumerate(kinds) if k == 0]
    points = []
    if point_rows:
        chosen = shapes if len(point_rows) == len(shapes) else [shapes[i] for i in point_rows]
        points = shapely.get_coordinates(np.array(chosen, dtype=object)).ravel().tolist()
    others = [plain_shape(shapes[i]) for i, k in enumerate(kinds) if k != 0]
    columns["ids"] = column("id")
    columns["names"] = column("name")
    columns["kinds"], columns["points"], columns["others"] = kinds, points, others
    cite_lists = list(map(itemgetter("citations"), fields))
    cites = list(chain.from_iterable(cite_lists))
    columns["citation_counts"] = list(map(len, cite_lists))
    for name in ("ref", "locator", "quote"):
        columns[name + "s"] = list(map(attrgetter(name), cites))
    for name, key in (("starts", "start"), ("ends", "end"), ("instants", "instant"), ("countries", "countries"),
                      ("actors", "actors"), ("tags", "tags")):
        columns[name] = column(key)
    figure_lists = list(map(itemgetter("figures"), fields))
    figures = list(chain.from_iterable(figure_lists))
    columns["figure_counts"] = list(map(len, figure_lists))
    for name in ("label", "value", "unit"):
        columns[name + "s"] = list(map(attrgetter(name), figures))
    columns["precisions"] = [None if p is None else p.value for p in map(itemgetter("precision"), fields)]
    columns["datings"] = [f.get("dating", DEFAULT_DATING) for f in fields]
    columns["descriptions"] = column("description")
    columns["extras"] = [dict(e) if e else None for e in map(itemgetter("extra"), fields)]
    origins = [o if o is not None else Origin("", 0, 0) for o in map(itemgetter("origin"), fields)]
    columns["lines"] = list(map(attrgetter("line"), origins))
    columns["cols"] = list(map(attrgetter("col"), origins))
    ref_lists = refs if refs is not None else [tuple((c.ref, None) for c in cited) for cited in cite_lists]
    columns["ref_counts"] = list(map(len, ref_lists))
    columns["ref_names"] = [ref for ref, _ in chain.from_iterable(ref_lists)]
    columns["ref_places"] = [(origin.line, origin.col) if origin is not None else (0, 0) for _, origin in chain.from_iterable(ref_lists)]
    assert tuple(columns) == COLUMNS
    return columns
