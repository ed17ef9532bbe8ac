"""CQL2 filters (CQL2-JSON trees) compiled to parameterised SQL for SQLite and PostGIS.

Every value becomes a bound parameter and every column a property checked against the layer's
schema; nothing from the filter is spliced into the SQL text. Filters are checked first
(storage/cql_check.py); the errors raised here are a second line."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import shapely

from geohub.errors import InvalidRequestError
from geohub.layers.models import AttributeType, LayerDefinition
from geohub.messages import N_, tr
from geohub.storage.accents import ACCENTED, UNACCENTED
from geohub.storage.cql_check import (
    COMPARISONS,
    GEOMETRY_NAMES,
    SPATIAL_FUNCTIONS,
    TEMPORAL_FUNCTIONS,
    TEXT_FUNCTIONS,
    arguments,
    flatten,
    is_temporal_literal,
    operator,
    property_name,
    temporal_value,
)
from geohub.storage.cql_geometry import literal_geometry
from geohub.storage.cql_temporal import Endpoint, temporal_condition
from geohub.storage.values import INT64_MAX, coerce_value, parse_filter_value

SPATIAL_OPERATIONS = frozenset(name[2:] for name in SPATIAL_FUNCTIONS)
_NOT_A_VALUE = N_("The filter compares a property with something that is not a value.")


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

    def instant(self, placeholder: str, kind: AttributeType) -> str:
        """A date or instant parameter (ISO text) as the SQL type the columns of `kind` have."""
        if self.name != "postgis":
            return placeholder  # ISO text in UTC, compared as text like the stored values
        return f"CAST({placeholder} AS {'date' if kind is AttributeType.date else 'timestamptz'})"

    def real(self, expression: str) -> str:
        return f"CAST({expression} AS {'double precision' if self.name == 'postgis' else 'REAL'})"

    def lower(self, expression: str) -> str:
        return f"lower({expression})" if self.name == "postgis" else f"gh_lower({expression})"


SQLITE = Dialect("sqlite", "?", "t")
POSTGIS = Dialect("postgis", "%s")


def compile_filter(node: Any, layer: LayerDefinition, dialect: Dialect) -> tuple[str, list[Any]]:
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
        if isinstance(node, bool):
            return "1 = 1" if node else "1 = 0"
        op = operator(node)
        if op in ("and", "or"):  # chains compile flat: no parser depth limit is near
            joiner = f" {op.upper()} "
            return "(" + joiner.join(self.condition(operand) for operand in flatten(node)) + ")"
        if op == "not":
            return f"NOT ({self.condition(arguments(node, 1)[0])})"
        if op in COMPARISONS:
            return self._comparison(op, *arguments(node, 2))
        if op == "between":
            subject, low, high = arguments(node, 3)
            kind, name = self._kind_or_none(subject), self._name_of(subject)
            return (
                f"{self.expression(subject)} BETWEEN {self._value(low, kind, name)} "
                f"AND {self._value(high, kind, name)}"
            )
        if op == "like":
            return self._like(*arguments(node, 2))
        if op == "in":
            subject, items = arguments(node, 2)
            kind, name = self._kind_or_none(subject), self._name_of(subject)
            values = ", ".join(self._value(item, kind, name) for item in items)
            return f"{self.expression(subject)} IN ({values})"
        if op == "isnull":
            return f"{self.expression(arguments(node, 1)[0])} IS NULL"
        if op in SPATIAL_FUNCTIONS:
            return self._spatial(op[2:], *arguments(node, 2))
        if op in TEMPORAL_FUNCTIONS:
            return self._temporal(op, *arguments(node, 2))
        raise InvalidRequestError(
            tr("The filter uses {construct}, which GeoHub does not support.", construct=str(op)[:40].upper())
        )

    def _comparison(self, op: str, left: Any, right: Any) -> str:
        lhs_kind, rhs_kind = self._kind_or_none(left), self._kind_or_none(right)
        lhs = self.expression(left, rhs_kind, self._name_of(right))
        rhs = self.expression(right, lhs_kind, self._name_of(left))
        return f"{lhs} {op} {rhs}"

    def _like(self, subject_node: Any, pattern_node: Any) -> str:
        """LIKE; a folding (CASEI, ACCENTI) written on one side only applies to both."""
        subject_folds, pattern_folds = _folds(subject_node), _folds(pattern_node)
        if not isinstance(_innermost(pattern_node), str):
            raise InvalidRequestError(tr("LIKE needs a text pattern."))
        subject = self.expression(subject_node)
        if "accenti" in pattern_folds - subject_folds:
            subject = self._unaccent(subject)
        if pattern_folds & {"lower", "casei"} and not subject_folds & {"lower", "casei"}:
            subject = self.dialect.lower(subject)
        pattern = self.expression(pattern_node)
        if "accenti" in subject_folds - pattern_folds:
            pattern = self._unaccent(pattern)
        if "casei" in subject_folds and not pattern_folds & {"lower", "casei"}:
            pattern = self.dialect.lower(pattern)
        return f"{subject} LIKE {pattern}"

    def _unaccent(self, expression: str) -> str:
        """`expression` with accents folded (storage/accents.py), the same on both backends."""
        if self.dialect.name != "postgis":
            return f"gh_accenti({expression})"
        table = self.dialect.typed(self._param(ACCENTED), ACCENTED)
        bases = self.dialect.typed(self._param(UNACCENTED), UNACCENTED)
        return f"translate({expression}, {table}, {bases})"

    def _spatial(self, operation: str, lhs: Any, rhs: Any) -> str:
        if property_name(lhs) not in GEOMETRY_NAMES:
            lhs, rhs = rhs, lhs
        if property_name(lhs) not in GEOMETRY_NAMES:
            raise InvalidRequestError(
                tr("A spatial predicate must compare the 'geometry' property with a geometry.")
            )
        self.params.append(shapely.to_wkb(literal_geometry(rhs)))
        return self.dialect.spatial(operation)

    def _temporal(self, op: str, first: Any, second: Any) -> str:
        """A temporal function: each argument an instant or an interval, as SQL comparisons of ends."""
        kinds = [self._kind_or_none(e) for a in (first, second) for e in _ends(a)]
        kind = next((k for k in kinds if k is not None), AttributeType.datetime)
        return temporal_condition(op, self._interval(first, kind), self._interval(second, kind))

    def _interval(self, node: Any, kind: AttributeType) -> tuple[Endpoint, Endpoint]:
        ends = [None if end == ".." else self._end(end, kind) for end in _ends(node)]
        return (ends[0], ends[-1])

    def _end(self, node: Any, kind: AttributeType) -> Callable[[], str]:
        return lambda: self._instant(node, kind)

    def _instant(self, node: Any, kind: AttributeType) -> str:
        name = property_name(node)
        if name is not None:
            return self.dialect.column(self._attribute(name).name)
        moment = temporal_value(node) if is_temporal_literal(node) else temporal_value({"timestamp": node})
        return self.dialect.instant(self._param(parse_filter_value(kind, kind.value, moment)), kind)

    def expression(self, node: Any, kind: AttributeType | None = None, name: str = "filter") -> str:
        """SQL for a property, a literal (coerced to `kind`), a function or arithmetic."""
        column = property_name(node)
        if column is not None:
            return self.dialect.column(self._attribute(column).name)
        op = operator(node)
        if op in TEXT_FUNCTIONS:
            inner = self.expression(arguments(node, 1)[0], kind, name)
            return self._unaccent(inner) if op == "accenti" else self.dialect.lower(inner)
        if op is not None and op in _ARITHMETIC:
            # in floating point on both: no integer overflow or integer division on one only
            left, right = arguments(node, 2)
            return _ARITHMETIC[op](self._number(left), self._number(right))
        if op is not None:
            raise InvalidRequestError(
                tr("The filter function '{name}' is not supported.", name=str(node["op"])[:60])
            )
        return self._value(node, kind, name)

    def _number(self, node: Any) -> Callable[[], str]:
        """An arithmetic operand as fresh SQL for each use (a parameter is bound once per use)."""
        return lambda: self.dialect.real(self.expression(node))

    def _name_of(self, node: Any) -> str:
        name = property_name(node)
        if isinstance(name, str):
            return name
        if operator(node) in TEXT_FUNCTIONS and node.get("args"):
            return self._name_of(node["args"][0])
        return "filter"

    def _attribute(self, name: Any) -> Any:
        attribute = self.layer.attribute(name) if isinstance(name, str) else None
        if attribute is None:  # who may name a restricted one is checked above (features/params.py)
            raise InvalidRequestError(
                tr("Layer '{layer}' has no queryable '{name}'.", layer=self.layer.id, name=name)
            )
        return attribute

    def _kind_or_none(self, node: Any) -> AttributeType | None:
        name = property_name(node)
        if name is not None:
            return AttributeType(self._attribute(name).type)
        if operator(node) in TEXT_FUNCTIONS and node.get("args"):
            return self._kind_or_none(node["args"][0])
        return None

    def _literal(self, value: Any, kind: AttributeType | None, name: str = "filter") -> Any:
        if is_temporal_literal(value):
            value = temporal_value(value)
            if kind is None:
                kind = AttributeType.datetime if isinstance(value, datetime) else AttributeType.date
                return coerce_value(kind, value)
        elif isinstance(value, dict | list) or value is None:
            raise InvalidRequestError(_NOT_A_VALUE)
        if kind is None:
            if isinstance(value, int) and not isinstance(value, bool) and abs(value) > INT64_MAX:
                raise InvalidRequestError(
                    tr("Numbers in a filter must lie within ±{maximum}.", maximum=INT64_MAX)
                )
            return value.isoformat() if isinstance(value, date) else value
        return parse_filter_value(kind, name, value)


def _folds(node: Any) -> set[str]:
    """The text functions (lower, casei, accenti) wrapped around an operand."""
    folds: set[str] = set()
    while operator(node) in TEXT_FUNCTIONS:
        folds.add(str(operator(node)))
        node = arguments(node, 1)[0]
    return folds


def _innermost(node: Any) -> Any:
    """The operand inside any text functions."""
    while operator(node) in TEXT_FUNCTIONS:
        node = arguments(node, 1)[0]
    return node


def _ends(node: Any) -> list[Any]:
    """The ends of an interval argument, or the one instant of any other."""
    if isinstance(node, dict) and set(node) == {"interval"}:
        return list(node["interval"])
    return [node]


Operand = Callable[[], str]


def _power(a: Operand, b: Operand) -> str:
    """a ^ b, NULL (no match) wherever either engine would fail or differ: 0 to a negative
    power, a negative base to a fractional power, and results beyond about e^±700."""
    return (
        f"(CASE WHEN {a()} = 0 THEN (CASE WHEN {b()} > 0 THEN 0.0 WHEN {b()} = 0 THEN 1.0 END) "
        f"WHEN {a()} < 0 AND {b()} <> trunc({b()}) THEN NULL "
        f"WHEN abs({b()}) > 1000000 OR abs(ln(abs({a()})) * {b()}) > 700 THEN NULL "
        f"ELSE power({a()}, {b()}) END)"
    )


# a division by zero is NULL (no match) on both backends; div and % truncate toward zero
_ARITHMETIC: dict[str, Callable[[Operand, Operand], str]] = {
    "+": lambda a, b: f"({a()} + {b()})",
    "-": lambda a, b: f"({a()} - {b()})",
    "*": lambda a, b: f"({a()} * {b()})",
    "/": lambda a, b: f"({a()} / NULLIF({b()}, 0))",
    "div": lambda a, b: f"trunc({a()} / NULLIF({b()}, 0))",
    "%": lambda a, b: f"({a()} - {b()} * trunc({a()} / NULLIF({b()}, 0)))",
    "^": _power,
}
