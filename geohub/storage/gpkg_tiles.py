"""Embedded vector tiles: each published layer version kept in memory, indexed, clipped per tile."""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from pyproj import Transformer

from geohub.layers.models import GeometryType, LayerDefinition
from geohub.storage import edit_log
from geohub.storage import gpkg_format as gpkg
from geohub.storage.base import TileLayerRequest, TileRequest
from geohub.storage.mvt import TileLayer, encode_tile
from geohub.storage.values import from_storage

_TO_3857 = Transformer.from_crs(4326, 3857, always_xy=True)
_POINTS = (GeometryType.point, GeometryType.multipoint)


PATCHED_SHARE = 0.05  # an index patched with more new rows than this share of it is built again
PATCHED_MOST = 5_000  # and so is one patched with more than this many


@dataclass(frozen=True)
class LayerTileIndex:
    """A layer version in memory: fids, Web Mercator geometries, lon/lat envelopes, an STRtree.

    After an item edit the index is patched, not built again (seconds on 305k parcels): the rows
    the edit replaced are `hidden`, and its rows are appended, in a small tree of their own."""

    fids: np.ndarray
    geometries: np.ndarray
    envelopes: np.ndarray  # (n, 4) lon/lat: minx, miny, maxx, maxy
    columns: dict[str, list[Any]]
    tree: shapely.STRtree  # over the first `tree_size` rows
    labels: np.ndarray | None = None  # (n, 2) Web Mercator label points of a layer with `labels`
    hidden: np.ndarray | None = None  # (n,) bool: rows edits replaced or removed
    extra_tree: shapely.STRtree | None = None  # over the rows edits appended
    positions: dict[Any, int] = field(default_factory=dict)  # key -> row, once a patch needed it

    @property
    def tree_size(self) -> int:
        return len(self.fids) - (0 if self.extra_tree is None else len(self.extra_tree.geometries))

    def query(self, box: shapely.Geometry) -> np.ndarray:
        """The rows whose geometry's envelope meets `box`, in row order."""
        hits = self.tree.query(box)
        if self.extra_tree is not None:
            hits = np.concatenate([hits, self.extra_tree.query(box) + self.tree_size])
        if self.hidden is not None:
            hits = hits[~self.hidden[hits]]
        return np.sort(hits)

    def shown(self, rows: np.ndarray) -> np.ndarray:
        """Of `rows`, those no edit hid."""
        return rows if self.hidden is None else rows[~self.hidden[rows]]


@dataclass(frozen=True)
class TableState:
    """A published layer version as tiles read it: its table, the version the table holds, the
    layer as that version stores it (an item edit changes a table in place under a new version)."""

    table: str
    version: int
    layer: LayerDefinition


class TileIndexes:
    """The LayerTileIndex of each layer's live version, built on first use; a new version
    replaces the old one's index, so memory stays one index per layer."""

    def __init__(self) -> None:
        self._indexes: dict[str, tuple[str, int, LayerTileIndex]] = {}  # layer id -> (table, version, index)
        self._lock = threading.Lock()

    def get(self, conn: sqlite3.Connection, state: TableState) -> LayerTileIndex:
        layer_id = state.layer.id
        found = self._indexes.get(layer_id)
        if found is None or found[:2] != (state.table, state.version):
            with self._lock:
                found = self._indexes.get(layer_id)
                if found is None or found[:2] != (state.table, state.version):
                    index = None
                    if found is not None and found[0] == state.table:
                        index = _patched(conn, found[2], found[1], state)
                    if index is None:
                        index = _build_index(conn, state.table, state.layer)
                    found = (state.table, state.version, index)
                    self._indexes[layer_id] = found
        return found[2]

    def release(self, layer_id: str, keep: str | None = None) -> None:
        """Forget the layer's index unless it is the one of table `keep` (the published one)."""
        with self._lock:
            found = self._indexes.get(layer_id)
            if found is not None and found[0] != keep:
                del self._indexes[layer_id]

    def tables(self) -> dict[str, str]:
        """The table each layer's held index was built from."""
        return {layer_id: table for layer_id, (table, _, _) in self._indexes.items()}


