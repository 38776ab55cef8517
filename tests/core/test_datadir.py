from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from pullproof.core import datadir
from pullproof.core.nodekeys import NodeKey
from pullproof.core.sealing import Sealer

NOBODY = 65534


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def test_ensure_creates_the_directory_0700_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        datadir.ensure(tmp_path / "a" / "data")
    finally:
        os.umask(old)
    assert _mode(tmp_path / "a" / "data") == 0o700


@pytest.mark.parametrize(("name", "change", "says"), [
    ("", lambda p: os.chown(p, NOBODY, NOBODY), "is owned by uid 65534"),
    ("", lambda p: os.chmod(p, 0o720), "writable by group or others (mode 0720)"),
    ("", lambda p: os.chmod(p, 0o702), "writable by group or others (mode 0702)"),
    ("tls", lambda p: os.chown(p, NOBODY, NOBODY), "tls is owned by uid 65534"),
    ("blobs", lambda p: os.chmod(p, 0o777), "blobs is writable"),
    ("node.key", lambda p: os.chown(p, NOBODY, NOBODY), "node.key is owned by uid 65534"),
    ("seal.key", lambda p: os.chmod(p, 0o620), "seal.key is writable"),
    ("pullproof.db-wal", lambda p: os.chown(p, NOBODY, NOBODY), "pullproof.db-wal is owned"),
    ("tls/ca.key", lambda p: os.chmod(p, 0o602), "ca.key is writable"),
])
def test_check_refuses_what_another_user_could_change(tmp_path: Path, name: str, change: Callable[[Path], None],
                                                      says: str) -> None:
    root = tmp_path / "data"
    datadir.ensure(root)
    for sub in ("tls", "blobs"):
        (root / sub).mkdir(mode=0o700)
    target = root / name
    if name and name not in ("tls", "blobs"):
        target.write_text("x")
        os.chmod(target, 0o600)
    datadir.check(root)
    change(target)
    with pytest.raises(datadir.UnsafeDataDir) as refused:
        datadir.check(root)
    assert says in str(refused.value) and "\n" not in str(refused.value)


def test_check_refuses_a_planted_symlink_and_a_file_in_place_of_the_directory(tmp_path: Path) -> None:
    root = tmp_path / "data"
    datadir.ensure(root)
    elsewhere = tmp_path / "theirs.key"
    elsewhere.write_text("00" * 32)
    os.chown(elsewhere, NOBODY, NOBODY)
    (root / "node.key").symlink_to(elsewhere)
    with pytest.raises(datadir.UnsafeDataDir, match=r"node\.key is owned by uid 65534"):
        datadir.check(root)
    (root / "node.key").unlink()
    mine = tmp_path / "mine.key"
    mine.write_text("00" * 32)
    (root / "node.key").symlink_to(mine)
    datadir.check(root)
    os.lchown(root / "node.key", NOBODY, NOBODY)
    with pytest.raises(datadir.UnsafeDataDir, match=r"node\.key is a symbolic link owned by uid 65534"):
        datadir.check(root)
    (root / "node.key").unlink()
    (root / "seal.key").symlink_to(tmp_path / "missing")
    with pytest.raises(datadir.UnsafeDataDir, match="dangling"):
        datadir.check(root)
    plain = tmp_path / "plain"
    plain.write_text("")
    with pytest.raises(datadir.UnsafeDataDir, match="not a directory"):
        datadir.ensure(plain)


def test_a_missing_data_dir_passes_the_check_and_is_not_created(tmp_path: Path) -> None:
    datadir.check(tmp_path / "nothing")
    assert not (tmp_path / "nothing").exists()


def test_harden_takes_group_and_other_access_away(tmp_path: Path) -> None:
    root = tmp_path / "data"
    (root / "tls" / "leaf").mkdir(parents=True)
    (root / "blobs").mkdir()
    files = ["pullproof.db", "operator.json", "tls/ca.pem", "tls/leaf/127.0.0.1.pem"]
    for name in files:
        (root / name).write_text("x")
        os.chmod(root / name, 0o644)
    for directory in (root, root / "tls", root / "tls" / "leaf", root / "blobs"):
        os.chmod(directory, 0o755)
    datadir.harden(root)
    assert {name: _mode(root / name) for name in files} == dict.fromkeys(files, 0o600)
    assert {_mode(d) for d in (root, root / "tls", root / "tls" / "leaf", root / "blobs")} == {0o700}


def test_private_files_are_0600_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        datadir.write_private(tmp_path / "runtime.json", b"{}")
        datadir.write_private(tmp_path / "runtime.json", b"{}")  # replaced, still private
        datadir.create_private(tmp_path / "pullproof.db")
        NodeKey(tmp_path / "node.key")
        Sealer(tmp_path / "seal.key")
    finally:
        os.umask(old)
    assert {p.name: _mode(p) for p in tmp_path.iterdir()} == dict.fromkeys(
        ["runtime.json", "pullproof.db", "node.key", "seal.key"], 0o600)
