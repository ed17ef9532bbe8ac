"""Photos with a citizen report on both backends: made safe (no EXIF or GPS, upright, scaled),
refused with a problem+json when they cannot be kept (and then nothing is filed), and shown to
the public only once the report is approved."""

from __future__ import annotations

import json
from collections.abc import Iterator
from io import BytesIO
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import func, select, update
from werkzeug.test import TestResponse

from geohub.auth.http import accounts
from geohub.auth.principal import Role
from geohub.records import utc_now
from geohub.reports.tables import report_photos, reports
from geohub.settings import Settings
from tests.reports.conftest import make_app, report_body

GPS_IFD, ORIENTATION = 0x8825, 0x0112
SMALL_PHOTO_BYTES = 64 * 1024  # the least reports.max_photo_bytes allows
PHOTO_SIDE_PX, THUMBNAIL_SIDE_PX = 512, 96


@pytest.fixture
def app(settings: Settings) -> Iterator[Flask]:
    reports_settings = {
        "max_photo_bytes": SMALL_PHOTO_BYTES,
        "photo_side_px": PHOTO_SIDE_PX,
        "thumbnail_side_px": THUMBNAIL_SIDE_PX,
    }
    flask_app = make_app(settings, reports_settings, rate_limits_enabled=False)
    yield flask_app
    flask_app.extensions["geohub"].close()


def encoded(image: Image.Image, image_format: str, **options: Any) -> bytes:
    out = BytesIO()
    image.save(out, image_format, **options)
    return out.getvalue()


