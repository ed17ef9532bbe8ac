"""An app on each backend with accounts of every role, and helpers to walk a proposal through."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from geohub.app import create_app
from geohub.auth.accounts import Accounts
from geohub.auth.principal import Role
from geohub.settings import Settings
from tests.proposals.files import geojson_file

USERS = {
    "admin": (Role.admin, None),
    "dana": (Role.publisher, "natural_resources"),
    "aigerim": (Role.publisher, "land_relations"),
    "marat": (Role.moderator, None),
}
TITLES = {
    "title": {"kk": "Көше ағаштары", "ru": "Уличные деревья", "en": "Street trees"},
    "description": {
        "kk": "Қала көшелеріндегі ағаштар",
        "ru": "Деревья на улицах города",
        "en": "Trees along the city's streets",
    },
}


@dataclass
class Hub:
    app: Flask
    client: FlaskClient
    tokens: dict[str, str]
    folder: Path

    def headers(self, user: str | None, language: str = "en") -> dict[str, str]:
        headers = {"Accept-Language": language}
        if user is not None:
            headers["Authorization"] = f"Bearer {self.tokens[user]}"
        return headers

    def propose(self, user: str, path: Path, **form: str) -> TestResponse:
        with path.open("rb") as stream:
            data: dict[str, Any] = {"file": (stream, path.name), **form}
            return self.client.post(
                "/layer-proposals", data=data, headers=self.headers(user), content_type="multipart/form-data"
            )

    def draft(self, user: str = "dana", path: Path | None = None) -> dict[str, Any]:
        """A new draft from the street trees GeoJSON."""
        answer = self.propose(user, path or geojson_file(self.folder))
        assert answer.status_code == 201, answer.get_json()
        return dict(answer.get_json())

    def complete(self, proposal: dict[str, Any], user: str = "dana", **changes: Any) -> TestResponse:
        """PUT the draft's definition with its titles and descriptions written, and `changes`."""
        definition = {**proposal["definition"], **TITLES, **changes}
        return self.client.put(
            f"/layer-proposals/{proposal['id']}", json={"definition": definition}, headers=self.headers(user)
        )

    def submitted(self, user: str = "dana", **changes: Any) -> dict[str, Any]:
        """A proposal completed and submitted by `user`."""
        proposal = self.draft(user)
        completed = self.complete(proposal, user, **changes)
        assert completed.status_code == 200, completed.get_json()
        answer = self.act(proposal["id"], "submit", user)
        assert answer.status_code == 200, answer.get_json()
        return dict(answer.get_json())

    def act(self, number: int, action: str, user: str | None, body: Any = None) -> TestResponse:
        return self.client.post(f"/layer-proposals/{number}/{action}", json=body, headers=self.headers(user))

    def approved(self, **changes: Any) -> dict[str, Any]:
        proposal = self.submitted(**changes)
        answer = self.act(proposal["id"], "approve", "admin")
        assert answer.status_code == 200, answer.get_json()
        return dict(answer.get_json())


def make_hub(settings: Settings, folder: Path) -> Iterator[Hub]:
    app = create_app(settings.model_copy(update={"log_level": "WARNING"}))
    services = app.extensions["geohub"]
    accounts = Accounts(services.records)
    for name, (role, department) in USERS.items():
        accounts.add_user(name, role=role, department=department)
    tokens = {name: accounts.create_token(name) for name in USERS}
    folder.mkdir(exist_ok=True)
    yield Hub(app, app.test_client(), tokens, folder)
    services.close()


@pytest.fixture
def hub(settings: Settings, tmp_path: Path) -> Iterator[Hub]:
    """An app on each backend (no layer data), with an admin, two publishers and a moderator."""
    yield from make_hub(settings, tmp_path / "files")
