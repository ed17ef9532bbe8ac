"""Paging and alternate links of an items response, repeating every parameter the client sent."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from geohub.features.params import ItemsRequest
from geohub.layers.models import LayerDefinition


def items_links(
    base_url: str, layer: LayerDefinition, checked: ItemsRequest, number_matched: int | None
) -> list[dict[str, Any]]:
    """self, alternates, next/prev (stable offsets) and the collection."""
    url = f"{base_url}/collections/{layer.id}/items"
    limit, offset = checked.query.limit, checked.query.offset
    echo = dict(checked.echo)

    def href(fmt: str, page_offset: int) -> str:
        parameters = {**echo, "f": fmt, "limit": str(limit)}
        if page_offset:
            parameters["offset"] = str(page_offset)
        return f"{url}?{urlencode(parameters)}"

    links = [
        {
            "rel": "self",
            "type": "application/geo+json",
            "title": "This page as GeoJSON",
            "href": href("json", offset),
        },
        {"rel": "alternate", "type": "text/html", "title": "This page as HTML", "href": href("html", offset)},
        {"rel": "alternate", "type": "text/csv", "title": "This page as CSV", "href": href("csv", offset)},
    ]
    if number_matched is not None and offset + limit < number_matched:
        links.append(
            {
                "rel": "next",
                "type": "application/geo+json",
                "title": "Next page",
                "href": href("json", offset + limit),
            }
        )
    if offset > 0:
        links.append(
            {
                "rel": "prev",
                "type": "application/geo+json",
                "title": "Previous page",
                "href": href("json", max(0, offset - limit)),
            }
        )
    links.append(
        {
            "rel": "collection",
            "type": "application/json",
            "title": layer.title.en,
            "href": f"{base_url}/collections/{layer.id}",
        }
    )
    return links
