"""A layer's features as the load cache keeps them: columns, each Feature built on first use.

Reading 100,000 cached features used to mean building half a million objects (features,
origins, citations, figures, points) before anything could be drawn or checked. A
:class:`FeatureTable` holds the cached columns instead (each a marshal blob, decoded when first
asked for) and is a sequence of :class:`~influencemap.model.types.Feature`: indexing,
iteration and ``len`` give the features. It is not a tuple: no equality, hashing or ``+`` that
would build every feature to compare or join them (compare ``list(table)``; a table is equal
only to itself). The objects are built, all at once and once only, the first time a feature
itself is needed.

What needs only a column reads the column: the catalog's checks across files (ids, source
references), the renderer (point coordinates, the sources a view cites, names for labels) and a
layer's bounds. So a command-line export or ``validate`` of a big cached layer never builds the
objects, and the app builds them on a worker thread while the first frame is already drawn.
"""

from __future__ import annotations

import marshal
import threading
from collections.abc import Sequence
from operator import attrgetter
from typing import TYPE_CHECKING, Any, Callable, Iterator

from influencemap.model.gc_pause import paused_gc
from influencemap.model.types import Feature, GeometryKind, Origin

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

Builder = Callable[["FeatureTable"], list[Feature]]
RowBuilder = Callable[["FeatureTable", int], Feature]


def pack_columns(columns: Sequence[Any]) -> tuple[bytes, ...]:
    """The columns as the disk cache stores them: point coordinates and kinds as raw arrays
    (no float or int object each), every other column as its own marshal blob."""
    import numpy as np

    packed = []
    for name, values in zip(COLUMNS, columns):
        if name == "points":
            packed.append(np.asarray(values, dtype=np.float64).tobytes())
        elif name == "kinds":
            packed.append(bytes(values))
        else:
            packed.append(marshal.dumps(values))
    return tuple(packed)


class FeatureTable(Sequence):
    """The features of one cached file, built from its columns on first use (see the module)."""

    __slots__ = ("_raw", "_decoded", "_count", "_build", "_build_row", "_rows", "_offsets", "_features", "_lock", "path",
                 "__weakref__")

    def __init__(
        self, columns: Sequence[Any], path: str, build: Builder, *, packed: bool, build_row: RowBuilder | None = None
    ) -> None:
        """``columns`` in :data:`COLUMNS` order: lists (as ``to_plain`` gives them), or with
        ``packed`` the blobs of :func:`pack_columns`. ``build`` makes the Feature objects,
        ``build_row`` one of them (see :meth:`row`)."""
        if len(columns) != len(COLUMNS):
            raise ValueError("not a feature table of this version")
        self._raw = dict(zip(COLUMNS, columns))
        self._decoded: dict[str, Any] = {} if packed else dict(self._raw)
        self.path = path
        self._build = build
        self._build_row = build_row
        self._rows: dict[int, Feature] = {}
        """Features built one by one (:meth:`row`), kept so that each row is one object."""
        self._offsets: dict[str, Any] = {}
        self._features: tuple[Feature, ...] | None = None
        self._lock = threading.RLock()
        self._count = len(self.column("ids"))
        kinds, points = self._raw["kinds"], self._raw["points"]
        point_values = len(points) // 8 if packed else len(points)  # float64s, or plain floats
        if len(kinds) != self._count or point_values != 2 * kinds.count(POINT):
            raise ValueError("the cached columns disagree in length")

    # -- columns -------------------------------------------------------------------------

    def column(self, name: str) -> Any:
        """One column as plain data (decoded on first use)."""
        try:
            return self._decoded[name]
        except KeyError:
            pass
        with self._lock:
            if name not in self._decoded:
                import numpy as np

                raw = self._raw[name]
                if name == "points":
                    value: Any = np.frombuffer(raw, dtype=np.float64).reshape(-1, 2)
                elif name == "kinds":
                    value = np.frombuffer(raw, dtype=np.uint8)
                else:
                    value = marshal.loads(raw)
                self._decoded[name] = value
            return self._decoded[name]

    @property
    def ids(self) -> list[str]:
        return self.column("ids")

    @property
    def kind_codes(self) -> np.ndarray:
        """Per feature 0 (point), 1 (line), 2 (polygon) or 3 (multipoint)."""
        import numpy as np

        return np.asarray(self.column("kinds"), dtype=np.uint8)

    def kind_code_set(self) -> set[int]:
        """The distinct kind codes (from the raw column: no numpy needed)."""
        return set(self._raw["kinds"])

    @property
    def all_points(self) -> bool:
        return bool(self._count) and self.kind_code_set() == {POINT}

    def point_lonlat(self) -> np.ndarray:
        """(N, 2) lon/lat of the point features, in feature order."""
        import numpy as np

        return np.asarray(self.column("points"), dtype=np.float64).reshape(-1, 2)

    def name(self, index: int) -> str:
        return self.column("names")[index]

    def offset(self, name: str, index: int) -> int:
        """Where row ``index``'s items start in a flat column: ``citation_counts`` and
        ``figure_counts`` name the counts; ``points`` and ``others`` count the point rows and the
        other rows before it (prefix sums, made once)."""
        sums = self._offsets.get(name)
        if sums is None:
            import numpy as np

            if name == "points":
                counts = self.kind_codes == POINT
            elif name == "others":
                counts = self.kind_codes != POINT
            else:
                counts = np.asarray(self.column(name), dtype=np.intp)
            sums = self._offsets[name] = np.concatenate(([0], np.cumsum(counts, dtype=np.intp)))
        return int(sums[index])

    def origin(self, index: int) -> Origin:
        """Where feature ``index`` is written, without building the features."""
        if self._features is not None:
            return self._features[index].origin  # type: ignore[return-value]
        return Origin(self.path, self.column("lines")[index], self.column("cols")[index])

    def citation_refs(self) -> tuple[np.ndarray, np.ndarray]:
        """(owner, ref): for every citation in order, the feature it belongs to and its source id."""
        import numpy as np

        counts = np.asarray(self.column("citation_counts"), dtype=np.intp)
        owner = np.repeat(np.arange(self._count, dtype=np.intp), counts)
        return owner, np.asarray(self.column("refs"), dtype=object)

    def lonlat_bounds(self) -> tuple[float, float, float, float] | None:
        """(minlon, minlat, maxlon, maxlat) of the features, from the columns when all are points."""
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
                with paused_gc():
                    built = self._build(self)
                for index, feature in self._rows.items():  # the rows built already stay the same objects
                    built[index] = feature
                self._features = tuple(built)
                self._rows = {}
            return self._features

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


def geometry_kinds(features: Sequence[Feature]) -> frozenset:
    """The geometry kinds among ``features`` (from the kinds column of a table, without building it)."""
    if isinstance(features, FeatureTable):
        kinds = (GeometryKind.POINT, GeometryKind.LINE, GeometryKind.POLYGON, GeometryKind.POINT)  # 3: multipoint
        return frozenset(kinds[code] for code in features.kind_code_set())
    return frozenset(f.kind for f in features)


_COLUMN_OF = {"id": "ids", "start": "starts", "end": "ends", "countries": "countries", "actors": "actors", "tags": "tags", "name": "names"}


def feature_values(features: Sequence[Feature], key: str) -> Sequence[Any]:
    """Every feature's ``key`` (``id``, ``start``, ``end``, ``countries``, ``actors``, ``tags``
    or ``name``), in order: a table's column as it is, without building its features."""
    if isinstance(features, FeatureTable):
        return features.column(_COLUMN_OF[key])
    return list(map(attrgetter(key), features))
