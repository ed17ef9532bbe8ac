"""A CQL2 filter (a CQL2-JSON tree) checked against a layer's schema before any SQL is made.

Whatever passes here compiles (storage/cql_sql.py) to SQL that both backends run with the same
answer; whatever does not is one InvalidRequestError naming the problem, raised before either
backend sees the filter, so PostGIS and the GeoPackage store give the same 400 in the same words.

Bounds, and why:
- MAX_FILTER_BYTES (16 KiB): a real filter (a district polygon with ~600 vertices, or a few
  dozen conditions) fits several times over; it also caps the parser's work and the number of
  SQL parameters.
- MAX_DEPTH (20) counts nesting after chains of the same AND/OR are flattened into one n-ary
  node (they compile flat, `a AND b AND c`), so only real nesting — NOT, alternating AND/OR,
  functions, arithmetic — counts. Hand-written filters stay under 6; 20 keeps the SQL far below
  SQLite's parser stack (100 entries) and expression depth (1000) limits.
- MAX_NODES (500): the number of conditions, operands and list items; beyond that a filter is
  generated, and a query with thousands of terms is a denial of service, not a question.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from geohub.errors import InvalidRequestError
from geohub.layers.models import AttributeType, LayerDefinition
from geohub.messages import N_, tr
from geohub.storage.cql_geometry import check_geometry_literal, is_geometry_literal
from geohub.storage.values import INT64_MAX, parse_filter_value

MAX_FILTER_BYTES = 16 * 1024
MAX_DEPTH = 20
MAX_NODES = 500
GEOMETRY_NAMES = frozenset({"geometry", "geom"})
TEXT_FUNCTIONS = frozenset({"lower", "casei", "accenti"})
COMPARISONS = frozenset({"=", "<>", "<", ">", "<=", ">="})
ARITHMETIC = frozenset({"+", "-", "*", "/", "%", "div", "^"})
SPATIAL_FUNCTIONS = frozenset(
    {
        "s_intersects",
        "s_disjoint",
        "s_contains",
        "s_within",
        "s_touches",
        "s_crosses",
        "s_overlaps",
        "s_equals",
    }
)
TEMPORAL_FUNCTIONS = frozenset(
    {
        "t_after",
        "t_before",
        "t_contains",
        "t_disjoint",
        "t_during",
        "t_equals",
        "t_finishedby",
        "t_finishes",
        "t_intersects",
        "t_meets",
        "t_metby",
        "t_overlappedby",
        "t_overlaps",
        "t_startedby",
        "t_starts",
    }
)
ARRAY_FUNCTIONS = frozenset({"a_equals", "a_contains", "a_containedby", "a_overlaps"})
OPEN_END = ".."
_TEMPORAL = frozenset({AttributeType.date, AttributeType.datetime})
_NOT_A_VALUE = N_("The filter compares a property with something that is not a value.")
_REPEATS = {"%": 2, "div": 1, "^": 9}  # how often cql_sql.py writes each operand out
_ARITY = {"not": 1, "isnull": 1, "like": 2, "in": 2, "between": 3}


@dataclass(frozen=True)
class Operand:
    """What an expression is: its type family, the schema type to show, and for a plain
    property its attribute type and name (a text literal compared with it is read as that type)."""

    family: str  # text, number, boolean, time, geometry
    label: str  # the schema type name shown in messages
    literal: Any = None
    is_literal: bool = False
    attribute: AttributeType | None = None
    name: str = "filter"
    size: int = 1  # terms in its SQL: % and div repeat their operands, ^ guards them (cql_sql.py)


def operator(node: Any) -> str | None:
    """The lower-cased `op` of a CQL2-JSON operation, or None for anything else."""
    if isinstance(node, dict) and isinstance(node.get("op"), str):
        return str(node["op"]).lower()
    return None


def arguments(node: dict[str, Any], count: int | None = None) -> list[Any]:
    """The `args` of an operation, checked to be a list (of `count` items when given)."""
    args = node.get("args")
    name = str(node.get("op"))[:40].upper()
    if not isinstance(args, list) or (count is not None and len(args) != count):
        if count is None:
            raise InvalidRequestError(tr("The filter's {name} needs a list of arguments.", name=name))
        raise InvalidRequestError(tr("The filter's {name} takes {count} arguments.", name=name, count=count))
    return args


def property_name(node: Any) -> Any:
    """The name of a property reference `{"property": name}`, else None."""
    return node["property"] if isinstance(node, dict) and "property" in node and len(node) == 1 else None


def check_filter_size(text: str) -> None:
    """InvalidRequestError when the filter text is larger than MAX_FILTER_BYTES."""
    if len(text) > MAX_FILTER_BYTES or len(text.encode("utf-8", "surrogatepass")) > MAX_FILTER_BYTES:
        raise InvalidRequestError(tr("The filter is longer than {maximum} bytes.", maximum=MAX_FILTER_BYTES))


def check_filter(node: Any, layer: LayerDefinition, queryable: frozenset[str]) -> None:
    """InvalidRequestError unless `node` is a filter GeoHub compiles for `layer`, using only the
    properties in `queryable`, within the depth and size bounds."""
    _Checker(layer, queryable).condition(node, 1)


class _Checker:
    def __init__(self, layer: LayerDefinition, queryable: frozenset[str]) -> None:
        self.layer = layer
        self.queryable = queryable
        self.nodes = 0

    def _enter(self, depth: int) -> None:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise InvalidRequestError(tr("The filter has more than {maximum} terms.", maximum=MAX_NODES))
        if depth > MAX_DEPTH:
            raise InvalidRequestError(
                tr("The filter is nested more than {maximum} levels deep.", maximum=MAX_DEPTH)
            )

    # conditions ------------------------------------------------------------------------------------
    def condition(self, node: Any, depth: int) -> None:
        self._enter(depth)
        if isinstance(node, bool):
            return
        op = operator(node)
        if op is None:
            raise InvalidRequestError(tr("The filter has a value where a condition belongs."))
        if op in ("and", "or"):
            for operand in flatten(node):
                self.condition(operand, depth + 1)
        elif op == "not":
            self.condition(arguments(node, 1)[0], depth + 1)
        else:
            self._predicate(op, node, depth)

    def _predicate(self, op: str, node: dict[str, Any], depth: int) -> None:
        if op in COMPARISONS:
            left, right = arguments(node, 2)
            self._comparable(self.expression(left, depth + 1), self.expression(right, depth + 1))
        elif op in ("between", "in"):
            self._values(op, arguments(node, _ARITY[op]), depth)
        elif op == "like":
            self._like(arguments(node, 2), depth)
        elif op == "isnull":
            self._scalar(self.expression(arguments(node, 1)[0], depth + 1))
        elif op in SPATIAL_FUNCTIONS:
            self._spatial(arguments(node, 2), depth)
        elif op in TEMPORAL_FUNCTIONS:
            kinds = {k for argument in arguments(node, 2) for k in self._temporal(argument, depth + 1)}
            if len(kinds) > 1:
                raise InvalidRequestError(
                    tr("The filter compares values of different types: date and datetime.")
                )
        elif op in ARRAY_FUNCTIONS:
            raise InvalidRequestError(
                tr("Array functions are not supported: no GeoHub layer has array properties.")
            )
        else:
            raise InvalidRequestError(
                tr("The filter uses {construct}, which GeoHub does not support.", construct=op[:40].upper())
            )

    def _values(self, op: str, args: list[Any], depth: int) -> None:
        """BETWEEN's two bounds or IN's list: values comparable with the subject."""
        subject = self.expression(args[0], depth + 1)
        items = args[1:] if op == "between" else args[1]
        if not isinstance(items, list):
            raise InvalidRequestError(_NOT_A_VALUE)
        for item in items:
            self._comparable(subject, self._literal_operand(item, depth + 1))

    def _like(self, args: list[Any], depth: int) -> None:
        subject = self.expression(args[0], depth + 1)
        if subject.family != "text":
            raise InvalidRequestError(tr("LIKE works on text, not on {type}.", type=subject.label))
        pattern = args[1]
        if operator(pattern) in TEXT_FUNCTIONS:
            pattern = self.expression(pattern, depth + 1).literal
        else:
            self._enter(depth + 1)
        if not isinstance(pattern, str):
            raise InvalidRequestError(tr("LIKE needs a text pattern."))
        _check_text(pattern)

    def _spatial(self, operands: list[Any], depth: int) -> None:
        names = [property_name(o) for o in operands]
        for name in names:
            if name is not None:
                self._attribute(name)  # text, and known
        if not any(n in GEOMETRY_NAMES for n in names if isinstance(n, str)):
            raise InvalidRequestError(
                tr("A spatial predicate must compare the 'geometry' property with a geometry.")
            )
        other = operands[1] if isinstance(names[0], str) and names[0] in GEOMETRY_NAMES else operands[0]
        self._enter(depth + 1)
        if not is_geometry_literal(other):
            raise InvalidRequestError(
                tr("A spatial predicate needs a geometry literal (WKT, GeoJSON or BBOX).")
            )
        self._enter(depth + 1)
        check_geometry_literal(other)

    def _temporal(self, node: Any, depth: int) -> set[AttributeType]:
        """An argument of a temporal function: an instant, or an interval of two (or '..')."""
        self._enter(depth)
        if isinstance(node, dict) and set(node) == {"interval"}:
            ends = node["interval"]
            if not isinstance(ends, list) or len(ends) != 2:
                raise InvalidRequestError(tr("An INTERVAL has a start and an end."))
            instants = [self._instant(end, depth + 1) for end in ends if end != OPEN_END]
        else:
            instants = [self._instant(node, depth)]
        return {o.attribute for o in instants if o.attribute is not None}

    def _instant(self, node: Any, depth: int) -> Operand:
        operand = self.expression(node, depth)
        if operand.family == "text" and operand.is_literal:  # an instant written in an interval
            return Operand("time", "datetime", temporal_value({"timestamp": operand.literal}), True)
        if operand.family != "time":
            raise InvalidRequestError(
                tr("Temporal functions work on dates and times, not on {label}.", label=operand.label)
            )
        return operand

    # expressions -----------------------------------------------------------------------------------
    def expression(self, node: Any, depth: int) -> Operand:
        """The operand `node` is, or InvalidRequestError."""
        self._enter(depth)
        if isinstance(node, dict) and "property" in node:
            if len(node) != 1:
                raise InvalidRequestError(_NOT_A_VALUE)
            return self._attribute(node["property"])
        op = operator(node)
        if op in ARITHMETIC:
            size = 0
            for side in arguments(node, 2):
                operand = self.expression(side, depth + 1)
                if operand.family != "number":
                    raise InvalidRequestError(
                        tr("Arithmetic works on numbers, not on {type}.", type=operand.label)
                    )
                size += operand.size * _REPEATS.get(op, 1)
            if size > MAX_NODES:
                raise InvalidRequestError(tr("The filter has more than {maximum} terms.", maximum=MAX_NODES))
            return Operand("number", "number", size=size)
        if op is not None:
            return self._function(op, node, depth)
        return literal_operand(node)

    def _literal_operand(self, node: Any, depth: int) -> Operand:
        """A bound of BETWEEN or an item of IN: a value, not a property or an expression."""
        self._enter(depth)
        if isinstance(node, dict) and not is_temporal_literal(node):
            raise InvalidRequestError(_NOT_A_VALUE)
        return literal_operand(node)

    def _attribute(self, name: Any) -> Operand:
        if not isinstance(name, str):
            raise InvalidRequestError(tr("Property names in a filter must be text."))
        if name in GEOMETRY_NAMES:
            return Operand("geometry", "geometry", name=name)
        attribute = self.layer.attribute(name) if name in self.queryable else None
        if attribute is None:
            raise InvalidRequestError(
                tr("Layer '{layer}' has no queryable '{name}'.", layer=self.layer.id, name=name)
            )
        kind = AttributeType(attribute.type)
        return Operand(_family(kind), kind.value, attribute=kind, name=name)

    def _function(self, name: str, node: dict[str, Any], depth: int) -> Operand:
        args = node.get("args")
        if name not in TEXT_FUNCTIONS:
            raise InvalidRequestError(
                tr("The filter function '{name}' is not supported.", name=str(node["op"])[:60])
            )
        if not isinstance(args, list) or len(args) != 1:
            raise InvalidRequestError(tr("The function {name}() takes one text argument.", name=name.upper()))
        argument = self.expression(args[0], depth + 1)
        if argument.family != "text":
            raise InvalidRequestError(tr("The function {name}() takes one text argument.", name=name.upper()))
        return Operand(
            "text", "string", argument.literal, argument.is_literal, argument.attribute, argument.name
        )

    # compatibility ---------------------------------------------------------------------------------
    @staticmethod
    def _scalar(operand: Operand) -> None:
        if operand.family == "geometry":
            raise InvalidRequestError(tr("The geometry can only be used in a spatial predicate."))

    def _comparable(self, left: Operand, right: Operand) -> None:
        """Both sides of a comparison of one type, or a text literal readable as the property's type."""
        self._scalar(left)
        self._scalar(right)
        for value, other in ((left, right), (right, left)):
            if value.is_literal and value.family == "text" and other.attribute is not None:
                parse_filter_value(other.attribute, other.name, value.literal)
                return
        mixed_times = left.attribute and right.attribute and left.attribute is not right.attribute
        if left.family != right.family or (left.family == "time" and mixed_times):
            raise InvalidRequestError(
                tr(
                    "The filter compares values of different types: {left} and {right}.",
                    left=left.label,
                    right=right.label,
                )
            )
        for value, other in ((left, right), (right, left)):
            if value.is_literal and other.attribute is not None:
                parse_filter_value(other.attribute, other.name, value.literal)


