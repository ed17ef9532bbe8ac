"""The import pipeline at store level: map fields → derive → validate → digest → diff → write.

`prepare_import` does everything short of writing and is what a dry run reports;
`import_layer` is the whole pipeline for one layer's declared source (the demo load, bench).
Records, publishing decisions and the audit log live in etl/service.py above this.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd
import shapely

from geohub.errors import InvalidDataError
from geohub.etl.columns import ColumnChoices, ColumnMatch, match_columns
from geohub.etl.derive import area_m2, district_of
from geohub.etl.digest import (
    LayerChanges,
    Snapshot,
    compare,
    merge_snapshot,
    snapshot_of_table,
    version_snapshot,
)
from geohub.etl.modes import Mode, deletion_rows, without_existing
from geohub.etl.validate import Validated, validate_rows
from geohub.layers.models import LayerDefinition
from geohub.layers.registry import LayerRegistry
from geohub.messages import Message, stored, tr
from geohub.settings import EtlSettings
from geohub.sources.read import SourceData, read_source, source_fingerprint
from geohub.storage.base import FeatureQuery, FeatureStore, FeatureTable, LayerVersion

T = TypeVar("T")
DISTRICTS_LAYER = "districts"
SHAPE_TOLERANCE_DEG = 1e-7  # ~1 cm: closer vertices are the same shape
FEW_FEATURES = 200  # up to this many are fetched one by one, more by reading the version


class PreparedImport:
    """An import read and validated, its digests being computed, not yet written.

    The digests are computed in a worker thread (shapely and pandas release the GIL), so a
    first import streams into the store while they are made: `snapshot` waits for them,
    `changes` diffs them against the live version on first use. `columns` says how the
    source's columns met the layer's attributes (etl/columns.py).

    In a mode other than replace (etl/modes.py) the table holds the rows to upsert, `deletes`
    the keys to remove, and `snapshot` is the combined version's: the live digests with the
    upload's merged in, so nothing is read back from the store.
    """

    columns: ColumnMatch | None = None

    def __init__(
        self,
        layer: LayerDefinition,
        validated: Validated,
        base_version: int | None,
        source_crs: str,
        store: FeatureStore,
        mode: Mode = "replace",
        deletes: list[str] | None = None,
    ) -> None:
        self.layer = layer
        self.mode = mode
        self.deletes = deletes or []
        self.base_version = base_version
        self.source_crs = source_crs
        self._store = store
        self._same_shape_keys: set[str] = set()  # of the base, other bits only (set by `changes`)
        self.validated = without_existing(layer, validated, self.base) if mode == "append" else validated
        self._digests = _in_thread(_digests_of, layer, self.validated.table)

    @cached_property
    def base(self) -> Snapshot:
        """The digests of the version the import is diffed against (empty when the layer has none)."""
        return version_snapshot(self._store, self.layer, self.base_version)

    @cached_property
    def snapshot(self) -> Snapshot:
        upload = self._digests.result()[0]
        if self.mode == "replace":
            return upload
        return merge_snapshot(self.base, upload, self.deletes)

    @cached_property
    def changes(self) -> LayerChanges:
        store, layer, base = self._store, self.layer, self.base_version
        if base is None:
            return compare(self.base, self.snapshot)
        same_shapes = _same_shapes(store, layer, base, self.validated.table)

        def same(keys: list[str]) -> set[str]:
            found = same_shapes(keys)
            self._same_shape_keys = found
            return found

        return compare(self.base, self.snapshot, same)

    def stored_snapshot(self) -> Snapshot:
        """The digests to store with the version: a feature whose shape is the base's within the
        tolerance (other bits only) keeps the base's geometry hash, so that publishing, which
        compares the stored digests, counts it unchanged as the import's report did (and drops
        no cached tile for it)."""
        _ = self.changes  # finds the keys of the same shapes
        if not self._same_shape_keys:
            return self.snapshot
        snapshot = self.snapshot
        rows = np.flatnonzero(np.isin(snapshot.keys, list(self._same_shape_keys)))
        at_base = pd.Index(self.base.keys).get_indexer(snapshot.keys[rows])
        hashes = snapshot.hashes.copy()
        hashes[rows, 0] = self.base.hashes[at_base, 0]
        return Snapshot(snapshot.keys, hashes, snapshot.bounds)

    @property
    def valid_rows(self) -> int:
        """The rows the import applies: its valid features, or the keys a delete removes."""
        return len(self.deletes) if self.mode == "delete" else len(self.validated.table)

    def encoded_snapshot(self) -> bytes:
        """The digests to store with the version (a callable the store runs before it commits)."""
        snapshot = self.stored_snapshot()
        if self.mode == "replace" and snapshot is self.snapshot:
            return self._digests.result()[1]
        return snapshot.encode()

    def write(self, *, source_fingerprint: str, note: str) -> LayerVersion:
        """Stage the combined version, unpublished: a replace writes the table (while its digests
        are made), another mode copies the live version inside the database with the upload's
        rows upserted and its keys removed."""
        store, layer = self._store, self.layer
        if self.mode == "replace" or self.base_version is None:
            return store.write_version(
                layer,
                self.validated.table,
                source_fingerprint=source_fingerprint,
                note=note,
                publish=False,
                digests=self.encoded_snapshot,
            )
        return store.write_derived_version(
            layer,
            self.base_version,
            self.validated.table,
            self.deletes,
            note=note,
            publish=False,
            digests=self.encoded_snapshot,
        )

    def report(self, max_problems: int) -> dict[str, Any]:
        """The report body: counts, each bad row (up to `max_problems`), repairs, the diff."""
        validated = self.validated
        return {
            "counts": {
                "read": validated.total,
                "valid": self.valid_rows,
                "invalid": validated.invalid_rows,
                "repaired": validated.repaired,
            },
            "problems": [p.to_json() for p in validated.problems[:max_problems]],
            "problemsTotal": len(validated.problems),
            "repairedRows": stored(validated.repaired_rows[:max_problems]),
            "changes": self.changes.summary(),
            "columns": None if self.columns is None else stored(self.columns.to_json()),
            "mode": self.mode,
        }


@dataclass(frozen=True)
class ImportResult:
    """What `import_layer` did: the version it wrote, or that nothing changed."""

    layer_id: str
    version: int
    feature_count: int
    unchanged: bool
    changes: LayerChanges


class _RowLabels(Sequence[Message]):
    """Row labels made on demand (a city layer has hundreds of thousands of rows)."""

    def __init__(self, data: SourceData) -> None:
        self._data = data

    def __len__(self) -> int:
        return len(self._data)

    def __getitem__(self, index: int) -> Message:  # type: ignore[override]
        return self._data.row_label(index)


def prepare_import(
    layer: LayerDefinition,
    data: SourceData,
    store: FeatureStore,
    registry: LayerRegistry,
    settings: EtlSettings,
    *,
    repair: bool = True,
    mode: Mode = "replace",
    choices: ColumnChoices | None = None,
    saved: ColumnChoices | None = None,
) -> PreparedImport:
    """Map, derive, validate and diff `data` for `layer` against its live version; `mode`
    says how the upload combines with it (etl/modes.py)."""
    current = store.current_version(layer.id)
    base = None if current is None else current.version
    if mode == "delete":
        live = version_snapshot(store, layer, base)
        validated, deletes = deletion_rows(layer, data, live)
        prepared = PreparedImport(layer, validated, base, data.source_crs, store, mode, deletes)
        prepared.base = live  # already read
        return prepared
    match = match_columns(layer, list(data.columns), choices, saved=saved)
    columns = mapped_columns(layer, data, match) | derived_columns(layer, data.geometries, store, registry)
    geometries = data.geometries
    validated = validate_rows(
        layer,
        geometries,
        columns,
        row_labels=_RowLabels(data),
        read_problems=data.row_problems,
        city_bounds=settings.city_bounds,
        repair=repair,
        source_wkbs=data.wkbs,
    )
    prepared = PreparedImport(layer, validated, base, data.source_crs, store, mode)
    prepared.columns = match
    return prepared


def import_layer(
    layer: LayerDefinition,
    store: FeatureStore,
    registry: LayerRegistry,
    base_dir: Path,
    settings: EtlSettings | None = None,
) -> ImportResult:
    """Import `layer` from its declared source and publish it, unless nothing changed.

    Refuses (InvalidDataError) a source with invalid rows: a declared source is the city's
    own data and must be clean; uploads choose for themselves (etl/service.py).
    """
    if layer.source is None:
        raise InvalidDataError(tr("Layer '{layer}' has no source to import from.", layer=layer.id))
    fingerprint = source_fingerprint(layer, base_dir)
    current = store.current_version(layer.id)
    if current is not None and current.source_fingerprint == fingerprint:
        return ImportResult(layer.id, current.version, current.feature_count, True, LayerChanges())
    data = read_source(layer.source, base_dir)
    prepared = prepare_import(
        layer, data, store, registry, settings or EtlSettings(), repair=layer.source.repair_geometry
    )
    problems = prepared.validated.problems
    if problems:
        first = problems[0]
        raise InvalidDataError(
            tr(
                "Layer '{layer}': {invalid_rows} rows of {label} are invalid; the first: {row}, "
                "{field}: {reason}.",
                layer=layer.id,
                invalid_rows=prepared.validated.invalid_rows,
                label=layer.source.label,
                row=first.row,
                field=first.field,
                reason=first.reason,
            )
        )
    if current is not None and not prepared.changes.any:
        return ImportResult(layer.id, current.version, current.feature_count, True, prepared.changes)
    version = store.write_version(  # a first import is written while its digests are made
        layer,
        prepared.validated.table,
        source_fingerprint=fingerprint,
        note=f"imported from {layer.source.label}",
        digests=prepared.encoded_snapshot,
    )
    return ImportResult(layer.id, version.version, version.feature_count, False, prepared.changes)


def derived_columns(
    layer: LayerDefinition, geometries: Any, store: FeatureStore, registry: LayerRegistry
) -> dict[str, list[Any]]:
    """The attributes the layer derives from geometry (area, district), None where none is."""
    derived = layer.source.derive if layer.source is not None else ()
    columns: dict[str, list[Any]] = {}
    if not derived:
        return columns
    present = ~(shapely.is_missing(geometries) | shapely.is_empty(geometries))
    if "area_m2" in derived:
        columns["area_m2"] = _where_present(present, area_m2, geometries)
    if "district" in derived:
        shapes, ids = district_shapes(store, registry)
        columns["district"] = _where_present(present, lambda g: district_of(g, shapes, ids), geometries)
    return columns


def mapped_columns(layer: LayerDefinition, data: SourceData, match: ColumnMatch) -> dict[str, list[Any]]:
    """Source columns renamed to the layer's attributes, as `match` found them (a mapping, the
    `fields` map, else the same name, matched without regard to case when only one column has it)."""
    fields = layer.source.fields if layer.source is not None else {}
    derived = set(layer.source.derive) if layer.source is not None else set()
    columns: dict[str, list[Any]] = {}
    for attribute in layer.attributes:
        if attribute.name in derived:
            continue
        source_name = fields.get(attribute.name, attribute.name)
        found = match.sources.get(attribute.name)
        if found is not None:
            columns[attribute.name] = data.columns[found]
        elif attribute.required and _likely_source(match, attribute.name):
            raise InvalidDataError(
                tr(
                    "The source of layer '{layer}' has no field '{field}' for '{attribute}'; column "
                    "{column} looks like it: map it to '{attribute}'.",
                    layer=layer.id,
                    field=source_name,
                    attribute=attribute.name,
                    column=_likely_source(match, attribute.name),
                )
            )
        elif attribute.required:
            raise InvalidDataError(
                tr(
                    "The source of layer '{layer}' has no field '{field}' for '{attribute}' (it "
                    "has: {fields}).",
                    layer=layer.id,
                    field=source_name,
                    attribute=attribute.name,
                    fields=", ".join(sorted(data.columns)) or "no fields",
                )
            )
    return columns


def _likely_source(match: ColumnMatch, attribute: str) -> str | None:
    """The unmapped column whose first suggestion is `attribute`, if one is."""
    return next((u.column for u in match.blocking if u.suggestions[0].attribute == attribute), None)


def district_shapes(store: FeatureStore, registry: LayerRegistry) -> tuple[list[shapely.Geometry], list[str]]:
    """The published district polygons and their ids (empty before districts are loaded)."""
    if DISTRICTS_LAYER not in registry.layers or store.current_version(DISTRICTS_LAYER) is None:
        return [], []
    districts = registry.get(DISTRICTS_LAYER)
    page = store.query(districts, FeatureQuery(limit=1000))
    return [shapely.from_wkb(f.geometry) for f in page.features], [f.id for f in page.features]


def import_order(registry: LayerRegistry) -> list[LayerDefinition]:
    """Layers with a source, districts first (others derive their district from it)."""
    layers = [layer for layer in registry if layer.source is not None]
    return sorted(layers, key=lambda layer: layer.id != DISTRICTS_LAYER)


def _in_thread(function: Callable[..., T], *args: Any) -> Future[T]:
    """`function(*args)` in a thread of its own (one per import: safe across gunicorn's fork,
    which a pool made before the fork is not)."""
    future: Future[T] = Future()

    def run() -> None:
        try:
            future.set_result(function(*args))
        except BaseException as error:  # handed to whoever waits for the result
            future.set_exception(error)

    threading.Thread(target=run, name="geohub-digest", daemon=True).start()
    return future


def _digests_of(layer: LayerDefinition, table: FeatureTable) -> tuple[Snapshot, bytes]:
    snapshot = snapshot_of_table(layer, table)
    return snapshot, snapshot.encode()


def _same_shapes(
    store: FeatureStore, layer: LayerDefinition, version: int, table: FeatureTable
) -> Callable[[list[str]], set[str]]:
    """Which of the given keys have the same shape in `version` and `table` within
    SHAPE_TOLERANCE_DEG (their stored bits differ: a re-export through a projected CRS)."""

    def same(keys: list[str]) -> set[str]:
        wanted = set(keys)
        rows = {str(k): i for i, k in enumerate(table.columns[layer.key]) if str(k) in wanted}
        if len(wanted) <= FEW_FEATURES:
            stored = {key: store.get(layer, key) for key in wanted}
        else:
            stored = {f.id: f for f in store.read_version(layer, version) if f.id in wanted}
        names = sorted(stored)
        old = shapely.from_wkb([stored[name].geometry for name in names])
        new = table.geometries[[rows[name] for name in names]]
        # normalized: a Shapefile turns rings the other way round and starts them elsewhere
        equal = shapely.equals_exact(
            shapely.normalize(old), shapely.normalize(new), tolerance=SHAPE_TOLERANCE_DEG
        )
        return {name for name, same_shape in zip(names, equal.tolist(), strict=True) if same_shape}

    return same


def _where_present(present: Any, derive: Any, geometries: Any) -> list[Any]:
    """`derive` over the rows that have a geometry; None for the others."""
    values: list[Any] = [None] * len(geometries)
    if present.any():
        for index, value in zip(present.nonzero()[0].tolist(), derive(geometries[present]), strict=True):
            values[index] = value
    return values
