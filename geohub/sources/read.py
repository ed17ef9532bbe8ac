"""Read a layer's source, or an uploaded file, into lon/lat geometries and plain Python columns.

Every source kind ends in a `SourceData` (see source_data.py). Formats and safe unpacking live
in formats.py and uploads.py, CSV in delimited.py, remote sources in remote.py and
postgresql.py, the CRS rules in crs.py, the OpenStreetMap build in osm.py.
"""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

from geohub.errors import InvalidDataError
from geohub.layers.models import LayerDefinition, Source
from geohub.messages import tr
from geohub.sources.formats import read_file
from geohub.sources.postgresql import read_postgresql
from geohub.sources.remote import read_ogc, read_url
from geohub.sources.sandbox import ReadLimits, read_untrusted
from geohub.sources.source_data import SourceData

__all__ = ["ReadLimits", "SourceData", "read_source", "read_upload", "source_fingerprint", "source_path"]

REMOTE_KINDS = ("url", "oapif", "wfs", "postgresql")


def source_path(source: Source, base_dir: Path) -> Path:
    """The source file, relative paths taken from `base_dir`."""
    assert source.path is not None, f"a {source.kind} source has no path"
    return source.path if source.path.is_absolute() else base_dir / source.path


def read_source(source: Source, base_dir: Path, limits: ReadLimits | None = None) -> SourceData:
    """Read the source's layer or SQL, whatever its kind, as lon/lat WGS 84.

    A local file named by a layer definition is the operator's own and is read in this process
    (its kind still checked against its content); a file downloaded from a URL is a stranger's
    and is read in the sandbox, like an upload.
    """
    if source.kind == "url":
        return read_url(source, limits=limits or ReadLimits())
    if source.kind in ("oapif", "wfs"):
        return read_ogc(source, limits=limits or ReadLimits())
    if source.kind == "postgresql":
        return read_postgresql(source)
    path = source_path(source, base_dir)
    if not path.is_file():
        raise InvalidDataError(tr("The source file {name} does not exist.", name=path.name))
    return read_file(path, filename=path.name, layer=source.layer, sql=source.sql, crs=source.crs)


def read_upload(
    path: Path,
    *,
    filename: str,
    crs: str | None = None,
    layer: str | None = None,
    limits: ReadLimits | None = None,
) -> SourceData:
    """Read an uploaded file in the sandbox: its kind from `filename` and the content; `crs` assigns
    the source CRS. The HTTP upload and `geohub etl import` both come here."""
    if filename.lower().endswith(".shp"):
        raise InvalidDataError(
            tr(
                "{name}: upload a Shapefile as one .zip holding its .shp, .shx, .dbf and .prj files.",
                name=filename,
            )
        )
    return read_untrusted(path, filename=filename, layer=layer, crs=crs, limits=limits or ReadLimits())


def source_fingerprint(layer: LayerDefinition, base_dir: Path) -> str:
    """A hash of the source and the layer definition: equal means nothing to import.

    File and osm sources hash their bytes (every part of a Shapefile). Remote sources (url,
    oapif, wfs, postgresql) are not fetched twice to be hashed: their fingerprint is new on
    every call, so they are always read and the pipeline's diff decides what changed.
    """
    digest = hashlib.sha256(layer.model_dump_json().encode())
    source = layer.source
    if source is None:
        return digest.hexdigest()
    if source.kind in REMOTE_KINDS:
        digest.update(uuid.uuid4().bytes)
        return digest.hexdigest()
    for part in _source_files(source_path(source, base_dir)):
        with part.open("rb") as stream:
            for block in iter(lambda: stream.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def _source_files(path: Path) -> list[Path]:
    """The file, or for a .shp every file of the Shapefile (.dbf, .prj… change it too)."""
    if path.suffix.lower() != ".shp" or not path.parent.is_dir():
        return [path]
    stem = path.stem.lower()
    return sorted(p for p in path.parent.iterdir() if p.is_file() and p.stem.lower() == stem)
