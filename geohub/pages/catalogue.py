"""The pages' words from the `pages` gettext catalogue, and their numbers and dates, in kk, ru or en.

The catalogue is geohub/locale/<language>/LC_MESSAGES/pages.po, read as it is when first needed
(no compile step); geohub/locale/pages.cfg says how its strings are extracted from the templates.
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import Translations
from jinja2 import Environment

from geohub.layers.models import LANGUAGES
from geohub.layers.schedule import schedule_zone

LOCALE_DIR = Path(__file__).parents[1] / "locale"
DOMAIN = "pages"
# An attribute value that is a whole timestamp as the stores write it (ISO 8601, to the second at least)
_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?")


def catalogue_path(language: str) -> Path:
    """The .po file of the pages in `language` (kk, ru or en)."""
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@lru_cache(maxsize=len(LANGUAGES))
def page_translations(language: str) -> Translations:
    """The pages' translations into `language` (kk, ru or en), read from its .po file once."""
    with catalogue_path(language).open("rb") as po:
        catalog = read_po(po, locale=language, domain=DOMAIN)
    mo = BytesIO()
    write_mo(mo, catalog)  # fuzzy entries stay out, as msgfmt leaves them out
    mo.seek(0)
    return Translations(mo, domain=DOMAIN)


def page_language(locale: object) -> str:
    """kk, ru or en from what pygeoapi hands a template (a Babel Locale such as kk_KZ, or a tag)."""
    language = str(locale or "").replace("-", "_").split("_")[0].lower()
    return language if language in LANGUAGES else "en"


def text_direction(locale: object) -> str:
    """`ltr` or `rtl`, from the language's CLDR data (all three GeoHub languages read left to right)."""
    return str(Locale.parse(page_language(locale)).text_direction)


def local_number(value: Any, locale: object) -> Any:
    """A number written the language's way (8 061,5 in kk and ru, 8,061.5 in en); anything else as is."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    return format_decimal(value, locale=page_language(locale), decimal_quantization=False)


def local_timestamp(value: Any, locale: object) -> Any:
    """An ISO 8601 timestamp written the language's way, in Almaty time; anything else as is."""
    if isinstance(value, str) and _TIMESTAMP.fullmatch(value):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
    elif isinstance(value, datetime):
        moment = value
    else:
        return value
    return format_datetime(moment, "medium", tzinfo=schedule_zone(), locale=page_language(locale))


def local_value(value: Any, locale: object) -> Any:
    """An attribute value as a page shows it: numbers and timestamps the language's way, null as nothing."""
    if value is None:
        return ""
    return local_timestamp(local_number(value, locale), locale)


class PageEnvironment(Environment):
    """pygeoapi's Jinja environment with GeoHub's filters: language, text direction, numbers, dates."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.filters.update(
            page_language=page_language,
            text_direction=text_direction,
            local_number=local_number,
            local_timestamp=local_timestamp,
            local_value=local_value,
        )


class PageTranslations:
    """What pygeoapi loads a page's translations with: GeoHub's `pages` catalogue, whatever the folder."""

    @staticmethod
    def load(dirname: object = None, locales: Any = None, domain: object = None) -> Translations:
        """The `pages` translations of the first of `locales` (English when it is none of ours)."""
        first = locales[0] if isinstance(locales, list | tuple) and locales else locales
        return page_translations(page_language(first))
