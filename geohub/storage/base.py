"""The FeatureStore protocol and the plain values it takes and returns."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any, Protocol

import numpy as np
import shapely

from geohub.errors import InvalidBboxError, InvalidRequestError
from geohub.layers.models import LayerDefinition
from geohub.messages import tr

Bbox = tuple[float, float, float, float]
Digests = bytes | Callable[[], bytes]  # the ETL's digests, or a callable giving them before commit
MAX_PAGE_SIZE = 10_000


@dataclass(frozen=True)
class Feature:
    """A feature: its id (the layer key's value), WKB geometry in lon/lat WGS 84, properties."""

    id: str
    geometry: bytes
    properties: Mapping[str, Any]


@dataclass(frozen=True)
class FeatureTable:
    """Validated features in columns, ready to store (the fast path of ETL writes).

    `geometries`: shapely geometries of the layer's type, 2D, lon/lat WGS 84;
    `columns`: every attribute of the layer -> its values, already coerced to the attribute type.
    """

    geometries: np.ndarray
    columns: Mapping[str, Sequence[Any]]
    known_wkbs: np.ndarray | None = field(default=None, repr=False, compare=False)  # see `wkbs`

    def __len__(self) -> int:
        return len(self.geometries)

    @cached_property
    def wkbs(self) -> np.ndarray:
        """The geometries as WKB, made once for all who need them (an import's digests, while
        the store COPYs the same rows): `known_wkbs` when the reader gave them (the source's own
        bytes, 0.2 s fewer on 305k polygons), else encoded here."""
        if self.known_wkbs is not None:
            return self.known_wkbs
        return shapely.to_wkb(self.geometries, include_srid=False)


@dataclass(frozen=True)
class SortKey:
    name: str
    ascending: bool = True


@dataclass(frozen=True)
class FeatureQuery:
    """Which features to read: a bbox (lon/lat), equalities, a CQL2 filter, a page, an order."""

    bbox: Bbox | None = None
    where: Mapping[str, Any] = field(default_factory=dict)
    filter: Any = None  # a checked CQL2-JSON tree, compiled by each backend (storage/cql_sql.py)
    limit: int = 10
    offset: int = 0
    sort: tuple[SortKey, ...] = ()

    @property
    def selects_everything(self) -> bool:
        """True when no bbox, equality or filter narrows the result (the count is known)."""
        return self.bbox is None and not self.where and self.filter is None

    def __post_init__(self) -> None:
        if self.bbox is not None:
            check_bbox(self.bbox)
        if not 0 <= self.limit <= MAX_PAGE_SIZE:
            raise InvalidRequestError(
                tr("limit must be between 0 and {max_page_size}.", max_page_size=MAX_PAGE_SIZE)
            )
        if self.offset < 0:
            raise InvalidRequestError(tr("offset must not be negative."))


@dataclass(frozen=True)
class FeaturePage:
    features: list[Feature]
    number_matched: int


@dataclass(frozen=True)
class LayerVersion:
    """One stored version of a layer."""

    layer_id: str
    version: int
    created_at: datetime
    feature_count: int
    extent: Bbox | None
    is_current: bool
    source_fingerprint: str
    note: str


@dataclass(frozen=True)
class EditedVersion:
    """An item edit published in place: the version, the touched rows' envelopes (before and after,
    for the tiles to drop), and whether its digests should be stored whole (`store_digests`)."""

    version: LayerVersion
    boxes: list[Bbox]
    store_digests: bool


@dataclass(frozen=True)
class DerivedDigests:
    """An edited version's digests, as its chain keeps them: a stored version's digests, then the
    features that differ at this version (upserted) and the keys it lacks (deleted)."""

    base: bytes
    upserts: list[Feature]
    deletes: list[str]


@dataclass(frozen=True)
class TileLayerRequest:
    """One layer of a vector tile: what to read and how much detail this zoom keeps."""

    layer: LayerDefinition
    name: str  # the MVT layer name
    attributes: tuple[str, ...]  # attributes carried at this zoom
    simplify_m: float = 0.0  # simplification tolerance, Web Mercator metres (0: none)
    min_size_deg: float = 0.0  # polygons whose envelope is smaller on both sides are dropped
    keep: tuple[str, tuple[str, ...]] | None = None  # only features whose attribute is one of these
    labels: bool = False  # one label point per polygon instead of the polygons, in one tile only


@dataclass(frozen=True)
class TileRequest:
    """A Mapbox Vector Tile to encode: its address, its Web Mercator bounds, its layers."""

    z: int
    x: int
    y: int
    bounds_3857: Bbox
    layers: tuple[TileLayerRequest, ...]
    extent: int = 4096
    buffer: int = 64
    # (layer id, published version) the tile shows, as the tile service read them; empty: the
    # versions published now
    versions: tuple[tuple[str, int], ...] = ()


class FeatureStore(Protocol):
    """What every storage backend offers; both pass tests/storage/ unchanged."""

    backend: str

    def check(self) -> None:
        """Raise StorageUnavailableError unless the store answers."""

    def write_version(
        self,
        layer: LayerDefinition,
        features: Iterable[Feature] | FeatureTable,
        *,
        source_fingerprint: str = "",
        note: str = "",
        publish: bool = True,
        digests: Digests = b"",
    ) -> LayerVersion:
        """Store `features` as a new version, all or nothing; publish it when asked.

        `digests` is the ETL's per-feature fingerprint of the version (etl/digest.py), kept
        beside it so the next import can diff without reading every feature back; a callable
        is called after the rows are in, so the caller can compute them while they stream.
        """

    def write_derived_version(
        self,
        layer: LayerDefinition,
        base_version: int,
        upserts: FeatureTable,
        deletes: Sequence[str],
        *,
        note: str = "",
        publish: bool = True,
        digests: Digests = b"",
    ) -> LayerVersion:
        """A new version: `base_version`'s features without the `deletes` keys and the keys of
        `upserts`, plus `upserts` — copied inside the database, all or nothing."""

    def delete_version(self, layer_id: str, version: int) -> None:
        """Drop a version that is not published (a discarded import); ConflictError for the current one."""

    def version_digests(self, layer_id: str, version: int) -> bytes:
        """The digests stored with a version (b"" when it was written without them)."""

    def edit_version(
        self,
        layer: LayerDefinition,
        base_version: int,
        upserts: FeatureTable,
        deletes: Sequence[str],
        *,
        note: str = "",
    ) -> EditedVersion | None:
        """Publish an item edit of the published `base_version` in place, as a new version that
        shares its table, with the touched rows logged so that rollback and every older read stay
        (ConflictError when another version was published meanwhile); None when the table cannot
        take it in place (then write_derived_version does)."""

    def derived_digests(self, layer: LayerDefinition, version: int) -> DerivedDigests | None:
        """An edited version's digests as the store derives them (None: stored whole or not at all)."""

    def store_digests(self, layer_id: str, version: int, digests: bytes) -> None:
        """Keep a version's digests whole (so its edits' digests derive from a near version)."""

    def read_version(self, layer: LayerDefinition, version: int) -> Iterator[Feature]:
        """Every feature of one stored version, published or not, in key order."""

    def publish_version(self, layer_id: str, version: int) -> LayerVersion:
        """Make `version` the one readers see (also how a rollback is done)."""

    def versions(self, layer_id: str) -> list[LayerVersion]:
        """Every stored version of a layer, newest first."""

    def current_version(self, layer_id: str) -> LayerVersion | None:
        """The published version, or None when the layer has none."""

    def published_versions(self) -> dict[str, int]:
        """Layer id -> its published version number, for every layer with one (one small query)."""

    def query(self, layer: LayerDefinition, query: FeatureQuery) -> FeaturePage:
        """A page of the current version's features in a stable order, with the match count."""

    def get(self, layer: LayerDefinition, feature_id: str) -> Feature:
        """One feature of the current version by id, or FeatureNotFoundError."""

    def count(self, layer: LayerDefinition, query: FeatureQuery | None = None) -> int:
        """How many current features match (all when `query` is None)."""

    def extent(self, layer_id: str) -> Bbox | None:
        """The current version's extent in lon/lat, None when empty or unpublished."""

    def stored_schema(self, layer_id: str) -> dict[str, str]:
        """Column name -> attribute type of the current version."""

    def render_tile(self, request: TileRequest) -> bytes:
        """The tile's MVT bytes (empty when no layer has a feature there)."""

    def close(self) -> None:
        """Release connections."""


def bbox_union(boxes: Sequence[Bbox]) -> Bbox | None:
    """The smallest box holding every box (None for none)."""
    if not boxes:
        return None
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def check_bbox(bbox: Bbox) -> None:
    """Raise InvalidBboxError unless bbox is four finite numbers, min <= max, lon/lat range."""
    if len(bbox) != 4 or not all(isinstance(v, int | float) and math.isfinite(v) for v in bbox):
        raise InvalidBboxError(tr("bbox must be four finite numbers: minx,miny,maxx,maxy."))
    minx, miny, maxx, maxy = bbox
    if minx > maxx or miny > maxy:
        raise InvalidBboxError(tr("bbox minimum must not exceed its maximum."))
    if not (-180 <= minx <= 180 and -180 <= maxx <= 180 and -90 <= miny <= 90 and -90 <= maxy <= 90):
        raise InvalidBboxError(tr("bbox must lie within -180..180, -90..90 (lon/lat)."))


def check_where(layer: LayerDefinition, where: Mapping[str, Any]) -> None:
    """Raise InvalidRequestError when a filter names an attribute the layer lacks."""
    for name in where:
        if layer.attribute(name) is None:
            raise InvalidRequestError(
                tr("Layer '{layer}' has no attribute '{name}'.", layer=layer.id, name=name)
            )


def check_sort(layer: LayerDefinition, sort: Iterable[SortKey]) -> None:
    """Raise InvalidRequestError when a sort key names an attribute the layer lacks."""
    for key in sort:
        if layer.attribute(key.name) is None:
            raise InvalidRequestError(
                tr("Layer '{layer}' cannot be sorted by '{key}'.", layer=layer.id, key=str(key.name))
            )
