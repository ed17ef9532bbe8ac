"""Staff queue benchmark: GET /reports pages of a department holding 100,000 reports.

For each backend (an embedded SQLite records file, and a throwaway PostgreSQL/PostGIS database
via --admin-url) it fills the reports table with --reports SYNTHETIC reports of the measured
department (description "synthetic report N", secret "synthetic"; plus a fifth as many spread
over the other departments), spread over categories, statuses (about half finished), districts
and due times (a month either side of now, so open ones are overdue or not), inserted with one
SQLAlchemy Core executemany per 10,000 rows; on PostgreSQL then VACUUM ANALYZE, as autovacuum
does to a table that grew (without it the counts read the heap: ~40 ms instead of ~10 ms).
Then a publisher of the department reads queue pages through the Flask test client (the whole
request: token check, the counts per status, the page, JSON), --requests times over a mix of
filters and sorts, and prints p50/p95 (ms) per query and over all. Target (issue 12): p95 ≤ 50 ms.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_guard import verdict
from records_bench import throwaway_database
from sqlalchemy import text

from geohub.app import create_app
from geohub.auth.http import accounts
from geohub.auth.principal import Role
from geohub.records import RecordsDatabase, utc_now
from geohub.report_desk.routes import desk
from geohub.reports.model import Status
from geohub.reports.routes import report_service
from geohub.reports.tables import reports
from geohub.settings import Settings

DEPARTMENT = "energy_utilities"
OTHERS = ("passenger_transport", "natural_resources", "social_welfare", "architecture")
CATEGORIES = ("broken_street_light", "overflowing_bin", "road_damage", "illegal_dump", "broken_elevator")
DISTRICTS = ("alatau", "almaly", "auezov", "bostandyk", "zhetysu", "medeu", "nauryzbay", "turksib")
STATUS_WEIGHTS = {  # about half finished, as a queue is after a year
    Status.registered: 8,
    Status.accepted: 8,
    Status.in_progress: 14,
    Status.reopened: 2,
    Status.resolved: 10,
    Status.closed: 45,
    Status.rejected: 8,
    Status.duplicate: 5,
}
QUERIES = {
    "open, due first": "status=registered,accepted,in_progress,reopened",
    "open, overdue": "status=registered,accepted,in_progress,reopened&overdue=true",
    "registered, newest": "status=registered&sort=-created",
    "in progress, page 5": "status=in_progress&offset=200",
    "all, most supported": "sort=-supporters",
    "open, one category": "status=registered,accepted,in_progress&category=broken_street_light",
    "resolved, updated": "status=resolved&sort=-updated&limit=200",
}
BATCH = 10_000


def synthetic_rows(count: int, seed: int) -> list[dict[str, Any]]:
    """`count` synthetic reports of DEPARTMENT and a fifth as many of the others."""
    rng = random.Random(seed)
    now = utc_now()
    statuses, weights = list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values())
    rows = []
    for number in range(count + count // 5):
        created = now - timedelta(minutes=rng.randrange(365 * 24 * 60))
        rows.append(
            {
                "tracking_id": f"S{number:09d}",
                "secret_hash": "synthetic",
                "category": rng.choice(CATEGORIES),
                "description": f"synthetic report {number}",
                "lon": 76.85 + rng.random() * 0.15,
                "lat": 43.18 + rng.random() * 0.12,
                "district": rng.choice(DISTRICTS),
                "address": None,
                "department": DEPARTMENT if number < count else rng.choice(OTHERS),
                "status": rng.choices(statuses, weights)[0].value,
                "created_at": created,
                "updated_at": created + timedelta(minutes=rng.randrange(60 * 24)),
                "due_at": now + timedelta(minutes=rng.randrange(-30 * 24 * 60, 30 * 24 * 60)),
                "supporters": rng.randrange(20),
                "language": "ru",
                "contact_email": f"synthetic{number}@example.kz",
                "contact_phone": None,
            }
        )
    return rows


def measure(settings: Settings, count: int, requests: int) -> dict[str, dict[str, float]]:
    """Fill the backend, then time the queue pages; p50/p95 ms per query and over all."""
    app = create_app(settings)
    try:
        with app.app_context():
            service = report_service()
            rows = synthetic_rows(count, seed=12)
            started = time.perf_counter()
            with service.records.transaction() as conn:
                for first in range(0, len(rows), BATCH):
                    conn.execute(reports.insert(), rows[first : first + BATCH])
            print(f"  {len(rows):,} synthetic reports inserted in {time.perf_counter() - started:.1f} s")
            vacuum_and_analyze(service.records)
            account = accounts()
            account.add_user("bench", role=Role.publisher, department=DEPARTMENT)
            headers = {"Authorization": f"Bearer {account.create_token('bench')}"}
            upkeep = desk().upkeep_if_due()  # the hourly upkeep, out of the way
            if upkeep is not None:
                upkeep.join()
        client = app.test_client()
        times: dict[str, list[float]] = {name: [] for name in QUERIES}
        errors: dict[str, int] = {}
        for round_number in range(requests):
            name = list(QUERIES)[round_number % len(QUERIES)]
            began = time.perf_counter()
            answer = client.get(f"/reports?{QUERIES[name]}", headers=headers)
            times[name].append((time.perf_counter() - began) * 1000)
            if answer.status_code != 200:
                errors[f"{answer.status_code} {name}"] = errors.get(f"{answer.status_code} {name}", 0) + 1
        figures = {name: _figures(values[1:]) for name, values in times.items()}  # first: warm-up
        figures["all"] = _figures([v for values in times.values() for v in values[1:]])
        figures["errors"] = {"count": float(sum(errors.values()))}
        if errors:
            print(f"  errors: {errors}")
        return figures
    finally:
        app.extensions["geohub"].close()


def vacuum_and_analyze(records: RecordsDatabase) -> None:
    """What autovacuum does to a table that grew: statistics, and on PostgreSQL the visibility map
    that lets the counts read only the queue index (SQLite plans well without statistics)."""
    engine, _ = records._engines()
    if engine.dialect.name != "postgresql":
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE geohub.reports"))


def _figures(values: list[float]) -> dict[str, float]:
    values = sorted(values)
    return {"p50": statistics.median(values), "p95": values[int(0.95 * (len(values) - 1))]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=100_000, help="Reports in the measured department.")
    parser.add_argument("--requests", type=int, default=350)
    parser.add_argument("--admin-url", default="postgresql://127.0.0.1:5432/postgres")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as folder:
        print("embedded (SQLite records)")
        results["embedded"] = measure(
            Settings(data_dir=Path(folder), log_level="WARNING"),
            args.reports,
            args.requests,
        )
        with throwaway_database(args.admin_url) as url:
            print("postgresql")
            results["postgresql"] = measure(
                Settings(
                    data_dir=Path(folder),
                    database_url=url,
                    log_level="WARNING",
                ),
                args.reports,
                args.requests,
            )
    print(f"{'query':<24}" + "".join(f"{b + ' p50':>18}{b + ' p95':>18}" for b in results))
    for name in [*QUERIES, "all"]:  # the staff's own limit applies (auth.anonymous_rate_limit per account)
        cells = "".join(f"{results[b][name]['p50']:>18.1f}{results[b][name]['p95']:>18.1f}" for b in results)
        print(f"{name:<24}{cells}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return verdict("bench/reports_queue.py", {b: int(r["errors"]["count"]) for b, r in results.items()})


if __name__ == "__main__":
    sys.exit(main())
