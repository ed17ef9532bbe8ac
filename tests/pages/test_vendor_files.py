"""The OGC pages' npm files (/vendor: Leaflet, MapLibre, Swagger UI) go out compressed once, with
an ETag per encoding, and revalidate with 304."""

from __future__ import annotations

import gzip

from flask.testing import FlaskClient

MAPLIBRE = "/vendor/maplibre-gl/dist/maplibre-gl.mjs"


def test_vendor_scripts_are_compressed_and_revalidated(pages_client: FlaskClient) -> None:
    raw = pages_client.get(MAPLIBRE)
    gzipped = pages_client.get(MAPLIBRE, headers={"Accept-Encoding": "gzip"})
    brotli = pages_client.get(MAPLIBRE, headers={"Accept-Encoding": "br, gzip"})
    assert raw.status_code == gzipped.status_code == brotli.status_code == 200
    assert raw.mimetype == "text/javascript" and "Content-Encoding" not in raw.headers
    assert gzipped.headers["Content-Encoding"] == "gzip" and brotli.headers["Content-Encoding"] == "br"
    assert gzip.decompress(gzipped.data) == raw.data
    assert len(gzipped.data) < len(raw.data) / 3
    assert len({raw.headers["ETag"], gzipped.headers["ETag"], brotli.headers["ETag"]}) == 3
    assert "Accept-Encoding" in gzipped.headers["Vary"]
    assert gzipped.headers["Cache-Control"] == "public, max-age=86400"
    again = pages_client.get(
        MAPLIBRE, headers={"Accept-Encoding": "gzip", "If-None-Match": gzipped.headers["ETag"]}
    )
    assert again.status_code == 304 and again.data == b""


def test_images_are_sent_as_they_are(pages_client: FlaskClient) -> None:
    image = pages_client.get(
        "/vendor/leaflet/dist/images/marker-icon.png", headers={"Accept-Encoding": "gzip"}
    )
    assert image.status_code == 200 and image.mimetype == "image/png"
    assert "Content-Encoding" not in image.headers


def test_files_outside_the_vendor_packages_are_404(pages_client: FlaskClient) -> None:
    for path in (
        "/vendor/../pyproject.toml",
        "/vendor/leaflet/../../package.json",
        "/vendor/fontnik/package.json",
    ):
        assert pages_client.get(path).status_code == 404, path
