"""The web map's route panel: its texts, and the routing profiles with their default limits.

Each key maps to an English msgid (`N_`), rendered in the page language by geohub.webmap.texts;
the route script reads them with `t("route.…", {name: value})`. `page_config` adds
`routingProfiles` so the form shows each profile's title and prefills its limits.
"""

from __future__ import annotations

from typing import Any

from geohub.messages import N_, Message
from geohub.routing.profiles import PROFILES
from geohub.services import Services

TEXTS: dict[str, str] = {
    # the form
    "route.intro": N_(
        "Plan a route that suits how you travel: steps, slopes and kerbs are taken into account."
    ),
    "route.from": N_("From"),
    "route.to": N_("To"),
    "route.fromSearch": N_("Start: address or place"),
    "route.toSearch": N_("Destination: address or place"),
    "route.pick": N_("On the map"),
    "route.pickFromPrompt": N_("Tap the map where the route starts."),
    "route.pickToPrompt": N_("Tap the map where the route ends."),
    "route.locate": N_("My location"),
    "route.locating": N_("Finding your location…"),
    "route.locateFailed": N_(
        "Your location is not available. Search for an address or choose a point on the map."
    ),
    "route.myLocation": N_("My location"),
    "route.point": N_("Point on the map ({lat}; {lon})"),
    "route.chosen": N_("Chosen: {label}"),
    "route.notChosen": N_("Not chosen yet"),
    "route.fromSet": N_("Start: {label}."),
    "route.toSet": N_("Destination: {label}."),
    "route.swap": N_("Swap start and destination"),
    "route.swapped": N_("Start and destination swapped."),
    "route.profile": N_("How do you travel?"),
    "route.limits": N_("Limits"),
    "route.limitsHint": N_(
        "Filled in for the chosen way of travelling; change them to suit you. "
        "Leave a number empty for no limit."
    ),
    "route.limit.max_incline_up": N_("Steepest uphill, %"),
    "route.limit.max_incline_down": N_("Steepest downhill, %"),
    "route.limit.avoid_steps": N_("Avoid steps"),
    "route.limit.max_kerb_cm": N_("Highest kerb, cm"),
    "route.limit.user_width_cm": N_("Narrowest passage you fit through, cm"),
    "route.limit.avoid_rough": N_("Avoid rough surfaces"),
    "route.limit.prefer_lit": N_("Prefer lit streets"),
    "route.limit.prefer_signalised": N_("Prefer crossings with traffic lights"),
    "route.limitsChanged": N_("changed"),
    "route.limitsReset": N_("Back to this profile's limits"),
    "route.submit": N_("Find a route"),
    "route.clear": N_("Clear"),
    "route.busy": N_("Finding a route…"),
    "route.missingFrom": N_("Choose where the route starts."),
    "route.missingTo": N_("Choose where the route ends."),
    # the answer
    "route.found": N_("Route found: {distance}, {duration}."),
    "route.summary": N_("Route summary"),
    "route.distance": N_("Distance"),
    "route.duration": N_("Time"),
    "route.climb": N_("Climb"),
    "route.climbValue": N_("{up} up, {down} down"),
    "route.warningCount": N_("Warnings"),
    "route.meters": N_("{n} m"),
    "route.kilometers": N_("{n} km"),
    "route.minutes": N_("{n} min"),
    "route.hours": N_("{h} h {m} min"),
    "route.legend": N_("Map key"),
    "route.legendLine": N_("the route"),
    "route.legendWarning": N_("a stretch with a warning (dashed, numbered)"),
    "route.legendAvoided": N_("a reported barrier the route avoids"),
    "route.chart": N_("Incline profile"),
    "route.chartLabel": N_("Chart of the incline along the route. Its summary follows as text."),
    "route.chartDistance": N_("Distance from the start, m"),
    "route.chartIncline": N_("Incline, %"),
    "route.chartLimit": N_("Your limit"),
    "route.chartUnavailable": N_("The chart could not be drawn; the summary below says the same."),
    "route.inclineUp": N_("Steepest uphill: {pct} % for {length}, {start} from the start."),
    "route.inclineDown": N_("Steepest downhill: {pct} % for {length}, {start} from the start."),
    "route.inclineFlat": N_("No slope steeper than {pct} % on the mapped parts of the route."),
    "route.inclineUnknown": N_("Incline not known for {length} of the route."),
    "route.steps": N_("Step by step"),
    "route.stepsHint": N_("Choose a step to see it on the map."),
    "route.stepDistance": N_("{text} {distance}."),
    "route.warnings": N_("Warnings"),
    "route.noWarnings": N_("No warnings on this route."),
    "route.warningAt": N_("{start} from the start"),
    "route.atStart": N_("at the start"),
    "route.warningNumber": N_("Warning {n}"),
    "route.unknown": N_("Not mapped along this route"),
    "route.avoided": N_("Reported barriers avoided"),
    "route.noAvoided": N_("No reported barrier was in the way."),
    "route.avoidedItem": N_("{category}, report {id}"),
    "route.textView": N_("Text view"),
    "route.textSummary": N_("Route from {from} to {to}: {distance}, {duration}, climb {climb}."),
    "route.textWarning": N_("Warning: {text}"),
    "route.markerReport": N_("Avoided barrier: {label}"),
    # no route
    "route.noRoute": N_("No route found"),
    "route.relaxedShown": N_(
        "Without this limit there is a route of {distance}: the grey dotted line on the map."
    ),
    "route.relax": N_("Try a looser limit: {limit}."),
    "route.relaxButton": N_("Change this limit"),
    "route.relaxReports": N_("Reported barriers close every way between these points. Try other points."),
    "route.relaxSeveral": N_("Try other points, or loosen the limits."),
}

PROFILE_TEXTS: dict[str, tuple[str, str]] = {
    "pedestrian": (N_("On foot"), N_("Walking, with no limits on slopes or steps.")),
    "manual_wheelchair": (
        N_("Manual wheelchair"),
        N_("No steps, gentle slopes, low kerbs, smooth surfaces."),
    ),
    "electric_wheelchair": (
        N_("Electric wheelchair"),
        N_("No steps, moderate slopes, low kerbs, smooth surfaces."),
    ),
    "walker": (N_("Walker or crutches"), N_("No steps, moderate slopes and kerbs.")),
    "stroller": (N_("Pram or stroller"), N_("No steps; slopes and kerbs a pram can manage.")),
    "low_vision": (
        N_("Low vision or blind"),
        N_("Lit streets and crossings with (sounding) traffic lights first."),
    ),
}


def routing_profiles(language: str) -> list[dict[str, Any]]:
    """Each routing profile: id, title and description in `language`, and its default limits
    by the query parameters' names (null: no limit)."""
    profiles = []
    for name, profile in PROFILES.items():
        title, description = PROFILE_TEXTS.get(name, (name, ""))
        limits = profile.limits()
        speed = limits.pop("speed_m_s")
        profiles.append(
            {
                "id": name,
                "title": Message(title).render(language),
                "description": Message(description).render(language) if description else "",
                "speed": speed,
                "limits": limits,
            }
        )
    return profiles


def page_config(services: Services, language: str) -> dict[str, Any]:
    """Config keys this part adds to the page: `routingProfiles`."""
    return {"routingProfiles": routing_profiles(language)}
