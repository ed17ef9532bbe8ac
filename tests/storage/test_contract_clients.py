"""The FeatureStore contract seen by others: concurrent readers, and GDAL reading the store directly."""

from __future__ import annotations

import re
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import shapely
from psycopg.conninfo import conninfo_to_dict
from pyogrio.raw import read

from geohub.storage.base import Feature, FeatureQuery, FeatureStore
from geohub.storage.geopackage import GeopackageStore
from tests.storage.conftest import BUILDINGS, Dataset, building_features, ids_of

# readers during a write -----------------------------------------------------------------------
Observation = tuple[bool, int, int, list[str]]  # (during the write?, count, number_matched, page ids)


class VersionSwap:
    """Writes a new version in a thread, pausing half-way until the reader has looked a few times."""

    def __init__(self, store: FeatureStore, new: list[Feature], pause_at: int) -> None:
        self.store, self.new, self.pause_at = store, new, pause_at
        self.started, self.finished, self.looked = threading.Event(), threading.Event(), threading.Event()
        self.errors: list[BaseException] = []
        self.thread = threading.Thread(target=self._write)

    def _features(self) -> Iterator[Feature]:
        self.started.set()
        for i, feature in enumerate(self.new):
            if i == self.pause_at:
                self.looked.wait(timeout=30)
            yield feature

    def _write(self) -> None:
        try:
            self.store.write_version(BUILDINGS, self._features())
        except BaseException as exc:  # reported by the test
            self.errors.append(exc)
        finally:
            self.finished.set()


def _read_until_swapped(store: FeatureStore, swap: VersionSwap, rounds: int = 5_000) -> list[Observation]:
    observations: list[Observation] = []
    for _ in range(rounds):
        after = swap.finished.is_set()
        started = swap.started.is_set()
        page = store.query(BUILDINGS, FeatureQuery(bbox=(-180, -90, 180, 90), limit=25))
        count = store.count(BUILDINGS)
        # the writer cannot commit before the reader sets `looked`: until then the write is open
        during = started and not swap.looked.is_set()
        observations.append((during, count, page.number_matched, ids_of(page.features)))
        if sum(o[0] for o in observations) >= 5:
            swap.looked.set()
        if after:
            break
    return observations


def test_readers_see_the_old_or_the_new_version_never_a_mixture(store: FeatureStore) -> None:
    everything = building_features()
    old, new = everything[:1_000], everything[1_000:]
    store.write_version(BUILDINGS, old)
    swap = VersionSwap(store, new, pause_at=6_000)  # after the first 5,000-feature batch went in

    swap.thread.start()
    try:
        observations = _read_until_swapped(store, swap)
    finally:
        swap.looked.set()
        swap.thread.join(timeout=120)

    assert swap.errors == []
    assert sum(o[0] for o in observations) >= 5, "the reader looked while the write was under way"
    old_ids, new_ids = set(ids_of(old)), set(ids_of(new))
    for _, count, matched, page in observations:
        assert count in (len(old), len(new))
        assert (matched, set(page) <= old_ids) in ((len(old), True), (len(new), False))
        assert set(page) <= old_ids or set(page) <= new_ids
    assert all(o[1:3] == (len(old), len(old)) for o in observations if o[0])
    assert store.count(BUILDINGS) == len(new)


# GDAL as a client -----------------------------------------------------------------------------
def gdal_source(store: FeatureStore, request: pytest.FixtureRequest) -> tuple[str, str]:
    """The GDAL data source name of the store, and the prefix of its tables' layer names."""
    if isinstance(store, GeopackageStore):
        return str(store.path), ""
    info = conninfo_to_dict(request.getfixturevalue("postgis_url"))
    keys = ("dbname", "host", "port", "user", "password")
    return "PG:" + " ".join(f"{k}={info[k]}" for k in keys if info.get(k)), "geohub."


def ogrinfo(source: str, *layers: str) -> subprocess.CompletedProcess[str]:
    arguments = ["-so", source, *layers] if layers else ["-so", "-al", source]
    return subprocess.run(["ogrinfo", *arguments], capture_output=True, text=True, timeout=60, check=False)


def _layer_summaries(stdout: str) -> dict[str, dict[str, str]]:
    blocks = re.split(r"^Layer name: ", stdout, flags=re.MULTILINE)[1:]
    facts = re.compile(r"^(Geometry|Feature Count|Extent): (.*)$", re.MULTILINE)
    return {block.splitlines()[0]: dict(facts.findall(block)) for block in blocks}


def _write_two_versions(store: FeatureStore, buildings: Dataset) -> tuple[list[Feature], list[Feature]]:
    first, second = list(buildings.features), list(buildings.features[:150])
    store.write_version(BUILDINGS, first)
    store.write_version(BUILDINGS, second)
    return first, second


def test_gdal_reads_every_version_table_with_its_count_and_extent(
    store: FeatureStore, buildings: Dataset, request: pytest.FixtureRequest
) -> None:
    first, second = _write_two_versions(store, buildings)
    source, prefix = gdal_source(store, request)
    tables = [f"{prefix}{BUILDINGS.id}_v1", f"{prefix}{BUILDINGS.id}_v2"]

    result = ogrinfo(source, *([] if prefix == "" else tables))

    assert result.returncode == 0, result.stderr
    assert "ERROR" not in result.stderr
    summaries = _layer_summaries(result.stdout)
    for table, features in zip(tables, (first, second), strict=True):
        assert summaries[table]["Geometry"] == "Multi Polygon"
        assert int(summaries[table]["Feature Count"]) == len(features)
        extent = [float(v) for v in re.findall(r"-?\d+\.\d+", summaries[table]["Extent"])]
        bounds = shapely.total_bounds(shapely.from_wkb([f.geometry for f in features]))
        assert extent == pytest.approx(bounds.tolist(), abs=1e-6)


def test_gdal_copies_out_the_features_that_were_written(
    store: FeatureStore, buildings: Dataset, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """GDAL's ogr2ogr copies the current version table out of the store; the copy is what went in."""
    _, second = _write_two_versions(store, buildings)
    source, prefix = gdal_source(store, request)
    copy = tmp_path / "copy.gpkg"

    result = subprocess.run(
        ["ogr2ogr", "-f", "GPKG", str(copy), source, f"{prefix}{BUILDINGS.id}_v2", "-nln", "copy"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    meta, _, geometries, columns = read(copy, layer="copy")
    fields = dict(zip(meta["fields"], columns, strict=True))
    assert list(fields["osm_ref"]) == ids_of(second)
    assert list(fields["street"]) == [f.properties["street"] for f in second]
    sent = shapely.from_wkb([f.geometry for f in second])
    assert shapely.equals_exact(shapely.from_wkb(np.asarray(geometries)), sent, tolerance=1e-12).all()


def test_gdal_opens_the_live_store_without_warnings(
    store: FeatureStore, buildings: Dataset, request: pytest.FixtureRequest
) -> None:
    """While the store is open (as it is under a running server), GDAL finds nothing to complain of."""
    _write_two_versions(store, buildings)
    source, prefix = gdal_source(store, request)

    result = ogrinfo(source, f"{prefix}{BUILDINGS.id}_v2")

    assert result.returncode == 0
    assert result.stderr == ""
