"""`geohub reports list|export|purge|upkeep` through click's CliRunner on both backends."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import timedelta

import pytest
from click.testing import CliRunner, Result

from geohub.auth.principal import Principal, Role
from geohub.cli import cli
from geohub.records import utc_now
from geohub.reports.model import Status
from geohub.reports.service import ReportService
from geohub.settings import Settings
from tests.report_desk.conftest import EMAIL, PHONE, file_report, set_history_time

MODERATOR = Principal(user="marat", role=Role.moderator)

Run = Callable[..., Result]


@pytest.fixture
def run(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Run:
    monkeypatch.setenv("GEOHUB_DATA_DIR", str(settings.data_dir))
    if settings.database_url:
        monkeypatch.setenv("GEOHUB_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("LANG", "ru_RU.UTF-8")

    def invoke(*args: str) -> Result:
        return CliRunner().invoke(cli, ["reports", *args], catch_exceptions=False)

    return invoke


def test_list_export_and_purge(run: Run, service: ReportService, tmp_path) -> None:  # type: ignore[no-untyped-def]
    light, dump = file_report(service), file_report(service, "illegal_dump", east_m=100, description="=1+2")

    listed = run("list", "--department", "energy_utilities", "--status", "registered")
    assert listed.exit_code == 0, listed.output
    assert light in listed.output and dump not in listed.output
    assert "Не работает уличное освещение" in listed.output  # the operator's language
    assert run("list", "--department", "nowhere").exit_code == 2

    exported = run("export", "--format", "csv")
    assert exported.exit_code == 0, exported.output
    rows = list(csv.DictReader(io.StringIO(exported.stdout)))
    assert {row["trackingId"] for row in rows} == {light, dump}
    assert "email" not in rows[0] and EMAIL not in exported.stdout and "secret" not in exported.stdout
    assert next(r for r in rows if r["trackingId"] == dump)["description"] == "'=1+2"  # no formula
    output = tmp_path / "reports.geojson"
    written = run(
        "export", "--format", "geojson", "--with-contacts", "--output", str(output), "--status", "registered"
    )
    assert written.exit_code == 0, written.output
    collection = json.loads(output.read_text(encoding="utf-8"))
    assert len(collection["features"]) == 2
    feature = next(f for f in collection["features"] if f["id"] == light)
    assert feature["geometry"]["type"] == "Point"
    assert (feature["properties"]["email"], feature["properties"]["phone"]) == (EMAIL, PHONE)
    assert "export" in run("export", "--help").output and "PERSONAL DATA" in run("export", "--help").output

    purged = run("purge", "--report", light)
    assert purged.exit_code == 0, purged.output
    assert "1" in purged.output
    assert service.get(light).contact_email is None and service.get(dump).contact_email == EMAIL
    assert run("purge", "--report", "NOSUCHREPORT").exit_code == 2
    assert run("purge", "--older-than-days", "0").exit_code == 0  # nothing finished: nothing erased
    assert service.get(dump).contact_email == EMAIL
    for status in (Status.accepted, Status.in_progress, Status.resolved):
        service.move(light, status, MODERATOR)
    set_history_time(service, light, "resolved", utc_now() - timedelta(days=15))
    upkeep = run("upkeep")
    assert upkeep.exit_code == 0, upkeep.output
    assert "Закрыто решённых обращений: 1" in upkeep.output and "reports layer: version" in upkeep.output
    assert service.get(light).status is Status.closed
