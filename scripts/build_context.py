"""Rebuild the offline map context in ``geodata/``: places, lakes, rivers and region names.

The sources are Natural Earth 1:10m GeoJSON files copied into ``scripts/data/natural-earth/``
(public domain; the GeoJSON conversion is CC0 — see ``geodata/README.md``). The outputs keep only
the columns the renderer and the HTML export read, with lakes and rivers simplified to what a
1:10m source can show, and are byte-for-byte identical on every rerun with the same libraries.

    python scripts/build_context.py [--output-dir DIR]

Writes ``context_places.fgb``, ``context_lakes.fgb``, ``context_rivers.fgb`` and
``context_regions.fgb``.
"""

from __future__ import annotations

import argparse
import os
import re
import tempfile
import unicodedata
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import shapely

REPO_ROOT = Path(__file__).resolve().parent.parent
SOURCE_DIR = REPO_ROOT / "scripts" / "data" / "natural-earth"
DEFAULT_OUTPUT_DIR = REPO_ROOT / "geodata"

SIMPLIFY_DEG = 0.002
"""Lakes and rivers: about 200 m, under the 1:10m source's own accuracy (a 0.5 mm line is 5 km)."""

GRID_DEG = 1e-5
"""Coordinates snapped to about a metre: stable bytes, no false precision kept."""

UKRAINIAN_SPELLINGS = {"Kiev": "Kyiv", "Odessa": "Odesa"}
"""Natural Earth 4.x still spells these Ukrainian names in their Russian form; Ukraine's
official romanisation (also the US BGN's and the UN's since 2019) is used instead, as the
bundled layers do."""

PLACEHOLDER_REGION = re.compile(r"^[A-Z]{3}-\d+")

OUTPUTS = ("context_places.fgb", "context_lakes.fgb", "context_rivers.fgb", "context_regions.fgb")


def _read(name: str) -> gpd.GeoDataFrame:
    with warnings.catch_warnings():
        # The admin-1 file repeats feature ids; GDAL renumbers them and says so.
        warnings.simplefilter("ignore", RuntimeWarning)
        return pyogrio.read_dataframe(f"/vsigzip/{SOURCE_DIR / f'ne_10m_{name}.geojson.gz'}")


def _text(value) -> str:
    return "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value).strip()


def is_latin(text: str) -> bool:
    """True when every letter is Latin (accents allowed): a name every reader can spell out."""
    return bool(text) and all(not ch.isalpha() or "LATIN" in unicodedata.name(ch, "") for ch in text)


def place_name(row) -> str:
    """The English name, else the local Latin one, else its ASCII transliteration."""
    for value in (row.NAME_EN, row.NAME, row.NAMEASCII):
        text = _text(value)
        if is_latin(text):
            return text
    return _text(row.NAMEASCII) or _text(row.NAME)


def places() -> gpd.GeoDataFrame:
    frame = _read("populated_places")
    out = gpd.GeoDataFrame(
        {
            "name": [place_name(row) for row in frame.itertuples(index=False)],
            "scalerank": frame["SCALERANK"].astype("int32"),
            "labelrank": frame["LABELRANK"].astype("int32"),
            "min_zoom": frame["min_zoom"].astype("float64").round(1),
            "pop_max": frame["POP_MAX"].astype("int64"),
            "featurecla": frame["FEATURECLA"].astype(str),
            "iso_a2": frame["ISO_A2"].astype(str),
        },
        geometry=shapely.set_precision(frame.geometry.values, GRID_DEG),
        crs="EPSG:4326",
    )
    out["name"] = _ukrainian_spelling(out["name"], out["iso_a2"])
    out = out[out["name"] != ""]
    # Most important first: the renderer places labels in file order.
    return out.sort_values(["min_zoom", "scalerank", "labelrank", "pop_max", "name"],
                           ascending=[True, True, True, False, True], kind="stable").reset_index(drop=True)


def _ukrainian_spelling(names, codes) -> list[str]:
    return [UKRAINIAN_SPELLINGS.get(n, n) if c == "UA" else n for n, c in zip(names, codes)]


def _simplified(geometries: np.ndarray) -> np.ndarray:
    simplified = shapely.simplify(geometries, SIMPLIFY_DEG, preserve_topology=True)
    return shapely.set_precision(simplified, GRID_DEG)


