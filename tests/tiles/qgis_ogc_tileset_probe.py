"""Run by Debian's python3 with QGIS: find a collection's vector tiles through OGC API – Tiles, then
draw them as a QGIS vector tile layer (XYZ), keeping only the features an expression selects.

Not a test module: tests/tiles/test_qgis_vector_tiles.py starts it as a subprocess. QGIS 3.22 has
no OGC API – Tiles client of its own (its vector tile layers read XYZ templates, MBTiles and ArcGIS
VectorTileServer), so the probe does what a 3.22 user does by hand: it follows the collection's
`tilesets-vector` link to the WebMercatorQuad tileset, turns the tileset's `item` template
(`{tileMatrix}/{tileRow}/{tileCol}`) into an XYZ one and takes the zoom range from its layers.
Prints JSON: the layer source, whether it is valid, its zoom range, and how many sampled pixels
the selected features drew.
"""

import json
import os
import sys
import urllib.request
from typing import Any

from qgis.core import (
    QgsApplication,
    QgsCoordinateReferenceSystem,
    QgsFillSymbol,
    QgsMapRendererSequentialJob,
    QgsMapSettings,
    QgsRectangle,
    QgsVectorTileBasicRenderer,
    QgsVectorTileBasicRendererStyle,
    QgsVectorTileLayer,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QSize
from qgis.PyQt.QtGui import QColor

TILESETS_VECTOR = "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector"
MVT = "application/vnd.mapbox-vector-tile"


def get_json(url: str) -> Any:
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def link(document: dict[str, Any], rel: str, media_type: str) -> str:
    return str(next(x["href"] for x in document["links"] if x["rel"] == rel and x.get("type") == media_type))


def xyz_source(collection_url: str) -> str:
    """The QGIS XYZ vector tile source of the collection's WebMercatorQuad tileset."""
    tilesets = get_json(link(get_json(collection_url), TILESETS_VECTOR, "application/json"))["tilesets"]
    [tileset] = [t for t in tilesets if t["tileMatrixSetURI"].endswith("/WebMercatorQuad")]
    metadata = get_json(link(tileset, "self", "application/json"))
    template = link(metadata, "item", MVT)
    for ogc, xyz in (("{tileMatrix}", "{z}"), ("{tileRow}", "{y}"), ("{tileCol}", "{x}")):
        template = template.replace(ogc, xyz)
    zmin = min(int(layer["minTileMatrix"]) for layer in metadata["layers"])
    zmax = max(int(layer["maxTileMatrix"]) for layer in metadata["layers"])
    return f"type=xyz&url={template}&zmin={zmin}&zmax={zmax}"


collection_url, layer_id, expression = sys.argv[1:4]
west, south, east, north = map(float, sys.argv[4:8])
application = QgsApplication([], False)
application.initQgis()
source = xyz_source(collection_url)
layer = QgsVectorTileLayer(source, "GeoHub")
style = QgsVectorTileBasicRendererStyle(layer_id, layer_id, QgsWkbTypes.PolygonGeometry)
style.setSymbol(QgsFillSymbol.createSimple({"color": "0,0,0", "outline_style": "no"}))
style.setFilterExpression(expression)
renderer = QgsVectorTileBasicRenderer()
renderer.setStyles([style])
layer.setRenderer(renderer)
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
drawn = sum(1 for x in range(0, 512, 4) for y in range(0, 512, 4) if image.pixel(x, y) != white)
print(
    json.dumps(
        {
            "source": source,
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
