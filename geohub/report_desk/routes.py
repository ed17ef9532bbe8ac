"""The staff reports API: the queue, a report's case, and the staff's actions on a report.

Every route needs a signed-in account (401) of staff (403: admins, moderators, publishers of the
report's department); answers carry private data, so they are `Cache-Control: no-store, private`.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, Response, current_app, jsonify, request, url_for

from geohub.auth.http import require_signed_in
from geohub.errors import InvalidRequestError
from geohub.messages import tr
from geohub.openapi.operation import Body, Reply, documented
from geohub.records import utc_now
from geohub.report_desk.desk import ReportDesk
from geohub.report_desk.export import case_json, staff_json
from geohub.report_desk.queue import (
    QueueFilter,
    QueuePage,
    parse_district,
    parse_page,
    parse_sort,
    parse_statuses,
)
from geohub.report_desk.schemas import (
    ApprovalInput,
    AssignInput,
    Case,
    MergeInput,
    Queue,
    QueueQuery,
    ReplyInput,
    StatusInput,
)
from geohub.reports.model import Status
from geohub.reports.routes import TRACKING_ID_EXAMPLE, report_service, report_service_of
from geohub.request_body import json_object
from geohub.request_language import request_language

DESK = "geohub.report_desk"
QUEUE_ARGUMENTS = {
    "department",
    "status",
    "overdue",
    "category",
    "district",
    "sort",
    "limit",
    "offset",
    "lang",
}
PRIVATE = {"Cache-Control": "`no-store, private`: personal data, no cache may keep it"}
ACTION_PROBLEMS = (400, 401, 403, 404, 409)
PATH_NAMES, EXAMPLES = {"tracking_id": "trackingId"}, {"tracking_id": TRACKING_ID_EXAMPLE}

report_desk = Blueprint("report_desk", __name__)


def register_report_desk(app: Flask) -> None:
    """The staff routes, over the app's ReportService (register the reports routes first)."""
    service = report_service_of(app)
    app.extensions[DESK] = ReportDesk(service, app.extensions["geohub"].settings.reports)
    app.register_blueprint(report_desk)


def desk() -> ReportDesk:
    found: ReportDesk = current_app.extensions[DESK]
    return found


@report_desk.get("/reports")
@documented(
    summary="The staff's queue of reports, with counts per status (staff)",
    tags=("reports",),
    operation_id="reportQueue",
    security="bearer",
    query=QueueQuery,
    responses={200: Reply("A page of the queue", Queue, headers=PRIVATE)},
    problems=(400, 401, 403),
)
def queue() -> Response:
    """Reports by department, status, overdue, category, district; sorted and paged."""
    actor = require_signed_in()
    args = request.args
    unknown = sorted(set(args) - QUEUE_ARGUMENTS)
    if unknown:
        raise InvalidRequestError(tr("Unknown query parameter: {names}.", names=", ".join(unknown)))
    sort, descending = parse_sort(args.get("sort"))
    limit, offset = parse_page(args.get("limit"), args.get("offset"))
    wanted = QueueFilter(
        department=args.get("department") or None,
        statuses=parse_statuses(args.getlist("status")),
        overdue=_flag("overdue", args.get("overdue")),
        category=args.get("category") or None,
        district=parse_district(args.get("district")),
        sort=sort,
        descending=descending,
        limit=limit,
        offset=offset,
    )
    page = desk().queue(actor, wanted)
    return _private(jsonify(_queue_json(page)))


@report_desk.get("/reports/<tracking_id>/case")
@documented(
    summary="A report's case: private details and whole history with staff names (staff)",
    tags=("reports",),
    operation_id="reportCase",
    security="bearer",
    responses={200: Reply("The report and its history", Case, headers=PRIVATE)},
    problems=(401, 403, 404),
    path_names=PATH_NAMES,
    examples=EXAMPLES,
)
def case(tracking_id: str) -> Response:
    """The report as its staff see it."""
    return _case_response(tracking_id)


@report_desk.post("/reports/<tracking_id>/status")
@documented(
    summary="Move a report: accept, start, resolve, reject or mark a duplicate (staff)",
    tags=("reports",),
    operation_id="moveReport",
    security="bearer",
    body=Body(StatusInput),
    responses={200: Reply("The report's case after the move", Case, headers=PRIVATE)},
    problems=ACTION_PROBLEMS,
    path_names=PATH_NAMES,
    examples=EXAMPLES,
)
def move(tracking_id: str) -> Response:
    """A status move through ReportService.move (the lifecycle's one transitions table)."""
    actor = require_signed_in()
    body = StatusInput.model_validate(json_object())
    report = report_service().move(
        tracking_id, Status(body.status), actor, body.comment, body.duplicateOf, request.remote_addr
    )
    return _case_response(report.tracking_id)


