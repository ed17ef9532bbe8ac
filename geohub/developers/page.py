"""The developers page (templates/developers.html) in the page language, its script texts in a data block."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from markupsafe import Markup

from geohub.developers.catalog import Link, Snippet
from geohub.developers.texts import text, texts_in
from geohub.messages import LANGUAGES
from geohub.pages.own_pages import template_environment
from geohub.pages.script_data import json_block
from geohub.webmap.page import LANGUAGE_NAMES

TEMPLATES_DIR = Path(__file__).with_name("templates")


def render_page(
    language: str,
    base: str,
    tilesets: list[Link],
    styles: list[Link],
    snippets: list[Snippet],
    rate_limit: str,
) -> str:
    """The page in `language`; the script's texts and URLs in a JSON data block (no inline script)."""
    texts = texts_in(language)

    def t(key: str, **params: Any) -> str:
        return text(texts, language, key, **params)

    config = {
        "lang": language,
        "texts": {
            key: value for key, value in texts.items() if key.startswith(("script.", "usage.", "key."))
        },
        "urls": {"apps": f"{base}/developers/apps", "usage": f"{base}/developers/usage"},
    }
    return (
        template_environment(TEMPLATES_DIR)
        .get_template("developers.html")
        .render(
            t=t,
            lang=language,
            languages=[(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
            base=base,
            tilesets=tilesets,
            styles=styles,
            snippets=snippets,
            rate_limit=rate_limit,
            config_block=Markup(json_block("developers-config", config)),  # escaped by script_json
        )
    )
