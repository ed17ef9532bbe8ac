"""How much of the routing network is known: the share of edges with each attribute."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

# The attributes a profile reads, in the order of the report; `steps` and `length_m` are always known.
COVERED = (
    "incline_pct",
    "surface",
    "smoothness",
    "kerb_cm",
    "width_m",
    "wheelchair",
    "lit",
    "tactile_paving",
    "crossing",
    "traffic_signals",
    "traffic_signals_sound",
    "name",
)


@dataclass(frozen=True)
class CoverageRow:
    """One attribute: on how many of `total` edges it is known."""

    attribute: str
    known: int
    total: int

    @property
    def share(self) -> float:
        return self.known / self.total if self.total else 0.0


@dataclass(frozen=True)
class Coverage:
    """The coverage report of a network: edges, their length, one row per attribute, and how
    many inclines came from tags and how many from the DEM."""

    edges: int
    length_km: float
    rows: tuple[CoverageRow, ...]
    incline_from_tag: int
    incline_from_dem: int
    steps: int
    steps_with_count: int

    def row(self, attribute: str) -> CoverageRow:
        return next(r for r in self.rows if r.attribute == attribute)

    def lines(self) -> list[str]:
        """The report as a table, one line per attribute."""
        lines = [
            f"{self.edges:,} edges, {self.length_km:,.1f} km",
            f"{'attribute':<22} {'known':>7} {'share':>7}",
        ]
        for row in self.rows:
            lines.append(f"{row.attribute:<22} {row.known:>7,} {row.share:>7.1%}")
        lines.append(f"incline from tags: {self.incline_from_tag:,}, from the DEM: {self.incline_from_dem:,}")
        lines.append(f"steps: {self.steps:,} edges, {self.steps_with_count:,} with a step count")
        return lines


def measure_coverage(edges: Iterable[Mapping[str, Any]]) -> Coverage:
    """The coverage of `edges` (each a mapping of the layer's attributes)."""
    edges = list(edges)
    total = len(edges)
    rows = tuple(
        CoverageRow(name, sum(edge.get(name) is not None for edge in edges), total) for name in COVERED
    )
    steps = [edge for edge in edges if edge.get("steps")]
    return Coverage(
        edges=total,
        length_km=round(sum(edge.get("length_m") or 0.0 for edge in edges) / 1000, 3),
        rows=rows,
        incline_from_tag=sum(edge.get("incline_source") == "tag" for edge in edges),
        incline_from_dem=sum(edge.get("incline_source") == "dem" for edge in edges),
        steps=len(steps),
        steps_with_count=sum(edge.get("step_count") is not None for edge in steps),
    )
