"""What a proposal's file holds, and the definition it suggests: the columns with their types
(from the values), a key, the geometry type and the style template that draws it."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from pathlib import PurePosixPath
from typing import Any

import numpy as np
import shapely

from geohub.errors import InvalidDataError
from geohub.layers.models import INTERNAL_COLUMNS, LABELS_SUFFIX, SLUG, Department, GeometryType
from geohub.messages import tr
from geohub.sources.source_data import SourceData
from geohub.styles.templates import PALETTE, template_for

SAMPLES = 3
KEY_NAMES = ("id", "ref", "code", "key", "uid", "uuid", "objectid", "number", "no")
DEFAULT_LICENSE = {"name": "CC-BY-4.0", "url": "https://creativecommons.org/licenses/by/4.0/"}
_FAMILIES = {
    "Point": GeometryType.point,
    "MultiPoint": GeometryType.point,
    "LineString": GeometryType.linestring,
    "MultiLineString": GeometryType.linestring,
    "LinearRing": GeometryType.linestring,
    "Polygon": GeometryType.polygon,
    "MultiPolygon": GeometryType.polygon,
}
_MULTI = {
    GeometryType.point: GeometryType.multipoint,
    GeometryType.linestring: GeometryType.multilinestring,
    GeometryType.polygon: GeometryType.multipolygon,
}
_CYRILLIC = str.maketrans(
    {
        **dict(
            zip(
                "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
                [
                    "a",
                    "b",
                    "v",
                    "g",
                    "d",
                    "e",
                    "e",
                    "zh",
                    "z",
                    "i",
                    "i",
                    "k",
                    "l",
                    "m",
                    "n",
                    "o",
                    "p",
                    "r",
                    "s",
                    "t",
                    "u",
                    "f",
                    "kh",
                    "ts",
                    "ch",
                    "sh",
                    "shch",
                    "",
                    "y",
                    "",
                    "e",
                    "yu",
                    "ya",
                ],
                strict=True,
            )
        ),
        **dict(zip("әғқңөұүһі", ["a", "g", "q", "n", "o", "u", "u", "h", "i"], strict=True)),
    }
)


def value_type(values: list[Any]) -> str:
    """The attribute type the non-null values fit best: boolean, integer, number, date, datetime or string."""
    present = [v for v in values if v is not None]
    if not present:
        return "string"
    if all(isinstance(v, bool | np.bool_) for v in present):
        return "boolean"
    if all(isinstance(v, int | np.integer) and not isinstance(v, bool) for v in present):
        return "integer"
    if all(
        isinstance(v, int | float | np.integer | np.floating) and not isinstance(v, bool) for v in present
    ):
        return "number"
    if all(isinstance(v, datetime) for v in present):
        return "datetime"
    if all(isinstance(v, date) and not isinstance(v, datetime) for v in present):
        return "date"
    return "string"


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, bool | int | float | str):
        return value
    return str(value)


def column_summary(name: str, values: list[Any]) -> dict[str, Any]:
    """One column: its inferred type, null count, whether its values are unique and non-null, samples."""
    present = [v for v in values if v is not None and v != ""]
    try:
        distinct = len({_plain(v) for v in present})
    except TypeError:
        distinct = -1
    samples: list[Any] = []
    for value in present:
        plain = _plain(value)
        if plain not in samples:
            samples.append(plain)
        if len(samples) == SAMPLES:
            break
    return {
        "name": name,
        "type": value_type(values),
        "nulls": len(values) - len(present),
        "unique": bool(present) and len(present) == len(values) and distinct == len(present),
        "samples": samples,
    }


def geometry_type(data: SourceData, filename: str) -> GeometryType:
    """The one geometry type of the file's features (the multi-part one when any feature has several)."""
    present = [g for g in data.geometries if g is not None and not shapely.is_empty(g)]
    if not present:
        raise InvalidDataError(tr("{name} holds no feature with a geometry.", name=filename))
    kinds = {g.geom_type for g in present}
    families = {_FAMILIES.get(kind) for kind in kinds}
    if None in families or len(families) != 1:
        raise InvalidDataError(
            tr(
                "{name} mixes geometry types ({types}); a layer holds points, lines or areas.",
                name=filename,
                types=", ".join(sorted(kinds)),
            )
        )
    family = families.pop()
    assert family is not None
    return _MULTI[family] if any(kind.startswith("Multi") for kind in kinds) else family


def file_summary(data: SourceData, filename: str) -> dict[str, Any]:
    """The proposal's `file`: name, features, bbox, columns."""
    present = [g for g in data.geometries if g is not None and not shapely.is_empty(g)]
    bounds = shapely.total_bounds(np.array(present, dtype=object)) if present else None
    return {
        "name": filename,
        "features": len(data),
        "bbox": None if bounds is None else [round(float(b), 7) for b in bounds],
        "columns": [column_summary(name, values) for name, values in data.columns.items()],
    }


def slug(text: str, fallback: str = "layer") -> str:
    """A snake_case slug of `text` (Cyrillic transliterated, accents dropped) that SLUG accepts."""
    text = unicodedata.normalize("NFKD", text.lower().translate(_CYRILLIC))
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"[^a-z0-9]+", "_", text).strip("_")[:60].strip("_")
    if not text or not text[0].isalpha():
        text = f"{fallback}_{text}".strip("_")
    if len(text) < 2:
        text = f"{fallback}_{text}"
    return text


def attribute_name(column: str, taken: set[str]) -> str:
    """The attribute a column becomes: its own name when it is a valid one, else its slug."""
    name = column if SLUG.match(column) else slug(column, "field")
    if name in INTERNAL_COLUMNS:
        name = f"{name}_value"
    base, n = name, 2
    while name in taken:
        name, n = f"{base}_{n}", n + 1
    taken.add(name)
    return name


def suggested_definition(
    summary: dict[str, Any], geometry: GeometryType, department: Department
) -> dict[str, Any]:
    """The definition a new proposal starts from: everything the file says, titles to complete."""
    stem = PurePosixPath(summary["name"]).stem
    layer_id = slug(stem).removesuffix(LABELS_SUFFIX)
    taken: set[str] = set()
    attributes = [
        {
            "name": attribute_name(column["name"], taken),
            "column": column["name"],
            "title": None,
            "type": column["type"],
            "required": column["nulls"] == 0,
            "restricted": False,
            "description": "",
        }
        for column in summary["columns"]
    ]
    key = _key(summary["columns"], attributes)
    colour = PALETTE[sum(layer_id.encode()) % len(PALETTE)]
    return {
        "id": layer_id,
        "title": {"kk": "", "ru": "", "en": stem.replace("_", " ").strip().capitalize() or layer_id},
        "description": {"kk": "", "ru": "", "en": ""},
        "keywords": [],
        "geometry_type": str(geometry),
        "key": key,
        "attributes": attributes,
        "access": "public",
        "style": {"template": template_for(geometry).id, "colour": colour},
        "license": dict(DEFAULT_LICENSE),
        "attribution": f"© {department.name.en}, Almaty",
    }


def _key(columns: list[dict[str, Any]], attributes: list[dict[str, Any]]) -> str | None:
    """A column with unique non-null values, one named like an identifier first."""
    unique = [(c, a) for c, a in zip(columns, attributes, strict=True) if c["unique"]]
    if not unique:
        return None
    named = [a for c, a in unique if a["name"].lower() in KEY_NAMES or a["name"].lower().endswith("_id")]
    chosen = named[0] if named else unique[0][1]
    chosen["required"] = True
    return str(chosen["name"])
