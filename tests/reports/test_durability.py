"""A report acknowledged is a report stored: a server killed with SIGKILL the instant its 201
arrives leaves the report, its history row, its audit entry and its photo on disk, on both backends."""

from __future__ import annotations

import http.client
import json
import signal
import subprocess
import uuid
from io import BytesIO

from PIL import Image

from geohub.auth.audit import AuditLog
from geohub.auth.principal import Principal, Role
from geohub.reports.categories import load_categories
from geohub.reports.model import Status
from geohub.reports.service import ReportService
from geohub.services import Services
from geohub.settings import Settings
from tests.child_process import spawn_child
from tests.reports.conftest import report_body
from tests.reports.durability_child import READY
from tests.reports.test_photos import camera_jpeg

FILINGS = 5
MODERATOR = Principal(user="marat", role=Role.moderator)


def _child(settings: Settings) -> subprocess.Popen[str]:
    return spawn_child(settings, "tests.reports.durability_child")


def _multipart(photo: bytes) -> tuple[bytes, str]:
    """A filing with one photo as multipart/form-data: the body and its Content-Type."""
    boundary = uuid.uuid4().hex
    report = json.dumps(report_body(confirmDistinct=True)).encode()
    body = b"".join(
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="report"\r\n\r\n'.encode(),
            report,
            f"\r\n--{boundary}\r\n".encode(),
            b'Content-Disposition: form-data; name="photo"; filename="p.jpg"\r\n',
            b"Content-Type: image/jpeg\r\n\r\n",
            photo,
            f"\r\n--{boundary}--\r\n".encode(),
        )
    )
    return body, f"multipart/form-data; boundary={boundary}"


def _file_then_kill(settings: Settings, photo: bytes) -> str:
    """File a report through a fresh server, SIGKILL it as the 201's headers arrive; the tracking id."""
    child = _child(settings)
    assert child.stderr is not None
    started = child.stderr.readline().split()
    assert started[:1] == [READY], " ".join(started) + child.stderr.read()
    body, content_type = _multipart(photo)
    connection = http.client.HTTPConnection("127.0.0.1", int(started[1]), timeout=30)
    try:
        connection.request("POST", "/reports", body=body, headers={"Content-Type": content_type})
        answer = connection.getresponse()  # the status line and headers, not the body
        child.send_signal(signal.SIGKILL)
        assert answer.status == 201, answer.read()
        location = answer.getheader("Location") or ""
    finally:
        connection.close()
        child.kill()
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    return location.rsplit("/", 1)[-1]


def test_a_filing_acknowledged_survives_sigkill(settings: Settings) -> None:
    photo = camera_jpeg(640, 480)
    filed = [_file_then_kill(settings, photo) for _ in range(FILINGS)]

    services = Services.from_settings(settings)  # the same data afresh, as after a restart
    try:
        service = ReportService(services, load_categories(services.registry.departments))
        audited = {
            entry.detail["report"]: entry.detail
            for entry in AuditLog(services.records).entries(limit=100)
            if entry.action == "report.create"
        }
        for tracking_id in filed:
            assert service.get(tracking_id).status is Status.registered
            assert [c.to_status for c in service.history(tracking_id)] == [Status.registered]
            assert audited[tracking_id]["photos"] == 1
            assert service.photo_positions(tracking_id) == [1]
            stored = Image.open(BytesIO(service.photo(tracking_id, 1, MODERATOR).data))
            stored.load()  # every byte there: a torn write would not decode
            assert stored.size == (480, 640)  # upright: the camera's orientation 6 applied
            thumbnail = Image.open(BytesIO(service.photo(tracking_id, 1, MODERATOR, thumbnail=True).data))
            thumbnail.load()
    finally:
        services.close()
