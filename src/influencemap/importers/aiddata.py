"""``influencemap import aiddata``: AidData's Global Chinese Development Finance releases as a layer.

Reads the two forms AidData publishes (both optional, joined by project id):

- the geospatial release's folder of per-project GeoJSON files (``<project id>.geojson``, one
  OSM-derived MultiPolygon each, properties as in the 2.0 release) — or a combined GeoJSON of
  many projects (``military_combined_global.geojson``) in that folder;
- a dataset spreadsheet (``.xlsx``; the columns of the Military Finance and Huawei Finance
  datasets: Title, Description, Status, Recipient, Commitment Year, agencies, amounts, dates,
  Source URLs/Titles/Publishers, ``|``-separated).

and writes ``OUT.yaml`` with its data file ``OUT.geojson`` beside it. The data file keeps
AidData's columns as published (so the YAML's ``fields:`` shows how each key is read) and adds
the few the map needs that AidData does not give as such: ``countries`` (ISO codes),
``precision``, ``start``/``end`` and a short ``description`` in our words. Records with a
geometry keep it, multi-part and all; a record without one is placed at its recipient country
(precision ``country``). A recipient that is not one country (``Africa, regional``) or is spelled
unlike the basemap gets its countries from the geometry, with a warning; a record that can be
placed nowhere is left out with a warning. Nothing here is an error: AidData's data is what it is.

Qt-free; openpyxl is imported only when a spreadsheet is read.
"""

from __future__ import annotations

import json
import math

import orjson
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from influencemap.model import field_map

PROJECT_ID = "AidData TUFF Project ID"
SOURCE_ID = "aiddata-gcdf-2"
DATASET_PAGE = "https://www.aiddata.org/data/aiddatas-global-chinese-development-finance-dataset-version-2-0"
CITATION = (
    "Custer, S., Dreher, A., Elston, T.B., Fuchs, A., Ghose, S., Lin, J., Malik, A., Parks, B.C., "
    "Russell, B., Solomon, K., Strange, A., Tierney, M.J., Walsh, K., Zaleski, L., and Zhang, S. 2021. "
    "Tracking Chinese Development Finance: An Application of AidData's TUFF 2.0 Methodology. "
    "Williamsburg, VA: AidData at William & Mary."
)
ATTRIBUTION = (
    "Records: AidData, Global Chinese Development Finance Dataset 2.0 (ODC-By 1.0; " + CITATION + "). "
    "Shapes: © OpenStreetMap contributors (ODbL 1.0), as matched by AidData; the data file beside "
    "this layer, an adapted extract of that database, stays under the ODbL 1.0."
)
KEPT_COLUMNS = (
    PROJECT_ID, "Title", "Recipient", "Status", "Flow Type", "Flow Class", "AidData Sector Name",
    "Commitment Year", "Implementation Start Year", "Completion Year",
    "Funding Agencies", "Receiving Agencies", "Implementing Agencies", *(
        "Recommended For Aggregates", "Recommended For Military Aggregates", "Recommended For Huawei Aggregates"),
    "Amount (Constant USD2017)", "Amount (Original Currency)", "Original Currency",
    "Planned Implementation Start Date (MM/DD/YYYY)", "Planned Completion Date (MM/DD/YYYY)",
    "Actual Implementation Start Date (MM/DD/YYYY)", "Actual Completion Date (MM/DD/YYYY)",
    "Source URLs", "Source Titles", "Source Publishers",
)
"""AidData's columns copied into the data file, unchanged (others are left out: the map does
not use them, and the file stays small)."""
COORDINATE_DIGITS = 5
"""Coordinates are written to 1e-5° (about 1 m), about what OSM's own mapping holds."""


@dataclass
class ImportResult:
    layer_path: Path
    data_path: Path
    records: int
    placed_at_country: int
    warnings: list[str] = field(default_factory=list)


class ImportError_(Exception):
    """A problem with the inputs or options (not with a record): the command stops, no file written."""


# -- reading --------------------------------------------------------------------------------


