"""Items query parameters parsed and checked before anything reaches pygeoapi or the store."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from geohub.auth.principal import Principal
from geohub.errors import InvalidBboxError, InvalidRequestError
from geohub.features.cql_text import read_filter
from geohub.features.crs import CRS84, bbox_to_crs84, canonical_crs
from geohub.layers.models import LayerDefinition
from geohub.messages import tr
from geohub.storage.base import Bbox, FeatureQuery, SortKey, check_bbox
from geohub.storage.cql_check import check_filter, check_filter_size

DEFAULT_LIMIT = 10
MAX_LIMIT = 10_000
MAX_OFFSET = 2**62  # any larger offset is past the end of every layer, and past SQL's integers
COMMON_PARAMETERS = frozenset({"f", "lang", "key"})  # key: an app developer key (auth/http.py)
ITEMS_PARAMETERS = (
    frozenset(
        {
            "limit",
            "offset",
            "bbox",
            "bbox-crs",
            "crs",
            "datetime",
            "sortby",
            "properties",
            "skipGeometry",
            "filter",
            "filter-lang",
            "filter-crs",
            "resulttype",
        }
    )
    | COMMON_PARAMETERS
)


@dataclass(frozen=True)
class ItemsRequest:
    """A checked items request: what to read and how to write it out."""

    query: FeatureQuery
    crs: str = CRS84
    properties: tuple[str, ...] | None = None
    visible: tuple[str, ...] = ()  # properties to show: those asked for, else all the reader may see
    skip_geometry: bool = False
    hits_only: bool = False
    echo: Mapping[str, str] = field(default_factory=dict)  # parameters to repeat in links


def parse_items_request(
    layer: LayerDefinition, args: Mapping[str, str], reader: Principal, body: bytes = b""
) -> ItemsRequest:
    """Every items parameter checked against the attributes `reader` may see; InvalidRequestError
    names the bad one, in the same words for a restricted attribute as for one that does not exist."""
    attributes = tuple(a.name for a in reader.visible_attributes(layer))
    queryable = frozenset(attributes)
    unknown = sorted(set(args) - ITEMS_PARAMETERS - queryable)
    if unknown:
        raise InvalidRequestError(tr("Unknown query parameter: {names}.", names=", ".join(unknown)))
    where = {name: value for name, value in args.items() if name in queryable}
    filters = [
        f
        for f in (
            parse_filter(layer, queryable, args, body),
            datetime_filter(layer, queryable, args.get("datetime")),
        )
        if f
    ]
    query = FeatureQuery(
        bbox=parse_bbox(args.get("bbox"), args.get("bbox-crs")),
        where=where,
        filter=_and(filters),
        limit=parse_limit(args.get("limit")),
        offset=parse_offset(args.get("offset")),
        sort=parse_sortby(layer, queryable, args.get("sortby")),
    )
    resulttype = args.get("resulttype", "results")
    if resulttype not in ("results", "hits"):
        raise InvalidRequestError(tr("resulttype must be 'results' or 'hits'."))
    properties = parse_properties(layer, queryable, args.get("properties"))
    return ItemsRequest(
        query=query,
        crs=canonical_crs(args["crs"]) if "crs" in args else CRS84,
        properties=properties,
        visible=attributes if properties is None else properties,
        skip_geometry=parse_boolean(args.get("skipGeometry"), "skipGeometry"),
        hits_only=resulttype == "hits",
        echo={k: v for k, v in args.items() if k not in ("offset", "f")},
    )


def parse_limit(value: str | None) -> int:
    """`limit` as an integer of at least 1; values above the maximum are lowered to it."""
    if value is None:
        return DEFAULT_LIMIT
    number = _integer(value, "limit")
    if number < 1:
        raise InvalidRequestError(tr("limit must be a whole number of at least 1."))
    return min(number, MAX_LIMIT)


def parse_offset(value: str | None) -> int:
    if value is None:
        return 0
    number = _integer(value, "offset")
    if not 0 <= number <= MAX_OFFSET:
        raise InvalidRequestError(
            tr("offset must be a whole number from 0 to {maximum}.", maximum=MAX_OFFSET)
        )
    return number


def _integer(value: str, name: str) -> int:
    try:
        return int(value.strip())
    except ValueError:
        raise InvalidRequestError(
            tr("{name} must be a whole number, not '{value}'.", name=name, value=value[:40])
        ) from None


def parse_bbox(value: str | None, bbox_crs: str | None) -> Bbox | None:
    """bbox (4 or 6 numbers) in bbox-crs, returned as lon/lat."""
    if value is None:
        if bbox_crs is not None:
            raise InvalidRequestError(tr("bbox-crs was given without bbox."))
        return None
    parts = value.split(",")
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        raise InvalidBboxError(tr("bbox must be 4 or 6 comma-separated numbers.")) from None
    if len(numbers) == 6:
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    if len(numbers) != 4 or not all(math.isfinite(n) for n in numbers):
        raise InvalidBboxError(tr("bbox must be 4 or 6 comma-separated finite numbers."))
    minx, miny, maxx, maxy = numbers
    if minx > maxx or miny > maxy:
        raise InvalidBboxError(tr("bbox minimum must not exceed its maximum."))
    crs = canonical_crs(bbox_crs, "bbox-crs") if bbox_crs else CRS84
    lonlat = bbox_to_crs84((minx, miny, maxx, maxy), crs)
    if not all(math.isfinite(n) for n in lonlat):
        raise InvalidBboxError(tr("bbox lies outside the area its bbox-crs covers."))
    check_bbox(lonlat)
    return lonlat


def parse_sortby(layer: LayerDefinition, queryable: frozenset[str], value: str | None) -> tuple[SortKey, ...]:
    """Sort keys (`+name,-levels`) over the attributes in `queryable`."""
    if not value:
        return ()
    keys = []
    for part in value.split(","):
        name = part.strip()
        ascending = not name.startswith("-")
        name = name.lstrip("+-").strip()
        if name not in queryable:
            raise InvalidRequestError(
                tr(
                    "Cannot sort by '{name}': layer '{layer}' has no such property.",
                    name=name,
                    layer=layer.id,
                )
            )
        keys.append(SortKey(name, ascending))
    return tuple(keys)


def parse_properties(
    layer: LayerDefinition, queryable: frozenset[str], value: str | None
) -> tuple[str, ...] | None:
    """The `properties` selection, each one of the attributes in `queryable`."""
    if value is None:
        return None
    names = tuple(n.strip() for n in value.split(",") if n.strip())
    unknown = [n for n in names if n not in queryable]
    if unknown:
        raise InvalidRequestError(
            tr("Layer '{layer}' has no properties {names}.", layer=layer.id, names=", ".join(unknown))
        )
    return names


def parse_boolean(value: str | None, name: str) -> bool:
    if value is None:
        return False
    if value.lower() in ("true", "1", "yes"):
        return True
    if value.lower() in ("false", "0", "no"):
        return False
    raise InvalidRequestError(tr("{name} must be true or false.", name=name))


def parse_filter(
    layer: LayerDefinition, queryable: frozenset[str], args: Mapping[str, str], body: bytes = b""
) -> Any:
    """The CQL2 filter (text or JSON, in the query or a JSON body) over `queryable` as a CQL2-JSON
    tree, or None."""
    language = args.get("filter-lang", "cql2-text")
    if language not in ("cql2-text", "cql2-json"):
        raise InvalidRequestError(tr("filter-lang must be cql2-text or cql2-json."))
    if "filter-crs" in args and canonical_crs(args["filter-crs"], "filter-crs") != CRS84:
        raise InvalidRequestError(tr("filter-crs must be {crs}.", crs=CRS84))
    text = args.get("filter")
    if text is None and body:
        check_filter_size(body.decode("latin-1"))
        try:
            text, language = body.decode("utf-8", errors="strict"), "cql2-json"
        except UnicodeDecodeError:
            raise InvalidRequestError(tr("The filter is not valid JSON.")) from None
    if text is None:
        return None
    check_filter_size(text)
    node = read_filter(text, language)
    check_filter(node, layer, queryable)
    return node


def datetime_filter(layer: LayerDefinition, queryable: frozenset[str], value: str | None) -> Any:
    """The `datetime` parameter (instant or interval) as a CQL2-JSON filter on the layer's
    temporal property."""
    if value is None:
        return None
    start, end = _interval(value)
    if layer.temporal is None or layer.temporal not in queryable:
        return None  # a layer without (visible) time matches every instant
    ends = [".." if moment is None else moment.isoformat() for moment in (start, end)]
    return {"op": "t_intersects", "args": [{"property": layer.temporal}, {"interval": ends}]}


def _interval(value: str) -> tuple[datetime | None, datetime | None]:
    parts = value.split("/")
    if len(parts) > 2 or not value.strip():
        raise InvalidRequestError(tr("datetime must be an RFC 3339 instant or an interval start/end."))
    moments = [_moment(p) for p in parts]
    if len(moments) == 1:
        if moments[0] is None:
            raise InvalidRequestError(tr("datetime '..' needs a start or an end."))
        return moments[0], moments[0]
    start, end = moments
    if start is not None and end is not None and start > end:
        raise InvalidRequestError(tr("datetime interval ends before it starts."))
    return start, end


def _moment(text: str) -> datetime | None:
    if text in ("..", ""):
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise InvalidRequestError(
            tr("datetime '{value}' is not an RFC 3339 date or time.", value=text[:40])
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _and(nodes: list[Any]) -> Any:
    return None if not nodes else nodes[0] if len(nodes) == 1 else {"op": "and", "args": nodes}