def lakes() -> gpd.GeoDataFrame:
    frame = _read("lakes")
    geometries = _simplified(shapely.make_valid(frame.geometry.values))
    geometries = np.array([_polygonal(g) for g in geometries], dtype=object)
    out = gpd.GeoDataFrame(
        {
            "name": [_text(v) for v in frame["name"]],
            "scalerank": frame["scalerank"].astype("int32"),
            "min_zoom": frame["min_zoom"].astype("float64").round(1),
        },
        geometry=geometries,
        crs="EPSG:4326",
    )
    out = out[~out.geometry.is_empty]
    return out.sort_values(["min_zoom", "scalerank", "name"], kind="stable").reset_index(drop=True)


def _polygonal(geometry) -> shapely.MultiPolygon:
    parts = [p for p in shapely.get_parts(geometry) if p.geom_type == "Polygon" and not p.is_empty]
    return shapely.MultiPolygon(parts) if parts else shapely.MultiPolygon()


def _lineal(geometry) -> shapely.MultiLineString:
    parts = [p for p in shapely.get_parts(geometry) if p.geom_type == "LineString" and not p.is_empty]
    return shapely.MultiLineString(parts) if parts else shapely.MultiLineString()


def rivers() -> gpd.GeoDataFrame:
    frames = []
    for name, name_column in (("rivers_lake_centerlines", "name_en"), ("rivers_europe", "name")):
        frame = _read(name)
        names = [_text(en) or _text(local) for en, local in zip(frame[name_column], frame["name"])]
        frames.append(
            gpd.GeoDataFrame(
                {
                    "name": names,
                    "scalerank": frame["scalerank"].fillna(12).astype("int32"),
                    "min_zoom": frame["min_zoom"].astype("float64").round(1),
                },
                geometry=frame.geometry.values,
                crs="EPSG:4326",
            )
        )
    out = gpd.GeoDataFrame(np.concatenate([f.values for f in frames]), columns=frames[0].columns)
    out = gpd.GeoDataFrame(out, geometry="geometry", crs="EPSG:4326")
    out["scalerank"] = out["scalerank"].astype("int32")
    out["min_zoom"] = out["min_zoom"].astype("float64")
    geometries = _simplified(out.geometry.values)
    out = out.set_geometry(gpd.GeoSeries([_lineal(g) for g in geometries], index=out.index, crs="EPSG:4326"))
    out = out[~out.geometry.is_empty]
    return out.sort_values(["min_zoom", "scalerank", "name"], kind="stable").reset_index(drop=True)


def regions() -> gpd.GeoDataFrame:
    """One label point per first-level region (the source repeats some regions' points)."""
    frame = _read("admin_1_label_points")
    frame = frame.sort_values(["adm1_code", "OBJECTID_1"], kind="stable").drop_duplicates("adm1_code")
    names = [_text(v) for v in frame["name"]]
    out = gpd.GeoDataFrame(
        {
            "name": names,
            "scalerank": frame["scalerank"].astype("int32"),
            "iso_a2": frame["iso_a2"].astype(str),
        },
        geometry=shapely.set_precision(frame.geometry.values, GRID_DEG),
        crs="EPSG:4326",
    )
    out["name"] = _ukrainian_spelling(out["name"], out["iso_a2"])
    # Unnamed bits are named by code ("KAZ-99 (Kazakhstan minor island)"): no use as a label.
    out = out[[is_latin(n) and not PLACEHOLDER_REGION.match(n) for n in out["name"]]]
    return out.sort_values(["scalerank", "iso_a2", "name"], kind="stable").reset_index(drop=True)


def write(frame: gpd.GeoDataFrame, output: Path, geometry_type: str) -> None:
    """FlatGeobuf without its spatial index: rows stay in priority order and bytes are stable."""
    output.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(prefix=".context-", suffix=".fgb", dir=output.parent)
    os.close(handle)
    temp = Path(temp_name)
    temp.unlink()  # the driver refuses to overwrite; it needs a fresh path
    try:
        pyogrio.write_dataframe(
            frame, temp, driver="FlatGeobuf", layer=output.stem, geometry_type=geometry_type,
            layer_options={"SPATIAL_INDEX": "NO"},
        )
        os.replace(temp, output)
    finally:
        temp.unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output-dir", type=Path, default=DEFAULT_OUTPUT_DIR, help=f"where to write (default: {DEFAULT_OUTPUT_DIR})")
    args = parser.parse_args(argv)
    for name, build, kind in zip(OUTPUTS, (places, lakes, rivers, regions), ("Point", "MultiPolygon", "MultiLineString", "Point")):
        frame = build()
        path = args.output_dir / name
        write(frame, path, kind)
        coordinates = int(np.sum(shapely.get_num_coordinates(frame.geometry.values)))
        print(f"{path}: {len(frame)} rows, {coordinates} coordinates, {path.stat().st_size / 1e6:.2f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
