"""What the fuzz tests share: apps over the demo store without rate limits, bounded Hypothesis
settings, and the checks every answer must pass."""

from __future__ import annotations

import json
from typing import Any
from xml.etree import ElementTree

from flask import Flask
from hypothesis import HealthCheck, Phase, settings

from tests.features.conftest import DemoApps

LANGUAGES = ("kk", "ru", "en")
PROBLEM_KEYS = {"type", "title", "status", "detail"}
# reproducible in CI (derandomize: the same examples on every run, no example database), bounded
# so the fuzz files together stay within ~3 minutes on 2 cores; deadline off: the first request
# of an app warms caches
FUZZ_SETTINGS = settings(
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
_apps: dict[tuple[int, str], Flask] = {}


def fuzz_app(demo_apps: DemoApps, backend: str) -> Flask:
    """An app over the demo store of `backend` with rate limits off (fuzzing sends hundreds of
    requests a minute) and its own limiter, so other tests sharing the demo apps are not limited."""
    key = (id(demo_apps), backend)
    if key not in _apps:
        from geohub.app import create_app

        base = demo_apps.settings(backend)
        auth = base.auth.model_copy(update={"rate_limits_enabled": False})
        app = create_app(base.model_copy(update={"auth": auth}))
        demo_apps.stack.callback(app.extensions["geohub"].close)
        _apps[key] = app
    return _apps[key]


def check_answer(status: int, content_type: str, body: bytes, request: str) -> None:
    """Never a 5xx; every 4xx is problem+json with its members (under /open311/v2, the spec's
    error list), no stack trace."""
    assert status < 500, f"{status} for {request}: {body[:500]!r}"
    if status >= 400 and any(part.startswith("/open311/v2/") for part in request.split(" ")[:2]):
        check_open311_error(status, content_type, body, request)
    elif status >= 400:
        assert content_type.split(";")[0].strip() == "application/problem+json", (
            f"{content_type} for {request}"
        )
        problem: dict[str, Any] = json.loads(body)
        assert set(problem) >= PROBLEM_KEYS, request
        assert problem["status"] == status, request
        assert b"Traceback" not in body, request


def check_open311_error(status: int, content_type: str, body: bytes, request: str) -> None:
    """`[{"code", "description"}]`, or `<errors><error>` for an .xml path, with the status as code."""
    assert b"Traceback" not in body, request
    if content_type.startswith("text/xml"):
        [error] = ElementTree.fromstring(body).findall("error")
        code, description = error.findtext("code"), error.findtext("description")
    else:
        assert content_type.split(";")[0].strip() == "application/json", f"{content_type} for {request}"
        [found] = json.loads(body)
        code, description = str(found["code"]), found["description"]
    assert code == str(status) and description, request
