"""A benchmark run with errors is FAILED, never a figure; an app key lets a bench load pass the limits.

A real `geohub serve` (embedded store, anonymous limit 3/minute) gets a tiny wrk load through the
same code the benchmarks use (bench/tiles_bench_serve.run_wrk, bench/bench_guard.verdict).
Needs wrk (Debian `wrk`, installed by `make system-deps`).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from geohub.settings import PROJECT_ROOT

sys.path.insert(0, str(PROJECT_ROOT / "bench"))

from bench_guard import create_app_key, verdict
from features_bench_servers import clean_environment, free_port, running
from tiles_bench_serve import Server, geohub_serve_command, run_wrk

PATH = "/collections?f=json"


@pytest.fixture(scope="module")
def limited_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, dict[str, str], Path]]:
    run_dir = tmp_path_factory.mktemp("bench-errors")
    (run_dir / "empty.toml").touch()
    env = clean_environment(
        GEOHUB_CONFIG=str(run_dir / "empty.toml"),
        GEOHUB_DATA_DIR=str(run_dir / "data"),
        GEOHUB_AUTH__ANONYMOUS_RATE_LIMIT="3/minute",
    )
    port = free_port()
    with running("geohub", geohub_serve_command(port), env, port, run_dir / "server.log") as server:
        yield server, env, run_dir


def paths_file(run_dir: Path) -> Path:
    path = run_dir / "paths.txt"
    path.write_text(PATH + "\n")
    return path


def test_refused_load_is_failed(
    limited_server: tuple[Server, dict[str, str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    server, _, run_dir = limited_server
    load = run_wrk(server, paths_file(run_dir), False, 1.0, 2, 0.0)
    assert load.note == ""
    assert load.errors > 0, load  # the 429s are counted as errors, not as answers
    assert load.good <= 3

    status = verdict("test bench", {"anonymous": load.errors})

    assert status == 1
    out = capsys.readouterr().out
    assert "test bench: FAILED" in out
    assert f"anonymous: {load.errors:,} errors" in out


def test_load_through_an_app_key_passes(
    limited_server: tuple[Server, dict[str, str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    server, env, run_dir = limited_server
    key = create_app_key(env, run_dir / "keys.log")

    load = run_wrk(server, paths_file(run_dir), False, 1.0, 2, 0.0, key)

    assert load.errors == 0, load
    assert load.good > 3
    assert verdict("test bench", {"app key": load.errors}) == 0
    assert "FAILED" not in capsys.readouterr().out
