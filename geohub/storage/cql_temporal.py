"""The CQL2 temporal functions (T_AFTER … T_STARTS) as SQL comparisons of interval ends.

An instant is the interval [t, t]; an open end ('..') is -∞ at the start and +∞ at the end.
Each function is Allen's relation between [a0, a1] and [b0, b1], as the CQL2 standard defines
it. An end is a function giving fresh SQL each time (a parameter is bound once per use), or None
for an open end; comparisons with an open end are decided here, not in SQL."""

from __future__ import annotations

from collections.abc import Callable

Endpoint = Callable[[], str] | None
Interval = tuple[Endpoint, Endpoint]

# each relation: all of these comparisons (a0, a1: the first interval; b0, b1: the second)
_RELATIONS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "t_after": (("a0", ">", "b1"),),
    "t_before": (("a1", "<", "b0"),),
    "t_contains": (("a0", "<", "b0"), ("a1", ">", "b1")),
    "t_disjoint": (("a1", "<", "b0"), ("a0", ">", "b1")),  # either of the two
    "t_during": (("a0", ">", "b0"), ("a1", "<", "b1")),
    "t_equals": (("a0", "=", "b0"), ("a1", "=", "b1")),
    "t_finishedby": (("a0", "<", "b0"), ("a1", "=", "b1")),
    "t_finishes": (("a0", ">", "b0"), ("a1", "=", "b1")),
    "t_intersects": (("a0", "<=", "b1"), ("a1", ">=", "b0")),
    "t_meets": (("a1", "=", "b0"),),
    "t_metby": (("a0", "=", "b1"),),
    "t_overlappedby": (("a0", ">", "b0"), ("a0", "<", "b1"), ("a1", ">", "b1")),
    "t_overlaps": (("a0", "<", "b0"), ("a1", ">", "b0"), ("a1", "<", "b1")),
    "t_startedby": (("a0", "=", "b0"), ("a1", ">", "b1")),
    "t_starts": (("a0", "=", "b0"), ("a1", "<", "b1")),
}
_EITHER = frozenset({"t_disjoint"})
_HOLDS: dict[str, Callable[[int, int], bool]] = {
    "=": lambda a, b: a == b,
    "<": lambda a, b: a < b,
    ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b,
    ">=": lambda a, b: a >= b,
}
_FALSE = "1 = 0"


def temporal_condition(function: str, first: Interval, second: Interval) -> str:
    """SQL for `function(first, second)`. A NULL end matches nothing, T_DISJOINT included."""
    ends = {"a0": (first[0], -1), "a1": (first[1], 1), "b0": (second[0], -1), "b1": (second[1], 1)}
    parts = [(ends[left], op, ends[right]) for left, op, right in _RELATIONS[function]]
    decided = [_decide(*part) for part in parts]
    if function in _EITHER:  # any one comparison
        kept = [part for part, holds in zip(parts, decided, strict=True) if holds is not False]
        return "(" + " OR ".join(_sql(*part) for part in kept) + ")" if kept else _FALSE
    if False in decided:  # every comparison: one known false, and no parameter is bound
        return _FALSE
    return "(" + " AND ".join(_sql(*part) for part in parts) + ")"


def _decide(left: tuple[Endpoint, int], op: str, right: tuple[Endpoint, int]) -> bool | None:
    """Whether `left op right` holds when an open end (infinity) takes part, else None."""
    (a, a_sign), (b, b_sign) = left, right
    if a is not None and b is not None:
        return None
    return _HOLDS[op](0 if a is not None else a_sign, 0 if b is not None else b_sign)


def _sql(left: tuple[Endpoint, int], op: str, right: tuple[Endpoint, int]) -> str:
    """SQL for a comparison that holds or is left to the database; a true comparison with an
    open end still needs its other end to be a value."""
    a, b = left[0], right[0]
    if a is not None and b is not None:
        return f"{a()} {op} {b()}"
    finite = a if a is not None else b
    return f"{finite()} IS NOT NULL" if finite is not None else "1 = 1"
