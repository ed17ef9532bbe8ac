"""Open311 fixtures: the reports apps (both backends, districts and addresses loaded)."""

from tests.reports.conftest import app, client, service

__all__ = ["app", "client", "service"]
