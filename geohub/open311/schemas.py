"""Open311 GeoReport v2 fields as pydantic models: the POST form GeoHub reads, and for /openapi
the query parameters and answers (the XML answers carry the same fields as elements)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel

from geohub.openapi.models import Language
from geohub.reports.service import MAX_DESCRIPTION_CHARS


class JurisdictionQuery(BaseModel):
    """`jurisdiction_id` (absent, or GeoHub's own) and `lang`."""

    jurisdiction_id: str | None = Field(None, max_length=100, examples=["almaty.kz"])
    lang: Language | None = None


class RequestsQuery(JurisdictionQuery):
    """GET requests: by ids (the other filters then do not apply), or by service, status and dates."""

    service_request_id: str | None = Field(None, description="Comma-separated request ids.")
    service_code: str | None = Field(None, description="Comma-separated service codes.")
    status: str | None = Field(None, description="`open`, `closed` or `open,closed`.")
    start_date: str | None = Field(
        None, description="ISO 8601; requested on or after (default: 90 days before end_date)."
    )
    end_date: str | None = Field(None, description="ISO 8601; requested on or before (default: now).")


class RequestForm(BaseModel):
    """The POST requests form (urlencoded or multipart). GeoHub needs `lat` and `long`; names are
    not stored; e-mail and phone are kept privately for staff; `media_url` is never fetched;
    `device_id`, `account_id`, `address_id` and attributes are ignored."""

    model_config = ConfigDict(extra="ignore")

    service_code: str = Field(min_length=1, max_length=60, examples=["broken_street_light"])
    lat: float | None = Field(None, ge=-90, le=90, allow_inf_nan=False, examples=[43.2383])
    long: float | None = Field(None, ge=-180, le=180, allow_inf_nan=False, examples=[76.9457])
    address_string: str | None = Field(None, max_length=500, description="Not enough: give lat and long.")
    description: str = Field("", max_length=MAX_DESCRIPTION_CHARS, description="1 to 2000 characters.")
    email: str | None = Field(None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    phone: str | None = Field(None, max_length=20, pattern=r"^\+?[0-9][0-9 ()-]{4,19}$")
    first_name: str | None = Field(None, max_length=100, description="Not stored.")
    last_name: str | None = Field(None, max_length=100, description="Not stored.")
    media_url: str | None = Field(None, max_length=2000, description="Ignored: GeoHub fetches nothing.")
    api_key: str | None = Field(None, max_length=200, description="Optional; when given, a valid app key.")
    jurisdiction_id: str | None = Field(None, max_length=100)


class Service(BaseModel):
    """A report category as an Open311 service."""

    service_code: str
    service_name: str
    description: str
    metadata: bool
    type: Literal["realtime"]
    keywords: str
    group: str


class Services(RootModel[list[Service]]):
    """Every service."""


class ServiceDefinition(BaseModel):
    """A service's extra attributes: none."""

    service_code: str
    attributes: list[dict[str, str]]


class ServiceRequest(BaseModel):
    """A report as a service request: no contact details or names. `description` and `media_url`
    only once a moderator approved the report; `geohub_status` is GeoHub's own status."""

    service_request_id: str
    status: Literal["open", "closed"]
    status_notes: str | None
    service_name: str
    service_code: str
    description: str | None
    agency_responsible: str
    service_notice: str
    requested_datetime: str
    updated_datetime: str
    expected_datetime: str
    address: str | None
    zipcode: str
    lat: float
    long: float
    media_url: str | None = None
    geohub_status: str


class ServiceRequests(RootModel[list[ServiceRequest]]):
    """Service requests, newest first."""


class FiledRequest(BaseModel):
    """A filed request: `token` is its id; `geohub_secret` (shown once) lets the citizen confirm or
    reopen it through `/reports/{id}/confirm` and `/reopen`."""

    service_request_id: str
    token: str
    service_notice: str | None = Field(description="Names an open report of the service within 30 m.")
    account_id: str | None = Field(description="Always null: citizens need no account.")
    geohub_secret: str


class FiledRequests(RootModel[list[FiledRequest]]):
    """The one filed request."""


class RequestToken(BaseModel):
    service_request_id: str
    token: str


class RequestTokens(RootModel[list[RequestToken]]):
    """The request a token stands for."""


class Endpoint(BaseModel):
    specification: str
    url: str
    changeset: str
    type: str
    formats: list[str]


class Discovery(BaseModel):
    """Where the GeoReport v2 endpoint is and whom to ask."""

    changeset: str
    contact: str
    key_service: str
    endpoints: list[Endpoint]


class Open311Error(BaseModel):
    code: int
    description: str = Field(description="What went wrong, in the request's language.")


class Open311Errors(RootModel[list[Open311Error]]):
    """Every error under /open311/v2, in the spec's format (`<errors><error>` in XML)."""
