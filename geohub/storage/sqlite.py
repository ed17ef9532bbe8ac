"""Per-thread SQLite connections to one file in WAL mode, and its one-writer transactions:
shared by the embedded GeoPackage store and the embedded records database."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


class SqliteConnections:
    """One connection per thread (WAL: readers never wait for the writer), one writer at a time."""

    def __init__(self, path: Path, setup: Callable[[sqlite3.Connection], object] = lambda conn: None) -> None:
        self.path = path
        self._setup = setup
        self._local = threading.local()
        self._write_lock = threading.Lock()
        self._all: list[sqlite3.Connection] = []

    def connection(self) -> sqlite3.Connection:
        """This thread's connection, opened on first use."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, isolation_level=None, timeout=30, check_same_thread=False)
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            self._setup(conn)
            self._local.conn = conn
            self._all.append(conn)
        return conn

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE … COMMIT on this thread's connection; ROLLBACK on any error."""
        conn = self.connection()
        with self._write_lock:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def close(self) -> None:
        """Close every thread's connection; the next use opens new ones."""
        for conn in self._all:
            conn.close()
        self._all.clear()
        self._local = threading.local()
