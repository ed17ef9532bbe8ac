"""Per-app objects built on first use (the records database may be slow to reach at start-up)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app

from geohub.services import Services

T = TypeVar("T")
_build_lock = threading.RLock()  # a builder may ask for another extension (same thread)


def app_extension(key: str, build: Callable[[Services, dict[str, Any]], T]) -> T:
    """The current app's extension `key`; `build(services, extensions)` makes it once, under a lock."""
    found: T | None = current_app.extensions.get(key)
    if found is None:
        with _build_lock:
            found = current_app.extensions.get(key)
            if found is None:
                found = build(current_app.extensions["geohub"], current_app.extensions)
                current_app.extensions[key] = found
    return found
