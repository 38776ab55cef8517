"""The database files are private (0600, -wal and -shm too) and a rewrite leaves no copy of what it replaced."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

from pullproof.db.engine import Database

MARKER = "clear-text-that-must-go-" * 40


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_database_and_its_wal_and_shm_files_are_0600(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        db = Database(tmp_path / "pullproof.db")
        with db.tx() as conn:
            conn.execute("CREATE TABLE t (v TEXT)")
            conn.execute("INSERT INTO t VALUES ('x')")
    finally:
        os.umask(old)
    try:
        files = {p.name: _mode(p) for p in tmp_path.iterdir()}
    finally:
        db.close()
    assert files == {"pullproof.db": 0o600, "pullproof.db-wal": 0o600, "pullproof.db-shm": 0o600}


def test_a_rewrite_leaves_no_copy_of_the_values_it_replaced(tmp_path: Path) -> None:
    db = Database(tmp_path / "pullproof.db")
    with db.tx() as conn:
        conn.execute("CREATE TABLE t (k TEXT PRIMARY KEY, v TEXT)")
        for n in range(20):
            conn.execute("INSERT INTO t VALUES (?, ?)", (str(n), f"{MARKER}{n}"))
    db.connection().execute("PRAGMA wal_checkpoint(TRUNCATE)")  # in the main file as well as (later) in the WAL
    with db.tx() as conn:
        conn.execute("UPDATE t SET v = v || '!'")

    def replace(conn: sqlite3.Connection) -> int:
        return int(conn.execute("UPDATE t SET v = 'sealed:' || length(v)").rowcount)

    assert db.rewrite(replace) == 20
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    assert b"clear-text-that-must-go" not in raw
    assert [r["v"] for r in db.query("SELECT v FROM t ORDER BY k")][:1] == [f"sealed:{len(MARKER) + 2}"]
    db.close()
