"""Languages GeoHub does not speak (`lang=c`, POSIX locales) fall back to English instead of a 500,
and every translated error, braces included, is rendered."""

from __future__ import annotations

import uuid

import pytest
from flask import Flask

from geohub.auth.accounts import Accounts
from geohub.auth.principal import Role
from tests.features.conftest import DemoApps

PAGES = [
    "/",
    "/conformance",
    "/collections",
    "/collections/buildings",
    "/collections/buildings/queryables",
    "/collections/buildings/items",
    "/collections/buildings/items/w27064510",
    "/openapi",
]
ODD = [
    ("lang", "c"),
    ("lang", "C.UTF-8"),
    ("lang", "POSIX"),
    ("lang", "zz-ZZ"),
    ("header", "c"),
    ("header", "C"),
]


@pytest.mark.parametrize("fmt", ["json", "html"])
@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("how,language", ODD)
def test_unknown_language_is_english_not_a_500(
    demo_apps: DemoApps, backend: str, path: str, fmt: str, how: str, language: str
) -> None:
    client = demo_apps.client(backend)
    query = {"f": fmt, **({"lang": language} if how == "lang" else {})}
    headers = {"Accept-Language": language} if how == "header" else {}
    response = client.get(path, query_string=query, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.headers.get("Content-Language", "en").startswith("en")


def test_unknown_lang_parameter_yields_to_accept_language(demo_apps: DemoApps, backend: str) -> None:
    response = demo_apps.client(backend).get("/collections?lang=c", headers={"Accept-Language": "ru"})
    assert response.status_code == 200
    assert response.headers["Content-Language"].startswith("ru")


def _admin(app: Flask) -> dict[str, str]:
    """The Authorization header of a new admin account in the app's records."""
    accounts = Accounts(app.extensions["geohub"].records)
    name = f"admin_{uuid.uuid4().hex[:8]}"
    accounts.add_user(name, role=Role.admin, department=None)
    return {"Authorization": f"Bearer {accounts.create_token(name)}"}


@pytest.mark.parametrize(
    "language,detail",
    [
        ("ru", 'Укажите версию для восстановления положительным целым числом: {"version": 3}.'),
        ("kk", 'Қалпына келтірілетін нұсқаны оң бүтін санмен көрсетіңіз: {"version": 3}.'),
        ("en", 'Give the version to restore as a positive whole number: {"version": 3}.'),
    ],
)
def test_rollback_error_with_braces_is_translated(
    demo_apps: DemoApps, backend: str, language: str, detail: str
) -> None:
    app = demo_apps.app(backend)
    response = app.test_client().post(
        "/collections/buildings/rollback",
        json={"version": 0},
        headers={**_admin(app), "Accept-Language": language},
    )
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["detail"] == detail


def test_rollback_to_a_version_beyond_64_bits_is_a_404(demo_apps: DemoApps, backend: str) -> None:
    """Found by fuzzing: the GeoPackage store could not bind such a number (a 500)."""
    app = demo_apps.app(backend)
    response = app.test_client().post(
        "/collections/buildings/rollback",
        json={"version": 10**25},
        headers={**_admin(app), "Accept-Language": "ru"},
    )
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


@pytest.mark.parametrize("method,suffix", [("GET", ""), ("POST", "/publish"), ("POST", "/reject")])
def test_import_number_beyond_64_bits_is_a_404(
    demo_apps: DemoApps, backend: str, method: str, suffix: str
) -> None:
    """Found by probing: the embedded records database could not bind such a number (a 500)."""
    app = demo_apps.app(backend)
    response = app.test_client().open(
        f"/collections/buildings/imports/{10**25}{suffix}",
        method=method,
        headers=_admin(app),
    )
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
