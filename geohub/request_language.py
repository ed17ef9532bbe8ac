"""The language of the request being served (Flask's request; see geohub.i18n for the rules)."""

from __future__ import annotations

from flask import request

from geohub.i18n import negotiate_language


def request_language() -> str:
    """`?lang=`, else the best of Accept-Language, else English."""
    return negotiate_language(request.headers.get("Accept-Language"), request.args.get("lang"))
