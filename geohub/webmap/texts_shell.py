"""The web map shell's texts: the page, the map, the layer list, feature details and the list view.

Each key maps to an English msgid (`N_`), rendered in the page language by geohub.webmap.texts;
scripts read them with `t("key", {name: value})`, templates with `{{ t("key") }}`.
"""

from __future__ import annotations

from geohub.messages import N_

TEXTS: dict[str, str] = {
    # the page
    "app.title": N_("GeoHub Almaty"),
    "app.tagline": N_("The city map"),
    "app.description": N_(
        "The map of Almaty: city layers, addresses, problem reports and accessible routes."
    ),
    "app.skip": N_("Skip to the map"),
    "app.noscript": N_("The map needs JavaScript. The data is also available through the API."),
    "nav.label": N_("Map tools"),
    "nav.layers": N_("Layers"),
    "nav.search": N_("Search"),
    "nav.report": N_("Report a problem"),
    "nav.myreports": N_("My reports"),
    "nav.route": N_("Route"),
    "nav.list": N_("List"),
    "nav.more": N_("Menu"),
    "panel.close": N_("Close"),
    "panel.closeNamed": N_("Close: {name}"),
    "language.label": N_("Language"),
    "contrast.label": N_("High contrast"),
    "link.api": N_("API"),
    "link.openapi": N_("OpenAPI"),
    "link.data": N_("Data and licences"),
    "link.about": N_("About the data"),
    "footer.attribution": N_(
        "Map data © OpenStreetMap contributors (ODbL) and the city departments of Almaty."
    ),
    "busy": N_("Loading…"),
    "error.network": N_("GeoHub cannot be reached. Check the connection and try again."),
    "error.generic": N_("Something went wrong. Try again."),
    "error.map": N_("The map could not be loaded."),
    "retry": N_("Try again"),
    "cancel": N_("Cancel"),
    # the map
    "map.label": N_("Map of Almaty"),
    "map.help": N_(
        "Move the map with the arrow keys, zoom with + and −. The List panel names what is in view."
    ),
    "map.ready": N_("The map is ready."),
    "map.contrastOn": N_("High contrast map on."),
    "map.contrastOff": N_("High contrast map off."),
    "map.pickCentre": N_("The centre of the map was chosen."),
    "map.picked": N_("A point was chosen on the map."),
    "map.pickHelp": N_("Click or tap the map, or press Enter to choose its centre. Esc cancels."),
    "marker.from": N_("Start: {label}"),
    "marker.to": N_("Destination: {label}"),
    "marker.report": N_("Report: {label}"),
    "marker.place": N_("Place: {label}"),
    # MapLibre's own controls (its `locale` option; keys as MapLibre names them)
    "maplibre.AttributionControl.ToggleAttribution": N_("Show or hide the attribution"),
    "maplibre.AttributionControl.MapFeedback": N_("Map feedback"),
    "maplibre.FullscreenControl.Enter": N_("Enter fullscreen"),
    "maplibre.FullscreenControl.Exit": N_("Exit fullscreen"),
    "maplibre.GeolocateControl.FindMyLocation": N_("Find my location"),
    "maplibre.GeolocateControl.LocationNotAvailable": N_("Location not available"),
    "maplibre.LogoControl.Title": N_("MapLibre logo"),
    "maplibre.Marker.Title": N_("Map marker"),
    "maplibre.NavigationControl.ResetBearing": N_("Drag to rotate the map, click to reset north"),
    "maplibre.NavigationControl.ZoomIn": N_("Zoom in"),
    "maplibre.NavigationControl.ZoomOut": N_("Zoom out"),
    "maplibre.Popup.Close": N_("Close popup"),
    "maplibre.ScaleControl.Meters": N_("m"),
    "maplibre.ScaleControl.Kilometers": N_("km"),
    "maplibre.GlobeControl.Enable": N_("Enable globe"),
    "maplibre.GlobeControl.Disable": N_("Disable globe"),
    "maplibre.TerrainControl.Enable": N_("Enable terrain"),
    "maplibre.TerrainControl.Disable": N_("Disable terrain"),
    "maplibre.CooperativeGesturesHandler.WindowsHelpText": N_("Use Ctrl + scroll to zoom the map"),
    "maplibre.CooperativeGesturesHandler.MacHelpText": N_("Use ⌘ + scroll to zoom the map"),
    "maplibre.CooperativeGesturesHandler.MobileHelpText": N_("Use two fingers to move the map"),
    # the layer list
    "layers.title": N_("Map layers"),
    "layers.intro": N_("Turn layers on or off. The legend shows how each is drawn."),
    "layers.show": N_("Show {layer}"),
    "layers.legend": N_("Legend: {layer}"),
    "layers.other": N_("other"),
    "layers.department": N_("Source: {department}"),
    "layers.updated": N_("Updated {date}"),
    "layers.unpublished": N_("Not published yet"),
    "layers.syncFailed": N_("The last update failed"),
    "layers.nextSync": N_("Next update {date}"),
    "layers.shown": N_("{layer} shown."),
    "layers.hidden": N_("{layer} hidden."),
    "layers.unavailable": N_("The layer list could not be loaded."),
    "layers.basemap": N_("The basemap is always shown."),
    # feature details
    "details.title": N_("Details"),
    "details.choose": N_("{n} features here. Choose one:"),
    "details.empty": N_("Nothing here. Click or tap a feature on the map."),
    "details.layer": N_("Layer"),
    "details.department": N_("Source"),
    "details.updated": N_("Last update"),
    "details.attribution": N_("Attribution"),
    "details.licence": N_("Licence"),
    "details.page": N_("Open the feature's page"),
    "details.json": N_("Data (JSON)"),
    "details.yes": N_("yes"),
    "details.no": N_("no"),
    "details.none": N_("not given"),
    "details.back": N_("Back to the list"),
    "details.opened": N_("Details of {name}."),
    "details.unnamed": N_("{layer} (no name)"),
    "details.attributes": N_("Attributes"),
    "details.about": N_("About the data"),
    # the list view (the map's text alternative)
    "list.title": N_("In view"),
    "list.intro": N_("Features and reports in the visible part of the map. The list follows the map."),
    "list.count": N_("{n} features in view."),
    "list.none": N_("Nothing in view. Zoom in or turn on more layers."),
    "list.more": N_("and {n} more: zoom in to see them"),
    "list.group": N_("{layer}: {n}"),
    "list.show": N_("Show on the map and open the details"),
}
