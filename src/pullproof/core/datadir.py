"""The data dir: who may use it, and how its files are written.

It holds the token-signing keys, the keys that seal secrets and derive node credentials, the CA key
and the operator's secret, so it must be the current user's alone: a directory or secret file owned by
someone else, or that group or others may write, is refused (as ``ssh`` refuses a ``~/.ssh`` others can
write). pullproof creates the directory and its state subdirectories 0700 and every file 0600.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600
STATE_DIRS = ("tls", "tls/leaf", "blobs")
"""Subdirectories that hold state (``blobs`` keeps its own tree 0700/0600)."""
SECRET_FILES = ("pullproof.db", "pullproof.db-wal", "pullproof.db-shm", "node.key", "seal.key", "operator.json",
                "runtime.json", "tls/ca.key", "tls/leaf.key")
"""Files whose owner and mode are checked before anything in the data dir is read."""
PRIVATE_DIRS = ("", "tls", "tls/leaf")
"""Directories whose every file ``harden`` makes private (``blobs`` is created private file by file)."""


class UnsafeDataDir(Exception):
    """The data dir (or a secret file in it) may be changed by someone other than the current user."""


def _unsafe(path: Path, info: os.stat_result) -> str | None:
    uid = os.geteuid()
    if info.st_uid != uid:
        return f"{path} is owned by uid {info.st_uid}, not by the current user (uid {uid})"
    if info.st_mode & 0o022:
        return f"{path} is writable by group or others (mode {stat.S_IMODE(info.st_mode):04o})"
    return None


def _check_one(path: Path, directory: bool) -> None:
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return
    if stat.S_ISLNK(info.st_mode):  # a link's own mode means nothing; its owner and its target do
        if info.st_uid != os.geteuid():
            raise UnsafeDataDir(f"{path} is a symbolic link owned by uid {info.st_uid}, not by the current user "
                                f"(uid {os.geteuid()})")
        try:
            info = os.stat(path)
        except FileNotFoundError:
            raise UnsafeDataDir(f"{path} is a dangling symbolic link") from None
    if directory and not stat.S_ISDIR(info.st_mode):
        raise UnsafeDataDir(f"{path} is not a directory")
    problem = _unsafe(path, info)
    if problem is not None:
        raise UnsafeDataDir(problem)


def check(root: Path) -> None:
    """Raise ``UnsafeDataDir`` if ``root``, a state subdirectory or a secret file in it (those that exist) is
    owned by another user or writable by group or others. Reads only; a missing ``root`` passes."""
    _check_one(root, True)
    for name in STATE_DIRS:
        _check_one(root / name, True)
    for name in SECRET_FILES:
        _check_one(root / name, False)


def ensure(root: Path) -> None:
    """Create ``root`` (0700) if it is missing, then ``check`` it."""
    if not root.exists():
        root.parent.mkdir(parents=True, exist_ok=True)
        try:
            root.mkdir(mode=DIR_MODE)
            os.chmod(root, DIR_MODE)  # whatever the umask
        except FileExistsError:
            pass  # someone made it meanwhile: the check below judges it
    check(root)


def harden(root: Path) -> None:
    """``ensure`` ``root``, then take group and other access away from the directories and files pullproof
    keeps in it (data dirs made by earlier versions had 0755 directories and 0644 files)."""
    ensure(root)
    for name in ("", *STATE_DIRS):
        if (root / name).is_dir() and not (root / name).is_symlink():
            _restrict(root / name, DIR_MODE)
    for name in PRIVATE_DIRS:
        directory = root / name
        if directory.is_dir():
            for entry in directory.iterdir():
                if entry.is_file() and not entry.is_symlink():
                    _restrict(entry, FILE_MODE)


def _restrict(path: Path, mode: int) -> None:
    current = stat.S_IMODE(path.stat().st_mode)
    if current & 0o077:
        os.chmod(path, current & mode)


def create_private(path: Path) -> None:
    """Create ``path`` empty with mode 0600 unless it exists (SQLite then gives its -wal and -shm files the
    same mode)."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))


def write_private(path: Path, data: bytes) -> None:
    """Write ``path`` atomically with mode 0600: a new temporary file beside it, fsynced, renamed over it."""
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # O_EXCL, mode 0600
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(name, path)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
