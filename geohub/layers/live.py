"""The live layer catalogue: the YAML seed plus the layers approved as a service, and its generation.

Approving a proposed layer (geohub/proposals) writes its definition to `layer_definitions` and bumps
the one-row `layer_catalogue` generation in the same transaction. Every process compares that number
with the one it built its registry from (one primary-key read) and rebuilds when it moved.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import Connection, select, update

from geohub.errors import ConflictError
from geohub.layers.models import LayerDefinition
from geohub.layers.registry import LayerRegistry
from geohub.messages import tr
from geohub.records import RecordsDatabase, utc_now
from geohub.records.tables import layer_catalogue, layer_definitions

CATALOGUE_ROW = 1


@dataclass(frozen=True)
class Catalogue:
    """The approved definitions as of one generation."""

    generation: int
    layers: tuple[LayerDefinition, ...]


def catalogue_generation(records: RecordsDatabase) -> int:
    """The current generation (0 before any approval): one read of one row by its primary key."""
    row = records.fetchone(select(layer_catalogue.c.generation).where(layer_catalogue.c.id == CATALOGUE_ROW))
    return 0 if row is None else int(row.generation)


def approved_catalogue(records: RecordsDatabase) -> Catalogue:
    """The approved definitions and the generation they belong to, read in one transaction."""
    with records.transaction() as conn:
        row = conn.execute(
            select(layer_catalogue.c.generation).where(layer_catalogue.c.id == CATALOGUE_ROW)
        ).first()
        rows = conn.execute(
            select(layer_definitions.c.definition).order_by(layer_definitions.c.layer_id)
        ).all()
    layers = tuple(LayerDefinition.model_validate(json.loads(r.definition)) for r in rows)
    return Catalogue(0 if row is None else int(row.generation), layers)


def approved_ids(records: RecordsDatabase) -> set[str]:
    """The ids of every approved layer."""
    return {row.layer_id for row in records.fetchall(select(layer_definitions.c.layer_id))}


def add_definition(
    conn: Connection, records: RecordsDatabase, layer: LayerDefinition, *, proposal_id: int, user: str | None
) -> int:
    """Store an approved definition and bump the generation, inside the caller's transaction;
    returns the new generation."""
    added = conn.execute(
        records.insert(layer_definitions)
        .values(
            layer_id=layer.id,
            definition=layer.model_dump_json(exclude_defaults=True),
            proposal_id=proposal_id,
            approved_at=utc_now(),
            approved_by=user,
        )
        .on_conflict_do_nothing(index_elements=["layer_id"])
    )
    if not added.rowcount:
        raise ConflictError(tr("There is already a layer '{id}'.", id=layer.id))
    return bump_generation(conn, records)


def bump_generation(conn: Connection, records: RecordsDatabase) -> int:
    """Add one to the catalogue generation (creating its row), inside the caller's transaction."""
    conn.execute(
        records.insert(layer_catalogue)
        .values(id=CATALOGUE_ROW, generation=0)
        .on_conflict_do_nothing(index_elements=["id"])
    )
    conn.execute(
        update(layer_catalogue)
        .where(layer_catalogue.c.id == CATALOGUE_ROW)
        .values(generation=layer_catalogue.c.generation + 1)
    )
    row = conn.execute(
        select(layer_catalogue.c.generation).where(layer_catalogue.c.id == CATALOGUE_ROW)
    ).one()
    return int(row.generation)


def live_registry(seed: LayerRegistry, approved: tuple[LayerDefinition, ...]) -> LayerRegistry:
    """The seed's layers (file-name order) followed by the approved ones (id order); the seed wins a
    clash (an id taken by a YAML file added after the approval)."""
    layers = dict(seed.layers)
    for layer in approved:
        if layer.id not in layers and layer.department in seed.departments:
            layers[layer.id] = layer
    return LayerRegistry(layers=layers, departments=seed.departments)
