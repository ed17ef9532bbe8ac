"""The web map's texts: the TEXTS of every part (shell, report, route) in one page language."""

from __future__ import annotations

from collections.abc import Mapping
from importlib import import_module
from types import ModuleType
from typing import Any

from geohub.messages import fill, translate
from geohub.services import Services

PARTS = ("shell", "report", "route")  # geohub/webmap/texts_<part>.py


def part_modules() -> list[ModuleType]:
    """Each part's texts module (a part not written yet is left out)."""
    modules = []
    for part in PARTS:
        try:
            modules.append(import_module(f"geohub.webmap.texts_{part}"))
        except ModuleNotFoundError:
            continue
    return modules


def all_texts() -> dict[str, str]:
    """key -> English msgid of every part; a key two parts define is an error."""
    merged: dict[str, str] = {}
    for module in part_modules():
        texts: Mapping[str, str] = getattr(module, "TEXTS", {})
        clash = sorted(set(merged) & set(texts))
        if clash:
            raise ValueError(f"web map texts defined twice: {', '.join(clash)}")
        merged.update(texts)
    return merged


def texts_in(language: str) -> dict[str, str]:
    """key -> text in `language`, placeholders ({name}) left for the script to fill."""
    return {key: translate(msgid, language) for key, msgid in all_texts().items()}


def text(texts: Mapping[str, str], language: str, key: str, **params: Any) -> str:
    """One text for a template: `key`'s text with `params` filled in (the key itself when unknown)."""
    return fill(texts.get(key, key), params, language)


def parts_config(services: Services, language: str) -> dict[str, Any]:
    """The config keys each part adds with its `page_config(services, language)`."""
    config: dict[str, Any] = {}
    for module in part_modules():
        page_config = getattr(module, "page_config", None)
        if page_config is not None:
            config.update(page_config(services, language))
    return config