def _build_index(conn: sqlite3.Connection, table: str, layer: LayerDefinition) -> LayerTileIndex:
    fids, mercator, envelopes, columns = _read_rows(conn, table, layer, "ORDER BY fid", ())
    return LayerTileIndex(
        fids=fids,
        geometries=mercator,
        envelopes=envelopes,
        columns=columns,
        tree=shapely.STRtree(mercator),
        labels=_labels(mercator, columns, layer),
    )


def _patched(
    conn: sqlite3.Connection, index: LayerTileIndex, version: int, state: TableState
) -> LayerTileIndex | None:
    """`index` (of `version` of the table) brought to `state` by the edits in between: their keys'
    rows hidden and their current rows appended. None when it is better built again (no log of
    those edits, a schema change, or too many rows patched)."""
    layer = state.layer
    chain = edit_log.chain_of(conn, edit_log.SQLITE, state.table)
    if chain is None or chain.columns[1:] != tuple(a.name for a in layer.attributes):
        return None
    touched = edit_log.touched_keys(conn, edit_log.SQLITE, chain, version, state.version)
    extra = len(index.fids) - index.tree_size
    if touched is None or extra + len(touched) > min(PATCHED_MOST, PATCHED_SHARE * index.tree_size):
        return None
    positions = index.positions or {k: i for i, k in enumerate(index.columns[layer.key])}
    hidden = np.zeros(len(index.fids), dtype=bool) if index.hidden is None else index.hidden.copy()
    for key in touched:
        row = positions.get(key)
        if row is not None:
            hidden[row] = True
    condition, keys = edit_log.SQLITE.key_in(f'"{layer.key}"', touched)
    fids, mercator, envelopes, columns = _read_rows(conn, state.table, layer, f"WHERE {condition}", (keys,))
    positions = dict(positions)
    size = len(index.fids)
    for i, key in enumerate(columns[layer.key]):
        positions[key] = size + i
    geometries = np.concatenate([index.geometries, mercator])
    labels = _labels(mercator, columns, layer)
    return LayerTileIndex(
        fids=np.concatenate([index.fids, fids]),
        geometries=geometries,
        envelopes=np.concatenate([index.envelopes, envelopes]),
        columns={n: index.columns[n] + columns[n] for n in index.columns},
        tree=index.tree,
        labels=None if labels is None or index.labels is None else np.concatenate([index.labels, labels]),
        hidden=np.concatenate([hidden, np.zeros(len(fids), dtype=bool)]),
        extra_tree=shapely.STRtree(geometries[index.tree_size :]),
        positions=positions,
    )


def _read_rows(
    conn: sqlite3.Connection, table: str, layer: LayerDefinition, where: str, params: tuple[Any, ...]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, list[Any]]]:
    """fids, Web Mercator geometries, lon/lat envelopes and columns of the table's rows."""
    names = [a.name for a in layer.attributes]
    select = ", ".join(["fid", "geom"] + [f'"{n}"' for n in names])
    rows = conn.execute(f'SELECT {select} FROM "{table}" {where}', params).fetchall()
    lonlat = shapely.from_wkb([gpkg.blob_wkb(row[1]) for row in rows])
    mercator = shapely.transform(lonlat, lambda xy: np.column_stack(_TO_3857.transform(xy[:, 0], xy[:, 1])))
    columns = {
        a.name: [from_storage(a.type, row[2 + i]) for row in rows] for i, a in enumerate(layer.attributes)
    }
    envelopes = shapely.bounds(lonlat) if len(rows) else np.zeros((0, 4))
    return np.array([row[0] for row in rows], dtype=np.int64), mercator, envelopes, columns


def _labels(mercator: np.ndarray, columns: dict[str, list[Any]], layer: LayerDefinition) -> np.ndarray | None:
    if not layer.labels:
        return None
    return label_points(mercator, [columns[n] for n in layer.labels])


