"""Big point layers of the HTML export: columns in, clusters on a canvas out.

A layer of more single points than :data:`BIG_LAYER_MIN` does not become a Leaflet marker per
feature (a million DOM markers and their clustering took minutes and gigabytes): its features
are written as *columns* — coordinates as integers of 1/100,000 degree, each property a column
node of :mod:`influencemap.export.columns` (a constant, a dictionary and indices, or the
values), list properties as a count per feature and their items — gzip-compressed and base64
encoded into the page's data block. The page's script (``influencemap.bigLayer`` in
``html_assets/influencemap.js``) inflates them with the browser's ``DecompressionStream``,
clusters the points with the vendored supercluster library and draws the clusters and points
on one canvas; a popup, a stack's list or a search result builds the feature it shows from the
columns when it is needed, with the same properties, dates, figures and numbered sources as a
small layer's popup.

The columns come from a cached layer's :class:`~influencemap.model.feature_table.FeatureTable`
through its public ``column`` reader, so a cached million-point layer is exported without
building a million Feature objects; a layer whose features are objects (fresh from the
precise reader, filtered, renamed actors) gives the same columns from them.
"""

from __future__ import annotations

import base64
import gzip
import json
import re
import zlib
from dataclasses import dataclass
from typing import Any, Iterable, Iterator, Sequence

from influencemap.export.columns import decode_rows, encode_rows
from influencemap.export.xml_chars import xml_safe, xml_safe_json
from influencemap.model import sizing
from influencemap.model.stats import label_key
from influencemap.model.catalog import Catalog
from influencemap.model.dates import format_partial_date, format_span
from influencemap.model.present import country_label, format_figure, safe_link
from influencemap.model.types import Figure, GeometryKind, Layer

BIG_LAYER_MIN = 10_000
"""Layers with more single points than this are drawn by the page's canvas renderer; smaller
ones keep a DOM marker per feature (``layer.feature.properties``, Tab and Enter)."""

COORD_SCALE = 100_000
"""Coordinates are written as integers of 1/100,000 degree (5 decimals, about a metre), as
the small layers' GeoJSON rounds them."""

GZIP_LEVEL = 1
"""zlib's fastest: on the 100,000-point benchmark layer level 6 (the default) took eight times
the CPU time (0.48 s against 0.06 s) for 8 % less (2.43 MB against 2.64 MB)."""

SOURCE_KEYS = ("id", "title", "url", "publisher", "author", "date")


def is_big(layer: Layer, minimum: int = BIG_LAYER_MIN) -> bool:
    """Whether the layer goes to the canvas renderer: more than ``minimum`` features, every one
    a single two-dimensional point (multipoints, lines and polygons keep their DOM layers)."""
    features = layer.features
    if len(features) <= minimum:
        return False
    if hasattr(features, "column") and hasattr(features, "all_points"):
        return bool(features.all_points)
    return all(
        f.kind is GeometryKind.POINT and f.geometry.geom_type == "Point" and not f.geometry.has_z
        for f in features
    )


@dataclass
class _Rows:
    """A layer's features as plain columns (the FeatureTable's names)."""

    lonlat: Any  # numpy (N, 2)
    ids: Sequence[str]
    names: Sequence[str]
    starts: Sequence[str | None]
    ends: Sequence[str | None]
    instants: Sequence[bool]
    datings: Sequence[str]
    precisions: Sequence[str | None]
    descriptions: Sequence[str | None]
    countries: Sequence[Sequence[str]]
    tags: Sequence[Sequence[str]]
    actors: Sequence[Sequence[str]]
    figure_counts: Sequence[int]
    labels: Sequence[str]
    values: Sequence[float]
    units: Sequence[str | None]
    citation_counts: Sequence[int]
    refs: Sequence[str]
    locators: Sequence[str | None]
    quotes: Sequence[str | None]
    extras: Sequence[dict | None]


