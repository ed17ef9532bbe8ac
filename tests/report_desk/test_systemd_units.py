"""config/systemd/geohub-reports-upkeep.*: valid units that run `geohub reports upkeep` hourly."""

from __future__ import annotations

import shlex
from pathlib import Path

from geohub.cli import cli
from tests.publishing.test_systemd_units import UNITS, _unit, assert_units_verify

SERVICE, TIMER = UNITS / "geohub-reports-upkeep.service", UNITS / "geohub-reports-upkeep.timer"


def test_upkeep_service_runs_geohub_reports_upkeep_hardened_as_the_sync() -> None:
    service = _unit(SERVICE)["Service"]
    program, *arguments = shlex.split(service["ExecStart"])
    assert Path(program).name == "geohub" and arguments == ["reports", "upkeep"]
    with cli.make_context("geohub", list(arguments), resilient_parsing=False) as context:
        assert cli.get_command(context, "reports") is not None  # click knows the command
    sync = _unit(UNITS / "geohub-sync.service")["Service"]
    for key in ("User", "EnvironmentFile", "NoNewPrivileges", "ProtectSystem", "ReadWritePaths"):
        assert service[key] == sync[key], key
    timer = _unit(TIMER)["Timer"]
    assert timer["Unit"] == SERVICE.name and timer["Persistent"] == "true" and timer["OnCalendar"] == "hourly"


def test_upkeep_units_pass_systemd_analyze_verify(tmp_path: Path) -> None:
    program = shlex.split(_unit(SERVICE)["Service"]["ExecStart"])[0]
    assert_units_verify(tmp_path, SERVICE, TIMER, program)
