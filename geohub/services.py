"""Services: the settings, layer registry and store one app or CLI run works with."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from geohub.layers.live import approved_catalogue, live_registry
from geohub.layers.registry import LayerRegistry, load_registry
from geohub.records import RecordsDatabase, open_records
from geohub.settings import Settings
from geohub.storage import open_store
from geohub.storage.base import FeatureStore


@dataclass
class Services:
    """Built once per process; the store opens on first use so start-up never waits on it."""

    settings: Settings
    registry: LayerRegistry  # the live one: replaced (never changed) when approved layers are added
    seed: LayerRegistry | None = field(default=None, repr=False)  # from layers/*.yaml; set from registry
    generation: int | None = field(default=None, repr=False)  # of the catalogue `registry` holds
    _store: FeatureStore | None = field(default=None, repr=False)
    _records: RecordsDatabase | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    closing: list[Callable[[], None]] = field(default_factory=list, repr=False)  # run first by close()

    def __post_init__(self) -> None:
        if self.seed is None:
            self.seed = self.registry

    @classmethod
    def from_settings(cls, settings: Settings) -> Services:
        """Load the layer registry (ConfigurationError when a definition is bad)."""
        return cls(settings=settings, registry=load_registry(settings.layers_dir))

    def load_live_layers(self) -> LayerRegistry:
        """The seed plus the approved layers as the records hold them now (the command line's view;
        the app's workers refresh theirs through geohub/catalogue)."""
        catalogue = approved_catalogue(self.records)
        assert self.seed is not None
        self.registry = live_registry(self.seed, catalogue.layers)
        self.generation = catalogue.generation
        return self.registry

    @property
    def store(self) -> FeatureStore:
        """The store; StorageUnavailableError while it cannot be reached."""
        if self._store is None:
            with self._lock:
                if self._store is None:
                    self._store = open_store(self.settings)
        return self._store

    @property
    def records(self) -> RecordsDatabase:
        """Accounts, audit log and imports; opened on first use like the store."""
        if self._records is None:
            with self._lock:
                if self._records is None:
                    self._records = open_records(self.settings)
        return self._records

    def close(self) -> None:
        """Run the `closing` hooks (background work finishing), then release the store and records."""
        for hook in self.closing:
            hook()
        if self._store is not None:
            self._store.close()
            self._store = None
        if self._records is not None:
            self._records.close()
            self._records = None
