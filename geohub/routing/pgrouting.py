"""The pgRouting engine: pgr_dijkstra on the PostGIS store, with exactly the in-memory engine's costs.

The costs are not SQL: profiles.edge_cost computes them in Python (graph.CostCache, the very arrays
the in-memory engine uses), and they are COPY'd once per (layer version, profile limits) into the
UNLOGGED table geohub.routing_costs, whose rows are the published routing_network's edges by index
(id = edge index, source/target = node index, cost/reverse_cost in seconds, -1 where forbidden).
A query hands pgr_dijkstra that set minus the edges barriers close. A crash empties UNLOGGED tables;
the marker table geohub.routing_cost_sets is UNLOGGED too, so both are empty together and the set is
written again on the next query. Where the server has no pgRouting for GeoHub (not installed, or
the database user may not create the extension), the in-memory engine answers, with a warning logged.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import numpy as np
import psycopg
from psycopg import sql

from geohub.routing.graph import CostCache, CsgraphEngine, EdgeCosts, Network, Path, PathEdge
from geohub.routing.profiles import Profile
from geohub.storage.postgis import SCHEMA, PostgisStore

log = logging.getLogger("geohub.routing")
COSTS = sql.Identifier(SCHEMA, "routing_costs")
COST_SETS = sql.Identifier(SCHEMA, "routing_cost_sets")
MAX_COST_SETS = 32  # cost sets kept per layer version; the least recently written go first
FORBIDDEN = -1.0  # pgRouting leaves out an arc whose cost is negative
SET_EXISTS = sql.SQL("SELECT 1 FROM {} WHERE layer_version = %s AND limits_key = %s").format(COST_SETS)
SETUP_SQL = sql.SQL(
    """
CREATE UNLOGGED TABLE IF NOT EXISTS {costs} (
    layer_version integer NOT NULL, limits_key text NOT NULL, id bigint NOT NULL,
    source bigint NOT NULL, target bigint NOT NULL,
    cost double precision NOT NULL, reverse_cost double precision NOT NULL,
    PRIMARY KEY (layer_version, limits_key, id));
CREATE UNLOGGED TABLE IF NOT EXISTS {sets} (
    layer_version integer NOT NULL, limits_key text NOT NULL,
    written_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (layer_version, limits_key));
