"""``FilesystemDriver``: object ``a/b/c`` is the file ``root/a/b/c`` (directories 0700, files 0600).

Writers stage bytes in ``root/_tmp~`` (``~`` is not allowed in a path, so no object can collide with
it). Construction changes nothing there: readers in other processes open the same root while the
server writes. ``sweep_staging`` removes what no writer of this driver object holds (what a killed
process left behind); only the store's one writer calls it. One writing driver per root at a time;
namespace changes (commit, move, delete, truncate) are serialized by one lock.

- Replacing writer: a temp file; commit = fsync, ``os.replace`` onto the object, fsync of the
  directory. A crash leaves the old content or the new one.
- Append writer: only the new bytes go to a side file, so an upload sent in many PATCH requests
  costs each byte once. If at commit the object is still the file the writer opened, unchanged
  (same inode and size), commit fsyncs the side file, copies it onto the end of the object and
  fsyncs it. A crash during that copy leaves the old content plus a prefix of the new bytes;
  ``truncate`` to the recorded length repairs it. An error during the copy truncates back. If the
  object changed meanwhile, commit writes the writer's snapshot plus its bytes to a new file and
  replaces the object (last commit wins).
- Files are never rewritten, only extended at their end by such appends; replacing, moving and
  ``truncate`` swap in other files. So a reader (the file is opened on the call and read up to the
  size it had then) and an append writer's snapshot (the first ``base`` bytes of the file it opened)
  stay valid whatever happens to the path later.
- While an append is copied in place, the path's old size is pinned: ``stat``, ``reader`` and
  ``writer(append=True)`` of that path see the object as it was until the commit is complete.
- ``delete`` of a prefix first renames the directory into the temp area, so it is atomic too.
  Directories left empty by ``delete`` or ``move`` are removed.

Paths that differ only in case are distinct objects only on a case-sensitive filesystem.
"""

from __future__ import annotations

import os
import shutil
import stat as st
import tempfile
import threading
from pathlib import Path
from typing import BinaryIO

from pullproof.blobstore.base import (
    SEGMENT,
    InvalidOffset,
    PathConflict,
    PathNotFound,
    check_path,
    check_prefix,
    check_read_window,
)

TEMP = "_tmp~"
DIR_MODE = 0o700
COPY_CHUNK = 1 << 20


def _copy(source: BinaryIO, fd: int, count: int | None = None) -> None:
    """Write ``count`` bytes (default: the rest) from ``source``'s position to ``fd``'s."""
    while count is None or count > 0:
        chunk = source.read(COPY_CHUNK if count is None else min(COPY_CHUNK, count))
        if not chunk:
            if count:
                raise OSError(f"short read: {count} bytes missing")
            return
        view = memoryview(chunk)
        while view:
            view = view[os.write(fd, view):]
        if count is not None:
            count -= len(chunk)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class FileChunks:
    """Iterator over an open file's bytes; closes the file when exhausted, closed or collected."""

    def __init__(self, fh: BinaryIO, remaining: int, chunk_size: int) -> None:
        self._fh = fh
        self._remaining = remaining
        self._chunk_size = chunk_size

    def __iter__(self) -> FileChunks:
        return self

    def __next__(self) -> bytes:
        chunk = self._fh.read(min(self._chunk_size, self._remaining)) if self._remaining > 0 else b""
        if not chunk:
            self.close()
            raise StopIteration
        self._remaining -= len(chunk)
        return chunk

    def close(self) -> None:
        self._remaining = 0
        self._fh.close()

    def __del__(self) -> None:
        self._fh.close()


class FileWriter:
    """Bytes go to a file in the temp area; ``held`` (append writers) is the object's file at open."""

    def __init__(self, driver: FilesystemDriver, path: str, held: BinaryIO | None, base: int) -> None:
        self._driver = driver
        self._path = path
        self._held = held
        self._base = base
        fd, self._temp = driver._stage("w-")
        self._fh: BinaryIO = os.fdopen(fd, "w+b")
        self._written = 0
        self._open = True

    @property
    def size(self) -> int:
        return self._base + self._written

    def write(self, data: bytes) -> int:
        if not self._open:
            raise ValueError(f"writer for {self._path} is closed")
        self._fh.write(data)
        self._written += len(data)
        return len(data)

    def commit(self) -> None:
        if not self._open:
            raise ValueError(f"writer for {self._path} is closed")
        self._open = False
        try:
            self._fh.flush()
            os.fsync(self._fh.fileno())
            self._driver._commit(self._path, self._temp, self._fh, self._held, self._base)
        except BaseException:
            self._release(unlink=True)
            raise
        self._release(unlink=self._held is not None)  # a replacing writer's file is now the object

    def cancel(self) -> None:
        if self._open:
            self._open = False
            self._release(unlink=True)

    def _release(self, unlink: bool) -> None:
        self._fh.close()
        if self._held is not None:
            self._held.close()
        if unlink:
            self._temp.unlink(missing_ok=True)
        self._driver._unstage(self._temp)


