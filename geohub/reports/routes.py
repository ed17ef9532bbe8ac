"""The citizen's reports API: file, read the status, confirm or reopen, support another report.

Every write is limited per client address (Flask-Limiter), on top of the app-wide limits.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, Response, current_app, jsonify, request, url_for
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from geohub.auth.http import LIMITER
from geohub.errors import InvalidRequestError
from geohub.messages import tr
from geohub.openapi.models import LanguageQuery
from geohub.openapi.operation import NO_STORE, Body, Reply, documented
from geohub.records import utc_now
from geohub.reports.categories import load_categories
from geohub.reports.public import nearby_json, report_json, summary_json
from geohub.reports.schemas import CitizenAction, DuplicateOffer, Filed, ReportInput, ReportStatus, Summary
from geohub.reports.service import NewReport, ReportService
from geohub.request_language import request_language

SERVICE = "geohub.reports"
WRITE_LIMIT = "10/minute;100/day"  # per client address, for each write route
TRACKING_ID_EXAMPLE = "7K3M9Q2XTB"

reports = Blueprint("reports", __name__)


def register_reports(app: Flask) -> None:
    """The reports routes and their limits; the categories are loaded now (a bad file stops start-up)."""
    services = app.extensions["geohub"]
    app.extensions[SERVICE] = ReportService(services, load_categories(services.registry.departments))
    app.register_blueprint(reports)
    limiter: Limiter = app.extensions[LIMITER]
    for view in (file_report, confirm_report, reopen_report, support_report):
        endpoint = f"{reports.name}.{view.__name__}"  # the limiter checks in its wrapper, so serve that
        limited: Any = limiter.limit(WRITE_LIMIT, key_func=get_remote_address)(app.view_functions[endpoint])
        app.view_functions[endpoint] = limited


def report_service() -> ReportService:
    service: ReportService = current_app.extensions[SERVICE]
    return service


@reports.post("/reports")
@documented(
    summary="File a problem report (or be offered the same report nearby)",
    tags=("reports",),
    operation_id="fileReport",
    body=Body(ReportInput),
    responses={
        201: Reply("Filed: its tracking id and secret (shown once)", Filed, headers=NO_STORE),
        200: Reply("Not filed: open reports of the category within 30 m", DuplicateOffer),
    },
    problems=(400, 422, 429),
)
def file_report() -> tuple[Response, int]:
    """File a report; answers the nearby duplicates instead unless `confirmDistinct` is true."""
    data = ReportInput.model_validate(_json_body())
    language = request_language()
    new = NewReport(
        category=data.category,
        description=data.description,
        lon=data.location.lon,
        lat=data.location.lat,
        language=language,
        contact_email=data.email,
        contact_phone=data.phone,
        confirm_distinct=data.confirmDistinct,
    )
    service = report_service()
    filing = service.file(new, request.remote_addr)
    if filing.report is None:
        duplicates = [nearby_json(n, service.categories, language) for n in filing.duplicates]
        return _no_store(jsonify({"filed": False, "duplicates": duplicates})), 200
    body = {"filed": True, "trackingId": filing.report.tracking_id, "secret": filing.secret}
    response = _no_store(jsonify({**body, "report": _status_json(filing.report.tracking_id)}))
    response.headers["Location"] = url_for("reports.report_status", tracking_id=filing.report.tracking_id)
    return response, 201


@reports.get("/reports/<tracking_id>")
@documented(
    summary="The public status of a report and its history",
    tags=("reports",),
    operation_id="reportStatus",
    query=LanguageQuery,
    responses={200: Reply("The report's status", ReportStatus, headers=NO_STORE)},
    problems=(400, 404),
    path_names={"tracking_id": "trackingId"},
    examples={"tracking_id": TRACKING_ID_EXAMPLE},
)
def report_status(tracking_id: str) -> Response:
    """The report as anyone with its tracking id may see it."""
    return _no_store(jsonify(_status_json(tracking_id)))


@reports.post("/reports/<tracking_id>/confirm")
@documented(
    summary="The citizen confirms the resolution (closes the report)",
    tags=("reports",),
    operation_id="confirmReport",
    body=Body(CitizenAction),
    responses={200: Reply("Closed", ReportStatus, headers=NO_STORE)},
    problems=(400, 403, 404, 409, 429),
    path_names={"tracking_id": "trackingId"},
    examples={"tracking_id": TRACKING_ID_EXAMPLE},
)
def confirm_report(tracking_id: str) -> Response:
    """resolved -> closed, with the report's secret."""
    action = CitizenAction.model_validate(_json_body())
    report = report_service().confirm(tracking_id, action.secret, action.comment, request.remote_addr)
    return _no_store(jsonify(_status_json(report.tracking_id)))


@reports.post("/reports/<tracking_id>/reopen")
@documented(
    summary="The citizen rejects the resolution (reopens the report)",
    tags=("reports",),
    operation_id="reopenReport",
    body=Body(CitizenAction),
    responses={200: Reply("Reopened", ReportStatus, headers=NO_STORE)},
    problems=(400, 403, 404, 409, 429),
    path_names={"tracking_id": "trackingId"},
    examples={"tracking_id": TRACKING_ID_EXAMPLE},
)
def reopen_report(tracking_id: str) -> Response:
    """resolved -> reopened, with the report's secret."""
    action = CitizenAction.model_validate(_json_body())
    report = report_service().reopen(tracking_id, action.secret, action.comment, request.remote_addr)
    return _no_store(jsonify(_status_json(report.tracking_id)))


@reports.post("/reports/<tracking_id>/support")
@documented(
    summary="Support an open report: one more citizen has the same problem",
    tags=("reports",),
    operation_id="supportReport",
    responses={200: Reply("The report with its supporters counted", Summary, headers=NO_STORE)},
    problems=(404, 409, 429),
    path_names={"tracking_id": "trackingId"},
    examples={"tracking_id": TRACKING_ID_EXAMPLE},
)
def support_report(tracking_id: str) -> Response:
    """Count one more supporter of an open report."""
    service = report_service()
    report = service.support(tracking_id, request.remote_addr)
    return _no_store(jsonify(summary_json(report, service.categories, request_language())))


def _status_json(tracking_id: str) -> dict[str, Any]:
    service = report_service()
    report = service.get(tracking_id)
    history = service.history(report.tracking_id)
    return report_json(report, history, service.categories, service.registry, request_language(), utc_now())


def _json_body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidRequestError(tr("The request body must be a JSON object."))
    return body


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Language"] = request_language()
    return response
