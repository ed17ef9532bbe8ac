"""Open311 GeoReport v2 at /open311/v2: discovery, services, requests (list, one, file), tokens.

Each route answers JSON or XML by its suffix (`services.json`, `services.xml`). Errors are in the
spec's format (`[{"code", "description"}]`, `<errors><error>…`): every problem+json answer under
the prefix (GeoHub errors, invalid fields, the router's 404 and 405, 401, 429) is rewritten by
`_open311_errors` after the app's one handler made it, so status, language and headers stay its.
Filing is limited per client address like `POST /reports`. `media_url` is never fetched.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Flask, Response, current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from geohub.auth.http import LIMITER, accounts
from geohub.base_url import request_base_url
from geohub.errors import ForbiddenError, InvalidRequestError, NotFoundError
from geohub.messages import tr
from geohub.open311.catalogue import definition_json, discovery_json, services_json
from geohub.open311.formats import FORMATS, Document, encode, errors_document, format_of
from geohub.open311.query import find_reports, staff_replies, with_photos
from geohub.open311.schemas import (
    Discovery,
    FiledRequests,
    JurisdictionQuery,
    Open311Errors,
    RequestForm,
    RequestsQuery,
    RequestTokens,
    ServiceDefinition,
    ServiceRequests,
    Services,
)
from geohub.open311.service_requests import RequestFilter, filed_json, parse_filter, request_json
from geohub.openapi.operation import NO_STORE, Body, Reply, documented
from geohub.problems import PROBLEM_JSON
from geohub.records import utc_now
from geohub.reports.routes import TRACKING_ID_EXAMPLE, WRITE_LIMIT, report_service
from geohub.reports.service import NewReport
from geohub.request_language import request_language

PREFIX = "/open311/v2"
MEDIA = {"json": "application/json", "xml": "text/xml"}
FORMAT_VALUES = {"fmt": FORMATS}  # one documented path per format
SERVICES_CACHE = "public, max-age=300"

open311 = Blueprint("open311", __name__, url_prefix=PREFIX)


def register_open311(app: Flask) -> None:
    """The Open311 routes (after register_reports: they file through its ReportService)."""
    app.register_blueprint(open311)
    app.after_request(_open311_errors)
    limiter: Limiter = app.extensions[LIMITER]
    endpoint = f"{open311.name}.{create_request.__name__}"
    limited: Any = limiter.limit(WRITE_LIMIT, key_func=get_remote_address)(app.view_functions[endpoint])
    app.view_functions[endpoint] = limited


def _errors(*statuses: int) -> dict[int, Reply]:
    return {status: Reply("An error in the spec's format", Open311Errors, media=MEDIA) for status in statuses}


@open311.before_request
def _check_format_and_jurisdiction() -> None:
    fmt = str((request.view_args or {}).get("fmt", ""))
    if fmt not in FORMATS:
        raise NotFoundError(tr("Open311 answers as .json or .xml, not .{format}.", format=fmt[:20]))
    jurisdiction = request.values.get("jurisdiction_id")
    served = current_app.extensions["geohub"].settings.reports.open311_jurisdiction
    if jurisdiction is not None and jurisdiction != served:
        raise NotFoundError(tr("GeoHub serves the jurisdiction '{jurisdiction}' only.", jurisdiction=served))


@open311.get("/discovery.<fmt>")
@documented(
    summary="Open311 service discovery: the GeoReport v2 endpoint, its formats and contact",
    tags=("open311",),
    operation_id="open311Discovery_{fmt}",
    query=JurisdictionQuery,
    responses={200: Reply("The discovery document", Discovery, media=MEDIA), **_errors(404)},
    path_values=FORMAT_VALUES,
)
def discovery(fmt: str) -> Response:
    """Where the endpoint is and what it speaks."""
    document = Document("discovery", discovery_json(request_base_url(), request_language()))
    return _answer(document, fmt, SERVICES_CACHE)


@open311.get("/services.<fmt>")
@documented(
    summary="Open311 services: one per report category, named in the request's language",
    tags=("open311",),
    operation_id="open311Services_{fmt}",
    query=JurisdictionQuery,
    responses={200: Reply("Every service", Services, media=MEDIA), **_errors(404)},
    path_values=FORMAT_VALUES,
)
def services(fmt: str) -> Response:
    """Every report category as a service."""
    service = report_service()
    listed = services_json(service.categories, service.registry.departments, request_language())
    return _answer(Document("services", listed, "service"), fmt, SERVICES_CACHE)


@open311.get("/services/<service_code>.<fmt>")
@documented(
    summary="An Open311 service definition (GeoHub's services have no extra attributes)",
    tags=("open311",),
    operation_id="open311ServiceDefinition_{fmt}",
    query=JurisdictionQuery,
    responses={200: Reply("The service's definition", ServiceDefinition, media=MEDIA), **_errors(404)},
    path_values=FORMAT_VALUES,
    examples={"service_code": "broken_street_light"},
)
def service_definition(service_code: str, fmt: str) -> Response:
    """A service's attributes: none."""
    category = report_service().categories.get(service_code)
    if category is None:
        raise NotFoundError(tr("There is no service '{service_code}'.", service_code=service_code[:60]))
    return _answer(Document("service_definition", definition_json(category)), fmt, SERVICES_CACHE)


