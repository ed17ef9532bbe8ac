"""Pydantic's validation errors as translatable messages (pydantic writes them in English only)."""

from __future__ import annotations

from typing import Any

from pydantic_core import ErrorDetails

from geohub.messages import N_, Message, tr

# pydantic error type -> our msgid; the context values pydantic gives fill its placeholders
_BY_TYPE: dict[str, str] = {
    "missing": N_("This field is required."),
    "extra_forbidden": N_("This field is not allowed here."),
    "string_type": N_("Give text here."),
    "string_too_short": N_("Give at least {min_length} characters."),
    "string_too_long": N_("Give at most {max_length} characters."),
    "string_pattern_mismatch": N_("The text does not have the expected form."),
    "int_type": N_("Give a whole number here."),
    "int_parsing": N_("Give a whole number here."),
    "int_from_float": N_("Give a whole number here."),
    "float_type": N_("Give a number here."),
    "float_parsing": N_("Give a number here."),
    "finite_number": N_("Give a finite number here."),
    "bool_type": N_("Give true or false here."),
    "bool_parsing": N_("Give true or false here."),
    "greater_than": N_("Give a number greater than {gt}."),
    "greater_than_equal": N_("Give a number of at least {ge}."),
    "less_than": N_("Give a number less than {lt}."),
    "less_than_equal": N_("Give a number of at most {le}."),
    "literal_error": N_("Use one of: {expected}."),
    "enum": N_("Use one of: {expected}."),
    "list_type": N_("Give a list here."),
    "dict_type": N_("Give an object here."),
    "model_type": N_("Give an object here."),
    "model_attributes_type": N_("Give an object here."),
    "too_short": N_("Give at least {min_length} items."),
    "too_long": N_("Give at most {max_length} items."),
    "datetime_type": N_("Give a date and time (RFC 3339) here."),
    "datetime_parsing": N_("Give a date and time (RFC 3339) here."),
    "datetime_from_date_parsing": N_("Give a date and time (RFC 3339) here."),
    "date_type": N_("Give a date (YYYY-MM-DD) here."),
    "date_parsing": N_("Give a date (YYYY-MM-DD) here."),
    "date_from_datetime_parsing": N_("Give a date (YYYY-MM-DD) here."),
    "url_parsing": N_("Give a URL here."),
    "url_type": N_("Give a URL here."),
    "url_scheme": N_("Use a URL with one of the schemes {expected_schemes}."),
    "json_invalid": N_("This is not valid JSON."),
    "union_tag_invalid": N_("Use one of: {expected_tags}."),
}
_OTHER = tr("This value is not valid here.")


def field_message(error: ErrorDetails | dict[str, Any]) -> Message:
    """The translatable message for one pydantic error; a general one for a type we do not name."""
    template = _BY_TYPE.get(str(error.get("type")))
    if template is None:
        return _OTHER
    context = error.get("ctx") or {}
    return Message(template, {name: _plain(value) for name, value in context.items()})


def _plain(value: Any) -> Any:
    return value if isinstance(value, int | float | str) and not isinstance(value, bool) else str(value)
