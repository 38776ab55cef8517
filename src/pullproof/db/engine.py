"""SQLite access: one connection per thread, explicit transactions, migrations on open (``read_only``: none).

Every write happens inside ``Database.tx()`` (``BEGIN IMMEDIATE`` ... ``COMMIT``), so a crash at
any point leaves the file at the last committed state (WAL journal; a killed process loses nothing it committed).
The file is created 0600, and SQLite gives its ``-wal`` and ``-shm`` files the database file's mode.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pullproof.core.datadir import create_private
from pullproof.db.migrations import MIGRATIONS


class Database:
    """A SQLite database file with per-thread connections."""

    def __init__(self, path: Path, read_only: bool = False) -> None:
        """``read_only``: open the existing file with ``mode=ro`` connections, without creating, migrating or
        changing the journal mode; every write then fails with ``sqlite3.OperationalError``. SQLite still
        keeps its ``-wal``/``-shm`` files beside it, so open private copies this way (``db/snapshot.py``)."""
        self.path = path
        self.read_only = read_only
        if not read_only:
            create_private(path)  # 0600 before SQLite opens it: its -wal and -shm files take the same mode
        self._local = threading.local()
        self._all: list[tuple[threading.Thread, sqlite3.Connection]] = []
        self._lock = threading.Lock()
        if not read_only:
            self._migrate()

    def _connect(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            if self.read_only:
                conn = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None,
                                       check_same_thread=False, timeout=30)
            else:
                conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
            conn.row_factory = sqlite3.Row
            if not self.read_only:
                conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            self._local.conn = conn
            with self._lock:
                self._close_orphans()
                self._all.append((threading.current_thread(), conn))
        return conn

    def _close_orphans(self) -> None:
        """Close the connections of threads that have ended (worker pools retire idle threads: without
        this, every new worker would leave three open files behind, until the process runs out)."""
        live = []
        for thread, conn in self._all:
            if thread.is_alive():
                live.append((thread, conn))
            else:
                conn.close()
        self._all = live

    def connection(self) -> sqlite3.Connection:
        """The calling thread's connection (for diagnostics: query plans, statement tracing)."""
        return self._connect()

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        """A write transaction; nested calls join the outer one."""
        conn = self._connect()
        if conn.in_transaction:
            yield conn
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:  # also when COMMIT itself failed: never leave a dangling transaction
                conn.execute("ROLLBACK")
            raise

    def query(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> list[sqlite3.Row]:
        return list(self._connect().execute(sql, params).fetchall())

    def one(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self._connect().execute(sql, params).fetchone()
        return row

    def rewrite(self, work: Callable[[sqlite3.Connection], int]) -> int:
        """Run ``work`` (which returns how many rows it changed) in one transaction whose replaced content
        is overwritten, not just freed, then empty the WAL: what ``work`` replaced is nowhere in the files
        afterwards (when no other process holds a read transaction open)."""
        conn = self._connect()
        conn.execute("PRAGMA secure_delete=ON")
        try:
            with self.tx() as tx:
                changed = work(tx)
        finally:
            conn.execute("PRAGMA secure_delete=OFF")
        if changed:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return changed

    def close(self) -> None:
        with self._lock:
            for _, conn in self._all:
                conn.close()
            self._all.clear()
        self._local = threading.local()

    def _migrate(self) -> None:
        with self.tx() as conn:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied REAL NOT NULL)"
            )
            done = {row["name"] for row in conn.execute("SELECT name FROM schema_migrations")}
            for name, statements in MIGRATIONS:
                if name in done:
                    continue
                for statement in statements:
                    conn.execute(statement)
                conn.execute("INSERT INTO schema_migrations VALUES (?, julianday('now'))", (name,))
