"""The request's JSON body as an object, or the one 400 every JSON route gives otherwise."""

from __future__ import annotations

from typing import Any

from flask import request

from geohub.errors import InvalidRequestError
from geohub.messages import tr


def json_object() -> dict[str, Any]:
    """The body parsed as a JSON object; 400 for no body, bad JSON or another JSON value."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidRequestError(tr("The request body must be a JSON object."))
    return body
