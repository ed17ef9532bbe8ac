"""Routing profiles: who is walking or rolling, their limits, and what an edge costs them.

An edge is the properties of one `routing_network` feature (see layers/routing_network.yaml):
`edge_cost(profile, edge, forward)` is the seconds it takes to pass it (math.inf: forbidden),
`edge_warnings` what the answer should say about it. An attribute nobody mapped is never read as
"fine": it costs extra for the profiles it matters to, and is reported as `unknown_*`.
Both engines (graph.py in memory, pgrouting.py on PostGIS) use these very costs.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

Edge = Mapping[str, Any]

ROUGH_SURFACES = frozenset(
    {
        "unpaved", "gravel", "fine_gravel", "compacted", "dirt", "earth", "ground", "grass", "sand",
        "mud", "pebblestone", "cobblestone", "sett", "unhewn_cobblestone", "rock", "stone",
        "woodchips", "grass_paver", "stepping_stones",
    }
)  # fmt: skip
ROUGH_SMOOTHNESS = frozenset({"bad", "very_bad", "horrible", "very_horrible", "impassable"})
IMPASSABLE_SMOOTHNESS = frozenset({"very_horrible", "impassable"})
ROAD_HIGHWAYS = frozenset(
    {"residential", "living_street", "service", "pedestrian", "unclassified", "tertiary"}
)
STEEP_PCT = 5.0  # warn above this grade even within the limits (ADA's running slope is 5 %)
UNKNOWN_FACTOR = 1.2  # the cost of one unknown attribute that matters to the profile
NO_LIMIT = math.inf
LIMIT_PARAMETERS = {  # the query parameter (and answer key) of each limit -> the Profile field
    "max_incline_up": "max_incline_up_pct",
    "max_incline_down": "max_incline_down_pct",
    "avoid_steps": "avoid_steps",
    "max_kerb_cm": "max_kerb_cm",
    "user_width_cm": "user_width_cm",
    "avoid_rough": "avoid_rough_surfaces",
    "prefer_lit": "prefer_lit",
    "prefer_signalised": "prefer_signalised_crossings",
}


@dataclass(frozen=True)
class Profile:
    """One traveller's limits; `None`/inf limits mean "no limit"."""

    name: str
    speed_m_s: float
    max_incline_up_pct: float = NO_LIMIT
    max_incline_down_pct: float = NO_LIMIT
    avoid_steps: bool = False
    max_kerb_cm: float = NO_LIMIT
    user_width_cm: float = 0.0
    avoid_rough_surfaces: bool = False
    prefer_lit: bool = False
    prefer_signalised_crossings: bool = False

    def with_limits(self, **limits: Any) -> Profile:
        """This profile with some limits overridden (None values are ignored)."""
        return replace(self, **{k: v for k, v in limits.items() if v is not None})

    def limits(self) -> dict[str, Any]:
        """The limits by their query parameter names, and the speed, as JSON-able values (no limit: null)."""
        values = asdict(self)
        shown = {parameter: values[field] for parameter, field in LIMIT_PARAMETERS.items()}
        shown["speed_m_s"] = self.speed_m_s
        return {k: (None if isinstance(v, float) and math.isinf(v) else v) for k, v in shown.items()}

    def limits_key(self) -> str:
        """A short hash of everything that changes the costs (the cost cache's key)."""
        text = repr(sorted((f.name, getattr(self, f.name)) for f in fields(self) if f.name != "name"))
        return hashlib.sha256(text.encode()).hexdigest()[:16]


PROFILES: dict[str, Profile] = {
    p.name: p
    for p in (
        Profile("manual_wheelchair", 0.9, 6.0, 8.0, True, 3.0, 70.0, True, True, True),
        Profile("electric_wheelchair", 1.5, 8.0, 10.0, True, 5.0, 75.0, True, True, True),
        Profile("walker", 0.8, 8.0, 8.0, True, 7.0, 65.0, True, True, True),
        Profile("stroller", 1.1, 10.0, 10.0, True, 8.0, 60.0, True, True, False),
        Profile("low_vision", 1.0, NO_LIMIT, NO_LIMIT, False, NO_LIMIT, 0.0, False, True, True),
        Profile("pedestrian", 1.3),
    )
}
WHEELED = frozenset({"manual_wheelchair", "electric_wheelchair", "walker", "stroller"})
WHEELCHAIRS = frozenset({"manual_wheelchair", "electric_wheelchair"})


def directed_incline(edge: Edge, forward: bool) -> float | None:
    """The grade (%) met going forward (source→target) or backward; None when unknown."""
    value = edge.get("incline_pct")
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return float(value) if forward else -float(value)


def _is_crossing(edge: Edge) -> bool:
    return (
        edge.get("footway") == "crossing" or edge.get("highway") == "crossing" or bool(edge.get("crossing"))
    )


def _text(edge: Edge, key: str) -> str | None:
    value = edge.get(key)
    return str(value) if value not in (None, "") else None


def _number(edge: Edge, key: str) -> float | None:
    value = edge.get(key)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return float(value)


