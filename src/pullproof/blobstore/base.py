"""The ``BlobDriver`` port: a namespace of byte objects addressed by path.

Paths are relative, ``/``-separated, made of ``[A-Za-z0-9._-]`` segments of at most 255 characters
(no ``.`` or ``..``, no empty segment, no leading or trailing ``/``); anything else raises
``InvalidPath``. The content-addressed layout (``blobs/sha256/ab/<hex>``, ``uploads/<id>``) is the
registry's business, not the driver's.

The namespace is a tree, as on a filesystem: an object's path is never a proper prefix of another
object's path. Committing or moving to a path that would break this (``a/b`` while ``a`` is an
object, or ``a`` while ``a/b`` is one) raises ``PathConflict``, a kind of ``InvalidPath``.

Concurrency: every method may be called from any thread. Each committed change (``commit``,
``move``, ``delete`` of one object, ``truncate``) is atomic for concurrent callers: ``stat``,
``reader`` and ``writer(append=True)`` see the object before or after it, never in between. When
two writers commit to one path, the last commit wins and the object is exactly that writer's content
(its append base plus what it wrote), never a mix.

Staging: a driver may keep scratch state (a temp area) for open writers. Opening a driver never
changes what is stored or staged, so any number of processes may open one store to read it. Only
the store's one writer (the process holding the data dir's lock) calls ``sweep_staging``, which
removes the scratch state no writer of that driver object holds: what a killed process left behind.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Protocol, runtime_checkable

SEGMENT = re.compile(r"[A-Za-z0-9._-]{1,255}")


class BlobError(Exception):
    """Base class of driver errors."""


class PathNotFound(BlobError):
    def __init__(self, path: str) -> None:
        super().__init__(f"path not found: {path}")
        self.path = path


class InvalidPath(BlobError):
    def __init__(self, path: str) -> None:
        super().__init__(f"invalid path: {path!r}")
        self.path = path


class PathConflict(InvalidPath):
    """The path is an object's proper prefix, or has an object as a proper prefix."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.args = (f"path conflicts with an existing object (an object cannot also be a prefix): {path}",)


class InvalidOffset(BlobError):
    def __init__(self, path: str, offset: int) -> None:
        super().__init__(f"invalid offset {offset} for {path}")
        self.path = path
        self.offset = offset


def check_path(path: str) -> str:
    """Return ``path`` if it is valid, else raise ``InvalidPath``."""
    parts = path.split("/")
    if not path or any(not SEGMENT.fullmatch(p) or p in {".", ".."} for p in parts):
        raise InvalidPath(path)
    return path


def check_prefix(prefix: str) -> str:
    """Like ``check_path``, but ``""`` (the whole namespace) is also valid: ``list`` takes a prefix."""
    return prefix if prefix == "" else check_path(prefix)


def check_read_window(chunk_size: int, length: int | None) -> None:
    """``ValueError`` unless ``chunk_size`` >= 1 and ``length`` is ``None`` or >= 0."""
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be at least 1, not {chunk_size}")
    if length is not None and length < 0:
        raise ValueError(f"length must not be negative, not {length}")


class BlobWriter(Protocol):
    """An open writer. Nothing written is visible at the path until ``commit()``.

    A writer is used by one thread at a time. ``commit()`` and ``cancel()`` close it: afterwards
    ``write()`` and ``commit()`` raise ``ValueError`` and ``cancel()`` does nothing, so
    ``try: …; w.commit() finally: w.cancel()`` is safe. A ``commit()`` that raises leaves the path
    as it was and closes the writer.
    """

    @property
    def size(self) -> int:
        """Bytes in the object so far (including what existed before an append-open)."""
        ...

    def write(self, data: bytes) -> int:
        """Append ``data`` (copied: the caller may reuse its buffer); returns the number of bytes written."""
        ...

    def commit(self) -> None:
        """Make the content visible at the path, atomically, durably (for the filesystem: fsync + rename).

        The path then holds exactly ``size`` bytes: the content it had when an append writer was
        opened, plus everything written, even if another writer committed, or the object was moved,
        truncated or deleted, in the meantime (last commit wins). ``PathConflict`` if the path
        cannot be an object (see the module docstring).

        Crashes: a replacing writer's commit is atomic across a crash (the old content or the new).
        An append commit may extend the object in place, so after a crash *during* it the object
        holds its old content plus a prefix (possibly empty, possibly all) of the new bytes; a
        caller that needs exact lengths records the committed size and uses ``Truncatable``.
        """
        ...

    def cancel(self) -> None:
        """Discard what was written since opening; the path keeps its previous content (or stays absent)."""
        ...


class BlobDriver(Protocol):
    """Storage of byte objects. Every method raises ``InvalidPath`` for a bad path."""

    name: str

    def stat(self, path: str) -> int:
        """Size in bytes of the object at ``path``; ``PathNotFound`` if absent (a mere prefix is absent)."""
        ...

    def reader(self, path: str, offset: int = 0, length: int | None = None,
               chunk_size: int = 1 << 20) -> Iterator[bytes]:
        """Yield the object's bytes from ``offset`` (at most ``length`` of them) in chunks.

        ``PathNotFound`` if absent; ``InvalidOffset`` if ``offset`` < 0 or > size; ``ValueError``
        if ``chunk_size`` < 1 or ``length`` < 0. Chunks are non-empty and at most ``chunk_size``
        bytes. The object may be opened before iteration starts: absence is reported on the call,
        not on the first chunk. Exhaust or ``close()`` the iterator to release what it holds.
        """
        ...

    def writer(self, path: str, append: bool = False) -> BlobWriter:
        """Open ``path`` for writing; with ``append`` the writer continues the existing content
        (``PathNotFound`` if absent), otherwise it starts empty and replaces the object on commit."""
        ...

    def move(self, source: str, destination: str) -> None:
        """Atomically rename; replaces ``destination``; ``PathNotFound`` if ``source`` is absent.

        Moves one object (a mere prefix is absent); moving an object onto itself changes nothing;
        ``PathConflict`` (source untouched) if ``destination`` cannot be an object."""
        ...

    def delete(self, path: str) -> None:
        """Remove the object, or every object under ``path/``; ``PathNotFound`` if nothing was there."""
        ...

    def sweep_staging(self) -> list[str]:
        """Remove the scratch state that no open writer or running call of this driver object holds;
        returns the driver-specific names of what was removed, sorted (empty if nothing was).

        Objects are never touched, nor is anything an open writer of this driver will still commit
        or cancel. The caller guarantees that no other process writes the store meanwhile."""
        ...

    def list(self, prefix: str) -> list[str]:
        """Sorted paths of all objects under ``prefix/`` (recursively); empty if none.

        Paths are full driver paths (``list("a")`` → ``["a/b", "a/c/d"]``); ``prefix`` itself is
        not under ``prefix/``; ``prefix`` ``""`` lists every object. Sorted as Python sorts ``str``."""
        ...


@runtime_checkable
class Truncatable(Protocol):
    """Optional capability (``isinstance(driver, Truncatable)``): shorten an object.

    Used to drop bytes an interrupted append commit left past a recorded length.
    """

    def truncate(self, path: str, size: int) -> None:
        """Keep the first ``size`` bytes of the object, atomically, durably. ``PathNotFound`` if
        absent; ``InvalidOffset`` if ``size`` < 0 or > the current size. Open writers are
        unaffected (their commit still yields their own base plus what they wrote)."""
        ...
