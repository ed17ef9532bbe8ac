"""A CQL2 filter, text or JSON, read into its CQL2-JSON tree (text with the `cql2` package).

cql2 (a Rust parser) reads the whole CQL2 text grammar, '' escapes, single-letter properties and
the temporal and array functions included, and writes standard CQL2-JSON. GeoHub checks that tree
against the layer (storage/cql_check.py) and compiles it to its own parameterised SQL."""

from __future__ import annotations

import json
import re
from typing import Any

import cql2

from geohub.errors import InvalidRequestError
from geohub.messages import tr
from geohub.storage.cql_check import MAX_DEPTH

# the parser recurses once per nesting level and overflows its stack (a crash, not an error) near
# 2,000 levels: deeper text is refused before it is parsed, with the checker's own words
MAX_TEXT_NESTING = 4 * MAX_DEPTH
_TOKENS = re.compile(r"'(?:[^']|'')*'?|\"[^\"]*\"?|[A-Za-z_]\w*|\S")
_POSITION = re.compile(r"-->\s*(\d+):(\d+)")


def read_filter(text: str, language: str) -> Any:
    """The CQL2-JSON tree of `text` in `language` (cql2-text or cql2-json); InvalidRequestError
    when it is not that language."""
    if language == "cql2-json":
        try:
            return json.loads(text)
        except (ValueError, RecursionError):
            raise InvalidRequestError(tr("The filter is not valid JSON.")) from None
    _check_nesting(text)
    try:
        return cql2.parse_text(text).to_json()
    except cql2.ParseError as error:
        position = _POSITION.search(str(error))
        if position:
            raise InvalidRequestError(
                tr(
                    "The filter is not valid CQL2-TEXT (line {line}, column {column}).",
                    line=int(position[1]),
                    column=int(position[2]),
                )
            ) from None
        raise InvalidRequestError(tr("The filter is not valid CQL2-TEXT.")) from None
    except (ValueError, RecursionError):
        raise InvalidRequestError(tr("The filter is not valid CQL2-TEXT.")) from None
    except BaseException as error:  # a Rust panic arrives as pyo3's PanicException, a BaseException
        if type(error).__name__ != "PanicException":
            raise
        raise InvalidRequestError(tr("The filter is not valid CQL2-TEXT.")) from None


def _check_nesting(text: str) -> None:
    """InvalidRequestError when brackets or prefix operators (NOT, signs) nest too deep."""
    depth = deepest = prefixes = most_prefixes = 0
    for token in _TOKENS.finditer(text):
        word = token[0].upper()
        if word == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif word == ")":
            depth -= 1
        prefixes = prefixes + 1 if word in ("NOT", "-", "+", "(") else 0
        most_prefixes = max(most_prefixes, prefixes)
    if deepest > MAX_TEXT_NESTING or most_prefixes > MAX_TEXT_NESTING:
        raise InvalidRequestError(
            tr("The filter is nested more than {maximum} levels deep.", maximum=MAX_DEPTH)
        )
