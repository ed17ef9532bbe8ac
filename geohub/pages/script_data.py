"""Data for a page's script, carried in a <script type="application/json"> block that nothing can end."""

from __future__ import annotations

import json

# `<`, `>` and `&` cannot end the element or open a comment; U+2028/9 are line ends to old parsers
_ESCAPES = {
    ord("<"): "\\u003c",
    ord(">"): "\\u003e",
    ord("&"): "\\u0026",
    0x2028: "\\u2028",
    0x2029: "\\u2029",
}


def script_json(value: object) -> str:
    """`value` as JSON safe to place, unescaped, inside any <script> element."""
    return json.dumps(value, ensure_ascii=False).translate(_ESCAPES)


def json_block(element_id: str, value: object) -> str:
    """A <script type="application/json"> data block; a page script reads it with JSON.parse."""
    return f'<script type="application/json" id="{element_id}">{script_json(value)}</script>'
