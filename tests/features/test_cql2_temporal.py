"""The CQL2 temporal functions on a small layer with a date (`day`) and an instant (`at`) on
both backends: each function, with instants, closed and half-open intervals
and property intervals, selects exactly what Allen's relations select in Python."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest
import shapely

from geohub.errors import InvalidRequestError
from geohub.features.cql_text import read_filter
from geohub.layers.models import GeometryType
from geohub.storage.base import Feature, FeatureQuery, FeatureStore
from geohub.storage.cql_check import TEMPORAL_FUNCTIONS, check_filter
from tests.storage.conftest import make_layer

EVENTS = make_layer(
    "test_events",
    GeometryType.point,
    "event_id",
    [
        {"name": "event_id", "type": "integer", "required": True},
        {"name": "day", "type": "date"},
        {"name": "at", "type": "datetime"},
        {"name": "label"},
    ],
)
DAYS = ["2024-01-01", "2024-01-15", "2024-01-31", "2024-02-01", "2024-03-10", None]
INSTANTS = [  # sent with offsets and fractions; stored in UTC
    "2024-01-15T05:00:00+05:00",  # 2024-01-15T00:00:00Z
    "2024-01-15T00:00:00.5Z",
    "2024-01-14T23:59:59Z",
    "2024-02-01T12:00:00Z",
    None,
    "2023-12-31T23:00:00-02:00",  # 2024-01-01T01:00:00Z
]
LABELS = ["O'Brien's", "plain", None, "o'brien's", "x", "y"]


def _moment(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _features() -> list[Feature]:
    return [
        Feature(
            str(i),
            shapely.to_wkb(shapely.Point(76.9 + i / 100, 43.2)),
            {"event_id": i, "day": d, "at": at, "label": label},
        )
        for i, (d, at, label) in enumerate(zip(DAYS, INSTANTS, LABELS, strict=True))
    ]


# Allen's relations in Python, on (start, end) pairs where None is an open end
Bound = tuple[int, Any]  # (-1, None) = -inf, (0, value), (1, None) = +inf


def _start(value: Any) -> Bound:
    return (-1, None) if value is None else (0, value)


def _end(value: Any) -> Bound:
    return (1, None) if value is None else (0, value)


def _lt(a: Bound, b: Bound) -> bool:
    return a[0] < b[0] if a[0] != b[0] or a[0] != 0 else a[1] < b[1]


def _eq(a: Bound, b: Bound) -> bool:
    return a == b


ALLEN: dict[str, Callable[[Bound, Bound, Bound, Bound], bool]] = {
    "t_after": lambda a0, a1, b0, b1: _lt(b1, a0),
    "t_before": lambda a0, a1, b0, b1: _lt(a1, b0),
    "t_contains": lambda a0, a1, b0, b1: _lt(a0, b0) and _lt(b1, a1),
    "t_disjoint": lambda a0, a1, b0, b1: _lt(a1, b0) or _lt(b1, a0),
    "t_during": lambda a0, a1, b0, b1: _lt(b0, a0) and _lt(a1, b1),
    "t_equals": lambda a0, a1, b0, b1: _eq(a0, b0) and _eq(a1, b1),
    "t_finishedby": lambda a0, a1, b0, b1: _lt(a0, b0) and _eq(a1, b1),
    "t_finishes": lambda a0, a1, b0, b1: _lt(b0, a0) and _eq(a1, b1),
    "t_intersects": lambda a0, a1, b0, b1: not (_lt(a1, b0) or _lt(b1, a0)),
    "t_meets": lambda a0, a1, b0, b1: _eq(a1, b0),
    "t_metby": lambda a0, a1, b0, b1: _eq(a0, b1),
    "t_overlappedby": lambda a0, a1, b0, b1: _lt(b0, a0) and _lt(a0, b1) and _lt(b1, a1),
    "t_overlaps": lambda a0, a1, b0, b1: _lt(a0, b0) and _lt(b0, a1) and _lt(a1, b1),
    "t_startedby": lambda a0, a1, b0, b1: _eq(a0, b0) and _lt(b1, a1),
    "t_starts": lambda a0, a1, b0, b1: _eq(a0, b0) and _lt(a1, b1),
}

# second arguments, as CQL2 text and as Python (start, end); the first is the property
DATE_ARGUMENTS = {
    "instant": ("DATE('2024-01-15')", (date(2024, 1, 15), date(2024, 1, 15))),
    "interval": ("INTERVAL('2024-01-01', '2024-01-31')", (date(2024, 1, 1), date(2024, 1, 31))),
    "open-start": ("INTERVAL('..', '2024-01-31')", (None, date(2024, 1, 31))),
    "open-end": ("INTERVAL('2024-01-15', '..')", (date(2024, 1, 15), None)),
}
INSTANT_ARGUMENTS = {
    "instant": ("TIMESTAMP('2024-01-15T00:00:00Z')", (_moment("2024-01-15T00:00:00Z"),) * 2),
    "interval": (
        "INTERVAL('2024-01-01T01:00:00Z', '2024-01-15T00:00:00.5Z')",
        (_moment("2024-01-01T01:00:00Z"), _moment("2024-01-15T00:00:00.5Z")),
    ),
    "open-end": ("INTERVAL('2024-01-15T00:00:00+00:00', '..')", (_moment("2024-01-15T00:00:00Z"), None)),
}
# the first argument as an interval of two properties' values, or the property alone
SUBJECTS = {"property": "{}", "interval-to-open": "INTERVAL({}, '..')"}


@pytest.fixture
def events(store: FeatureStore) -> FeatureStore:
    store.write_version(EVENTS, _features())
    return store


def _ids(store: FeatureStore, text: str) -> list[str]:
    node = read_filter(text, "cql2-text")
    check_filter(node, EVENTS, frozenset(a.name for a in EVENTS.attributes))
    return sorted(f.id for f in store.query(EVENTS, FeatureQuery(filter=node, limit=100)).features)


def _expected(function: str, name: str, subject: str, other: tuple[Any, Any]) -> list[str]:
    ids = []
    for i, (d, at) in enumerate(zip(DAYS, INSTANTS, strict=True)):
        raw = d if name == "day" else at
        if raw is None:
            continue  # a NULL value matches nothing
        value = date.fromisoformat(raw) if name == "day" else _moment(raw)
        first = (value, value) if subject == "property" else (value, None)
        if ALLEN[function](_start(first[0]), _end(first[1]), _start(other[0]), _end(other[1])):
            ids.append(str(i))
    return sorted(ids)


@pytest.mark.parametrize("function", sorted(TEMPORAL_FUNCTIONS))
def test_each_temporal_function_selects_what_allens_relations_select(
    events: FeatureStore, function: str
) -> None:
    for name, arguments in (("day", DATE_ARGUMENTS), ("at", INSTANT_ARGUMENTS)):
        for subject, template in SUBJECTS.items():
            for argument, (text, other) in arguments.items():
                cql2 = f"{function.upper()}({template.format(name)}, {text})"
                expected = _expected(function, name, subject, other)
                assert _ids(events, cql2) == expected, (cql2, argument)


def test_dates_and_instants_compare_across_offsets(events: FeatureStore) -> None:
    assert _ids(events, "T_EQUALS(at, TIMESTAMP('2024-01-15T05:00:00+05:00'))") == ["0"]
    assert _ids(events, "at = TIMESTAMP('2024-01-15T00:00:00Z')") == ["0"]
    assert _ids(events, "T_BEFORE(at, TIMESTAMP('2024-01-15T00:00:00.5Z'))") == ["0", "2", "5"]
    assert _ids(events, "T_AFTER(day, DATE('2024-01-31'))") == ["3", "4"]
    assert _ids(events, "T_DURING(INTERVAL(day, day), INTERVAL('2024-01-01', '2024-02-01'))") == ["1", "2"]
    assert _ids(events, "day > DATE('2024-01-31') AND at IS NOT NULL") == ["3"]


def test_quotes_escape_in_cql2_text(events: FeatureStore) -> None:
    assert _ids(events, "label = 'O''Brien''s'") == ["0"]
    assert _ids(events, "CASEI(label) = casei('O''BRIEN''S')") == ["0", "3"]
    assert _ids(events, "day = DATE('2024-01-15') OR day IS NULL") == ["1", "5"]


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ("T_AFTER(label, DATE('2024-01-01'))", "Temporal functions work on dates and times, not on string."),
        ("T_AFTER(day, at)", "The filter compares values of different types: date and datetime."),
        ("T_AFTER(day, DATE('2024-13-45'))", "'2024-13-45' is not a valid DATE."),
        ("T_AFTER(at, INTERVAL('2024-01-01', 'later'))", "'later' is not a valid TIMESTAMP."),
        (
            "day = INTERVAL('2024-01-01', '..')",
            "Intervals can only be used in temporal functions (T_INTERSECTS, …).",
        ),
        (
            "A_CONTAINS(label, ('a'))",
            "Array functions are not supported: no GeoHub layer has array properties.",
        ),
    ],
)
def test_temporal_mistakes_are_named(text: str, detail: str) -> None:
    with pytest.raises(InvalidRequestError) as raised:
        check_filter(read_filter(text, "cql2-text"), EVENTS, frozenset(a.name for a in EVENTS.attributes))
    assert str(raised.value) == detail
