"""Embedded vector tiles: each published layer version kept in memory, indexed, clipped per tile."""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from pyproj import Transformer

from geohub.layers.models import GeometryType, LayerDefinition
from geohub.storage import gpkg_format as gpkg
from geohub.storage.base import TileLayerRequest, TileRequest
from geohub.storage.mvt import TileLayer, encode_tile
from geohub.storage.values import from_storage

_TO_3857 = Transformer.from_crs(4326, 3857, always_xy=True)
_POINTS = (GeometryType.point, GeometryType.multipoint)


@dataclass(frozen=True)
class LayerTileIndex:
    """A layer version in memory: fids, Web Mercator geometries, lon/lat envelopes, an STRtree."""

    fids: np.ndarray
    geometries: np.ndarray
    envelopes: np.ndarray  # (n, 4) lon/lat: minx, miny, maxx, maxy
    columns: dict[str, list[Any]]
    tree: shapely.STRtree
    labels: np.ndarray | None = None  # (n, 2) Web Mercator label points of a layer with `labels`


class TileIndexes:
    """The LayerTileIndex of each layer's live table, built on first use; a new version is a new
    table and replaces the old one's index, so memory stays one index per layer."""

    def __init__(self) -> None:
        self._indexes: dict[str, tuple[str, LayerTileIndex]] = {}  # layer id -> (table, index)
        self._lock = threading.Lock()

    def get(self, conn: sqlite3.Connection, table: str, layer: LayerDefinition) -> LayerTileIndex:
        found = self._indexes.get(layer.id)
        if found is None or found[0] != table:
            with self._lock:
                found = self._indexes.get(layer.id)
                if found is None or found[0] != table:
                    found = (table, _build_index(conn, table, layer))
                    self._indexes[layer.id] = found
        return found[1]

    def release(self, layer_id: str, keep: str | None = None) -> None:
        """Forget the layer's index unless it is the one of table `keep` (the published one)."""
        with self._lock:
            found = self._indexes.get(layer_id)
            if found is not None and found[0] != keep:
                del self._indexes[layer_id]

    def tables(self) -> dict[str, str]:
        """The table each layer's held index was built from."""
        return {layer_id: table for layer_id, (table, _) in self._indexes.items()}


def _build_index(conn: sqlite3.Connection, table: str, layer: LayerDefinition) -> LayerTileIndex:
    names = [a.name for a in layer.attributes]
    select = ", ".join(["fid", "geom"] + [f'"{n}"' for n in names])
    rows = conn.execute(f'SELECT {select} FROM "{table}" ORDER BY fid').fetchall()
    lonlat = shapely.from_wkb([gpkg.blob_wkb(row[1]) for row in rows])
    mercator = shapely.transform(lonlat, lambda xy: np.column_stack(_TO_3857.transform(xy[:, 0], xy[:, 1])))
    columns = {
        a.name: [from_storage(a.type, row[2 + i]) for row in rows] for i, a in enumerate(layer.attributes)
    }
    return LayerTileIndex(
        fids=np.array([row[0] for row in rows], dtype=np.int64),
        geometries=mercator,
        envelopes=shapely.bounds(lonlat),
        columns=columns,
        tree=shapely.STRtree(mercator),
        labels=label_points(mercator, [columns[n] for n in layer.labels]) if layer.labels else None,
    )


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
    hits = _kept(index, np.sort(index.tree.query(shapely.box(*clip))), rules)
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
    hits = _kept(index, np.flatnonzero((minx <= x) & (x < maxx) & (miny <= y) & (y < maxy)), rules)
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
    current: dict[str, tuple[str, LayerDefinition]],
) -> bytes:
    """The tile's MVT bytes from the in-memory indexes of the current versions."""
    layers = []
    for rules in request.layers:
        found = current.get(rules.layer.id)
        if found is None:
            continue
        table, layer = found
        layers.append(tile_layer(indexes.get(conn, table, layer), layer, request, rules))
    return encode_tile(layers, request.bounds_3857, request.extent)
