"""A local file to SourceData: its kind from its name AND its content, zips unpacked safely.

`locate` turns a file (or a zip holding one) into a `LocatedDataset` of one declared kind;
`read_located` reads it with the one GDAL driver of that kind (or GeoHub's own CSV reader).
Uploads take the same two steps, with the read in a sandboxed process (sources/sandbox/).
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from geohub.errors import InvalidDataError
from geohub.messages import tr
from geohub.sources.crs import CRS_HINT
from geohub.sources.datasets import read_dataset
from geohub.sources.delimited import read_csv
from geohub.sources.inspection import check_geopackage
from geohub.sources.source_data import SourceData
from geohub.sources.uploads import MAX_UNPACKED_BYTES, open_zip, safe_members, unpacked

EXTENSIONS = {
    ".gpkg": "gpkg",
    ".geojson": "geojson",
    ".json": "geojson",
    ".zip": "zip",
    ".kmz": "zip",
    ".kml": "kml",
    ".shp": "shp",
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
}
FORMAT_NAMES = {
    "gpkg": "GeoPackage",
    "geojson": "GeoJSON",
    "zip": "zip archive",
    "kml": "KML",
    "shp": "Shapefile",
    "csv": "CSV text",
    "xml": "XML other than KML",
    "sqlite": "SQLite database other than GeoPackage",
}
# The one GDAL driver each kind is opened with (CSV is read by GeoHub itself): nothing that can
# name another dataset (VRT, WFS, PostgreSQL…) is ever a candidate, whatever the file holds.
KIND_DRIVERS = {"gpkg": "GPKG", "geojson": "GeoJSON", "shp": "ESRI Shapefile", "kml": "KML"}
SHAPEFILE_MAGIC = b"\x00\x00\x27\x0a"
SHAPEFILE_PARTS = (".shx", ".dbf")
SNIFF_BYTES = 1 << 16
GEOPACKAGE_IDS = (b"GPKG", b"GP10", b"GP11")  # SQLite application_id at byte 68
_XML_PROLOGUE = re.compile(rb"\s*(<\?xml[^>]*\?>|<!--.*?-->|<!DOCTYPE[^>]*>|\s)*", re.S)
_KML_ROOT = re.compile(rb"<(\w+:)?kml[\s>/]")


@dataclass(frozen=True)
class LocatedDataset:
    """One dataset of one kind on disk: `name` is how messages refer to it; `layer` inside it."""

    kind: str
    path: Path
    name: str
    layer: str | None = None


def sniff_format(head: bytes) -> str:
    """The kind the first bytes of a file show: zip, gpkg, geojson, kml, shp or csv (else xml, sqlite)."""
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "zip"
    if head.startswith(b"SQLite format 3\x00"):
        return "gpkg" if head[68:72] in GEOPACKAGE_IDS else "sqlite"
    if head.startswith(SHAPEFILE_MAGIC):
        return "shp"
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if text.startswith(b"{"):
        return "geojson"
    if text.startswith(b"<"):
        prologue = _XML_PROLOGUE.match(text)
        rest = text[prologue.end() if prologue else 0 :]
        return "kml" if _KML_ROOT.match(rest) else "xml"
    return "csv"


def detect_format(path: Path, filename: str) -> str:
    """The file's kind from its name AND its content; a mismatch is an error naming both."""
    by_name = EXTENSIONS.get(PurePosixPath(filename).suffix.lower())
    if by_name is None:
        known = ", ".join(sorted(EXTENSIONS))
        raise InvalidDataError(
            tr("{name}: GeoHub reads files ending in {suffixes}.", name=filename, suffixes=known)
        )
    with path.open("rb") as stream:
        head = stream.read(SNIFF_BYTES)
    if not head.strip():
        raise InvalidDataError(tr("The file {name} is empty.", name=filename))
    by_content = sniff_format(head)
    if by_content != by_name:
        raise InvalidDataError(
            tr(
                "{name} is named like a {named} file but holds {holds}.",
                name=filename,
                named=FORMAT_NAMES[by_name],
                holds=FORMAT_NAMES[by_content],
            )
        )
    return by_name


def read_file(
    path: Path,
    *,
    filename: str,
    layer: str | None = None,
    sql: str | None = None,
    crs: str | None = None,
    max_unpacked_bytes: int = MAX_UNPACKED_BYTES,
) -> SourceData:
    """Read a local file of a layer definition's source, in this process; `crs` assigns its CRS."""
    unpack_cap = max_unpacked_bytes
    with locate(path, filename=filename, layer=layer, crs=crs, max_unpacked_bytes=unpack_cap) as found:
        return read_located(found, sql=sql, crs=crs)


