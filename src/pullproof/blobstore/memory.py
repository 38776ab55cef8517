"""``MemoryDriver``: objects are immutable ``bytes`` in a dict behind one lock; writers buffer until commit."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

from pullproof.blobstore.base import (
    InvalidOffset,
    PathConflict,
    PathNotFound,
    check_path,
    check_prefix,
    check_read_window,
)


def _ancestors(path: str) -> list[str]:
    parts = path.split("/")
    return ["/".join(parts[:i]) for i in range(1, len(parts))]


class MemoryWriter:
    """Buffers writes; ``commit`` hands the base snapshot plus the buffer to the driver."""

    def __init__(self, path: str, base: bytes, put: Callable[[str, bytes], None]) -> None:
        self._path = path
        self._base = base
        self._buffer = bytearray()
        self._put = put
        self._open = True

    @property
    def size(self) -> int:
        return len(self._base) + len(self._buffer)

    def write(self, data: bytes) -> int:
        self._check_open()
        self._buffer += data
        return len(data)

    def commit(self) -> None:
        self._check_open()
        self._open = False
        content = self._base + bytes(self._buffer)
        self._buffer = bytearray()
        self._put(self._path, content)

    def cancel(self) -> None:
        self._open = False
        self._buffer = bytearray()

    def _check_open(self) -> None:
        if not self._open:
            raise ValueError(f"writer for {self._path} is closed")


class MemoryDriver:
    """Thread-safe in-memory ``BlobDriver`` (and ``Truncatable``)."""

    name: str = "memory"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._objects: dict[str, bytes] = {}
        self._prefixes: dict[str, int] = {}  # proper prefix of objects -> how many objects are under it

    def stat(self, path: str) -> int:
        return len(self._get(path))

    def reader(self, path: str, offset: int = 0, length: int | None = None,
               chunk_size: int = 1 << 20) -> Iterator[bytes]:
        data = self._get(path)
        check_read_window(chunk_size, length)
        if not 0 <= offset <= len(data):
            raise InvalidOffset(path, offset)
        end = len(data) if length is None else min(len(data), offset + length)
        return (data[i:min(i + chunk_size, end)] for i in range(offset, end, chunk_size))

    def writer(self, path: str, append: bool = False) -> MemoryWriter:
        check_path(path)
        return MemoryWriter(path, self._get(path) if append else b"", self._put)

    def move(self, source: str, destination: str) -> None:
        check_path(destination)
        with self._lock:
            data = self._get_locked(source)
            if source != destination:
                self._check_free(destination)
                self._remove(source)
                self._store(destination, data)

    def delete(self, path: str) -> None:
        check_path(path)
        with self._lock:
            if path in self._objects:
                self._remove(path)
            elif path in self._prefixes:
                for name in [n for n in self._objects if n.startswith(path + "/")]:
                    self._remove(name)
            else:
                raise PathNotFound(path)

    def sweep_staging(self) -> list[str]:
        """Nothing to sweep: a writer's bytes live in the writer and go with it."""
        return []

    def list(self, prefix: str) -> list[str]:
        start = prefix + "/" if check_prefix(prefix) else ""
        with self._lock:
            return sorted(name for name in self._objects if name.startswith(start))

    def truncate(self, path: str, size: int) -> None:
        with self._lock:
            data = self._get_locked(path)
            if not 0 <= size <= len(data):
                raise InvalidOffset(path, size)
            self._objects[path] = data[:size]

    # helpers (callers hold the lock where it says _locked or when they mutate) -------------------
    def _get(self, path: str) -> bytes:
        with self._lock:
            return self._get_locked(path)

    def _get_locked(self, path: str) -> bytes:
        data = self._objects.get(check_path(path))
        if data is None:
            raise PathNotFound(path)
        return data

    def _put(self, path: str, data: bytes) -> None:
        with self._lock:
            self._check_free(path)
            self._store(path, data)

    def _check_free(self, path: str) -> None:
        if path in self._prefixes or any(a in self._objects for a in _ancestors(path)):
            raise PathConflict(path)

    def _store(self, path: str, data: bytes) -> None:
        if path not in self._objects:
            for prefix in _ancestors(path):
                self._prefixes[prefix] = self._prefixes.get(prefix, 0) + 1
        self._objects[path] = data

    def _remove(self, path: str) -> None:
        del self._objects[path]
        for prefix in _ancestors(path):
            count = self._prefixes.pop(prefix) - 1
            if count:
                self._prefixes[prefix] = count
