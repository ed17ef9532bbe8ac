"""The synthetic city-scale generator: deterministic, labelled synthetic, inside the real districts."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pyogrio
import pytest
import shapely

from geohub.settings import PROJECT_ROOT


@pytest.fixture(scope="module")
def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "generate_city", PROJECT_ROOT / "bench" / "generate_city.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def small_city(
    generator: ModuleType, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dict[str, int]]:
    out = tmp_path_factory.mktemp("bench") / "city.gpkg"
    counts = generator.generate(out, parcels=1500, addresses=800, edges=2500)
    return out, counts


def test_small_run_has_at_least_the_requested_counts(small_city: tuple[Path, dict[str, int]]) -> None:
    path, counts = small_city
    assert counts["parcels"] >= 1500 and counts["addresses"] == 800 and counts["pedestrian_edges"] >= 2500
    for layer, count in counts.items():
        assert pyogrio.read_info(path, layer=layer)["features"] == count


def test_every_feature_is_labelled_synthetic(small_city: tuple[Path, dict[str, int]]) -> None:
    path, counts = small_city
    for layer in counts:
        _, _, _, (synthetic,) = pyogrio.raw.read(
            path, layer=layer, columns=["synthetic"], read_geometry=False
        )
        assert synthetic.all(), layer


def test_parcels_are_valid_and_inside_the_real_districts(small_city: tuple[Path, dict[str, int]]) -> None:
    path, _ = small_city
    _, _, wkb, _ = pyogrio.raw.read(path, layer="parcels")
    parcels = shapely.from_wkb(wkb)
    assert shapely.is_valid(parcels).all()
    _, _, district_wkb, _ = pyogrio.raw.read(
        PROJECT_ROOT / "data" / "almaty" / "districts.gpkg", layer="districts"
    )
    city = shapely.union_all(shapely.from_wkb(district_wkb)).buffer(1e-6)
    assert shapely.within(shapely.point_on_surface(parcels), city).all()


def test_same_seed_gives_the_same_features(
    generator: ModuleType, small_city: tuple[Path, dict[str, int]], tmp_path: Path
) -> None:
    path, _ = small_city
    again = tmp_path / "again.gpkg"
    generator.generate(again, parcels=1500, addresses=800, edges=2500)
    assert generator.feature_digest(again) == generator.feature_digest(path)
    other = tmp_path / "other.gpkg"
    generator.generate(other, seed=7, parcels=1500, addresses=800, edges=2500)
    assert generator.feature_digest(other) != generator.feature_digest(path)
