"""config/systemd/: the sync timer and service are valid units that run a real `geohub etl sync`."""

from __future__ import annotations

import configparser
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest

from geohub.cli import cli
from geohub.settings import PROJECT_ROOT

UNITS = PROJECT_ROOT / "config" / "systemd"
SERVICE, TIMER = UNITS / "geohub-sync.service", UNITS / "geohub-sync.timer"
GEOHUB = Path(sys.executable).parent / "geohub"


def _unit(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=True, empty_lines_in_values=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # systemd keys are case-sensitive
    parser.read_string(path.read_text(encoding="utf-8"), source=str(path))
    return parser


def _exec_start() -> list[str]:
    return shlex.split(_unit(SERVICE)["Service"]["ExecStart"])


def test_service_is_hardened_and_runs_as_a_dedicated_user() -> None:
    service = _unit(SERVICE)["Service"]
    assert service["Type"] == "oneshot"
    assert service["User"] == service["Group"] == "geohub"
    assert service["EnvironmentFile"] == "/etc/geohub/geohub.env"
    assert service["NoNewPrivileges"] == service["PrivateTmp"] == service["ProtectHome"] == "true"
    assert service["ProtectSystem"] == "strict"
    assert service["ReadWritePaths"].split() == ["/srv/geohub/var"]
    assert service["CapabilityBoundingSet"] == ""


def test_timer_is_persistent_randomized_and_starts_the_service() -> None:
    timer = _unit(TIMER)["Timer"]
    assert timer["Persistent"] == "true"
    assert timer["RandomizedDelaySec"]
    assert timer["Unit"] == SERVICE.name
    assert _unit(TIMER)["Install"]["WantedBy"] == "timers.target"
    analyze = shutil.which("systemd-analyze")
    if analyze:
        calendar = subprocess.run(
            [analyze, "calendar", timer["OnCalendar"]], capture_output=True, check=False
        )
        assert calendar.returncode == 0, calendar.stderr


def test_exec_start_is_a_geohub_etl_sync_that_click_accepts() -> None:
    program, *arguments = _exec_start()
    assert Path(program).name == "geohub" and arguments[:2] == ["etl", "sync"]
    # parse the arguments as `geohub` would, without running the sync: unknown options fail here
    with cli.make_context("geohub", list(arguments), resilient_parsing=False) as context:
        etl = cli.get_command(context, arguments[0])
        assert isinstance(etl, click.Group)
        sync = etl.get_command(context, arguments[1])
        assert sync is not None
        parsed = sync.make_context("sync", arguments[2:], parent=context)
        assert parsed.params["all_layers"] is True and parsed.params["layers"] == ()
    shown = subprocess.run([str(GEOHUB), *arguments, "--help"], capture_output=True, text=True, check=False)
    assert shown.returncode == 0 and "--all" in shown.stdout


def test_units_pass_systemd_analyze_verify(tmp_path: Path) -> None:
    assert_units_verify(tmp_path, SERVICE, TIMER, _exec_start()[0])


def assert_units_verify(tmp_path: Path, service: Path, timer: Path, program: str) -> None:
    """`systemd-analyze verify` passes the service and its timer, silently (skip without systemd).
    The unit names /srv/geohub's install; verify checks the program exists, so point it at this one."""
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    text = service.read_text(encoding="utf-8").replace(f"ExecStart={program} ", f"ExecStart={GEOHUB} ")
    (tmp_path / service.name).write_text(text, encoding="utf-8")
    shutil.copy(timer, tmp_path / timer.name)
    verified = subprocess.run(
        [analyze, "verify", service.name, timer.name],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert verified.returncode == 0 and verified.stderr == "", verified.stderr
