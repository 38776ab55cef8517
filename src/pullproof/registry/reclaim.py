"""Reclaiming registry storage: expired upload sessions, files no row names, staging a killed process
left, and blobs no repository links to.

Only the blob store's one writer runs this: the server (``sweep`` when it starts and then every
``SWEEP_INTERVAL`` of emulated time; ``collect`` when ``pullproof gc`` asks), or ``pullproof gc``
itself when no server runs, holding the data dir's lock. Deleting a registry or a repository removes
rows only (inside the ARM transaction); the files those rows named become orphans and go here.

Races with the requests the server serves at the same time:

- A session's row is written before its file and removed after it (``Content``), and the session
  files are listed *before* the rows are read: a listed file whose row is missing is an orphan, or
  was just completed or cancelled (then deleting it finds nothing).
- A blob's bytes and row are placed under that digest's placing lock; an orphan blob file is
  checked again, and deleted, under the same lock.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from dataclasses import asdict, dataclass

from pullproof.blobstore.base import PathNotFound
from pullproof.core.clock import Clock
from pullproof.registry.content import ALGORITHMS, UPLOAD_LIFETIME, Content
from pullproof.registry.store import RegistryStore

SWEEP_INTERVAL = 24 * 3600.0  # distribution's default upload purge interval
LOG = logging.getLogger("pullproof.registry")


@dataclass(frozen=True)
class Reclaimed:
    """What one pass removed: blob digests, session ids, driver paths, staging entries."""

    blobs: list[str]
    sessions: list[str]
    orphans: list[str]
    staging: list[str]

    def as_json(self) -> dict[str, list[str]]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, list[str]]) -> Reclaimed:
        return cls(**{key: [str(item) for item in data.get(key, [])] for key in cls.__dataclass_fields__})


def digest_of(path: str) -> str | None:
    """The digest a ``blobs/<algorithm>/<2 hex>/<hex>`` path holds; None for any other path."""
    parts = path.split("/")
    if len(parts) != 4 or parts[0] != "blobs":
        return None
    _, algorithm, prefix, hexpart = parts
    if (ALGORITHMS.get(algorithm) != len(hexpart) or prefix != hexpart[:2]
            or any(c not in "0123456789abcdef" for c in hexpart)):
        return None
    return f"{algorithm}:{hexpart}"


class Reclaimer:
    def __init__(self, content: Content, store: RegistryStore, clock: Clock,
                 interval: float = SWEEP_INTERVAL) -> None:
        self.content = content
        self.driver = content.driver
        self.store = store
        self.clock = clock
        self.interval = interval
        self._lock = threading.Lock()  # one pass at a time
        self._next: float | None = None

    def sweep(self) -> Reclaimed:
        """Expired sessions, session files without a row, and staging no writer holds."""
        with self._lock:
            return Reclaimed([], self._expire(), self._orphan_sessions(), self.driver.sweep_staging())

    def collect(self) -> Reclaimed:
        """All that ``sweep`` removes, plus blobs no repository links to and blob files without a row."""
        with self._lock:
            sessions, orphans = self._expire(), self._orphan_sessions()
            blobs = self.content.collect()
            orphans += self._orphan_blobs()
            return Reclaimed(blobs, sessions, sorted(orphans), self.driver.sweep_staging())

    def due(self) -> Reclaimed | None:
        """Sweep if ``interval`` has passed on the clock since the last sweep (or none ran yet)."""
        now = self.clock.now()
        if self._next is not None and now < self._next:
            return None
        self._next = now + self.interval
        return self.sweep()

    async def run(self, stop: asyncio.Event, tick: float = 1.0) -> None:
        """The server's loop: look every ``tick`` real seconds whether a sweep is due."""
        while not stop.is_set():
            try:
                await asyncio.to_thread(self.due)
            except Exception:  # a failed pass is retried at the next interval
                LOG.exception("storage sweep failed")
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), tick)

    # the passes (callers hold the lock) ----------------------------------------------------------------
    def _expire(self) -> list[str]:
        expired = self.store.uploads_started_before(self.clock.now() - UPLOAD_LIFETIME)
        for upload_id in expired:
            self.store.delete_upload(upload_id)
            self.content.hashing.forget(upload_id)
            self._delete(f"uploads/{upload_id}")
        return expired

    def _orphan_sessions(self) -> list[str]:
        files = self.driver.list("uploads")  # before the rows: see the module docstring
        known = self.store.upload_ids()
        return [path for path in files if path.removeprefix("uploads/") not in known and self._delete(path)]

    def _orphan_blobs(self) -> list[str]:
        files = self.driver.list("blobs")
        known = self.store.blob_digests()
        removed = []
        for path in files:
            digest = digest_of(path)
            if digest in known:
                continue
            if digest is None:
                removed += [path] if self._delete(path) else []
                continue
            with self.content.placing(digest):
                if self.store.blob_size(digest) is None and self._delete(path):
                    removed.append(path)
        return removed

    def _delete(self, path: str) -> bool:
        try:
            self.driver.delete(path)
        except PathNotFound:
            return False
        return True
