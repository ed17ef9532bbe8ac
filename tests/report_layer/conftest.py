"""The reports fixtures: an app on each backend with the districts and address register loaded."""

from tests.reports.conftest import app, client, service

__all__ = ["app", "client", "service"]
