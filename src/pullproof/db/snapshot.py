"""A private, consistent copy of a database that another process may be writing, taken without
opening it with SQLite.

Any SQLite connection to a WAL database writes to it, even one opened ``mode=ro``: it creates the
``-wal`` and ``-shm`` files when they are missing (and leaves them behind), and it takes read marks in
the ``-shm`` of a live writer. A reader that must leave every byte of the data dir as it was copies the
database file and its ``-wal`` instead, and opens the copy: SQLite rebuilds the WAL index from the
copied log (what it does after a crash) and sees the last transaction committed before the copy.

The copy is consistent because the log is read before and after the database file, and taken again if
the two reads differ. While the log is unchanged no transaction commits; a checkpoint that runs
meanwhile copies into the database file only pages whose newest version is in the copied log, which
SQLite replays over the copy.
"""

from __future__ import annotations

import time
from pathlib import Path

from pullproof.core.datadir import write_private

ATTEMPTS = 50
BACKOFF = 0.001, 0.05  # seconds: the first pause after a copy that changed under it, and the longest


class SnapshotError(Exception):
    """The database kept changing (or could not be read) while it was copied."""


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def wal_of(path: Path) -> Path:
    return path.with_name(path.name + "-wal")


def copy_database(source: Path, target: Path, attempts: int = ATTEMPTS) -> None:
    """Copy ``source`` (and its ``-wal``) to ``target`` (and ``target-wal``), mode 0600; reads only."""
    pause = BACKOFF[0]
    for attempt in range(attempts):
        if attempt:  # a commit landed during the copy: let the writer's burst pass before the next try
            time.sleep(pause)
            pause = min(pause * 2, BACKOFF[1])
        before = _read(wal_of(source))
        main = _read(source)
        if main is None:
            raise SnapshotError(f"{source} does not exist")
        if _read(wal_of(source)) == before:
            write_private(target, main)
            if before is not None:
                write_private(wal_of(target), before)
            return
    raise SnapshotError(f"{source} changed during each of {attempts} attempts to copy it")
