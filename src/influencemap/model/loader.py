"""Load layer files into a :class:`Catalog`, validating like a compiler.

Every problem is reported with its file, line and column; one bad file, layer or feature never
stops the others. A file whose YAML cannot be read, or whose layer keys are wrong, contributes
no layer; a feature with an error is left out while the rest of its layer loads.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping, Sequence

from shapely.geometry import LineString, Point, Polygon
from shapely.validation import explain_validity

from influencemap.geo import basemap
from influencemap.geo.gazetteer import Gazetteer, PlaceNotFound, default_gazetteer
from influencemap.model import schema
from influencemap.model.catalog import Catalog
from influencemap.model.dates import first_day, last_day
from influencemap.model.fields import FieldReader
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
    Style,
)
from influencemap.model.yaml_nodes import Node, YamlError, compose, decode_utf8, to_python
from influencemap.paths import bundled_layers_dir, bundled_sources_file

LAYER_SUFFIXES = (".yaml", ".yml")

COUNTRY_TOLERANCE_DEG = 0.05
"""How far outside a declared country's (simplified) outline a point may lie unwarned."""


def expand_paths(paths: Iterable[str | os.PathLike]) -> list[Path]:
    """Files as given, and the ``*.yaml``/``*.yml`` files under each folder, in sorted order."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(
                sorted(p for p in path.rglob("*") if p.suffix in LAYER_SUFFIXES and p.is_file())
            )
        else:
            files.append(path)
    unique: dict[Path, None] = {}
    for f in files:
        unique.setdefault(f, None)
    return list(unique)


def load_catalog(
    paths: Sequence[str | os.PathLike] | None = None,
    *,
    gazetteer: Gazetteer | None = None,
    include_bundled_sources: bool = True,
    overrides: Mapping[Path, bytes] | None = None,
) -> Catalog:
    """Load layer and sources files (or folders) into a catalog with every problem found.

    With no paths, the bundled ``layers/`` folder is loaded. The bundled ``sources.yaml`` is
    always available, also when only a user's own files are opened. ``overrides`` gives the
    content to use instead of what is on disk for some files (to validate an edit before it is
    written); its paths are loaded even when they do not exist yet.
    """
    files = expand_paths(paths if paths else [bundled_layers_dir()])
    # Sources files first, so a clash is reported at the layer, not at the canonical list.
    files.sort(key=lambda f: f.stem != "sources")
    bundled = bundled_sources_file()
    if include_bundled_sources and bundled.exists():
        resolved = {f.resolve() for f in files}
        if bundled.resolve() not in resolved:
            files.insert(0, bundled)
    overrides = {Path(p).resolve(): data for p, data in (overrides or {}).items()}
    known = {f.resolve() for f in files}
    files += [p for p in overrides if p not in known]
    loader = _CatalogBuilder(gazetteer)
    for path in files:
        loader.read_file(path, overrides.get(path.resolve()))
    return loader.finish()


@dataclass
class _PendingFeature:
    feature: Feature
    reader: FieldReader
    node: Node
    refs: list[tuple[str, Node]]


@dataclass
class _PendingLayer:
    layer: Layer
    reader: FieldReader
    id_node: Node
    features: list[_PendingFeature] = field(default_factory=list)


@dataclass
class _ParsedDefaults:
    values: dict[str, object] = field(default_factory=dict)
    refs: list[tuple[str, Node]] = field(default_factory=list)


class _CatalogBuilder:
    def __init__(self, gazetteer: Gazetteer | None) -> None:
        self._gazetteer = gazetteer
        self.layers: list[_PendingLayer] = []
        self.sources: dict[str, Source] = {}
        self.problems: list[Problem] = []
        self._points_to_check: list[tuple[Feature, Node, FieldReader]] = []

    @property
    def gazetteer(self) -> Gazetteer:
        if self._gazetteer is None:
            self._gazetteer = default_gazetteer()
        return self._gazetteer

    # -- files ---------------------------------------------------------------------------

    def read_file(self, path: Path, data: bytes | None = None) -> None:
        display = str(path)
        reader = FieldReader(display)
        try:
            if data is None:
                data = path.read_bytes()
        except OSError as exc:
            self.problems.append(
                Problem(Origin(display, 1, 1), Severity.ERROR, f"cannot read file: {exc.strerror}")
            )
            return
        try:
            root = compose(decode_utf8(data))
        except YamlError as exc:
            self.problems.append(Problem(Origin(display, exc.line, exc.col), Severity.ERROR, exc.message))
            return
        if root is None:
            self.problems.append(
                Problem(Origin(display, 1, 1), Severity.ERROR, "empty file: expected a layer (id, name, features) or sources")
            )
            return
        if root.is_map and _keys(root) == {"sources"}:
            self._read_sources_file(root, reader)
        elif root.is_map:
            self._read_layer(root, reader, path)
        else:
            reader.error(
                root,
                "the top level must be a mapping: a layer (id, name, features) "
                "or a sources file (only 'sources:')",
            )
        self._check_point_countries()
        self.problems.extend(reader.problems)

    def _read_sources_file(self, root: Node, reader: FieldReader) -> None:
        node = root.get("sources")
        assert node is not None
        self._read_sources(node, reader)

    def _read_sources(self, node: Node, reader: FieldReader) -> None:
        if not reader.expect(node, "seq", "sources"):
            return
        for item in node.value:  # type: ignore[union-attr]
            source = self._read_source(item, reader)
            if source is None:
                continue
            if source.id in self.sources:
                first = self.sources[source.id].origin
                reader.error(item, f"duplicate source id '{source.id}' (first defined at {first})")
                continue
            self.sources[source.id] = source

    def _read_source(self, node: Node, reader: FieldReader) -> Source | None:
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
        if reader.error_count > before:
            return None
        return Source(origin=reader.origin(node), **values)  # type: ignore[arg-type]

    # -- layers --------------------------------------------------------------------------

    def _read_layer(self, root: Node, reader: FieldReader, path: Path) -> None:
        keys = reader.mapping(root, "a layer", schema.LAYER_KEYS, schema.LAYER_REQUIRED)
        if keys is None:
            return
        before = reader.error_count
        layer_id = reader.identifier(keys["id"], "layer id") if "id" in keys else None
        name = reader.text(keys["name"], "layer name") if "name" in keys else None
        description = reader.text(keys["description"], "layer description", False) if "description" in keys else None
        category = reader.text(keys["category"], "layer category", False) if "category" in keys else None
        style = self._read_style(keys["style"], reader) if "style" in keys else Style()
        if "sources" in keys:
            self._read_sources(keys["sources"], reader)
        defaults = self._read_defaults(keys["defaults"], reader) if "defaults" in keys else _ParsedDefaults()
        features_node = keys.get("features")
        if features_node is not None:
            reader.expect(features_node, "seq", "features")
        if reader.error_count > before or layer_id is None or name is None or style is None:
            return  # a layer whose own keys are wrong is left out whole
        if defaults is None or features_node is None or not features_node.is_seq:
            return
        layer = Layer(
            id=layer_id,
            name=name,
            features=(),
            style=style,
            description=description,
            category=category,
            path=str(path),
            origin=reader.origin(root),
        )
        pending = _PendingLayer(layer, reader, keys["id"])
        for item in features_node.value:  # type: ignore[union-attr]
            feature = self._read_feature(item, reader, layer_id, defaults)
            if feature is not None:
                pending.features.append(feature)
        self.layers.append(pending)

    def _read_style(self, node: Node, reader: FieldReader) -> Style | None:
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
        for name in ("width", "size"):
            if name in keys:
                values[name] = reader.number(keys[name], f"style {name}", minimum=0)
        if "marker" in keys:
            marker = reader.choice(keys["marker"], "style marker", [m.value for m in Marker])
            values["marker"] = Marker(marker) if marker else None
        if "dash" in keys:
            values["dash"] = self._read_dash(keys["dash"], reader)
        if reader.error_count > before:
            return None
        return Style(**values)  # type: ignore[arg-type]

    def _read_dash(self, node: Node, reader: FieldReader) -> tuple[float, ...] | None:
        if node.is_scalar:
            name = reader.choice(node, "style dash", list(schema.NAMED_DASHES))
            return schema.NAMED_DASHES[name] if name else None
        lengths = reader.items(node, "style dash", lambda n: reader.number(n, "a dash length", minimum=0))
        return tuple(lengths) if lengths is not None else None

    def _read_defaults(self, node: Node, reader: FieldReader) -> _ParsedDefaults | None:
        keys = reader.mapping(node, "layer defaults", schema.DEFAULTS_KEYS)
        if keys is None:
            return None
        before = reader.error_count
        parsed = _ParsedDefaults()
        self._read_attributes(keys, reader, parsed.values, parsed.refs)
        if reader.error_count > before:
            return None
        return parsed

    # -- features ------------------------------------------------------------------------

    def _read_feature(
        self, node: Node, reader: FieldReader, layer_id: str, defaults: _ParsedDefaults
    ) -> _PendingFeature | None:
        keys = reader.mapping(node, "a feature", schema.FEATURE_KEYS, schema.FEATURE_REQUIRED)
        if keys is None:
            return None
        before = reader.error_count
        feature_id = reader.identifier(keys["id"], "feature id") if "id" in keys else None
        name = reader.text(keys["name"], "feature name") if "name" in keys else None
        values: dict[str, object] = {}
        refs: list[tuple[str, Node]] = []
        self._read_attributes(keys, reader, values, refs)
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
        geometry = self._read_geometry(node, keys, reader, countries, values)
        if reader.error_count > before or feature_id is None or name is None or geometry is None:
            return None
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
        )
        if kind is GeometryKind.POINT and countries:
            self._points_to_check.append((feature, keys["point"], reader))
        return _PendingFeature(feature, reader, node, refs)

    def _read_attributes(
        self,
        keys: dict[str, Node],
        reader: FieldReader,
        values: dict[str, object],
        refs: list[tuple[str, Node]],
    ) -> None:
        """The non-geometry feature keys (shared by features and layer ``defaults``)."""
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
            elif start is not None and end is not None and last_day(end) < first_day(start):
                reader.error(keys["end"], f"end {end} is before start {start}")
            if start is not None:
                values.update(start=start, end=end)
        if "countries" in keys:
            countries = reader.items(keys["countries"], "countries", lambda n: self._country(n, reader))
            if countries is not None:
                values["countries"] = countries
        for name in ("actors", "tags"):
            if name in keys:
                items = reader.text_list(keys[name], name)
                if items is not None:
                    values[name] = items
        if "figures" in keys:
            figures = reader.items(keys["figures"], "figures", lambda n: self._figure(n, reader))
            if figures is not None:
                values["figures"] = figures
        if "precision" in keys:
            precision = reader.choice(keys["precision"], "precision", [p.value for p in Precision])
            if precision is not None:
                values["precision"] = precision
        if "description" in keys:
            description = reader.text(keys["description"], "description", required=False)
            if description is not None:
                values["description"] = description
        if "sources" in keys:
            citations = reader.items(keys["sources"], "sources", lambda n: self._citation(n, reader, refs))
            if citations is not None:
                values["citations"] = citations

    def _country(self, node: Node, reader: FieldReader) -> str | None:
        # Read as text, so Norway's NO never turns into false.
        code = reader.text(node, "a country code")
        if code is None:
            return None
        upper = code.upper()
        if upper not in basemap.known_country_codes():
            reader.error(node, f"unknown country code '{code}': use ISO 3166-1 alpha-2 codes such as BY, UA, KZ, CN")
            return None
        return upper

    def _figure(self, node: Node, reader: FieldReader) -> Figure | None:
        keys = reader.mapping(node, "a figure", schema.FIGURE_KEYS, schema.FIGURE_REQUIRED)
        if keys is None:
            return None
        label = reader.text(keys["label"], "figure label") if "label" in keys else None
        value = reader.number(keys["value"], "figure value") if "value" in keys else None
        unit = reader.text(keys["unit"], "figure unit", required=False) if "unit" in keys else None
        if label is None or value is None:
            return None
        return Figure(label, value, unit)

    def _citation(self, node: Node, reader: FieldReader, refs: list[tuple[str, Node]]) -> Citation | None:
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
        reader: FieldReader,
        countries: tuple[str, ...],
        values: dict[str, object],
    ) -> tuple[object, GeometryKind] | None:
        present = [k for k in schema.GEOMETRY_KEYS if k in keys]
        if not present:
            reader.error(node, "feature has no geometry: add one of 'point', 'line' or 'polygon'")
            return None
        if len(present) > 1:
            reader.error(keys[present[1]], f"feature has several geometries ({', '.join(present)}); keep exactly one")
            return None
        kind = GeometryKind(present[0])
        geom_node = keys[present[0]]
        if kind is GeometryKind.POINT:
            position = self._position(geom_node, reader, countries, values, "point")
            return (Point(position), kind) if position else None
        positions = reader.items(
            geom_node, kind.value, lambda n: self._position(n, reader, countries, values, f"a {kind.value} position")
        )
        if positions is None:
            return None
        distinct = list(dict.fromkeys(positions))
        if kind is GeometryKind.LINE:
            if len(distinct) < 2:
                reader.error(geom_node, f"a line needs at least 2 distinct positions, found {len(distinct)}")
                return None
            return LineString(positions), kind
        ring = positions[:-1] if len(positions) > 1 and positions[0] == positions[-1] else positions
        if len(set(ring)) < 3:
            reader.error(geom_node, f"a polygon needs at least 3 distinct positions, found {len(set(ring))}")
            return None
        polygon = Polygon(ring)
        if not polygon.is_valid:
            reason = explain_validity(polygon)
            if "Self-intersection" in reason or "Ring Self-intersection" in reason:
                reader.error(geom_node, f"polygon intersects itself ({_where(reason)}): reorder its positions")
            else:
                reader.error(geom_node, f"invalid polygon: {reason}")
            return None
        return polygon, kind

    def _position(
        self,
        node: Node,
        reader: FieldReader,
        countries: tuple[str, ...],
        values: dict[str, object],
        what: str,
    ) -> tuple[float, float] | None:
        if node.is_scalar:
            name = reader.text(node, what)
            if name is None:
                return None
            try:
                resolution = self.gazetteer.resolve(name, countries)
            except PlaceNotFound as exc:
                reader.error(node, str(exc))
                return None
            place = resolution.place
            if resolution.ambiguous:
                others = ", ".join(f"{p.name}, {p.country}" for p in resolution.candidates[1:4])
                reader.warning(
                    node,
                    f"place name '{name}' is ambiguous; chose {place.name}, {place.country} "
                    f"(largest population) over {others}: write '{place.name}, XX' with a country code to choose",
                )
            values.setdefault("precision", place.precision if place.precision in {p.value for p in Precision} else None)
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
        if not -180 <= lon <= 180:
            reader.error(lon_node, f"longitude {lon:g} is out of range (-180 to 180)")
            ok = False
        if not -90 <= lat <= 90:
            hint = " — are longitude and latitude swapped? Write [lon, lat]" if -90 <= lon <= 90 else ""
            reader.error(lat_node, f"latitude {lat:g} is out of range (-90 to 90){hint}")
            ok = False
        return (lon, lat) if ok else None

    def _check_point_countries(self) -> None:
        """Warn about points outside all their declared countries, in one vectorised query."""
        points, self._points_to_check = self._points_to_check, []
        if not points:
            return
        lons = [f.geometry.x for f, _, _ in points]  # type: ignore[attr-defined]
        lats = [f.geometry.y for f, _, _ in points]  # type: ignore[attr-defined]
        found = basemap.countries_containing_many(lons, lats, COUNTRY_TOLERANCE_DEG)
        outside = [i for i, (f, _, _) in enumerate(points) if not set(found[i]) & set(f.countries)]
        if not outside:
            return
        swapped = basemap.countries_containing_many(
            [lats[i] for i in outside], [lons[i] if -90 <= lons[i] <= 90 else 0.0 for i in outside],
            COUNTRY_TOLERANCE_DEG,
        )
        for i, swapped_in in zip(outside, swapped):
            feature, node, reader = points[i]
            lon, lat, inside = lons[i], lats[i], found[i]
            where = f"it lies in {', '.join(inside)}" if inside else "it lies in no country (at sea?)"
            message = f"point ({lon:g}, {lat:g}) is outside its countries {', '.join(feature.countries)}: {where}"
            if -90 <= lon <= 90 and set(swapped_in) & set(feature.countries):
                message += f"; swapping longitude and latitude, [{lat:g}, {lon:g}], would put it inside"
            reader.warning(node, message)

    # -- the whole catalog ---------------------------------------------------------------

    def finish(self) -> Catalog:
        layers: list[Layer] = []
        layer_ids: dict[str, Origin] = {}
        feature_ids: dict[str, Origin] = {}
        reported_refs: set[int] = set()  # a bad ref in layer defaults is reported once
        for pending in self.layers:
            reader = pending.reader
            layer = pending.layer
            if layer.id in layer_ids:
                reader.error(pending.id_node, f"duplicate layer id '{layer.id}' (first defined at {layer_ids[layer.id]})")
                self.problems.extend(reader.problems[-1:])
                continue
            layer_ids[layer.id] = layer.origin  # type: ignore[assignment]
            kept: list[Feature] = []
            for item in pending.features:
                before = len(reader.problems)
                feature = item.feature
                if feature.id in feature_ids:
                    reader.error(item.node, f"duplicate feature id '{feature.id}' (first defined at {feature_ids[feature.id]})")
                undefined = [(ref, n) for ref, n in item.refs if ref not in self.sources]
                for ref, ref_node in undefined:
                    if id(ref_node) not in reported_refs:
                        reported_refs.add(id(ref_node))
                        hint = schema.did_you_mean(ref, list(self.sources))
                        reader.error(ref_node, f"undefined source '{ref}'{hint}")
                if len(reader.problems) > before or undefined:
                    self.problems.extend(reader.problems[before:])
                    continue
                feature_ids[feature.id] = feature.origin  # type: ignore[assignment]
                kept.append(feature)
            layers.append(_with_features(layer, kept))
        problems = sorted(self.problems, key=lambda p: (p.origin.path, p.origin.line, p.origin.col))
        return Catalog(layers=tuple(layers), sources=dict(self.sources), problems=tuple(problems))


def _with_features(layer: Layer, features: list[Feature]) -> Layer:
    import dataclasses

    return dataclasses.replace(layer, features=tuple(features))


def _keys(node: Node) -> set[str]:
    return {str(k.value) for k, _ in node.items() if k.is_scalar}


def _where(reason: str) -> str:
    """``Self-intersection[27.9 53.9]`` → ``near 27.9, 53.9``."""
    if "[" in reason and "]" in reason:
        coords = reason[reason.index("[") + 1 : reason.index("]")].split()
        if len(coords) >= 2:
            return f"near {float(coords[0]):g}, {float(coords[1]):g}"
    return reason

