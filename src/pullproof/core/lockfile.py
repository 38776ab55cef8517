"""The data dir's writer lock: ``fcntl.flock`` on ``<data-dir>/pullproof.lock`` (mode 0600).

The process that holds it is the one writer of the blob store: ``pullproof up`` from before it opens
the store until it has closed it, or ``pullproof gc`` collecting offline. Readers (``explain``,
``check-acr``, ``env``) never take it. The kernel releases a ``flock`` when its holder dies, so a
``kill -9`` never leaves a stale lock; the file itself stays (removing it would let two processes
lock two different files).

The holder writes its PID into the file once it has the lock (and empties it when it lets go), so a
refused process can name it. The PID is a hint for the message only: a holder killed with ``kill -9``
leaves its PID behind until the next holder overwrites it, so the lock itself, never the PID, decides.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path
from types import TracebackType

LOCK_NAME = "pullproof.lock"


class DataDirBusy(Exception):
    """Another process holds the data dir's writer lock."""

    def __init__(self, data_dir: Path, pid: int | None = None) -> None:
        holder = f"PID {pid}" if pid is not None else "PID unknown"
        super().__init__(f"another pullproof process ({holder}, a server or 'pullproof gc') is writing {data_dir}")
        self.data_dir = data_dir
        self.pid = pid


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
        self._write_pid(f"{os.getpid()}\n".encode("ascii"))
        return True

    def holder(self) -> int | None:
        """The PID the holder wrote into the lock file; None if there is none (yet) or it is not a PID."""
        try:
            text = self.path.read_text("ascii").strip()
        except (OSError, UnicodeDecodeError):
            return None
        return int(text) if text.isdigit() and int(text) > 0 else None

    def busy(self) -> DataDirBusy:
        """The refusal to raise when ``acquire`` has returned False."""
        return DataDirBusy(self.data_dir, self.holder())

    def _write_pid(self, data: bytes) -> None:
        """Best effort: the PID only names the holder in a refusal; a full disk must not undo the lock."""
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, 0)
                os.pwrite(self._fd, data, 0)

    def release(self) -> None:
        if self._fd is not None:
            self._write_pid(b"")
            fd, self._fd = self._fd, None
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def __enter__(self) -> DataDirLock:
        if not self.acquire():
            raise self.busy()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.release()