"""
).format(costs=COSTS, sets=COST_SETS)


class PgRoutingEngine:
    """RouteEngine over pgRouting: the same paths as graph.CsgraphEngine, searched in PostgreSQL."""

    def __init__(self, store: PostgisStore, cache: CostCache | None = None) -> None:
        self.store = store
        self.cache = cache or CostCache()
        self.fallback = CsgraphEngine(self.cache)  # when the server has no pgRouting for us
        self._ready: bool | None = None
        self._written: set[tuple[int, str]] = set()
        self._lock = threading.Lock()

    def shortest_paths(
        self,
        network: Network,
        profile: Profile,
        closed: frozenset[int],
        sources: Sequence[int],
        targets: Sequence[int],
    ) -> dict[tuple[int, int], Path]:
        """See graph.RouteEngine.shortest_paths."""
        if not self._available():
            return self.fallback.shortest_paths(network, profile, closed, sources, targets)
        costs = self.cache.costs(network, profile)
        self._ensure_costs(network, costs)
        sources, targets = list(dict.fromkeys(sources)), list(dict.fromkeys(targets))
        answer = {(s, s): Path(0.0, ()) for s in sources if s in targets}
        pairs = [(s, t) for s in sources for t in targets if s != t]
        if not pairs:
            return answer
        found = self._search(network, costs.key, closed, pairs)
        if len(found) < len(pairs) and not self._has_cost_set(costs.key):
            self._written.discard(costs.key)  # another process evicted it: write it again
            self._ensure_costs(network, costs)
            found = self._search(network, costs.key, closed, pairs)
        answer.update(found)
        # in the in-memory engine's order (source, then target), so equal-cost ties resolve alike
        return {(s, t): answer[(s, t)] for s in sources for t in targets if (s, t) in answer}

    def _search(
        self, network: Network, key: tuple[int, str], closed: frozenset[int], pairs: list[tuple[int, int]]
    ) -> dict[tuple[int, int], Path]:
        with self.store.connection() as conn:
            rows = conn.execute(
                "SELECT start_vid, end_vid, node, edge, agg_cost FROM pgr_dijkstra(%s, %s::bigint[], "
                "%s::bigint[], directed => true) ORDER BY start_vid, end_vid, path_seq",
                (_edges_sql(conn, key, closed), sorted({s for s, _ in pairs}), sorted({t for _, t in pairs})),
            ).fetchall()
        return _paths(network, rows)

    def _has_cost_set(self, key: tuple[int, str]) -> bool:
        with self.store.connection() as conn:
            return conn.execute(SET_EXISTS, key).fetchone() is not None

    def _ensure_costs(self, network: Network, costs: EdgeCosts) -> None:
        """Write the cost set unless it is there (checked once per process and key)."""
        if costs.key in self._written:
            return
        with self._lock:
            with self.store.connection(writing=True) as conn:
                _write_cost_set(conn, network, costs)
            self._written.add(costs.key)

    def _available(self) -> bool:
        """Whether pgRouting is there (its extension made on first use); if not, memory answers."""
        if self._ready is None:
            with self._lock:
                if self._ready is None:
                    self._ready = self._set_up()
        return self._ready

    def _set_up(self) -> bool:
        with self.store.connection(writing=True) as conn:
            conn.execute("SELECT pg_advisory_xact_lock(hashtext('geohub:pgrouting setup'))")
            if conn.execute("SELECT 1 FROM pg_extension WHERE extname = 'pgrouting'").fetchone() is None:
                try:
                    with conn.transaction():  # a savepoint: a refusal leaves the rest standing
                        conn.execute("CREATE EXTENSION pgrouting")
                except (psycopg.errors.InsufficientPrivilege, psycopg.errors.UndefinedFile) as exc:
                    log.warning(
                        "pgRouting cannot be used (%s): routes are searched in memory", _first_line(exc)
                    )
                    return False
            conn.execute(SETUP_SQL)
        return True


def _write_cost_set(conn: psycopg.Connection[Any], network: Network, costs: EdgeCosts) -> None:
    version, limits_key = costs.key
    conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"geohub:routing_costs:{version}",))
    found = conn.execute(
        SET_EXISTS,
        costs.key,
    ).fetchone()
    if found is not None:
        return
    _evict(conn, version)
    forward = np.where(np.isfinite(costs.forward), costs.forward, FORBIDDEN)
    backward = np.where(np.isfinite(costs.backward), costs.backward, FORBIDDEN)
    statement = sql.SQL(
        "COPY {} (layer_version, limits_key, id, source, target, cost, reverse_cost) "
        "FROM STDIN (FORMAT BINARY)"
    ).format(COSTS)
    with conn.cursor().copy(statement) as copy:
        copy.set_types(["int4", "text", "int8", "int8", "int8", "float8", "float8"])
        for row in zip(
            range(len(forward)),
            network.source.tolist(),
            network.target.tolist(),
            forward.tolist(),
            backward.tolist(),
            strict=True,
        ):
            copy.write_row((version, limits_key, *row))
    conn.execute(
        sql.SQL("INSERT INTO {} (layer_version, limits_key) VALUES (%s, %s)").format(COST_SETS), costs.key
    )


def _evict(conn: psycopg.Connection[Any], version: int) -> None:
    """Drop the cost sets of versions no longer published and the oldest beyond MAX_COST_SETS."""
    stale = conn.execute(
        sql.SQL(
            "SELECT layer_version, limits_key FROM {sets} s WHERE layer_version <> %s AND NOT EXISTS "
            "(SELECT 1 FROM {versions} v WHERE v.layer_id = 'routing_network' AND v.is_current "
            "AND v.version = s.layer_version) "
            "UNION ALL (SELECT layer_version, limits_key FROM {sets} WHERE layer_version = %s "
            "ORDER BY written_at DESC OFFSET %s)"
        ).format(sets=COST_SETS, versions=sql.Identifier(SCHEMA, "layer_versions")),
        (version, version, MAX_COST_SETS - 1),
    ).fetchall()
    for key in stale:
        conn.execute(
            sql.SQL("DELETE FROM {} WHERE layer_version = %s AND limits_key = %s").format(COSTS), key
        )
        conn.execute(
            sql.SQL("DELETE FROM {} WHERE layer_version = %s AND limits_key = %s").format(COST_SETS), key
        )


def _edges_sql(conn: psycopg.Connection[Any], key: tuple[int, str], closed: frozenset[int]) -> str:
    """pgr_dijkstra's edge query: one cost set, the closed edges left out (values quoted here)."""
    query = sql.SQL(
        "SELECT id, source, target, cost, reverse_cost FROM {} WHERE layer_version = {} AND limits_key = {}"
    ).format(COSTS, sql.Literal(key[0]), sql.Literal(key[1]))
    if closed:
        query += sql.SQL(" AND id <> ALL({}::bigint[])").format(sql.Literal(sorted(closed)))
    return query.as_string(conn)


def _paths(network: Network, rows: list[tuple[Any, ...]]) -> dict[tuple[int, int], Path]:
    """pgr_dijkstra's rows (in path order) as Paths; an edge is forward when walked from its source."""
    steps: dict[tuple[int, int], list[PathEdge]] = defaultdict(list)
    totals: dict[tuple[int, int], float] = {}
    for start, end, node, edge, agg_cost in rows:
        pair = (int(start), int(end))
        if edge < 0:  # the last row: the target reached, agg_cost the path's cost
            totals[pair] = float(agg_cost)
        else:
            steps[pair].append(PathEdge(int(edge), int(network.source[edge]) == int(node)))
    return {pair: Path(cost, tuple(steps[pair])) for pair, cost in totals.items()}


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
