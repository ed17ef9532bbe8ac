"""Language negotiation between Kazakh, Russian and English."""

from __future__ import annotations

from geohub.layers.models import LANGUAGES

DEFAULT_LANGUAGE = "en"


def negotiate_language(accept_language: str | None, lang: str | None = None) -> str:
    """`lang` when it is one we speak, else the best of Accept-Language, else English."""
    if lang and lang.lower()[:2] in LANGUAGES:
        return lang.lower()[:2]
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        primary = tag.strip().lower()[:2]
        if primary in LANGUAGES and quality > 0:
            ranked.append((-quality, position, primary))
    return sorted(ranked)[0][2] if ranked else DEFAULT_LANGUAGE
