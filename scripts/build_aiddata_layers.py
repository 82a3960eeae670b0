"""Rebuild the bundled AidData layers (layers/aiddata-*.yaml and their .geojson data files).

Usage: python scripts/build_aiddata_layers.py RELEASE_DIR

RELEASE_DIR holds, from AidData's repository ``aiddata/china-osm-geodata`` at commit
23ac34d2232318b242a6c62e241c08b4be9236b1 (unchanged copies):

- ``geojsons/<project id>.geojson`` — the per-project files of the 2.0 geospatial release
  (``latest/geojsons/``) for the 343 projects in our region (Belarus, Ukraine, Moldova, Russia,
  Georgia, Armenia, Azerbaijan, Kazakhstan, Kyrgyz Republic, Tajikistan, Turkmenistan,
  Uzbekistan, Mongolia);
- ``AidDatasGlobalChineseMilitaryFinanceDataset.xlsx`` (``input_data/2.0release/``);
- ``military_combined_global.geojson.zip`` (``latest/``).

The project's maintainers keep such a copy (with LICENSE.md and the release README) outside
the repository; the project never reads it at run time or in tests. The script runs the same
importer as ``influencemap import aiddata`` and then adds the schema line the bundled layers
carry. Shapes are simplified to SIMPLIFY_DEG (topology kept) and snapped to 1e-5° so the
bundled data stays small; the numbers it prints are those docs/performance.md records.
"""

from __future__ import annotations

import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from influencemap.importers.aiddata import import_aiddata  # noqa: E402

LAYERS = ROOT / "layers"
SIMPLIFY_DEG = 0.0002
"""About 20 m: a building keeps its outline, a road or pipeline its course."""
REGION = (
    "Belarus", "Ukraine", "Moldova", "Russia", "Georgia", "Armenia", "Azerbaijan", "Kazakhstan",
    "Kyrgyz Republic", "Tajikistan", "Turkmenistan", "Uzbekistan", "Mongolia",
)
SCHEMA_LINE = "# yaml-language-server: $schema=../schema/layer.schema.json\n"


def _with_schema_line(path: Path) -> None:
    path.write_text(SCHEMA_LINE + path.read_text(encoding="utf-8"), encoding="utf-8")


def main(argv: list[str]) -> int:
    if len(argv) != 1 or not Path(argv[0]).is_dir():
        print(__doc__, file=sys.stderr)
        return 2
    release = Path(argv[0])
    began = time.perf_counter()
    gcdf = import_aiddata(
        LAYERS / "aiddata-gcdf.yaml", geojsons=release / "geojsons", recipients=REGION,
        layer_id="aiddata-gcdf", name="Chinese development finance projects (AidData)",
        category="Economy", simplify=SIMPLIFY_DEG, overwrite=True,
    )
    with tempfile.TemporaryDirectory() as folder:
        with zipfile.ZipFile(release / "military_combined_global.geojson.zip") as archive:
            archive.extract("military_combined_global.geojson", folder)
        military = import_aiddata(
            LAYERS / "aiddata-military.yaml", geojsons=Path(folder),
            xlsx=release / "AidDatasGlobalChineseMilitaryFinanceDataset.xlsx", recipients=REGION,
            layer_id="aiddata-military", name="Chinese military finance projects (AidData)",
            category="Security", simplify=SIMPLIFY_DEG, overwrite=True,
            style=("#542788", "#b2abd2", "triangle"),  # apart from the development finance layer's red
        )
    for result in (gcdf, military):
        _with_schema_line(result.layer_path)
        size = result.data_path.stat().st_size
        print(
            f"{result.layer_path.name}: {result.records} records, {result.placed_at_country} at their country, "
            f"{result.data_path.name} {size / 1e6:.2f} MB"
        )
        for warning in result.warnings:
            print(f"  warning: {warning}")
    print(f"built in {time.perf_counter() - began:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
