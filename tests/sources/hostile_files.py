"""Files an attacker would upload to reach the server's own files: a secret to steal, a VRT naming it."""

from __future__ import annotations

from pathlib import Path

SECRET = "geohub-secret-7f3a"


def secret_csv(folder: Path) -> Path:
    """A local file worth stealing: a CSV GDAL could open, with a cadastre-shaped row in Almaty."""
    path = folder / "private" / "accounts.csv"
    path.parent.mkdir(parents=True)
    path.write_text(f"osm_ref,land_use,wkt\n{SECRET},park,POINT(76.9 43.2)\n")
    return path


def vrt_naming(target: Path) -> str:
    """A GDAL VRT that reads the CSV at `target` as a layer of points."""
    return (
        '<?xml version="1.0"?>\n<OGRVRTDataSource><OGRVRTLayer name="accounts">'
        f"<SrcDataSource>CSV:{target}</SrcDataSource><SrcLayer>accounts</SrcLayer>"
        '<GeometryField encoding="WKT" field="wkt"/></OGRVRTLayer></OGRVRTDataSource>'
    )
