"""Property-based: CQL2 filters, valid and broken, never get a 5xx; a 4xx is problem+json; both
backends answer the same status, and the same words for a 400, in kk, ru and en."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask.testing import FlaskClient
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import BACKENDS
from tests.features.conftest import DemoApps
from tests.features.cql_strategies import cql2_json, cql2_text, extra_parameters
from tests.features.fuzzing import FUZZ_SETTINGS, LANGUAGES, check_answer, fuzz_app

ITEMS = "/collections/buildings/items"


@pytest.fixture(scope="module")
def clients(demo_apps: DemoApps) -> dict[str, FlaskClient]:
    return {backend: fuzz_app(demo_apps, backend).test_client() for backend in BACKENDS}


def _ask_both(clients: dict[str, FlaskClient], query: dict[str, str], language: str) -> None:
    answers = {}
    for backend, client in clients.items():
        response = client.get(ITEMS, query_string=query, headers={"Accept-Language": language})
        check_answer(response.status_code, response.content_type, response.data, f"{backend} {query}")
        answers[backend] = response
    statuses = {b: r.status_code for b, r in answers.items()}
    assert len(set(statuses.values())) == 1, f"{statuses} for {query}"
    if next(iter(statuses.values())) == 400:
        details = {b: r.get_json()["detail"] for b, r in answers.items()}
        assert len(set(details.values())) == 1, f"{details} for {query}"


@settings(FUZZ_SETTINGS, max_examples=500)
@given(text=cql2_text, extra=extra_parameters, language=st.sampled_from(LANGUAGES))
def test_cql2_text_never_fails_on_the_server(
    clients: dict[str, FlaskClient], text: str, extra: dict[str, str], language: str
) -> None:
    _ask_both(clients, {**extra, "filter": text}, language)


@settings(FUZZ_SETTINGS, max_examples=500)
@given(document=cql2_json, extra=extra_parameters, language=st.sampled_from(LANGUAGES))
def test_cql2_json_never_fails_on_the_server(
    clients: dict[str, FlaskClient], document: Any, extra: dict[str, str], language: str
) -> None:
    text = json.dumps(document, allow_nan=True)
    _ask_both(clients, {**extra, "filter-lang": "cql2-json", "filter": text}, language)
