"""Remote sources: a file at an http(s) URL (fetched with a size cap), OGC API – Features and WFS."""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

import requests

from geohub.errors import InvalidDataError, UploadTooLargeError
from geohub.layers.models import Source
from geohub.messages import tr
from geohub.sources.formats import EXTENSIONS, sniff_format
from geohub.sources.sandbox import ReadLimits, read_remote_untrusted, read_untrusted
from geohub.sources.source_data import SourceData

MAX_DOWNLOAD_BYTES = 1024**3
TIMEOUT_S = 60.0
CHUNK_BYTES = 1 << 16
PAGE_SIZE = 1000  # features per OGC API – Features request
SUFFIX_OF_FORMAT = {
    "zip": ".zip",
    "gpkg": ".gpkg",
    "geojson": ".geojson",
    "kml": ".kml",
    "shp": ".shp",
    "csv": ".csv",
}


def read_url(
    source: Source, *, limits: ReadLimits, max_bytes: int = MAX_DOWNLOAD_BYTES, timeout_s: float = TIMEOUT_S
) -> SourceData:
    """Fetch the file at `source.url` into a temporary folder and read it like an upload (sandboxed)."""
    assert source.url is not None
    if source.sql:
        raise InvalidDataError(
            tr("{label}: a downloaded file is read whole; a url source takes no SQL.", label=source.label)
        )
    with fetched(source.url, label=source.label, max_bytes=max_bytes, timeout_s=timeout_s) as (
        path,
        filename,
    ):
        return read_untrusted(path, filename=filename, layer=source.layer, crs=source.crs, limits=limits)


def read_ogc(source: Source, *, limits: ReadLimits) -> SourceData:
    """Read collection (OAPIF) or feature type (WFS) `source.layer` through GDAL's drivers, in the
    sandbox: the reader reaches the host and port of `source.url` and no other."""
    assert source.url is not None and source.layer is not None
    options = {"PAGE_SIZE": str(PAGE_SIZE)} if source.kind == "oapif" else {}
    return read_remote_untrusted(
        source.kind,
        source.url,
        name=source.label,
        layer=source.layer,
        sql=source.sql,
        crs=source.crs,
        options=options,
        limits=limits,
    )


@contextmanager
def fetched(url: str, *, label: str, max_bytes: int, timeout_s: float) -> Iterator[tuple[Path, str]]:
    """The file at `url` in a temporary folder (removed afterwards) and a file name for it."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise InvalidDataError(tr("{name}: only http and https URLs can be fetched.", name=label))
    folder = Path(tempfile.mkdtemp(prefix="geohub-fetch-"))
    try:
        path = folder / "download"
        try:
            # Redirects are not followed: a source reaches only the URL its definition names.
            with requests.get(url, stream=True, timeout=timeout_s, allow_redirects=False) as response:
                _check_response(response, label, max_bytes)
                _save(response, path, label, max_bytes)
                filename = _file_name(url, response.headers.get("Content-Disposition", ""))
        except requests.RequestException as exc:
            raise InvalidDataError(
                tr("{name} cannot be fetched: {reason}.", name=label, reason=type(exc).__name__)
            ) from None
        yield path, _with_suffix(filename, path)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _check_response(response: requests.Response, label: str, max_bytes: int) -> None:
    if response.is_redirect or 300 <= response.status_code < 400:
        target = urlsplit(response.headers.get("Location", ""))
        shown = f"{target.scheme}://{target.hostname}{target.path}" if target.hostname else target.path
        raise InvalidDataError(
            tr(
                "{label} answered HTTP {status}, a redirect to {target}: GeoHub fetches only the "
                "URL the layer definition names; write the final URL there.",
                label=label,
                status=response.status_code,
                target=shown or "elsewhere",
            )
        )
    if response.status_code >= 400:
        raise InvalidDataError(tr("{name} answered HTTP {status}.", name=label, status=response.status_code))
    length = response.headers.get("Content-Length", "")
    if length.isdigit() and int(length) > max_bytes:
        raise UploadTooLargeError(
            tr(
                "{name} is {size} bytes; at most {maximum} bytes are fetched.",
                name=label,
                size=length,
                maximum=max_bytes,
            )
        )


def _save(response: requests.Response, path: Path, label: str, max_bytes: int) -> None:
    size = 0
    with path.open("wb") as sink:
        for chunk in response.iter_content(CHUNK_BYTES):
            size += len(chunk)
            if size > max_bytes:
                raise UploadTooLargeError(
                    tr(
                        "{name} is larger than {maximum} bytes, the most that is fetched.",
                        name=label,
                        maximum=max_bytes,
                    )
                )
            sink.write(chunk)


def _file_name(url: str, disposition: str) -> str:
    match = re.search(r'filename="?([^";]+)"?', disposition)
    name = match.group(1) if match else PurePosixPath(unquote(urlsplit(url).path)).name
    return PurePosixPath(name.replace("\\", "/")).name or "download"


def _with_suffix(filename: str, path: Path) -> str:
    """`filename`, with the suffix its content shows when its own is not one GeoHub reads."""
    if PurePosixPath(filename).suffix.lower() in EXTENSIONS:
        return filename
    with path.open("rb") as stream:
        return filename + SUFFIX_OF_FORMAT[sniff_format(stream.read(1024))]
