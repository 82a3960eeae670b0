"""QGIS's side of the PNG benchmark: a standalone PyQGIS script, run with the system python3.

    QT_QPA_PLATFORM=offscreen /usr/bin/python3 benchmarks/qgis_render.py POINTS.geojson OUT.png

Loads the GeoJSON as a vector layer with QGIS's default symbol and renders its extent to a
1600×1000 PNG, as a user's script would. The benchmark times the whole process.
"""

from __future__ import annotations

import sys

from qgis.core import QgsApplication, QgsMapRendererParallelJob, QgsMapSettings, QgsVectorLayer
from qgis.PyQt.QtCore import QSize
from qgis.PyQt.QtGui import QColor


def main() -> int:
    source, out = sys.argv[1], sys.argv[2]
    QgsApplication.setPrefixPath("/usr", True)
    app = QgsApplication([], False)
    app.initQgis()
    layer = QgsVectorLayer(source, "points", "ogr")
    if not layer.isValid():
        print(f"cannot load {source}", file=sys.stderr)
        return 1
    settings = QgsMapSettings()
    settings.setLayers([layer])
    settings.setDestinationCrs(layer.crs())
    settings.setExtent(layer.extent())
    settings.setOutputSize(QSize(1600, 1000))
    settings.setBackgroundColor(QColor("white"))
    job = QgsMapRendererParallelJob(settings)
    job.start()
    job.waitForFinished()
    job.renderedImage().save(out, "png")
    print(f"{layer.featureCount()} features")
    del job, settings, layer  # PyQGIS crashes at exit if these outlive exitQgis
    app.exitQgis()
    return 0


if __name__ == "__main__":
    sys.exit(main())
