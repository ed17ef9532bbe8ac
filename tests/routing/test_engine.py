"""Profiles, the in-memory engine, explanations and instructions on a small hand-made network."""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np
import pytest
import shapely

from geohub.messages import tr
from geohub.routing.barriers import Barrier, Barriers
from geohub.routing.explain import explain
from geohub.routing.graph import CsgraphEngine, EdgeIndex, Network, PathEdge
from geohub.routing.instructions import Leg, route_instructions
from geohub.routing.profiles import PROFILES, Profile, edge_cost, edge_warnings, unknown_attributes

FLAT: dict[str, Any] = {"length_m": 100.0, "steps": False, "incline_pct": 0.0, "highway": "residential"}


def edge(**changes: Any) -> dict[str, Any]:
    return {**FLAT, **changes}


@pytest.mark.parametrize(
    ("profile", "changes", "forward", "forbidden"),
    [
        ("manual_wheelchair", {"steps": True}, True, True),
        ("pedestrian", {"steps": True}, True, False),
        ("manual_wheelchair", {"incline_pct": 7.0}, True, True),  # 7 % up > 6 %
        ("manual_wheelchair", {"incline_pct": 7.0}, False, False),  # 7 % down <= 8 %
        ("manual_wheelchair", {"incline_pct": -9.0}, True, True),  # 9 % down > 8 %
        ("walker", {"kerb_cm": 12.0}, True, True),
        ("walker", {"kerb_cm": 3.0}, True, False),
        ("stroller", {"width_m": 0.5}, True, True),
        ("pedestrian", {"width_m": 0.5}, True, False),
        ("electric_wheelchair", {"wheelchair": "no"}, True, True),
        ("stroller", {"smoothness": "impassable"}, True, True),
    ],
)
def test_edge_cost_forbids_what_breaks_a_limit(
    profile: str, changes: dict[str, Any], forward: bool, forbidden: bool
) -> None:
    cost = edge_cost(PROFILES[profile], edge(**changes), forward)
    assert math.isinf(cost) is forbidden
    assert cost > 0


def test_unknown_attributes_cost_more_and_are_reported() -> None:
    wheelchair = PROFILES["manual_wheelchair"]
    known = edge(highway="footway", surface="asphalt", width_m=2.0, lit="yes")
    unknown = edge(highway="footway", incline_pct=None)
    assert edge_cost(wheelchair, unknown, True) > edge_cost(wheelchair, known, True)
    assert set(unknown_attributes(wheelchair, unknown, True)) == {"incline", "surface", "width", "lit"}
    assert unknown_attributes(wheelchair, known, True) == []
    assert "unknown_surface" in edge_warnings(wheelchair, unknown, True)
    assert unknown_attributes(PROFILES["pedestrian"], unknown, True) == []  # nothing limits a walker


def test_limits_override_the_profile_and_change_its_key() -> None:
    base = PROFILES["manual_wheelchair"]
    bolder = base.with_limits(max_incline_up_pct=12.0, avoid_steps=None)
    assert bolder.max_incline_up_pct == 12.0 and bolder.avoid_steps is True
    assert (
        bolder.limits_key() != base.limits_key()
        and base.limits_key() == PROFILES["manual_wheelchair"].limits_key()
    )
    assert PROFILES["pedestrian"].limits()["max_kerb_cm"] is None


def square(props: list[dict[str, Any]]) -> Network:
    """Nodes 0-1-2 along the top (edges 0, 1) and 0-3-2 round the bottom (edges 2, 3)."""
    ends = [(0, 1), (1, 2), (0, 3), (3, 2)]
    xy = {0: (76.90, 43.20), 1: (76.901, 43.20), 2: (76.902, 43.20), 3: (76.901, 43.199)}
    lines = np.array([shapely.LineString([xy[a], xy[b]]) for a, b in ends], dtype=object)
    for p, (a, b) in zip(props, ends, strict=True):
        p.update(source=a, target=b)
    return Network(
        version=1,
        edge_ids=[f"{i}" for i in range(4)],
        properties=props,
        geometries=lines,
        source=np.array([a for a, _ in ends], np.int32),
        target=np.array([b for _, b in ends], np.int32),
        node_ids=np.arange(4),
        length_m=np.array([p["length_m"] for p in props]),
    )


