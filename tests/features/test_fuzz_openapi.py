"""schemathesis over GeoHub's own /openapi, in-process (WSGI), on both backends and in kk, ru and en:
no answer is a 5xx, every 4xx is problem+json, and a 2xx JSON answer to GET parses.

Every operation of the document is fuzzed, write and sign-in ones too: the requests are anonymous
(or carry made-up credentials), so they stop at 401/403/404 and change nothing in the shared demo
store. Per-layer operations are the same code for every layer: two layers stand for all (buildings:
text, integer, number and datetime attributes; districts: polygons)."""

from __future__ import annotations

import json
from typing import Any

import hypothesis
import pytest
import schemathesis
from hypothesis import given
from hypothesis import strategies as st
from schemathesis import GenerationMode

from geohub.app import create_app
from geohub.auth.accounts import Accounts
from geohub.auth.principal import Role
from geohub.cli import load_demo
from geohub.services import Services
from geohub.settings import Settings
from tests.features.conftest import DemoApps
from tests.features.fuzzing import FUZZ_SETTINGS, LANGUAGES, check_answer, fuzz_app

# every path but the per-layer ones of layers other than buildings and districts
FUZZED_PATHS = r"^/(?!collections/(?!(buildings|districts|\{collectionId\})/|(buildings|districts)$))"


def _openapi_cases(demo_apps: DemoApps, backend: str) -> st.SearchStrategy[Any]:
    schema = schemathesis.openapi.from_wsgi("/openapi?f=json", fuzz_app(demo_apps, backend))
    schema = schema.include(path_regex=FUZZED_PATHS)
    return st.one_of(
        schema.as_strategy(GenerationMode.POSITIVE),  # valid by the document: must not fail
        schema.as_strategy(GenerationMode.NEGATIVE),  # invalid by it: must be a clean 4xx
    )


def _header(response: Any, name: str) -> str:
    value = response.headers.get(name.lower(), "")
    return str(value[0] if isinstance(value, list) and value else value)


@pytest.mark.parametrize("language", LANGUAGES)
def test_openapi_operations_never_fail_on_the_server(
    demo_apps: DemoApps, backend: str, language: str
) -> None:
    @hypothesis.settings(FUZZ_SETTINGS, max_examples=300)
    @given(case=_openapi_cases(demo_apps, backend))
    def fuzz(case: Any) -> None:
        # schemathesis' WSGI transport asks for gzip but does not decode: read the bytes as sent
        response = case.call(headers={"Accept-Language": language, "Accept-Encoding": "identity"})
        request = f"{case.method} {case.formatted_path} {case.query} {case.headers}"
        check_answer(response.status_code, _header(response, "Content-Type"), response.content, request)
        content_type = _header(response, "Content-Type")
        if case.method == "GET" and response.status_code == 200 and "json" in content_type:
            json.loads(response.content)

    fuzz()


def test_signed_in_requests_never_fail_on_the_server(settings: Settings) -> None:
    """An admin's reads and writes (Part 4 edits, imports, publish, reject, rollback), own store."""
    services = Services.from_settings(settings)
    load_demo(services)
    services.close()
    auth = settings.auth.model_copy(update={"rate_limits_enabled": False})
    app = create_app(settings.model_copy(update={"auth": auth}))
    accounts = Accounts(app.extensions["geohub"].records)
    accounts.add_user("fuzz_admin", role=Role.admin, department=None)
    token = accounts.create_token("fuzz_admin")
    schema = schemathesis.openapi.from_wsgi("/openapi?f=json", app)
    schema = schema.include(path_regex=FUZZED_PATHS, method=["GET", "POST", "PUT", "PATCH", "DELETE"])
    schema = schema.exclude(path_regex="^/auth/")  # signing out would revoke the token the fuzzing uses
    cases = st.one_of(
        schema.as_strategy(GenerationMode.POSITIVE), schema.as_strategy(GenerationMode.NEGATIVE)
    )

    @hypothesis.settings(FUZZ_SETTINGS, max_examples=200)
    @given(case=cases, language=st.sampled_from(LANGUAGES))
    def fuzz(case: Any, language: str) -> None:
        headers = {"Authorization": f"Bearer {token}", "Accept-Language": language}
        response = case.call(headers=headers)
        request = f"{case.method} {case.formatted_path} {case.query} {str(case.body)[:300]}"
        check_answer(response.status_code, _header(response, "Content-Type"), response.content, request)

    try:
        fuzz()
    finally:
        app.extensions["geohub"].close()
