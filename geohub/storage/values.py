"""Attribute values between Python, the layer schema and the two backends' column types."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from typing import Any

from geohub.errors import FeatureNotFoundError, InvalidRequestError
from geohub.layers.models import AttributeType
from geohub.messages import Message, tr

SQLITE_TYPES = {
    AttributeType.string: "TEXT",
    AttributeType.integer: "INTEGER",
    AttributeType.number: "REAL",
    AttributeType.boolean: "BOOLEAN",
    AttributeType.date: "DATE",
    AttributeType.datetime: "DATETIME",
}
POSTGRES_TYPES = {
    AttributeType.string: "text",
    AttributeType.integer: "bigint",
    AttributeType.number: "double precision",
    AttributeType.boolean: "boolean",
    AttributeType.date: "date",
    AttributeType.datetime: "timestamptz",
}
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
_TRUE = {"true", "yes", "1", "t", "y"}
_FALSE = {"false", "no", "0", "f", "n"}


class UnfitValue(ValueError):
    """A value that does not fit its attribute's type; `reason` says why, translatable."""

    def __init__(self, reason: Message) -> None:
        super().__init__(str(reason))
        self.reason = reason


# what a value that cannot be read as each type is not
_NOT_A = {
    AttributeType.string: tr("is not text"),
    AttributeType.integer: tr("is not a whole number"),
    AttributeType.number: tr("is not a number"),
    AttributeType.boolean: tr("is not true or false"),
    AttributeType.date: tr("is not a date (YYYY-MM-DD)"),
    AttributeType.datetime: tr("is not a date and time (RFC 3339)"),
}


def coerce_value(kind: AttributeType, value: Any) -> Any:
    """`value` as the Python type of `kind`; UnfitValue (a ValueError) when it cannot be."""
    try:
        return _coerced(kind, value)
    except UnfitValue:
        raise
    except (TypeError, ValueError, OverflowError):
        raise UnfitValue(_NOT_A[kind]) from None


def unfit_reason(error: Exception) -> Message:
    """Why a value was refused: UnfitValue's own reason, else a general one."""
    return error.reason if isinstance(error, UnfitValue) else tr("is not a valid value")


def _coerced(kind: AttributeType, value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if kind is AttributeType.string:
        text = value if isinstance(value, str) else str(value)
        if "\x00" in text:
            raise UnfitValue(tr("contains a NUL character"))
        return text
    if kind is AttributeType.integer:
        integer = _to_int(value)
        if not INT64_MIN <= integer <= INT64_MAX:
            raise UnfitValue(tr("is outside the 64-bit integer range"))
        return integer
    if kind is AttributeType.number:
        number = float(value)
        if not math.isfinite(number):
            raise UnfitValue(tr("is not a finite number"))
        return number
    if kind is AttributeType.boolean:
        return _to_bool(value)
    if kind is AttributeType.date:
        return (
            value.isoformat()[:10] if isinstance(value, date) else date.fromisoformat(str(value)).isoformat()
        )
    return _to_datetime(value)


def _to_int(value: Any) -> int:
    if isinstance(value, bool):
        raise UnfitValue(tr("is true or false, not a whole number"))
    if isinstance(value, float):
        if not value.is_integer():
            raise UnfitValue(tr("is not a whole number"))
        return int(value)
    return int(str(value).strip())


def _to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise UnfitValue(tr("is not true or false"))


def _to_datetime(value: Any) -> str:
    """An instant as ISO 8601 text in UTC; a value without an offset is taken as UTC."""
    moment = (
        value if isinstance(value, datetime) else datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    )
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat()


def parse_filter_value(kind: AttributeType, name: str, value: Any) -> Any:
    """A filter value coerced to the attribute's type, or a 400 naming the attribute."""
    try:
        return coerce_value(kind, value)
    except (TypeError, ValueError):
        raise InvalidRequestError(
            tr("'{value}' is not a valid {kind} for '{name}'.", value=value, kind=kind.value, name=name)
        ) from None


def parse_feature_id(kind: AttributeType, feature_id: str) -> Any:
    """A feature id coerced to the key's type; an id that cannot exist is a 404."""
    try:
        return coerce_value(kind, feature_id)
    except (TypeError, ValueError):
        raise FeatureNotFoundError(tr("There is no feature '{feature}'.", feature=str(feature_id))) from None


def from_storage(kind: AttributeType, value: Any) -> Any:
    """A stored value as GeoHub returns it (ISO text for dates, bool for booleans)."""
    if value is None:
        return None
    if kind is AttributeType.boolean:
        return bool(value)
    if kind in (AttributeType.date, AttributeType.datetime) and isinstance(value, date):
        return value.isoformat()
    return value
