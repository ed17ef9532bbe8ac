"""Rebuild a process's registry and what is made from it when the catalogue generation moves.

The registry (`Services.registry`) is the YAML seed plus the approved layers (geohub/layers/live.py).
Made from it when the app is built: the public pygeoapi `API` (collections, items, GeoHub's
/openapi), the style library with each template layer's overlay and style, and, on first use,
the staff `API` and each audience's tilesets (those two notice a new registry by identity and
rebuild themselves). A refresh builds the new registry, API and styles aside, then puts each in
place with one reference assignment: a request running meanwhile keeps the objects it already
holds, none sees a half-built one. Layers are only ever added, so a request racing the swap at
worst misses the newest layer (404), as if it had come a moment earlier. Cached tiles of tilesets
whose layers changed (`city`, the new layer's own) are dropped.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import MutableMapping
from dataclasses import dataclass, field
from typing import Any

from geohub.errors import StorageUnavailableError
from geohub.features.audiences import PUBLIC_API, embedded_pygeoapi
from geohub.layers.live import approved_catalogue, catalogue_generation, live_registry
from geohub.layers.registry import LayerRegistry
from geohub.services import Services
from geohub.styles.documents import StyleLibrary
from geohub.styles.templates import with_template_layers
from geohub.tiles.service import TileService

STYLES = "geohub.styles"
TILES = "geohub.tiles"
log = logging.getLogger(__name__)


@dataclass
class LiveCatalogue:
    """One app's view of the catalogue: checked at most every `interval_s`, rebuilt when it moved."""

    services: Services
    extensions: MutableMapping[str, Any]
    base_styles: StyleLibrary
    interval_s: float
    generation: int | None = None  # of the catalogue this app's objects were built from
    _checked_at: float = field(default=float("-inf"), repr=False)
    _building: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        self.extensions[STYLES] = with_template_layers(self.base_styles, list(self.services.registry))

    def check(self) -> bool:
        """Compare the records' generation with this process's (at most every `interval_s`) and
        rebuild when it moved; True when this call swapped in a new catalogue. One thread builds;
        the others go on with the catalogue they have."""
        now = time.monotonic()
        if now - self._checked_at < self.interval_s:
            return False
        self._checked_at = now
        try:
            generation = catalogue_generation(self.services.records)
        except StorageUnavailableError:
            return False  # the records come back later; the layers known so far are still served
        if generation == self.generation:
            return False
        if generation == 0 and self.generation is None:
            self.generation = 0  # nothing ever approved: the seed is the catalogue
            return False
        if not self._building.acquire(blocking=False):
            return False
        try:
            return self.rebuild()
        finally:
            self._building.release()

    def refresh_now(self) -> bool:
        """Rebuild now if the generation moved (after an approval in this process), waiting for a
        rebuild another thread runs."""
        with self._building:
            self._checked_at = time.monotonic()
            return self.rebuild()

    def rebuild(self) -> bool:
        """Build the current catalogue's registry, API and styles, then swap them in."""
        started = time.monotonic()
        catalogue = approved_catalogue(self.services.records)
        if catalogue.generation == self.generation:
            return False
        assert self.services.seed is not None
        registry = live_registry(self.services.seed, catalogue.layers)
        styles = with_template_layers(self.base_styles, list(registry))
        api = embedded_pygeoapi(self.services, registry=registry)
        before = self.services.registry
        # the registry first: a request between two assignments then finds every collection the
        # (old) API lists in it, and at worst misses the newest layer
        self.services.registry = registry
        self.services.generation = catalogue.generation
        self.extensions[PUBLIC_API] = api
        self.extensions[STYLES] = styles
        self.generation = catalogue.generation
        dropped = self._drop_tiles(before, registry)
        log.info(
            "layer catalogue generation %s in process %s: %s layers, rebuilt in %.2f s; tiles dropped: %s",
            catalogue.generation,
            os.getpid(),
            len(registry),
            time.monotonic() - started,
            ", ".join(dropped) or "none",
        )
        return True

    def _drop_tiles(self, before: LayerRegistry, after: LayerRegistry) -> list[str]:
        tiles: TileService | None = self.extensions.get(TILES)
        return [] if tiles is None else tiles.drop_recomposed(before, after)
