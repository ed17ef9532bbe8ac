"""The workspace's texts: the TEXTS of every `texts_*.py` module of this package, found with pkgutil.

Each module maps a key (`ws.signIn.title`, `desk.queue.title`, ...) to an English msgid (`N_`);
the page carries them all in its language. Adding a module adds its texts: nothing to register.
"""

from __future__ import annotations

from functools import cache
from types import ModuleType

from geohub.pages.own_pages import merged_texts, text, translated
from geohub.pages.own_pages import text_modules as modules_of

__all__ = ["all_texts", "text", "text_modules", "texts_in"]


def text_modules() -> list[ModuleType]:
    """Every geohub/workspace/texts_*.py module, in name order."""
    return modules_of(__package__ or "geohub.workspace")


@cache
def all_texts() -> dict[str, str]:
    """key -> English msgid of every module; a key two modules define is an error."""
    return merged_texts(text_modules(), "workspace")


def texts_in(language: str) -> dict[str, str]:
    """key -> text in `language`, placeholders ({name}) left for the scripts to fill."""
    return translated(all_texts(), language)
