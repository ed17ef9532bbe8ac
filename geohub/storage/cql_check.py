"""A CQL2 filter (pygeofilter AST) checked against a layer's schema before any SQL is made.

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
from datetime import date, datetime, timedelta
from typing import Any

from pygeofilter import ast, values

from geohub.errors import InvalidRequestError
from geohub.layers.models import AttributeType, LayerDefinition
from geohub.storage.cql_geometry import check_geometry_literal
from geohub.storage.values import INT64_MAX, parse_filter_value

MAX_FILTER_BYTES = 16 * 1024
MAX_DEPTH = 20
MAX_NODES = 500
GEOMETRY_NAMES = frozenset({"geometry", "geom"})
TEXT_FUNCTIONS = frozenset({"lower", "casei"})
_SUPPORTED_SPATIAL = (ast.SpatialComparisonPredicate, ast.BBox)
_TEMPORAL = frozenset({AttributeType.date, AttributeType.datetime})
_NOT_A_VALUE = "The filter compares a property with something that is not a value."


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


def check_filter_size(text: str) -> None:
    """InvalidRequestError when the filter text is larger than MAX_FILTER_BYTES."""
    if len(text) > MAX_FILTER_BYTES or len(text.encode("utf-8", "surrogatepass")) > MAX_FILTER_BYTES:
        raise InvalidRequestError(f"The filter is longer than {MAX_FILTER_BYTES} bytes.")


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
            raise InvalidRequestError(f"The filter has more than {MAX_NODES} terms.")
        if depth > MAX_DEPTH:
            raise InvalidRequestError(f"The filter is nested more than {MAX_DEPTH} levels deep.")

    # conditions ------------------------------------------------------------------------------------
    def condition(self, node: Any, depth: int) -> None:
        self._enter(depth)
        if isinstance(node, bool | ast.Include):
            return
        if isinstance(node, ast.Not):
            self.condition(node.sub_node, depth + 1)
        elif isinstance(node, ast.And | ast.Or):
            for operand in flatten(node):
                self.condition(operand, depth + 1)
        elif isinstance(node, ast.Predicate):
            self._predicate(node, depth)
        else:
            raise InvalidRequestError("The filter has a value where a condition belongs.")

    def _predicate(self, node: ast.Predicate, depth: int) -> None:
        if isinstance(node, ast.Comparison):
            self._comparable(self.expression(node.lhs, depth + 1), self.expression(node.rhs, depth + 1))
        elif isinstance(node, ast.Between):
            subject = self.expression(node.lhs, depth + 1)
            for bound in (node.low, node.high):
                self._comparable(subject, self._literal_operand(bound, depth + 1))
        elif isinstance(node, ast.In):
            self._in(node, depth)
        elif isinstance(node, ast.Like):
            self._like(node, depth)
        elif isinstance(node, ast.IsNull):
            self._scalar(self.expression(node.lhs, depth + 1))
        elif isinstance(node, _SUPPORTED_SPATIAL):
            self._spatial(node, depth)
        else:
            name = type(node).__name__
            raise InvalidRequestError(f"The filter uses {name}, which GeoHub does not support.")

    def _in(self, node: ast.In, depth: int) -> None:
        subject = self.expression(node.lhs, depth + 1)
        if not isinstance(node.sub_nodes, list | tuple):
            raise InvalidRequestError(_NOT_A_VALUE)
        for item in node.sub_nodes:
            self._comparable(subject, self._literal_operand(item, depth + 1))

    def _like(self, node: ast.Like, depth: int) -> None:
        subject = self.expression(node.lhs, depth + 1)
        if subject.family != "text":
            raise InvalidRequestError(f"LIKE works on text, not on {subject.label}.")
        pattern = node.pattern
        if isinstance(pattern, ast.Function) and _function_name(pattern) in TEXT_FUNCTIONS:
            pattern = self.expression(pattern, depth + 1).literal
        else:
            self._enter(depth + 1)
        if not isinstance(pattern, str):
            raise InvalidRequestError("LIKE needs a text pattern.")
        _check_text(pattern)

    def _spatial(self, node: Any, depth: int) -> None:
        if isinstance(node, ast.BBox):
            operands = [node.lhs, values.Envelope(node.minx, node.maxx, node.miny, node.maxy)]
        else:
            operands = [node.lhs, node.rhs]
        for operand in operands:
            if isinstance(operand, ast.Attribute):
                self._attribute(operand.name)  # text, and known
        properties = [o for o in operands if isinstance(o, ast.Attribute) and o.name in GEOMETRY_NAMES]
        if not properties:
            raise InvalidRequestError(
                "A spatial predicate must compare the 'geometry' property with a geometry."
            )
        other = operands[1] if operands[0] is properties[0] else operands[0]
        self._enter(depth + 1)
        if not _is_geometry_literal(other):
            raise InvalidRequestError("A spatial predicate needs a geometry literal (WKT, GeoJSON or BBOX).")
        self._enter(depth + 1)
        check_geometry_literal(other)

    # expressions -----------------------------------------------------------------------------------
    def expression(self, node: Any, depth: int) -> Operand:
        """The operand `node` is, or InvalidRequestError."""
        self._enter(depth)
        if isinstance(node, ast.Attribute):
            return self._attribute(node.name)
        if isinstance(node, ast.Function):
            return self._function(node, depth)
        if isinstance(node, ast.Arithmetic):
            for side in (node.lhs, node.rhs):
                operand = self.expression(side, depth + 1)
                if operand.family != "number":
                    raise InvalidRequestError(f"Arithmetic works on numbers, not on {operand.label}.")
            return Operand("number", "number")
        return literal_operand(node)

    def _literal_operand(self, node: Any, depth: int) -> Operand:
        """A bound of BETWEEN or an item of IN: a value, not a property or an expression."""
        self._enter(depth)
        if isinstance(node, ast.Node):
            raise InvalidRequestError(_NOT_A_VALUE)
        return literal_operand(node)

    def _attribute(self, name: Any) -> Operand:
        if not isinstance(name, str):
            raise InvalidRequestError("Property names in a filter must be text.")
        if name in GEOMETRY_NAMES:
            return Operand("geometry", "geometry", name=name)
        attribute = self.layer.attribute(name) if name in self.queryable else None
        if attribute is None:
            raise InvalidRequestError(f"Layer '{self.layer.id}' has no queryable '{name}'.")
        kind = AttributeType(attribute.type)
        return Operand(_family(kind), kind.value, attribute=kind, name=name)

    def _function(self, node: ast.Function, depth: int) -> Operand:
        name = _function_name(node)
        arguments = node.arguments if isinstance(node.arguments, list | tuple) else None
        if name not in TEXT_FUNCTIONS:
            raise InvalidRequestError(f"The filter function '{str(node.name)[:60]}' is not supported.")
        if arguments is None or len(arguments) != 1:
            raise InvalidRequestError(f"The function {name.upper()}() takes one text argument.")
        argument = self.expression(arguments[0], depth + 1)
        if argument.family != "text":
            raise InvalidRequestError(f"The function {name.upper()}() takes one text argument.")
        return Operand(
            "text", "string", argument.literal, argument.is_literal, argument.attribute, argument.name
        )

    # compatibility ---------------------------------------------------------------------------------
    @staticmethod
    def _scalar(operand: Operand) -> None:
        if operand.family == "geometry":
            raise InvalidRequestError("The geometry can only be used in a spatial predicate.")

    def _comparable(self, left: Operand, right: Operand) -> None:
        """Both sides of a comparison of one type, or a text literal readable as the property's type."""
        self._scalar(left)
        self._scalar(right)
        for value, other in ((left, right), (right, left)):
            if value.is_literal and value.family == "text" and other.attribute is not None:
                parse_filter_value(other.attribute, other.name, value.literal)
                return
        if left.family != right.family:
            raise InvalidRequestError(
                f"The filter compares values of different types: {left.label} and {right.label}."
            )
        for value, other in ((left, right), (right, left)):
            if value.is_literal and other.attribute is not None:
                parse_filter_value(other.attribute, other.name, value.literal)


