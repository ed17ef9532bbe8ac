"""SourceData across the sandbox boundary as an Arrow IPC file: data only, never pickled objects.

The reader process works on hostile input, so what it hands back must not be able to run code in
the worker: geometries travel as WKB, columns as Arrow arrays, the rest as JSON in the schema's
metadata. Column names travel in that JSON too (any text, duplicates and empty names included).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import shapely

from geohub.messages import known_message
from geohub.sources.source_data import SourceData

GEOMETRY = "geometry"


def write_source_data(data: SourceData, path: Path, extra: dict[str, Any] | None = None) -> None:
    """Write `data` to an Arrow IPC file at `path`."""
    arrays = [pa.array(shapely.to_wkb(data.geometries), type=pa.binary())]
    names = [GEOMETRY]
    for index, values in enumerate(data.columns.values()):
        arrays.append(_array(values))
        names.append(f"c{index}")
    meta = {
        "columns": list(data.columns),
        "rowProblems": {str(k): v.to_json() for k, v in data.row_problems.items()},
        "sourceCrs": data.source_crs,
        "rowNumbers": data.row_numbers,
        **(extra or {}),
    }
    schema = pa.schema([pa.field(n, a.type) for n, a in zip(names, arrays, strict=True)]).with_metadata(
        {"geohub": json.dumps(meta)}
    )
    table = pa.Table.from_arrays(arrays, schema=schema)
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, schema) as writer:
        writer.write_table(table)


def read_source_data(path: Path) -> tuple[SourceData, dict[str, Any]]:
    """The SourceData written at `path`, and the metadata's extra members."""
    with pa.memory_map(str(path)) as source:
        table = pa.ipc.open_file(source).read_all()
    meta = json.loads(table.schema.metadata[b"geohub"])
    wkb = table.column(GEOMETRY).to_numpy(zero_copy_only=False)
    geometries = np.asarray(shapely.from_wkb(wkb), dtype=object)
    names: list[str] = meta.pop("columns")
    columns = {name: table.column(f"c{i}").to_pylist() for i, name in enumerate(names)}
    data = SourceData(
        geometries,
        columns,
        {int(k): known_message(v) for k, v in meta.pop("rowProblems").items()},
        str(meta.pop("sourceCrs")),
        meta.pop("rowNumbers"),
    )
    return data, meta


def _array(values: list[Any]) -> pa.Array:
    """Values as Arrow infers them; a column of mixed kinds travels as text."""
    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array([None if v is None else str(v) for v in values], type=pa.string())
