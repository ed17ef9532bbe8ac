"""Mapbox Vector Tile encoding of shapely geometries (the embedded backend's encoder).

The geometry commands of a layer are computed at once with numpy (`mvt_commands`); this module
writes the protobuf around them: layers, features (id, tags, type, geometry), and each layer's
keys and values, deduplicated as mapbox-vector-tile does (but a value is one of its type: the int 1,
the double 1.0 and true are three values, where mapbox-vector-tile would write 1.0 as the int 1).
The bytes are what mapbox-vector-tile writes for the same tile, fields in the same order.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from geohub.storage.base import Bbox
from geohub.storage.mvt_commands import encode_geometries

_SMALL_VARINTS = [bytes((n,)) for n in range(128)]
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_PLAIN = frozenset((str, int, float, bool))  # value types MVT carries, as they come from storage


@dataclass(frozen=True)
class TileLayer:
    """One MVT layer's content: Web Mercator geometries already clipped, with ids and properties."""

    name: str
    geometries: Sequence[Any]  # shapely geometries in Web Mercator metres
    ids: Sequence[int]
    properties: Sequence[dict[str, Any]]


def encode_tile(layers: Sequence[TileLayer], bounds_3857: Bbox, extent: int = 4096) -> bytes:
    """MVT 2.1 bytes; empty layers are left out, and no layer at all gives empty bytes."""
    names = [layer.name for layer in layers if len(layer.geometries)]
    if len(set(names)) != len(names) or not all(names):
        raise ValueError(f"MVT layer names must be unique and not empty: {names}")
    return b"".join(
        _field(3, _layer(layer, bounds_3857, extent)) for layer in layers if len(layer.geometries)
    )


def _layer(layer: TileLayer, bounds_3857: Bbox, extent: int) -> bytes:
    """One Layer message: name, features, keys, values, extent, version 2."""
    if not len(layer.geometries) == len(layer.ids) == len(layer.properties):
        raise ValueError(f"layer {layer.name}: geometries, ids and properties differ in length")
    values = _Values()
    features = [
        _field(2, _feature(fid, geometry[0], geometry[1], values.tags(properties)))
        for geometry, fid, properties in zip(
            encode_geometries(layer.geometries, bounds_3857, extent), layer.ids, layer.properties, strict=True
        )
        if geometry is not None
    ]
    return b"".join(
        [
            _field(1, layer.name.encode()),
            *features,
            *(_field(3, key.encode()) for key in values.keys),
            *(_field(4, value) for value in values.values),
            b"\x28" + _varint(extent),
            b"\x78\x02",
        ]
    )


def _feature(fid: Any, kind: int, geometry: bytes, tags: bytes) -> bytes:
    """One Feature message; an id only when it is a non-negative number (as mapbox-vector-tile)."""
    head = b"\x08" + _varint(int(fid)) if fid is not None and fid >= 0 else b""
    if tags:
        head += _field(2, tags)
    return head + b"\x18" + _SMALL_VARINTS[kind] + _field(4, geometry)


class _Values:
    """A layer's keys and values, each written once and referred to by index from the features."""

    def __init__(self) -> None:
        self._key_index: dict[str, int] = {}
        self._value_index: dict[tuple[type, Any], int] = {}
        self._tags: dict[tuple[str, type, Any], bytes] = {}  # (key, type, value) -> its two tags
        self.keys: list[str] = []
        self.values: list[bytes] = []

    def tags(self, properties: dict[str, Any]) -> bytes:
        """The packed tags of one feature's properties: key index, value index, for each property
        of a kind MVT carries (text keys; text, whole number, real number and boolean values)."""
        tags = []
        for key, value in properties.items():
            if type(value) not in _PLAIN and not isinstance(value, str | int | float):
                continue
            pair = (key, type(value), value)
            tag = self._tags.get(pair)
            if tag is None:
                tag = self._tags[pair] = self._tag(key, value)
            tags.append(tag)
        return b"".join(tags)

    def _tag(self, key: str, value: str | int | float) -> bytes:
        """The two tags of a property not seen before in the layer, its key and value recorded."""
        if not isinstance(key, str):
            return b""
        key_at = self._key_index.get(key)
        if key_at is None:
            key_at = self._key_index[key] = len(self.keys)
            self.keys.append(key)
        value_key = (type(value), value)
        value_at = self._value_index.get(value_key)
        if value_at is None:
            value_at = self._value_index[value_key] = len(self.values)
            self.values.append(_value(value))
        return _varint(key_at) + _varint(value_at)


def _value(value: str | int | float) -> bytes:
    """One Value message: string_value, bool_value, int_value or double_value."""
    if isinstance(value, str):
        return _field(1, value.encode())
    if isinstance(value, bool):
        return b"\x38\x01" if value else b"\x38\x00"
    if isinstance(value, int):
        if not _INT64_MIN <= value <= _INT64_MAX:
            raise ValueError(f"{value} does not fit a tile's 64-bit integer")
        return b"\x20" + _varint(value & 0xFFFFFFFFFFFFFFFF)
    return b"\x19" + struct.pack("<d", value)


def _field(number: int, payload: bytes) -> bytes:
    """A length-delimited field (wire type 2)."""
    return _SMALL_VARINTS[(number << 3) | 2] + _varint(len(payload)) + payload


def _varint(value: int) -> bytes:
    """A protobuf varint of a non-negative integer."""
    if value < 0x80:
        return _SMALL_VARINTS[value]
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)
