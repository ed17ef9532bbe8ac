"""QGIS, the GIS professional's client, adds GeoHub layers through "OGC API - Features"."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.features.conftest import LiveServer
from tests.qgis_client import qgis_available, run_probe

PROBE = Path(__file__).with_name("qgis_probe.py")
pytestmark = pytest.mark.skipif(not qgis_available(), reason="python3-qgis is not installed")


@pytest.mark.parametrize("layer_id", ["buildings", "addresses", "districts"])
def test_qgis_loads_every_feature_of_a_layer(live: LiveServer, layer_id: str, tmp_path: Path) -> None:
    key = live.services.registry.get(layer_id).key
    loaded = run_probe(PROBE, [live.base_url, layer_id, key], tmp_path)
    stored = live.stored(layer_id)
    assert loaded["valid"]
    assert loaded["feature_count"] == len(stored)
    assert sorted(loaded["ids"]) == sorted(str(f.id) for f in stored)  # type: ignore[arg-type]
    assert loaded["crs"] == "EPSG:4326"
    types = loaded["gdal_field_types"]
    assert loaded["gdal_valid"] and isinstance(types, dict)
    schema = {a.name: a.type.value for a in live.services.registry.get(layer_id).public_attributes()}
    expected = {"integer": "Integer", "number": "Real", "string": "String", "datetime": "DateTime"}
    assert {name: types[name] for name in schema} == {n: expected[t] for n, t in schema.items()}
