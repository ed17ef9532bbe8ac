"""Records benchmark: what the records database costs a sign-in, a token check and an audit page.

Prints (and with --json writes) per backend (embedded SQLite file, PostgreSQL schema geohub) the
median of --repeat runs of:
  sign_in        Accounts.sign_in: one password check (argon2, most of the time) and a new token;
  token_check    Accounts.authenticate_token of a token already verified once (the argon2 result is
               cached, so this is the records database: one join and, at most every 5 minutes,
               an update);
  audit_1000     AuditLog.entries(limit=1000) of a log holding 1000 entries.
Nothing here is a test; the figures go to bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geohub.auth.accounts import Accounts  # noqa: E402
from geohub.auth.audit import AuditLog  # noqa: E402
from geohub.auth.principal import Principal, Role  # noqa: E402
from geohub.records import open_records  # noqa: E402
from geohub.settings import Settings  # noqa: E402

PASSWORD = "correct horse battery staple"


def timed(action: Callable[[], Any], repeat: int) -> float:
    """Median milliseconds over `repeat` runs."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


@contextmanager
def throwaway_database(admin_url: str) -> Iterator[str]:
    """The URL of a new, empty database, dropped on exit."""
    name = f"geohub_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield urlunsplit(urlsplit(admin_url)._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


def measure(settings: Settings, repeat: int) -> dict[str, float]:
    """The three figures on the records database the settings name."""
    records = open_records(settings)
    try:
        accounts = Accounts(records)
        accounts.add_user("admin", role=Role.admin, department=None, password=PASSWORD)
        token = accounts.sign_in("admin", PASSWORD)
        assert accounts.authenticate_token(token) is not None
        audit = AuditLog(records)
        principal = Principal(user="admin", role=Role.admin)
        for number in range(1000):
            audit.record(principal, "layer.publish", "cadastre", {"version": number}, "127.0.0.1")
        assert len(audit.entries(limit=1000)) == 1000
        return {
            "sign_in": timed(lambda: accounts.sign_in("admin", PASSWORD), max(3, repeat // 10)),
            "token_check": timed(lambda: accounts.authenticate_token(token), repeat),
            "audit_1000": timed(lambda: audit.entries(limit=1000), max(3, repeat // 10)),
        }
    finally:
        records.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--admin-url", default="postgresql://127.0.0.1:5432/postgres")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    figures: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as folder:
        figures["sqlite"] = measure(Settings(data_dir=Path(folder)), args.repeat)
    with throwaway_database(args.admin_url) as url:
        figures["postgresql"] = measure(Settings(data_dir=ROOT, database_url=url), args.repeat)
    print(f"{'backend':<12}{'sign_in ms':>12}{'token_check ms':>16}{'audit_1000 ms':>15}")
    for backend, row in figures.items():
        print(f"{backend:<12}{row['sign_in']:>12.2f}{row['token_check']:>16.3f}{row['audit_1000']:>15.2f}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
