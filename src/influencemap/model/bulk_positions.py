"""Where each row of a bulk data file is, and its shape as the feature table keeps it.

A geographic file's rows have geometries (checked by :func:`.geometry_parts.rows_geometry`); a
CSV's have ``lon``/``lat`` columns (or the columns ``fields`` names), checked by the number and
coordinate rules' column forms. When every row is a plain point (the usual big file) its
coordinates stay in two float arrays (:attr:`RowPositions.lonlat`): only the doubtful rows are
looked at one by one, and the table's points column is made from the arrays at once.
"""

from __future__ import annotations

from operator import itemgetter
from typing import Iterable, Sequence

from influencemap.model import feature_rules as rules, field_map
from influencemap.model.bulk_columns import KeyColumns
from influencemap.model.bulk_problems import DataError
from influencemap.model.geometry_parts import RowProblem, plain_shape, rows_geometry
from influencemap.model.types import GeometryKind

CSV_LON = ("lon", "longitude", "lng", "x")
CSV_LAT = ("lat", "latitude", "y")
FROM_ARRAYS = (GeometryKind.POINT, None)
"""A row's position when its point is in the coordinate arrays (see :meth:`RowPositions.positions`)."""


class RowPositions:
    """The rows' positions (:meth:`positions`), then the kept rows' shape columns (:meth:`shapes`);
    problems go to the columns' :attr:`~.bulk_columns.KeyColumns.problems`."""

    def __init__(self, columns: KeyColumns) -> None:
        self.columns = columns
        self.table = columns.table
        self.problems = columns.problems

    def positions(self) -> list:
        """(kind, geometry) of each row, or None for a row with a problem. A row whose point is
        plain (2-D, finite, in range: the usual row of a big file) is :data:`FROM_ARRAYS`: its
        coordinates are in ``self.lonlat``, and ``self.from_arrays`` marks such rows."""
        import numpy as np

        count = self.table.rows
        self.lonlat: tuple | None = None
        self.from_arrays = np.zeros(count, dtype=bool)
        if self.table.geometries is None:  # CSV: lon and lat columns
            lon_cells = self._coordinate_column("lon", CSV_LON)
            lat_cells = self._coordinate_column("lat", CSV_LAT)
            arrays = point_arrays(lon_cells, lat_cells, count)
            if arrays is None:
                result, doubtful = [None] * count, range(count)
            else:
                self.lonlat, self.from_arrays = arrays[:2], arrays[2]
                result, doubtful = [FROM_ARRAYS] * count, np.flatnonzero(~self.from_arrays).tolist()
            for row, point in zip(doubtful, self._csv_points(doubtful, lon_cells, lat_cells)):
                result[row] = point
            return result
        if self.table.points is not None:  # every row a 2-D point: only those out of range are looked at
            lons, lats = self.table.points
            self.lonlat, self.from_arrays = (lons, lats), rules.coordinates_in_range(lons, lats)
            result = [FROM_ARRAYS] * count
            doubtful = np.flatnonzero(~self.from_arrays).tolist()
            geometries = self.table.geometries
            for row, found in zip(doubtful, rows_geometry([geometries[row] for row in doubtful])):
                result[row] = self._geometry_or_none(row, found)
            return result
        result = rows_geometry(self.table.geometries)
        for row, found in enumerate(result):
            if type(found) is RowProblem:
                result[row] = self._geometry_or_none(row, found)
        return result

    def _geometry_or_none(self, row: int, found: tuple | RowProblem) -> tuple | None:
        """A row's (kind, shape) as :func:`.geometry_parts.rows_geometry` found it, or None and
        its problem added."""
        if type(found) is RowProblem:
            self.problems.add("geometry", found.message, row, found.detail)  # type: ignore[union-attr]
            return None
        return found  # type: ignore[return-value]

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
        columns = self.columns
        if key in columns.specs:
            cells = columns.column(key)
            self._set_name(key, columns.specs[key].columns[0] if columns.specs[key].columns else key)
            return cells  # type: ignore[return-value]
        lowered = {name.lower(): name for name in self.table.columns}
        for name in names:
            if name in lowered:
                self._set_name(key, lowered[name])
                return self.table.columns[lowered[name]]
        columns.reader.reader.error(
            columns.fields_node or columns.data_node,
            f"data file '{self.table.label}' has no '{key}' column: name it with 'fields: {{lon: COLUMN, lat: COLUMN}}'",
        )
        raise DataError

    def _set_name(self, key: str, name: str) -> None:
        names = list(self._lon_lat_names)
        names[0 if key == "lon" else 1] = name
        self._lon_lat_names = tuple(names)  # type: ignore[assignment]

    def shapes(self, positions: list, kept: list[int] | None, columns: dict) -> tuple[list[int] | None, object]:
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
            if position is FROM_ARRAYS:
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


def point_arrays(lon_cells: list, lat_cells: list, count: int) -> tuple | None:
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
