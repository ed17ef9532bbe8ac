"""The principal of the request being served (anonymous outside a request or before sign-in)."""

from __future__ import annotations

from flask import g, has_request_context

from geohub.auth.principal import ANONYMOUS, Principal


def current_principal() -> Principal:
    """Who the current request acts for; set by the authentication hook (geohub/auth/http.py)."""
    if not has_request_context():
        return ANONYMOUS
    principal: Principal = g.get("principal", ANONYMOUS)
    return principal


def set_principal(principal: Principal) -> None:
    g.principal = principal