def camera_jpeg(width: int = 800, height: int = 400) -> bytes:
    """A landscape JPEG a phone held upright would make: EXIF orientation 6 (turn 90° clockwise)
    and the GPS position of the place, a left half red and a right half blue."""
    image = Image.new("RGB", (width, height), (220, 20, 20))
    image.paste((20, 20, 220), (width // 2, 0, width, height))
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    gps = exif.get_ifd(GPS_IFD)
    gps.update({1: "N", 2: (43.0, 15.0, 57.6), 3: "E", 4: (76.0, 57.0, 26.8)})
    return encoded(image, "JPEG", exif=exif.tobytes(), quality=90)


def file_with(client: FlaskClient, *photos: bytes, **changes: Any) -> TestResponse:
    """POST /reports as multipart/form-data: the report as JSON and `photos` as `photo` files."""
    form: dict[str, Any] = {
        "report": json.dumps(report_body(confirmDistinct=True, **changes)),
        "photo": [(BytesIO(data), f"photo{n}.jpg", "image/jpeg") for n, data in enumerate(photos, 1)],
    }
    return client.post("/reports", data=form, content_type="multipart/form-data")


def report_count(app: Flask) -> int:
    records = app.extensions["geohub"].records
    row = records.fetchone(select(func.count()).select_from(reports))
    photo_row = records.fetchone(select(func.count()).select_from(report_photos))
    assert row is not None and photo_row is not None
    return int(row[0]) + int(photo_row[0])


def approve(app: Flask, tracking_id: str) -> None:
    with app.extensions["geohub"].records.transaction() as conn:
        conn.execute(
            update(reports).where(reports.c.tracking_id == tracking_id).values(approved_at=utc_now())
        )


def staff_header(app: Flask, name: str, role: Role, department: str | None = None) -> dict[str, str]:
    with app.app_context():
        accounts().add_user(name, role=role, department=department)
        return {"Authorization": f"Bearer {accounts().create_token(name)}"}


def test_a_photo_is_stored_upright_scaled_and_without_exif_or_gps(app: Flask, client: FlaskClient) -> None:
    filed = file_with(client, camera_jpeg())
    assert filed.status_code == 201, filed.get_json()
    assert filed.get_json()["photoCount"] == 1
    tracking_id = filed.get_json()["trackingId"]
    headers = staff_header(app, "marat", Role.moderator)

    photo = client.get(f"/reports/{tracking_id}/photos/1", headers=headers)
    thumbnail = client.get(f"/reports/{tracking_id}/photos/1/thumbnail", headers=headers)
    for answer, side_px in ((photo, PHOTO_SIDE_PX), (thumbnail, THUMBNAIL_SIDE_PX)):
        assert answer.status_code == 200
        assert answer.headers["Content-Type"] == "image/jpeg"
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        data = answer.get_data()
        assert b"Exif" not in data and b"http://ns.adobe.com/xap" not in data  # no EXIF, no XMP
        image = Image.open(BytesIO(data))
        assert image.format == "JPEG" and image.mode == "RGB"
        assert len(image.getexif()) == 0 and "exif" not in image.info and "icc_profile" not in image.info
        # turned as the camera said: the 800x400 landscape is a portrait, red on top
        assert image.height == side_px and image.width == side_px // 2
        top, bottom = (
            image.getpixel((image.width // 2, 5)),
            image.getpixel((image.width // 2, image.height - 5)),
        )
        assert isinstance(top, tuple) and isinstance(bottom, tuple)
        assert top[0] > 150 > top[2] and bottom[2] > 150 > bottom[0]
    assert photo.headers["Cache-Control"] == "private, max-age=60"  # not approved: staff only
    again = client.get(
        f"/reports/{tracking_id}/photos/1", headers={**headers, "If-None-Match": photo.headers["ETag"]}
    )
    assert again.status_code == 304


def test_png_with_alpha_and_webp_are_accepted_as_jpeg(app: Flask, client: FlaskClient) -> None:
    transparent = Image.new("RGBA", (300, 200), (0, 0, 0, 0))
    webp = Image.new("RGB", (1200, 900), (10, 160, 10))
    filed = file_with(client, encoded(transparent, "PNG"), encoded(webp, "WEBP"))
    assert filed.status_code == 201, filed.get_json()
    assert filed.get_json()["photoCount"] == 2
    tracking_id = filed.get_json()["trackingId"]
    headers = staff_header(app, "admin", Role.admin)
    png = Image.open(BytesIO(client.get(f"/reports/{tracking_id}/photos/1", headers=headers).get_data()))
    assert png.format == "JPEG" and png.size == (300, 200)  # never enlarged
    assert png.getpixel((150, 100)) == (255, 255, 255)  # transparency flattened on white
    green = Image.open(BytesIO(client.get(f"/reports/{tracking_id}/photos/2", headers=headers).get_data()))
    assert green.size == (PHOTO_SIDE_PX, PHOTO_SIDE_PX * 3 // 4)
    assert client.get(f"/reports/{tracking_id}/photos/3", headers=headers).status_code == 404


def _bad_photos() -> dict[str, tuple[list[bytes], int, str]]:
    """name -> (the photos sent, the status, the problem type's slug)."""
    good = camera_jpeg(200, 100)
    noise = Image.frombytes("RGB", (160, 160), bytes(range(256)) * 300)
    bomb = encoded(Image.new("1", (20_000, 20_000)), "PNG")  # 400 megapixels in ~50 kB
    svg = (
        b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>'
    )
    return {
        "text named .jpg": ([b"This is not a photo at all.\n" * 10], 415, "unsupported-photo"),
        "svg": ([svg], 415, "unsupported-photo"),
        "gif": ([encoded(Image.new("RGB", (40, 40)), "GIF")], 415, "unsupported-photo"),
        "truncated jpeg": ([good[: len(good) * 2 // 3]], 422, "invalid-data"),
        "a fourth photo": ([good] * 4, 400, "invalid-request"),
        "oversized file": ([good, encoded(noise, "PNG", compress_level=0)], 413, "upload-too-large"),
        "decompression bomb": ([bomb], 413, "upload-too-large"),
        "a bad photo after a good one": ([good, b"GIF89a" + bytes(100)], 415, "unsupported-photo"),
    }


def test_a_photo_that_cannot_be_kept_files_nothing(app: Flask, client: FlaskClient) -> None:
    for name, (photos, status, slug) in _bad_photos().items():
        refused = file_with(client, *photos)
        assert refused.status_code == status, (name, refused.get_json())
        assert refused.mimetype == "application/problem+json", name
        problem = refused.get_json()
        assert problem["type"].endswith("/" + slug), (name, problem)
        if status == 415:
            assert "JPEG, PNG, WebP" in problem["detail"], name
        if status == 400:
            assert problem["errors"][0]["field"] == "photo"
        assert report_count(app) == 0, name  # all or nothing: no report without its photos
    ru = client.post(
        "/reports?lang=ru", data={"report": json.dumps(report_body()), "photo": [(BytesIO(b"x"), "a.jpg")]}
    )
    assert (
        ru.status_code == 415
        and "JPEG" in ru.get_json()["detail"]
        and ru.get_json()["title"] != "Unsupported photo type"
    )


def test_a_form_that_is_not_a_filing_is_a_400(client: FlaskClient) -> None:
    for form in (
        {},
        {"report": "not json"},
        {"report": "[1, 2]"},
        {"report": json.dumps(report_body()), "photo": "text"},
    ):
        answer = client.post("/reports", data=form, content_type="multipart/form-data")
        assert answer.status_code == 400, (form, answer.get_json())
        assert answer.mimetype == "application/problem+json"
    form = {"report": json.dumps(report_body(category=""))}
    invalid = client.post("/reports", data=form, content_type="multipart/form-data")
    assert invalid.status_code == 400 and invalid.get_json()["errors"][0]["field"] == "category"


def test_an_oversized_form_is_refused_before_it_is_read(client: FlaskClient) -> None:
    limit = 3 * SMALL_PHOTO_BYTES + 64 * 1024
    body = b"x" * (limit + 1)
    answer = client.post("/reports", data=body, content_type="multipart/form-data; boundary=unused")
    assert answer.status_code == 413, answer.get_json()
    assert str(limit) in answer.get_json()["detail"].replace(",", "").replace("\u00a0", "")


def test_photos_are_public_only_once_approved(app: Flask, client: FlaskClient) -> None:
    filed = file_with(client, camera_jpeg(), camera_jpeg(300, 300))
    tracking_id = filed.get_json()["trackingId"]
    photo, thumbnail = f"/reports/{tracking_id}/photos/1", f"/reports/{tracking_id}/photos/2/thumbnail"
    assert filed.get_json()["report"]["photos"] == []  # the citizen is not staff: not public yet
    for path in (photo, thumbnail):
        hidden = client.get(path)
        assert hidden.status_code == 404 and hidden.get_json()["type"].endswith("/photo-not-found")
    missing = client.get(f"/reports/{tracking_id}/photos/9")  # as a photo that does not exist
    assert missing.status_code == 404 and missing.get_json()["type"] == hidden.get_json()["type"]
    assert client.get(f"/reports/{tracking_id}").get_json()["photos"] == []

    department = staff_header(app, "dana", Role.publisher, "energy_utilities")  # the report's department
    other = staff_header(app, "aliya", Role.publisher, "social_welfare")
    assert client.get(photo, headers=department).status_code == 200
    assert client.get(thumbnail, headers=department).status_code == 200
    assert client.get(photo, headers=other).status_code == 404
    links = client.get(f"/reports/{tracking_id}", headers=department).get_json()["photos"]
    assert [link["href"].removeprefix("http://localhost") for link in links] == [
        photo,
        f"/reports/{tracking_id}/photos/2",
    ]
    assert links[1]["thumbnail"].endswith(thumbnail)

    approve(app, tracking_id)
    public = client.get(photo)
    assert public.status_code == 200 and public.headers["Cache-Control"] == "public, max-age=3600"
    assert public.headers["ETag"]
    assert len(client.get(f"/reports/{tracking_id}").get_json()["photos"]) == 2
    assert client.get(f"/reports/{tracking_id}/photos/3").status_code == 404
