"""The web map page (templates/index.html), rendered in the page language with its config block."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from markupsafe import Markup

from geohub.i18n import negotiate_language
from geohub.messages import LANGUAGES
from geohub.pages.own_pages import template_environment
from geohub.pages.script_data import json_block
from geohub.webmap.assets import WEB_SRC
from geohub.webmap.texts import text

TEMPLATES_DIR = Path(__file__).with_name("templates")
LANGUAGE_COOKIE = "geohub_lang"
LANGUAGE_NAMES = {"kk": "Қазақша", "ru": "Русский", "en": "English"}  # each in its own language
NAV_PANELS = ("layers", "search", "report", "myreports", "route", "list")
PART_PANELS = ("search", "report", "myreports", "route")  # templates/panels/<name>.html, the parts'
PART_STYLES = ("report.css", "route.css")  # web/src files of the parts, linked when present


def page_language(lang: str | None, cookie: str | None, accept_language: str | None) -> str:
    """`?lang=`, else the `geohub_lang` cookie, else the best of Accept-Language, else English."""
    for chosen in (lang, cookie):
        if chosen and chosen.lower() in LANGUAGES:
            return chosen.lower()
    return negotiate_language(accept_language)


def render_page(config: dict[str, Any], web_src: Path = WEB_SRC) -> str:
    """The page in `config["lang"]`, its config in a JSON data block (no inline script)."""
    language = config["lang"]
    texts = config["texts"]

    def t(key: str, **params: Any) -> str:
        return text(texts, language, key, **params)

    template = template_environment(TEMPLATES_DIR).get_template("index.html")
    return template.render(
        t=t,
        lang=language,
        languages=[(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
        urls=config["urls"],
        nav_panels=NAV_PANELS,
        part_panels=PART_PANELS,
        part_styles=[name for name in PART_STYLES if (web_src / name).is_file()],
        config_block=Markup(json_block("geohub-config", config)),  # escaped by script_json
    )
