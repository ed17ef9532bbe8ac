"""Language negotiation between Kazakh, Russian and English (Werkzeug's Accept-Language parser)."""

from __future__ import annotations

from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

from geohub.layers.models import LANGUAGES

DEFAULT_LANGUAGE = "en"
# English first: a wildcard (`*`) or a tie goes to the default
_OFFERED = (DEFAULT_LANGUAGE, *(language for language in LANGUAGES if language != DEFAULT_LANGUAGE))


def negotiate_language(accept_language: str | None, lang: str | None = None) -> str:
    """`lang` when it is one we speak, else the best of Accept-Language, else English."""
    if lang and lang.lower()[:2] in LANGUAGES:
        return lang.lower()[:2]
    accepted = parse_accept_header(accept_language or "", LanguageAccept)
    return accepted.best_match(_OFFERED, default=DEFAULT_LANGUAGE) or DEFAULT_LANGUAGE