def read_geojsons(folder: Path, warnings: list[str]) -> dict[int, tuple[dict, dict]]:
    """Project id → (geometry as GeoJSON, properties), from every ``*.geojson`` in ``folder``.
    A project in several features or files keeps all their parts as one multi-part geometry."""
    result: dict[int, tuple[dict, dict]] = {}
    paths = sorted(folder.glob("*.geojson"))
    if not paths:
        raise ImportError_(f"no .geojson files in {folder}")
    for path in paths:
        try:
            document = orjson.loads(path.read_bytes())
        except (OSError, orjson.JSONDecodeError) as exc:
            warnings.append(f"{path.name}: not read ({exc})")
            continue
        features = document.get("features", [document]) if isinstance(document, dict) else []
        for feature in features:
            if not isinstance(feature, dict):
                continue
            properties = feature.get("properties") or {}
            project = _project_id(properties.get(PROJECT_ID, properties.get("id")))
            if project is None:
                warnings.append(f"{path.name}: a feature without '{PROJECT_ID}' left out")
                continue
            geometry = feature.get("geometry")
            if project in result:
                geometry = _join(result[project][0], geometry)
                properties = result[project][1]
            result[project] = (geometry, properties)
    return result


def _join(first: dict | None, second: dict | None) -> dict | None:
    """Two GeoJSON geometries of one project as one multi-part geometry (of the first's kind)."""
    if not first or not second:
        return first or second
    parts = []
    for geometry in (first, second):
        kind = geometry.get("type", "")
        parts.extend(geometry["coordinates"] if kind.startswith("Multi") else [geometry["coordinates"]])
    base = first["type"].removeprefix("Multi")
    return {"type": f"Multi{base}", "coordinates": parts}


def read_xlsx(path: Path) -> list[dict]:
    """The rows of the spreadsheet's first sheet as dicts keyed by its header row."""
    try:
        import openpyxl
    except ImportError:  # pragma: no cover - a dependency
        raise ImportError_("reading .xlsx needs openpyxl: pip install openpyxl") from None
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl's and zipfile's many error types
        raise ImportError_(f"cannot read {path} as an Excel workbook: {exc}") from None
    try:
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        header = next(rows, None)
        if header is None or PROJECT_ID not in header:
            raise ImportError_(f"{path}: the first sheet has no '{PROJECT_ID}' column in its first row")
        names = [str(h) if h is not None else "" for h in header]
        return [dict(zip(names, row)) for row in rows if any(v is not None for v in row)]
    finally:
        workbook.close()


def _project_id(value: object) -> int | None:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return int(number) if math.isfinite(number) and number.is_integer() else None


# -- one record -----------------------------------------------------------------------------


def _text(value: object) -> str | None:
    if field_map.missing(value):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat()  # type: ignore[union-attr]
    return str(value).strip()


def _year(value: object) -> str | None:
    text = _text(value)
    if text is None:
        return None
    try:
        return field_map.normal_date(text, None)[:4] if text[:4].isdigit() else None
    except ValueError:
        return None


def _day(value: object) -> str | None:
    text = _text(value)
    if text is None:
        return None
    text = field_map.normal_date(text, None)
    from influencemap.model.dates import DateError, parse_partial_date

    try:
        parse_partial_date(text)
    except DateError:
        return None
    return text


def _span(record: dict) -> tuple[str | None, str | None]:
    """When the project runs: from China's commitment (the year AidData dates it by) to its
    actual completion (else the completion year), an end before the start left out."""
    start = _year(record.get("Commitment Year"))
    end = _day(record.get("Actual Completion Date (MM/DD/YYYY)")) or _year(record.get("Completion Year"))
    if start is None:
        start = _day(record.get("Actual Implementation Start Date (MM/DD/YYYY)")) or _year(record.get("Implementation Start Year"))
    if start is not None and end is not None and end[:4] < start[:4]:
        end = None
    if start is None:
        end = None
    return start, end


