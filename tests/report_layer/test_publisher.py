"""The publisher runs the layer's sync off the request: a burst of changes is one sync, never
more than one per interval, a failed sync does not stop the next, and flush waits for it all."""

from __future__ import annotations

import time

import pytest

from geohub.report_layer.publisher import ReportLayerPublisher


def test_a_burst_of_changes_is_one_sync_and_flush_waits_for_it() -> None:
    runs: list[float] = []
    publisher = ReportLayerPublisher(lambda: runs.append(time.monotonic()), interval_s=60.0, delay_s=0.2)
    for _ in range(50):
        publisher.request()
    time.sleep(0.5)
    assert len(runs) == 1  # gathered for delay_s, then one sync
    publisher.request()
    time.sleep(0.3)
    assert len(runs) == 1  # the next waits out the interval …
    assert publisher.flush(timeout_s=5)
    assert len(runs) == 2  # … unless someone needs it now
    publisher.stop()
    publisher.request()
    time.sleep(0.3)
    assert len(runs) == 2  # stopped with the app


def test_a_failing_sync_is_logged_and_the_next_one_runs(caplog: pytest.LogCaptureFixture) -> None:
    runs: list[int] = []

    def sync() -> None:
        runs.append(1)
        if len(runs) == 1:
            raise RuntimeError("the store is down")

    publisher = ReportLayerPublisher(sync, interval_s=0.0, delay_s=0.0)
    publisher.request()
    assert publisher.flush(timeout_s=5)
    publisher.request()
    assert publisher.flush(timeout_s=5)
    assert len(runs) == 2 and "could not be synced" in caplog.text
    publisher.stop()
