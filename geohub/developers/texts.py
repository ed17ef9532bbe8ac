"""The developers page's texts: key -> English msgid (`N_`), rendered in the page language.

The template reads them with `{{ t("key") }}`; the page script gets the `script.*` ones in its
config block and fills their `{name}` placeholders itself.
"""

from __future__ import annotations

from geohub.messages import N_
from geohub.pages.own_pages import text, translated

__all__ = ["TEXTS", "text", "texts_in"]

TEXTS: dict[str, str] = {
    "page.title": N_("For app developers"),
    "page.description": N_(
        "Almaty's open map data for apps: vector tiles, styles, the OGC API, code snippets and app keys."
    ),
    "page.skip": N_("Skip to the content"),
    "page.intro": N_(
        "Use the city's layers in your app or GIS: everything below is served by GeoHub itself. "
        "Without a key, requests are limited per address; register your app for a key with its own limit."
    ),
    "page.map": N_("The city map"),
    "language.label": N_("Language"),
    "toc.label": N_("On this page"),
    "tilesets.title": N_("Vector tilesets"),
    "tilesets.intro": N_(
        "Mapbox Vector Tiles in the Web Mercator grid (XYZ). A TileJSON document describes each tileset."
    ),
    "tilesets.tiles": N_("Tile URL"),
    "tilesets.tilejson": N_("TileJSON document"),
    "styles.title": N_("Map styles"),
    "styles.intro": N_(
        "MapLibre styles with their glyphs and sprites; add ?lang=kk, ru or en for the labels' language."
    ),
    "styles.url": N_("Style URL"),
    "styles.preview": N_("Preview"),
    "ogc.title": N_("OGC API – Features and Tiles"),
    "ogc.intro": N_("Every layer is a collection: GeoJSON features with paging, bbox and filters."),
    "ogc.landing": N_("Landing page"),
    "ogc.collections": N_("Collections"),
    "ogc.openapi": N_("OpenAPI description"),
    "snippets.title": N_("Code snippets"),
    "snippets.intro": N_("Replace YOUR_KEY with your app key, or leave the key out to try without one."),
    "snippets.maplibre": N_("MapLibre GL JS: a web map"),
    "snippets.qgisOapif": N_("QGIS: OGC API – Features connection"),
    "snippets.qgisOapifHelp": N_(
        "Layer › Add Layer › Add WFS / OGC API – Features Layer › New, with this URL:"
    ),
    "snippets.qgisTiles": N_("QGIS: vector tiles connection"),
    "snippets.qgisTilesHelp": N_(
        "Browser › Vector Tiles › New Generic Connection, with this URL (and the style URL):"
    ),
    "snippets.gdalOapif": N_("GDAL: features"),
    "snippets.gdalMvt": N_("GDAL: vector tiles"),
    "copy": N_("Copy"),
    "copy.named": N_("Copy: {name}"),
    "register.title": N_("Register an app"),
    "register.intro": N_(
        "You get a key at once, limited to {limit}. The e-mail address is stored so that the city can "
        "reach you about the app; nothing is sent to it, and GeoHub sends nothing outside this server."
    ),
    "register.app": N_("App name"),
    "register.email": N_("E-mail"),
    "register.emailAgain": N_("E-mail again"),
    "register.emailHelp": N_("Type it twice: it is stored as confirmed."),
    "register.terms": N_(
        "I accept the terms: the data is used under its licences with attribution, and the key "
        "is kept private to my app."
    ),
    "register.submit": N_("Get a key"),
    "register.required": N_("required field"),
    "key.title": N_("Your app key"),
    "key.keep": N_(
        "Copy the key now and keep it safe: it is shown only once, and GeoHub stores only a hash of it."
    ),
    "key.use": N_("Use it as ?key= in tile, TileJSON and style URLs, or in the X-API-Key header."),
    "key.limit": N_("Its limit: {limit}."),
    "usage.title": N_("Your key's use"),
    "usage.intro": N_(
        "Requests per day in the last 30 days (UTC). The key is sent in a header, never in a link."
    ),
    "usage.key": N_("App key"),
    "usage.remember": N_("Remember the key on this device (in this browser only)"),
    "usage.show": N_("Show use"),
    "usage.forget": N_("Forget the key"),
    "usage.day": N_("Day"),
    "usage.requests": N_("Requests"),
    "usage.caption": N_("{app}: requests per day, limit {limit}"),
    "usage.total": N_("{total} requests in 30 days, {today} today."),
    "usage.noscript": N_("Registering and reading a key's use need JavaScript; the API works without."),
    "api.intro": N_(
        "POST /developers/apps registers an app; GET /developers/usage with X-API-Key gives its use."
    ),
    "script.copied": N_("Copied."),
    "script.copyFailed": N_("Could not copy: select the text and copy it."),
    "script.network": N_("GeoHub cannot be reached. Check the connection and try again."),
    "script.forgotten": N_("The key is forgotten on this device."),
    "script.needKey": N_("Enter the app key."),
    "script.fieldErrors": N_("The form has errors: {count}."),
}


def texts_in(language: str) -> dict[str, str]:
    """key -> text in `language`, placeholders ({name}) left to fill."""
    return translated(TEXTS, language)
