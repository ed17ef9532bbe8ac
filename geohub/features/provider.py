"""GeohubProvider: the one pygeoapi provider, reading any layer through the FeatureStore."""

from __future__ import annotations

import weakref
from contextvars import ContextVar
from typing import Any

from pygeoapi.provider.base import BaseProvider

from geohub.auth.principal import ANONYMOUS, Principal
from geohub.errors import ConfigurationError
from geohub.features.crs import CRS84
from geohub.features.geojson import geojson_features
from geohub.features.params import ItemsRequest
from geohub.layers.models import Attribute, AttributeType, LayerDefinition
from geohub.layers.registry import LayerRegistry
from geohub.services import Services
from geohub.storage.base import FeaturePage

_SERVICES: weakref.WeakValueDictionary[str, Services] = weakref.WeakValueDictionary()
_REGISTRIES: weakref.WeakValueDictionary[str, LayerRegistry] = weakref.WeakValueDictionary()
items_request: ContextVar[ItemsRequest | None] = ContextVar("items_request", default=None)
output_crs: ContextVar[str] = ContextVar("output_crs", default=CRS84)
reader: ContextVar[Principal] = ContextVar("reader", default=ANONYMOUS)  # whom pygeoapi answers now
JSON_TYPES = {
    AttributeType.string: {"type": "string"},
    AttributeType.integer: {"type": "integer"},
    AttributeType.number: {"type": "number"},
    AttributeType.boolean: {"type": "boolean"},
    AttributeType.date: {"type": "string", "format": "date"},
    AttributeType.datetime: {"type": "string", "format": "date-time"},
}


def register_services(token: str, services: Services, registry: LayerRegistry | None = None) -> None:
    """Let providers of the API known by `token` find its services (kept while the app lives) and
    the registry the API was built from (else the services' current one)."""
    _SERVICES[token] = services
    if registry is not None:
        _REGISTRIES[token] = registry


def attribute_schema(attribute: Attribute, language: str | None = None) -> dict[str, Any]:
    """The JSON Schema of one attribute, as queryables and OpenAPI show it: titled with its label
    in `language` (its name when it has no title), or with its name when no language is given."""
    title = attribute.label(language) if language else attribute.name
    schema: dict[str, Any] = {**JSON_TYPES[attribute.type], "title": title}
    if attribute.description:
        schema["description"] = attribute.description
    if attribute.allowed_values:
        schema["enum"] = list(attribute.allowed_values)
    return schema


def read_page(services: Services, layer: LayerDefinition, request: ItemsRequest) -> FeaturePage:
    """The checked request's page from the store (only the count for resulttype=hits)."""
    if request.hits_only:
        return FeaturePage([], services.store.count(layer, request.query))
    return services.store.query(layer, request.query)


def visible_properties(request: ItemsRequest) -> tuple[str, ...]:
    """The properties a response shows: the ones asked for, else every one the reader may see."""
    return request.visible


class GeohubProvider(BaseProvider):
    """Answers pygeoapi's feature queries from the current version of one layer.

    pygeoapi makes one per request: its fields are the attributes the request's `reader` may see.
    """

    _fields: dict[str, Any]

    def __init__(self, provider_def: dict[str, Any]) -> None:
        super().__init__(provider_def)
        services = _SERVICES.get(provider_def["geohub_app"])
        if services is None:
            raise ConfigurationError("GeohubProvider used outside a GeoHub app")
        self.services = services
        registry = _REGISTRIES.get(provider_def["geohub_app"])
        registry = services.registry if registry is None else registry
        self.layer = registry.get(provider_def["data"])
        self.reader = reader.get()
        self.get_fields()

    def get_fields(self) -> dict[str, Any]:
        """The attributes the reader may see as JSON Schema types (restricted ones only for staff)."""
        if not self._fields:
            attributes = self.reader.visible_attributes(self.layer)
            self._fields = {a.name: attribute_schema(a) for a in attributes}
        return dict(self._fields)

    def query(self, **_pygeoapi_arguments: Any) -> dict[str, Any]:
        """The page of features GeoHub's items route parsed and checked (see features/params.py)."""
        request = items_request.get()
        if request is None:
            raise ConfigurationError("items query without a checked GeoHub request")
        store = self.services.store
        if request.hits_only:
            matched = store.count(self.layer, request.query)
            return {
                "type": "FeatureCollection",
                "features": [],
                "numberMatched": matched,
                "numberReturned": 0,
            }
        page = store.query(self.layer, request.query)
        visible = tuple(name for name in request.visible if name in self._fields)
        features = geojson_features(page.features, visible, request.crs, skip_geometry=request.skip_geometry)
        return {
            "type": "FeatureCollection",
            "features": features,
            "numberMatched": page.number_matched,
            "numberReturned": len(features),
        }

    def get(self, identifier: str, **_pygeoapi_arguments: Any) -> dict[str, Any]:
        """One feature by id, in the CRS the request asked for."""
        feature = self.services.store.get(self.layer, str(identifier))
        return geojson_features([feature], tuple(self._fields), output_crs.get())[0]
