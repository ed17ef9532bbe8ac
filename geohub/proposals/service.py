"""The proposal workflow: propose from a file, edit, submit, approve (the layer is created and its
first version imported and published) or reject, withdraw. Rights: a publisher works on their own
department's proposals (others' are as absent as missing ones); admins decide."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import Any

from geohub.auth.audit import AuditLog, audit_entry
from geohub.auth.principal import Principal, Role
from geohub.errors import (
    ConflictError,
    FieldError,
    ForbiddenError,
    InvalidDataError,
    InvalidRequestError,
    UnauthorizedError,
)
from geohub.layers.live import add_definition, approved_ids
from geohub.layers.models import RESERVED_IDS, LayerDefinition
from geohub.messages import Message, tr
from geohub.proposals.checks import Checked, Context, check_definition
from geohub.proposals.inference import file_summary, geometry_type, suggested_definition
from geohub.proposals.records import Proposal, ProposalNotFoundError, ProposalRecords
from geohub.publishing.service import Actor, ImportOptions, ImportService
from geohub.records import utc_now
from geohub.services import Services
from geohub.sources.read import ReadLimits, read_upload

PROPOSALS_DIR = "proposals"  # under data_dir: each proposal's file waits there until decided
MAX_REASON_CHARS = 2000
EDITABLE = ("draft", "rejected")
FIXED_IDS = frozenset({"city", "basemap", "hillshade"})  # tileset and style names beside the layers'


@dataclass(frozen=True)
class Upload:
    """A proposal's file, saved in an upload folder of this process."""

    path: Path
    filename: str
    crs: str | None = None
    layer: str | None = None


