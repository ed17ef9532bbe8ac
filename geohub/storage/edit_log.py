"""Item edits made in place, with a log of the rows each edit touched, before and after.

An import writes a version into a table of its own. An item edit (OGC API – Features Part 4)
does not copy that table (3.4 s on 305k parcels): it changes the published table where it stands
and becomes a new version that shares it, logging each touched row as it was before and as it is
after, under the new version's number, in the table's `<table>_log`.

The versions that share a table form its chain. The table holds one of them at a time
(`at_version` in the chains table); any other is the table with the log applied:
- going back to version v, each key touched after v takes its row from before its first edit
  after v (or is absent);
- going forward to v, each key touched up to v takes its row from after its last edit up to v.

Rolling back or forward moves the table there in its publishing transaction. Reading another
version reads the table with those logged rows in place of the touched keys, in one query.

The per-feature digests of an edited version are its chain's stored digests (those of
`digests_version`) with the log applied the same way (see `geohub/etl/digest.py`).

Both backends speak the same SQL here: window functions, UNION ALL, CREATE TABLE AS. What differs
(placeholders, names, how a key list is bound, how a geometry is read out) is a `LogDialect`.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

LOG_SUFFIX = "_log"
LOG_COLUMNS = ("log_version", "log_after", "log_present")


@dataclass(frozen=True)
class LogDialect:
    """How one backend spells the edit log's SQL."""

    mark: str  # the parameter placeholder
    chains_table: str  # the table of chains, qualified
    qualify: Callable[[str], str]  # a bare table name -> its quoted, qualified name
    geometry_out: str  # how a selected geometry is read out: "{}" filled with the column
    json_keys: bool  # key lists bound as a JSON array (SQLite) or as an array (PostgreSQL)
    false: str  # the literal false (a boolean column's type comes from it)

    def key_in(self, column: str, keys: Sequence[Any]) -> tuple[str, Any]:
        """`column IN keys` with its one parameter."""
        if self.json_keys:
            return f"{column} IN (SELECT value FROM json_each({self.mark}))", json.dumps(list(keys))
        return f"{column} = ANY({self.mark})", list(keys)


@dataclass(frozen=True)
class Chain:
    """A table shared by the versions an edit made in it."""

    table: str  # the version table, a bare name
    layer_id: str
    key: str  # the key column
    columns: tuple[str, ...]  # "geom", then the attributes as the table stores them
    at_version: int  # the version the table holds now
    digests_version: int  # the version whose digests the chain's others are derived from
    digests_kept: bool  # whether the chain keeps those digests (their version row is gone)
    log_from: int  # the log holds every edit after this version

    @property
    def log(self) -> str:
        return self.table + LOG_SUFFIX


@dataclass(frozen=True)
class LoggedEdit:
    """What an edit did to its table: the touched rows' geometries, and how many were there."""

    before: list[Any]  # the geometries of the touched rows that were there before
    after: list[Any]  # the geometries of the touched rows that are there after
    edits_since_digests: int  # versions logged since the chain's stored digests


CHAIN_FIELDS = (
    "table_name, layer_id, key_column, columns_json, at_version, digests_version, digests, log_from"
)
CHAIN_READ = CHAIN_FIELDS.replace("digests,", "digests IS NOT NULL,")  # not the bytes themselves


def chains_ddl(chains_table: str, blob: str) -> str:
    """The chains table, one row per table that item edits have shared."""
    return (
        f"CREATE TABLE IF NOT EXISTS {chains_table} ("
        "table_name TEXT PRIMARY KEY, layer_id TEXT NOT NULL, key_column TEXT NOT NULL, "
        "columns_json TEXT NOT NULL, at_version INTEGER NOT NULL, digests_version INTEGER NOT NULL, "
        f"digests {blob}, log_from INTEGER NOT NULL)"
    )


def chain_of(conn: Any, d: LogDialect, table: str) -> Chain | None:
    row = conn.execute(
        f"SELECT {CHAIN_READ} FROM {d.chains_table} WHERE table_name = {d.mark}", (table,)
    ).fetchone()
    if row is None:
        return None
    name, layer_id, key, columns, at_version, digests_version, digests, log_from = row
    return Chain(
        str(name),
        str(layer_id),
        str(key),
        tuple(json.loads(columns)),
        int(at_version),
        int(digests_version),
        bool(digests),
        int(log_from),
    )


def start_chain(
    conn: Any, d: LogDialect, layer_id: str, table: str, key: str, columns: Sequence[str], version: int
) -> Chain:
    """Make `table` (holding `version`, whose row keeps its digests) shareable by edits."""
    chain = Chain(table, layer_id, key, ("geom", *columns), version, version, False, version)
    conn.execute(
        f"CREATE TABLE {d.qualify(chain.log)} AS SELECT 0 AS log_version, {d.false} AS log_after, "
        f"{d.false} AS log_present, {_names(chain.columns)} FROM {d.qualify(table)} WHERE 1 = 0"
    )
    conn.execute(
        f'CREATE INDEX "{chain.log}_at" ON {d.qualify(chain.log)} (log_version, log_after)'
        if d.json_keys
        else f"CREATE INDEX ON {d.qualify(chain.log)} (log_version, log_after)"
    )
    conn.execute(
        f"INSERT INTO {d.chains_table} ({CHAIN_FIELDS}) VALUES ({', '.join([d.mark] * 8)})",
        (table, layer_id, key, json.dumps(list(chain.columns)), version, version, None, version),
    )
    return chain


