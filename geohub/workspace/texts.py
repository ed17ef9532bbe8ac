"""The workspace's texts: the TEXTS of every `texts_*.py` module of this package, found with pkgutil.

Each module maps a key (`ws.signIn.title`, `desk.queue.title`, ...) to an English msgid (`N_`);
the page carries them all in its language. Adding a module adds its texts: nothing to register.
"""

from __future__ import annotations

import pkgutil
from collections.abc import Mapping
from functools import cache
from importlib import import_module
from pathlib import Path
from types import ModuleType
from typing import Any

from geohub.messages import fill, translate

PACKAGE = "geohub.workspace"
PREFIX = "texts_"


def text_modules() -> list[ModuleType]:
    """Every geohub/workspace/texts_*.py module, in name order."""
    found = pkgutil.iter_modules([str(Path(__file__).parent)])
    names = sorted(info.name for info in found if info.name.startswith(PREFIX))
    return [import_module(f"{PACKAGE}.{name}") for name in names]


@cache
def all_texts() -> dict[str, str]:
    """key -> English msgid of every module; a key two modules define is an error."""
    merged: dict[str, str] = {}
    for module in text_modules():
        texts: Mapping[str, str] = getattr(module, "TEXTS", {})
        clash = sorted(set(merged) & set(texts))
        if clash:
            raise ValueError(f"workspace texts defined twice: {', '.join(clash)}")
        merged.update(texts)
    return merged


def texts_in(language: str) -> dict[str, str]:
    """key -> text in `language`, placeholders ({name}) left for the scripts to fill."""
    return {key: translate(msgid, language) for key, msgid in all_texts().items()}


def text(texts: Mapping[str, str], language: str, key: str, **params: Any) -> str:
    """One text for the template: `key`'s text with `params` filled in (the key itself when unknown)."""
    return fill(texts.get(key, key), params, language)
