"""What the developers page lists: tilesets, styles, the OGC API, and code snippets using them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from geohub.styles.documents import StyleInfo
from geohub.tiles.tilesets import Tileset

MAP_STYLE = "city"  # the style the snippets use: the basemap with every thematic overlay
ALMATY_CENTER = (76.945, 43.238)
SAMPLE_TILE = (14, 11693, 6005)  # z/x/y of a tile over the centre, for the GDAL snippet
KEY_PLACEHOLDER = "YOUR_KEY"


@dataclass(frozen=True)
class Link:
    """A named thing with its URLs (a tileset, a style)."""

    id: str
    title: str
    url: str
    second_url: str = ""  # a tileset's TileJSON, a style's preview page


@dataclass(frozen=True)
class Snippet:
    """A piece of code or a URL to copy, with its heading text key and its help text key."""

    id: str
    title_key: str
    code: str
    help_key: str = ""


def tileset_links(tilesets: Iterable[Tileset], base: str, language: str) -> list[Link]:
    """Each vector tileset with its XYZ tile URL template and its TileJSON URL."""
    return [
        Link(
            t.id,
            t.title.in_language(language),
            f"{base}/tiles/{t.id}/{{z}}/{{x}}/{{y}}.mvt",
            f"{base}/tiles/{t.id}.json",
        )
        for t in tilesets
    ]


def style_links(styles: Iterable[StyleInfo], base: str, language: str) -> list[Link]:
    """Each style with its document URL and its preview page, labels in `language`."""
    return [
        Link(
            s.id,
            s.title.in_language(language),
            f"{base}/styles/{s.id}.json?lang={language}",
            f"{base}/styles/{s.id}.html?lang={language}",
        )
        for s in styles
    ]


def snippets(base: str, language: str) -> list[Snippet]:
    """MapLibre, QGIS and GDAL snippets against this server; YOUR_KEY marks where the key goes."""
    key = KEY_PLACEHOLDER
    lon, lat = ALMATY_CENTER
    z, x, y = SAMPLE_TILE
    style_url = f"{base}/styles/{MAP_STYLE}.json?lang={language}&key={key}"
    maplibre = (
        'import maplibregl from "maplibre-gl";\n\n'
        "const map = new maplibregl.Map({\n"
        '  container: "map",\n'
        f'  style: "{style_url}",\n'
        f"  center: [{lon}, {lat}],\n"
        "  zoom: 12,\n"
        "});\n"
        "// The style's TileJSON and tile URLs carry the key on: MapLibre sends it with every tile."
    )
    header = f'--config GDAL_HTTP_HEADERS "X-API-Key: {key}"'
    return [
        Snippet("maplibre", "snippets.maplibre", maplibre),
        Snippet("qgis-oapif", "snippets.qgisOapif", base, "snippets.qgisOapifHelp"),
        Snippet(
            "qgis-tiles",
            "snippets.qgisTiles",
            f"{base}/tiles/{MAP_STYLE}/{{z}}/{{x}}/{{y}}.mvt?key={key}\n{style_url}",
            "snippets.qgisTilesHelp",
        ),
        Snippet(
            "gdal-oapif",
            "snippets.gdalOapif",
            f'ogrinfo {header} "OAPIF:{base}"\n'
            f'ogr2ogr {header} -f GPKG parking.gpkg "OAPIF:{base}/collections/parking"',
        ),
        Snippet(
            "gdal-mvt",
            "snippets.gdalMvt",
            f'ogrinfo {header} -so "MVT:{base}/tiles/{MAP_STYLE}/{z}/{x}/{y}.mvt"',
        ),
    ]