def log_edit(
    conn: Any,
    d: LogDialect,
    chain: Chain,
    version: int,
    touched: Sequence[Any],
    write: Callable[[], None],
) -> LoggedEdit:
    """Apply an edit to the chain's table as `version`: the `touched` keys' rows are logged, taken
    out, `write()` puts the new ones in, and those are logged; a key absent on either side is
    logged as absent. The chain then holds `version`."""
    table, log, key = d.qualify(chain.table), d.qualify(chain.log), f'"{chain.key}"'
    names = _names(chain.columns)
    condition, keys = d.key_in(key, touched)
    for after in (False, True):
        if after:
            write()
        conn.execute(
            f"INSERT INTO {log} ({', '.join(LOG_COLUMNS)}, {names}) "
            f"SELECT {d.mark}, {d.mark}, {d.mark}, {names} FROM {table} WHERE {condition}",
            (version, after, True, keys),
        )
        if not after:
            conn.execute(f"DELETE FROM {table} WHERE {condition}", (keys,))
    for after in (False, True):  # a key the other side has and this one lacks is absent here
        conn.execute(
            f"INSERT INTO {log} ({', '.join(LOG_COLUMNS)}, {key}) "
            f"SELECT {d.mark}, {d.mark}, {d.mark}, {key} FROM {log} o WHERE o.log_version = {d.mark} "
            f"AND o.log_after = {d.mark} AND NOT EXISTS (SELECT 1 FROM {log} s WHERE s.log_version = "
            f"{d.mark} AND s.log_after = {d.mark} AND s.{key} = o.{key})",
            (version, after, False, version, not after, version, after),
        )
    geometry = d.geometry_out.format("geom")
    rows = conn.execute(
        f"SELECT log_after, {geometry} FROM {log} WHERE log_version = {d.mark} AND log_present = {d.mark}",
        (version, True),
    ).fetchall()
    conn.execute(
        f"UPDATE {d.chains_table} SET at_version = {d.mark} WHERE table_name = {d.mark}",
        (version, chain.table),
    )
    (since,) = conn.execute(
        f"SELECT count(DISTINCT log_version) FROM {log} WHERE log_version > {d.mark}",
        (chain.digests_version,),
    ).fetchone()
    return LoggedEdit([g for after, g in rows if not after], [g for after, g in rows if after], int(since))


def _picked(d: LogDialect, chain: Chain, from_version: int, to_version: int) -> tuple[str, list[Any], str]:
    """The SELECT of each touched key's row at `to_version` for a table at `from_version` (with
    the log columns; `log_present` false: absent), its parameters, and the condition naming the
    log rows of the keys touched between the two (for `touched_keys`)."""
    going_back = to_version < from_version
    low, high = (to_version, from_version) if going_back else (from_version, to_version)
    condition = f"log_after = {d.mark} AND log_version > {d.mark} AND log_version <= {d.mark}"
    params = [not going_back, low, high]
    order = "ASC" if going_back else "DESC"  # the first edit after, or the last edit up to, the version
    select = (
        f"SELECT * FROM (SELECT {_names(chain.columns)}, log_present, row_number() OVER "
        f'(PARTITION BY "{chain.key}" ORDER BY log_version {order}) AS log_pick '
        f"FROM {d.qualify(chain.log)} WHERE {condition}) picked WHERE log_pick = 1"
    )
    return select, params, condition


def move(conn: Any, d: LogDialect, chain: Chain, to_version: int) -> None:
    """Bring the chain's table to `to_version` (inside the caller's transaction)."""
    if to_version == chain.at_version:
        return
    picked, params, condition = _picked(d, chain, chain.at_version, to_version)
    table, key, names = d.qualify(chain.table), f'"{chain.key}"', _names(chain.columns)
    conn.execute(
        f"DELETE FROM {table} WHERE {key} IN (SELECT {key} FROM {d.qualify(chain.log)} WHERE {condition})",
        params,
    )
    conn.execute(
        f"INSERT INTO {table} ({names}) SELECT {names} FROM ({picked}) p WHERE log_present = {d.mark}",
        (*params, True),
    )
    conn.execute(
        f"UPDATE {d.chains_table} SET at_version = {d.mark} WHERE table_name = {d.mark}",
        (to_version, chain.table),
    )


