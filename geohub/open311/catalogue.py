"""The Open311 services (one per report category), a service's definition, and discovery."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from geohub.layers.models import Department
from geohub.messages import tr
from geohub.reports.categories import Categories, Category

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-12-07T00:00:00Z"  # when what these endpoints answer last changed
MEDIA_TYPES = ("text/xml", "application/json")


def services_json(
    categories: Categories, departments: Mapping[str, Department], language: str
) -> list[dict[str, Any]]:
    """Every category as an Open311 service, in file order, titled in `language`."""
    return [service_json(category, departments, language) for category in categories]


def service_json(category: Category, departments: Mapping[str, Department], language: str) -> dict[str, Any]:
    """One category as an Open311 service: no extra attributes (`metadata` false), filed at once."""
    department = departments.get(category.routing.default)
    group = tr("Accessibility") if category.accessibility else tr("City upkeep")
    description = tr(
        "Goes to {department}; the target time to resolve it is {hours} hours.",
        department=department.name.in_language(language) if department else category.routing.default,
        hours=category.target_hours,
    )
    return {
        "service_code": category.code,
        "service_name": category.title.in_language(language),
        "description": description.render(language),
        "metadata": False,
        "type": "realtime",
        "keywords": ", ".join((category.title.kk, category.title.ru, category.title.en)),
        "group": group.render(language),
    }


def definition_json(category: Category) -> dict[str, Any]:
    """A service's definition: GeoHub asks for no attributes beyond the standard fields."""
    return {"service_code": category.code, "attributes": []}


def discovery_json(base_url: str, language: str) -> dict[str, Any]:
    """Where the GeoReport v2 endpoint is, what it speaks and whom to ask."""
    return {
        "changeset": CHANGESET,
        "contact": tr("The GeoHub Almaty administrators: {url}", url=base_url).render(language),
        "key_service": tr(
            "App keys are optional; the GeoHub administrators issue them: {url}", url=base_url
        ).render(language),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": f"{base_url}/open311/v2",
                "changeset": CHANGESET,
                "type": "production",
                "formats": list(MEDIA_TYPES),
            }
        ],
    }
