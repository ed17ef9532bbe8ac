"""Work spread over threads where the GIL is let go: psycopg waiting on the server, and shapely's
vectorized functions (GEOS runs without the GIL), so an import uses every core.

Threads are started per call, never kept in a pool: a pool made before gunicorn forks its
workers would be unusable in them.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np

T = TypeVar("T")
SPLIT_MIN_ROWS = 50_000  # fewer geometries are not worth a thread
MAX_PARTS = 4


def in_parallel(*tasks: Callable[[], T]) -> list[T]:
    """Every task's result, the first run in this thread and the others in threads of their own;
    the first error, once all have ended."""
    results: list[Any] = [None] * len(tasks)
    errors: list[BaseException | None] = [None] * len(tasks)

    def run(index: int) -> None:
        try:
            results[index] = tasks[index]()
        except BaseException as error:  # handed to the caller below
            errors[index] = error

    threads = [threading.Thread(target=run, args=(i,), name="geohub-part") for i in range(1, len(tasks))]
    for thread in threads:
        thread.start()
    run(0)
    for thread in threads:
        thread.join()
    for error in errors:
        if error is not None:
            raise error
    return results


def across_cores(function: Callable[[np.ndarray], np.ndarray], values: np.ndarray) -> np.ndarray:
    """`function(values)` for a function that works row by row without the GIL (shapely's),
    on a share of the rows per core, joined in order."""
    parts = min(MAX_PARTS, os.cpu_count() or 1, len(values) // SPLIT_MIN_ROWS)
    if parts < 2:
        return function(values)
    shares = np.array_split(values, parts)
    return np.concatenate(in_parallel(*(lambda share=share: function(share) for share in shares)))