class ProposalService:
    """Proposals over one app's services; `import_service` publishes an approved layer's file."""

    def __init__(
        self,
        services: Services,
        import_service: ImportService,
        taken_style_ids: Callable[[], set[str]] = set,
    ) -> None:
        self.services = services
        self.import_service = import_service
        self.taken_style_ids = taken_style_ids

    @cached_property
    def proposals(self) -> ProposalRecords:
        return ProposalRecords(self.services.records)

    @cached_property
    def audit(self) -> AuditLog:
        return AuditLog(self.services.records)

    # reading ------------------------------------------------------------------------------------
    def get(self, proposal_id: int, principal: Principal) -> Proposal:
        """The proposal if `principal` may see it (staff of its department, moderators, admins)."""
        _signed_in(principal)
        proposal = self.proposals.get(proposal_id)
        if not _may_see(principal, proposal.department):
            raise ProposalNotFoundError(tr("There is no layer proposal {n}.", n=proposal_id))
        return proposal

    def listed(self, principal: Principal, status: str | None = None) -> list[Proposal]:
        """The proposals `principal` may see, newest first."""
        _signed_in(principal)
        if principal.role is Role.publisher:
            if principal.department is None:
                return []
            return self.proposals.list(department=principal.department, status=status)
        return self.proposals.list(status=status)

    def problems(self, proposal: Proposal) -> Checked:
        """What keeps the proposal's definition from becoming a layer now."""
        return self.problems_of([proposal])[proposal.id]

    def problems_of(self, proposals: list[Proposal]) -> dict[int, Checked]:
        """`problems` of several proposals, the ids in use read once."""
        taken, asked = self.taken_ids(), self.proposals.open_ids_by_proposal()
        checked = {}
        for proposal in proposals:
            context = Context(
                department=proposal.department,
                file=proposal.file,
                taken_ids=taken,
                proposed_ids={layer_id for number, layer_id in asked.items() if number != proposal.id},
            )
            checked[proposal.id] = check_definition(proposal.definition, context)
        return checked

    def taken_ids(self) -> set[str]:
        """Ids a new layer may not have: the layers (the seed and every approved one), reserved
        route words, style and tileset names."""
        return (
            set(self.services.seed.layers if self.services.seed else ())
            | set(self.services.registry.layers)
            | approved_ids(self.services.records)
            | RESERVED_IDS
            | FIXED_IDS
            | self.taken_style_ids()
        )

    # writing ------------------------------------------------------------------------------------
    def propose(self, upload: Upload, actor: Actor, department: str | None) -> Proposal:
        """A draft from an uploaded file: its contents summarised, a definition suggested."""
        principal = actor.principal
        owner = self._department(principal, department)
        data = read_upload(
            upload.path,
            filename=upload.filename,
            crs=upload.crs,
            layer=upload.layer,
            limits=ReadLimits.from_settings(self.services.settings.etl),
        )
        if not len(data):
            raise InvalidDataError(tr("{name} holds no feature with a geometry.", name=upload.filename))
        geometry = geometry_type(data, upload.filename)
        summary = {**file_summary(data, upload.filename), "geometryType": str(geometry)}
        definition = suggested_definition(summary, geometry, self.services.registry.departments[owner])
        if definition["id"] in self.taken_ids() | self.proposals.open_ids():
            definition["id"] = f"{definition['id']}_{uuid.uuid4().hex[:4]}"
        kept = self._keep(upload)
        try:
            proposal = self.proposals.create(
                department=owner,
                proposed_by=str(principal.user),
                definition=definition,
                file=summary,
                file_path=str(kept.relative_to(self.services.settings.data_dir)),
                file_crs=upload.crs,
                file_layer=upload.layer,
            )
        except BaseException:
            shutil.rmtree(kept.parent, ignore_errors=True)
            raise
        self._audit(actor, "proposal.create", proposal, {"file": upload.filename, "features": len(data)})
        return proposal

    def update(self, proposal_id: int, definition: Any, actor: Actor) -> Proposal:
        """Replace the definition of a draft or rejected proposal; 422 naming every problem."""
        proposal = self._writable(proposal_id, actor.principal)
        self._require_status(proposal, EDITABLE)
        checked = self.problems(_with_definition(proposal, definition))
        if checked.errors:
            raise InvalidDataError(_problems_title(checked), checked.errors)
        with self.services.records.transaction() as conn:
            changed = self.proposals.change(conn, proposal, expected=EDITABLE, definition=definition)
        return self._changed(changed, proposal_id)

    def submit(self, proposal_id: int, actor: Actor) -> Proposal:
        """Ask the administrators to approve it; 422 while the definition is not complete."""
        proposal = self._writable(proposal_id, actor.principal)
        self._require_status(proposal, EDITABLE)
        checked = self.problems(proposal)
        if checked.errors:
            raise InvalidDataError(_problems_title(checked), checked.errors)
        with self.services.records.transaction() as conn:
            changed = self.proposals.change(conn, proposal, expected=EDITABLE, status="submitted")
            if changed is not None:
                conn.execute(self._entry(actor, "proposal.submit", proposal, {}))
        return self._changed(changed, proposal_id)

    def reject(self, proposal_id: int, reason: Any, actor: Actor) -> Proposal:
        """Send it back with a reason; the department may edit and submit it again."""
        proposal = self._decidable(proposal_id, actor.principal)
        if not isinstance(reason, str) or not reason.strip():
            raise InvalidRequestError(
                tr("Say why the proposal is rejected."), [FieldError("reason", tr("Required."))]
            )
        if len(reason) > MAX_REASON_CHARS:
            raise InvalidRequestError(
                tr("The reason is too long: at most {maximum} characters.", maximum=MAX_REASON_CHARS),
                [FieldError("reason", tr("At most {maximum} characters.", maximum=MAX_REASON_CHARS))],
            )
        self._require_status(proposal, ("submitted",))
        with self.services.records.transaction() as conn:
            changed = self.proposals.change(
                conn,
                proposal,
                expected=("submitted",),
                status="rejected",
                reason=reason.strip(),
                decided_by=actor.principal.user,
                decided_at=utc_now(),
            )
            if changed is not None:
                conn.execute(self._entry(actor, "proposal.reject", proposal, {"reason": reason.strip()}))
        return self._changed(changed, proposal_id)

    def withdraw(self, proposal_id: int, actor: Actor) -> None:
        """Withdraw it (not once approved); its file is deleted."""
        proposal = self._writable(proposal_id, actor.principal)
        if proposal.status == "withdrawn":
            return
        self._require_status(proposal, ("draft", "submitted", "rejected"))
        with self.services.records.transaction() as conn:
            changed = self.proposals.change(
                conn,
                proposal,
                expected=("draft", "submitted", "rejected"),
                status="withdrawn",
                file_path=None,
            )
            if changed is not None:
                conn.execute(self._entry(actor, "proposal.withdraw", proposal, {}))
        self._changed(changed, proposal_id)
        self._forget_file(proposal)

    def approve(self, proposal_id: int, actor: Actor) -> Proposal:
        """Create the layer: its file imported and published as version 1, its definition added to the
        catalogue (every worker serves it within `layers.refresh_interval_s`), an audit entry."""
        proposal = self._decidable(proposal_id, actor.principal)
        self._require_status(proposal, ("submitted",))
        checked = self.problems(proposal)
        if checked.errors or checked.layer is None:
            raise InvalidDataError(_problems_title(checked), checked.errors)
        layer = checked.layer
        record = self._import(proposal, layer, checked.mapping, actor)
        with self.services.records.transaction() as conn:
            changed = self.proposals.change(
                conn,
                proposal,
                expected=("submitted",),
                status="approved",
                layer_id=layer.id,
                decided_by=actor.principal.user,
                decided_at=utc_now(),
                reason=None,
                file_path=None,
            )
            if changed is None:
                raise _status_conflict(self.proposals.get(proposal_id))
            generation = add_definition(
                conn, self.services.records, layer, proposal_id=proposal.id, user=actor.principal.user
            )
            detail = {"layer": layer.id, "import": record.id, "generation": generation}
            conn.execute(self._entry(actor, "proposal.approve", proposal, detail, layer_id=layer.id))
        self._forget_file(proposal)
        return changed

    # helpers -----------------------------------------------------------------------------------
    def _import(
        self, proposal: Proposal, layer: LayerDefinition, mapping: dict[str, str], actor: Actor
    ) -> Any:
        """The proposal's file as the new layer's first published version (else a 422 saying why)."""
        path = self._file(proposal)
        columns = {column["name"] for column in proposal.file.get("columns", [])}
        used = {column for column in columns if column in mapping or layer.attribute(column) is not None}
        options = ImportOptions(
            on_invalid="reject",
            publish=True,
            mapping=mapping,
            ignore=frozenset(columns - used),
        )
        record = self.import_service.run(
            layer,
            lambda: read_upload(
                path,
                filename=proposal.file["name"],
                crs=proposal.file_crs,
                layer=proposal.file_layer,
                limits=ReadLimits.from_settings(self.services.settings.etl),
            ),
            actor=actor,
            source=proposal.file["name"],
            options=options,
        )
        if record.status != "published":
            raise InvalidDataError(
                tr(
                    "The file could not be published as the layer's first version (import {id}: {status}); "
                    "correct the proposal and submit it again.",
                    id=record.id,
                    status=record.status,
                )
            )
        return record

    def _file(self, proposal: Proposal) -> Path:
        if proposal.file_path is None:
            raise ConflictError(tr("The proposal's file is gone; propose the layer again."))
        path = self.services.settings.data_dir / proposal.file_path
        if not path.is_file():
            raise ConflictError(tr("The proposal's file is gone; propose the layer again."))
        return path

    def _keep(self, upload: Upload) -> Path:
        folder = self.services.settings.data_dir / PROPOSALS_DIR / uuid.uuid4().hex
        folder.mkdir(parents=True)
        kept = folder / upload.filename
        shutil.copyfile(upload.path, kept)
        return kept

    def _forget_file(self, proposal: Proposal) -> None:
        if proposal.file_path:
            shutil.rmtree((self.services.settings.data_dir / proposal.file_path).parent, ignore_errors=True)

    def _department(self, principal: Principal, asked: str | None) -> str:
        _signed_in(principal)
        if principal.role is Role.admin:
            chosen = asked or principal.department
            if chosen is None:
                raise InvalidRequestError(
                    tr("Choose the department the layer is for."),
                    [FieldError("department", tr("Required."))],
                )
        elif principal.role is Role.publisher and principal.department is not None:
            if asked and asked != principal.department:
                raise ForbiddenError(tr("Publishers propose layers for their own department only."))
            chosen = principal.department
        else:
            raise ForbiddenError(tr("Only publishers and administrators propose layers."))
        if chosen not in self.services.registry.departments:
            raise InvalidRequestError(
                tr("There is no department '{department}'.", department=chosen),
                [FieldError("department", tr("Choose one of the departments."))],
            )
        return chosen

    def _writable(self, proposal_id: int, principal: Principal) -> Proposal:
        """The proposal if `principal` may change it: its department's publishers and admins."""
        _signed_in(principal)
        proposal = self.get(proposal_id, principal)
        if principal.role is not Role.admin and not (
            principal.role is Role.publisher and principal.department == proposal.department
        ):
            raise ForbiddenError(tr("Only the department's publishers and administrators change a proposal."))
        return proposal

    def _decidable(self, proposal_id: int, principal: Principal) -> Proposal:
        _signed_in(principal)
        proposal = self.get(proposal_id, principal)
        if principal.role is not Role.admin:
            raise ForbiddenError(tr("Only administrators approve or reject proposals."))
        return proposal

    def _require_status(self, proposal: Proposal, allowed: tuple[str, ...]) -> None:
        if proposal.status not in allowed:
            raise _status_conflict(proposal)

    def _changed(self, changed: Proposal | None, proposal_id: int) -> Proposal:
        if changed is None:  # another request changed its status meanwhile
            raise _status_conflict(self.proposals.get(proposal_id))
        return changed

    def _entry(
        self,
        actor: Actor,
        action: str,
        proposal: Proposal,
        detail: dict[str, Any],
        layer_id: str | None = None,
    ) -> Any:
        return audit_entry(
            actor.principal, action, layer_id, {"proposal": proposal.id, **detail}, actor.remote_addr
        )

    def _audit(self, actor: Actor, action: str, proposal: Proposal, detail: dict[str, Any]) -> None:
        with self.services.records.transaction() as conn:
            conn.execute(self._entry(actor, action, proposal, detail))


def _signed_in(principal: Principal) -> None:
    if not principal.is_signed_in:
        raise UnauthorizedError(tr("Sign in first: this needs an account."))


def _may_see(principal: Principal, department: str) -> bool:
    if principal.role in (Role.admin, Role.moderator):
        return True
    return principal.role is Role.publisher and principal.department == department


def _with_definition(proposal: Proposal, definition: Any) -> Proposal:
    return replace(proposal, definition=definition)


def _problems_title(checked: Checked) -> Message:
    return tr(
        "Problems in the layer definition: {count}; each is listed with its field.", count=len(checked.errors)
    )


STATUS_CONFLICTS = {
    "draft": tr("The proposal is a draft: it is submitted for approval first."),
    "submitted": tr("The proposal waits for an administrator's decision; it cannot be changed meanwhile."),
    "approved": tr("The proposal is already approved: the layer exists."),
    "rejected": tr("The proposal was rejected: edit it and submit it again first."),
    "withdrawn": tr("The proposal was withdrawn."),
}


def _status_conflict(proposal: Proposal) -> ConflictError:
    return ConflictError(STATUS_CONFLICTS[proposal.status])
