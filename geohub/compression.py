"""Response compression: JSON, GeoJSON, CSV, HTML and glyph answers above 1 kB, when the client accepts it.

Flask-Compress does the work (gzip or Brotli, `Vary: Accept-Encoding`, a strong ETag suffixed with
the encoding, conditional requests re-evaluated after). Left as they are: tiles (the tile routes
gzip MVT themselves, and PNG/WebP gain nothing), and other files sent from disk (downloads, scripts:
streamed with their own ETag and length). Glyphs are compressed (SDF ranges halve: the map's first
load fetches ~450 kB of them raw).
"""

from __future__ import annotations

from flask import Flask
from flask_compress import Compress

MIN_SIZE_BYTES = 1024
COMPRESSED_TYPES = [
    "application/json",
    "application/geo+json",
    "application/schema+json",
    "application/problem+json",
    "application/ld+json",
    "application/vnd.oai.openapi+json",
    "application/vnd.mapbox.style+json",
    "text/csv",
    "text/html",
    "application/x-protobuf",  # glyph ranges (geohub.styles.glyphs)
]


def register_compression(app: Flask) -> None:
    """Compress answers of the types above; register before other after-request hooks (it runs last)."""
    app.config.update(
        COMPRESS_MIMETYPES=COMPRESSED_TYPES,
        COMPRESS_MIN_SIZE=MIN_SIZE_BYTES,
        COMPRESS_ALGORITHM=["br", "gzip"],
        COMPRESS_LEVEL=6,
        COMPRESS_BR_LEVEL=4,
        COMPRESS_STREAMS=False,
    )
    Compress(app)