@report_desk.post("/reports/<tracking_id>/assign")
@documented(
    summary="Hand a report to another department (moderators and admins)",
    tags=("reports",),
    operation_id="assignReport",
    security="bearer",
    body=Body(AssignInput),
    responses={200: Reply("The report's case after the hand-over", Case, headers=PRIVATE)},
    problems=ACTION_PROBLEMS,
    path_names=PATH_NAMES,
    examples=EXAMPLES,
)
def assign(tracking_id: str) -> Response:
    """Assign the report to `department`, with a comment for the history."""
    actor = require_signed_in()
    body = AssignInput.model_validate(json_object())
    report = desk().assign(actor, tracking_id, body.department, body.comment, request.remote_addr)
    return _case_response(report.tracking_id)


@report_desk.post("/reports/<tracking_id>/replies")
@documented(
    summary="Reply to the citizen: shown in the public history as the staff's role (staff)",
    tags=("reports",),
    operation_id="replyToReport",
    security="bearer",
    body=Body(ReplyInput),
    responses={201: Reply("The report's case with the reply", Case, headers=PRIVATE)},
    problems=ACTION_PROBLEMS,
    path_names=PATH_NAMES,
    examples=EXAMPLES,
)
def reply(tracking_id: str) -> tuple[Response, int]:
    """A staff reply (1 to 2000 characters)."""
    actor = require_signed_in()
    body = ReplyInput.model_validate(json_object())
    report = desk().reply(actor, tracking_id, body.comment, request.remote_addr)
    return _case_response(report.tracking_id), 201


@report_desk.post("/reports/<tracking_id>/merge")
@documented(
    summary="Merge a report into another: a duplicate, its supporters counted there (moderators)",
    tags=("reports",),
    operation_id="mergeReport",
    security="bearer",
    body=Body(MergeInput),
    responses={200: Reply("The merged report's case", Case, headers=PRIVATE)},
    problems=ACTION_PROBLEMS,
    path_names=PATH_NAMES,
    examples=EXAMPLES,
)
def merge(tracking_id: str) -> Response:
    """The report becomes a duplicate of `into` (the root of its chain)."""
    actor = require_signed_in()
    body = MergeInput.model_validate(json_object())
    report = desk().merge(actor, tracking_id, body.into, request.remote_addr)
    return _case_response(report.tracking_id)


@report_desk.post("/reports/<tracking_id>/approval")
@documented(
    summary="Approve a report's description and photos for the public, or withdraw it (moderators)",
    tags=("reports",),
    operation_id="approveReport",
    security="bearer",
    body=Body(ApprovalInput),
    responses={200: Reply("The report's case", Case, headers=PRIVATE)},
    problems=ACTION_PROBLEMS,
    path_names=PATH_NAMES,
    examples=EXAMPLES,
)
def approval(tracking_id: str) -> Response:
    """Set or clear the approval."""
    actor = require_signed_in()
    body = ApprovalInput.model_validate(json_object())
    report = desk().approve(actor, tracking_id, body.approved, request.remote_addr)
    return _case_response(report.tracking_id)


def _case_response(tracking_id: str) -> Response:
    service = report_service()
    report, history = desk().case(require_signed_in(), tracking_id)
    body = case_json(report, history, service.categories, service.registry, request_language(), utc_now())
    return _private(jsonify(body))


def _queue_json(page: QueuePage) -> dict[str, Any]:
    service = report_service()
    language, now = request_language(), utc_now()
    items = [staff_json(r, service.categories, service.registry, language, now) for r in page.reports]
    return {
        "reports": items,
        "numberMatched": page.number_matched,
        "numberReturned": len(items),
        "counts": page.counts,
        "overdue": page.overdue,
        "links": _links(page),
    }


def _links(page: QueuePage) -> list[dict[str, str]]:
    queue = page.filter
    offsets = [("self", queue.offset)]
    if queue.offset + queue.limit < page.number_matched:
        offsets.append(("next", queue.offset + queue.limit))
    if queue.offset > 0:
        offsets.append(("prev", max(0, queue.offset - queue.limit)))
    args: dict[str, Any] = {k: v for k, v in request.args.lists() if k != "offset"}
    return [
        {"href": url_for("report_desk.queue", **args, offset=offset), "rel": rel, "type": "application/json"}
        for rel, offset in offsets
    ]


def _flag(name: str, value: str | None) -> bool | None:
    if value is None or value == "":
        return None
    if value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise InvalidRequestError(tr("{name} must be true or false, not '{value}'.", name=name, value=value[:40]))


def _private(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store, private"
    response.headers["Content-Language"] = request_language()
    return response
