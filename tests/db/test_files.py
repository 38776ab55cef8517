"""The database files are private (0600, -wal and -shm too)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from pullproof.db.engine import Database


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
