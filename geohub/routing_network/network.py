"""The routable pedestrian network: noded edges from an .osm.pbf, written as routing_network.gpkg.

Walkable ways: footways (sidewalks and crossings included), paths, pedestrian streets, steps,
living, residential, service, unclassified and track ways, and the street centrelines of
tertiary, secondary and primary roads and their links (Almaty's 2012 extract maps no sidewalks of
its own, so a street's centreline stands for its sidewalks). Motorways and trunk roads are left
out unless `foot=yes|designated` or a `sidewalk=*` tag says people walk beside them; any way
with `foot|access=no|private`, `sidewalk=separate` (its sidewalk is a way of its own) or
`area=yes` (a square's outline is no path) is left out.

A way is cut into edges at every node that two walkable ways share (or that one way passes twice)
and at every node tagged as a barrier, kerb or crossing, so edges meet only at their ends.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import osmium
from pyproj import Geod

from geohub.errors import InvalidDataError
from geohub.messages import tr
from geohub.routing_network.dem import Elevation, incline_pct
from geohub.routing_network.tags import kerb_height_cm, parse_count, parse_incline, parse_length_m
from geohub.sources.osm import check_pbf

LAYER_NAME = "routing_network"
WALKABLE = frozenset(
    {
        "footway", "path", "pedestrian", "steps", "living_street", "residential", "service",
        "unclassified", "track", "corridor", "road", "crossing", "tertiary", "tertiary_link",
        "secondary", "secondary_link", "primary", "primary_link",
    }
)  # fmt: skip
WALKABLE_WITH_SIDEWALK = frozenset({"trunk", "trunk_link", "motorway", "motorway_link", "cycleway"})
SIDEWALK_WALKABLE = frozenset({"yes", "both", "left", "right"})
SPLIT_NODE_KEYS = ("barrier", "kerb", "kerb:height", "crossing")
SPLIT_HIGHWAY_NODES = frozenset({"crossing", "traffic_signals"})
NODE_KEYS = frozenset(
    {"barrier", "kerb", "kerb:height", "crossing", "highway", "traffic_signals:sound", "tactile_paving"}
)
_GEOD = Geod(ellps="WGS84")


@dataclass
class Way:
    """A walkable way as read: its tags, node ids and their (lon, lat)."""

    id: int
    tags: dict[str, str]
    nodes: list[int]
    coords: list[tuple[float, float]]


@dataclass
class Edge:
    """One edge of the network: the attributes of layers/routing_network.yaml and its line."""

    edge_id: str
    source: int
    target: int
    osm_way: int
    coords: list[tuple[float, float]]
    attributes: dict[str, Any] = field(default_factory=dict)


def is_walkable(tags: dict[str, str]) -> bool:
    """Whether a way with these tags belongs to the pedestrian network (see the module's rules)."""
    highway = tags.get("highway")
    if highway is None or tags.get("area") == "yes":
        return False
    if tags.get("foot") in ("no", "private") or tags.get("access") in ("no", "private"):
        return False
    if tags.get("sidewalk") == "separate":
        return False
    if highway in WALKABLE:
        return True
    said = tags.get("foot") in ("yes", "designated") or any(
        tags.get(key) in SIDEWALK_WALKABLE for key in ("sidewalk", "sidewalk:both", "sidewalk:left")
    )
    return highway in WALKABLE_WITH_SIDEWALK and said


def read_osm(pbf: Path) -> tuple[list[Way], dict[int, dict[str, str]]]:
    """The walkable ways of `pbf` and the tags of the nodes that matter to walking."""
    ways: list[Way] = []
    node_tags: dict[int, dict[str, str]] = {}
    processor = osmium.FileProcessor(str(pbf), osmium.osm.NODE | osmium.osm.WAY).with_locations()
    for obj in processor:
        if isinstance(obj, osmium.osm.Node):
            if any(tag.k in NODE_KEYS for tag in obj.tags):
                node_tags[obj.id] = {tag.k: tag.v for tag in obj.tags}
        elif isinstance(obj, osmium.osm.Way):
            tags = {tag.k: tag.v for tag in obj.tags}
            if is_walkable(tags):
                way = _located_way(
                    obj.id, tags, [(n.ref, n.lon, n.lat) for n in obj.nodes if n.location.valid()]
                )
                if way is not None:
                    ways.append(way)
    return ways, node_tags


def _located_way(way_id: int, tags: dict[str, str], located: list[tuple[int, float, float]]) -> Way | None:
    """The way with a node repeated in a row kept once; None with fewer than two nodes."""
    kept = [p for i, p in enumerate(located) if i == 0 or p[0] != located[i - 1][0]]
    if len(kept) < 2:
        return None
    return Way(way_id, tags, [p[0] for p in kept], [(p[1], p[2]) for p in kept])


def split_nodes(ways: Iterable[Way], node_tags: dict[int, dict[str, str]]) -> set[int]:
    """The nodes edges end at: shared by two walkable ways (or passed twice by one), or tagged
    as a barrier, kerb or crossing."""
    uses = Counter(node for way in ways for node in way.nodes)
    shared = {node for node, count in uses.items() if count >= 2}
    tagged = {
        node
        for node, tags in node_tags.items()
        if any(key in tags for key in SPLIT_NODE_KEYS) or tags.get("highway") in SPLIT_HIGHWAY_NODES
    }
    return shared | (tagged & set(uses))


def pieces(way: Way, cuts: set[int]) -> Iterator[tuple[int, int]]:
    """(start, end) node positions of the way's pieces between cut nodes."""
    start = 0
    last = len(way.nodes) - 1
    for i in range(1, last + 1):
        if i == last or way.nodes[i] in cuts:
            yield start, i
            start = i


def build_edges(
    ways: list[Way], node_tags: dict[int, dict[str, str]], elevation: Elevation | None
) -> list[Edge]:
    """Every way cut at the split nodes, each piece an edge with its attributes."""
    cuts = split_nodes(ways, node_tags)
    edges = []
    for way in ways:
        for n, (start, end) in enumerate(pieces(way, cuts)):
            coords = way.coords[start : end + 1]
            source, target = way.nodes[start], way.nodes[end]
            ends = (node_tags.get(source, {}), node_tags.get(target, {}))
            attributes = edge_attributes(way.tags, ends, coords, elevation)
            edges.append(Edge(f"{way.id}-{n}", source, target, way.id, coords, attributes))
    return edges


def edge_attributes(
    tags: dict[str, str],
    ends: tuple[dict[str, str], dict[str, str]],
    coords: list[tuple[float, float]],
    elevation: Elevation | None,
) -> dict[str, Any]:
    """The layer's attributes of one edge from its way's tags, its end nodes' tags and its line."""
    lons, lats = np.array([c[0] for c in coords]), np.array([c[1] for c in coords])
    length_m = round(float(_GEOD.line_length(lons, lats)), 2)
    highway = tags["highway"]
    crossing = tags.get("crossing") or next((e["crossing"] for e in ends if "crossing" in e), None)
    if crossing is None and (tags.get("footway") == "crossing" or highway == "crossing"):
        crossing = "yes"
    signals = crossing == "traffic_signals" or any(
        e.get("highway") == "traffic_signals" or e.get("crossing") == "traffic_signals" for e in ends
    )
    kerbs = [k for k in (kerb_height_cm(e.get("kerb"), e.get("kerb:height")) for e in ends) if k is not None]
    if not kerbs and ("kerb" in tags or "kerb:height" in tags):
        kerbs = [k for k in [kerb_height_cm(tags.get("kerb"), tags.get("kerb:height"))] if k is not None]
    return {
        "highway": "footway" if highway == "crossing" else highway,
        "footway": tags.get("footway") or ("crossing" if highway == "crossing" else None),
        **{key: tags.get(key.replace("_", ":")) for key in ("name", "name_kk", "name_ru", "name_en")},
        "length_m": length_m,
        **_incline(tags.get("incline"), elevation, lons, lats, length_m),
        "surface": tags.get("surface"),
        "smoothness": tags.get("smoothness"),
        "kerb_cm": max(kerbs) if kerbs else None,
        "steps": highway == "steps",
        "step_count": parse_count(tags.get("step_count")),
        "width_m": parse_length_m(tags.get("width")) or parse_length_m(tags.get("est_width")),
        "wheelchair": tags.get("wheelchair"),
        "lit": tags.get("lit"),
        "tactile_paving": tags.get("tactile_paving") or _from_ends(ends, "tactile_paving"),
        "crossing": crossing,
        "traffic_signals": "yes" if signals else None,
        "traffic_signals_sound": tags.get("traffic_signals:sound")
        or _from_ends(ends, "traffic_signals:sound"),
    }


def _from_ends(ends: tuple[dict[str, str], dict[str, str]], key: str) -> str | None:
    return next((e[key] for e in ends if key in e), None)


def _incline(
    tag: str | None, elevation: Elevation | None, lons: np.ndarray, lats: np.ndarray, length_m: float
) -> dict[str, Any]:
    """incline_pct, incline_source and incline_tag: the tag when it says, else the DEM."""
    parsed = parse_incline(tag)
    if parsed is not None:
        return {"incline_pct": parsed.pct, "incline_source": "tag", "incline_tag": tag}
    pct = incline_pct(elevation, lons, lats, length_m) if elevation is not None else None
    return {"incline_pct": pct, "incline_source": "dem" if pct is not None else None, "incline_tag": tag}


def build_network(pbf: Path, dem: Path | None) -> list[Edge]:
    """The edges of the pedestrian network of `pbf`, inclines sampled from `dem` where untagged."""
    check_pbf(pbf)
    elevation = Elevation(dem) if dem is not None else None
    try:
        ways, node_tags = read_osm(pbf)
    except RuntimeError as error:  # pyosmium's error for a file it cannot decode
        raise InvalidDataError(
            tr("Reading the OSM extract {name} failed: {reason}", name=pbf.name, reason=str(error))
        ) from None
    return build_edges(ways, node_tags, elevation)


FIELDS: dict[str, str] = {
    "edge_id": "str", "source": "int64", "target": "int64", "osm_way": "int64", "highway": "str",
    "footway": "str", "name": "str", "name_kk": "str", "name_ru": "str", "name_en": "str",
    "length_m": "float64", "incline_pct": "float64", "incline_source": "str", "incline_tag": "str",
    "surface": "str", "smoothness": "str", "kerb_cm": "float64", "steps": "bool", "step_count": "int32",
    "width_m": "float64", "wheelchair": "str", "lit": "str", "tactile_paving": "str", "crossing": "str",
    "traffic_signals": "str", "traffic_signals_sound": "str",
}  # fmt: skip


def edge_value(edge: Edge, name: str) -> Any:
    """The value of attribute `name` of `edge` (its ids included)."""
    if name in ("edge_id", "source", "target", "osm_way"):
        return getattr(edge, name)
    return edge.attributes[name]


def edge_record(edge: Edge) -> dict[str, Any]:
    """The edge as the layer's attributes (without geometry and district)."""
    return {name: edge_value(edge, name) for name in FIELDS}


def write_network(edges: list[Edge], path: Path) -> Path:
    """Write the edges as the GeoPackage table `routing_network` (EPSG:4326), replacing `path`."""
    import pyogrio.raw
    import shapely

    path.unlink(missing_ok=True)
    geometry = shapely.to_wkb(np.array([shapely.LineString(edge.coords) for edge in edges], dtype=object))
    values, masks = [], []
    for name, dtype in FIELDS.items():
        column = [edge_value(edge, name) for edge in edges]
        mask = np.array([v is None for v in column], dtype=bool)
        filler = "" if dtype == "str" else 0
        values.append(
            np.array([filler if v is None else v for v in column], dtype=object if dtype == "str" else dtype)
        )
        masks.append(mask)
    pyogrio.raw.write(
        str(path),
        geometry,
        values,
        list(FIELDS),
        field_mask=masks,
        layer=LAYER_NAME,
        driver="GPKG",
        geometry_type="LineString",
        crs="EPSG:4326",
        layer_options={"GEOMETRY_NAME": "geom", "SPATIAL_INDEX": "NO"},  # a source, read whole
    )
    return path