def _rows(layer: Layer) -> _Rows:
    features = layer.features
    if hasattr(features, "column") and hasattr(features, "point_lonlat"):
        column = features.column
        return _Rows(
            lonlat=features.point_lonlat(),
            **{name: column(name) for name in (
                "ids", "names", "starts", "ends", "instants", "datings", "precisions", "descriptions",
                "countries", "tags", "actors", "figure_counts", "labels", "values", "units",
                "citation_counts", "refs", "locators", "quotes", "extras",
            )},
        )
    import numpy as np
    import shapely

    shapes = np.array([f.geometry for f in features], dtype=object)
    figures = [figure for f in features for figure in f.figures]
    citations = [c for f in features for c in f.citations]
    return _Rows(
        lonlat=shapely.get_coordinates(shapes),
        ids=[f.id for f in features],
        names=[f.name for f in features],
        starts=[f.start for f in features],
        ends=[f.end for f in features],
        instants=[f.instant for f in features],
        datings=[f.dating for f in features],
        precisions=[f.precision.value if f.precision else None for f in features],
        descriptions=[f.description for f in features],
        countries=[f.countries for f in features],
        tags=[f.tags for f in features],
        actors=[f.actors for f in features],
        figure_counts=[len(f.figures) for f in features],
        labels=[g.label for g in figures],
        values=[g.value for g in figures],
        units=[g.unit for g in figures],
        citation_counts=[len(f.citations) for f in features],
        refs=[c.ref for c in citations],
        locators=[c.locator for c in citations],
        quotes=[c.quote for c in citations],
        extras=[dict(f.extra) if f.extra else None for f in features],
    )


_PLAIN = frozenset({str, type(None)})

JOINED_MIN = 1_000
"""A column of at least this many mostly distinct texts is written as one text (a ``j`` node):
the browser parses one long string much faster than a million short ones, and keeps one
string instead of a million (each row is cut out when it is shown)."""

_SEPARATOR = "\ud800"
_NONE = "\ud801"
"""Between a joined column's values, and a value that is None: lone surrogates, written as
JSON escapes. No value holds either (the page's texts are made XML characters, which excludes
surrogates), and the XML pass over JSON text leaves escapes alone."""

_NOT_XML_OR_MARK = re.compile("[^\t\n\r\x20-\ud801\ue000-\ufffd\U00010000-\U0010ffff]")


class _JsonText(str):
    """JSON text written as it is (already XML-safe) by :func:`pack`."""


def _joined(values: list) -> dict[str, Any]:
    """A ``j`` node: the texts (None as a mark) in one string, separated by a mark."""
    nones = values.count(None)
    text = _SEPARATOR.join(values if not nones else (_NONE if v is None else v for v in values))
    if _NOT_XML_OR_MARK.search(text) or text.count(_SEPARATOR) != len(values) - 1 or text.count(_NONE) != nones:
        # a character XML does not allow (a surrogate among them): the value's, replaced
        text = _SEPARATOR.join(_NONE if v is None else xml_safe(v) for v in values)
    dumped = json.dumps(text, ensure_ascii=False)  # the marks stay as they are: lone surrogates
    del text  # tens of megabytes for a million names
    dumped = dumped.replace(_SEPARATOR, "\\ud800")
    return {"j": _JsonText(dumped.replace(_NONE, "\\ud801") if nones else dumped)}