def label_points(polygons: np.ndarray, shown: list[list[Any]]) -> np.ndarray:
    """(n, 2) label points of Web Mercator polygons: the centre of each one's largest inscribed circle
    (GEOS, as PostGIS's ST_MaximumInscribedCircle); NaN for an empty geometry or one whose `shown`
    values (the label attributes' columns) are all missing: it has nothing to label."""
    points = np.full((len(polygons), 2), np.nan)
    named = np.array([any(v is not None for v in values) for values in zip(*shown, strict=True)], dtype=bool)
    present = ~shapely.is_empty(polygons) & ~shapely.is_missing(polygons) & named
    if present.any():
        radii = shapely.maximum_inscribed_circle(polygons[present])
        points[present] = shapely.get_coordinates(shapely.get_point(radii, 0))
    return points


def tile_layer(
    index: LayerTileIndex, layer: LayerDefinition, request: TileRequest, rules: TileLayerRequest
) -> TileLayer:
    """The part of one layer a tile shows, generalised and clipped like ST_AsMVTGeom does."""
    if rules.labels:
        return _label_layer(index, request, rules)
    minx, miny, maxx, maxy = request.bounds_3857
    margin = (maxx - minx) * request.buffer / request.extent
    clip = (minx - margin, miny - margin, maxx + margin, maxy + margin)
    hits = _kept(index, index.query(shapely.box(*clip)), rules)
    if rules.min_size_deg > 0 and len(hits):
        envelopes = index.envelopes[hits]
        wide = envelopes[:, 2] - envelopes[:, 0] >= rules.min_size_deg
        tall = envelopes[:, 3] - envelopes[:, 1] >= rules.min_size_deg
        hits = hits[wide | tall]
    geometries = index.geometries[hits]
    if rules.simplify_m > 0 and layer.geometry_type not in _POINTS:
        geometries = shapely.simplify(geometries, rules.simplify_m, preserve_topology=True)
    if layer.geometry_type not in _POINTS:
        geometries = shapely.clip_by_rect(geometries, *clip)
    keep = ~shapely.is_empty(geometries)
    hits, geometries = hits[keep], geometries[keep]
    return TileLayer(rules.name, list(geometries), index.fids[hits].tolist(), _properties(index, hits, rules))


def _label_layer(index: LayerTileIndex, request: TileRequest, rules: TileLayerRequest) -> TileLayer:
    """The label points inside the tile, its right and top edges left out: each point is in one tile."""
    if index.labels is None:
        return TileLayer(rules.name, [], [], [])
    minx, miny, maxx, maxy = request.bounds_3857
    x, y = index.labels[:, 0], index.labels[:, 1]
    inside = np.flatnonzero((minx <= x) & (x < maxx) & (miny <= y) & (y < maxy))
    hits = _kept(index, index.shown(inside), rules)
    points = shapely.points(index.labels[hits])
    return TileLayer(rules.name, list(points), index.fids[hits].tolist(), _properties(index, hits, rules))


def _kept(index: LayerTileIndex, hits: np.ndarray, rules: TileLayerRequest) -> np.ndarray:
    """Of the `hits`, the features the zoom's tile rule keeps."""
    if rules.keep is None or not len(hits):
        return hits
    attribute, values = rules.keep
    column, allowed = index.columns.get(attribute, []), set(values)
    return hits[np.array([column[i] in allowed for i in hits.tolist()], dtype=bool)]


def _properties(index: LayerTileIndex, hits: np.ndarray, rules: TileLayerRequest) -> list[dict[str, Any]]:
    names = [n for n in rules.attributes if n in index.columns]
    return [{n: index.columns[n][i] for n in names if index.columns[n][i] is not None} for i in hits.tolist()]


def render_tile(
    conn: sqlite3.Connection,
    indexes: TileIndexes,
    request: TileRequest,
    current: dict[str, TableState],
) -> bytes:
    """The tile's MVT bytes from the in-memory indexes of the current versions."""
    layers = []
    for rules in request.layers:
        found = current.get(rules.layer.id)
        if found is None:
            continue
        layers.append(tile_layer(indexes.get(conn, found), found.layer, request, rules))
    return encode_tile(layers, request.bounds_3857, request.extent)