class FilesystemDriver:
    """``BlobDriver`` (and ``Truncatable``) over a directory tree."""

    name: str = "filesystem"

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.temp_dir = self.root / TEMP
        self._lock = threading.Lock()
        self._pin_lock = threading.Lock()
        self._pins: dict[str, int] = {}
        self._staging_lock = threading.Lock()
        self._staged: set[str] = set()  # names in the temp area that this driver's writers and deletes hold
        self.root.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
        self.temp_dir.mkdir(mode=DIR_MODE, exist_ok=True)

    def stat(self, path: str) -> int:
        target = self.root / check_path(path)
        with self._pin_lock:
            try:
                info = os.stat(target)
            except (FileNotFoundError, NotADirectoryError):
                raise PathNotFound(path) from None
            pinned = self._pins.get(path)
        if not st.S_ISREG(info.st_mode):
            raise PathNotFound(path)
        return info.st_size if pinned is None else min(info.st_size, pinned)

    def reader(self, path: str, offset: int = 0, length: int | None = None,
               chunk_size: int = 1 << 20) -> FileChunks:
        fh, size = self._open(path)
        try:
            check_read_window(chunk_size, length)
            if not 0 <= offset <= size:
                raise InvalidOffset(path, offset)
            fh.seek(offset)
        except BaseException:
            fh.close()
            raise
        end = size if length is None else min(size, offset + length)
        return FileChunks(fh, end - offset, chunk_size)

    def writer(self, path: str, append: bool = False) -> FileWriter:
        if not append:
            return FileWriter(self, check_path(path), None, 0)
        held, base = self._open(path)
        try:
            return FileWriter(self, path, held, base)
        except BaseException:
            held.close()
            raise

    def move(self, source: str, destination: str) -> None:
        src = self.root / check_path(source)
        check_path(destination)
        with self._lock:
            if not src.is_file():
                raise PathNotFound(source)
            if source != destination:
                self._place(src, destination)
                _fsync_dir(src.parent)
                self._prune(src.parent)

    def delete(self, path: str) -> None:
        target = self.root / check_path(path)
        trash = None
        with self._lock:
            if target.is_file():
                target.unlink()
            elif target.is_dir():
                trash = self._to_trash(target)
            else:
                raise PathNotFound(path)
            _fsync_dir(target.parent)
            self._prune(target.parent)
        if trash is not None:
            found = any(files for _, _, files in os.walk(trash))
            shutil.rmtree(trash.parent)
            self._unstage(trash.parent)
            if not found:
                raise PathNotFound(path)

    def truncate(self, path: str, size: int) -> None:
        with self._lock:
            fh, current = self._open(path)
            with fh:
                if not 0 <= size <= current:
                    raise InvalidOffset(path, size)
                if size == current:
                    return
                copy = self._snapshot(fh, size, None)
            self._place_new(copy, path)

    def sweep_staging(self) -> list[str]:
        """Remove entries of the temp area that no writer or delete of this driver holds.

        Snapshots (``c-``) live only while the namespace lock is held, so holding it here keeps them
        safe; what is listed as a victim is held by nobody, so it is removed outside the locks."""
        with self._lock, self._staging_lock:
            self.temp_dir.mkdir(mode=DIR_MODE, exist_ok=True)
            victims = sorted(name for name in os.listdir(self.temp_dir) if name not in self._staged)
        for name in victims:
            entry = self.temp_dir / name
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
        return [f"{TEMP}/{name}" for name in victims]

    def list(self, prefix: str) -> list[str]:
        base = self.root / prefix if check_prefix(prefix) else self.root
        found = []
        for dirpath, dirnames, filenames in os.walk(base):
            here = Path(dirpath).relative_to(self.root).as_posix()
            if here == ".":
                dirnames[:] = [d for d in dirnames if d != TEMP]
            found += [name if here == "." else f"{here}/{name}" for name in filenames if SEGMENT.fullmatch(name)]
        return sorted(found)

    # internals -----------------------------------------------------------------------------------
    def _stage(self, prefix: str) -> tuple[int, Path]:
        """A new file in the temp area, held (``sweep_staging`` keeps it) until ``_unstage``."""
        with self._staging_lock:
            fd, name = tempfile.mkstemp(dir=self.temp_dir, prefix=prefix)
            self._staged.add(os.path.basename(name))
        return fd, Path(name)

    def _unstage(self, entry: Path) -> None:
        with self._staging_lock:
            self._staged.discard(entry.name)

    def _to_trash(self, directory: Path) -> Path:
        """Rename ``directory`` into a new held entry of the temp area; caller holds the lock."""
        with self._staging_lock:
            holder = Path(tempfile.mkdtemp(dir=self.temp_dir, prefix="d-"))
            self._staged.add(holder.name)
        try:
            os.replace(directory, holder / "tree")
        except BaseException:
            holder.rmdir()
            self._unstage(holder)
            raise
        return holder / "tree"

    def _open(self, path: str) -> tuple[BinaryIO, int]:
        """Open the object for reading; returns the file and its visible (committed) size."""
        target = self.root / check_path(path)
        with self._pin_lock:
            try:
                fh = open(target, "rb")  # noqa: SIM115 - the caller closes it
            except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
                raise PathNotFound(path) from None
            pinned = self._pins.get(path)
        size = os.fstat(fh.fileno()).st_size
        return fh, size if pinned is None else min(size, pinned)

    def _commit(self, path: str, temp: Path, side: BinaryIO, held: BinaryIO | None, base: int) -> None:
        with self._lock:
            if held is None:
                self._place(temp, path)
            elif not self._append_in_place(path, held, base, side):
                self._place_new(self._snapshot(held, base, side), path)

    def _append_in_place(self, path: str, held: BinaryIO, base: int, side: BinaryIO) -> bool:
        """Extend the object if it is still ``held``'s file with ``base`` bytes; caller holds the lock."""
        try:
            fd = os.open(self.root / path, os.O_WRONLY)
        except OSError:
            return False
        try:
            now, then = os.fstat(fd), os.fstat(held.fileno())
            if (now.st_dev, now.st_ino, now.st_size) != (then.st_dev, then.st_ino, base):
                return False
            with self._pin_lock:
                self._pins[path] = base
            try:
                os.lseek(fd, base, os.SEEK_SET)
                side.seek(0)
                _copy(side, fd)
                os.fsync(fd)
            except Exception:
                os.ftruncate(fd, base)
                os.fsync(fd)
                raise
            finally:
                with self._pin_lock:
                    del self._pins[path]
            return True
        finally:
            os.close(fd)

    def _snapshot(self, head: BinaryIO, count: int, tail: BinaryIO | None) -> Path:
        """A new fsynced temp file: the first ``count`` bytes of ``head``, then all of ``tail``."""
        fd, name = tempfile.mkstemp(dir=self.temp_dir, prefix="c-")
        try:
            head.seek(0)
            _copy(head, fd, count)
            if tail is not None:
                tail.seek(0)
                _copy(tail, fd)
            os.fsync(fd)
        except BaseException:
            os.unlink(name)
            raise
        finally:
            os.close(fd)
        return Path(name)

    def _place_new(self, temp: Path, path: str) -> None:
        try:
            self._place(temp, path)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise

    def _place(self, source: Path, path: str) -> None:
        """Rename ``source`` onto the object at ``path``, durably; caller holds the lock."""
        target = self.root / path
        parent = self.root
        for part in path.split("/")[:-1]:
            parent = parent / part
            try:
                parent.mkdir(mode=DIR_MODE)
                _fsync_dir(parent.parent)
            except FileExistsError:
                if not parent.is_dir():
                    raise PathConflict(path) from None
        if target.is_dir():
            try:
                target.rmdir()  # an empty directory is no object; one with content is a conflict
            except OSError:
                raise PathConflict(path) from None
        os.replace(source, target)
        _fsync_dir(target.parent)

    def _prune(self, directory: Path) -> None:
        """Remove ``directory`` and its ancestors below the root while they are empty."""
        while directory != self.root:
            try:
                directory.rmdir()
            except OSError:
                return
            directory = directory.parent
