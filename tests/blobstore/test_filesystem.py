"""The filesystem driver passes the conformance suite; its on-disk layout, temp area and crash behaviour."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO

import pytest

from pullproof.blobstore import filesystem
from pullproof.blobstore.base import BlobDriver, PathConflict, PathNotFound
from pullproof.blobstore.filesystem import FilesystemDriver
from tests.conformance.blobstore_suite import BlobDriverSuite, append, get, put


def stray(root: Path) -> list[str]:
    """What the temp area holds, and directories left empty under the root."""
    temp = root / filesystem.TEMP
    empty = [d.relative_to(root).as_posix() for d in root.rglob("*")
             if d.is_dir() and d != temp and not any(d.iterdir())]
    return sorted([f"{filesystem.TEMP}/{p.name}" for p in temp.iterdir()] + empty)


class TestFilesystemDriver(BlobDriverSuite):
    def make_driver(self, tmp_path: Path) -> BlobDriver:
        return FilesystemDriver(tmp_path / "blobs")

    def leftovers(self, driver: BlobDriver) -> list[str]:
        assert isinstance(driver, FilesystemDriver)
        return stray(driver.root)


class Crash(BaseException):
    """Stands for the process dying: no ``except Exception`` handler runs."""


@pytest.fixture
def driver(tmp_path: Path) -> FilesystemDriver:
    return FilesystemDriver(tmp_path / "blobs")


def test_objects_are_files_under_the_root(driver: FilesystemDriver) -> None:
    put(driver, "blobs/sha256/ab/abcd", b"layer")
    put(driver, "uploads/u1", b"")
    assert (driver.root / "blobs/sha256/ab/abcd").read_bytes() == b"layer"
    assert (driver.root / "uploads/u1").read_bytes() == b""
    assert sorted(p.name for p in driver.root.iterdir()) == ["_tmp~", "blobs", "uploads"]
    assert driver.list("") == ["blobs/sha256/ab/abcd", "uploads/u1"]


def test_created_directories_and_files_are_private(driver: FilesystemDriver) -> None:
    put(driver, "a/b/c", b"x")
    for directory in (driver.root, driver.root / "a", driver.root / "a/b", driver.temp_dir):
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700, directory
    assert stat.S_IMODE((driver.root / "a/b/c").stat().st_mode) == 0o600


def test_temp_files_exist_only_while_a_writer_is_open(driver: FilesystemDriver) -> None:
    writer = driver.writer("obj")
    writer.write(b"staged")
    assert len(list(driver.temp_dir.iterdir())) == 1 and not (driver.root / "obj").exists()
    assert driver.list("") == []
    writer.commit()
    cancelled = driver.writer("obj")
    cancelled.write(b"x")
    cancelled.cancel()
    appending = driver.writer("obj", append=True)
    appending.write(b"+more")
    appending.commit()
    conflicting = driver.writer("obj/below")
    with pytest.raises(PathConflict):
        conflicting.commit()
    assert stray(driver.root) == []
    assert get(driver, "obj") == b"staged+more"


def test_append_extends_the_same_file(driver: FilesystemDriver) -> None:
    put(driver, "up", b"abc")
    inode = os.stat(driver.root / "up").st_ino
    append(driver, "up", b"def")
    assert os.stat(driver.root / "up").st_ino == inode  # copy-free: the file grew in place
    put(driver, "up", b"new")
    assert os.stat(driver.root / "up").st_ino != inode


def test_uncommitted_writes_vanish_after_a_crash(driver: FilesystemDriver) -> None:
    put(driver, "kept", b"committed")
    writers = [driver.writer(path, append=appending) for path, appending in
               (("new", False), ("kept", False), ("kept", True))]
    for writer in writers:
        writer.write(b"never committed")
    (driver.temp_dir / "d-junk").mkdir()
    (driver.temp_dir / "d-junk" / "tree").write_bytes(b"half-deleted tree")
    restarted = FilesystemDriver(driver.root)  # another process's driver: it holds none of them
    staged = sorted(p.name for p in driver.temp_dir.iterdir())
    assert len(staged) == 4
    assert restarted.sweep_staging() == [f"{filesystem.TEMP}/{name}" for name in staged]
    assert list(restarted.temp_dir.iterdir()) == []
    assert restarted.list("") == ["kept"] and get(restarted, "kept") == b"committed"
    with pytest.raises(PathNotFound):
        restarted.stat("new")
    for writer in writers:
        writer.cancel()  # what the dead process held is already gone: harmless
    assert stray(restarted.root) == []


def test_opening_a_driver_leaves_the_staging_area_alone(driver: FilesystemDriver) -> None:
    """A reader opening the store (``explain`` beside a running server) changes nothing the writer stages."""
    put(driver, "up", b"old")
    fresh, appending = driver.writer("new"), driver.writer("up", append=True)
    for writer in (fresh, appending):
        writer.write(b"+bytes")
    (driver.temp_dir / "w-left-by-a-crash").write_bytes(b"x")
    before = sorted(p.name for p in driver.temp_dir.iterdir())
    for _ in range(3):
        reader = FilesystemDriver(driver.root)
        assert reader.list("") == ["up"] and get(reader, "up") == b"old"
    assert sorted(p.name for p in driver.temp_dir.iterdir()) == before
    fresh.commit()
    appending.commit()
    assert (get(driver, "new"), get(driver, "up")) == (b"+bytes", b"old+bytes")
    assert driver.sweep_staging() == [f"{filesystem.TEMP}/w-left-by-a-crash"]
    assert stray(driver.root) == []


def test_sweep_keeps_a_delete_in_progress(driver: FilesystemDriver, monkeypatch: pytest.MonkeyPatch) -> None:
    put(driver, "tree/a", b"1")
    put(driver, "tree/b/c", b"2")
    swept: list[list[str]] = []
    real_walk = os.walk

    def walk_after_sweep(top: str | os.PathLike[str]) -> object:
        swept.append(driver.sweep_staging())  # the renamed tree is in the temp area now, held
        return real_walk(top)

    monkeypatch.setattr(os, "walk", walk_after_sweep)
    driver.delete("tree")
    monkeypatch.undo()
    assert swept == [[]] and driver.list("") == [] and stray(driver.root) == []


def test_a_crash_during_an_append_commit_leaves_a_prefix(driver: FilesystemDriver,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    put(driver, "up", b"old")

    def dying(source: BinaryIO, fd: int, count: int | None = None) -> None:
        os.write(fd, source.read()[:2])
        raise Crash

    monkeypatch.setattr(filesystem, "_copy", dying)
    with pytest.raises(Crash):
        append(driver, "up", b"NEW")
    monkeypatch.undo()
    restarted = FilesystemDriver(driver.root)
    assert get(restarted, "up") == b"oldNE"  # old content + a prefix of the new bytes
    restarted.truncate("up", 3)  # the registry truncates to the length it recorded
    assert get(restarted, "up") == b"old"
    assert stray(restarted.root) == []


def test_an_error_during_an_append_commit_rolls_back(driver: FilesystemDriver,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    put(driver, "up", b"old")

    def failing(source: BinaryIO, fd: int, count: int | None = None) -> None:
        os.write(fd, source.read()[:2])
        raise OSError("disk full")

    monkeypatch.setattr(filesystem, "_copy", failing)
    with pytest.raises(OSError, match="disk full"):
        append(driver, "up", b"NEW")
    assert (driver.stat("up"), (driver.root / "up").read_bytes()) == (3, b"old")
    assert stray(driver.root) == []


def test_delete_and_move_remove_emptied_directories(driver: FilesystemDriver) -> None:
    put(driver, "a/b/c", b"1")
    put(driver, "x/y/z", b"2")
    put(driver, "x/keep", b"3")
    driver.delete("a/b/c")
    driver.move("x/y/z", "moved")
    assert sorted(p.name for p in driver.root.iterdir()) == ["_tmp~", "moved", "x"]
    assert sorted(p.name for p in (driver.root / "x").iterdir()) == ["keep"]
    driver.delete("x")
    assert sorted(p.name for p in driver.root.iterdir()) == ["_tmp~", "moved"]


def test_an_empty_directory_is_not_an_object(driver: FilesystemDriver) -> None:
    (driver.root / "stray").mkdir()  # e.g. left by a crash before an emptied directory was removed
    with pytest.raises(PathNotFound):
        driver.stat("stray")
    with pytest.raises(PathNotFound):
        driver.delete("stray")
    put(driver, "other", b"x")
    (driver.root / "stray").mkdir()
    put(driver, "stray", b"an object now")
    driver.move("other", "stray")
    assert get(driver, "stray") == b"x"


def test_list_shows_only_objects(driver: FilesystemDriver) -> None:
    put(driver, "a/b", b"x")
    (driver.root / "a" / "not valid~").write_bytes(b"written by someone else")
    open_writer = driver.writer("a/c")
    assert driver.list("") == ["a/b"] and driver.list("a") == ["a/b"]
    open_writer.cancel()


def test_an_append_in_progress_is_not_visible(driver: FilesystemDriver, monkeypatch: pytest.MonkeyPatch) -> None:
    put(driver, "up", b"old")
    seen: list[tuple[int, bytes, int]] = []

    def observed(source: BinaryIO, fd: int, count: int | None = None) -> None:
        data = source.read()
        os.write(fd, data[:2])  # the file now holds b"oldNE"
        probe = driver.writer("up", append=True)
        seen.append((driver.stat("up"), get(driver, "up"), probe.size))
        probe.cancel()
        os.write(fd, data[2:])

    monkeypatch.setattr(filesystem, "_copy", observed)
    append(driver, "up", b"NEW")
    assert seen == [(3, b"old", 3)]
    assert (driver.stat("up"), get(driver, "up")) == (6, b"oldNEW")
