"""What every benchmark shares: the load-test app key and the rule that errors fail a run.

A benchmark loads its server the way a production client would, never with limits turned off:
through an app key created on the server's own store (`geohub keys create`, as an admin does for
an app), with its own documented limit `LOAD_TEST_RATE`, sent as `X-API-Key`. The anonymous
per-address limit (`auth.anonymous_rate_limit`) stays on as deployed.

Any error (a non-2xx/304 answer, a socket error, a timeout, a wrong body) makes the run FAILED:
`verdict` prints the error counts and returns exit status 1, and no figure is reported as a result.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

BIN = Path(sys.executable).parent
LOAD_TEST_APP = "GeoHub benchmark (load test)"
LOAD_TEST_RATE = "1000000/hour"  # the app key's own limit: far above what 2 cores can serve in a run
KEY_VARIABLE = "BENCH_API_KEY"  # the wrk scripts send it as X-API-Key (never a GEOHUB_* setting)


def create_app_key(env: Mapping[str, str], log_path: Path, rate: str = LOAD_TEST_RATE) -> str:
    """`geohub keys create` on the store that `env` points at; the new key."""
    with log_path.open("ab") as out:
        done = subprocess.run(
            [str(BIN / "geohub"), "keys", "create", LOAD_TEST_APP, "--rate", rate],
            env=dict(env),
            stdout=subprocess.PIPE,
            stderr=out,
            text=True,
            check=False,
        )
    key = done.stdout.strip()
    if done.returncode != 0 or not key.startswith("ghk_"):
        raise RuntimeError(f"geohub keys create failed ({done.returncode}); see {log_path}")
    return key


def use_app_key(key: str) -> None:
    """Make the load generators (wrk scripts, Python clients) send `key` as X-API-Key."""
    os.environ[KEY_VARIABLE] = key


def key_headers() -> dict[str, str]:
    """The X-API-Key header of the load-test key, for Python clients ({} before `use_app_key`)."""
    key = os.environ.get(KEY_VARIABLE, "")
    return {"X-API-Key": key} if key else {}


def verdict(benchmark: str, errors: Mapping[str, int | str]) -> int:
    """0 when no row had an error; else print FAILED with each row's errors (stdout) and return 1.

    `errors` maps a row (e.g. "parcels/bbox/geohub-postgis") to its error count, or to a note
    when the row could not be measured at all.
    """
    bad = {row: count for row, count in errors.items() if count}
    if not bad:
        return 0
    print(f"\n{benchmark}: FAILED - errors in {len(bad)} of {len(errors)} rows; no figure above is a result:")
    for row, count in bad.items():
        print(f"  {row}: {count if isinstance(count, str) else f'{count:,} errors'}")
    return 1
