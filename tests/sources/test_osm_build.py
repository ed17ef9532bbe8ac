"""The OSM build: data/almaty/build.sh run from Python over the shipped pbf gives the shipped data."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyogrio
import pytest

from geohub.errors import ConfigurationError, InvalidDataError
from geohub.layers.models import Source
from geohub.sources.osm import build_osm_extract
from geohub.sources.read import read_source
from tests.conftest import DEMO_DATA

SHIPPED = sorted(DEMO_DATA.glob("*.gpkg"))
needs_gdal_tools = pytest.mark.skipif(shutil.which("ogr2ogr") is None, reason="needs gdal-bin (ogr2ogr)")


def _counts(path: Path) -> dict[str, int]:
    return {
        str(name): int(pyogrio.read_info(path, layer=name)["features"])
        for name, _ in pyogrio.list_layers(path)
    }


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("osm") / "out"
    assert build_osm_extract(DEMO_DATA / "almaty.osm.pbf", out) == out
    return out


@needs_gdal_tools
def test_build_gives_the_shipped_geopackages(built: Path) -> None:
    assert sorted(p.name for p in built.glob("*.gpkg")) == [p.name for p in SHIPPED]
    for shipped in SHIPPED:
        assert _counts(built / shipped.name) == _counts(shipped), shipped.name
    assert not (built / "dem.tif").exists() or (DEMO_DATA / "N43E076.hgt").exists()


@needs_gdal_tools
def test_osm_source_reads_a_built_layer(built: Path) -> None:
    data = read_source(Source(kind="osm", path=Path("parking.gpkg"), layer="parking_points"), built)
    shipped = read_source(Source(kind="osm", path=Path("parking.gpkg"), layer="parking_points"), DEMO_DATA)
    assert sorted(data.columns["osm_id"]) == sorted(shipped.columns["osm_id"])


@needs_gdal_tools
def test_build_leaves_the_shipped_data_alone(built: Path) -> None:
    """Building elsewhere writes nothing next to build.sh."""
    assert all(p.stat().st_mtime < built.stat().st_mtime for p in SHIPPED)


def test_a_file_that_is_not_a_pbf_is_refused(tmp_path: Path) -> None:
    fake = tmp_path / "city.osm.pbf"
    fake.write_text('<?xml version="1.0"?><osm version="0.6"></osm>')
    with pytest.raises(InvalidDataError, match=r"city.osm.pbf is not an OpenStreetMap PBF file"):
        build_osm_extract(fake, tmp_path / "out")
    with pytest.raises(InvalidDataError, match=r"The OSM file missing.osm.pbf does not exist"):
        build_osm_extract(tmp_path / "missing.osm.pbf", tmp_path / "out")


def test_missing_ogr2ogr_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # a PATH where no GDAL tool lives
    with pytest.raises(ConfigurationError, match=r"needs GDAL's command-line tools ogr2ogr .*gdal-bin"):
        build_osm_extract(DEMO_DATA / "almaty.osm.pbf", tmp_path / "out")
