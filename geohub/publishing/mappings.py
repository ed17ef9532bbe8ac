"""Saved column mappings: per layer, the mapping and ignores its uploads use by default.

A department that sends the same Shapefile every month maps `recycling_` to `recycling_type`
once and saves it; later uploads of the layer apply it (the report says `savedMapping`). The
layer's YAML `source.fields` stays the version-controlled way, and the one its syncs use.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select

from geohub.etl.columns import ColumnChoices
from geohub.records import RecordsDatabase, utc_now
from geohub.records.tables import layer_mappings


@dataclass(frozen=True)
class SavedMapping:
    """A layer's saved choices, when and by whom."""

    layer_id: str
    choices: ColumnChoices
    updated_at: datetime | None = None
    updated_by: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "layer": self.layer_id,
            **self.choices.to_json(),
            "updatedAt": None if self.updated_at is None else self.updated_at.isoformat(),
            "updatedBy": self.updated_by,
        }


class SavedMappings:
    """The layer_mappings table of the records database."""

    def __init__(self, records: RecordsDatabase) -> None:
        self._records = records

    def get(self, layer_id: str) -> SavedMapping | None:
        row = self._records.fetchone(select(layer_mappings).where(layer_mappings.c.layer_id == layer_id))
        if row is None:
            return None
        mapping, ignore = json.loads(row.mapping), json.loads(row.ignore)
        return SavedMapping(
            layer_id, ColumnChoices(mapping, frozenset(ignore)), row.updated_at, row.updated_by
        )

    def save(self, layer_id: str, choices: ColumnChoices, *, user: str | None) -> SavedMapping:
        """Store `choices` as the layer's (replacing what it had)."""
        now = utc_now()
        values: dict[str, Any] = {
            "mapping": json.dumps(dict(sorted(choices.mapping.items())), ensure_ascii=False),
            "ignore": json.dumps(sorted(choices.ignore), ensure_ascii=False),
            "updated_at": now,
            "updated_by": user,
        }
        statement = self._records.insert(layer_mappings).values(layer_id=layer_id, **values)
        with self._records.transaction() as conn:
            conn.execute(statement.on_conflict_do_update(index_elements=["layer_id"], set_=values))
        return SavedMapping(layer_id, choices, now, user)

    def delete(self, layer_id: str) -> bool:
        """Forget the layer's saved mapping; False when it had none."""
        with self._records.transaction() as conn:
            result = conn.execute(delete(layer_mappings).where(layer_mappings.c.layer_id == layer_id))
        return bool(result.rowcount)
