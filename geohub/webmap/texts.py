"""The web map's texts: the TEXTS of every part (shell, report, route) in one page language."""

from __future__ import annotations

from types import ModuleType
from typing import Any

from geohub.pages.own_pages import merged_texts, text, text_modules, translated
from geohub.services import Services

__all__ = ["all_texts", "part_modules", "parts_config", "text", "texts_in"]


def part_modules() -> list[ModuleType]:
    """Each part's texts module (texts_shell, texts_report, texts_route), in name order."""
    return text_modules(__package__ or "geohub.webmap")


def all_texts() -> dict[str, str]:
    """key -> English msgid of every part; a key two parts define is an error."""
    return merged_texts(part_modules(), "web map")


def texts_in(language: str) -> dict[str, str]:
    """key -> text in `language`, placeholders ({name}) left for the script to fill."""
    return translated(all_texts(), language)


def parts_config(services: Services, language: str) -> dict[str, Any]:
    """The config keys each part adds with its `page_config(services, language)`."""
    config: dict[str, Any] = {}
    for module in part_modules():
        page_config = getattr(module, "page_config", None)
        if page_config is not None:
            config.update(page_config(services, language))
    return config
