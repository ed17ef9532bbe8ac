"""GeoHubError family: every failure a user can cause, with its HTTP status and a safe message."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from geohub.messages import N_, Message, render, tr, translate

PROBLEM_TYPE_BASE = "https://geohub.almaty.kz/problems/"
UNSPECIFIED = tr("The request could not be completed.")


@dataclass(frozen=True)
class FieldError:
    """One invalid input field and what is wrong with it."""

    field: str
    message: str | Message

    def to_json(self, language: str = "en") -> dict[str, str]:
        """The field and its message in `language`."""
        return {"field": self.field, "message": render(self.message, language)}


class GeoHubError(Exception):
    """Base of every error GeoHub reports to a user; its message is safe to show.

    `message` is translatable (see geohub.messages); `detail` is its English text, for logs
    and the command line.
    """

    status = 500
    title = N_("Internal server error")
    slug = "internal-error"

    def __init__(
        self,
        detail: str | Message = UNSPECIFIED,
        errors: list[FieldError] | None = None,
    ) -> None:
        self.message = detail if isinstance(detail, Message) else Message(detail)
        self.errors = list(errors or [])
        super().__init__(self.detail)

    @property
    def detail(self) -> str:
        """The message in English."""
        return self.message.render("en")

    @property
    def type_uri(self) -> str:
        """The RFC 7807 `type` of this error."""
        return PROBLEM_TYPE_BASE + self.slug

    def to_problem(self, instance: str | None = None, language: str = "en") -> dict[str, Any]:
        """The RFC 7807 problem details body in `language`."""
        body: dict[str, Any] = {
            "type": self.type_uri,
            "title": translate(self.title, language),
            "status": self.status,
            "detail": self.message.render(language),
        }
        if instance:
            body["instance"] = instance
        if self.errors:
            body["errors"] = [e.to_json(language) for e in self.errors]
        return body


class InvalidRequestError(GeoHubError):
    status, title, slug = 400, N_("Invalid request"), "invalid-request"


class InvalidBboxError(InvalidRequestError):
    title, slug = N_("Invalid bbox"), "invalid-bbox"


class NotFoundError(GeoHubError):
    status, title, slug = 404, N_("Not found"), "not-found"


class LayerNotFoundError(NotFoundError):
    title, slug = N_("Layer not found"), "layer-not-found"


class FeatureNotFoundError(NotFoundError):
    title, slug = N_("Feature not found"), "feature-not-found"


class VersionNotFoundError(NotFoundError):
    title, slug = N_("Version not found"), "version-not-found"


class UnauthorizedError(GeoHubError):
    """No valid credentials: a missing, malformed, expired or revoked token or key."""

    status, title, slug = 401, N_("Unauthorized"), "unauthorized"


class ForbiddenError(GeoHubError):
    """Signed in, but this account's role does not allow it (e.g. admin pages for a publisher)."""

    status, title, slug = 403, N_("Forbidden"), "forbidden"


class ForbiddenLayerError(GeoHubError):
    status, title, slug = 403, N_("Forbidden"), "forbidden-layer"


class ConflictError(GeoHubError):
    status, title, slug = 409, N_("Conflict"), "conflict"


class UploadTooLargeError(GeoHubError):
    status, title, slug = 413, N_("Upload too large"), "upload-too-large"


class TooManyRequestsError(GeoHubError):
    status, title, slug = 429, N_("Too many requests"), "too-many-requests"


class InvalidDataError(GeoHubError):
    """Data that cannot be stored as the layer's definition says."""

    status, title, slug = 422, N_("Invalid data"), "invalid-data"


class UploadTimeoutError(InvalidDataError):
    """A file that takes longer to read than an import may (etl.read_timeout_s)."""

    title, slug = N_("Upload too slow to read"), "upload-too-slow"


class StorageUnavailableError(GeoHubError):
    status, title, slug = 503, N_("Storage unavailable"), "storage-unavailable"


class ConfigurationError(Exception):
    """A bad setting or definition file: stops start-up with a one-line message."""
