"""config/systemd/geohub-reports-upkeep.*: valid units that run `geohub reports upkeep` hourly."""

from __future__ import annotations

import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from geohub.cli import cli
from tests.publishing.test_systemd_units import GEOHUB, UNITS, _unit

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
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    program = shlex.split(_unit(SERVICE)["Service"]["ExecStart"])[0]
    text = SERVICE.read_text(encoding="utf-8").replace(f"ExecStart={program} ", f"ExecStart={GEOHUB} ")
    (tmp_path / SERVICE.name).write_text(text, encoding="utf-8")
    shutil.copy(TIMER, tmp_path / TIMER.name)
    verified = subprocess.run(
        [analyze, "verify", SERVICE.name, TIMER.name],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert verified.returncode == 0 and verified.stderr == "", verified.stderr
