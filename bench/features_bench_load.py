"""Load generation for bench/features_bench.py: wrk with a Lua script, plus a one-shot answer check."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench_guard import KEY_VARIABLE
from features_bench_servers import get_json

LUA_SCRIPT = Path(__file__).resolve().with_name("features_bench.lua")
MARKER = "BENCH_JSON "


@dataclass(frozen=True)
class Measurement:
    """What one wrk run saw: good answers per second, latency percentiles and every kind of error."""

    requests: int
    good: int
    errors: int
    seconds: float
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    server_cpu_ms: float = float("nan")  # CPU of the server's own processes per good answer
    background_cpu: float = float("nan")  # share of the machine busy just before, servers idle
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        """The measurement as plain JSON values."""
        return asdict(self)


def failed(note: str) -> Measurement:
    """A measurement that could not be taken (server down, wrong answers before the run)."""
    return Measurement(0, 0, 0, 0.0, 0.0, float("nan"), float("nan"), float("nan"), note=note)


def wrk_available() -> str:
    """The wrk executable, or RuntimeError telling how to install it."""
    path = shutil.which("wrk")
    if path is None:
        raise RuntimeError("wrk not found: apt-get install -y wrk")
    return path


def run_wrk(
    base_url: str, paths: list[str], expected: int, duration_s: float, concurrency: int, key: str = ""
) -> Measurement:
    """Run wrk (1 thread, `concurrency` keep-alive connections) over `paths` for `duration_s`,
    sending `key` as X-API-Key when given."""
    command = [
        wrk_available(),
        "--threads",
        "1",
        "--connections",
        str(concurrency),
        "--duration",
        f"{max(1, round(duration_s))}s",
        "--timeout",
        "30s",
        "--script",
        str(LUA_SCRIPT),
        base_url,
        "--",
        str(expected),
        *paths,
    ]
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        check=False,
        timeout=duration_s + 120,
        env=wrk_environment(key),
    )
    line = next((x for x in done.stdout.splitlines() if x.startswith(MARKER)), None)
    if done.returncode != 0 or line is None:
        return failed(f"wrk failed: {(done.stderr or done.stdout).strip()[:200]}")
    return _measurement(json.loads(line[len(MARKER) :]))


def wrk_environment(key: str) -> dict[str, str]:
    """wrk's environment: the Lua scripts send BENCH_API_KEY as X-API-Key when it is set."""
    env = {k: v for k, v in os.environ.items() if k != KEY_VARIABLE}
    return env | {KEY_VARIABLE: key} if key else env


def wrk_totals(raw: dict[str, int]) -> tuple[int, int, float, float]:
    """(good answers, errors, seconds, good answers per second) from the Lua script's counts."""
    socket_errors = raw["connect"] + raw["read"] + raw["write"] + raw["timeout"]
    good = raw["requests"] - raw["wrong"]
    seconds = raw["duration_us"] / 1e6
    return good, raw["wrong"] + socket_errors, seconds, good / seconds if seconds else 0.0


def _measurement(raw: dict[str, int]) -> Measurement:
    """A Measurement from the JSON line the Lua script's done() prints."""
    good, errors, seconds, rps = wrk_totals(raw)
    return Measurement(
        requests=raw["requests"],
        good=good,
        errors=errors,
        seconds=seconds,
        rps=rps,
        p50_ms=raw["p50_us"] / 1000,
        p95_ms=raw["p95_us"] / 1000,
        p99_ms=raw["p99_us"] / 1000,
    )


@dataclass(frozen=True)
class Answer:
    """One checked answer: what came back and whether it is what the data says it must be."""

    path: str
    status: int
    returned: int | None
    matched: int | None
    problem: str


def check_answer(base_url: str, path: str, expected_returned: int, expected_matched: int | None) -> Answer:
    """GET once; a problem when the status is not 200 or the counts differ from the ground truth."""
    status, body = get_json(base_url + path)
    returned, matched = body.get("numberReturned"), body.get("numberMatched")
    problem = ""
    if status != 200:
        problem = f"HTTP {status}: {str(body.get('detail') or body.get('description') or '')[:120]}"
    elif returned != expected_returned:
        problem = f"numberReturned {returned}, expected {expected_returned}"
    elif expected_matched is not None and matched != expected_matched:
        problem = f"numberMatched {matched}, expected {expected_matched}"
    return Answer(path, status, returned, matched, problem)


def group_cpu_seconds(pgid: int) -> float:
    """User + system CPU seconds of the live processes of process group `pgid` (from /proc)."""
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended meanwhile
        if int(fields[2]) == pgid:  # fields after the name: state, ppid, pgrp, ..., utime, stime
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def machine_busy(seconds: float) -> float:
    """The share of all CPUs busy over the next `seconds` (from /proc/stat)."""

    def sample() -> tuple[int, int]:
        values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
        return sum(values), values[3] + values[4]  # total, idle + iowait

    total_before, idle_before = sample()
    time.sleep(seconds)
    total_after, idle_after = sample()
    total = total_after - total_before
    return 1.0 - (idle_after - idle_before) / total if total > 0 else 0.0


def wait_until_quiet(limit_s: float, threshold: float = 0.2) -> float:
    """Sample the machine until under `threshold` busy or `limit_s` passed; return the last sample."""
    deadline = time.monotonic() + limit_s
    busy = machine_busy(0.5)
    while busy >= threshold and time.monotonic() < deadline:
        busy = machine_busy(0.5)
    return busy
