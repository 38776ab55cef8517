"""A private copy of a live database, taken without opening it: consistent, and the source keeps its bytes."""

from __future__ import annotations

import hashlib
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from pullproof.db.engine import Database
from pullproof.db.snapshot import copy_database


def _hashes(directory: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(directory.iterdir()) if p.is_file()}


def _writer(path: Path) -> Database:
    db = Database(path)
    with db.tx() as conn:
        conn.execute("CREATE TABLE pairs (n INTEGER)")
    return db


def test_copies_taken_during_commits_hold_whole_transactions(tmp_path: Path) -> None:
    source = tmp_path / "live" / "pullproof.db"
    source.parent.mkdir()
    db = _writer(source)
    done = threading.Event()

    def write() -> None:
        for index in range(3000):  # each transaction adds two rows; a torn copy would hold an odd count
            with db.tx() as conn:
                conn.execute("INSERT INTO pairs VALUES (?)", (index,))
                conn.execute("INSERT INTO pairs VALUES (?)", (index,))
            if index % 10 == 0:
                time.sleep(0.001)  # a busy server, not one that never stops committing
        done.set()

    thread = threading.Thread(target=write)
    thread.start()
    counts = []
    for index in range(30):
        copy = tmp_path / f"copy{index}" / "pullproof.db"
        copy.parent.mkdir()
        copy_database(source, copy)
        reader = Database(copy, read_only=True)
        assert reader.one("PRAGMA integrity_check")[0] == "ok"  # type: ignore[index]
        counts.append(int(reader.one("SELECT COUNT(*) AS n FROM pairs")["n"]))  # type: ignore[index]
        reader.close()
    thread.join()
    db.close()
    assert all(count % 2 == 0 for count in counts)
    assert counts == sorted(counts)


def test_copying_leaves_the_source_files_as_they_were(tmp_path: Path) -> None:
    source = tmp_path / "live" / "pullproof.db"
    source.parent.mkdir()
    db = _writer(source)
    with db.tx() as conn:
        conn.execute("INSERT INTO pairs VALUES (1)")
    before = _hashes(source.parent)
    assert {"pullproof.db", "pullproof.db-wal", "pullproof.db-shm"} <= set(before)
    (tmp_path / "copy").mkdir()
    copy_database(source, tmp_path / "copy" / "pullproof.db")
    assert _hashes(source.parent) == before
    db.close()


def test_a_read_only_database_refuses_writes_and_migrates_nothing(tmp_path: Path) -> None:
    path = tmp_path / "plain.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE t (a)")
    conn.close()
    reader = Database(path, read_only=True)
    with pytest.raises(sqlite3.OperationalError, match="readonly"), reader.tx() as tx:
        tx.execute("INSERT INTO t VALUES (1)")
    assert reader.query("SELECT name FROM sqlite_master WHERE name = 'schema_migrations'") == []
    reader.close()