def _description(record: dict, placed_at_country: bool, recipient_note: str | None) -> str:
    """A short summary in our words, from the record's own fields; AidData's long description
    stays AidData's (in the spreadsheet), not copied here."""
    facts = []
    status = _text(record.get("Status"))
    if status:
        facts.append(f"Status in AidData's record: {status}.")
    flow = _text(record.get("Flow Type"))
    flow_class = _text(record.get("Flow Class"))
    if flow:
        facts.append(f"Flow type: {flow}" + (f" ({flow_class})." if flow_class else "."))
    sector = _text(record.get("AidData Sector Name"))
    if sector:
        facts.append(f"Sector: {sector.lower()}.")
    project = record.get(PROJECT_ID)
    facts.append(
        f"AidData project {project}; "
        + ("AidData gives no location: placed at the recipient country." if placed_at_country
           else "the shape is the OpenStreetMap geometry AidData matched to the project (its "
                "precision is read from the shape's size: AidData gives no precision code).")
    )
    if recipient_note:
        facts.append(recipient_note)
    return " ".join(facts)


def _place(record: dict, geometry: dict | None, warnings: list[str]):
    """The record's geometry (GeoJSON, and as shapely's, None for a point placed here), its
    countries, precision and a note on its recipient."""
    import shapely

    from influencemap.geo import basemap

    project = record.get(PROJECT_ID)
    recipient = _text(record.get("Recipient")) or ""
    code = field_map.country_code(recipient) if recipient else None
    if code is not None and code not in basemap.known_country_codes():
        code = None
    shapely_geometry = None
    if geometry:
        try:
            shapely_geometry = shapely.from_geojson(orjson.dumps(geometry))
            if shapely_geometry.is_empty:
                shapely_geometry = None
        except (shapely.errors.GEOSException, ValueError, TypeError) as exc:
            warnings.append(f"project {project}: geometry not read ({exc}); placed by its recipient")
            shapely_geometry = None
    if shapely_geometry is not None:
        touched = basemap.countries_intersecting(shapely_geometry)
        if code is not None:
            if touched and code not in touched:
                warnings.append(
                    f"project {project}: the shape lies in {', '.join(touched)}, not in the recipient "
                    f"'{recipient}' ({code}); countries: {', '.join([code, *touched])}"
                )
                note = (f"AidData's recipient is {recipient}, but the shape it matched lies in "
                        f"{', '.join(touched)}: both are listed.")
                return geometry, shapely_geometry, [code, *touched], shape_precision(shapely_geometry), note
            return geometry, shapely_geometry, [code], shape_precision(shapely_geometry), None
        if touched:
            note = f"AidData's recipient is '{recipient}'; the countries are those the shape lies in."
            warnings.append(f"project {project}: recipient '{recipient}' is not one known country: countries from the shape ({', '.join(touched)})")
            return geometry, shapely_geometry, touched, shape_precision(shapely_geometry), note
        warnings.append(f"project {project}: recipient '{recipient}' is not one known country and the shape lies in none: left out")
        return None, None, [], "", None
    if code is None:
        warnings.append(f"project {project}: no shape and recipient '{recipient}' is not one known country: left out")
        return None, None, [], "", None
    point = basemap.country_label_point(code)
    if point is None:
        warnings.append(f"project {project}: no shape and the basemap does not draw {code}: left out")
        return None, None, [], "", None
    return {"type": "Point", "coordinates": list(point)}, None, [code], "country", None


SITE_KM2 = 100.0
REGION_KM2 = 1000.0


def shape_precision(shape) -> str:
    """How exact a record located by its shape is, read from the shape's area, since AidData's
    2.0 geospatial files carry no precision code: a building, plant, mine or buffered road
    (under 100 km²) is a ``site``; a town's or district's outline (under 1,000 km²) ``city``;
    a province's (Udmurtia, for project 67002) ``region``. The area is approximate (degrees
    scaled by the cosine of the latitude), enough to tell these apart."""
    latitude = shape.centroid.y
    km2 = shape.area * 111.32**2 * math.cos(math.radians(latitude))
    return "site" if km2 < SITE_KM2 else "city" if km2 < REGION_KM2 else "region"


def _round(coordinates, digits: int):
    if isinstance(coordinates, (int, float)):
        return round(float(coordinates), digits)
    return [_round(c, digits) for c in coordinates]


