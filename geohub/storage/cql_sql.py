"""CQL2 filters (pygeofilter AST) compiled to parameterised SQL for SQLite and PostGIS.

Filters are checked first (storage/cql_check.py); the errors raised here are a second line."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import shapely
from pygeofilter import ast, values

from geohub.errors import InvalidRequestError
from geohub.layers.models import AttributeType, LayerDefinition
from geohub.storage.cql_check import flatten
from geohub.storage.cql_geometry import literal_geometry
from geohub.storage.values import INT64_MAX, parse_filter_value

GEOMETRY_NAMES = frozenset({"geometry", "geom"})
_COMPARISONS = {
    ast.Equal: "=",
    ast.NotEqual: "<>",
    ast.LessThan: "<",
    ast.LessEqual: "<=",
    ast.GreaterThan: ">",
    ast.GreaterEqual: ">=",
}
_SPATIAL = {
    ast.GeometryIntersects: "intersects",
    ast.GeometryDisjoint: "disjoint",
    ast.GeometryContains: "contains",
    ast.GeometryWithin: "within",
    ast.GeometryTouches: "touches",
    ast.GeometryCrosses: "crosses",
    ast.GeometryOverlaps: "overlaps",
    ast.GeometryEquals: "equals",
}
_ARITHMETIC = {ast.Add: "+", ast.Sub: "-", ast.Mul: "*", ast.Div: "/"}
SPATIAL_OPERATIONS = frozenset(_SPATIAL.values())


@dataclass(frozen=True)
class Dialect:
    """How one SQL engine spells placeholders, spatial predicates and case folding."""

    name: str
    placeholder: str
    table_alias: str = ""

    def column(self, name: str) -> str:
        prefix = f"{self.table_alias}." if self.table_alias else ""
        return f'{prefix}"{name}"'

    def spatial(self, operation: str) -> str:
        """SQL for `operation(geom, <geometry parameter as WKB>)`."""
        geom = self.column("geom")
        if self.name == "postgis":
            return f"ST_{operation.capitalize()}({geom}, ST_GeomFromWKB({self.placeholder}, 4326))"
        return f"gh_spatial('{operation}', {geom}, {self.placeholder})"

    def typed(self, placeholder: str, value: Any) -> str:
        """`placeholder` cast to the SQL type of `value` (PostgreSQL cannot infer a lone one)."""
        if self.name != "postgis" or value is None:
            return placeholder
        if isinstance(value, bool):
            return f"CAST({placeholder} AS boolean)"
        if isinstance(value, int):
            return f"CAST({placeholder} AS bigint)"
        if isinstance(value, float):
            return f"CAST({placeholder} AS double precision)"
        return f"CAST({placeholder} AS text)"

    def real(self, expression: str) -> str:
        return f"CAST({expression} AS {'double precision' if self.name == 'postgis' else 'REAL'})"

    def lower(self, expression: str) -> str:
        return f"lower({expression})" if self.name == "postgis" else f"gh_lower({expression})"


SQLITE = Dialect("sqlite", "?", "t")
POSTGIS = Dialect("postgis", "%s")


def compile_filter(node: ast.Node, layer: LayerDefinition, dialect: Dialect) -> tuple[str, list[Any]]:
    """SQL text and parameters for `node`; InvalidRequestError for what the layer cannot answer."""
    compiler = _Compiler(layer, dialect)
    return compiler.condition(node), compiler.params


class _Compiler:
    def __init__(self, layer: LayerDefinition, dialect: Dialect) -> None:
        self.layer = layer
        self.dialect = dialect
        self.params: list[Any] = []

    def _param(self, value: Any) -> str:
        self.params.append(value)
        return self.dialect.placeholder

    def _value(self, node: Any, kind: AttributeType | None, name: str) -> str:
        """A literal as a parameter: of the attribute's type, or typed by its own value when
        nothing around it gives PostgreSQL a type (`'a' IS NULL`, `1 = 1`)."""
        value = self._literal(node, kind, name)
        placeholder = self._param(value)
        return placeholder if kind is not None else self.dialect.typed(placeholder, value)

    def condition(self, node: Any) -> str:  # noqa: C901 - one branch per CQL2 construct
        if isinstance(node, ast.Not):
            return f"NOT ({self.condition(node.sub_node)})"
        if isinstance(node, ast.And | ast.Or):  # chains compile flat: no parser depth limit is near
            joiner = " AND " if isinstance(node, ast.And) else " OR "
            return "(" + joiner.join(self.condition(operand) for operand in flatten(node)) + ")"
        if type(node) in _COMPARISONS:
            return self._comparison(node)
        if isinstance(node, ast.Between):
            kind = self._kind_or_none(node.lhs)
            name = self._name_of(node.lhs)
            low = self._value(node.low, kind, name)
            high = self._value(node.high, kind, name)
            negation = "NOT " if node.not_ else ""
            return f"{self.expression(node.lhs)} {negation}BETWEEN {low} AND {high}"
        if isinstance(node, ast.Like):
            return self._like(node)
        if isinstance(node, ast.In):
            kind = self._kind_or_none(node.lhs)
            name = self._name_of(node.lhs)
            items = ", ".join(self._value(item, kind, name) for item in node.sub_nodes)
            return f"{self.expression(node.lhs)} {'NOT ' if node.not_ else ''}IN ({items})"
        if isinstance(node, ast.IsNull):
            return f"{self.expression(node.lhs)} IS {'NOT ' if node.not_ else ''}NULL"
        if type(node) in _SPATIAL:
            return self._spatial(_SPATIAL[type(node)], node.lhs, node.rhs)
        if isinstance(node, ast.BBox):
            envelope = shapely.box(node.minx, node.miny, node.maxx, node.maxy)
            return self._spatial("intersects", node.lhs, envelope)
        if isinstance(node, ast.Include):
            return "1 = 0" if node.not_ else "1 = 1"
        if isinstance(node, bool):
            return "1 = 1" if node else "1 = 0"
        raise InvalidRequestError(f"The filter uses {type(node).__name__}, which GeoHub does not support.")

    def _comparison(self, node: Any) -> str:
        operator = _COMPARISONS[type(node)]
        lhs_kind, rhs_kind = self._kind_or_none(node.lhs), self._kind_or_none(node.rhs)
        lhs = self.expression(node.lhs, rhs_kind, self._name_of(node.rhs))
        rhs = self.expression(node.rhs, lhs_kind, self._name_of(node.lhs))
        return f"{lhs} {operator} {rhs}"

    def _like(self, node: ast.Like) -> str:
        subject = self.expression(node.lhs)
        pattern, nocase = node.pattern, node.nocase
        if isinstance(pattern, ast.Function) and pattern.name.lower() in ("lower", "casei"):
            pattern, nocase = pattern.arguments[0], True
        if not isinstance(pattern, str):
            raise InvalidRequestError("LIKE needs a text pattern.")
        if node.wildcard != "%" or node.singlechar not in ("_", "."):
            pattern = pattern.replace(node.wildcard, "%")
        if node.singlechar == ".":  # pygeofilter's default; CQL2 uses "_"
            pattern = pattern.replace(".", "_")
        if nocase:
            subject, placeholder = self.dialect.lower(subject), self.dialect.lower(self._param(pattern))
        else:
            placeholder = self._param(pattern)
        return f"{subject} {'NOT ' if node.not_ else ''}LIKE {placeholder}"

    def _spatial(self, operation: str, lhs: Any, rhs: Any) -> str:
        if not (isinstance(lhs, ast.Attribute) and lhs.name in GEOMETRY_NAMES):
            lhs, rhs = rhs, lhs
        if not (isinstance(lhs, ast.Attribute) and lhs.name in GEOMETRY_NAMES):
            raise InvalidRequestError(
                "A spatial predicate must compare the 'geometry' property with a geometry."
            )
        self.params.append(shapely.to_wkb(literal_geometry(rhs)))
        return self.dialect.spatial(operation)

    def expression(self, node: Any, kind: AttributeType | None = None, name: str = "filter") -> str:
        """SQL for a property, a literal (coerced to `kind`), a function or arithmetic."""
        if isinstance(node, ast.Attribute):
            return self.dialect.column(self._attribute(node.name).name)
        if isinstance(node, ast.Function):
            if node.name.lower() in ("lower", "casei") and len(node.arguments) == 1:
                return self.dialect.lower(self.expression(node.arguments[0], kind, name))
            raise InvalidRequestError(f"The filter function '{node.name}' is not supported.")
        if type(node) in _ARITHMETIC:
            operator = _ARITHMETIC[type(node)]
            # in floating point on both: no integer overflow or integer division on one only
            lhs = self.dialect.real(self.expression(node.lhs))
            rhs = self.dialect.real(self.expression(node.rhs))
            if operator == "/":  # a division by zero is NULL (no match) on both backends
                rhs = f"NULLIF({rhs}, 0)"
            return f"({lhs} {operator} {rhs})"
        return self._value(node, kind, name)

    def _name_of(self, node: Any) -> str:
        if isinstance(node, ast.Attribute):
            return str(node.name)
        if isinstance(node, ast.Function) and node.arguments:
            return self._name_of(node.arguments[0])
        return "filter"

    def _attribute(self, name: str) -> Any:
        attribute = self.layer.attribute(name)
        if attribute is None:  # who may name a restricted one is checked above (features/params.py)
            raise InvalidRequestError(
                f"Layer '{self.layer.id}' has no queryable '{name}'.",
            )
        return attribute

    def _kind_or_none(self, node: Any) -> AttributeType | None:
        if isinstance(node, ast.Attribute):
            return AttributeType(self._attribute(node.name).type)
        if isinstance(node, ast.Function) and node.arguments:
            return self._kind_or_none(node.arguments[0])
        return None

    def _literal(self, value: Any, kind: AttributeType | None, name: str = "filter") -> Any:
        if isinstance(value, ast.Node | values.Geometry | values.Envelope):
            raise InvalidRequestError("The filter compares a property with something that is not a value.")
        if isinstance(value, values.Interval):
            raise InvalidRequestError("Intervals are only supported through the datetime parameter.")
        if kind is None:
            if isinstance(value, int) and not isinstance(value, bool) and abs(value) > INT64_MAX:
                raise InvalidRequestError(f"Numbers in a filter must lie within ±{INT64_MAX}.")
            return value.isoformat() if isinstance(value, date | datetime) else value
        return parse_filter_value(kind, name, value)
