"""Open311 answers as JSON or XML: one document, two encodings, chosen by the path's suffix.

XML is written with ElementTree (it escapes); characters XML 1.0 cannot carry (control
characters a client may have sent in a description) are left out of the XML text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from xml.etree.ElementTree import Element, SubElement, tostring

FORMATS = ("json", "xml")
CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
XML_DECLARATION = b'<?xml version="1.0" encoding="utf-8"?>\n'
# a list field's items in XML: <endpoints><endpoint>…</endpoint></endpoints>
ITEM_TAGS = {"endpoints": "endpoint", "formats": "format", "attributes": "attribute", "values": "value"}
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass(frozen=True)
class Document:
    """An answer: a list of objects (each an `item` element in XML) or one object, under `root`."""

    root: str
    body: Sequence[Mapping[str, Any]] | Mapping[str, Any]
    item: str | None = None  # None: `body` is one object


def format_of(path: str) -> str:
    """The answer format a path's suffix asks for (errors of other suffixes are JSON)."""
    return "xml" if path.endswith(".xml") else "json"


def encode(document: Document, fmt: str) -> tuple[bytes, str]:
    """The document's bytes in `fmt` (json or xml) and their Content-Type."""
    if fmt == "xml":
        return XML_DECLARATION + tostring(_xml(document), encoding="unicode").encode(), CONTENT_TYPES["xml"]
    return json.dumps(document.body, ensure_ascii=False).encode(), CONTENT_TYPES["json"]


def errors_document(status: int, descriptions: Sequence[str]) -> Document:
    """The spec's error answer: `[{"code", "description"}]`, `<errors><error>…` in XML."""
    return Document("errors", [{"code": status, "description": text} for text in descriptions], "error")


def _xml(document: Document) -> Element:
    root = Element(document.root)
    if document.item is None:
        assert isinstance(document.body, Mapping)
        _fill(root, document.body)
    else:
        for fields in document.body:
            assert isinstance(fields, Mapping)
            _fill(SubElement(root, document.item), fields)
    return root


def _fill(element: Element, fields: Mapping[str, Any]) -> None:
    for name, value in fields.items():
        child = SubElement(element, name)
        if isinstance(value, Mapping):
            _fill(child, value)
        elif isinstance(value, list):
            for entry in value:
                item = SubElement(child, ITEM_TAGS.get(name, "item"))
                if isinstance(entry, Mapping):
                    _fill(item, entry)
                else:
                    item.text = _text(entry)
        elif value is not None:
            child.text = _text(value)


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("", str(value))
