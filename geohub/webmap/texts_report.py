"""The web map's report texts (a placeholder; the report part replaces it)."""

from __future__ import annotations

from typing import Any

from geohub.services import Services

TEXTS: dict[str, str] = {}


def page_config(services: Services, language: str) -> dict[str, Any]:
    """Config keys this part adds to the page."""
    return {}