def _simplified(geometry: dict, shape, tolerance: float | None) -> dict:
    """With a tolerance, the shape simplified to it (topology kept) and snapped to a
    1e-:data:`COORDINATE_DIGITS`° grid by GEOS, which keeps it valid; its kind stays the same
    (a multi-part shape left with one part is still written as multi-part). Without one, or
    where the shape would vanish on the grid, the geometry as published."""
    import shapely

    if shape is None:  # a point placed at a country
        return {"type": geometry["type"], "coordinates": _round(geometry["coordinates"], COORDINATE_DIGITS)}
    if not tolerance:
        return {"type": geometry["type"], "coordinates": geometry["coordinates"]}
    try:
        simple = shapely.set_precision(shapely.simplify(shape, tolerance, preserve_topology=True), 10.0**-COORDINATE_DIGITS)
    except shapely.errors.GEOSException:
        return {"type": geometry["type"], "coordinates": geometry["coordinates"]}
    if simple.is_empty:
        return {"type": geometry["type"], "coordinates": geometry["coordinates"]}
    if simple.geom_type != geometry["type"]:
        multi = {"Polygon": shapely.MultiPolygon, "LineString": shapely.MultiLineString, "Point": shapely.MultiPoint}
        if geometry["type"].startswith("Multi") and simple.geom_type in multi:
            simple = multi[simple.geom_type]([simple])
        else:
            return {"type": geometry["type"], "coordinates": geometry["coordinates"]}
    return orjson.loads(shapely.to_geojson(simple))


# -- the whole import -----------------------------------------------------------------------


def import_aiddata(
    output: Path,
    geojsons: Path | None = None,
    xlsx: Path | None = None,
    recipients: Iterable[str] = (),
    year_from: int | None = None,
    year_to: int | None = None,
    layer_id: str | None = None,
    name: str | None = None,
    category: str = "Economy",
    simplify: float | None = None,
    overwrite: bool = False,
    style: tuple[str, str, str] = ("#b2182b", "#ef8a62", "circle"),
) -> ImportResult:
    """Write ``output`` (the layer) and ``output.with_suffix('.geojson')`` (its data)."""
    if geojsons is None and xlsx is None:
        raise ImportError_("give --geojsons DIR and/or --xlsx FILE")
    if output.suffix.lower() not in (".yaml", ".yml"):
        raise ImportError_(f"the output must be a .yaml file, not '{output.name}'")
    data_path = output.with_suffix(".geojson")
    for path in (output, data_path):
        if path.exists() and not overwrite:
            raise ImportError_(f"{path} exists: choose another name or pass --overwrite")
    if geojsons is not None and not geojsons.is_dir():
        raise ImportError_(f"--geojsons {geojsons} is not a folder")
    if xlsx is not None and not xlsx.is_file():
        raise ImportError_(f"--xlsx {xlsx} is not a file")
    wanted = _recipient_filter(recipients)
    warnings: list[str] = []
    shapes = read_geojsons(geojsons, warnings) if geojsons is not None else {}
    if xlsx is not None:
        records = []
        for row in read_xlsx(xlsx):
            project = _project_id(row.get(PROJECT_ID))
            if project is None:
                warnings.append(f"{xlsx.name}: a row without a project id left out ('{row.get('Title')}')")
                continue
            row[PROJECT_ID] = project
            records.append(row)
    else:
        records = [dict(properties, **{PROJECT_ID: project}) for project, (_, properties) in sorted(shapes.items())]
    features = []
    at_country = 0
    seen: set[int] = set()
    for record in records:
        project = record[PROJECT_ID]
        if project in seen:
            warnings.append(f"project {project}: listed twice, the first kept")
            continue
        seen.add(project)
        if not _selected(record, wanted, year_from, year_to):
            continue
        if _text(record.get("Title")) is None:
            warnings.append(f"project {project}: no Title: left out")
            continue
        geometry = shapes.get(project, (None, None))[0]
        geometry, shape, countries, precision, note = _place(record, geometry, warnings)
        if geometry is None:
            continue
        at_country += precision == "country"
        start, end = _span(record)
        properties = {column: _cell(record.get(column)) for column in KEPT_COLUMNS if column in record}
        properties[PROJECT_ID] = project
        properties.update(_clean_sources(record, warnings))
        properties.update(_amounts(record))
        properties.update(
            countries="|".join(countries),
            precision=precision,
            start=start,
            end=end,
            tags="|".join(t for t in (_sector_tag(record), _status_tag(record)) if t),
            description=_description(record, precision == "country", note),
        )
        features.append({"type": "Feature", "properties": properties, "geometry": _simplified(geometry, shape, simplify)})
    if not features:
        raise ImportError_("no AidData record matches the selection: nothing written")
    has_original = any(f["properties"].get("Amount (Original Currency)") is not None for f in features)
    has_urls = any(f["properties"].get("Source URLs") for f in features)
    output.parent.mkdir(parents=True, exist_ok=True)
    collection = {"type": "FeatureCollection", "features": features}
    data_text = orjson.dumps(collection).decode("utf-8")
    layer_text = _layer_yaml(
        layer_id or _slug_id(output.stem), name or f"Chinese development finance projects (AidData): {output.stem}",
        category, data_path.name, has_original, has_urls, style,
    )
    _write_new(data_path, data_text)
    _write_new(output, layer_text)
    return ImportResult(output, data_path, len(features), at_country, warnings)