@open311.post("/requests.<fmt>")
@documented(
    summary="File an Open311 service request (a citizen report; lat and long are required)",
    tags=("open311",),
    operation_id="open311CreateRequest_{fmt}",
    body=Body(RequestForm, media=("application/x-www-form-urlencoded", "multipart/form-data")),
    responses={
        200: Reply("Filed: its id, token and the citizen's secret (shown once)", FiledRequests, media=MEDIA),
        **_errors(400, 403, 404, 422, 429),
    },
    path_values=FORMAT_VALUES,
)
def create_request(fmt: str) -> Response:
    """File a report even when one of its category is near (Open311 clients cannot answer the
    offer; moderators merge duplicates); the notice names the nearest."""
    form = RequestForm.model_validate(_form_fields())
    if form.api_key is not None and accounts().authenticate_key(form.api_key) is None:
        raise ForbiddenError(tr("The api_key is not a valid GeoHub app key."))
    if form.lat is None or form.long is None:
        raise InvalidRequestError(
            tr("GeoHub needs the place as lat and long; an address_string alone cannot be placed.")
        )
    service = report_service()
    if service.categories.get(form.service_code) is None:
        raise InvalidRequestError(
            tr("There is no service '{service_code}'.", service_code=form.service_code[:60])
        )
    language = request_language()
    nearby = service.nearby(form.service_code, form.long, form.lat)
    new = NewReport(
        category=form.service_code,
        description=form.description,
        lon=form.long,
        lat=form.lat,
        language=language,
        contact_email=form.email,
        contact_phone=form.phone,
        confirm_distinct=True,
    )
    filing = service.file(new, request.remote_addr)
    assert filing.report is not None and filing.secret is not None  # confirm_distinct always files
    filed = filed_json(filing.report, filing.secret, nearby, language)
    return _answer(Document("service_requests", [filed], "request"), fmt, "no-store")


@open311.get("/requests.<fmt>")
@documented(
    summary="Open311 service requests: by ids, or by service, status and dates (default: 90 days)",
    tags=("open311",),
    operation_id="open311Requests_{fmt}",
    query=RequestsQuery,
    responses={
        200: Reply("At most 1000 requests, newest first", ServiceRequests, media=MEDIA, headers=NO_STORE),
        **_errors(400, 404),
    },
    path_values=FORMAT_VALUES,
)
def list_requests(fmt: str) -> Response:
    """The reports the filters select, as service requests."""
    query = RequestsQuery.model_validate(request.args.to_dict())
    wanted = parse_filter(
        query.service_request_id,
        query.service_code,
        query.status,
        query.start_date,
        query.end_date,
        report_service().categories,
        utc_now(),
    )
    return _answer(_requests_document(wanted), fmt, "no-store")


