"""Generate a SYNTHETIC city-scale Almaty data set for benchmarks and scale tests only.

Nothing produced here is real: parcels, cadastral numbers, addresses, house numbers and
footpaths are invented. Only the frame is real (the 8 district polygons, the OSM street
lines and street names from ``data/almaty``). Never use the output in the demo.

Output: one GeoPackage (EPSG:4326, geometry column ``geom``) with layers ``parcels``
(MultiPolygons tiling the districts), ``addresses`` (Points) and ``pedestrian_edges``
(LineStrings of a routable graph: real streets split into <= 30 m pieces plus a synthetic
footpath lattice snapped onto them). Every feature has ``synthetic`` = true and every layer
carries a GeoPackage DESCRIPTION saying it is synthetic.

Deterministic: the same seed, arguments and input files give identical attribute values
and geometries (the file bytes differ, e.g. GeoPackage timestamps); compare runs with
:func:`feature_digest`. No network access, no downloads.

Usage: ``python bench/generate_city.py [--out PATH] [--seed N] [--parcels N]
[--addresses N] [--edges N] [--digest]``
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyproj
import shapely
from pyogrio import raw

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA_DIR = REPO_ROOT / "data" / "almaty"
DEFAULT_OUT = REPO_ROOT / "var" / "bench" / "city_scale.gpkg"
DEFAULT_SEED = 20261126
WGS84, UTM43N = "EPSG:4326", "EPSG:32643"
DESCRIPTION = "SYNTHETIC benchmark data - not real (bench/generate_city.py)"
LAND_USES = ("residential", "commercial", "industrial", "public", "green", "agricultural", "transport")
LAND_USE_WEIGHTS = (0.55, 0.12, 0.07, 0.08, 0.08, 0.04, 0.06)
SURFACES = ("asphalt", "paving_stones", "concrete", "gravel", "ground")
SURFACE_WEIGHTS = (0.55, 0.2, 0.1, 0.1, 0.05)
SEGMENT_MAX_M = 30.0  # real streets are split into pieces of at most this length
REAL_SHARE = 0.85  # at most this share of the requested edges comes from real streets
SNAP_FRACTION = 0.3  # lattice nodes snap to a street node within this share of the spacing
SLIVER_M2 = 100.0  # clipped parcel pieces smaller than this are dropped
NODE_SCALE = 10**7  # node ids come from endpoint lon/lat rounded to 1e-7 degree
Arr = np.ndarray[Any, Any]
log = logging.getLogger("generate_city")


def _rng(seed: int, stage: int) -> np.random.Generator:
    """Return an independent generator for one stage, so stages do not shift each other."""
    return np.random.default_rng([seed, stage])


def _project(geoms: Arr, src: str, dst: str) -> Arr:
    """Reproject an array of shapely geometries."""
    tr = pyproj.Transformer.from_crs(src, dst, always_xy=True)
    return np.asarray(shapely.transform(geoms, lambda c: np.column_stack(tr.transform(c[:, 0], c[:, 1]))))


def _read(path: Path, layer: str, columns: list[str]) -> tuple[Arr, dict[str, Arr]]:
    """Read a layer as (UTM geometries, field arrays)."""
    meta, _, wkb, values = raw.read(path, layer=layer, columns=columns)
    fields = dict(zip(meta["fields"], values, strict=True))
    return _project(shapely.from_wkb(wkb), WGS84, UTM43N), fields


def _polygonal(geoms: Arr, min_area: float) -> tuple[Arr, Arr]:
    """Keep polygon parts above min_area; return (MultiPolygons, index of source geometry)."""
    parts, idx = shapely.get_parts(geoms, return_index=True)
    keep = (shapely.get_type_id(parts) == 3) & (shapely.area(parts) >= min_area)
    src, group = np.unique(idx[keep], return_inverse=True)
    return shapely.multipolygons(parts[keep], indices=group), src


def _cells(bounds: Arr, size: float, rng: np.random.Generator) -> Arr:
    """Return jittered block cells (rows of varying height, per-row jittered cuts) over bounds."""
    x0, y0, x1, y1 = bounds
    n_rows = int(np.ceil((y1 - y0) / (0.75 * size))) + 1
    ys = y0 + np.concatenate([[0.0], np.cumsum(rng.uniform(0.75, 1.25, n_rows) * size)])
    ys = ys[: np.searchsorted(ys, y1) + 1]
    n_cols = int(np.ceil((x1 - x0) / size)) + 2
    offsets = rng.uniform(0.0, size, (len(ys) - 1, 1))
    jitter = rng.uniform(-0.25, 0.25, (len(ys) - 1, n_cols)) * size
    xs = x0 - offsets + size * np.arange(n_cols) + jitter
    ylo = np.broadcast_to(ys[:-1, None], xs[:, 1:].shape)
    yhi = np.broadcast_to(ys[1:, None], xs[:, 1:].shape)
    return np.asarray(shapely.box(xs[:, :-1], ylo, xs[:, 1:], yhi)).ravel()


def _tile(districts: Arr, size: float, seed: int) -> tuple[Arr, Arr]:
    """Tile every district with clipped cells; return (MultiPolygons, district index)."""
    cells = _cells(shapely.total_bounds(districts), size, _rng(seed, 1))
    tree = shapely.STRtree(cells)
    out, owner = [], []
    for i, district in enumerate(districts):
        shapely.prepare(district)
        hits = np.sort(tree.query(district, predicate="intersects"))
        inside = shapely.contains_properly(district, cells[hits])
        pieces = cells[hits].copy()
        pieces[~inside] = shapely.intersection(pieces[~inside], district)
        polys, _ = _polygonal(pieces, SLIVER_M2)
        out.append(polys)
        owner.append(np.full(len(polys), i))
    return np.concatenate(out), np.concatenate(owner)


def build_parcels(districts: Arr, target: int, seed: int) -> tuple[Arr, Arr]:
    """Return at least `target` parcels (UTM MultiPolygons) and their district index."""
    size = float(np.sqrt(shapely.area(districts).sum() / target))
    for _ in range(8):
        parcels, owner = _tile(districts, size, seed)
        log.info("parcels: cell %.1f m -> %d parcels", size, len(parcels))
        if len(parcels) >= target:
            return parcels, owner
        size *= float(np.sqrt(len(parcels) / target)) * 0.99
    raise RuntimeError("could not reach the requested parcel count")


def _parcel_fields(areas: Arr, owner: Arr, slugs: Arr, seed: int) -> dict[str, Arr]:
    """Return the attribute arrays of the parcels layer."""
    n = len(owner)
    seq = np.zeros(n, dtype=np.int64)
    for i in np.unique(owner):
        seq[owner == i] = np.arange(int((owner == i).sum()))
    if seq.max(initial=0) >= 999_000:
        raise ValueError("too many parcels per district for the cadastral number format")
    land_use = _rng(seed, 2).choice(np.array(LAND_USES, dtype=object), n, p=LAND_USE_WEIGHTS)
    codes = 311 + owner
    return {
        "parcel_id": _strings("SYN-{}-{:06d}", slugs[owner], seq + 1),
        "cadastral_number": _strings("20:{}:{:03d}:{:04d}", codes, seq // 1000 + 1, seq % 1000 + 1),
        "area_m2": np.round(areas, 2),
        "land_use": land_use,
        "district": slugs[owner].astype(object),
        "synthetic": np.ones(n, dtype=bool),
    }


def _present(values: Arr) -> Arr:
    """Return a boolean mask of the non-null entries of an object array."""
    return np.array([v is not None for v in values.tolist()], dtype=bool)


def _strings(pattern: str, *columns: Arr) -> Arr:
    """Format the rows of several columns with one pattern into an object array."""
    rows = zip(*(c.tolist() for c in columns), strict=True)
    return np.array([pattern.format(*row) for row in rows], dtype=object)


def _house_numbers(street: Arr, road: Arr, position: Arr, building: Arr, rng: np.random.Generator) -> Arr:
    """Number addresses along each street (1, 2, ...), some with a letter or '/N' suffix."""
    order = np.lexsort((position, road, street))
    ranked = street[order]
    starts = np.r_[0, np.flatnonzero(ranked[1:] != ranked[:-1]) + 1]
    rank = np.arange(len(order)) - np.repeat(starts, np.diff(np.r_[starts, len(order)]))
    number = np.empty(len(order), dtype=np.int64)
    number[order] = rank + 1
    roll = rng.uniform(size=len(number))
    slash = np.where(building > 0, building + 1, rng.integers(1, 6, len(number)))
    slash = np.char.add("/", slash.astype(str))
    letter = np.array(["А", "Б", "В"])[rng.integers(0, 3, len(number))]
    suffix = np.where(roll < 0.06, letter, np.where(roll < 0.12, slash, ""))
    suffix = np.where(building > 0, slash, suffix)
    return np.char.add(number.astype(str), suffix).astype(object)


def build_addresses(
    parcels: Arr, owner: Arr, slugs: Arr, roads: Arr, names: Arr, target: int, seed: int
) -> tuple[Arr, dict[str, Arr]]:
    """Return `target` address points (UTM) on parcels, named after the nearest real road."""
    rng = _rng(seed, 3)
    perm = rng.permutation(len(parcels))
    k = np.arange(target)
    chosen, building = perm[k % len(parcels)], k // len(parcels)
    order = np.lexsort((building, chosen))
    chosen, building = chosen[order], building[order]
    points = shapely.point_on_surface(parcels[chosen])
    extra = building > 0  # more addresses than parcels: extra buildings a few metres away
    offsets = rng.uniform(-8.0, 8.0, (int(extra.sum()), 2))
    points[extra] = shapely.points(shapely.get_coordinates(points[extra]) + offsets)
    _, nearest = shapely.STRtree(roads).query_nearest(points, all_matches=False)
    position = shapely.line_locate_point(roads[nearest], points)
    street = names[nearest].astype(str)
    return points, {
        "address_id": _strings("SYN-ADDR-{:07d}", k + 1),
        "street": street.astype(object),
        "housenumber": _house_numbers(street, nearest, position, building, rng),
        "district": slugs[owner[chosen]].astype(object),
        "synthetic": np.ones(target, dtype=bool),
    }


def _real_lines(data_dir: Path, city: shapely.Geometry) -> tuple[Arr, Arr, Arr]:
    """Return real walkable lines clipped to the city as (LineStrings, highway, surface)."""
    columns = ["osm_type", "osm_id", "highway", "surface"]
    ped, pf = _read(data_dir / "pedestrian_network.gpkg", "pedestrian_ways", columns)
    roads, rf = _read(data_dir / "basemap.gpkg", "roads", columns)
    known = set(zip(pf["osm_type"].tolist(), pf["osm_id"].tolist(), strict=True))
    keys = zip(rf["osm_type"].tolist(), rf["osm_id"].tolist(), strict=True)
    new = np.array([key not in known for key in keys])
    lines = np.concatenate([ped, roads[new]])
    highway = np.concatenate([pf["highway"], rf["highway"][new]])
    surface = np.concatenate([pf["surface"], rf["surface"][new]])
    parts, idx = shapely.get_parts(shapely.intersection(lines, city), return_index=True)
    keep = shapely.get_type_id(parts) == 1
    return parts[keep], highway[idx[keep]], surface[idx[keep]]


def _split(lines: Arr) -> tuple[Arr, Arr, Arr]:
    """Split lines into pieces of at most SEGMENT_MAX_M; return (start xy, end xy, line index)."""
    coords, idx = shapely.get_coordinates(shapely.segmentize(lines, SEGMENT_MAX_M), return_index=True)
    same = (idx[:-1] == idx[1:]) & np.any(coords[:-1] != coords[1:], axis=1)
    return coords[:-1][same], coords[1:][same], idx[:-1][same]


def _lattice(domain: shapely.Geometry, spacing: float, rng: np.random.Generator) -> tuple[Arr, Arr]:
    """Return a jittered square lattice of footpaths inside domain as (start xy, end xy)."""
    x0, y0, x1, y1 = shapely.bounds(domain)
    gx, gy = np.meshgrid(np.arange(x0, x1 + spacing, spacing), np.arange(y0, y1 + spacing, spacing))
    nodes = np.stack([gx, gy], axis=-1) + rng.uniform(-0.2, 0.2, (*gx.shape, 2)) * spacing
    shapely.prepare(domain)
    inside = shapely.contains_xy(domain, nodes[..., 0], nodes[..., 1])
    right = inside[:, :-1] & inside[:, 1:]
    up = inside[:-1, :] & inside[1:, :]
    start = np.concatenate([nodes[:, :-1][right], nodes[:-1, :][up]])
    end = np.concatenate([nodes[:, 1:][right], nodes[1:, :][up]])
    return start, end


def _snap(points: Arr, targets: Arr, max_distance: float) -> Arr:
    """Move each point onto the nearest target point within max_distance."""
    tree = shapely.STRtree(shapely.points(targets))
    src, hit = tree.query_nearest(shapely.points(points), max_distance=max_distance, all_matches=False)
    snapped = points.copy()
    snapped[src] = targets[hit]
    return snapped


def _to_nodes(start: Arr, end: Arr) -> tuple[Arr, Arr, Arr, Arr]:
    """Round UTM endpoints to 1e-7 degree; return (lonlat start, lonlat end, source, target)."""
    tr = pyproj.Transformer.from_crs(UTM43N, WGS84, always_xy=True)
    both = np.concatenate([start, end])
    lon, lat = tr.transform(both[:, 0], both[:, 1])
    ilon, ilat = np.round(lon * NODE_SCALE).astype(np.int64), np.round(lat * NODE_SCALE).astype(np.int64)
    _, node = np.unique(ilon * 10**9 + ilat, return_inverse=True)
    lonlat = np.column_stack([ilon, ilat]) / NODE_SCALE
    n = len(start)
    return lonlat[:n], lonlat[n:], node[:n] + 1, node[n:] + 1


def _unique_edges(source: Arr, target: Arr) -> Arr:
    """Return sorted indices of edges that are neither loops nor repeats of an earlier edge."""
    lo, hi = np.minimum(source, target), np.maximum(source, target)
    _, first = np.unique(lo * (hi.max(initial=0) + 1) + hi, return_index=True)
    first = np.sort(first)
    return np.asarray(first[lo[first] != hi[first]])


def _pick_real(lines: Arr, target: int) -> tuple[Arr, Arr, Arr, bool]:
    """Split real lines; keep at most REAL_SHARE*target pieces nearest the city centre."""
    start, end, idx = _split(lines)
    limit = min(len(start), max(int(target * REAL_SHARE), 1))
    complete = limit == len(start)
    if not complete:
        centre = shapely.get_coordinates(shapely.centroid(shapely.union_all(lines)))[0]
        distance = np.hypot(*((start + end) / 2 - centre).T)
        keep = np.sort(np.argsort(distance, kind="stable")[:limit])
        start, end, idx = start[keep], end[keep], idx[keep]
    return start, end, idx, complete


def build_edges(data_dir: Path, city: shapely.Geometry, target: int, seed: int) -> tuple[Arr, dict[str, Arr]]:
    """Return >= target pedestrian edges (lon/lat coordinate pairs) and their fields."""
    lines, highway, surface = _real_lines(data_dir, city)
    r_start, r_end, r_idx, complete = _pick_real(lines, target)
    hull = shapely.convex_hull(shapely.multipoints(np.concatenate([r_start, r_end]))).buffer(100.0)
    domain = city if complete else shapely.intersection(city, hull)
    real_nodes = np.unique(np.concatenate([r_start, r_end]), axis=0)
    needed = max(target - len(r_start), 1)
    spacing = float(np.sqrt(2 * shapely.area(domain) / needed))
    for _ in range(12):
        s_start, s_end = _lattice(domain, spacing, _rng(seed, 4))
        s_start = _snap(s_start, real_nodes, SNAP_FRACTION * spacing)
        s_end = _snap(s_end, real_nodes, SNAP_FRACTION * spacing)
        a, b, source, dest = _to_nodes(np.concatenate([r_start, s_start]), np.concatenate([r_end, s_end]))
        keep = _unique_edges(source, dest)
        n_syn = int((keep >= len(r_start)).sum())
        log.info("edges: %d real + %d synthetic (lattice %.0f m)", len(keep) - n_syn, n_syn, spacing)
        if len(keep) >= target:
            break
        spacing *= float(np.sqrt(n_syn / (target - len(keep) + n_syn))) * 0.98 if n_syn else 0.5
    else:
        raise RuntimeError("could not reach the requested edge count")
    real = keep < len(r_start)
    fields = _edge_fields(a[keep], b[keep], source[keep], dest[keep], real, _rng(seed, 5))
    fields["highway"][real] = highway[r_idx[keep[real]]]
    known = real.copy()
    known[real] = _present(surface[r_idx[keep[real]]])
    fields["surface"][known] = surface[r_idx[keep[known]]]
    return np.stack([a[keep], b[keep]], axis=1), fields


def _edge_fields(
    a: Arr, b: Arr, source: Arr, dest: Arr, real: Arr, rng: np.random.Generator
) -> dict[str, Arr]:
    """Return the pedestrian edge attributes; real values are filled in by the caller."""
    n = len(a)
    _, _, length = pyproj.Geod(ellps="WGS84").inv(a[:, 0], a[:, 1], b[:, 0], b[:, 1])
    return {
        "edge_id": np.arange(1, n + 1, dtype=np.int64),
        "source": source.astype(np.int64),
        "target": dest.astype(np.int64),
        "length_m": np.round(length, 2),
        "highway": np.full(n, "footway", dtype=object),
        "surface": rng.choice(np.array(SURFACES, dtype=object), n, p=SURFACE_WEIGHTS),
        "width_m": np.round(rng.uniform(1.2, 4.0, n), 1),
        "incline_pct": np.round(np.clip(rng.normal(0.0, 2.0, n), -8.0, 8.0), 1),
        "from_real_street": real.astype(np.int32),
        "synthetic": np.ones(n, dtype=bool),
    }


def _write(path: Path, layer: str, geoms: Arr, fields: dict[str, Arr], kind: str, seed: int) -> None:
    """Write one layer (EPSG:4326, column geom) labelled as synthetic."""
    # GeoPackage 1.3, not GDAL 3.12's default 1.4, so that GDAL 3.6 tools read it without warnings.
    options = None if path.exists() else {"VERSION": "1.3"}
    raw.write(
        path,
        shapely.to_wkb(geoms),
        list(fields.values()),
        list(fields),
        layer=layer,
        driver="GPKG",
        geometry_type=kind,
        crs=WGS84,
        dataset_options=options,
        layer_options={"DESCRIPTION": DESCRIPTION, "IDENTIFIER": f"{layer} (SYNTHETIC)"},
        layer_metadata={"SYNTHETIC": "true", "GENERATOR": "bench/generate_city.py", "SEED": str(seed)},
    )
    log.info("wrote layer %s: %d features", layer, len(geoms))


def _valid_4326(geoms: Arr) -> Arr:
    """Reproject UTM polygons to EPSG:4326 and repair the rare ones made invalid by it."""
    out = _project(geoms, UTM43N, WGS84)
    bad = ~shapely.is_valid(out)
    if bad.any():
        log.info("parcels: repairing %d invalid geometries", int(bad.sum()))
        fixed, src = _polygonal(shapely.make_valid(out[bad]), 0.0)
        out[np.flatnonzero(bad)[src]] = fixed
    return out


def generate(
    out_path: Path,
    *,
    seed: int = DEFAULT_SEED,
    parcels: int = 300_000,
    addresses: int = 130_000,
    edges: int = 100_000,
    data_dir: Path = DEFAULT_DATA_DIR,
) -> dict[str, int]:
    """Write the synthetic GeoPackage to out_path and return the feature count per layer."""
    if parcels < 1 or addresses < 0 or edges < 1:
        raise ValueError("need parcels >= 1, addresses >= 0 and edges >= 1")
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.unlink(missing_ok=True)
    districts, df = _read(Path(data_dir) / "districts.gpkg", "districts", ["slug"])
    order = np.argsort(df["slug"].astype(str), kind="stable")
    districts, slugs = districts[order], df["slug"][order].astype(str)
    city = shapely.union_all(districts)
    polys, owner = build_parcels(districts, parcels, seed)
    pfields = _parcel_fields(shapely.area(polys), owner, slugs, seed)
    _write(out_path, "parcels", _valid_4326(polys), pfields, "MultiPolygon", seed)
    roads, rf = _read(Path(data_dir) / "basemap.gpkg", "roads", ["name"])
    named = _present(rf["name"])
    points, afields = build_addresses(polys, owner, slugs, roads[named], rf["name"][named], addresses, seed)
    _write(out_path, "addresses", _project(points, UTM43N, WGS84), afields, "Point", seed)
    pairs, efields = build_edges(Path(data_dir), city, edges, seed)
    _write(out_path, "pedestrian_edges", shapely.linestrings(pairs), efields, "LineString", seed)
    return {"parcels": len(polys), "addresses": len(points), "pedestrian_edges": len(pairs)}


def feature_digest(path: Path) -> str:
    """Return a SHA-256 over every layer's geometries and attribute values (not file bytes)."""
    digest = hashlib.sha256()
    for layer in ("parcels", "addresses", "pedestrian_edges"):
        meta, _, wkb, values = raw.read(path, layer=layer)
        digest.update(layer.encode())
        for geom in wkb:
            digest.update(geom)
        for name, column in zip(meta["fields"], values, strict=True):
            digest.update(name.encode())
            digest.update(repr(column.tolist()).encode())
    return digest.hexdigest()


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description="Generate SYNTHETIC city-scale Almaty benchmark data.")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--parcels", type=int, default=300_000)
    parser.add_argument("--addresses", type=int, default=130_000)
    parser.add_argument("--edges", type=int, default=100_000)
    parser.add_argument("--digest", action="store_true", help="also print the feature digest")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING, format="%(relativeCreated)7.0f ms  %(message)s", stream=sys.stdout
    )
    log.setLevel(logging.INFO)
    started = time.perf_counter()
    counts = generate(
        args.out, seed=args.seed, parcels=args.parcels, addresses=args.addresses, edges=args.edges
    )
    seconds = time.perf_counter() - started
    size_mb = args.out.stat().st_size / 1e6
    summary = ", ".join(f"{k}={v}" for k, v in counts.items())
    print(f"wrote {args.out}: {summary}; {size_mb:.1f} MB in {seconds:.1f} s (SYNTHETIC data)")
    if args.digest:
        print(f"feature digest: {feature_digest(args.out)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
