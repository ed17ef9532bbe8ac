"""Authentication and rate limits for the Flask app: Bearer tokens, app keys, Flask-Limiter.

Per request: `Authorization: Bearer <token>` makes the request act for an account; an app key
(`X-API-Key` header or `key` query parameter) is optional and names the application. Bad
credentials are a 401 even on public pages (a client should learn its token is wrong). Requests
without credentials touch no database. Limits, per UTC window:
- with an app key: the key's own limit (e.g. 1000/hour), counted per key;
- signed in without a key: the anonymous limit, counted per account;
- otherwise the anonymous limit per client address; sign-in attempts and app registrations have
  a hard limit per address.
Failed attempts count too: the 401 is raised after the limiter has seen the request. Every
limited answer carries `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` (seconds,
as the IETF draft has it; Flask-Limiter's own headers give an epoch time and a Retry-After on
every answer, so GeoHub writes them), and a 429 `Retry-After`.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import time
from datetime import timedelta

from flask import Flask, Response, current_app, g, request
from flask_limiter import ApplicationLimit, Limiter, RateLimitExceeded
from flask_limiter.util import get_remote_address
from limits import RateLimitItem

from geohub.auth.accounts import Accounts, token_id_of
from geohub.auth.audit import AuditLog
from geohub.auth.context import current_principal, set_principal
from geohub.auth.keys import AppKey, redis_usage_counter
from geohub.auth.principal import ANONYMOUS, Principal, Role
from geohub.errors import ForbiddenError, TooManyRequestsError, UnauthorizedError
from geohub.extensions import app_extension
from geohub.messages import N_, Message, tr
from geohub.problems import problem_response
from geohub.services import Services

ACCOUNTS = "geohub.accounts"
AUDIT = "geohub.audit"
LIMITER = "geohub.limiter"
SIGN_IN_ENDPOINT = "auth.sign_in"
# whatever takes a password shares the sign-in limit: guessing one is no cheaper elsewhere
PASSWORD_ENDPOINTS = frozenset({SIGN_IN_ENDPOINT, "auth.change_password", "admin.reset_password"})
REGISTER_ENDPOINT = "developers.register_app_key"
# a holder reading their key's use: neither counted nor held back by the key's limit (the
# anonymous limit applies, per address), so a key over its limit can still see why
UNCOUNTED_ENDPOINTS = frozenset({"developers.key_usage"})
MAX_CREDENTIAL_CHARS = 200  # tokens and keys are 64 characters
UNLIMITED_PATHS = frozenset({"/healthz", "/readyz"})
UNLIMITED_PREFIXES = ("/static/", "/fonts/", "/sprites/")  # the map's own files, not data
BAD_HEADER = tr("The Authorization header must be 'Bearer <token>'.")
BAD_TOKEN = tr("The token is invalid, expired or revoked.")
BAD_KEY = tr("The app key is invalid or revoked.")
log = logging.getLogger("geohub.auth")


def register_authentication(app: Flask) -> None:
    """Authenticate every request, apply rate limits, count app key use, answer 401s with a challenge."""
    settings = app.extensions["geohub"].settings.auth
    app.before_request(_authenticate)
    limiter = Limiter(
        key_func=_rate_key,
        application_limits=[
            ApplicationLimit(limit_provider=_request_limit, scope="requests"),
            ApplicationLimit(
                limit_provider=settings.sign_in_rate_limit,
                key_function=get_remote_address,
                scope="sign-in",
                exempt_when=lambda: request.endpoint not in PASSWORD_ENDPOINTS,
            ),
            ApplicationLimit(
                limit_provider=settings.app_registration_rate_limit,
                key_function=get_remote_address,
                scope="register",
                exempt_when=lambda: request.endpoint != REGISTER_ENDPOINT or request.method != "POST",
            ),
        ],
        storage_uri=settings.rate_limit_storage_uri,
        enabled=settings.rate_limits_enabled,
        headers_enabled=False,  # RateLimit-* written by _rate_limit_headers; Retry-After only on a 429
        key_prefix="geohub",
        swallow_errors=True,  # counters unreachable (Redis down): serve unlimited and log, not fail
    )
    limiter.request_filter(
        lambda: request.path in UNLIMITED_PATHS or request.path.startswith(UNLIMITED_PREFIXES)
    )
    limiter.init_app(app)  # its check runs after _authenticate, so it knows the key and account
    app.before_request(_refuse_bad_credentials)
    app.extensions[LIMITER] = limiter
    app.register_error_handler(RateLimitExceeded, _rate_limited)
    app.after_request(_count_key_use)
    app.after_request(_rate_limit_headers)
    app.after_request(_challenge)


def accounts() -> Accounts:
    """This app's Accounts, opened on first use (the records database may be slow to reach)."""

    def build(services: Services, _: object) -> Accounts:
        lifetime = timedelta(hours=services.settings.auth.token_lifetime_h)
        built = Accounts(services.records, sign_in_lifetime=lifetime)
        counter = redis_usage_counter(services.settings.auth.rate_limit_storage_uri)
        if counter is not None:  # workers and machines share the limits' Redis: count there too
            built.keys.count_in(counter)
        return built

    return app_extension(ACCOUNTS, build)


def audit_log() -> AuditLog:
    """This app's AuditLog, opened on first use."""
    return app_extension(AUDIT, lambda services, _: AuditLog(services.records))


def record_audit(action: str, layer_id: str | None, detail: dict[str, object]) -> None:
    """Record a write by the current principal from the current client address."""
    audit_log().record(current_principal(), action, layer_id, detail, request.remote_addr)


