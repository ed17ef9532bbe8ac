"""Run by tests/publishing/test_dead_imports.py: upload the files named on the command line to the
cadastre through the HTTP API, in turn and publishing each, over and over, until the test kills
this process with SIGKILL. Settings come from GEOHUB_* variables."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from geohub.app import create_app
from geohub.auth.accounts import Accounts
from geohub.auth.principal import Role
from geohub.settings import load_settings

LAYER = "cadastre"


def main() -> None:
    app = create_app(load_settings())
    accounts = Accounts(app.extensions["geohub"].records)
    name = f"uploader_{os.getpid()}"
    accounts.add_user(name, role=Role.admin, department=None)
    headers = {"Authorization": f"Bearer {accounts.create_token(name)}"}
    client = app.test_client()
    archives = [Path(a) for a in sys.argv[1:]]
    for round_number in range(10_000):
        archive = archives[round_number % len(archives)]
        with archive.open("rb") as file:
            answer = client.post(
                f"/collections/{LAYER}/imports",
                data={"file": (file, archive.name), "publish": "true"},
                headers=headers,
            )
        print(answer.status_code, answer.get_json().get("status"), flush=True)


if __name__ == "__main__":
    sys.exit(main())
