"""The SQLite engine: transactions (commit, rollback, nesting, failed commit), migrations, connections."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from pullproof.db.engine import Database
from pullproof.db.migrations import MIGRATIONS


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(tmp_path / "test.db")
    with database.tx() as conn:
        conn.execute("CREATE TABLE items (name TEXT PRIMARY KEY)")
    yield database
    database.close()


def names(db: Database) -> list[str]:
    return [row["name"] for row in db.query("SELECT name FROM items ORDER BY name")]


def other_reader(db: Database) -> list[str]:
    """What a fresh connection (another process) sees: only committed rows."""
    conn = sqlite3.connect(db.path)
    try:
        return [row[0] for row in conn.execute("SELECT name FROM items ORDER BY name")]
    finally:
        conn.close()


def test_commit_and_rollback(db: Database) -> None:
    with db.tx() as conn:
        conn.execute("INSERT INTO items VALUES ('a')")
    with pytest.raises(RuntimeError), db.tx() as conn:
        conn.execute("INSERT INTO items VALUES ('b')")
        raise RuntimeError("abort")
    assert names(db) == other_reader(db) == ["a"]
    assert not db.connection().in_transaction


def test_nested_transactions_join_the_outer_one(db: Database) -> None:
    with pytest.raises(RuntimeError), db.tx() as outer:
        outer.execute("INSERT INTO items VALUES ('a')")
        with db.tx() as inner:
            assert inner is outer
            inner.execute("INSERT INTO items VALUES ('b')")
        assert other_reader(db) == []  # nothing is visible before the outer commit
        raise RuntimeError("abort the outer transaction")
    assert names(db) == []


def test_a_failed_commit_leaves_no_transaction_open(db: Database) -> None:
    with db.tx() as conn:
        conn.execute("CREATE TABLE parent (id TEXT PRIMARY KEY)")
        conn.execute("CREATE TABLE child (pid TEXT REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED)")
    with pytest.raises(sqlite3.IntegrityError), db.tx() as conn:
        conn.execute("INSERT INTO child VALUES ('orphan')")  # checked only at COMMIT
    assert not db.connection().in_transaction
    with db.tx() as conn:
        conn.execute("INSERT INTO items VALUES ('after')")
    assert other_reader(db) == ["after"]
    assert db.query("SELECT * FROM child") == []


def test_each_thread_has_its_own_connection(db: Database) -> None:
    seen: list[sqlite3.Connection] = []
    thread = threading.Thread(target=lambda: seen.append(db.connection()))
    thread.start()
    thread.join()
    assert seen[0] is not db.connection()


def test_wal_journal_and_foreign_keys(db: Database) -> None:
    assert db.query("PRAGMA journal_mode")[0][0] == "wal"
    assert db.query("PRAGMA foreign_keys")[0][0] == 1


def test_migrations_run_once(tmp_path: Path) -> None:
    first = Database(tmp_path / "m.db")
    applied = [row["name"] for row in first.query("SELECT name FROM schema_migrations ORDER BY name")]
    first.close()
    again = Database(tmp_path / "m.db")
    assert applied == sorted(name for name, _ in MIGRATIONS)
    assert [row["name"] for row in again.query("SELECT name FROM schema_migrations ORDER BY name")] == applied
    again.close()


def test_close_then_use_again(db: Database) -> None:
    with db.tx() as conn:
        conn.execute("INSERT INTO items VALUES ('a')")
    db.close()
    assert names(db) == ["a"]


def _open_files() -> int:
    return len(list(Path("/proc/self/fd").iterdir()))


def test_connections_of_ended_threads_are_closed(db: Database) -> None:
    """A worker pool retires idle threads and starts new ones: their connections must not pile up."""
    before = _open_files()
    for _ in range(200):
        worker = threading.Thread(target=lambda: names(db))
        worker.start()
        worker.join()
    assert _open_files() - before < 10
    assert names(db) == []