def require_signed_in() -> Principal:
    """The current principal, or UnauthorizedError for anonymous requests."""
    principal = current_principal()
    if not principal.is_signed_in:
        raise UnauthorizedError(tr("Sign in first: this needs an account."))
    return principal


def require_admin() -> Principal:
    """The current principal if an admin: UnauthorizedError when anonymous, ForbiddenError otherwise."""
    principal = require_signed_in()
    if principal.role is not Role.admin:
        raise ForbiddenError(tr("Only administrators may do this."))
    return principal


def current_app_key() -> AppKey | None:
    """The app key the current request carried, when valid."""
    key: AppKey | None = g.get("app_key")
    return key


def current_token_id() -> str | None:
    """The id of the token the current request was signed in with."""
    token_id: str | None = g.get("token_id")
    return token_id


def _authenticate() -> None:
    principal = ANONYMOUS
    header = request.headers.get("Authorization")
    if header is not None:
        token = _bearer_token(header)
        if token is None:
            g.auth_error = UnauthorizedError(BAD_HEADER)
            return
        found = accounts().authenticate_token(token)
        if found is None:
            g.auth_error = UnauthorizedError(BAD_TOKEN)
            return
        principal, g.token_id = found, token_id_of(token)
    key_text = request.headers.get("X-API-Key") or request.args.get("key")
    if key_text is not None:
        key = accounts().authenticate_key(key_text) if len(key_text) <= MAX_CREDENTIAL_CHARS else None
        if key is None:
            g.auth_error = UnauthorizedError(BAD_KEY)
            return
        g.app_key = key
        principal = dataclasses.replace(principal, api_key=key.id)
    set_principal(principal)


def _bearer_token(header: str) -> str | None:
    scheme, _, credentials = header.strip().partition(" ")
    credentials = credentials.strip()
    if scheme.lower() != "bearer" or not credentials or len(credentials) > MAX_CREDENTIAL_CHARS:
        return None
    return credentials


def _refuse_bad_credentials() -> None:
    error: UnauthorizedError | None = g.get("auth_error")
    if error is not None:
        raise error


def _rate_key() -> str:
    key = current_app_key()
    if key is not None and request.endpoint not in UNCOUNTED_ENDPOINTS:
        return f"key:{key.id}"
    principal = current_principal()
    if principal.user is not None:
        return f"user:{principal.user}"
    return f"ip:{get_remote_address()}"


def _request_limit() -> str:
    key = current_app_key()
    if key is not None and request.endpoint not in UNCOUNTED_ENDPOINTS:
        return key.rate_limit
    return str(current_app.extensions["geohub"].settings.auth.anonymous_rate_limit)


def _rate_limited(error: RateLimitExceeded) -> Response:
    limiter: Limiter = current_app.extensions[LIMITER]
    current = limiter.current_limit
    retry_after_s = max(1, int(current.reset_at - time.time())) if current else 60
    detail = tr(
        "Too many requests: the limit is {limit}. Try again in {seconds} s.",
        limit=rate_text(error.limit.limit),
        seconds=retry_after_s,
    )
    response = problem_response(
        TooManyRequestsError.slug, TooManyRequestsError.title, TooManyRequestsError.status, detail
    )
    response.headers["Retry-After"] = str(retry_after_s)
    return response


RATE_UNITS = {
    "second": N_("{amount} per second"),
    "minute": N_("{amount} per minute"),
    "hour": N_("{amount} per hour"),
    "day": N_("{amount} per day"),
    "month": N_("{amount} per month"),
    "year": N_("{amount} per year"),
}
RATE_UNITS_SEVERAL = {
    "second": N_("{amount} per {multiples} seconds"),
    "minute": N_("{amount} per {multiples} minutes"),
    "hour": N_("{amount} per {multiples} hours"),
    "day": N_("{amount} per {multiples} days"),
    "month": N_("{amount} per {multiples} months"),
    "year": N_("{amount} per {multiples} years"),
}


def rate_text(limit: RateLimitItem) -> Message:
    """A rate limit (1000/hour) as words in the reader's language."""
    unit = limit.GRANULARITY.name
    several = limit.multiples > 1
    template = (RATE_UNITS_SEVERAL if several else RATE_UNITS).get(unit)
    if template is None:
        return tr("{amount} per {multiples} s", amount=limit.amount, multiples=limit.get_expiry())
    return Message(template, {"amount": limit.amount, "multiples": limit.multiples})


def _count_key_use(response: Response) -> Response:
    key = current_app_key()
    if key is not None and response.status_code != 429 and request.endpoint not in UNCOUNTED_ENDPOINTS:
        try:
            accounts().count_key_use(key.id)
        except Exception:  # counting must never turn a served answer into an error
            log.exception("could not write app key usage")
    return response


def _rate_limit_headers(response: Response) -> Response:
    """RateLimit-Limit, -Remaining and -Reset (seconds to the window's end) of the limit that applied."""
    limiter: Limiter | None = current_app.extensions.get(LIMITER)
    current = limiter.current_limit if limiter is not None and limiter.enabled else None
    if current is not None:
        response.headers["RateLimit-Limit"] = str(current.limit.amount)
        response.headers["RateLimit-Remaining"] = str(max(0, current.remaining))
        seconds = min(current.limit.get_expiry(), math.ceil(current.reset_at - time.time()))
        response.headers["RateLimit-Reset"] = str(max(0, seconds))  # storages round the window's end up
    return response


def _challenge(response: Response) -> Response:
    if response.status_code == 401 and "WWW-Authenticate" not in response.headers:
        error = ', error="invalid_token"' if g.get("auth_error") is not None else ""
        response.headers["WWW-Authenticate"] = f'Bearer realm="GeoHub"{error}'
    return response
