"""CQL2 text parsed with pygeofilter, without the parser dump it prints on a bad filter."""

from __future__ import annotations

from typing import Any

from pygeofilter.parsers.cql2_text import parser as cql2_text


def parse_cql2_text(text: str) -> Any:
    """pygeofilter's CQL2 text AST of `text`. Its lark parser is built with debug on, which prints
    the whole parser state to stdout for every filter that fails in a transformer (a bad TIMESTAMP,
    say): anyone could fill the server log with kilobytes per request. Switched off on first use."""
    lalr = getattr(getattr(cql2_text.parser.parser, "parser", None), "parser", None)
    if getattr(lalr, "debug", False):
        lalr.debug = False  # type: ignore[union-attr]
    return cql2_text.parse(text)
