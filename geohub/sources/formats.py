"""A local file to SourceData: format from its name and its first bytes, zips unpacked safely."""

from __future__ import annotations

import tempfile
from pathlib import Path, PurePosixPath

from geohub.errors import InvalidDataError
from geohub.sources.crs import CRS_HINT
from geohub.sources.datasets import read_dataset
from geohub.sources.delimited import read_csv
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
}
SHAPEFILE_MAGIC = b"\x00\x00\x27\x0a"
SHAPEFILE_PARTS = (".shx", ".dbf")
IGNORED_IN_ZIP = ("__MACOSX/", ".")  # macOS resource forks and hidden files


def sniff_format(head: bytes) -> str:
    """The format the first bytes of a file show: zip, gpkg, geojson, kml, shp, else csv."""
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "zip"
    if head.startswith(b"SQLite format 3\x00"):
        return "gpkg"
    if head.startswith(SHAPEFILE_MAGIC):
        return "shp"
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if text.startswith(b"{"):
        return "geojson"
    if text.startswith(b"<"):
        return "kml"
    return "csv"


def detect_format(path: Path, filename: str) -> str:
    """The file's format from its name AND its content; a mismatch is an error naming both."""
    by_name = EXTENSIONS.get(PurePosixPath(filename).suffix.lower())
    if by_name is None:
        known = ", ".join(sorted(EXTENSIONS))
        raise InvalidDataError(f"{filename}: GeoHub reads files ending in {known}.")
    with path.open("rb") as stream:
        head = stream.read(1024)
    if not head.strip():
        raise InvalidDataError(f"The file {filename} is empty.")
    by_content = sniff_format(head)
    if by_content != by_name:
        raise InvalidDataError(
            f"{filename} is named like a {FORMAT_NAMES[by_name]} file but holds {FORMAT_NAMES[by_content]}."
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
    """Read a local file of any supported format; `crs` assigns the source CRS."""
    kind = detect_format(path, filename)
    if kind == "zip":
        return _read_zip(
            path, filename=filename, layer=layer, sql=sql, crs=crs, max_unpacked_bytes=max_unpacked_bytes
        )
    if kind == "csv":
        if sql or layer:
            raise InvalidDataError(f"{filename} is a CSV file: it has no layers and takes no SQL.")
        return read_csv(path, name=filename, crs=crs)
    if kind == "shp":
        _check_shapefile(path.name, {p.name.lower() for p in path.parent.iterdir()}, filename, crs)
        layer = None
    return read_dataset(path, name=filename, layer=layer, sql=sql, crs=crs)


def _check_shapefile(shp: str, names: set[str], filename: str, crs: str | None) -> None:
    """The parts a Shapefile needs are there (names: lower-case names of its neighbours)."""
    stem = shp[: -len(".shp")].lower()
    missing = [part for part in SHAPEFILE_PARTS if stem + part not in names]
    if missing:
        raise InvalidDataError(
            f"{filename}: the Shapefile {shp} has no {' or '.join(missing)} file; "
            "a Shapefile needs its .shp, .shx, .dbf and .prj files together."
        )
    if crs is None and stem + ".prj" not in names:
        raise InvalidDataError(
            f"{filename}: the Shapefile {shp} has no .prj file saying its coordinate system: {CRS_HINT}."
        )


def _read_zip(
    path: Path, *, filename: str, layer: str | None, sql: str | None, crs: str | None, max_unpacked_bytes: int
) -> SourceData:
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
    target = Path(tempfile.mkdtemp(prefix="geohub-unpack-"))
    extract = [original[n] for n in parts]
    with unpacked(path, extract, target, name=filename, max_unpacked_bytes=max_unpacked_bytes) as folder:
        return read_file(
            folder / inner_path, filename=f"{filename}/{inner_name}", layer=layer, sql=sql, crs=crs
        )


def _choose_dataset(members: list[str], filename: str, layer: str | None) -> str:
    """The one dataset in the zip, or the one `layer` names (a Shapefile by its name without .shp)."""
    suffixes = {ext for ext, kind in EXTENSIONS.items() if kind != "zip"} - {".txt"}  # .txt: a readme
    datasets = [m for m in members if PurePosixPath(m).suffix.lower() in suffixes]
    shapefiles = [m for m in datasets if m.lower().endswith(".shp")]
    if shapefiles:
        datasets = shapefiles
    if not datasets:
        raise InvalidDataError(f"{filename} holds no Shapefile, GeoPackage, GeoJSON, KML or CSV file.")
    if len(datasets) == 1:
        return datasets[0]
    stems = {PurePosixPath(m).stem: m for m in datasets}
    if layer is not None:
        for stem, member in stems.items():
            if stem.lower() == layer.lower():
                return member
    listed = ", ".join(sorted(stems))
    if layer is None:
        raise InvalidDataError(f"{filename} holds several datasets; choose one as the layer: {listed}.")
    raise InvalidDataError(f"{filename} holds no dataset '{layer}'; it holds: {listed}.")