def blocking_limits(profile: Profile, edge: Edge, forward: bool) -> list[str]:
    """The limits this edge breaks for `profile` in this direction (empty: passable)."""
    broken = []
    if edge.get("steps") and profile.avoid_steps:
        broken.append("avoid_steps")
    incline = directed_incline(edge, forward)
    if incline is not None and incline > profile.max_incline_up_pct:
        broken.append("max_incline_up")
    if incline is not None and -incline > profile.max_incline_down_pct:
        broken.append("max_incline_down")
    kerb = _number(edge, "kerb_cm")
    if kerb is not None and kerb > profile.max_kerb_cm:
        broken.append("max_kerb_cm")
    width = _number(edge, "width_m")
    if width is not None and width * 100 < profile.user_width_cm:
        broken.append("user_width_cm")
    if profile.avoid_rough_surfaces and _text(edge, "smoothness") in IMPASSABLE_SMOOTHNESS:
        broken.append("avoid_rough")
    if profile.name in WHEELCHAIRS and _text(edge, "wheelchair") == "no":
        broken.append("wheelchair")
    return broken


def unknown_attributes(profile: Profile, edge: Edge, forward: bool) -> list[str]:
    """Attributes that matter to `profile` on this edge and that nobody mapped."""
    unknown = []
    limited_incline = not (
        math.isinf(profile.max_incline_up_pct) and math.isinf(profile.max_incline_down_pct)
    )
    if limited_incline and directed_incline(edge, forward) is None:
        unknown.append("incline")
    untagged_surface = _text(edge, "surface") is None and _text(edge, "smoothness") is None
    if profile.avoid_rough_surfaces and untagged_surface and edge.get("highway") not in ROAD_HIGHWAYS:
        unknown.append("surface")  # streets are paved unless tagged otherwise
    if not math.isinf(profile.max_kerb_cm) and _is_crossing(edge) and _number(edge, "kerb_cm") is None:
        unknown.append("kerb")
    if (
        profile.user_width_cm > 0
        and _number(edge, "width_m") is None
        and edge.get("highway") in ("path", "footway")
    ) and not _is_crossing(edge):
        unknown.append("width")
    if profile.prefer_lit and _text(edge, "lit") is None:
        unknown.append("lit")
    if profile.avoid_steps and edge.get("steps") is None:
        unknown.append("steps")
    return unknown


def edge_cost(profile: Profile, edge: Edge, forward: bool) -> float:
    """Seconds to pass `edge` forward (source→target) or backward; math.inf when forbidden."""
    if blocking_limits(profile, edge, forward):
        return math.inf
    length = max(float(edge.get("length_m") or 0.0), 0.01)
    factor = 1.0
    if edge.get("steps"):
        factor *= 1.5  # climbing takes longer than walking the same distance
    incline = directed_incline(edge, forward)
    if incline is not None and profile.name in WHEELED:
        factor *= 1.0 + max(incline, 0.0) / 10.0 + max(-incline - 4.0, 0.0) / 20.0
    if profile.avoid_rough_surfaces and (
        _text(edge, "surface") in ROUGH_SURFACES or _text(edge, "smoothness") in ROUGH_SMOOTHNESS
    ):
        factor *= 3.0
    if profile.prefer_lit and _text(edge, "lit") == "no":
        factor *= 1.5
    if profile.prefer_signalised_crossings and _is_crossing(edge):
        signals = _text(edge, "traffic_signals") or _text(edge, "crossing")
        if signals not in ("yes", "traffic_signals", "signals"):
            factor *= 2.0
        elif profile.name == "low_vision" and _text(edge, "traffic_signals_sound") not in ("yes", "walk"):
            factor *= 1.3
    if profile.name in WHEELCHAIRS and _text(edge, "wheelchair") == "limited":
        factor *= 1.5
    factor *= UNKNOWN_FACTOR ** len(unknown_attributes(profile, edge, forward))
    return length / profile.speed_m_s * factor


def edge_warnings(profile: Profile, edge: Edge, forward: bool) -> list[str]:
    """Warning kinds for this edge: unknown_* (assumed cautiously), steep, high_kerb, narrow, steps…"""
    kinds = [f"unknown_{name}" for name in unknown_attributes(profile, edge, forward)]
    incline = directed_incline(edge, forward)
    limit_up, limit_down = profile.max_incline_up_pct, profile.max_incline_down_pct
    if incline is not None and (incline > min(STEEP_PCT, limit_up) or -incline > min(STEEP_PCT, limit_down)):
        kinds.append("steep")
    kerb = _number(edge, "kerb_cm")
    if kerb is not None and (kerb > profile.max_kerb_cm or (profile.name in WHEELED and kerb >= 3)):
        kinds.append("high_kerb")
    width = _number(edge, "width_m")
    if width is not None and width * 100 < max(profile.user_width_cm, 90.0) and profile.user_width_cm > 0:
        kinds.append("narrow")
    if edge.get("steps"):
        kinds.append("steps")
    if profile.avoid_rough_surfaces and (
        _text(edge, "surface") in ROUGH_SURFACES or _text(edge, "smoothness") in ROUGH_SMOOTHNESS
    ):
        kinds.append("rough_surface")
    return kinds
