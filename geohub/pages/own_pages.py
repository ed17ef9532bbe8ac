"""What GeoHub's own pages (the web map, the workspace, the developers page) share: a Jinja
environment over a page's templates and the common partials, and texts gathered from the page's
parts (each part module's TEXTS maps a key to an English msgid) rendered in one language."""

from __future__ import annotations

import pkgutil
from collections.abc import Iterable, Mapping
from functools import cache
from importlib import import_module
from pathlib import Path
from types import ModuleType
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from geohub.messages import fill, translate

PARTIALS_DIR = Path(__file__).with_name("partials")  # macros every page imports (brand mark, head)
TEXT_MODULE_PREFIX = "texts_"


@cache
def template_environment(templates_dir: Path) -> Environment:
    """Autoescaped templates of `templates_dir`, able to import the shared partials."""
    return Environment(
        loader=FileSystemLoader([templates_dir, PARTIALS_DIR]),
        autoescape=select_autoescape(["html"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def text_modules(package: str) -> list[ModuleType]:
    """Every `texts_*.py` module of `package`, in name order: a part adds its texts with a file."""
    folder = Path(import_module(package).__file__ or "").parent
    found = pkgutil.iter_modules([str(folder)])
    names = sorted(info.name for info in found if info.name.startswith(TEXT_MODULE_PREFIX))
    return [import_module(f"{package}.{name}") for name in names]


def merged_texts(modules: Iterable[ModuleType], page: str) -> dict[str, str]:
    """key -> English msgid of every module's TEXTS; a key two modules define is an error."""
    merged: dict[str, str] = {}
    for module in modules:
        texts: Mapping[str, str] = getattr(module, "TEXTS", {})
        clash = sorted(set(merged) & set(texts))
        if clash:
            raise ValueError(f"{page} texts defined twice: {', '.join(clash)}")
        merged.update(texts)
    return merged


def translated(msgids: Mapping[str, str], language: str) -> dict[str, str]:
    """key -> text in `language`, placeholders ({name}) left for the scripts to fill."""
    return {key: translate(msgid, language) for key, msgid in msgids.items()}


def text(texts: Mapping[str, str], language: str, key: str, **params: Any) -> str:
    """One text for a template: `key`'s text with `params` filled in (the key itself when unknown)."""
    return fill(texts.get(key, key), params, language)
