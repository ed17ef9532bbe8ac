"""The workspace page (templates/workspace.html): one HTML page in the page language, its config in a
JSON data block. Views and styles are found in web/src/workspace/, so adding a view adds files only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from markupsafe import Markup

from geohub.messages import LANGUAGES
from geohub.pages.own_pages import template_environment
from geohub.pages.script_data import json_block
from geohub.services import Services
from geohub.webmap.assets import WEB_SRC, vendor_path
from geohub.webmap.page import LANGUAGE_NAMES
from geohub.workspace.texts import text, texts_in

TEMPLATES_DIR = Path(__file__).with_name("templates")
WORKSPACE_SRC = WEB_SRC / "workspace"  # served at /app/workspace/ by the web map's /app route
BASEMAP_STYLE = "basemap"  # the diff map draws over the plain basemap


def view_names(src: Path = WORKSPACE_SRC) -> list[str]:
    """The views: every web/src/workspace/views/*.js, without `.js`, sorted."""
    return sorted(path.stem for path in (src / "views").glob("*.js") if not path.name.startswith("."))


def stylesheets(src: Path = WORKSPACE_SRC) -> list[str]:
    """The URLs of the shell's and the views' styles (web/src/workspace/*.css, then views/*.css)."""
    shell = sorted(path.name for path in src.glob("*.css"))
    views = sorted(f"views/{path.name}" for path in (src / "views").glob("*.css"))
    return [
        f"/app/workspace/{name}" for name in [*shell, *views] if not name.rpartition("/")[2].startswith(".")
    ]


def page_config(services: Services, language: str, base: str, src: Path = WORKSPACE_SRC) -> dict[str, Any]:
    """What the scripts read: the language, every text in it, the views, the departments' names
    and the URLs they use."""
    departments = services.registry.departments.values()
    return {
        "lang": language,
        "languages": list(LANGUAGES),
        "texts": texts_in(language),
        "views": view_names(src),
        "departments": {d.id: d.name.in_language(language) for d in departments},
        "urls": {
            "api": base,
            "map": f"{base}/?lang={language}",
            "maplibre": base + vendor_path("maplibre-gl", "dist/maplibre-gl.mjs"),
            "maplibreCss": base + vendor_path("maplibre-gl", "dist/maplibre-gl.css"),
            "basemapStyle": f"{base}/styles/{BASEMAP_STYLE}.json?lang={language}",
        },
    }


def render_page(config: dict[str, Any], src: Path = WORKSPACE_SRC) -> str:
    """The page in `config["lang"]`, its config in a JSON data block (no inline script)."""
    language = config["lang"]
    texts = config["texts"]

    def t(key: str, **params: Any) -> str:
        return text(texts, language, key, **params)

    return (
        template_environment(TEMPLATES_DIR)
        .get_template("workspace.html")
        .render(
            t=t,
            lang=language,
            languages=[(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
            urls=config["urls"],
            stylesheets=stylesheets(src),
            config_block=Markup(json_block("workspace-config", config)),  # escaped by script_json
        )
    )
