"""A real Open311 client (PyPI `georeport`, which reads services and requests in JSON and XML)
against `geohub serve`; filing, which it does not offer, goes through `requests` as a form post."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from georeport import GeoReport

from geohub.etl.pipeline import import_layer
from geohub.services import Services
from geohub.settings import Settings
from tests.conftest import DEMO_DATA
from tests.reports.conftest import EMAIL, HERE, PHONE
from tests.test_cli import GEOHUB, free_port, wait_for


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`geohub serve` (embedded store) with the districts and the address register loaded."""
    data_dir = tmp_path_factory.mktemp("open311-live")
    services = Services.from_settings(Settings(data_dir=data_dir, log_level="WARNING"))
    try:
        for layer_id in ("districts", "addresses"):
            import_layer(services.registry.get(layer_id), services.store, services.registry, DEMO_DATA)
    finally:
        services.close()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("GEOHUB_")}
    env.update({"GEOHUB_DATA_DIR": str(data_dir), "GEOHUB_WORKERS": "1", "GEOHUB_LOG_LEVEL": "WARNING"})
    log = Path(data_dir) / "serve.log"
    with log.open("wb") as sink:
        server = subprocess.Popen([GEOHUB, "serve", "--port", str(port)], env=env, stdout=sink, stderr=sink)
    try:
        wait_for(f"http://127.0.0.1:{port}/healthz", timeout_s=60)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_an_open311_client_lists_files_and_follows_a_request(base_url: str) -> None:
    root = f"{base_url}/open311/v2"
    as_json = GeoReport(root, jurisdiction="almaty.kz")
    as_xml = GeoReport(root, jurisdiction="almaty.kz", output_format="xml")

    services = as_json.get_service_list()
    assert {s["service_code"] for s in as_xml.get_service_list()} == {s["service_code"] for s in services}
    assert len(services) == 11
    assert as_json.get_service_definition("broken_elevator") == {
        "service_code": "broken_elevator",
        "attributes": [],
    }
    assert as_xml.get_service_definition("broken_elevator")["service_code"] == "broken_elevator"

    form = {
        "jurisdiction_id": "almaty.kz",
        "service_code": "broken_street_light",
        "lat": HERE[1],
        "long": HERE[0],
        "description": "Dark for a week.",
        "email": EMAIL,
        "phone": PHONE,
        "first_name": "Aigerim",
    }
    filed = requests.post(f"{root}/requests.json", data=form, timeout=30)
    assert filed.status_code == 200, filed.text
    tracking_id = filed.json()[0]["service_request_id"]

    one = as_json.get_service_request(tracking_id)
    assert (one["service_request_id"], one["status"], one["service_code"]) == (
        tracking_id,
        "open",
        "broken_street_light",
    )
    from_xml = as_xml.get_service_request(tracking_id)
    assert (from_xml["service_request_id"], from_xml["status"]) == (tracking_id, "open")
    assert float(from_xml["lat"]) == pytest.approx(HERE[1])
    listed = as_json.get_service_requests(service_code="broken_street_light", status="open")
    assert [r["service_request_id"] for r in listed] == [tracking_id]
    assert as_json.get_service_requests(status="closed") == []

    for text in (str(one), str(from_xml), str(listed)):
        assert EMAIL not in text and PHONE not in text and "Aigerim" not in text

    with pytest.raises(requests.HTTPError) as refused:
        GeoReport(root, jurisdiction="astana.kz").get_service_list()
    assert refused.value.response.status_code == 404
    assert refused.value.response.json()[0]["code"] == 404