@open311.get("/requests/<request_id>.<fmt>")
@documented(
    summary="One Open311 service request (as a one-element list)",
    tags=("open311",),
    operation_id="open311Request_{fmt}",
    query=JurisdictionQuery,
    responses={200: Reply("The request", ServiceRequests, media=MEDIA, headers=NO_STORE), **_errors(404)},
    path_values=FORMAT_VALUES,
    path_names={"request_id": "service_request_id"},
    examples={"request_id": TRACKING_ID_EXAMPLE},
)
def one_request(request_id: str, fmt: str) -> Response:
    """The report with this tracking id, or 404."""
    report = report_service().get(request_id)
    return _answer(_requests_document(RequestFilter(tracking_ids=(report.tracking_id,))), fmt, "no-store")


@open311.get("/tokens/<token>.<fmt>")
@documented(
    summary="The Open311 request a token stands for (GeoHub's token is the request id)",
    tags=("open311",),
    operation_id="open311Token_{fmt}",
    query=JurisdictionQuery,
    responses={200: Reply("The request's id", RequestTokens, media=MEDIA), **_errors(404)},
    path_values=FORMAT_VALUES,
    examples={"token": TRACKING_ID_EXAMPLE},
)
def request_token(token: str, fmt: str) -> Response:
    """The id of the request filed under `token`, or 404."""
    report = report_service().get(token)
    found = [{"service_request_id": report.tracking_id, "token": report.tracking_id}]
    return _answer(Document("service_requests", found, "request"), fmt, "no-store")


def _requests_document(wanted: RequestFilter) -> Document:
    service = report_service()
    records = service.records
    found = find_reports(records, wanted)
    ids = [report.tracking_id for report in found]
    notes = staff_replies(records, ids)
    photographed = with_photos(records, [r.tracking_id for r in found if r.approved_at is not None])
    base_url, language = request_base_url(), request_language()
    listed = [
        request_json(
            report,
            service.categories,
            service.registry.departments,
            language,
            notes.get(report.tracking_id),
            _first_photo_url(base_url, report.tracking_id) if report.tracking_id in photographed else None,
        )
        for report in found
    ]
    return Document("service_requests", listed, "request")


def _first_photo_url(base_url: str, tracking_id: str) -> str:
    return f"{base_url}/reports/{tracking_id}/photos/1"  # reports.routes serves it to anyone once approved


def _form_fields() -> dict[str, str]:
    """The form's fields (urlencoded or multipart) over the query's; empty ones count as absent."""
    fields = {**request.args.to_dict(), **request.form.to_dict()}
    return {name: value for name, value in fields.items() if value.strip()}


def _answer(document: Document, fmt: str, cache_control: str) -> Response:
    body, content_type = encode(document, fmt)
    response = Response(body, content_type=content_type)
    response.headers["Cache-Control"] = cache_control
    response.headers["Content-Language"] = request_language()
    response.vary.add("Accept-Language")
    return response


def _open311_errors(response: Response) -> Response:
    """A problem+json answer under the prefix in the spec's error format, same status and headers."""
    inside = request.path == PREFIX or request.path.startswith(PREFIX + "/")
    if not inside or response.mimetype != PROBLEM_JSON:
        return response
    problem = json.loads(response.get_data())
    description = str(problem.get("detail", ""))
    errors = problem.get("errors") or ()
    fields = [f"{e['field']}: {e['message']}" for e in errors if e["message"] != description]
    if fields:
        description = f"{description} ({'; '.join(fields)})"
    body, content_type = encode(errors_document(response.status_code, [description]), format_of(request.path))
    response.set_data(body)
    response.content_type = content_type
    return response
