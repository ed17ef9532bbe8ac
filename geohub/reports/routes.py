"""The citizen's reports API: file (with photos), read the status and photos, confirm or reopen,
support another report.

Every write is limited per client address (Flask-Limiter), on top of the app-wide limits.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from flask import Blueprint, Flask, Response, current_app, jsonify, request, url_for
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from werkzeug.exceptions import RequestEntityTooLarge

from geohub.auth.context import current_principal
from geohub.auth.http import LIMITER
from geohub.base_url import request_base_url
from geohub.errors import FieldError, InvalidRequestError, UploadTooLargeError
from geohub.messages import tr
from geohub.openapi.models import LanguageQuery
from geohub.openapi.operation import NO_STORE, NOT_MODIFIED, Body, Reply, documented
from geohub.records import utc_now
from geohub.reports.categories import load_categories
from geohub.reports.model import Report
from geohub.reports.public import nearby_json, report_json, summary_json
from geohub.reports.schemas import (
    CitizenAction,
    DuplicateOffer,
    Filed,
    ReportForm,
    ReportInput,
    ReportStatus,
    Summary,
)
from geohub.reports.service import NewReport, PhotoFile, ReportService
from geohub.request_body import json_object
from geohub.request_language import request_language
from geohub.settings import ReportsSettings

SERVICE = "geohub.reports"
WRITE_LIMIT = "10/minute;100/day"  # per client address, for each write route
TRACKING_ID_EXAMPLE = "7K3M9Q2XTB"
MULTIPART = "multipart/form-data"
FORM_ALLOWANCE_BYTES = 64 * 1024  # the `report` part and the form's own framing, beside the photos
PUBLIC_PHOTO_CACHE = "public, max-age=3600"  # approved: anyone may see it, caches may keep it
STAFF_PHOTO_CACHE = "private, max-age=60"  # not approved: only the staff's own browser may keep it
PHOTO_HEADERS = {
    "Cache-Control": f"`{PUBLIC_PHOTO_CACHE}` once approved, `{STAFF_PHOTO_CACHE}` before (staff only)",
    "ETag": "The photo's digest (If-None-Match answers 304)",
}

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
    return report_service_of(current_app)


def report_service_of(app: Flask) -> ReportService:
    service: ReportService = app.extensions[SERVICE]
    return service


@reports.post("/reports")
@documented(
    summary="File a problem report (or be offered the same report nearby)",
    tags=("reports",),
    operation_id="fileReport",
    body=Body(ReportInput, forms={MULTIPART: ReportForm}),
    responses={
        201: Reply("Filed: its tracking id, secret (shown once) and photo count", Filed, headers=NO_STORE),
        200: Reply("Not filed: open reports of the category within 30 m", DuplicateOffer),
    },
    problems=(400, 413, 415, 422, 429),
)
def file_report() -> tuple[Response, int]:
    """File a report (JSON, or a form with photos); answers the nearby duplicates instead unless
    `confirmDistinct` is true."""
    service = report_service()
    body, uploads = _filing_parts(current_app.extensions["geohub"].settings.reports)
    data = ReportInput.model_validate(body)
    photos = service.prepare_photos(uploads)  # Pillow runs before any transaction opens
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
        photos=photos,
    )
    filing = service.file(new, request.remote_addr)
    if filing.report is None:
        duplicates = [nearby_json(n, service.categories, language) for n in filing.duplicates]
        return _no_store(jsonify({"filed": False, "duplicates": duplicates})), 200
    filed = {"filed": True, "trackingId": filing.report.tracking_id, "secret": filing.secret}
    filed["photoCount"] = len(photos)
    response = _no_store(jsonify({**filed, "report": _status_json(filing.report.tracking_id, filing.report)}))
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


@reports.get("/reports/<tracking_id>/photos/<int:position>")
@documented(
    summary="A photo of a report (JPEG without metadata): public once approved, else staff only",
    tags=("reports",),
    operation_id="reportPhoto",
    responses={200: Reply("The photo", media="image/jpeg", headers=PHOTO_HEADERS), 304: NOT_MODIFIED},
    problems=(404,),
    path_names={"tracking_id": "trackingId", "position": "n"},
    examples={"tracking_id": TRACKING_ID_EXAMPLE, "position": "1"},
)
def report_photo(tracking_id: str, position: int) -> Response:
    """Photo `position` (1, 2, …); 404 for whoever may not see it yet."""
    return _photo_response(report_service().photo(tracking_id, position, current_principal()))


@reports.get("/reports/<tracking_id>/photos/<int:position>/thumbnail")
@documented(
    summary="A photo's thumbnail (JPEG without metadata): public once approved, else staff only",
    tags=("reports",),
    operation_id="reportPhotoThumbnail",
    responses={200: Reply("The thumbnail", media="image/jpeg", headers=PHOTO_HEADERS), 304: NOT_MODIFIED},
    problems=(404,),
    path_names={"tracking_id": "trackingId", "position": "n"},
    examples={"tracking_id": TRACKING_ID_EXAMPLE, "position": "1"},
)
def report_photo_thumbnail(tracking_id: str, position: int) -> Response:
    """The thumbnail of photo `position`; 404 for whoever may not see it yet."""
    service = report_service()
    return _photo_response(service.photo(tracking_id, position, current_principal(), thumbnail=True))


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
    action = CitizenAction.model_validate(json_object())
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
    action = CitizenAction.model_validate(json_object())
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


def _status_json(tracking_id: str, report: Report | None = None) -> dict[str, Any]:
    """The public status of the report (`report`: its state, when the caller has just read it)."""
    service = report_service()
    report = report or service.get(tracking_id)
    history = service.history(report.tracking_id)
    photos = []
    if service.may_see_photos(current_principal(), report):
        base = f"{request_base_url()}/reports/{report.tracking_id}/photos"
        photos = [
            {"href": f"{base}/{n}", "thumbnail": f"{base}/{n}/thumbnail"}
            for n in service.photo_positions(report.tracking_id)
        ]
    language = request_language()
    return report_json(report, history, service.categories, service.registry, language, utc_now(), photos)


def _filing_parts(settings: ReportsSettings) -> tuple[dict[str, Any], list[bytes]]:
    """The filing's JSON object and its photos: a JSON body, or multipart/form-data with the JSON
    in the part `report` and files in parts `photo`. An oversized form is refused unread."""
    if request.mimetype != MULTIPART:
        return json_object(), []
    limit = settings.max_photos * settings.max_photo_bytes + FORM_ALLOWANCE_BYTES
    too_large = UploadTooLargeError(tr("The request body is larger than {limit} bytes.", limit=limit))
    if request.content_length is not None and request.content_length > limit:
        raise too_large
    request.max_content_length = limit  # a body without a length is cut off there
    try:
        text, files = request.form.get("report"), request.files.getlist("photo")
    except RequestEntityTooLarge as exc:
        raise too_large from exc
    if request.form.getlist("photo"):  # a text part, not a file
        raise InvalidRequestError(
            tr("Send each photo as a file in a part named 'photo'."),
            [FieldError("photo", tr("Send a file."))],
        )
    try:
        body = json.loads(text) if text is not None else None
    except ValueError:
        body = None
    if not isinstance(body, dict):
        message = tr("The part 'report' must hold the report as a JSON object.")
        raise InvalidRequestError(message, [FieldError("report", message)])
    return body, [file.read(settings.max_photo_bytes + 1) for file in files]


def _photo_response(photo: PhotoFile) -> Response:
    response = Response(photo.data, mimetype=photo.media_type)
    response.headers["Cache-Control"] = PUBLIC_PHOTO_CACHE if photo.public else STAFF_PHOTO_CACHE
    response.set_etag(hashlib.sha256(photo.data).hexdigest()[:32])
    response.make_conditional(request)  # 304 for a matching If-None-Match
    return response


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Language"] = request_language()
    return response
