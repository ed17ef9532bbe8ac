"""Match counts remembered per published table: a version never changes once it is written."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

MAX_ENTRIES = 4096


class CountCache:
    """numberMatched of (table, where clause, parameters), so paging a filter counts it once."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self._entries: OrderedDict[Hashable, int] = OrderedDict()
        self._lock = threading.Lock()
        self._max_entries = max_entries

    def get_or_count(self, key: Hashable, count: Callable[[], int]) -> int:
        """The remembered count for `key`, else `count()` remembered."""
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]
        value = count()
        with self._lock:
            self._entries[key] = value
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)
        return value