@contextmanager
def locate(
    path: Path,
    *,
    filename: str,
    layer: str | None,
    crs: str | None,
    max_unpacked_bytes: int = MAX_UNPACKED_BYTES,
    workdir: Path | None = None,
) -> Iterator[LocatedDataset]:
    """The dataset `path` holds, its kind checked; a zip's one dataset unpacked under `workdir`."""
    kind = detect_format(path, filename)
    if kind != "zip":
        if kind == "shp":
            _check_shapefile(path.name, {p.name.lower() for p in path.parent.iterdir()}, filename, crs)
            layer = None
        yield LocatedDataset(kind, path, filename, layer)
        return
    with _unzipped(path, filename, layer, crs, max_unpacked_bytes, workdir) as found:
        yield found


def read_located(found: LocatedDataset, *, sql: str | None = None, crs: str | None = None) -> SourceData:
    """Read a located dataset with the reader of its kind, and nothing else."""
    if found.kind == "csv":
        if sql or found.layer:
            raise InvalidDataError(
                tr("{name} is a CSV file: it has no layers and takes no SQL.", name=found.name)
            )
        return read_csv(found.path, name=found.name, crs=crs)
    if found.kind == "gpkg":
        check_geopackage(found.path, name=found.name)
    return read_dataset(found.path, name=found.name, layer=found.layer, sql=sql, crs=crs)


def _check_shapefile(shp: str, names: set[str], filename: str, crs: str | None) -> None:
    """The parts a Shapefile needs are there (names: lower-case names of its neighbours)."""
    stem = shp[: -len(".shp")].lower()
    missing = [part for part in SHAPEFILE_PARTS if stem + part not in names]
    if missing:
        raise InvalidDataError(
            tr(
                "{name}: the Shapefile {shapefile} has no {parts} file; a Shapefile needs its "
                ".shp, .shx, .dbf and .prj files together.",
                name=filename,
                shapefile=shp,
                parts=" or ".join(missing),
            )
        )
    if crs is None and stem + ".prj" not in names:
        raise InvalidDataError(
            tr(
                "{filename}: the Shapefile {shp} has no .prj file saying its coordinate system: {hint}.",
                filename=filename,
                shp=shp,
                hint=CRS_HINT,
            )
        )


@contextmanager
def _unzipped(
    path: Path,
    filename: str,
    layer: str | None,
    crs: str | None,
    max_unpacked_bytes: int,
    workdir: Path | None,
) -> Iterator[LocatedDataset]:
    with open_zip(path, name=filename) as archive:
        members = safe_members(archive, name=filename, max_unpacked_bytes=max_unpacked_bytes)
    original = {m.replace("\\", "/"): m for m in members}  # zips made on Windows may use backslashes
    names = [
        n for n in original if not PurePosixPath(n).name.startswith(".") and not n.startswith("__MACOSX/")
    ]
    inner = _choose_dataset(names, filename, layer)
    inner_path = PurePosixPath(inner)
    inner_name = inner_path.name
    if inner_name.lower().endswith(".shp"):
        stem = inner[: -len(".shp")].lower()
        parts = [n for n in names if n.lower().rsplit(".", 1)[0] == stem]
        _check_shapefile(inner_name, {PurePosixPath(n).name.lower() for n in parts}, filename, crs)
        layer = None
    else:
        parts = [inner]
    target = Path(tempfile.mkdtemp(prefix="geohub-unpack-", dir=workdir))
    extract = [original[n] for n in parts]
    with unpacked(path, extract, target, name=filename, max_unpacked_bytes=max_unpacked_bytes) as folder:
        inner_file = folder / inner_path
        display = f"{filename}/{inner_name}"
        kind = detect_format(inner_file, display)
        if kind == "zip":
            raise InvalidDataError(
                tr(
                    "{name} holds another archive, {inner}; upload it unpacked.",
                    name=filename,
                    inner=inner_name,
                )
            )
        yield LocatedDataset(kind, inner_file, display, layer)


def _choose_dataset(members: list[str], filename: str, layer: str | None) -> str:
    """The one dataset in the zip, or the one `layer` names (a Shapefile by its name without .shp)."""
    suffixes = {ext for ext, kind in EXTENSIONS.items() if kind != "zip"} - {".txt"}  # .txt: a readme
    datasets = [m for m in members if PurePosixPath(m).suffix.lower() in suffixes]
    shapefiles = [m for m in datasets if m.lower().endswith(".shp")]
    if shapefiles:
        datasets = shapefiles
    if not datasets:
        raise InvalidDataError(
            tr("{name} holds no Shapefile, GeoPackage, GeoJSON, KML or CSV file.", name=filename)
        )
    if len(datasets) == 1:
        return datasets[0]
    stems = {PurePosixPath(m).stem: m for m in datasets}
    if layer is not None:
        for stem, member in stems.items():
            if stem.lower() == layer.lower():
                return member
    listed = ", ".join(sorted(stems))
    if layer is None:
        raise InvalidDataError(
            tr(
                "{name} holds several datasets; choose one as the layer: {names}.",
                name=filename,
                names=listed,
            )
        )
    raise InvalidDataError(
        tr("{name} holds no dataset '{layer}'; it holds: {names}.", name=filename, layer=layer, names=listed)
    )