def _node(values: Sequence[Any]) -> dict[str, Any]:
    """A column node (see :mod:`influencemap.export.columns`) of scalar values, made with one
    hash of each value: a constant, distinct values and indices, or the values. Values that
    cannot be hashed (lists, objects) go to :func:`encode_rows`."""
    if not isinstance(values, list):
        values = list(values)
    if not values:
        return {"v": []}
    kinds = set(map(type, values))
    if kinds <= _PLAIN or (len(kinds) == 1 and kinds <= {int, float}):
        keys: list = values  # no two of these values are equal unless they are the same JSON
    elif kinds <= {int, float, bool, str, type(None)}:
        keys = list(zip(map(type, values), values))  # 1, 1.0 and True stay apart, as encode_rows keeps them
    else:
        return encode_rows(values)
    if len(values) > 20_000:
        # mostly distinct values (names, ids): a sample across the rows says so, and a dictionary
        # of a million keys is not built only to be thrown away
        sample = keys[:: len(values) // 5_000]
        if len(set(sample)) > 0.8 * len(sample):
            return _joined(values) if keys is values and kinds <= _PLAIN else {"v": values}
    distinct = dict.fromkeys(keys)
    if len(distinct) == 1:
        return {"c": values[0]}
    if len(distinct) * 2 <= len(values):
        number = {key: i for i, key in enumerate(distinct)}
        firsts = list(distinct) if keys is values else [value for _, value in distinct]
        return {"d": firsts, "i": list(map(number.__getitem__, keys))}
    if keys is values and kinds <= _PLAIN and len(values) >= JOINED_MIN:
        return _joined(values)
    return {"v": values}


def _lists(lists: Sequence[Sequence[Any]]) -> dict[str, Any]:
    """A list column: each row's length, then every item in order."""
    return {"n": _node(list(map(len, lists))), "items": _node([item for row in lists for item in row])}


def big_layer_columns(catalog: Catalog, layer: Layer, tables: dict[str, Any]) -> dict[str, Any]:
    """The layer's columns as the page reads them (before compression); what the features
    share (sources, their numbers, country names) goes into ``tables``, as for small layers."""
    return dict(_columns(catalog, layer, tables))


def _columns(catalog: Catalog, layer: Layer, tables: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """:func:`big_layer_columns` one column at a time, each made when it is asked for (the
    packing writes and forgets each before the next is made)."""
    import numpy as np

    rows = _rows(layer)
    count = len(rows.ids)
    lonlat = np.asarray(rows.lonlat, dtype=np.float64).reshape(-1, 2)
    scaled = np.round(lonlat * COORD_SCALE).astype(np.int64)

    # Citations of sources the catalog defines, as feature_properties resolves them.
    known = catalog.sources
    citation_counts, refs, locators, quotes = list(rows.citation_counts), list(rows.refs), list(rows.locators), list(rows.quotes)
    if not set(refs) <= known.keys():
        keep = [ref in known for ref in refs]
        kept_counts, at = [], 0
        for n in citation_counts:
            kept_counts.append(sum(keep[at:at + n]))
            at += n
        citation_counts = kept_counts
        refs, locators, quotes = ([v for v, k in zip(column, keep) if k] for column in (refs, locators, quotes))
    for ref in dict.fromkeys(refs):
        if ref not in tables["sources"]:
            source = known[ref]
            tables["sources"][ref] = {key: getattr(source, key) for key in SOURCE_KEYS}
            tables["sourceOrder"].append(ref)
            tables["sourceDisplay"][ref] = {
                "date": format_partial_date(source.date) if source.date else None,
                "url": safe_link(source.url),
            }
    for code in dict.fromkeys(code for codes in rows.countries for code in codes):
        tables["countries"].setdefault(code, country_label(code))

    yield "count", count
    yield "x", scaled[:, 0].tolist()
    yield "y", scaled[:, 1].tolist()
    del lonlat, scaled
    yield "id", _node(rows.ids)
    yield "name", _node(rows.names)
    yield "start", _node(rows.starts)
    yield "end", _node(rows.ends)
    yield "dating", _node([d if s is not None else None for d, s in zip(rows.datings, rows.starts)])
    yield "precision", _node(rows.precisions)
    yield "description", _node(rows.descriptions)
    yield "dates", _node(_dates(rows))
    yield "countries", _lists(rows.countries)
    yield "tags", _lists(rows.tags)
    yield "actors", _lists(rows.actors)
    yield "figures", {
        "n": _node(rows.figure_counts), "label": _node(rows.labels), "value": _node(rows.values),
        "unit": _node(rows.units), "shown": _node(_shown_figures(rows)),
    }
    yield "sources", {"n": _node(citation_counts), "ref": _node(refs), "locator": _node(locators), "quote": _node(quotes)}
    extras = rows.extras
    yield "extra", {"c": None} if not any(extras) else encode_rows([dict(e) if e else None for e in extras])
    sizes = _symbol_sizes(layer, rows)
    if sizes is not None:
        yield "symbolSize", _node(sizes)


def _dates(rows: _Rows) -> list[str | None]:
    """Each feature's dates as the details panel writes them (each distinct span formatted once)."""
    spans: dict[tuple, str | None] = {}
    dates = []
    for key in zip(rows.starts, rows.ends, rows.instants):
        shown = spans.get(key, spans)
        if shown is spans:
            shown = spans[key] = format_span(*key)
        dates.append(shown)
    return dates


def _shown_figures(rows: _Rows) -> list[str]:
    """Each figure as the details panel writes it (each distinct figure formatted once)."""
    made: dict[tuple, str] = {}
    out = []
    for key in zip(rows.labels, map(type, rows.values), rows.values, rows.units):
        shown = made.get(key)
        if shown is None:
            shown = made[key] = format_figure(Figure(key[0], key[2], key[3]))
        out.append(shown)
    return out


def _symbol_sizes(layer: Layer, rows: _Rows) -> list[float | None] | None:
    """Each point's marker diameter in pixels for a layer sized by a figure (as the small
    layers' ``symbolSize``), None where a feature has no such figure."""
    import math

    size_by = layer.style.size_by
    if size_by is None:
        return None
    wanted = label_key(size_by.figure)
    values: list[float | None] = []
    at = 0
    for n in rows.figure_counts:
        value = None
        for label, v in zip(rows.labels[at:at + n], rows.values[at:at + n]):
            if label_key(label) == wanted and math.isfinite(v) and v > 0:
                value = v
                break
        values.append(value)
        at += n
    present = [v for v in values if v is not None]
    if not present:
        return None
    top = max(present)
    return [None if v is None else round(sizing.diameter(v, top, size_by), 1) for v in values]


def pack_layer(catalog: Catalog, layer: Layer, tables: dict[str, Any]) -> dict[str, Any]:
    """The big layer's data block: :func:`pack` of its columns, each column written and
    compressed as soon as it is made (a million points' JSON is never in memory whole)."""
    return pack(_columns(catalog, layer, tables))


def pack(columns: dict[str, Any] | Iterable[tuple[str, Any]]) -> dict[str, Any]:
    """The columns as the page's data block carries them: JSON (only XML characters, as every
    text of the page), gzip-compressed, base64-encoded."""
    pairs = columns.items() if isinstance(columns, dict) else columns
    compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 31)  # 31: the gzip container
    chunks, count, separator = [], None, "{"
    for key, value in pairs:
        if key == "count":
            count = value
        chunks.append(compressor.compress((separator + json.dumps(key) + ":").encode("utf-8")))
        chunks.append(compressor.compress(_json(value).encode("utf-8")))
        separator = ","
    chunks.append(compressor.compress(b"}" if separator == "," else b"{}"))
    chunks.append(compressor.flush())
    return {"count": count, "gzip": base64.b64encode(b"".join(chunks)).decode("ascii")}


def _json(value: Any) -> str:
    """XML-safe JSON text of a column (its joined texts as they are: safe already)."""
    if isinstance(value, _JsonText):
        return value
    if isinstance(value, dict) and any(isinstance(v, (_JsonText, dict)) for v in value.values()):
        return "{" + ",".join(json.dumps(k) + ":" + _json(v) for k, v in value.items()) + "}"
    return xml_safe_json(json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False))


