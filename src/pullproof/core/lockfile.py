"""The data dir's writer lock: ``fcntl.flock`` on ``<data-dir>/pullproof.lock`` (mode 0600).

The process that holds it is the one writer of the blob store: ``pullproof up`` from before it opens
the store until it has closed it, or ``pullproof gc`` collecting offline. Readers (``explain``,
``check-acr``, ``env``) never take it. The kernel releases a ``flock`` when its holder dies, so a
``kill -9`` never leaves a stale lock; the file itself stays (removing it would let two processes
lock two different files).
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType

LOCK_NAME = "pullproof.lock"


class DataDirBusy(Exception):
    """Another process holds the data dir's writer lock."""

    def __init__(self, data_dir: Path) -> None:
        super().__init__(f"another pullproof process (a server or 'pullproof gc') is writing {data_dir}")
        self.data_dir = data_dir


class DataDirLock:
    """Exclusive, non-blocking, cross-process; ``acquire`` then ``release`` (or use it as a context)."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir)
        self.path = self.data_dir / LOCK_NAME
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> bool:
        """Take the lock if no other process holds it; whether this object now holds it."""
        if self._fd is not None:
            return True
        self.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def __enter__(self) -> DataDirLock:
        if not self.acquire():
            raise DataDirBusy(self.data_dir)
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.release()
