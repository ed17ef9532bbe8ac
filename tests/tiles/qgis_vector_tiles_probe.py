"""Run by Debian's python3 with QGIS: render a GeoHub XYZ tileset as a QGIS vector tile layer.

Not a test module: tests/tiles/test_qgis_vector_tiles.py starts it as a subprocess, because
QGIS's Python bindings belong to the system interpreter, not to GeoHub's virtualenv.
Prints JSON: whether the layer is valid, its zoom range, and how many sampled pixels it drew.
"""

import json
import os
import sys

from qgis.core import (
    QgsApplication,
    QgsCoordinateReferenceSystem,
    QgsMapRendererSequentialJob,
    QgsMapSettings,
    QgsRectangle,
    QgsVectorTileLayer,
)
from qgis.PyQt.QtCore import QSize
from qgis.PyQt.QtGui import QColor

tile_url, west, south, east, north = sys.argv[1], *map(float, sys.argv[2:6])
application = QgsApplication([], False)
application.initQgis()
layer = QgsVectorTileLayer(f"type=xyz&url={tile_url}&zmin=0&zmax=16", "GeoHub")
settings = QgsMapSettings()
settings.setLayers([layer])
settings.setDestinationCrs(QgsCoordinateReferenceSystem("EPSG:3857"))
settings.setExtent(QgsRectangle(west, south, east, north))
settings.setOutputSize(QSize(512, 512))
settings.setBackgroundColor(QColor(255, 255, 255))
job = QgsMapRendererSequentialJob(settings)
job.start()
job.waitForFinished()
image = job.renderedImage()
white = QColor(255, 255, 255).rgb()
drawn = sum(1 for x in range(0, 512, 8) for y in range(0, 512, 8) if image.pixel(x, y) != white)
print(
    json.dumps(
        {
            "valid": layer.isValid(),
            "minzoom": layer.sourceMinZoom(),
            "maxzoom": layer.sourceMaxZoom(),
            "drawn": drawn,
            "errors": [error.message for error in job.errors()],
        }
    ),
    flush=True,
)
os._exit(0)  # QGIS 3.22 can crash while tearing down; the answer is already printed
