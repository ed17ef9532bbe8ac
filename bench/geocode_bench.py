"""Geocoding benchmark: 500 queries mixing Kazakh, Russian and Latin spellings on the demo data.

Imports every public layer the geocoding index reads (addresses, districts and each layer with
names) from data/almaty into an embedded store (or a throwaway PostGIS database of --admin-url),
builds the index once, then
asks GET /api/geocode through the Flask test client (the whole request: parsing, search, JSON)
--requests times over a mix of streets with and without house numbers, named places and
districts, and prints p50/p95 (ms) for the request and for the bare index search.
Target (issue 14): p95 ≤ 30 ms.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from contextlib import nullcontext
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_guard import LOAD_TEST_APP, LOAD_TEST_RATE, verdict
from records_bench import throwaway_database

from geohub.app import create_app
from geohub.auth.accounts import Accounts
from geohub.etl.pipeline import import_layer
from geohub.geocoding.routes import geocoding_index_of
from geohub.settings import Settings

DEMO_DATA = Path(__file__).resolve().parents[1] / "data" / "almaty"
QUERIES = (
    "Абая", "Abaya", "Абай даңғылы", "пр. Абая 54", "Abay 54", "пр-т Абая 75", "Abay avenue 52b",
    "Сатпаева 80а", "Satpayev 76", "Сәтпаев көшесі 78", "ул. Сатпаева", "Satpaeva street 101",
    "Макатаева 41", "ул. Макатаева", "Makataev", "Медеу", "Medeu district", "Бостандық ауданы",
    "Панфилова", "Panfilov park", "Жибек жолы", "Zhibek Zholy", "Достык", "Dostyk avenue 10",
    "Толе би", "Tole bi 59", "Фурманова", "Furmanov", "Назарбаева", "мкр Самал-2", "Гоголя 1",
    "Gogol", "школа", "парк", "Кок-Тобе", "Kok Tobe", "Ауэзова", "Auezov", "Сейфуллина 500", "Ab",
)  # fmt: skip


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--admin-url", default=None, help="PostgreSQL to make a throwaway database in")
    parser.add_argument("--json", type=Path, default=None, help="write the figures here too")
    args = parser.parse_args()
    databases = throwaway_database(args.admin_url) if args.admin_url else nullcontext(None)
    with tempfile.TemporaryDirectory() as data_dir, databases as database_url:
        app = create_app(
            Settings(
                data_dir=Path(data_dir),
                database_url=database_url,
                log_level="WARNING",
            )
        )
        services = app.extensions["geohub"]
        key = Accounts(services.records).create_key(LOAD_TEST_APP, rate_limit=LOAD_TEST_RATE)
        errors: dict[int, int] = {}
        index = geocoding_index_of(app)
        started = time.perf_counter()
        for layer in sorted(index.layers(), key=lambda layer: layer.id != "districts"):
            if (layer.source is not None and layer.source.kind == "osm") or layer.id == "districts":
                import_layer(layer, services.store, services.registry, DEMO_DATA)
        imported_s = time.perf_counter() - started
        started = time.perf_counter()
        snapshot = index.snapshot()
        built_ms = (time.perf_counter() - started) * 1000
        client = app.test_client()
        rng = random.Random(14)
        request_ms: list[float] = []
        search_ms: list[float] = []
        empty = 0
        for _ in range(args.requests):
            q = rng.choice(QUERIES)
            lang = rng.choice(("kk", "ru", "en"))
            started = time.perf_counter()
            response = client.get(
                "/api/geocode", query_string={"q": q, "lang": lang}, headers={"X-API-Key": key}
            )
            request_ms.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                errors[response.status_code] = errors.get(response.status_code, 0) + 1
                continue
            empty += not response.json["features"]
            started = time.perf_counter()
            snapshot.search(q, 8)
            search_ms.append((time.perf_counter() - started) * 1000)
        services.close()
    figures = {
        "backend": "postgis" if args.admin_url else "geopackage",
        "entries": len(snapshot.entries),
        "import_s": round(imported_s, 1),
        "index_build_ms": round(built_ms, 1),
        "requests": args.requests,
        "no_match": empty,
        "errors": sum(errors.values()),
        "request_p50_ms": round(statistics.median(request_ms), 2),
        "request_p95_ms": round(percentile(request_ms, 0.95), 2),
        "search_p50_ms": round(statistics.median(search_ms), 3),
        "search_p95_ms": round(percentile(search_ms, 0.95), 3),
    }
    print(json.dumps(figures, indent=2))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=2))
    return verdict("bench/geocode_bench.py", {f"HTTP {status}": n for status, n in errors.items()})


if __name__ == "__main__":
    sys.exit(main())
