"""Run the public layer's sync soon after reports change, off the request, a burst as one sync.

A filing or a status change asks for a sync (`request`) and answers at once; a thread of this
process runs the sync a moment later, and once more if changes came in meanwhile, never more
often than every `interval_s`. A sync that fails (the store down) is logged and retried at the
next change or by `geohub reports upkeep`; the records stay the truth either way.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable

from geohub.report_layer.sync import DropChangedTiles, ReportLayerSync, report_layer
from geohub.reports.service import ReportService
from geohub.services import Services

log = logging.getLogger(__name__)


class ReportLayerPublisher:
    def __init__(self, sync: Callable[[], object], interval_s: float = 5.0, delay_s: float = 0.05) -> None:
        self._sync = sync
        self._interval_s = interval_s
        self._delay_s = delay_s
        self._condition = threading.Condition()
        self._pending = False
        self._running = False
        self._stopped = False
        self._hurry = False  # flush: sync now, without waiting out the interval
        self._thread: threading.Thread | None = None
        self._pid = 0
        self._last_run = 0.0

    def request(self) -> None:
        """Ask for a sync soon (cheap; returns at once)."""
        with self._condition:
            if self._stopped:
                return
            self._pending = True
            if self._thread is None or self._pid != os.getpid() or not self._thread.is_alive():
                self._pid = os.getpid()  # a forked worker starts its own thread
                self._thread = threading.Thread(target=self._run, name="report-layer-sync", daemon=True)
                self._thread.start()
            self._condition.notify_all()

    def flush(self, timeout_s: float = 30.0) -> bool:
        """Wait until every requested sync has run; False on timeout."""
        deadline = time.monotonic() + timeout_s
        with self._condition:
            self._hurry = True
            self._condition.notify_all()
            while self._pending or self._running:
                left = deadline - time.monotonic()
                if left <= 0 or self._thread is None or not self._thread.is_alive():
                    return not (self._pending or self._running)
                self._condition.wait(left)
        return True

    def stop(self) -> None:
        """Run what is pending, then end the thread (the app is closing)."""
        self.flush()
        with self._condition:
            self._stopped = True
            self._condition.notify_all()

    def _run(self) -> None:
        while True:
            with self._condition:
                while not self._pending and not self._stopped:
                    self._condition.wait()
                if self._stopped and not self._pending:
                    return
                # let a burst of changes gather into one sync, at most one per interval
                due = max(time.monotonic() + self._delay_s, self._last_run + self._interval_s)
                while not self._hurry and (left := due - time.monotonic()) > 0:
                    self._condition.wait(left)
                self._hurry = False
                self._pending = False
                self._running = True
            try:
                self._sync()
            except Exception:  # the next change or upkeep retries; the records are intact
                log.exception("the public reports layer could not be synced")
            finally:
                self._last_run = time.monotonic()
                with self._condition:
                    self._running = False
                    self._condition.notify_all()


def publish_on_change(
    service: ReportService, services: Services, drop_changed_tiles: DropChangedTiles
) -> ReportLayerPublisher | None:
    """Sync the public layer after every change the report service makes (None: no such layer)."""
    if report_layer(services) is None:
        return None
    publisher = ReportLayerPublisher(ReportLayerSync(services, service.categories, drop_changed_tiles))
    service.on_change(lambda _changed: publisher.request())
    services.closing.append(publisher.stop)
    return publisher
