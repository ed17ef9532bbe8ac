"""PostgreSQL's binary COPY stream, built a column at a time instead of a row at a time.

A city layer is hundreds of thousands of rows: framing each one in Python (psycopg's
`write_row`, a dumper call per value) cost more than the server spent storing them. Here each
column becomes an Arrow array of its fields already framed (a 4-byte length, then the value in
the type's binary form, or a length of -1 for NULL), numpy does the fixed-width types at once,
and Arrow joins a row's fields in C. The rows of a batch come out as one buffer for
`Copy.write`. The format: https://www.postgresql.org/docs/current/sql-copy.html (Binary Format).

The geometry goes as plain WKB (SRID 0): PostGIS's `geometry_recv` gives it the SRID of the
column's type modifier, so no EWKB has to be made (`set_srid` copies every geometry).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from geohub.layers.models import AttributeType

SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + (0).to_bytes(4, "big") + (0).to_bytes(4, "big")  # flags, extension
TRAILER = (-1).to_bytes(2, "big", signed=True)
NULL = -1
DAYS_1970_TO_2000 = 10_957  # PostgreSQL counts dates and instants from 2000-01-01
MICROSECONDS_1970_TO_2000 = DAYS_1970_TO_2000 * 86_400_000_000

# the big-endian binary form of each fixed-width attribute type (PostgreSQL's *_send)
_FIXED = {AttributeType.integer: ">i8", AttributeType.number: ">f8", AttributeType.boolean: "u1"}


def encode_rows(wkbs: Sequence[bytes], columns: Sequence[tuple[AttributeType, Sequence[Any]]]) -> pa.Buffer:
    """The binary COPY tuples of these rows, fields in order: the geometry, then each column.

    Values are as the storage layer coerced them (str, int, float, bool, ISO text for dates and
    instants, None); the stream's SIGNATURE and TRAILER are the caller's to send.
    """
    count = len(wkbs)
    fields: list[pa.Array] = [_fixed(np.full(count, 1 + len(columns), ">i2"))]
    fields += _framed(pa.array(wkbs, pa.large_binary()))
    for kind, values in columns:
        fields += _column_fields(kind, values, count)
    rows = pc.binary_join_element_wise(
        *fields, pa.scalar(b"", pa.large_binary()), null_handling="replace", null_replacement=b""
    )
    offsets = np.frombuffer(rows.buffers()[1], np.int64, count + 1, rows.offset * 8)
    return rows.buffers()[2][offsets[0] : offsets[-1]]


def _column_fields(kind: AttributeType, values: Sequence[Any], count: int) -> list[pa.Array]:
    """A column as two arrays joined row by row: each field's length, then its bytes."""
    if len(values) != count:
        raise ValueError(f"a column of {len(values)} values among {count} rows")
    if kind is AttributeType.string:
        return _framed(pa.array(values, pa.large_string()).cast(pa.large_binary()))
    if kind is AttributeType.date:
        days = pa.array(values, pa.string()).cast(pa.date32()).cast(pa.int32())
        return _fixed_fields(pc.subtract(days, DAYS_1970_TO_2000), ">i4")
    if kind is AttributeType.datetime:
        instants = pa.array(values, pa.string()).cast(pa.timestamp("us", tz="UTC")).cast(pa.int64())
        return _fixed_fields(pc.subtract(instants, MICROSECONDS_1970_TO_2000), ">i8")
    arrow_type = {AttributeType.integer: pa.int64(), AttributeType.number: pa.float64()}.get(kind, pa.bool_())
    return _fixed_fields(pa.array(values, arrow_type), _FIXED[kind])


def _fixed_fields(values: pa.Array, dtype: str) -> list[pa.Array]:
    """Length and bytes of a fixed-width column (NULL: length -1 and no bytes)."""
    missing = values.is_null().to_numpy(zero_copy_only=False)
    width = np.dtype(dtype).itemsize
    data = values.fill_null(0 if dtype != "u1" else False).to_numpy(zero_copy_only=False).astype(dtype)
    validity = pa.py_buffer(np.packbits(~missing, bitorder="little")) if missing.any() else None
    return [_fixed(np.where(missing, NULL, width).astype(">i4")), _fixed(data, validity)]


def _framed(values: pa.Array) -> list[pa.Array]:
    """Length and bytes of a variable-width (binary) column (NULL: length -1 and no bytes)."""
    lengths = pc.binary_length(values).fill_null(NULL).to_numpy(zero_copy_only=False)
    return [_fixed(lengths.astype(">i4")), values]


def _fixed(data: np.ndarray, validity: pa.Buffer | None = None) -> pa.Array:
    """Equal-width byte strings over a numpy array's bytes (one element per entry), no copy."""
    width = data.dtype.itemsize
    offsets = np.arange(0, width * len(data) + 1, width, dtype=np.int64)
    raw = np.ascontiguousarray(data).view(np.uint8)
    return pa.Array.from_buffers(
        pa.large_binary(), len(data), [validity, pa.py_buffer(offsets), pa.py_buffer(raw)]
    )