def rows_at(conn: Any, d: LogDialect, chain: Chain, version: int, columns: Sequence[str]) -> Any:
    """Every row of `version` (geometry read out, then `columns`), in key order, from the table
    with the log's rows in place of the keys touched since."""
    picked, params, condition = _picked(d, chain, chain.at_version, version)
    key = f'"{chain.key}"'
    out = ", ".join([d.geometry_out.format("geom"), *(f'"{c}"' for c in columns)])
    position = 2 + list(columns).index(chain.key)
    return conn.execute(
        f"SELECT {out} FROM {d.qualify(chain.table)} WHERE {key} NOT IN "
        f"(SELECT {key} FROM {d.qualify(chain.log)} WHERE {condition}) "
        f"UNION ALL SELECT {out} FROM ({picked}) p WHERE log_present = {d.mark} ORDER BY {position}",
        (*params, *params, True),
    )


def changes_between(
    conn: Any, d: LogDialect, chain: Chain, from_version: int, to_version: int, columns: Sequence[str]
) -> list[tuple[Any, ...]]:
    """The rows at `to_version` of the keys touched since `from_version`: (present, geometry read
    out, then `columns`); an absent one has its key alone."""
    picked, params, _ = _picked(d, chain, from_version, to_version)
    out = ", ".join(["log_present", d.geometry_out.format("geom"), *(f'"{c}"' for c in columns)])
    return list(conn.execute(f"SELECT {out} FROM ({picked}) p", params).fetchall())


def forget(conn: Any, d: LogDialect, chain: Chain, remaining: Sequence[int]) -> None:
    """After a version of the chain is deleted: drop the log rows no move or digest needs (the
    chain's remaining versions, and its digests' version, bound what is still crossed)."""
    low = min([*remaining, chain.digests_version])
    high = max([*remaining, chain.digests_version])
    conn.execute(
        f"DELETE FROM {d.qualify(chain.log)} WHERE log_version <= {d.mark} OR log_version > {d.mark}",
        (low, high),
    )
    conn.execute(
        f"UPDATE {d.chains_table} SET log_from = {d.mark} WHERE table_name = {d.mark}", (low, chain.table)
    )


def touched_keys(
    conn: Any, d: LogDialect, chain: Chain, from_version: int, to_version: int
) -> list[Any] | None:
    """The keys edits changed between two versions of the chain; None when the log no longer
    holds them all."""
    low, high = sorted((from_version, to_version))
    if low < chain.log_from:
        return None
    rows = conn.execute(
        f'SELECT DISTINCT "{chain.key}" FROM {d.qualify(chain.log)} WHERE log_version > {d.mark} '
        f"AND log_version <= {d.mark}",
        (low, high),
    ).fetchall()
    return [r[0] for r in rows]


def end_chain(conn: Any, d: LogDialect, chain: Chain) -> None:
    """The chain's last version is gone: its log and row go too (the caller drops the table)."""
    conn.execute(f"DROP TABLE IF EXISTS {d.qualify(chain.log)}")
    conn.execute(f"DELETE FROM {d.chains_table} WHERE table_name = {d.mark}", (chain.table,))


def keep_digests(conn: Any, d: LogDialect, chain: Chain, versions_table: str, version: int) -> Chain:
    """The chain's digests version row is being deleted: its digests stay with the chain (copied
    inside the database)."""
    conn.execute(
        f"UPDATE {d.chains_table} SET digests = (SELECT digests FROM {versions_table} "
        f"WHERE layer_id = {d.mark} AND version = {d.mark}) WHERE table_name = {d.mark}",
        (chain.layer_id, version, chain.table),
    )
    return dataclasses.replace(chain, digests_kept=True)


def chain_digests(conn: Any, d: LogDialect, chain: Chain, versions_table: str) -> bytes:
    """The digests the chain's versions derive theirs from (b"" when there are none)."""
    if chain.digests_kept:
        row = conn.execute(
            f"SELECT digests FROM {d.chains_table} WHERE table_name = {d.mark}", (chain.table,)
        ).fetchone()
    else:
        row = conn.execute(
            f"SELECT digests FROM {versions_table} WHERE layer_id = {d.mark} AND version = {d.mark}",
            (chain.layer_id, chain.digests_version),
        ).fetchone()
    return b"" if row is None or row[0] is None else bytes(row[0])


def rebase_digests(conn: Any, d: LogDialect, chain: Chain, version: int, remaining: Sequence[int]) -> None:
    """`version`'s row now keeps full digests: the chain derives the others from it."""
    conn.execute(
        f"UPDATE {d.chains_table} SET digests_version = {d.mark}, digests = NULL WHERE table_name = {d.mark}",
        (version, chain.table),
    )
    forget(conn, d, dataclasses.replace(chain, digests_version=version, digests_kept=False), remaining)


def _names(columns: Sequence[str]) -> str:
    return ", ".join(f'"{c}"' for c in columns)


SQLITE = LogDialect(
    mark="?",
    chains_table="geohub_edit_chains",
    qualify=lambda name: f'"{name}"',
    geometry_out="{}",
    json_keys=True,
    false="0",
)  # the embedded GeoPackage store's
