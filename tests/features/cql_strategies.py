"""Hypothesis strategies for CQL2 filters, valid and broken, as text and as JSON, over the attributes
of the `buildings` layer (string, integer, number, datetime) plus names that do not exist."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

PROPERTIES = ["levels", "height", "name", "osm_timestamp", "district", "area_m2", "geometry", "geom"]
ODD_PROPERTIES = ["nope", "здание", "", "LEVELS", "a b", "{name}", "levels\x00", "'; DROP TABLE x; --"]
COMPARISONS = ["=", "<>", "<", ">", "<=", ">="]
SPATIAL = [
    "S_INTERSECTS",
    "S_WITHIN",
    "S_CONTAINS",
    "S_DISJOINT",
    "S_TOUCHES",
    "S_CROSSES",
    "S_OVERLAPS",
    "S_EQUALS",
]
FUNCTIONS = ["LOWER", "CASEI", "UPPER", "ACCENTI", "foo", "BBOX", "lower"]
TEMPORAL_OPS = [
    "t_after",
    "t_before",
    "t_contains",
    "t_disjoint",
    "t_during",
    "t_equals",
    "t_finishedBy",
    "t_finishes",
    "t_intersects",
    "t_meets",
    "t_metBy",
    "t_overlappedBy",
    "t_overlaps",
    "t_startedBy",
    "t_starts",
    "a_contains",
]
ARITHMETIC = ["+", "-", "*", "/", "%", "div", "^"]

# numbers: small, at the 64-bit edges, beyond them, and floats with NaN and infinities
numbers = st.one_of(
    st.integers(-1000, 1000),
    st.sampled_from([2**63 - 1, -(2**63), 2**63, 10**30, -(10**400)]),
    st.floats(allow_nan=True, allow_infinity=True),
)
texts = st.text(max_size=12)  # any unicode, NUL and surrogate-free by Hypothesis' default alphabet
coordinates = st.one_of(st.floats(-200, 200), st.sampled_from([float("nan"), float("inf"), 1e400]))


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _number_text(value: int | float) -> str:
    return str(value) if isinstance(value, int) else repr(value)


def _name_text(name: str) -> str:
    return name if name.isidentifier() else '"' + name.replace('"', "") + '"'


# CQL2 text -----------------------------------------------------------------------------------------
text_properties = st.sampled_from(PROPERTIES + ODD_PROPERTIES).map(_name_text)
text_literals = st.one_of(
    numbers.map(_number_text),
    texts.map(_quoted),
    st.sampled_from(
        [
            "TRUE",
            "FALSE",
            "NULL",
            "TIMESTAMP('2012-01-01T00:00:00Z')",
            "DATE('2012-01-01')",
            "TIMESTAMP('garbage')",
            "DATE('2012-13-45')",
            "INTERVAL('2012-01-01','..')",
            "INTERVAL('..', '2012-01-01T00:00:00Z')",
            "INTERVAL(osm_timestamp, '..')",
            "INTERVAL('2012-01-01', 'later')",
            "'2012-01-01T00:00:00Z'",
            "'5'",
        ]
    ),
)


@st.composite
def wkt_geometries(draw: Any) -> str:
    """WKT literals: well-formed, too short, unclosed, non-numeric, unknown types."""
    points = draw(st.lists(st.tuples(coordinates, coordinates), max_size=6))
    flat = ", ".join(f"{x!r} {y!r}" for x, y in points)
    closed = ", ".join(f"{x!r} {y!r}" for x, y in [*points, *points[:1]])
    kind = draw(
        st.sampled_from(
            ["POINT", "LINESTRING", "POLYGON", "POLYGON_CLOSED", "MULTIPOINT", "GC", "BBOX", "ODD"]
        )
    )
    return {
        "POINT": f"POINT({flat.split(',')[0] if flat else ''})",
        "LINESTRING": f"LINESTRING({flat})",
        "POLYGON": f"POLYGON(({flat}))",
        "POLYGON_CLOSED": f"POLYGON(({closed}))",
        "MULTIPOINT": f"MULTIPOINT({flat})",
        "GC": f"GEOMETRYCOLLECTION(POINT({flat.split(',')[0] if flat else '1 2'}), LINESTRING({flat}))",
        "BBOX": f"BBOX({', '.join(repr(c) for c in draw(st.lists(coordinates, max_size=7)))})",
        "ODD": draw(
            st.sampled_from(["CIRCLE(1 2)", "POINT EMPTY", "POINT(x y)", "POINT(1)", "'POINT(1 2)'"])
        ),
    }[kind]


def _text_expressions() -> st.SearchStrategy[str]:
    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        arithmetic = st.tuples(inner, st.sampled_from(ARITHMETIC), inner).map(
            lambda t: f"({t[0]} {t[1]} {t[2]})"
        )
        function = st.tuples(st.sampled_from(FUNCTIONS), st.lists(inner, max_size=3)).map(
            lambda t: f"{t[0]}({', '.join(t[1])})"
        )
        return st.one_of(arithmetic, function)

    return st.recursive(st.one_of(text_properties, text_literals), extend, max_leaves=5)


text_expressions = _text_expressions()


def _text_predicates() -> st.SearchStrategy[str]:
    e, lit = text_expressions, text_literals
    return st.one_of(
        st.tuples(e, st.sampled_from(COMPARISONS), e).map(" ".join),
        st.tuples(e, st.sampled_from(["LIKE", "NOT LIKE"]), st.one_of(lit, e)).map(" ".join),
        st.tuples(e, lit, lit).map(lambda t: f"{t[0]} BETWEEN {t[1]} AND {t[2]}"),
        st.tuples(e, st.lists(lit, max_size=4)).map(lambda t: f"{t[0]} IN ({', '.join(t[1])})"),
        st.tuples(e, st.sampled_from(["IS NULL", "IS NOT NULL"])).map(" ".join),
        st.tuples(st.sampled_from([*SPATIAL, "S_FOO"]), text_properties, wkt_geometries()).map(
            lambda t: f"{t[0]}({t[1]}, {t[2]})"
        ),
        st.tuples(st.sampled_from([op.upper() for op in TEMPORAL_OPS]), text_properties, lit).map(
            lambda t: f"{t[0]}({t[1]}, {t[2]})"
        ),
        st.sampled_from(["INCLUDE", "EXCLUDE", "TRUE", "FALSE", "1", "'a'", ""]),
    )


def _text_conditions() -> st.SearchStrategy[str]:
    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        negated = inner.map(lambda c: f"NOT ({c})")
        combined = st.tuples(st.sampled_from([" AND ", " OR "]), st.lists(inner, min_size=2, max_size=4)).map(
            lambda t: "(" + t[0].join(t[1]) + ")"
        )
        return st.one_of(negated, combined)

    return st.recursive(_text_predicates(), extend, max_leaves=10)


@st.composite
def deep_text_filters(draw: Any) -> str:
    """Long chains and deep nesting around the bounds (depth 20, 500 terms, 16 KiB)."""
    leaf = draw(st.sampled_from(["levels > 1", "name = 'a'", "height < 2.5"]))
    count = draw(st.integers(1, 700))
    shape = draw(st.sampled_from(["and", "or", "not", "parens", "mixed"]))
    if shape in ("and", "or"):
        return f" {shape.upper()} ".join([leaf] * count)
    if shape == "not":
        return "NOT (" * (count % 80) + leaf + ")" * (count % 80)
    if shape == "parens":
        return "(" * count + leaf + ")" * count
    return (
        leaf + "".join(f" {'AND' if i % 2 else 'OR'} ({leaf}" for i in range(count % 60)) + ")" * (count % 60)
    )


cql2_text = st.one_of(_text_conditions(), deep_text_filters(), st.text(max_size=60))


# CQL2 JSON -----------------------------------------------------------------------------------------
json_junk = st.recursive(
    st.one_of(st.none(), st.booleans(), numbers, texts),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(texts, inner, max_size=3)),
    max_leaves=6,
)
json_properties = st.one_of(
    st.sampled_from(PROPERTIES + ODD_PROPERTIES).map(lambda p: {"property": p}),
    json_junk.map(lambda j: {"property": j}),
)
json_literals = st.one_of(
    numbers,
    texts,
    st.booleans(),
    st.none(),
    st.sampled_from(
        [
            {"timestamp": "2012-01-01T00:00:00Z"},
            {"date": "2012-01-01"},
            {"timestamp": "garbage"},
            {"interval": ["2012-01-01", ".."]},
            {"interval": [{"property": "osm_timestamp"}, {"date": "2012-01-01"}]},
            {"interval": ["..", ".."]},
            {"bbox": [76.9, 43.2, 77.0, 43.3]},
        ]
    ),
)


@st.composite
def geojson_geometries(draw: Any) -> Any:
    """GeoJSON literals: right and wrong types, nesting, counts and numbers."""
    position = st.lists(st.one_of(coordinates, texts, st.none()), min_size=0, max_size=3)
    positions = st.lists(position, max_size=6)
    kind = draw(
        st.sampled_from(
            ["Point", "LineString", "Polygon", "MultiPolygon", "GeometryCollection", "Circle", None]
        )
    )
    coordinates_by_kind = {
        "Point": position,
        "LineString": positions,
        "Polygon": st.lists(positions, max_size=2),
        "MultiPolygon": st.lists(st.lists(positions, max_size=2), max_size=2),
    }
    document: dict[str, Any] = {"type": kind}
    if kind in coordinates_by_kind:
        document["coordinates"] = draw(coordinates_by_kind[kind])
    elif kind == "GeometryCollection":
        document["geometries"] = draw(st.lists(st.just({"type": "Point", "coordinates": [1, 2]}), max_size=2))
    else:
        document["coordinates"] = draw(json_junk)
    return document


def _json_expressions() -> st.SearchStrategy[Any]:
    def extend(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        arithmetic = st.tuples(st.sampled_from(ARITHMETIC), st.lists(inner, min_size=2, max_size=2)).map(
            lambda t: {"op": t[0], "args": t[1]}
        )
        function = st.tuples(st.sampled_from(FUNCTIONS), st.lists(inner, max_size=2)).map(
            lambda t: {"op": t[0].lower(), "args": t[1]}
        )
        return st.one_of(arithmetic, function)

    return st.recursive(st.one_of(json_properties, json_literals), extend, max_leaves=5)


def _json_predicates() -> st.SearchStrategy[Any]:
    e = _json_expressions()
    operators = [*COMPARISONS, "like", "between", "in", "isNull", "casei", *TEMPORAL_OPS, "frob"]
    return st.one_of(
        st.tuples(
            st.sampled_from(operators), st.lists(st.one_of(e, st.lists(e, max_size=3)), max_size=3)
        ).map(lambda t: {"op": t[0], "args": t[1]}),
        st.tuples(st.sampled_from([s.lower() for s in SPATIAL]), json_properties, geojson_geometries()).map(
            lambda t: {"op": t[0], "args": [t[1], t[2]]}
        ),
        st.tuples(st.sampled_from(operators), json_junk).map(lambda t: {"op": t[0], "args": t[1]}),
        st.booleans(),
    )


def _json_conditions() -> st.SearchStrategy[Any]:
    def extend(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        negated = inner.map(lambda c: {"op": "not", "args": [c]})
        combined = st.tuples(st.sampled_from(["and", "or"]), st.lists(inner, min_size=0, max_size=4)).map(
            lambda t: {"op": t[0], "args": t[1]}
        )
        return st.one_of(negated, combined)

    return st.recursive(_json_predicates(), extend, max_leaves=10)


@st.composite
def deep_json_filters(draw: Any) -> Any:
    leaf = {"op": ">", "args": [{"property": "levels"}, 1]}
    count = draw(st.integers(1, 600))
    shape = draw(st.sampled_from(["and", "or", "not"]))
    if shape == "not":
        node: Any = leaf
        for _ in range(count % 120):
            node = {"op": "not", "args": [node]}
        return node
    return {"op": shape, "args": [leaf] * count}


cql2_json = st.one_of(_json_conditions(), deep_json_filters(), json_junk)

# other items parameters, sometimes sent alongside a filter
extra_parameters = st.dictionaries(
    st.sampled_from(
        ["sortby", "properties", "bbox", "datetime", "limit", "offset", "crs", "filter-crs", "lang", "f"]
    ),
    st.one_of(
        st.sampled_from(
            ["-levels", "+name,-height", "levels,nope", "1,2,3,4", "76.9,43.2,77,43.3", "..", "c"]
        ),
        st.sampled_from(["2012-01-01T00:00:00Z/..", "EPSG:3857", "EPSG:4326", "html", "csv", "jsonld", "ru"]),
        texts,
    ),
    max_size=2,
)
