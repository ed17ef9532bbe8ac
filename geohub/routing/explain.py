"""No route: which of the profile's limits blocks it, found by relaxing each in turn."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from geohub.messages import Message, tr
from geohub.routing.profiles import Profile

T = TypeVar("T")

# (the limit's query parameter, the profile without it); barriers ("reports") are relaxed last
RELAXATIONS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("avoid_steps", {"avoid_steps": False}),
    ("max_incline_up", {"max_incline_up_pct": math.inf}),
    ("max_incline_down", {"max_incline_down_pct": math.inf}),
    ("max_kerb_cm", {"max_kerb_cm": math.inf}),
    ("user_width_cm", {"user_width_cm": 0.0}),
    ("avoid_rough", {"avoid_rough_surfaces": False}),
)


@dataclass(frozen=True)
class Explanation(Generic[T]):
    """The blocking constraint ("several" when no single one does) and the route without it."""

    constraint: str
    relaxed: T | None


def explain(profile: Profile, find: Callable[[Profile, bool], T | None]) -> Explanation[T]:
    """Relax one limit at a time (then the reported barriers, then everything) until `find`
    (profile, with_barriers) -> route answers; the loosest search first, to stop at once when
    no way joins the points at all."""
    everything = profile.with_limits(name="pedestrian")
    for _name, change in RELAXATIONS:
        everything = everything.with_limits(**change)
    loosest = find(everything, False)
    if loosest is None:  # no way at all (the points lie on parts of the network that do not meet)
        return Explanation("several", None)
    for name, change in RELAXATIONS:
        relaxed = profile.with_limits(**change)
        if relaxed != profile:
            found = find(relaxed, True)
            if found is not None:
                return Explanation(name, found)
    found = find(profile, False)
    if found is not None:
        return Explanation("reports", found)
    return Explanation("several", loosest)


def constraint_message(constraint: str) -> Message:
    """Why there is no route, for the problem's detail."""
    messages = {
        "avoid_steps": tr("No route avoids steps between these points."),
        "max_incline_up": tr("No route between these points stays within the uphill incline limit."),
        "max_incline_down": tr("No route between these points stays within the downhill incline limit."),
        "max_kerb_cm": tr("No route between these points stays within the kerb height limit."),
        "user_width_cm": tr("No route between these points is wide enough."),
        "avoid_rough": tr("No route between these points avoids impassable surfaces."),
        "reports": tr("Reported barriers close every route between these points."),
    }
    return messages.get(constraint, tr("No way connects these points for this profile."))
