"""One embedded pygeoapi per audience: the anonymous public's knows only public layers and attributes.

Everything pygeoapi lists (collections, their pages, the OpenAPI document with each collection's
properties and queryables) comes from its config and its providers' fields, so rather than
filtering its answers, each audience (`Principal.audience`) gets its own `API`: built from the
layers that audience may read, its providers reading the attributes it may see. The public one is
made with the app (and again when approved layers change the registry, geohub/catalogue); staff's on
the first signed-in request after the registry it was built from, and only when some layer or
attribute is restricted (otherwise both would be the same).
"""

from __future__ import annotations

import copy
import threading
import uuid
from typing import Any

from pygeoapi.api import API
from pygeoapi.openapi import get_oas

from geohub.auth.principal import ANONYMOUS, Principal
from geohub.features.config import in_default_language, pygeoapi_config
from geohub.features.openapi import complete_openapi
from geohub.features.provider import reader, register_services
from geohub.layers.registry import LayerRegistry
from geohub.services import Services

PUBLIC_API = "geohub.pygeoapi"  # the app extension holding the public audience's API
_BUILDING = threading.Lock()


def embedded_pygeoapi(
    services: Services, principal: Principal = ANONYMOUS, registry: LayerRegistry | None = None
) -> API:
    """One pygeoapi API over the layers of `registry` (the services' own by default) that
    `principal` may read, through GeohubProvider (whose layers come from that same registry)."""
    registry = registry or services.registry
    token = uuid.uuid4().hex
    register_services(token, services, registry)
    config = pygeoapi_config(services.settings, registry, token, principal)
    # get_oas asks each provider for its fields: they must be the ones this audience sees
    reset = reader.set(principal)
    try:
        return API(config, complete_openapi(get_oas(in_default_language(config))))
    finally:
        reader.reset(reset)


def audience_api(extensions: dict[str, Any], services: Services, principal: Principal) -> API:
    """The app's pygeoapi for `principal`'s audience (built on first use, then kept)."""
    if principal.audience == ANONYMOUS.audience or not has_restrictions(services):
        return extensions[PUBLIC_API]
    key = f"{PUBLIC_API}.{principal.audience}"
    registry = services.registry  # kept with the API: a new registry (approved layers) makes a new one
    built = extensions.get(key)
    if built is None or built[0] is not registry:
        with _BUILDING:
            built = extensions.get(key)
            if built is None or built[0] is not registry:
                built = (registry, embedded_pygeoapi(services, principal, registry))
                extensions[key] = built
    api: API = built[1]
    return api


def has_restrictions(services: Services) -> bool:
    """Whether any layer or attribute is restricted (else every audience sees the same)."""
    return any(
        not layer.is_public or any(a.restricted for a in layer.attributes) for layer in services.registry
    )


def for_base_url(api: API, base_url: str) -> API:
    """`api` with its links on `base_url`: a shallow view for one request, sharing everything else.

    pygeoapi reads its base URL from `api.base_url`, `tpl_config` (HTML pages) and the
    OpenAPI document's `servers`, all fixed when the API is built; GeoHub's links follow the
    request (`public_url` unset), so each request gets a view with its own three.
    """
    if api.base_url == base_url:
        return api
    view = copy.copy(api)
    view.base_url = base_url
    view.config = _on_base_url(api.config, base_url)
    view.tpl_config = _on_base_url(api.tpl_config, base_url)
    servers = [{**server, "url": base_url} for server in api.openapi.get("servers", [])]
    view.openapi = {**api.openapi, "servers": servers}
    return view


def _on_base_url(config: dict[str, Any], base_url: str) -> dict[str, Any]:
    """A config sharing `resources` (live extents are written there) with the URLs replaced."""
    metadata = config["metadata"]
    return {
        **config,
        "server": {**config["server"], "url": base_url},
        "metadata": {
            **metadata,
            "identification": {**metadata["identification"], "url": base_url},
            "provider": {**metadata["provider"], "url": base_url},
        },
    }
