"""GeoHubError family: every failure a user can cause, with its HTTP status and a safe message."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PROBLEM_TYPE_BASE = "https://geohub.almaty.kz/problems/"


@dataclass(frozen=True)
class FieldError:
    """One invalid input field and what is wrong with it."""

    field: str
    message: str


@dataclass
class GeoHubError(Exception):
    """Base of every error GeoHub reports to a user; `detail` is safe to show."""

    detail: str = "The request could not be completed."
    errors: list[FieldError] = field(default_factory=list)

    status = 500
    title = "Internal server error"
    slug = "internal-error"

    def __post_init__(self) -> None:
        super().__init__(self.detail)

    @property
    def type_uri(self) -> str:
        """The RFC 7807 `type` of this error."""
        return PROBLEM_TYPE_BASE + self.slug

    def to_problem(self, instance: str | None = None) -> dict[str, Any]:
        """The RFC 7807 problem details body."""
        body: dict[str, Any] = {
            "type": self.type_uri,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if instance:
            body["instance"] = instance
        if self.errors:
            body["errors"] = [{"field": e.field, "message": e.message} for e in self.errors]
        return body


class InvalidRequestError(GeoHubError):
    status, title, slug = 400, "Invalid request", "invalid-request"


class InvalidBboxError(InvalidRequestError):
    title, slug = "Invalid bbox", "invalid-bbox"


class NotFoundError(GeoHubError):
    status, title, slug = 404, "Not found", "not-found"


class LayerNotFoundError(NotFoundError):
    title, slug = "Layer not found", "layer-not-found"


class FeatureNotFoundError(NotFoundError):
    title, slug = "Feature not found", "feature-not-found"


class VersionNotFoundError(NotFoundError):
    title, slug = "Version not found", "version-not-found"


class UnauthorizedError(GeoHubError):
    """No valid credentials: a missing, malformed, expired or revoked token or key."""

    status, title, slug = 401, "Unauthorized", "unauthorized"


class ForbiddenError(GeoHubError):
    """Signed in, but this account's role does not allow it (e.g. admin pages for a publisher)."""

    status, title, slug = 403, "Forbidden", "forbidden"


class ForbiddenLayerError(GeoHubError):
    status, title, slug = 403, "Forbidden", "forbidden-layer"


class ConflictError(GeoHubError):
    status, title, slug = 409, "Conflict", "conflict"


class UploadTooLargeError(GeoHubError):
    status, title, slug = 413, "Upload too large", "upload-too-large"


class TooManyRequestsError(GeoHubError):
    status, title, slug = 429, "Too many requests", "too-many-requests"


class InvalidDataError(GeoHubError):
    """Data that cannot be stored as the layer's definition says."""

    status, title, slug = 422, "Invalid data", "invalid-data"


class UploadTimeoutError(InvalidDataError):
    """A file that takes longer to read than an import may (etl.read_timeout_s)."""

    title, slug = "Upload too slow to read", "upload-too-slow"


class StorageUnavailableError(GeoHubError):
    status, title, slug = 503, "Storage unavailable", "storage-unavailable"


class ConfigurationError(Exception):
    """A bad setting or definition file: stops start-up with a one-line message."""
