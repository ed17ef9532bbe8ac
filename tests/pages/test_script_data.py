"""JSON for a page's script: nothing in it can end the <script> element, and it reads back unchanged."""

from __future__ import annotations

import json
from html.parser import HTMLParser

import pytest

from geohub.pages.script_data import json_block, script_json

HOSTILE = [
    "</script><script>window.__xss=1</script>",
    "<!-- <script>",
    "a & b > c",
    "line\u2028separator\u2029paragraph",
    {"</SCRIPT>": ["<img src=x onerror=alert(1)>", 1, None, True]},
]


class _Scripts(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str] = []

    def handle_data(self, data: str) -> None:
        if self.lasttag == "script":
            self.scripts.append(data)


@pytest.mark.parametrize("value", HOSTILE)
def test_script_json_has_no_character_that_could_end_the_element(value: object) -> None:
    text = script_json(value)
    assert not set(text) & {"<", ">", "&", "\u2028", "\u2029"}
    assert json.loads(text) == value


@pytest.mark.parametrize("value", HOSTILE)
def test_json_block_is_one_data_block_that_parses_back(value: object) -> None:
    page = _Scripts()
    page.feed(f"<body>{json_block('config', value)}<p>after</p></body>")
    assert len(page.scripts) == 1
    assert json.loads(page.scripts[0]) == value
