"""Issue 12's "done when", end to end over HTTP on both backends: a citizen files a report with a
photo (its EXIF GPS gone), a second citizen at the same spot is offered the duplicate, the right
department sees the report in its queue and resolves it, the citizen confirms, and the public
layer and tiles show it closed with no personal data anywhere public."""

from __future__ import annotations

import json
from io import BytesIO

import mapbox_vector_tile
import morecantile
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image

from geohub.auth.http import accounts
from geohub.auth.principal import Role
from geohub.report_layer.publisher import ReportLayerPublisher
from tests.reports.conftest import EMAIL, HERE, PHONE, east_of, report_body

GPS_IFD = 0x8825
DESCRIPTION = "The street light by the entrance has been dark for a week."
STAFF = {"marat": (Role.moderator, None), "dana": (Role.publisher, "energy_utilities"),
         "aigerim": (Role.publisher, "land_relations")}  # fmt: skip


def _photo_with_gps() -> bytes:
    image = Image.new("RGB", (640, 480), (200, 180, 40))
    exif = Image.Exif()
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (43.0, 15.0, 57.6), 3: "E", 4: (76.0, 57.0, 26.8)})
    out = BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    assert Image.open(BytesIO(out.getvalue())).getexif().get_ifd(GPS_IFD)  # the phone's GPS is in
    return out.getvalue()


def _staff(app: Flask) -> dict[str, dict[str, str]]:
    with app.app_context():
        found = accounts()
        for name, (role, department) in STAFF.items():
            found.add_user(name, role=role, department=department)
        return {name: {"Authorization": f"Bearer {found.create_token(name)}"} for name in STAFF}


def _public_tile(client: FlaskClient, tileset: str) -> tuple[bytes, dict[str, dict[str, object]]]:
    tile = morecantile.tms.get("WebMercatorQuad").tile(HERE[0], HERE[1], 16)
    answer = client.get(f"/tiles/{tileset}/{tile.z}/{tile.x}/{tile.y}.mvt")
    assert answer.status_code == 200
    layer = mapbox_vector_tile.decode(answer.data)["reports"]
    return answer.data, {f["properties"]["tracking_id"]: f["properties"] for f in layer["features"]}


def test_a_report_goes_from_citizen_to_department_to_closed_on_the_map(
    app: Flask, client: FlaskClient
) -> None:
    staff = _staff(app)
    publisher: ReportLayerPublisher = app.extensions["geohub.report_layer"]

    # a citizen files a report with a photo taken on a phone
    form = {"report": json.dumps(report_body()), "photo": (BytesIO(_photo_with_gps()), "IMG_0042.jpg")}
    filed = client.post("/reports?lang=ru", data=form, content_type="multipart/form-data")
    assert filed.status_code == 201, filed.json
    tracking_id, secret = filed.json["trackingId"], filed.json["secret"]
    assert filed.json["photoCount"] == 1
    assert filed.json["report"]["department"]["id"] == "energy_utilities"  # routed by category
    stored = client.get(f"/reports/{tracking_id}/photos/1", headers=staff["dana"])
    assert stored.status_code == 200 and stored.mimetype == "image/jpeg"
    kept = Image.open(BytesIO(stored.data))
    assert not kept.getexif() and not kept.getexif().get_ifd(GPS_IFD) and b"Exif" not in stored.data
    assert client.get(f"/reports/{tracking_id}/photos/1").status_code == 404  # not approved: not public

    # a second citizen at the same spot is offered the open report instead of filing again
    lon, lat = east_of(HERE, 5)
    offered = client.post("/reports", json=report_body(location={"lon": lon, "lat": lat}))
    assert offered.status_code == 200 and offered.json["filed"] is False
    assert [d["trackingId"] for d in offered.json["duplicates"]] == [tracking_id]
    assert client.post(f"/reports/{tracking_id}/support").json["supporters"] == 1

    # the department responsible sees it in its queue; another department does not
    queue = client.get("/reports?department=energy_utilities&status=registered", headers=staff["dana"])
    assert queue.status_code == 200
    assert tracking_id in [r["trackingId"] for r in queue.json["reports"]]
    assert client.get("/reports?department=energy_utilities", headers=staff["aigerim"]).status_code == 403
    elsewhere = client.get("/reports", headers=staff["aigerim"])
    assert tracking_id not in [r["trackingId"] for r in elsewhere.json["reports"]]

    # … and moves it to resolved, with a reply the citizen reads
    for status, comment in (("accepted", ""), ("in_progress", ""), ("resolved", "The lamp was replaced.")):
        moved = client.post(
            f"/reports/{tracking_id}/status",
            json={"status": status, "comment": comment},
            headers=staff["dana"],
        )
        assert moved.status_code == 200, moved.json
    assert client.post(
        f"/reports/{tracking_id}/status", json={"status": "closed"}, headers=staff["aigerim"]
    ).status_code in (403, 409)

    # the citizen confirms with the secret handed out at filing
    assert client.post(f"/reports/{tracking_id}/confirm", json={"secret": "not-it"}).status_code == 403
    confirmed = client.post(f"/reports/{tracking_id}/confirm", json={"secret": secret})
    assert confirmed.status_code == 200 and confirmed.json["status"] == "closed"
    history = [(h["to"], h["by"], h["comment"]) for h in confirmed.json["history"]]
    assert ("resolved", "publisher", "The lamp was replaced.") in history and history[-1][:2] == (
        "closed",
        "citizen",
    )

    # the public layer and the tiles show it closed
    assert publisher.flush()
    item = client.get(f"/collections/reports/items/{tracking_id}")
    assert item.status_code == 200 and item.json["properties"]["status"] == "closed"
    assert item.json["properties"]["supporters"] == 1
    city_tile, in_city = _public_tile(client, "city")
    reports_tile, in_reports = _public_tile(client, "reports")
    assert in_city[tracking_id]["status"] == in_reports[tracking_id]["status"] == "closed"

    # no personal data anywhere public: contacts, the unapproved text, staff names
    public = [
        client.get(f"/reports/{tracking_id}").data,
        client.get("/collections/reports/items?limit=1000").data,
        client.get("/collections/reports/items?f=csv&limit=1000").data,
        item.data,
        city_tile,
        reports_tile,
        client.get("/open311/v2/requests.json").data,
        client.get(f"/open311/v2/requests/{tracking_id}.xml").data,
    ]
    for body in public:
        for private in (EMAIL, PHONE, DESCRIPTION, "dana", "marat", secret):
            assert private.encode() not in body, private
