"""A file from disk as an HTTP answer: compressed once (geohub.static_files) as the client
accepts, with its ETag per encoding, Cache-Control and 304s."""

from __future__ import annotations

from pathlib import Path

from flask import Response, request

from geohub.static_files import static_file


def static_file_response(path: Path, max_age_s: int, immutable: bool = False) -> Response:
    """The file at `path`, Brotli- or gzip-compressed when the client accepts it and it gains."""
    served = static_file(path)
    accepted = request.accept_encodings
    body, encoding, etag = served.encoded(accepted["br"] > 0, accepted["gzip"] > 0)
    response = Response(body, mimetype=served.media_type)
    if encoding:
        response.headers["Content-Encoding"] = encoding
    response.vary.add("Accept-Encoding")
    response.set_etag(etag)
    response.headers["Cache-Control"] = f"public, max-age={max_age_s}" + (", immutable" if immutable else "")
    response.make_conditional(request)  # 304 when If-None-Match matches; in place
    return response
