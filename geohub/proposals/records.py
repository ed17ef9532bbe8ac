"""The layer_proposals table: one row per proposal, its definition and file summary as JSON."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, select, update

from geohub.errors import NotFoundError
from geohub.messages import N_, tr
from geohub.records import RecordsDatabase, utc_now
from geohub.records.tables import LARGEST_ID, layer_proposals

STATUSES = ("draft", "submitted", "approved", "rejected", "withdrawn")
OPEN_STATUSES = ("draft", "submitted", "rejected")  # their ids are taken: no one else may propose them


class ProposalNotFoundError(NotFoundError):
    title, slug = N_("Proposal not found"), "proposal-not-found"


@dataclass(frozen=True)
class Proposal:
    """One proposed layer."""

    id: int
    status: str
    department: str
    proposed_by: str
    created_at: datetime
    updated_at: datetime
    definition: dict[str, Any]
    file: dict[str, Any]
    file_path: str | None = None
    file_crs: str | None = None
    file_layer: str | None = None
    decided_by: str | None = None
    decided_at: datetime | None = None
    reason: str | None = None
    layer_id: str | None = None

    def to_json(self, problems: list[dict[str, str]]) -> dict[str, Any]:
        """The proposal as the API shows it, with what still blocks submitting it."""
        return {
            "id": self.id,
            "status": self.status,
            "department": self.department,
            "proposedBy": self.proposed_by,
            "created": _iso(self.created_at),
            "updated": _iso(self.updated_at),
            "decidedBy": self.decided_by,
            "decided": None if self.decided_at is None else _iso(self.decided_at),
            "reason": self.reason,
            "layer": self.layer_id,
            "definition": self.definition,
            "file": self.file,
            "problems": problems,
        }


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


class ProposalRecords:
    """Reads and writes of layer_proposals; status changes are conditional on the status found."""

    def __init__(self, records: RecordsDatabase) -> None:
        self.records = records

    def create(
        self,
        *,
        department: str,
        proposed_by: str,
        definition: dict[str, Any],
        file: dict[str, Any],
        file_path: str,
        file_crs: str | None,
        file_layer: str | None,
    ) -> Proposal:
        now = utc_now()
        values = {
            "status": "draft",
            "department": department,
            "proposed_by": proposed_by,
            "created_at": now,
            "updated_at": now,
            "definition": json.dumps(definition, ensure_ascii=False),
            "file": json.dumps(file, ensure_ascii=False),
            "file_path": file_path,
            "file_crs": file_crs,
            "file_layer": file_layer,
        }
        with self.records.transaction() as conn:
            new_id = conn.execute(layer_proposals.insert().values(**values).returning(layer_proposals.c.id))
            return self._get(conn, int(new_id.scalar_one()))

    def get(self, proposal_id: int) -> Proposal:
        """The proposal numbered `proposal_id`, or ProposalNotFoundError."""
        if not 1 <= proposal_id <= LARGEST_ID:
            raise _not_found(proposal_id)
        row = self.records.fetchone(select(layer_proposals).where(layer_proposals.c.id == proposal_id))
        if row is None:
            raise _not_found(proposal_id)
        return _proposal(row)

    def list(self, *, department: str | None = None, status: str | None = None) -> list[Proposal]:
        """Newest first; one department's or all, one status or all."""
        query = select(layer_proposals).order_by(layer_proposals.c.id.desc())
        if department is not None:
            query = query.where(layer_proposals.c.department == department)
        if status is not None:
            query = query.where(layer_proposals.c.status == status)
        return [_proposal(row) for row in self.records.fetchall(query)]

    def open_ids(self, *, other_than: int | None = None) -> set[str]:
        """The layer ids open proposals (draft, submitted, rejected) ask for."""
        return {layer_id for number, layer_id in self.open_ids_by_proposal().items() if number != other_than}

    def open_ids_by_proposal(self) -> dict[int, str]:
        """Proposal number -> the layer id it asks for, of every open proposal."""
        query = select(layer_proposals.c.id, layer_proposals.c.definition).where(
            layer_proposals.c.status.in_(OPEN_STATUSES)
        )
        ids = {}
        for row in self.records.fetchall(query):
            layer_id = json.loads(row.definition).get("id")
            if isinstance(layer_id, str):
                ids[int(row.id)] = layer_id
        return ids

    def change(
        self, conn: Connection, proposal: Proposal, *, expected: tuple[str, ...], **changes: Any
    ) -> Proposal | None:
        """Write `changes` if the proposal is still in one of the `expected` statuses (else None),
        inside the caller's transaction."""
        values = {**changes, "updated_at": utc_now()}
        for name in ("definition", "file"):
            if name in values:
                values[name] = json.dumps(values[name], ensure_ascii=False)
        result = conn.execute(
            update(layer_proposals)
            .where(layer_proposals.c.id == proposal.id, layer_proposals.c.status.in_(expected))
            .values(**values)
        )
        return self._get(conn, proposal.id) if result.rowcount else None

    def _get(self, conn: Connection, proposal_id: int) -> Proposal:
        return _proposal(
            conn.execute(select(layer_proposals).where(layer_proposals.c.id == proposal_id)).one()
        )


def _not_found(proposal_id: int) -> ProposalNotFoundError:
    return ProposalNotFoundError(tr("There is no layer proposal {n}.", n=proposal_id))


def _proposal(row: Row[Any]) -> Proposal:
    return Proposal(
        id=int(row.id),
        status=row.status,
        department=row.department,
        proposed_by=row.proposed_by,
        created_at=row.created_at,
        updated_at=row.updated_at,
        definition=json.loads(row.definition),
        file=json.loads(row.file),
        file_path=row.file_path,
        file_crs=row.file_crs,
        file_layer=row.file_layer,
        decided_by=row.decided_by,
        decided_at=row.decided_at,
        reason=row.reason,
        layer_id=row.layer_id,
    )
