"""Run by Debian's python3 with QGIS: load a GeoHub layer through QGIS's OAPIF provider, print JSON.

Not a test module: tests/features/test_qgis.py starts it as a subprocess, because QGIS's
Python bindings belong to the system interpreter, not to GeoHub's virtualenv.
"""

import json
import os
import sys

from qgis.core import QgsApplication, QgsVectorLayer

base_url, layer_name, key = sys.argv[1], sys.argv[2], sys.argv[3]
application = QgsApplication([], False)
application.initQgis()
layer = QgsVectorLayer(f"url='{base_url}' typename='{layer_name}'", layer_name, "OAPIF")
ids = [str(feature[key]) for feature in layer.getFeatures()] if layer.isValid() else []
# the same layer through QGIS's GDAL/OGR provider (Layer → Add Vector Layer → Protocol), whose
# OAPIF driver types the fields from the collection's JSON Schema; QGIS 3.22's own OAPIF provider
# guesses them from the first page of features instead
through_gdal = QgsVectorLayer(f"OAPIF:{base_url}|layername={layer_name}", layer_name, "ogr")
print(
    json.dumps(
        {
            "valid": layer.isValid(),
            "feature_count": layer.featureCount(),
            "ids": ids,
            "fields": [field.name() for field in layer.fields()],
            "gdal_valid": through_gdal.isValid(),
            "gdal_field_types": {field.name(): field.typeName() for field in through_gdal.fields()},
            "crs": layer.crs().authid(),
            "title": layer.name(),
        }
    ),
    flush=True,
)
os._exit(0)  # QGIS 3.22 can crash while tearing down; the answer is already printed
