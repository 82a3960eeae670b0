"""The precise reader: composes a layer file into nodes that know their line and column and
reads every value by what its key expects, recording each problem where it is written.

It reads whole files the fast reader (:mod:`influencemap.model.fast_parse`) leaves to it, and
single feature entries the fast reader is not sure of, so that every problem has the position
this reader gives it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Callable

from influencemap.model import bulk_data, feature_rules as rules, geometry_parts, schema
from influencemap.model.country_check import point_country_warnings
from influencemap.model.fields import FieldReader, ParsedDefaults
from influencemap.model.file_result import FileResult, attach_table, feature_columns, joined_table, unexpected_message
from influencemap.model.types import (
    ACTOR_KINDS,
    PRECISION_VALUES,
    Actor,
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
from influencemap.model.yaml_nodes import Node, YamlError, compose, decode_utf8, to_python

if TYPE_CHECKING:  # the gazetteer is imported when a file names a place, not from the cache
    from influencemap.geo.gazetteer import Gazetteer


class FileReader:
    """The precise reader: composes the file into nodes that know their line and column and
    reads every value by what its key expects, recording each problem where it is written."""

    allow_outside_data = False
    """Whether a bulk layer's ``data:`` file may lie outside the layer's folder."""

    def __init__(self, display: str, gazetteer: Callable[[], Gazetteer], path: Path | None = None) -> None:
        self.display = display
        self.path = path
        self.reader = FieldReader(display)
        self.result = FileResult(display)
        self._gazetteer = gazetteer
        self._points_to_check: list[tuple[Feature, Node]] = []
        self.features: list[Feature] = []
        """The features read one by one, and their source references (:meth:`finish` makes them
        the result's table, with the ``tables`` of a data file's rows after them)."""
        self.refs: list[tuple[tuple[str, Origin], ...]] = []
        self.tables: list[dict[str, list]] = []
        self.distinct_table_ids: list[bool] = []
        """Per table, whether its reader found every row's id its own."""

    @property
    def gazetteer(self) -> Gazetteer:
        return self._gazetteer()

    def read(self, data: bytes) -> FileResult:
        display = self.display
        result = self.result
        try:
            root = compose(decode_utf8(data))
        except YamlError as exc:
            result.problems.append(Problem(Origin(display, exc.line, exc.col), Severity.ERROR, exc.message))
            return result
        if root is None:
            result.problems.append(
                Problem(Origin(display, 1, 1), Severity.ERROR, "empty file: expected a layer (id, name, features) or sources")
            )
            return result
        if root.is_map and _keys(root) and _keys(root) <= set(schema.REGISTRY_KEYS):
            sources, actors = root.get("sources"), root.get("actors")
            if sources is not None:
                self.read_sources(sources)
            if actors is not None:
                self.read_actors(actors)
        elif root.is_map:
            self.read_layer(root)
        else:
            self.reader.error(
                root,
                "the top level must be a mapping: a layer (id, name, features) "
                "or a registry file (only 'sources:' and/or 'actors:')",
            )
        return self.finish()

    def finish(self) -> FileResult:
        self.check_point_countries()
        result = self.result
        result.problems = self.reader.problems
        parts = ([feature_columns(self.features, self.refs)] if self.features else []) + self.tables
        if parts:
            attach_table(result, joined_table(parts, self.display, result.layer.id if result.layer else None))
            # A data file's rows alone, their ids found distinct as they were read: the
            # catalog need not hash a million ids again to know (loader's take_all)
            result.distinct_ids = not self.features and self.distinct_table_ids == [True]
        return result

    # -- sources -------------------------------------------------------------------------

    def read_sources(self, node: Node) -> None:
        reader = self.reader
        if not reader.expect(node, "seq", "sources"):
            return
        for item in node.value:  # type: ignore[union-attr]
            try:
                source = self._read_source(item)
            except Exception as exc:  # noqa: BLE001 - reported at the source, the others read on
                reader.error(item, unexpected_message(exc))
                continue
            if source is not None:
                self.result.sources.append((source, len(reader.problems)))

    def _read_source(self, node: Node) -> Source | None:
        reader = self.reader
        keys = reader.mapping(node, "a source", schema.SOURCE_KEYS, schema.SOURCE_REQUIRED)
        if keys is None:
            return None
        before = reader.error_count
        values: dict[str, str | None] = {}
        values["id"] = reader.identifier(keys["id"], "source id") if "id" in keys else None
        values["title"] = reader.text(keys["title"], "source title") if "title" in keys else None
        for name in ("publisher", "author"):
            if name in keys:
                values[name] = reader.text(keys[name], f"source {name}", required=False)
        if "date" in keys:
            values["date"] = reader.date(keys["date"], "source date")
        if "url" in keys:
            values["url"] = reader.url(keys["url"], "source url")
        if "archive" in keys:
            values["archive"] = self._archive(keys["archive"])
        if reader.error_count > before:
            return None
        return Source(origin=reader.origin(node), **values)  # type: ignore[arg-type]

    def _archive(self, node: Node) -> str | None:
        """The archived copy's path as written. Whether the file is there is checked by
        ``check-quotes`` (a cached result must not depend on another file's presence)."""
        reader = self.reader
        written = reader.text(node, "source archive")
        if written is None:
            return None
        if not written.lower().endswith(schema.ARCHIVE_SUFFIXES):
            reader.error(node, f"source archive '{written}' must be a .txt, .html or .pdf file")
            return None
        return written

    # -- the actors registry -------------------------------------------------------------

    def read_actors(self, node: Node) -> None:
        reader = self.reader
        if not reader.expect(node, "seq", "actors"):
            return
        for item in node.value:  # type: ignore[union-attr]
            actor = self._read_actor(item)
            if actor is not None:
                self.result.actors.append((actor, len(reader.problems)))

    def _read_actor(self, node: Node) -> Actor | None:
        from influencemap.geo import basemap

        reader = self.reader
        keys = reader.mapping(node, "an actor", schema.ACTOR_KEYS, schema.ACTOR_REQUIRED)
        if keys is None:
            return None
        before = reader.error_count
        actor_id = reader.identifier(keys["id"], "actor id") if "id" in keys else None
        name = reader.text(keys["name"], "actor name") if "name" in keys else None
        aliases = reader.text_list(keys["aliases"], "aliases") if "aliases" in keys else []
        kind = reader.choice(keys["kind"], "actor kind", list(ACTOR_KINDS)) if "kind" in keys else None
        country = None
        if "country" in keys:
            country = reader.text(keys["country"], "actor country")
            if country is not None and country.upper() not in basemap.known_country_codes():
                reader.error(keys["country"], f"unknown country code '{country}': use ISO 3166-1 alpha-2 codes such as BY, UA, KZ, CN")
            country = country.upper() if country else None
        if reader.error_count > before or actor_id is None or name is None:
            return None
        return Actor(actor_id, name, tuple(aliases or ()), kind, country, reader.origin(node))

    # -- layers --------------------------------------------------------------------------

    def read_layer(
        self, root: Node, features: Callable[[Layer, ParsedDefaults], None] | None = None
    ) -> None:
        """The layer's own keys, then its features (``features`` reads them another way)."""
        reader = self.reader
        required = schema.LAYER_REQUIRED
        data_node = root.get("data") if root.is_map else None
        if data_node is not None:
            required = tuple(k for k in required if k != "features")
        keys = reader.mapping(root, "a layer", schema.LAYER_KEYS, required)
        if keys is None:
            return
        before = reader.error_count
        if "fields" in keys and "data" not in keys:
            reader.error(keys["fields"], "'fields' maps the columns of a data file: add 'data: FILE' (or remove 'fields')")
        layer_id = reader.identifier(keys["id"], "layer id") if "id" in keys else None
        name = reader.text(keys["name"], "layer name") if "name" in keys else None
        description = reader.text(keys["description"], "layer description", False) if "description" in keys else None
        category = reader.text(keys["category"], "layer category", False) if "category" in keys else None
        style = self._read_style(keys["style"]) if "style" in keys else Style()
        if "sources" in keys:
            self.read_sources(keys["sources"])
        defaults = self._read_defaults(keys["defaults"]) if "defaults" in keys else ParsedDefaults()
        features_node = keys.get("features")
        if features_node is not None:
            reader.expect(features_node, "seq", "features")
        if reader.error_count > before or layer_id is None or name is None or style is None:
            return  # a layer whose own keys are wrong is left out whole
        if defaults is None or (features_node is not None and not features_node.is_seq):
            return
        if features_node is None and data_node is None:
            return
        layer = Layer(
            id=layer_id,
            name=name,
            features=(),
            style=style,
            description=description,
            category=category,
            path=self.display,
            origin=reader.origin(root),
        )
        self.result.layer = layer
        self.result.layer_id_origin = reader.origin(keys["id"])
        if features is not None:
            features(layer, defaults)
            return
        for item in features_node.value if features_node is not None else ():  # type: ignore[union-attr]
            try:
                self._read_feature(item, layer_id, defaults)
            except Exception as exc:  # noqa: BLE001 - reported at the feature, which is left out
                reader.error(item, unexpected_message(exc))
        if data_node is not None:
            features, refs = self.features, self.refs
            kept = len(features)
            try:
                bulk_data.read_rows(self, layer_id, defaults, data_node, keys.get("fields"))
            except Exception as exc:  # noqa: BLE001 - reported at 'data:', with none of its rows
                del features[kept:], refs[kept:]
                reader.error(data_node, unexpected_message(exc))

    def _read_style(self, node: Node) -> Style | None:
        reader = self.reader
        keys = reader.mapping(node, "style", schema.STYLE_KEYS)
        if keys is None:
            return None
        before = reader.error_count
        values: dict[str, object] = {}
        for name in ("color", "fill"):
            if name in keys:
                color = reader.text(keys[name], f"style {name}")
                if color is not None and not schema.HEX_COLOR.match(color):
                    reader.error(keys[name], f"style {name} must be a colour like '#1f78b4', not '{color}'")
                values[name] = color
        if "opacity" in keys:
            opacity = reader.number(keys["opacity"], "style opacity", minimum=0)
            if opacity is not None and opacity > 1:
                reader.error(keys["opacity"], "style opacity must be between 0 and 1")
            values["opacity"] = opacity
        if "width" in keys:
            values["width"] = reader.number(keys["width"], "style width", minimum=0)
        if "size" in keys:
            if keys["size"].is_scalar:
                values["size"] = reader.number(keys["size"], "style size", minimum=0)
            else:
                values["size_by"] = self._read_size_by(keys["size"])
        if "marker" in keys:
            marker = reader.choice(keys["marker"], "style marker", [m.value for m in Marker])
            values["marker"] = Marker(marker) if marker else None
        if "dash" in keys:
            values["dash"] = self._read_dash(keys["dash"])
        if reader.error_count > before:
            return None
        return Style(**values)  # type: ignore[arg-type]

    def _read_size_by(self, node: Node) -> SizeBy | None:
        """``size: {figure: LABEL, scale: sqrt, min: 6, max: 36}``: symbols sized by a figure."""
        reader = self.reader
        keys = reader.mapping(node, "style size", schema.SIZE_BY_KEYS)
        if keys is None:
            return None
        before = reader.error_count
        if "figure" not in keys:
            reader.error(node, "style size needs 'figure': the label of the figure that sizes the symbols")
            return None
        figure = reader.text(keys["figure"], "style size figure")
        if figure is not None and not figure.strip():
            reader.error(keys["figure"], "style size figure must name a figure label")
        values: dict[str, object] = {"figure": figure}
        if "scale" in keys:
            values["scale"] = reader.choice(keys["scale"], "style size scale", list(schema.SIZE_SCALES))
        for name, field_name in (("min", "minimum"), ("max", "maximum")):
            if name in keys:
                number = reader.number(keys[name], f"style size {name}", minimum=0)
                if number is not None and not 1 <= number <= 200:
                    reader.error(keys[name], f"style size {name} must be between 1 and 200 pixels")
                values[field_name] = number
        if reader.error_count > before:
            return None
        size_by = SizeBy(**values)  # type: ignore[arg-type]
        if size_by.minimum > size_by.maximum:
            reader.error(keys.get("min", node), f"style size min ({size_by.minimum:g}) must not exceed max ({size_by.maximum:g})")
            return None
        return size_by

    def _read_dash(self, node: Node) -> tuple[float, ...] | None:
        reader = self.reader
        if node.is_scalar:
            name = reader.choice(node, "style dash", list(schema.NAMED_DASHES))
            return schema.NAMED_DASHES[name] if name else None
        lengths = reader.items(node, "style dash", lambda n: reader.number(n, "a dash length", minimum=0))
        return tuple(lengths) if lengths is not None else None

    def _read_defaults(self, node: Node) -> ParsedDefaults | None:
        reader = self.reader
        keys = reader.mapping(node, "layer defaults", schema.DEFAULTS_KEYS)
        if keys is None:
            return None
        before = reader.error_count
        parsed = ParsedDefaults()
        self._read_attributes(keys, parsed.values, parsed.refs)
        if reader.error_count > before:
            return None
        return parsed

    # -- features ------------------------------------------------------------------------

    def _read_feature(self, node: Node, layer_id: str, defaults: ParsedDefaults) -> None:
        reader = self.reader
        keys = reader.mapping(node, "a feature", schema.FEATURE_KEYS, schema.FEATURE_REQUIRED)
        if keys is None:
            return
        before = reader.error_count
        feature_id = reader.identifier(keys["id"], "feature id") if "id" in keys else None
        name = reader.text(keys["name"], "feature name") if "name" in keys else None
        values: dict[str, object] = {}
        refs: list[tuple[str, Node]] = []
        self._read_attributes(keys, values, refs)
        # Defaults fill what the feature lacks; the date keys count as one group.
        has_dates = any(k in keys for k in schema.DATE_KEYS)
        for key, value in defaults.values.items():
            if key in values or (key in ("start", "end", "instant") and has_dates):
                continue
            values[key] = value
        if "sources" not in keys:
            refs = list(defaults.refs)
        if not values.get("citations"):
            reader.error(node, "feature has no sources: add 'sources: [source-id]' (or layer defaults)")
        countries = tuple(values.get("countries", ()))  # type: ignore[arg-type]
        geometry = self._read_geometry(node, keys, countries, values)
        if reader.error_count > before or feature_id is None or name is None or geometry is None:
            return
        shape, kind = geometry
        precision = values.get("precision")
        extra = {k: to_python(v) for k, v in keys.items() if k.startswith(schema.USER_KEY_PREFIX)}
        feature = Feature(
            id=feature_id,
            name=name,
            layer_id=layer_id,
            geometry=shape,
            kind=kind,
            citations=tuple(values["citations"]),  # type: ignore[arg-type]
            start=values.get("start"),  # type: ignore[arg-type]
            end=values.get("end"),  # type: ignore[arg-type]
            instant=bool(values.get("instant", False)),
            countries=countries,
            actors=tuple(values.get("actors", ())),  # type: ignore[arg-type]
            tags=tuple(values.get("tags", ())),  # type: ignore[arg-type]
            figures=tuple(values.get("figures", ())),  # type: ignore[arg-type]
            precision=Precision(precision) if precision else None,  # type: ignore[arg-type]
            description=values.get("description"),  # type: ignore[arg-type]
            extra=extra,
            origin=reader.origin(node),
            dating=values.get("dating", schema.DEFAULT_DATING),  # type: ignore[arg-type]
        )
        if kind is GeometryKind.POINT and countries:
            self._points_to_check.append((feature, keys.get("point") or keys["multipoint"]))
        self.features.append(feature)
        self.refs.append(tuple((ref, reader.origin(n)) for ref, n in refs))

    def _read_attributes(
        self,
        keys: dict[str, Node],
        values: dict[str, object],
        refs: list[tuple[str, Node]],
    ) -> None:
        """The non-geometry feature keys (shared by features and layer ``defaults``)."""
        reader = self.reader
        if "date" in keys:
            if "start" in keys or "end" in keys:
                reader.error(keys["date"], "use either 'date' (a point in time) or 'start'/'end' (a span), not both")
            date = reader.date(keys["date"], "date")
            if date is not None:
                values.update(start=date, end=date, instant=True)
        else:
            start = reader.date(keys["start"], "start") if "start" in keys else None
            end = reader.date(keys["end"], "end") if "end" in keys else None
            if end is not None and start is None and "start" not in keys:
                reader.error(keys["end"], "'end' needs a 'start' (or use 'date' for a point in time)")
            elif start is not None and end is not None and rules.ordered(start, end) is False:
                reader.error(keys["end"], f"end {end} is before start {start}")
            if start is not None:
                values.update(start=start, end=end)
        if "countries" in keys:
            countries = reader.items(keys["countries"], "countries", self._country)
            if countries is not None:
                values["countries"] = countries
        for name in ("actors", "tags"):
            if name in keys:
                items = reader.text_list(keys[name], name)
                if items is not None:
                    values[name] = items
        if "figures" in keys:
            figures = reader.items(keys["figures"], "figures", self._figure)
            if figures is not None:
                values["figures"] = figures
        if "precision" in keys:
            precision = reader.choice(keys["precision"], "precision", PRECISION_VALUES)
            if precision is not None:
                values["precision"] = precision
        if "dating" in keys:
            dating = reader.choice(keys["dating"], "dating", list(schema.DATINGS))
            if dating is not None:
                values["dating"] = dating
        if "description" in keys:
            description = reader.text(keys["description"], "description", required=False)
            if description is not None:
                values["description"] = description
        if "sources" in keys:
            citations = reader.items(keys["sources"], "sources", lambda n: self._citation(n, refs))
            if citations is not None:
                values["citations"] = citations

    def _country(self, node: Node) -> str | None:
        from influencemap.geo import basemap

        reader = self.reader
        # Read as text, so Norway's NO never turns into false.
        code = reader.text(node, "a country code")
        if code is None:
            return None
        upper, broken = rules.country_code(code, basemap.known_country_codes())
        if broken is not None:
            reader.error(node, f"unknown country code '{code}': use ISO 3166-1 alpha-2 codes such as BY, UA, KZ, CN")
            return None
        return upper

    def _figure(self, node: Node) -> Figure | None:
        reader = self.reader
        keys = reader.mapping(node, "a figure", schema.FIGURE_KEYS, schema.FIGURE_REQUIRED)
        if keys is None:
            return None
        label = reader.text(keys["label"], "figure label") if "label" in keys else None
        value = reader.number(keys["value"], "figure value") if "value" in keys else None
        unit = reader.text(keys["unit"], "figure unit", required=False) if "unit" in keys else None
        if label is None or value is None:
            return None
        return Figure(label, value, unit)

    def _citation(self, node: Node, refs: list[tuple[str, Node]]) -> Citation | None:
        reader = self.reader
        if node.is_scalar:
            ref = reader.identifier(node, "source reference")
            if ref is None:
                return None
            refs.append((ref, node))
            return Citation(ref)
        keys = reader.mapping(node, "a citation", schema.CITATION_KEYS, ("ref",))
        if keys is None or "ref" not in keys:
            return None
        ref = reader.identifier(keys["ref"], "source reference")
        locator = reader.text(keys["locator"], "citation locator", False) if "locator" in keys else None
        quote = reader.text(keys["quote"], "citation quote", False) if "quote" in keys else None
        if ref is None:
            return None
        refs.append((ref, keys["ref"]))
        return Citation(ref, locator, quote)

    # -- geometry ------------------------------------------------------------------------

    def _read_geometry(
        self,
        node: Node,
        keys: dict[str, Node],
        countries: tuple[str, ...],
        values: dict[str, object],
    ) -> tuple[object, GeometryKind] | None:
        from shapely.geometry import LineString, MultiLineString, MultiPoint, Point

        reader = self.reader
        present = [k for k in schema.GEOMETRY_KEYS if k in keys]
        if not present:
            reader.error(node, "feature has no geometry: add one of 'point', 'line' or 'polygon' (or 'multipoint', 'multiline', 'multipolygon')")
            return None
        if len(present) > 1:
            reader.error(keys[present[1]], f"feature has several geometries ({', '.join(present)}); keep exactly one")
            return None
        key = present[0]
        kind = geometry_parts.KEY_KINDS[key]
        geom_node = keys[key]
        if key == "point":
            position = self._position(geom_node, countries, values, "point")
            return (Point(position), kind) if position else None
        if key == "multipoint":
            positions = self._positions(geom_node, "multipoint", countries, values, 1)
            return (MultiPoint(positions), kind) if positions else None
        if key == "line":
            line = self._line(geom_node, "line", countries, values)
            return (LineString(line), kind) if line else None
        if key == "multiline":
            parts = reader.items(geom_node, "multiline", lambda n: self._line(n, "a multiline part", countries, values))
            if not parts:
                if parts == []:
                    reader.error(geom_node, "a multiline needs at least 1 line")
                return None
            return MultiLineString(parts), kind
        if key == "polygon":
            polygon = self._polygon(geom_node, "polygon", countries, values)
            return (polygon, kind) if polygon is not None else None
        polygons = reader.items(geom_node, "multipolygon", lambda n: self._polygon(n, "a multipolygon part", countries, values))
        if not polygons:
            if polygons == []:
                reader.error(geom_node, "a multipolygon needs at least 1 polygon")
            return None
        shape, problem = geometry_parts.multipolygon(polygons)
        if problem:
            reader.error(geom_node, problem)
            return None
        return shape, kind

    def _positions(self, node: Node, what: str, countries, values, least: int) -> list | None:
        """A list of positions (``what`` names it in messages), or None after reporting."""
        positions = self.reader.items(node, what, lambda n: self._position(n, countries, values, f"a {what} position"))
        if positions is not None and len(dict.fromkeys(positions)) < least:
            self.reader.error(node, f"a {what} needs at least {least} distinct position{'s' * (least != 1)}, found {len(dict.fromkeys(positions))}")
            return None
        return positions

    def _line(self, node: Node, what: str, countries, values) -> list | None:
        positions = self.reader.items(node, what, lambda n: self._position(n, countries, values, "a line position"))
        if positions is None:
            return None
        problem = geometry_parts.line_problem(positions)
        if problem:
            self.reader.error(node, problem)
            return None
        return positions

    def _polygon(self, node: Node, what: str, countries, values):
        """A polygon from one ring of positions, or from a list of rings (outer first, then holes)."""
        reader = self.reader
        if node.is_seq and node.value and geometry_parts.is_ring_list(
            node.value[0], lambda n: n.is_seq, lambda n: n.value  # type: ignore[index]
        ):
            rings = reader.items(
                node, what, lambda n: reader.items(n, "ring", lambda p: self._position(p, countries, values, "a polygon position"))
            )
        else:
            ring = reader.items(node, what, lambda n: self._position(n, countries, values, "a polygon position"))
            rings = [ring] if ring is not None else None
        if rings is None:
            return None
        polygon, problem = geometry_parts.polygon_from_rings(rings)
        if problem:
            reader.error(node, problem)
            return None
        return polygon

    def _position(
        self,
        node: Node,
        countries: tuple[str, ...],
        values: dict[str, object],
        what: str,
    ) -> tuple[float, float] | None:
        reader = self.reader
        if node.is_scalar:
            name = reader.text(node, what)
            if name is None:
                return None
            from influencemap.geo.gazetteer import PlaceNotFound

            try:
                resolution = self.gazetteer.resolve(name, countries)
            except PlaceNotFound as exc:
                reader.error(node, str(exc))
                return None
            place = resolution.place
            if resolution.ambiguous:
                reader.warning(node, ambiguous_place_message(name, resolution))
            values.setdefault("precision", place.precision if place.precision in PRECISION_VALUES else None)
            return (place.lon, place.lat)
        if node.is_seq:
            if len(node.value) != 2:  # type: ignore[arg-type]
                reader.error(node, f"{what} must be [lon, lat] (2 numbers), found {len(node.value)} items")  # type: ignore[arg-type]
                return None
            lon_node, lat_node = node.value  # type: ignore[misc]
        elif node.is_map:
            keys = reader.mapping(node, what, ("lon", "lat"), ("lon", "lat"))
            if keys is None or "lon" not in keys or "lat" not in keys:
                return None
            lon_node, lat_node = keys["lon"], keys["lat"]
        else:  # pragma: no cover - every node kind is handled above
            return None
        lon = reader.number(lon_node, "longitude")
        lat = reader.number(lat_node, "latitude")
        if lon is None or lat is None:
            return None
        ok = True
        if rules.longitude(lon) is not None:
            reader.error(lon_node, f"longitude {lon:g} is out of range (-180 to 180)")
            ok = False
        if rules.latitude(lat) is not None:
            hint = " — are longitude and latitude swapped? Write [lon, lat]" if rules.maybe_swapped(lon) else ""
            reader.error(lat_node, f"latitude {lat:g} is out of range (-90 to 90){hint}")
            ok = False
        return (lon, lat) if ok else None

    def check_point_countries(self) -> None:
        """Warn about points outside all their declared countries, in one vectorised query."""
        points, self._points_to_check = self._points_to_check, []
        for index, message in point_country_warnings([f for f, _ in points]):
            self.reader.warning(points[index][1], message)


def ambiguous_place_message(name: str, resolution) -> str:
    place = resolution.place
    others = ", ".join(f"{p.name}, {p.country}" for p in resolution.candidates[1:4])
    return (
        f"place name '{name}' is ambiguous; chose {place.name}, {place.country} "
        f"(largest population) over {others}: write '{place.name}, XX' with a country code to choose"
    )


def _keys(node: Node) -> set[str]:
    return {str(k.value) for k, _ in node.items() if k.is_scalar}