def flatten(node: ast.And | ast.Or) -> list[Any]:
    """The operands of a chain of the same AND (or OR), left to right, without recursion."""
    kind, operands, pending = type(node), [], [node]
    while pending:
        current = pending.pop()
        if type(current) is kind:
            pending += [current.rhs, current.lhs]
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
    if isinstance(value, datetime):
        return Operand("time", "datetime", value, True)
    if isinstance(value, date):
        return Operand("time", "date", value, True)
    if isinstance(value, values.Interval | timedelta):
        raise InvalidRequestError("Intervals are only supported through the datetime parameter.")
    if _is_geometry_literal(value):
        raise InvalidRequestError("The geometry can only be used in a spatial predicate.")
    raise InvalidRequestError(_NOT_A_VALUE)


def _check_number(value: int | float) -> None:
    if isinstance(value, float) and not math.isfinite(value):
        raise InvalidRequestError("Numbers in a filter must be finite.")
    if abs(value) > INT64_MAX:
        raise InvalidRequestError(f"Numbers in a filter must lie within ±{INT64_MAX}.")


def _check_text(value: str) -> None:
    if "\x00" in value:
        raise InvalidRequestError("Text in a filter must not contain NUL characters.")


def _function_name(node: ast.Function) -> str:
    return node.name.lower() if isinstance(node.name, str) else ""


def _is_geometry_literal(value: Any) -> bool:
    if isinstance(value, values.Geometry | values.Envelope):
        return True
    return isinstance(value, ast.Function) and _function_name(value) == "bbox"


def _family(kind: AttributeType) -> str:
    if kind in (AttributeType.integer, AttributeType.number):
        return "number"
    if kind in _TEMPORAL:
        return "time"
    return {AttributeType.string: "text", AttributeType.boolean: "boolean"}[kind]