def flatten(node: dict[str, Any]) -> list[Any]:
    """The operands of a chain of the same AND (or OR), left to right, without recursion."""
    kind, operands, pending = operator(node), [], [node]
    while pending:
        current = pending.pop()
        if operator(current) == kind:
            args = arguments(current)
            if len(args) < 2:
                raise InvalidRequestError(
                    tr("The filter's {kind} needs at least two conditions.", kind=str(kind).upper())
                )
            pending += reversed(args)
        else:
            operands.append(current)
    return operands


def literal_operand(value: Any) -> Operand:
    """The operand a literal value is, or InvalidRequestError for one no SQL can hold."""
    if isinstance(value, bool):
        return Operand("boolean", "boolean", value, True)
    if isinstance(value, int | float):
        _check_number(value)
        return Operand("number", "number", value, True)
    if isinstance(value, str):
        _check_text(value)
        return Operand("text", "string", value, True)
    if is_temporal_literal(value):
        moment = temporal_value(value)
        return Operand("time", "datetime" if "timestamp" in value else "date", moment, True)
    if isinstance(value, dict) and "interval" in value:
        raise InvalidRequestError(tr("Intervals can only be used in temporal functions (T_INTERSECTS, …)."))
    if is_geometry_literal(value):
        raise InvalidRequestError(tr("The geometry can only be used in a spatial predicate."))
    raise InvalidRequestError(_NOT_A_VALUE)