STEPPED = square([edge(), edge(steps=True), edge(length_m=150.0), edge(length_m=150.0)])


def test_engine_takes_the_short_steps_on_foot_and_goes_round_them_on_wheels() -> None:
    engine = CsgraphEngine()
    walking = engine.shortest_paths(STEPPED, PROFILES["pedestrian"], frozenset(), [0], [2])[(0, 2)]
    rolling = engine.shortest_paths(STEPPED, PROFILES["manual_wheelchair"], frozenset(), [0], [2])[(0, 2)]
    assert walking.edges == (PathEdge(0, True), PathEdge(1, True))
    assert rolling.edges == (PathEdge(2, True), PathEdge(3, True))
    backwards = engine.shortest_paths(STEPPED, PROFILES["manual_wheelchair"], frozenset(), [2], [0])[(2, 0)]
    assert backwards.edges == (PathEdge(3, False), PathEdge(2, False))


def test_closed_edges_are_left_out_and_unreachable_pairs_missing() -> None:
    engine = CsgraphEngine()
    assert engine.shortest_paths(STEPPED, PROFILES["manual_wheelchair"], frozenset({3}), [0], [2]) == {}
    assert (0, 2) in engine.shortest_paths(STEPPED, PROFILES["pedestrian"], frozenset({3}), [0], [2])


def test_explain_names_the_limit_that_blocks() -> None:
    engine = CsgraphEngine()
    blocked = PROFILES["manual_wheelchair"]

    def find(profile: Profile, with_barriers: bool) -> Any:
        closed = frozenset({3}) if with_barriers else frozenset()
        return engine.shortest_paths(STEPPED, profile, closed, [0], [2]).get((0, 2))

    explanation = explain(blocked, find)
    assert explanation.constraint == "avoid_steps"
    assert explanation.relaxed is not None and PathEdge(1, True) in explanation.relaxed.edges


def test_instructions_name_streets_and_turns_in_the_language() -> None:
    abay = {"name": "проспект Абая", "name_kk": "Абай даңғылы", "highway": "residential"}
    crossing = {"highway": "footway", "footway": "crossing"}
    legs = [Leg(abay, 50.0, 90.0, 90.0), Leg(abay, 30.0, 90.0, 90.0), Leg(crossing, 12.0, 0.0, 0.0)]
    steps = route_instructions(legs, "kk")
    assert [s["distance_m"] for s in steps] == [80.0, 12.0, 0.0]
    assert steps[0]["text"] == tr("Start along {street}.", street="Абай даңғылы")
    assert steps[1]["text"] == tr("Turn left onto {street}.", street=tr("the crossing"))
    assert steps[1]["street"] is None
    assert steps[1]["text"].render("ru") == "Поверните налево: пешеходный переход."


def test_barriers_are_read_again_when_old_or_changed_and_close_edges_for_their_profiles() -> None:
    readings: list[list[Barrier]] = [[Barrier("A1", "missing_kerb_ramp", 76.901, 43.2)]]
    barriers = Barriers(lambda: readings[-1], max_age_s=0.2)
    index = EdgeIndex(STEPPED)
    assert set(barriers.closed_edges(index, "walker")) == {0, 1}  # the ramp at node 1 touches both
    assert barriers.closed_edges(index, "pedestrian") == {}
    readings.append([])
    assert barriers.closed_edges(index, "walker")  # still the reading of a moment ago
    time.sleep(0.25)
    assert barriers.closed_edges(index, "walker") == {}
    readings.append([Barrier("B2", "blocked_pavement", 76.901, 43.199)])
    barriers.forget()  # a report changed: read at once
    assert set(barriers.closed_edges(index, "pedestrian")) == {2, 3}


def test_a_street_name_ending_in_a_full_stop_ends_the_sentence_once() -> None:
    from geohub.messages import localized
    from geohub.routing.instructions import Leg, route_instructions

    legs = [
        Leg({"name_ru": "ул. Сатпаева"}, 100.0, 0.0, 0.0),
        Leg({"name_ru": "Абая прс."}, 50.0, 90.0, 90.0),
    ]
    steps = route_instructions(legs, "ru")
    texts = [localized(step["text"], "ru") for step in steps]
    assert texts[1] == "Поверните направо: Абая прс." and steps[1]["street"] == "Абая прс."