def unpack(data: dict[str, Any]) -> dict[str, Any]:
    """The columns of a packed data block (what the page's script inflates)."""
    return json.loads(gzip.decompress(base64.b64decode(data["gzip"])).decode("utf-8"))


def big_layer_features(columns: dict[str, Any], layer_id: str) -> list[dict[str, Any]]:
    """The GeoJSON features (properties compacted, as :func:`influencemap.export.html.layer_features`
    gives a small layer's) that the page's script builds from a big layer's columns, one by one,
    when it shows them."""
    count = columns["count"]

    def rows(node: dict[str, Any], n: int = count) -> list[Any]:
        if "j" in node:
            text = json.loads(node["j"]) if isinstance(node["j"], _JsonText) else node["j"]
            return [None if v == "\ud801" else v for v in text.split("\ud800")] if n else []
        return decode_rows(node, n)

    def cut(lists: dict[str, Any], *items: str) -> list[list[Any]]:
        lengths = rows(lists["n"])
        flat = [rows(lists[item], sum(lengths)) for item in items]
        out, at = [], 0
        for n in lengths:
            out.append(list(zip(*(column[at:at + n] for column in flat))) if len(items) > 1 else flat[0][at:at + n])
            at += n
        return out

    keys = ("id", "name", "start", "end", "dating", "precision", "description", "dates", "extra")
    scalar = {key: rows(columns[key]) for key in keys}
    lists = {key: cut(columns[key], "items") for key in ("countries", "tags", "actors")}
    figures = cut(columns["figures"], "label", "value", "unit", "shown")
    sources = cut(columns["sources"], "ref", "locator", "quote")
    sizes = rows(columns["symbolSize"]) if "symbolSize" in columns else None
    out = []
    for i in range(count):
        properties: dict[str, Any] = {"id": scalar["id"][i], "name": scalar["name"][i]}
        if lists["countries"][i]:
            properties["countries"] = list(lists["countries"][i])
        for key in ("start", "end", "dating"):
            if scalar[key][i] is not None:
                properties[key] = scalar[key][i]
        if lists["tags"][i]:
            properties["tags"] = list(lists["tags"][i])
        for key in ("precision", "description"):
            if scalar[key][i] is not None:
                properties[key] = scalar[key][i]
        if figures[i]:
            properties["figures"] = [{"label": l, "value": v, "unit": u} for l, v, u, _ in figures[i]]
        if lists["actors"][i]:
            properties["actors"] = list(lists["actors"][i])
        properties["sources"] = [
            {"ref": ref, **({"locator": loc} if loc is not None else {}), **({"quote": q} if q is not None else {})}
            for ref, loc, q in sources[i]
        ]
        properties.update(scalar["extra"][i] or {})
        x, y = columns["x"][i] / COORD_SCALE, columns["y"][i] / COORD_SCALE
        feature: dict[str, Any] = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [x, y]}, "properties": properties}
        display: dict[str, Any] = {}
        if scalar["dates"][i]:
            display["dates"] = scalar["dates"][i]
        if figures[i]:
            display["figures"] = [shown for *_, shown in figures[i]]
        if display:
            feature["display"] = display
        if sizes is not None and sizes[i] is not None:
            feature["symbolSize"] = sizes[i]
        out.append(feature)
    return out


def layer_sizes(layer: Layer) -> sizing.LayerSizes | None:
    """:func:`influencemap.model.sizing.layer_sizes` (the legend's size key) of a big layer,
    from its figure columns when it is a cached table: only the figures are made, not the
    features."""
    features = layer.features
    if layer.style.size_by is None or not hasattr(features, "column"):
        return sizing.layer_sizes(layer)
    from types import SimpleNamespace

    column = features.column
    figures = list(map(Figure, column("labels"), column("values"), column("units")))
    holders, at = [], 0
    for n in column("figure_counts"):
        holders.append(SimpleNamespace(figures=figures[at:at + n]))
        at += n
    return sizing.layer_sizes(SimpleNamespace(style=layer.style, features=holders))  # type: ignore[arg-type]
