"""The printed tables and the JSON document of bench/tiles_bench.py."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

from tiles_bench_sizes import LIMIT_BYTES, SIZE_ZOOMS

TARGETS = {
    "postgis_p95_vs_floor_max": 1.3,
    "embedded_median_vs_naive_max": 1 / 3,
    "nginx_vs_static_min": 0.8,
    "largest_tile_bytes_max": LIMIT_BYTES,
}


def print_report(results: dict[str, Any], args: argparse.Namespace) -> None:
    """Every table, then the targets with their verdicts."""
    _generation(results)
    _sizes(results["sizes"])
    _pygeoapi(results["pygeoapi"])
    _cached(results["cached"], args)
    print("\ntargets")
    for line in verdicts(results):
        print(f"  {line}")


def _ratio(cell: dict[str, Any] | None, ours: str, floor: str, key: str) -> float | None:
    if not cell or not cell[floor][key] or cell[floor][key] != cell[floor][key]:
        return None
    return float(cell[ours][key] / cell[floor][key])


def _generation(results: dict[str, Any]) -> None:
    print("\ntile generation, ms per tile (uncached; the same sampled tiles for every column)")
    print(
        f"{'tileset':<8} {'z':>2} {'n':>4} | {'PostGIS':>8} {'p95':>8} {'floor':>8} {'p95':>8} {'p95 ×':>6} |"
        f" {'embedded':>8} {'p95':>8} {'naive':>8} {'p95':>8} {'p50 ×':>6} | {'largest':>9}"
    )
    for key, pg in results["postgis"].items():
        emb = results["embedded"].get(key)
        name, z = key.split("/")
        if pg is None or emb is None:
            print(f"{name:<8} {z:>2}    - | (below the tileset's minzoom)")
            continue
        p95 = _ratio(pg, "geohub", "floor", "p95_ms")
        p50 = _ratio(emb, "geohub", "naive", "p50_ms")
        ours, floor, embedded, naive = pg["geohub"], pg["floor"], emb["geohub"], emb["naive"]
        print(
            f"{name:<8} {z:>2} {ours['n']:>4} | {ours['p50_ms']:8.2f} {ours['p95_ms']:8.2f}"
            f" {floor['p50_ms']:8.2f} {floor['p95_ms']:8.2f} {_times(p95):>6} |"
            f" {embedded['p50_ms']:8.2f} {embedded['p95_ms']:8.2f} {naive['p50_ms']:8.2f}"
            f" {naive['p95_ms']:8.2f} {_times(p50):>6} | {ours['max_bytes'] / 1e3:7.1f}kB"
            + (f"  ! {pg['size_mismatches']} tiles differ from the floor" if pg["size_mismatches"] else "")
        )
    print(
        "PostGIS = PostgisStore.render_tile of the published versions (pooled connection, their"
        "\ntables, SQL composition, query); floor = the same statement, captured from"
        "\npostgis_tiles.tile_statement, alone on a plain connection; embedded ="
        "\nGeopackageStore.render_tile, indexes warmed; naive = per tile a pyogrio"
        "\nbbox read of each layer + shapely filter/simplify/clip + mapbox-vector-tile; n = timed tiles"
        "\n(cycling over the sample; fewer when the cell's time budget ran out); p95 × = PostGIS p95 /"
        "\nfloor p95; p50 × = embedded median / naive median; largest = largest tile of the sample."
    )


def _times(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def _sizes(sizes: dict[str, Any]) -> None:
    zooms = list(SIZE_ZOOMS)
    print(
        f"\nlargest tile per zoom, kB (every tile over the tileset's data; limit {LIMIT_BYTES / 1e3:.0f} kB)"
    )
    print(f"{'tileset':<8} " + " ".join(f"{'z' + str(z):>8}" for z in zooms))
    for name in dict.fromkeys(key.split("/")[0] for key in sizes):
        cells = []
        for z in zooms:
            cell = sizes.get(f"{name}/{z}")
            if cell is None:
                cells.append(f"{'-':>8}")
            else:
                mark = "!" if cell["max_bytes"] > LIMIT_BYTES else ""
                cells.append(f"{mark + format(cell['max_bytes'] / 1e3, '.1f'):>8}")
        print(f"{name:<8} " + " ".join(cells))
    over = [(k, v) for k, v in sizes.items() if v and v["max_bytes"] > LIMIT_BYTES]
    for key, cell in over:
        print(f"  ! {key}: {cell['max_bytes']:,} B at {'/'.join(map(str, cell['max_tile']))}")


def _pygeoapi(result: dict[str, Any]) -> None:
    print(
        "\nstock pygeoapi 0.21 MVT-postgresql, one HTTP request per tile (statement_timeout ="
        " --pygeoapi-timeout),\nvs GeoHub's PostgisStore.render_tile in-process on the same tile"
    )
    if "error" in result:
        print(f"  pygeoapi did not run: {result['error']}")
    print(
        f"{'layer':<10} {'tile':<16} {'pygeoapi s':>10} {'status':>6} {'bytes':>9} |"
        f" {'GeoHub ms':>9} {'bytes':>9}"
    )
    for layer, by in result.get("layers", {}).items():
        for stock, ours in zip(by["pygeoapi"], by["geohub"], strict=True):
            print(
                f"{layer:<10} {'/'.join(map(str, stock['tile'])):<16} {stock['seconds']:10.2f}"
                f" {stock['status']:>6} {stock['bytes']:>9,} | {1000 * ours['seconds']:9.1f}"
                f" {ours['bytes']:>9,}  {stock['note']}"
            )


def _cached(cached: dict[str, Any], args: argparse.Namespace) -> None:
    print(
        f"\ncached tiles: {cached['tiles']:,} non-empty city and basemap tiles (z10-z15, mean "
        f"{cached['mean_bytes'] / 1e3:.1f} kB), wrk 1 thread, {args.connections} connections, "
        f"{args.duration:g} s per row"
    )
    print(
        f"{'encoding':<8} {'server':<13} {'req/s':>9} {'MB/s':>7} {'p50 ms':>7} {'p95 ms':>7}"
        f" {'cpu µs/req':>10} {'errors':>6} {'bg cpu':>6}"
    )
    for encoding, loads in cached["loads"].items():
        for name, load in loads.items():
            print(
                f"{encoding:<8} {name:<13} {load['rps']:9.0f} {load['mb_per_s']:7.1f} {load['p50_ms']:7.2f}"
                f" {load['p95_ms']:7.2f} {load['server_cpu_us']:10.0f} {load['errors']:>6}"
                f" {100 * load['background_cpu']:5.0f}%" + (f"  ! {load['note']}" if load["note"] else "")
            )
    print(
        "cpu µs/req = CPU of the server's own processes (gunicorn or nginx master + workers) per answer;"
        "\nplain = no Accept-Encoding (every server sends the file's bytes); gzip = Accept-Encoding: gzip"
        "\n(GeoHub gzips in Python, nginx with config/nginx.conf gzips on the fly, static nginx sends plain)."
    )


def _rps_ratio(loads: dict[str, Any], a: str, b: str) -> float | None:
    if loads[a]["errors"] or loads[b]["errors"] or not loads[b]["rps"]:
        return None
    return float(loads[a]["rps"] / loads[b]["rps"])


def verdicts(results: dict[str, Any]) -> list[str]:
    """One line per target: the ratios per cell, met or MISSED."""
    lines = []
    pg = {k: _ratio(v, "geohub", "floor", "p95_ms") for k, v in results["postgis"].items() if v}
    lines.append(_line("PostGIS p95 / floor p95", pg, TARGETS["postgis_p95_vs_floor_max"], upper=True))
    emb = {k: _ratio(v, "geohub", "naive", "p50_ms") for k, v in results["embedded"].items() if v}
    lines.append(
        _line("embedded median / naive median", emb, TARGETS["embedded_median_vs_naive_max"], upper=True)
    )
    loads = results["cached"]["loads"]
    nginx = {"plain": _rps_ratio(loads["plain"], "nginx", "nginx-static")}
    lines.append(
        _line("nginx (config/nginx.conf) / static nginx req/s", nginx, TARGETS["nginx_vs_static_min"])
    )
    lines.append(
        f"  (gzip {_times(_rps_ratio(loads['gzip'], 'nginx', 'nginx-static'))}: with Accept-Encoding: gzip"
        " nginx compresses every answer while static nginx sends the plain file: not like for like)"
    )
    geohub = {enc: _rps_ratio(loads[enc], "nginx", "geohub") for enc in loads}
    lines.append(
        "  (nginx / GeoHub alone req/s: " + ", ".join(f"{k} {_times(v)}" for k, v in geohub.items()) + ")"
    )
    over = {k: v["max_bytes"] for k, v in results["sizes"].items() if v and v["max_bytes"] > LIMIT_BYTES}
    largest = max((v["max_bytes"] for v in results["sizes"].values() if v), default=0)
    lines.append(
        f"largest tile z8-z16 <= {LIMIT_BYTES / 1e3:.0f} kB: "
        + ("met" if not over else "MISSED: " + ", ".join(f"{k} {v / 1e3:.0f} kB" for k, v in over.items()))
        + f" (largest {largest / 1e3:.0f} kB)"
    )
    return lines


def _line(title: str, ratios: dict[str, float | None], target: float, upper: bool = False) -> str:
    def ok(value: float) -> bool:
        return value <= target if upper else value >= target

    known = {k: v for k, v in ratios.items() if v is not None}
    missed = {k: v for k, v in known.items() if not ok(v)}
    sign = "<=" if upper else ">="
    verdict = "met" if known and not missed else "MISSED" if missed else "n/a"
    detail = ", ".join(f"{k} {v:.2f}" + ("" if ok(v) else "!") for k, v in known.items())
    return f"{title} {sign} {target:.2f}: {verdict} ({detail})"


def write_json(path: Path, results: dict[str, Any], args: argparse.Namespace) -> None:
    """Options, every result and the targets as one JSON document."""
    document = {
        "settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()}
        | {"cpus": os.cpu_count()},
        "targets": TARGETS,
        "verdicts": verdicts(results),
        **results,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2, default=str))