def _clean_sources(record: dict, warnings: list[str]) -> dict:
    """AidData's ``|``-separated Source URLs, Titles and Publishers with the addresses that are
    not http(s) left out (a warning names them), each title and publisher kept with its URL."""
    urls = _text(record.get("Source URLs"))
    if urls is None:
        return {}
    titles = (_text(record.get("Source Titles")) or "").split("|")
    publishers = (_text(record.get("Source Publishers")) or "").split("|")
    kept: list[tuple[str, str, str]] = []
    from urllib.parse import urlparse

    for n, url in enumerate(urls.split("|")):
        url = url.strip()
        if not url:
            continue
        try:
            parsed = urlparse(url)
            parsed.port  # noqa: B018 - checks the host and port
            good = parsed.scheme.lower() in ("http", "https") and bool(parsed.netloc) and " " not in url
        except ValueError:
            good = False
        if not good:
            warnings.append(f"project {record.get(PROJECT_ID)}: source address left out, not an http(s) URL: {url!r}")
            continue
        kept.append((url, titles[n].strip() if n < len(titles) else "", publishers[n].strip() if n < len(publishers) else ""))
    return {
        "Source URLs": "|".join(k[0] for k in kept) or None,
        "Source Titles": "|".join(k[1].replace("|", "/") for k in kept) if kept else None,
        "Source Publishers": "|".join(k[2] for k in kept) if kept else None,
    }


def _sector_tag(record: dict) -> str | None:
    """AidData's sector name as a tag, in lower case like the other tags ("ENERGY" → "energy")."""
    sector = _text(record.get("AidData Sector Name"))
    return sector.lower() if sector else None


AGGREGATE_COLUMNS = ("Recommended For Aggregates", "Recommended For Military Aggregates", "Recommended For Huawei Aggregates")
NOT_FOR_TOTALS = ", not for totals (AidData)"
"""Added to a figure's label when AidData does not recommend the record for aggregates (an
umbrella record, or one whose money another record already counts): the app's statistics
total each label apart, so such amounts are shown but not added to the others."""


def _amounts(record: dict) -> dict:
    """The amounts under the columns the figures are read from: ``usd2017`` and ``original``
    for a record AidData recommends for aggregates, ``…_not_for_totals`` for the others."""
    flag = next((_text(record.get(c)) for c in AGGREGATE_COLUMNS if c in record), None)
    apart = flag is not None and flag.lower() == "no"
    usd, original = _cell(record.get("Amount (Constant USD2017)")), _cell(record.get("Amount (Original Currency)"))
    return {
        "usd2017": None if apart else usd, "original": None if apart else original,
        "usd2017_not_for_totals": usd if apart else None, "original_not_for_totals": original if apart else None,
    }


def _status_tag(record: dict) -> str | None:
    status = _text(record.get("Status"))
    return f"status: {status.lower()}" if status else None


def _cell(value: object) -> object:
    if field_map.missing(value):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()  # type: ignore[union-attr]
    return value


