"""Layers as a service over HTTP: style templates, and proposals from propose to approve."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from flask import Blueprint, Flask, Response, current_app, jsonify, request, url_for
from werkzeug.utils import secure_filename

from geohub.auth.context import current_principal
from geohub.auth.http import require_signed_in
from geohub.catalogue.routes import live_catalogue
from geohub.errors import FieldError, InvalidRequestError
from geohub.extensions import app_extension
from geohub.messages import tr
from geohub.openapi.operation import NO_STORE, Body, Reply, documented
from geohub.proposals.checks import Checked, field_problems
from geohub.proposals.records import STATUSES, Proposal
from geohub.proposals.schemas import (
    DefinitionUpdate,
    LayerTemplates,
    ProposalList,
    ProposalsQuery,
    ProposalUpload,
    Rejection,
)
from geohub.proposals.schemas import Proposal as ProposalModel
from geohub.proposals.service import ProposalService, Upload
from geohub.publishing.routes import import_service
from geohub.publishing.service import Actor, uploads_dir
from geohub.request_body import json_object
from geohub.request_language import request_language
from geohub.services import Services
from geohub.styles.templates import templates_json

proposals = Blueprint("proposals", __name__)
SERVICE = "geohub.proposals"
PROBLEMS = (400, 401, 403, 404, 409)
OPEN = ("draft", "submitted", "rejected")  # what still blocks submitting is worth saying


def register_proposals(app: Flask) -> None:
    app.register_blueprint(proposals)


def proposal_service() -> ProposalService:
    return app_extension(
        SERVICE,
        lambda services, extensions: ProposalService(
            services, import_service(), lambda: {info.id for info in extensions["geohub.styles"].styles()}
        ),
    )


def _actor() -> Actor:
    return Actor(current_principal(), request.remote_addr)


def _json(proposal: Proposal, checked: Checked | None = None) -> dict[str, object]:
    """The proposal with what blocks submitting it (while it may still be edited)."""
    problems = []
    if proposal.status in OPEN:
        problems = (checked or proposal_service().problems(proposal)).errors
    return proposal.to_json(field_problems(problems, request_language()))


def _answer(proposal: Proposal, status: int = 200) -> tuple[Response, int, dict[str, str]]:
    return jsonify(_json(proposal)), status, {"Cache-Control": "no-store"}


@proposals.get("/layer-templates")
@documented(
    summary="The style templates and palette colours a proposed layer may use",
    tags=("proposals",),
    responses={200: Reply("Templates and colours", LayerTemplates)},
)
def layer_templates() -> Response:
    """Points, lines and areas, with the geometry types each draws, and the palette."""
    response = jsonify(templates_json())
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@proposals.post("/layer-proposals")
@documented(
    summary="Propose a new layer from a file: a draft whose definition is inferred from it",
    tags=("proposals",),
    operation_id="createLayerProposal",
    security="bearer",
    body=Body(ProposalUpload, media=("multipart/form-data",)),
    responses={201: Reply("The draft", ProposalModel, headers={**NO_STORE, "Location": "The new proposal"})},
    problems=(*PROBLEMS, 413, 422),
)
def create_proposal() -> tuple[Response, int, dict[str, str]]:
    """A draft proposal from the uploaded file (multipart field `file`)."""
    require_signed_in()
    services: Services = current_app.extensions["geohub"]
    request.max_content_length = services.settings.etl.max_upload_bytes
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise InvalidRequestError(
            tr("Send the file as multipart/form-data in the field 'file'."),
            [FieldError("file", tr("Required."))],
        )
    filename = secure_filename(upload.filename) or "upload"
    folder = Path(tempfile.mkdtemp(prefix="upload-", dir=uploads_dir(services.settings)))
    try:
        path = folder / filename
        upload.save(path)
        proposal = proposal_service().propose(
            Upload(path, filename, request.form.get("crs") or None, request.form.get("layer") or None),
            _actor(),
            request.form.get("department") or None,
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    body, status, headers = _answer(proposal, 201)
    return body, status, {**headers, "Location": url_for("proposals.get_proposal", proposal_id=proposal.id)}


@proposals.get("/layer-proposals")
@documented(
    summary="Layer proposals: a publisher's department's, or all for moderators and admins",
    tags=("proposals",),
    security="bearer",
    query=ProposalsQuery,
    responses={200: Reply("The proposals, newest first", ProposalList, headers=NO_STORE)},
    problems=(400, 401),
)
def list_proposals() -> tuple[Response, int, dict[str, str]]:
    """The proposals the account may see, newest first; `status` keeps one status."""
    principal = require_signed_in()
    status = request.args.get("status") or None
    if status is not None and status not in STATUSES:
        raise InvalidRequestError(
            tr(
                "Unknown status '{status}'; use one of {statuses}.",
                status=status,
                statuses=", ".join(STATUSES),
            ),
            [FieldError("status", tr("Choose one of: {choices}.", choices=", ".join(STATUSES)))],
        )
    service = proposal_service()
    listed = service.listed(principal, status)
    checked = service.problems_of([p for p in listed if p.status in OPEN])
    body = {"proposals": [_json(p, checked.get(p.id)) for p in listed]}
    return jsonify(body), 200, {"Cache-Control": "no-store"}


@proposals.get("/layer-proposals/<int:proposal_id>")
@documented(
    summary="One layer proposal",
    tags=("proposals",),
    security="bearer",
    examples={"proposal_id": "1"},
    responses={200: Reply("The proposal", ProposalModel, headers=NO_STORE)},
    problems=(401, 404),
)
def get_proposal(proposal_id: int) -> tuple[Response, int, dict[str, str]]:
    principal = require_signed_in()
    return _answer(proposal_service().get(proposal_id, principal))


@proposals.put("/layer-proposals/<int:proposal_id>")
@documented(
    summary="Replace a draft's (or rejected proposal's) definition; 422 lists every problem",
    tags=("proposals",),
    security="bearer",
    examples={"proposal_id": "1"},
    body=Body(DefinitionUpdate),
    responses={200: Reply("The proposal", ProposalModel, headers=NO_STORE)},
    problems=(*PROBLEMS, 422),
)
def update_proposal(proposal_id: int) -> tuple[Response, int, dict[str, str]]:
    require_signed_in()
    body = json_object()
    if "definition" not in body:
        raise InvalidRequestError(
            tr("Send the definition in the field 'definition'."), [FieldError("definition", tr("Required."))]
        )
    return _answer(proposal_service().update(proposal_id, body["definition"], _actor()))


@proposals.post("/layer-proposals/<int:proposal_id>/submit")
@documented(
    summary="Submit a proposal for approval; 422 while its definition is incomplete",
    tags=("proposals",),
    security="bearer",
    examples={"proposal_id": "1"},
    responses={200: Reply("The proposal, submitted", ProposalModel, headers=NO_STORE)},
    problems=(*PROBLEMS, 422),
)
def submit_proposal(proposal_id: int) -> tuple[Response, int, dict[str, str]]:
    require_signed_in()
    return _answer(proposal_service().submit(proposal_id, _actor()))


@proposals.post("/layer-proposals/<int:proposal_id>/approve")
@documented(
    summary="Approve a proposal (admins): the layer is created, its file published, served by every worker",
    tags=("proposals",),
    security="bearer",
    examples={"proposal_id": "1"},
    responses={200: Reply("The proposal, approved, naming its layer", ProposalModel, headers=NO_STORE)},
    problems=(*PROBLEMS, 422),
)
def approve_proposal(proposal_id: int) -> tuple[Response, int, dict[str, str]]:
    require_signed_in()
    approved = proposal_service().approve(proposal_id, _actor())
    live_catalogue().refresh_now()  # this worker at once; the others within layers.refresh_interval_s
    return _answer(approved)


@proposals.post("/layer-proposals/<int:proposal_id>/reject")
@documented(
    summary="Reject a submitted proposal with a reason (admins); the department may edit and resubmit",
    tags=("proposals",),
    security="bearer",
    examples={"proposal_id": "1"},
    body=Body(Rejection),
    responses={200: Reply("The proposal, rejected", ProposalModel, headers=NO_STORE)},
    problems=PROBLEMS,
)
def reject_proposal(proposal_id: int) -> tuple[Response, int, dict[str, str]]:
    require_signed_in()
    reason = json_object().get("reason")
    return _answer(proposal_service().reject(proposal_id, reason, _actor()))


@proposals.delete("/layer-proposals/<int:proposal_id>")
@documented(
    summary="Withdraw a proposal (its department; not once approved); its file is deleted",
    tags=("proposals",),
    security="bearer",
    examples={"proposal_id": "1"},
    responses={204: Reply("Withdrawn", media=None)},
    problems=PROBLEMS,
)
def withdraw_proposal(proposal_id: int) -> tuple[str, int]:
    require_signed_in()
    proposal_service().withdraw(proposal_id, _actor())
    return "", 204
