"""The ``influencemap`` command: the desktop app, and validate / list / export for scripts.

Every sub-command takes files or folders; with none, it uses the bundled ``layers/``.
Problems are printed as ``FILE:LINE:COL: error: message``, never as a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Sequence

from influencemap import __version__

PAPER_CHOICES = ("a4-landscape", "a4-portrait", "a3-landscape", "a3-portrait")
LEGEND_CHOICES = ("auto", "off", "top-left", "top-right", "bottom-left", "bottom-right")

SUBCOMMANDS = ("validate", "list", "stats", "export", "new-layer", "gui", "check-quotes", "import")

EXPORT_FORMATS = {
    ".geojson": "geojson",
    ".json": "geojson",
    ".html": "html",
    ".htm": "html",
    ".png": "image",
    ".svg": "image",
    ".pdf": "image",
}

LIST_CSV_COLUMNS = ("layer", "id", "name", "geometry", "start", "end", "countries", "figures", "sources")
"""``influencemap list --csv``'s columns: the keys of ``list --json``."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="influencemap",
        description=(
            "Sourced maps of China's political and economic influence across Eurasia. "
            "With no sub-command, opens the desktop app on PATHs (default: the bundled layers)."
        ),
        epilog="Run 'influencemap COMMAND --help' for a command's options.",
    )
    parser.add_argument("--version", action="version", version=f"influencemap {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    gui = commands.add_parser("gui", help="open the desktop app (the default)")
    _add_paths(gui)
    _add_basemap(gui)
    _add_data_access(gui)

    validate = commands.add_parser(
        "validate",
        help="check layer files; exit 1 when there are errors",
        description="Check layer files and print one line per problem as FILE:LINE:COL: error: message.",
    )
    _add_paths(validate)
    _add_data_access(validate)
    validate.add_argument(
        "--strict", action="store_true",
        help="treat warnings as errors; also warn about citations without a locator and check quotes against archived copies",
    )
    validate.add_argument("-q", "--quiet", action="store_true", help="print problems only, no summary")

    quotes = commands.add_parser(
        "check-quotes",
        help="check every quote against its source's archived copy; exit 1 when one is not found",
        description=(
            "Look for every quote of a citation in the archived copy of its source (archive: in the source), "
            "after normalising whitespace, quote marks, dashes, soft hyphens and hyphenation at line breaks. "
            "Prints FILE:LINE:COL: warning: quote not found ... for each quote that is not there, and lists "
            "the cited sources without an archive as unchecked."
        ),
    )
    _add_paths(quotes)

    listing = commands.add_parser("list", help="list the features", description="List the features of the layers.")
    _add_paths(listing)
    _add_data_access(listing)
    _add_filters(listing)
    formats = listing.add_mutually_exclusive_group()
    formats.add_argument("--json", action="store_true", help="print a JSON array, one object per feature")
    formats.add_argument(
        "--csv", action="store_true",
        help=f"print CSV ({','.join(LIST_CSV_COLUMNS)}); lists in a cell are separated by '; '",
    )

    stats = commands.add_parser(
        "stats",
        help="counts per layer and country, figures totalled per label and unit",
        description="Print statistics of the (filtered) features: counts per layer and per "
        "country, and figures totalled per label and unit per country and per year (shares, ratios "
        "and rates are listed, never summed).",
    )
    _add_paths(stats)
    _add_data_access(stats)
    _add_filters(stats)
    stats.add_argument("--csv", action="store_true", help="print CSV (table,group,label,unit,value)")

    export = commands.add_parser(
        "export",
        help="export to GeoJSON, HTML or an image",
        description="Export the features; the output file's extension chooses the format "
        "(.geojson, .html, .png, .svg, .pdf). Images and PDFs are map sheets: title, map, legend, "
        "the map's places numbered with a key, and the numbered sources.",
    )
    _add_paths(export)
    _add_data_access(export)
    _add_filters(export)
    export.add_argument("-o", "--output", required=True, type=Path, metavar="OUT", help="the file to write")
    export.add_argument("--title", help="the map's title")
    export.add_argument("--subtitle", help="a line under the title")
    export.add_argument("--cdn", action="store_true", help="HTML: load libraries from CDNs (smaller file, needs network)")
    sheet = export.add_argument_group("map sheet (PNG, SVG, PDF)")
    export.add_argument("--notes", help="notes: a paragraph under a sheet's map, a panel of the HTML map (line breaks kept)")
    sheet.add_argument("--size", metavar="WxH", help="size in pixels (default 1600x1000 unless --paper is given)")
    sheet.add_argument("--paper", choices=tuple(PAPER_CHOICES), help="a paper size; with --dpi it sets the pixel size")
    sheet.add_argument("--dpi", type=int, default=150, metavar="N", help="dots per inch, 72-600 (default 150)")
    sheet.add_argument("--bbox", metavar="MINLON,MINLAT,MAXLON,MAXLAT", help="the area to draw (default: see --extent)")
    sheet.add_argument("--extent", choices=("evidence", "all"), default="evidence",
                       help="without --bbox: where most features are (default) or all of them")
    sheet.add_argument("--legend", choices=LEGEND_CHOICES, default="auto", help="legend position (default auto)")
    export.add_argument("--sources-list", choices=("on", "off"), default="on",
                        help="the numbered sources: under a sheet's map, in the HTML map's panel and popups (default on)")
    sheet.add_argument("--scale-bar", choices=("on", "off"), default="on", help="a scale bar on the map (default on)")
    _add_basemap(export)

    new_layer = commands.add_parser(
        "new-layer",
        help="create a layer file from the template",
        description="Create a layer file from the template, with the schema line on top. "
        "Never overwrites an existing file.",
    )
    new_layer.add_argument("id", metavar="ID", help="the layer id: lowercase letters, digits, hyphens")
    new_layer.add_argument("--name", help="the layer's name (default: from the id)")
    new_layer.add_argument("--category", default="Other", help="the layers panel group (default: Other)")
    new_layer.add_argument("-o", "--output", type=Path, metavar="FILE", help="the file to create (default: ID.yaml)")
    _add_import(commands)
    return parser


def _add_import(commands) -> None:
    importer = commands.add_parser(
        "import", help="convert a published dataset into a layer file", description="Convert a published dataset into a layer file plus its data file."
    )
    kinds = importer.add_subparsers(dest="dataset", metavar="DATASET", required=True)
    aiddata = kinds.add_parser(
        "aiddata",
        help="AidData's Global Chinese Development Finance releases (per-project GeoJSONs and/or a dataset .xlsx)",
        description=(
            "Write OUT.yaml and its data file OUT.geojson from AidData's per-project GeoJSON folder "
            "(the 2.0 geospatial release) and/or a dataset spreadsheet (.xlsx), joined by project id. "
            "Records without a shape are placed at their recipient country (precision: country)."
        ),
    )
    aiddata.add_argument("--geojsons", type=Path, metavar="DIR", help="folder of <project id>.geojson files (or combined GeoJSONs)")
    aiddata.add_argument("--xlsx", type=Path, metavar="FILE", help="a dataset spreadsheet: its rows are the records")
    aiddata.add_argument("--recipient", nargs="+", default=[], metavar="NAME", help="only these recipients (names as AidData writes them, or ISO codes)")
    aiddata.add_argument("--from", dest="year_from", type=int, metavar="YEAR", help="only commitments from this year on")
    aiddata.add_argument("--to", dest="year_to", type=int, metavar="YEAR", help="only commitments up to this year")
    aiddata.add_argument("--id", dest="layer_id", metavar="ID", help="the layer id (default: from OUT's name)")
    aiddata.add_argument("--name", metavar="NAME", help="the layer's name")
    aiddata.add_argument("--category", default="Economy", help="the layers panel group (default: Economy)")
    aiddata.add_argument("--simplify", type=float, metavar="DEGREES", help="simplify shapes to this tolerance (topology kept)")
    aiddata.add_argument("--overwrite", action="store_true", help="replace OUT.yaml and OUT.geojson if they exist")
    aiddata.add_argument("-o", "--output", type=Path, required=True, metavar="OUT.yaml", help="the layer file to write")


def _import(args) -> int:
    from influencemap.importers import aiddata
    from influencemap.model.loader import load_catalog

    try:
        result = aiddata.import_aiddata(
            args.output, geojsons=args.geojsons, xlsx=args.xlsx, recipients=args.recipient,
            year_from=args.year_from, year_to=args.year_to, layer_id=args.layer_id, name=args.name,
            category=args.category, simplify=args.simplify, overwrite=args.overwrite,
        )
    except aiddata.ImportError_ as exc:
        raise _UsageError(str(exc)) from None
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    catalog = load_catalog([str(result.layer_path)], include_bundled_sources=False)
    for problem in catalog.problems:
        print(problem.format())
    errors = len(catalog.errors)
    print(
        f"wrote {result.layer_path} and {result.data_path.name}: {result.records} records "
        f"({result.placed_at_country} placed at their country), {len(result.warnings)} warnings; "
        f"the layer loads with {catalog.feature_count} features, {errors} errors"
    )
    return 1 if errors else 0


def _add_paths(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", metavar="PATH", help="layer files or folders (default: the bundled layers)")


def _add_data_access(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--allow-outside-data",
        action="store_true",
        help="let a bulk layer's 'data:' file lie outside the layer's folder (refused by default: "
        "a layer bundle from someone else must not read your other files)",
    )


def _add_basemap(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--basemap", default=None, metavar="BASEMAP",
        help="offline (default), osm, opentopomap, xyz:URL_TEMPLATE ({z}/{x}/{y}, optional {s}) or "
        "mbtiles:FILE; online tiles are fetched only when chosen",
    )


def _basemap(args):
    from influencemap.geo.basemaps import BasemapError, parse_basemap

    if args.basemap is None:
        return None
    try:
        return parse_basemap(args.basemap)
    except BasemapError as exc:
        raise _UsageError(f"--basemap: {exc}") from None


def _add_filters(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("filters")
    group.add_argument("--from", dest="date_from", metavar="DATE", help="YYYY[-MM[-DD]], inclusive")
    group.add_argument("--to", dest="date_to", metavar="DATE", help="YYYY[-MM[-DD]], inclusive (--to 2020 covers all of 2020)")
    group.add_argument("--undated", action="store_true", help="keep undated features while a date filter is set")
    group.add_argument("--country", action="append", default=[], metavar="CC", help="features located in this country (repeatable)")
    group.add_argument("--tag", action="append", default=[], metavar="TAG", help="features with this tag (repeatable)")
    group.add_argument("--layers", metavar="ID,ID", help="only these layers")


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if not args_list or (args_list[0] not in SUBCOMMANDS and (not args_list[0].startswith("-") or args_list[0].startswith(("--basemap", "--allow-outside-data")))):
        args_list.insert(0, "gui")
    parser = build_parser()
    args = parser.parse_args(args_list)
    try:
        if args.command == "gui":
            return _run_gui(args.paths, _basemap(args), args.allow_outside_data)
        if args.command == "validate":
            return _validate(args)
        if args.command == "list":
            return _list(args)
        if args.command == "check-quotes":
            return _check_quotes(args)
        if args.command == "stats":
            return _stats(args)
        if args.command == "export":
            return _export(args)
        if args.command == "new-layer":
            return _new_layer(args)
        if args.command == "import":
            return _import(args)
    except _UsageError as exc:
        print(f"influencemap: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # Whoever read the output stopped early (`influencemap list | head`): not an error to
        # show. Point stdout at nothing so that the flush at exit does not raise again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    parser.print_help()
    return 2


class _UsageError(Exception):
    pass


def _load(paths: Sequence[str], allow_outside_data: bool = False):
    from influencemap.model.loader import load_catalog

    missing = [p for p in paths if not Path(p).exists()]
    if missing:
        raise _UsageError(f"no such file or folder: {', '.join(missing)}")
    return load_catalog(paths or None, allow_outside_data=allow_outside_data)


def _validate(args) -> int:
    catalog = _load(args.paths, args.allow_outside_data)
    problems = list(catalog.problems)
    if args.strict:
        from influencemap.model.quote_check import check_quotes
        from influencemap.model.strict import strict_problems

        problems += strict_problems(catalog) + check_quotes(catalog).problems
        problems.sort(key=lambda p: (p.origin.path, p.origin.line, p.origin.col))
    for problem in problems:
        print(problem.format())
    errors = sum(p.is_error for p in problems)
    warnings = len(problems) - errors
    failed = errors > 0 or (args.strict and warnings > 0)
    if not args.quiet:
        layers = len(catalog.layers)
        summary = (
            f"{layers} layer{'s' * (layers != 1)}, {catalog.feature_count} features, "
            f"{len(catalog.sources)} sources: {errors} error{'s' * (errors != 1)}, "
            f"{warnings} warning{'s' * (warnings != 1)}"
        )
        print(summary, file=sys.stderr)
    return 1 if failed else 0


def _check_quotes(args) -> int:
    from influencemap.model.quote_check import check_quotes

    catalog = _load(args.paths)
    for problem in catalog.errors:
        print(problem.format(), file=sys.stderr)
    report = check_quotes(catalog)
    for problem in report.problems:
        print(problem.format())
    for source_id in report.unchecked:
        print(f"unchecked: source '{source_id}' has no archive", file=sys.stderr)
    found, missing = len(report.results) - len(report.not_found), len(report.not_found)
    archives = len({r.archive for r in report.results})
    print(
        f"{len(report.results)} quote{'s' * (len(report.results) != 1)} checked in {archives} "
        f"archive{'s' * (archives != 1)}: {found} found, {missing} not found; "
        f"{len(report.unchecked)} cited source{'s' * (len(report.unchecked) != 1)} unchecked (no archive)",
        file=sys.stderr,
    )
    return 1 if report.failed else 0


def _filter_from_args(args):
    from influencemap.model.dates import DateError, parse_partial_date
    from influencemap.model.filters import FeatureFilter

    for value, option in ((args.date_from, "--from"), (args.date_to, "--to")):
        if value is not None:
            try:
                parse_partial_date(value)
            except DateError as exc:
                raise _UsageError(f"{option}: {exc}") from None
    layers = frozenset(x.strip() for x in args.layers.split(",") if x.strip()) if args.layers else frozenset()
    return FeatureFilter(
        date_from=args.date_from,
        date_to=args.date_to,
        include_undated=args.undated,
        countries=frozenset(c.upper() for c in args.country),
        tags=frozenset(args.tag),
        layers=layers,
    )


def _load_filtered(args):
    feature_filter = _filter_from_args(args)
    catalog = _load(args.paths, args.allow_outside_data)
    for problem in catalog.problems:
        print(problem.format(), file=sys.stderr)
    unknown = feature_filter.layers - {layer.id for layer in catalog.layers}
    if unknown:
        raise _UsageError(f"--layers: no layer with id {', '.join(sorted(unknown))}")
    return feature_filter.apply(catalog)


def list_rows(catalog) -> list[dict]:
    """One plain row per feature, as ``list --json`` prints it: the figures as written
    (``{label, value, unit}``), the sources as a count."""
    return [
        {
            "layer": f.layer_id,
            "id": f.id,
            "name": f.name,
            "geometry": f.kind.value,
            "start": f.start,
            "end": f.end,
            "countries": list(f.countries),
            "figures": [{"label": g.label, "value": g.value, "unit": g.unit} for g in f.figures],
            "sources": len(f.citations),
            "dating": f.dating,
            "actors": list(f.actors),
        }
        for f in catalog.features()
    ]


def figure_text(figure: dict) -> str:
    """``Loan: 1180000000 USD``: a figure in one CSV cell, its value exact (no rounding, no
    thousands separators, so a spreadsheet can split it back)."""
    from influencemap.model.csv_table import number_text

    unit = f" {figure['unit']}" if figure["unit"] else ""
    return f"{figure['label']}: {number_text(figure['value'])}{unit}"


def list_csv(rows: list[dict]) -> str:
    """``list --csv``: the rows of :func:`list_rows` through the one CSV writer."""
    from influencemap.model.csv_table import to_csv

    return to_csv(
        LIST_CSV_COLUMNS,
        (
            [row["layer"], row["id"], row["name"], row["geometry"], row["start"], row["end"],
             "; ".join(row["countries"]), "; ".join(figure_text(g) for g in row["figures"]), row["sources"]]
            for row in rows
        ),
    )


def _list(args) -> int:
    catalog = _load_filtered(args)
    rows = list_rows(catalog)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return 0
    if args.csv:
        sys.stdout.write(list_csv(rows))
        return 0
    for row in rows:
        dates = row["start"] or ""
        if row["start"] and row["end"] != row["start"]:
            dates = f"{row['start']}..{row['end'] or ''}"
        if dates and row["dating"] != "stated":
            dates += f" ({row['dating']})"
        print(
            "\t".join(
                [row["layer"], row["id"], row["name"], row["geometry"], dates,
                 ",".join(row["countries"]), f"{row['sources']} source{'s' * (row['sources'] != 1)}"]
            )
        )
    return 0


def _stats(args) -> int:
    from influencemap.model.stats import statistics, to_csv, to_text

    rows = statistics(_load_filtered(args))
    sys.stdout.write(to_csv(rows) if args.csv else to_text(rows))
    return 0


def _export(args) -> int:
    out: Path = args.output
    kind = EXPORT_FORMATS.get(out.suffix.lower())
    if kind is None:
        raise _UsageError(f"cannot tell the format from '{out.name}': use .geojson, .html, .png, .svg or .pdf")
    if not out.parent.exists():
        raise _UsageError(f"the folder {out.parent} does not exist")
    from influencemap.fileio import write_target

    try:
        write_target(out)  # a folder or a read-only file: refused before loading and drawing
    except OSError as exc:
        raise _UsageError(str(exc)) from None
    basemap = _basemap(args)
    catalog = _load_filtered(args)
    try:
        warnings = _write_export(kind, catalog, out, args, basemap)
    except OSError as exc:  # the disk is full, the folder went away, ...
        print(f"influencemap: error: could not write {out}: {exc}", file=sys.stderr)
        return 1
    for warning in warnings:
        print(f"influencemap: warning: {warning}", file=sys.stderr)
    print(f"wrote {out} ({catalog.feature_count} features)", file=sys.stderr)
    return 0


def _write_export(kind: str, catalog, out: Path, args, basemap) -> list[str]:
    """Write the export; returns warnings (tiles that could not be had)."""
    warnings: list[str] = []
    if kind == "geojson":
        from influencemap.export.geojson import write_geojson

        write_geojson(catalog, out)
    elif kind == "html":
        from influencemap.export.html import HtmlOptions, write_html

        options = HtmlOptions(title=args.title, subtitle=args.subtitle, notes=args.notes, cdn=args.cdn,
                              sources_list=args.sources_list != "off")
        if basemap is not None and basemap.kind == "mbtiles":
            warnings.append("an HTML page cannot link tiles inside an MBTiles file; it uses the offline basemap")
        elif basemap is not None:
            from dataclasses import replace

            options = replace(options, basemap=basemap.spec)
        write_html(catalog, out, options)
    else:
        from influencemap.export.image import write_sheet

        options = _sheet_options(args)
        report = write_sheet(catalog, out, options, basemap=basemap)
        warnings += report.warnings
        if report.left_out:
            warnings.append(f"{report.left_out} key and source entries did not fit the image; "
                            "a PDF continues them on further pages")
    return warnings


def _sheet_options(args):
    """The map sheet's options from the command line (the export dialog makes the same ones)."""
    from influencemap.render.layout_spec import LayoutError, LayoutOptions

    if args.size and args.paper:
        raise _UsageError("give --size or --paper, not both")
    bbox = _parse_bbox(args.bbox)
    options = LayoutOptions(
        size=args.paper or "custom",
        custom_size=_parse_size(args.size or "1600x1000"),
        dpi=args.dpi,
        extent="bbox" if bbox else args.extent,
        bbox=bbox,
        title=args.title or "",
        subtitle=args.subtitle or "",
        notes=args.notes or "",
        legend=args.legend,
        scale_bar=args.scale_bar == "on",
        sources_list=args.sources_list == "on",
    )
    try:
        return options.checked()
    except LayoutError as exc:
        raise _UsageError(str(exc)) from None


def _parse_size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise _UsageError(f"--size must be WIDTHxHEIGHT like 1600x1000, not '{text}'") from None
    if not (16 <= width <= 20000 and 16 <= height <= 20000):
        raise _UsageError("--size must be between 16 and 20000 pixels each way")
    return width, height


def _parse_bbox(text: str | None) -> tuple[float, float, float, float] | None:
    if text is None:
        return None
    try:
        minlon, minlat, maxlon, maxlat = (float(v) for v in text.split(","))
    except ValueError:
        raise _UsageError(f"--bbox must be MINLON,MINLAT,MAXLON,MAXLAT, not '{text}'") from None
    if not (-180 <= minlon < maxlon <= 180 and -90 <= minlat < maxlat <= 90):
        raise _UsageError("--bbox must have min < max, longitudes in -180..180 and latitudes in -90..90")
    return minlon, minlat, maxlon, maxlat


def _new_layer(args) -> int:
    from influencemap.editing.layer_file import create_layer_file
    from influencemap.editing.yaml_text import EditError
    from influencemap.model.schema import IDENTIFIER

    if not IDENTIFIER.match(args.id):
        raise _UsageError(f"invalid layer id '{args.id}': use lowercase letters, digits and hyphens")
    out: Path = args.output or Path(f"{args.id}.yaml")
    if not out.parent.exists():
        raise _UsageError(f"the folder {out.parent} does not exist")
    name = args.name or args.id.replace("-", " ").capitalize()
    try:
        create_layer_file(out, args.id, name, args.category)
    except EditError as exc:
        raise _UsageError(str(exc)) from None
    print(f"created {out}", file=sys.stderr)
    return 0


def _run_gui(paths: Sequence[str], basemap=None, allow_outside_data: bool = False) -> int:
    missing = [p for p in paths if not Path(p).exists()]
    if missing:
        raise _UsageError(f"no such file or folder: {', '.join(missing)}")
    from influencemap.ui.app import run_app

    return run_app(list(paths), basemap=basemap, allow_outside_data=allow_outside_data)