def _recipient_filter(recipients: Iterable[str]) -> tuple[set[str], set[str]] | None:
    names = [r for r in recipients if r.strip()]
    if not names:
        return None
    codes = {code for code in (field_map.country_code(r) for r in names) if code}
    return {r.strip().casefold() for r in names}, codes


def _selected(record: dict, wanted, year_from: int | None, year_to: int | None) -> bool:
    if wanted is not None:
        recipient = _text(record.get("Recipient")) or ""
        names, codes = wanted
        if recipient.casefold() not in names and field_map.country_code(recipient) not in codes:
            return False
    if year_from is not None or year_to is not None:
        year = _year(record.get("Commitment Year"))
        if year is None:
            return False
        if (year_from is not None and int(year) < year_from) or (year_to is not None and int(year) > year_to):
            return False
    return True


def _slug_id(stem: str) -> str:
    return field_map.slug(stem) or "aiddata"


def _write_new(path: Path, text: str) -> None:
    """Written whole to a temporary file first, then moved into place: never half a file."""
    temporary = path.with_name(path.name + ".partial")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(path)


SIZE_LABEL = "Amount (constant 2017 USD)"
"""The figure the imported layers size their symbols by (``style: size:``)."""


def _quoted(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _layer_yaml(layer_id: str, name: str, category: str, data_name: str, has_original: bool, has_urls: bool,
                style: tuple[str, str, str]) -> str:
    color, fill, marker = style
    lines = [
        "# Written by 'influencemap import aiddata'. " + "The data file beside it holds AidData's records",
        "# (ODC-By 1.0) with OpenStreetMap-derived shapes (© OpenStreetMap contributors, ODbL 1.0):",
        "# as an adapted extract of that database, the data file stays under the ODbL 1.0.",
        f"id: {layer_id}",
        f"name: {_quoted(name)}",
        f"description: {_quoted(ATTRIBUTION)}",
        f"category: {_quoted(category)}",
        # Symbols sized by the amount (by area), so that large loans stand out; projects without
        # an amount keep the normal size.
        f"style: {{color: \"{color}\", fill: \"{fill}\", opacity: 0.45, marker: {marker}, "
        f"size: {{figure: \"{SIZE_LABEL}\", scale: sqrt, min: 6, max: 34}}}}",
        "sources:",
        f"  - id: {SOURCE_ID}",
        "    title: \"AidData's Global Chinese Development Finance Dataset, Version 2.0\"",
        "    publisher: AidData at William & Mary",
        "    author: \"Custer, S., Dreher, A., Elston, T.B., Fuchs, A., Ghose, S., Lin, J., Malik, A., Parks, B.C., "
        "Russell, B., Solomon, K., Strange, A., Tierney, M.J., Walsh, K., Zaleski, L., and Zhang, S.\"",
        "    date: 2021",
        f"    url: \"{DATASET_PAGE}\"",
        f"data: {_quoted(data_name)}",
        "fields:",
        f"  id: \"aiddata-{{{PROJECT_ID}}}\"",
        "  name: Title",
        "  countries: {column: countries, separator: \"|\"}",
        "  start: start",
        "  end: end",
        "  actors: {columns: [Funding Agencies, Receiving Agencies], separator: \"|\"}",
        "  tags: {column: tags, separator: \"|\"}",
        "  precision: precision",
        "  description: description",
        "  figures:",
    ]
    for suffix, label in (("", ""), ("_not_for_totals", NOT_FOR_TOTALS)):
        lines.append(f"    - {{label: \"{SIZE_LABEL}{label}\", value: usd2017{suffix}, unit: USD}}")
        if has_original:
            lines.append(f"    - {{label: \"Amount (original currency){label}\", value: original{suffix}, unit: {{column: Original Currency}}}}")
    lines.append(f"  locator: \"project {{{PROJECT_ID}}}\"")
    if has_urls:
        lines += [
            "  source_urls: {column: Source URLs, separator: \"|\"}",
            "  source_titles: {column: Source Titles, separator: \"|\"}",
            "  source_publishers: {column: Source Publishers, separator: \"|\"}",
        ]
    lines.append(f"defaults: {{sources: [{SOURCE_ID}]}}")
    return "\n".join(lines) + "\n"
