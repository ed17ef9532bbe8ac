"""A private PostgreSQL 15 primary and a real streaming replica of it, on loopback, for tests.

Made from the machine's binaries (/usr/lib/postgresql/15/bin) in a temporary folder, each on a
free port: `initdb` for the primary, `pg_basebackup -R` for the replica (WAL streamed, a standby
from its first start). The machine's own server is left alone (its pg_hba.conf allows no
replication). PostgreSQL refuses to run as root, so as root the servers run as `postgres`.
Everything is stopped and deleted on leaving `replicated_postgres()`, whatever happened.

Reuse: the module-scoped `replicated` fixture (tests/cluster/conftest.py), or elsewhere
`with replicated_postgres() as pg:` in a module-scoped fixture; `pg.new_database()` for
a fresh PostGIS database per test (copied from a template, seen by the replica at once);
`pg.replica.stop()` / `.start()` / `.restart()` to take the replica away and back (never
promoted); `pg.replay_paused()` to hold its replay while the primary goes on.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

BIN = Path("/usr/lib/postgresql/15/bin")
TEMPLATE = "geohub_template"  # has PostGIS; every test database is a copy
SERVER_SETTINGS = """
listen_addresses = '127.0.0.1'
fsync = off
full_page_writes = off
shared_buffers = 32MB
max_connections = 60
hot_standby_feedback = on
log_min_messages = warning
"""


def _as_postgres() -> list[str]:
    """The prefix that runs a command as the `postgres` user when we are root."""
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


def _run(*args: str | Path) -> None:
    done = subprocess.run(
        [*_as_postgres(), *map(str, args)], capture_output=True, text=True, timeout=120, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{Path(str(args[0])).name} failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class PostgresServer:
    """One cluster (a data folder) served on 127.0.0.1:`port`."""

    data_dir: Path
    port: int

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        _run(BIN / "pg_ctl", "-D", self.data_dir, "-l", self.data_dir.parent / f"{self.data_dir.name}.log",
             "-w", "-t", "60", "start")  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (`fast`: sessions are ended; `immediate`: as a crash would)."""
        _run(BIN / "pg_ctl", "-D", self.data_dir, "-m", mode, "-w", "-t", "60", "stop")

    def restart(self) -> None:
        self.stop()
        self.start()

    @property
    def running(self) -> bool:
        return (self.data_dir / "postmaster.pid").exists()

    def execute(self, statement: str | sql.Composable, database: str = "postgres") -> list[tuple[Any, ...]]:
        """Run one statement in autocommit; its rows (none for a command)."""
        with psycopg.connect(self.url(database), autocommit=True, connect_timeout=5) as conn:
            cursor = conn.execute(statement)  # a test's own fixed SQL
            return cursor.fetchall() if cursor.description else []


@dataclass
class ReplicatedPostgres:
    """A primary and its streaming replica."""

    primary: PostgresServer
    replica: PostgresServer

    @contextmanager
    def new_database(self) -> Iterator[str]:
        """A fresh PostGIS database on the primary (its name: the URL's path), dropped afterwards;
        the replica's URL of it is `replica_url_of(url)`."""
        name = f"geohub_{uuid.uuid4().hex[:10]}"
        self.primary.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(TEMPLATE))
        )
        try:
            self.wait_for_replay()  # the replica has it too
            yield self.primary.url(name)
        finally:
            self.primary.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))

    def replica_url_of(self, primary_url: str) -> str:
        return self.replica.url(primary_url.rsplit("/", 1)[1])

    def primary_position(self) -> int:
        return int(self.primary.execute("SELECT pg_current_wal_lsn() - '0/0'::pg_lsn")[0][0])

    def replay_position(self) -> int:
        return int(self.replica.execute("SELECT pg_last_wal_replay_lsn() - '0/0'::pg_lsn")[0][0])

    def wait_for_replay(self, timeout_s: float = 30) -> None:
        """Until the replica has replayed everything the primary has written so far."""
        target = self.primary_position()
        deadline = time.monotonic() + timeout_s
        while self.replay_position() < target:
            if time.monotonic() > deadline:
                raise TimeoutError("the replica does not catch up")
            time.sleep(0.01)

    @contextmanager
    def replay_paused(self) -> Iterator[None]:
        """The replica receives WAL but replays none of it inside the block."""
        self.replica.execute("SELECT pg_wal_replay_pause()")
        try:
            yield
        finally:
            if self.replica.running:
                self.replica.execute("SELECT pg_wal_replay_resume()")


@contextmanager
def replicated_postgres() -> Iterator[ReplicatedPostgres]:
    """A running primary with the PostGIS template database and a streaming replica of it."""
    root = Path(tempfile.mkdtemp(prefix="geohub-replicas-"))
    with ExitStack() as stack:
        stack.callback(shutil.rmtree, root, ignore_errors=True)
        if os.geteuid() == 0:
            shutil.chown(root, "postgres", "postgres")
        primary = PostgresServer(root / "primary", free_port())
        _run(BIN / "initdb", "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8", "--locale=C",
             "-D", primary.data_dir)  # fmt: skip
        _configure(primary, root)
        primary.start()
        stack.callback(_stop_quietly, primary)
        primary.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(TEMPLATE)))
        primary.execute("CREATE EXTENSION postgis", TEMPLATE)
        replica = PostgresServer(root / "replica", free_port())
        _run(BIN / "pg_basebackup", "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres",
             "-D", replica.data_dir, "-X", "stream", "-R", "-c", "fast", "--no-sync")  # fmt: skip
        _configure(replica, root)
        replica.start()
        stack.callback(_stop_quietly, replica)
        pair = ReplicatedPostgres(primary, replica)
        assert replica.execute("SELECT pg_is_in_recovery()")[0][0] is True
        pair.wait_for_replay()
        yield pair


def _configure(server: PostgresServer, root: Path) -> None:
    """Its port and socket folder (a replica's copied file names the primary's), test tuning."""
    with (server.data_dir / "postgresql.conf").open("a", encoding="utf-8") as conf:
        conf.write(f"{SERVER_SETTINGS}\nport = {server.port}\nunix_socket_directories = '{root}'\n")


def _stop_quietly(server: PostgresServer) -> None:
    if server.running:
        with suppress(RuntimeError):
            server.stop("immediate")
