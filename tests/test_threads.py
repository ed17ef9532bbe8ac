"""geohub/threads.py: shapely's GIL-free functions over a share of the rows per core, in order."""

from __future__ import annotations

import os
import threading

import numpy as np
import pytest
import shapely

from geohub.threads import MAX_PARTS, SPLIT_MIN_ROWS, across_cores, in_parallel


def test_across_cores_gives_the_whole_arrays_answer_in_order() -> None:
    rows = 3 * SPLIT_MIN_ROWS + 7
    squares = shapely.box(np.arange(rows), 0, np.arange(rows) + 1, 1)
    squares[::5] = shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1), (0, 0)])  # a bow tie: invalid
    valid = across_cores(shapely.is_valid, squares)
    assert valid.tolist() == shapely.is_valid(squares).tolist()
    assert valid.sum() == rows - len(squares[::5])


def test_across_cores_uses_threads_only_for_large_arrays() -> None:
    seen: set[str] = set()

    def names(values: np.ndarray) -> np.ndarray:
        seen.add(threading.current_thread().name)
        return values

    across_cores(names, np.arange(SPLIT_MIN_ROWS - 1))
    assert seen == {threading.current_thread().name}
    across_cores(names, np.arange(4 * SPLIT_MIN_ROWS))
    assert len(seen) == min(MAX_PARTS, os.cpu_count() or 1, 4)


def test_in_parallel_returns_every_result_and_raises_the_first_error() -> None:
    assert in_parallel(lambda: 1, lambda: 2, lambda: 3) == [1, 2, 3]

    def fails() -> int:
        raise ValueError("the second task")

    with pytest.raises(ValueError, match="the second task"):
        in_parallel(lambda: 1, fails)
