"""Parse + check + compile time of typical CQL2 filters (text and JSON) on the buildings layer.

Runs against whichever filter reader the checkout has: `read_filter` (the cql2 package, CQL2-JSON
trees) or the older pygeofilter one, so the same script measures before and after.

    .venv/bin/python bench/cql_bench.py [--repeat 2000]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from typing import Any

from geohub.layers.registry import load_registry
from geohub.settings import PROJECT_ROOT
from geohub.storage.cql_check import check_filter
from geohub.storage.cql_sql import POSTGIS, SQLITE, compile_filter

FILTERS = {
    "comparison": "levels >= 5 AND building <> 'yes'",
    "typical": (
        "S_INTERSECTS(geometry, POLYGON((76.92 43.23, 76.96 43.235, 76.95 43.27, 76.915 43.26, 76.92 43.23)))"
        " AND osm_timestamp >= TIMESTAMP('2011-01-01T00:00:00Z') AND LOWER(name) LIKE 'ул%'"
        " AND levels BETWEEN 2 AND 9"
    ),
}
JSON_FILTER = {
    "op": "and",
    "args": [
        {"op": ">=", "args": [{"property": "levels"}, 5]},
        {"op": "<>", "args": [{"property": "building"}, "yes"]},
    ],
}


def _reader() -> tuple[str, Callable[[str, str], Any]]:
    try:
        from geohub.features.cql_text import read_filter

        return "cql2 " + __import__("cql2").__version__, read_filter
    except ImportError:  # before: pygeofilter
        from pygeofilter.parsers.cql2_json import parse as parse_json

        from geohub.features.cql_text import parse_cql2_text  # type: ignore[attr-defined]

        def read(text: str, language: str) -> Any:
            return parse_cql2_text(text) if language == "cql2-text" else parse_json(json.loads(text))

        return "pygeofilter " + __import__("pygeofilter").__version__, read


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2000)
    repeat = parser.parse_args().repeat
    layer = load_registry(PROJECT_ROOT / "layers").get("buildings")
    queryable = frozenset(a.name for a in layer.attributes)
    name, read = _reader()
    cases = [(k, v, "cql2-text") for k, v in FILTERS.items()] + [
        ("json", json.dumps(JSON_FILTER), "cql2-json")
    ]
    print(f"reader: {name}; {repeat} runs each, median per filter")
    for label, text, language in cases:
        timings = []
        for _ in range(repeat):
            start = time.perf_counter()
            node = read(text, language)
            check_filter(node, layer, queryable)
            compile_filter(node, layer, SQLITE)
            compile_filter(node, layer, POSTGIS)
            timings.append(time.perf_counter() - start)
        print(f"  {label:<11} {language:<9} {statistics.median(timings) * 1e6:8.0f} µs")


if __name__ == "__main__":
    main()