def is_temporal_literal(value: Any) -> bool:
    """True for a `{"timestamp": …}` or `{"date": …}` literal."""
    return isinstance(value, dict) and len(value) == 1 and ("timestamp" in value or "date" in value)


def temporal_value(value: dict[str, Any]) -> date | datetime:
    """The date or instant a temporal literal holds; InvalidRequestError for one that is not."""
    kind, text = next(iter(value.items()))
    try:
        if not isinstance(text, str):
            raise ValueError(text)
        if kind == "date":
            return date.fromisoformat(text)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    except ValueError:
        raise InvalidRequestError(
            tr("'{text}' is not a valid {kind}.", text=str(text)[:40], kind=kind.upper())
        ) from None


def _check_number(value: int | float) -> None:
    if isinstance(value, float) and not math.isfinite(value):
        raise InvalidRequestError(tr("Numbers in a filter must be finite."))
    if isinstance(value, int) and abs(value) > INT64_MAX:
        raise InvalidRequestError(tr("Numbers in a filter must lie within ±{maximum}.", maximum=INT64_MAX))


def _check_text(value: str) -> None:
    if "\x00" in value:
        raise InvalidRequestError(tr("Text in a filter must not contain NUL characters."))


def _family(kind: AttributeType) -> str:
    if kind in (AttributeType.integer, AttributeType.number):
        return "number"
    if kind in _TEMPORAL:
        return "time"
    return {AttributeType.string: "text", AttributeType.boolean: "boolean"}[kind]
