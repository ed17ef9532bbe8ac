"""Step-by-step instructions: consecutive edges of one street become one step, turns from bearings."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from geohub.messages import Message, tr


@dataclass(frozen=True)
class Leg:
    """A piece of the route on one edge: its properties, length walked and start/end bearings."""

    properties: dict[str, Any]
    distance_m: float
    bearing_in: float
    bearing_out: float


def street_name(properties: dict[str, Any], language: str) -> str | None:
    """The way's name in `language`, else its plain name; None for an unnamed way."""
    for key in (f"name_{language}", "name"):
        value = properties.get(key)
        if value:
            return str(value)
    return None


def way_kind(properties: dict[str, Any]) -> Message:
    """What an unnamed way is, for a sentence: the footway, the crossing, the steps…"""
    if properties.get("steps") or properties.get("highway") == "steps":
        return tr("the steps")
    if properties.get("footway") == "crossing" or properties.get("highway") == "crossing":
        return tr("the crossing")
    if properties.get("footway") == "sidewalk":
        return tr("the sidewalk")
    if properties.get("highway") == "path":
        return tr("the path")
    if properties.get("highway") == "pedestrian":
        return tr("the pedestrian street")
    if properties.get("highway") in ("residential", "living_street", "service"):
        return tr("an unnamed street")
    return tr("the footway")


def _turn(change: float, street: str | Message) -> Message:
    change = (change + 180.0) % 360.0 - 180.0
    if abs(change) < 20:
        return tr("Continue onto {street}.", street=street)
    if abs(change) > 150:
        return tr("Turn around onto {street}.", street=street)
    if change > 0:
        return (
            tr("Turn slightly right onto {street}.", street=street)
            if change < 60
            else tr("Turn right onto {street}.", street=street)
        )
    return (
        tr("Turn slightly left onto {street}.", street=street)
        if change > -60
        else tr("Turn left onto {street}.", street=street)
    )


def route_instructions(legs: Sequence[Leg], language: str) -> list[dict[str, Any]]:
    """Instructions ({text: Message, distance_m, street}) for the legs of a route, arrival last."""
    steps: list[dict[str, Any]] = []
    previous_bearing = 0.0
    label: str | Message | None = None
    for leg in legs:
        name = street_name(leg.properties, language)
        # in a sentence that ends in a full stop ("… Абая прс.") the name's own one is dropped
        here: str | Message = (name.rstrip(".") if name else "") or way_kind(leg.properties)
        if steps and here == label:
            steps[-1]["distance_m"] += leg.distance_m
        else:
            text = (
                tr("Start along {street}.", street=here)
                if not steps
                else _turn(leg.bearing_in - previous_bearing, here)
            )
            steps.append({"text": text, "distance_m": leg.distance_m, "street": name})
            label = here
        previous_bearing = leg.bearing_out
    steps.append({"text": tr("You have arrived."), "distance_m": 0.0, "street": None})
    for step in steps:
        step["distance_m"] = round(step["distance_m"], 1)
    return steps


def bearing(x0: float, y0: float, x1: float, y1: float) -> float:
    """Compass bearing in degrees from (x0, y0) to (x1, y1) in metric coordinates."""
    return math.degrees(math.atan2(x1 - x0, y1 - y0)) % 360.0
