"""The demo app the page tests read (the embedded GeoPackage store: pages do not depend on the backend)."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.features.conftest import DemoApps, demo_apps  # noqa: F401  (the session's demo apps)


@pytest.fixture
def pages_client(demo_apps: DemoApps) -> FlaskClient:  # noqa: F811
    """A test client of the demo app on the embedded store."""
    return demo_apps.client("geopackage")
