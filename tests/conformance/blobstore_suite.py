"""Conformance suite of the ``BlobDriver`` port, after distribution's storage-driver test suite.

An adapter's tests subclass ``BlobDriverSuite`` and implement ``make_driver``. An adapter with
scratch state (a temp area) overrides ``leftovers``: after every test the suite fails if it is not
empty. ``Truncatable`` is optional; its tests are skipped for drivers without it.
"""

from __future__ import annotations

import abc
import hashlib
import random
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from pullproof.blobstore.base import (
    BlobDriver,
    InvalidOffset,
    InvalidPath,
    PathConflict,
    PathNotFound,
    Truncatable,
)

MiB = 1 << 20
BAD_PATHS = ["", "/a", "a/", "a//b", "/", ".", "..", "a/../b", "a/./b", "../a", "a b", " a", "a\tb", "a\n",
             "é", "a/ü", "a\\b", "a\x00b", "a~", "a:b", "a*", "x" * 256]
GOOD_PATHS = ["a", "A.b-c_d", "...", "-", "x" * 255, "n/e/s/t/e/d", "blobs/sha256/ab/" + "ab" * 32]
Op = Callable[[BlobDriver, str], object]
OPS: dict[str, Op] = {
    "stat": lambda d, p: d.stat(p),
    "reader": lambda d, p: d.reader(p),
    "writer": lambda d, p: d.writer(p),
    "append": lambda d, p: d.writer(p, append=True),
    "move source": lambda d, p: d.move(p, "ok"),
    "move destination": lambda d, p: d.move("ok", p),
    "delete": lambda d, p: d.delete(p),
    "list": lambda d, p: d.list(p),
}


def put(driver: BlobDriver, path: str, data: bytes, chunk: int = 4096) -> None:
    writer = driver.writer(path)
    for i in range(0, len(data), chunk):
        writer.write(data[i:i + chunk])
    writer.commit()


def append(driver: BlobDriver, path: str, data: bytes) -> None:
    writer = driver.writer(path, append=True)
    writer.write(data)
    writer.commit()


def get(driver: BlobDriver, path: str, offset: int = 0, length: int | None = None, chunk_size: int = MiB) -> bytes:
    return b"".join(driver.reader(path, offset, length, chunk_size))


def run_threads(*jobs: Callable[[], object]) -> None:
    with ThreadPoolExecutor(len(jobs)) as pool:
        for future in [pool.submit(job) for job in jobs]:
            future.result()


class BlobDriverSuite(abc.ABC):
    @abc.abstractmethod
    def make_driver(self, tmp_path: Path) -> BlobDriver:
        """A new, empty driver."""

    def leftovers(self, driver: BlobDriver) -> list[str]:
        """Scratch state the driver still holds once every writer is closed (must be none)."""
        return []

    @pytest.fixture
    def driver(self, tmp_path: Path) -> Iterator[BlobDriver]:
        driver = self.make_driver(tmp_path)
        yield driver
        assert self.leftovers(driver) == [], "the driver left scratch state behind"

    # writing and reading ---------------------------------------------------------------------------
    def test_round_trip(self, driver: BlobDriver) -> None:
        writer = driver.writer("a/b")
        assert writer.size == 0
        assert writer.write(b"hello ") == 6
        assert writer.write(b"") == 0
        assert writer.write(b"world") == 5
        assert writer.size == 11
        writer.commit()
        assert driver.stat("a/b") == 11
        assert get(driver, "a/b") == b"hello world"
        assert driver.list("a") == ["a/b"]

    def test_empty_object(self, driver: BlobDriver) -> None:
        driver.writer("empty").commit()
        assert driver.stat("empty") == 0
        assert list(driver.reader("empty")) == []
        assert driver.list("") == ["empty"]

    def test_nothing_visible_before_commit(self, driver: BlobDriver) -> None:
        writer = driver.writer("new/obj")
        writer.write(b"data")
        with pytest.raises(PathNotFound):
            driver.stat("new/obj")
        with pytest.raises(PathNotFound):
            driver.reader("new/obj")
        assert driver.list("") == []
        put(driver, "old", b"before")
        replacing = driver.writer("old")
        replacing.write(b"after!!")
        appending = driver.writer("old", append=True)
        appending.write(b"+more")
        assert (driver.stat("old"), get(driver, "old")) == (6, b"before")
        for open_writer in (writer, replacing, appending):
            open_writer.cancel()

    def test_cancel_keeps_previous_content(self, driver: BlobDriver) -> None:
        writer = driver.writer("absent")
        writer.write(b"x")
        writer.cancel()
        with pytest.raises(PathNotFound):
            driver.stat("absent")
        put(driver, "kept", b"previous")
        for appending in (False, True):
            writer = driver.writer("kept", append=appending)
            writer.write(b"discarded")
            writer.cancel()
            assert get(driver, "kept") == b"previous"
        assert driver.list("") == ["kept"]

    def test_commit_replaces(self, driver: BlobDriver) -> None:
        put(driver, "obj", b"a long first version")
        put(driver, "obj", b"short")
        assert (driver.stat("obj"), get(driver, "obj")) == (5, b"short")

    def test_write_copies_the_callers_buffer(self, driver: BlobDriver) -> None:
        buffer = bytearray(b"abc")
        writer = driver.writer("obj")
        writer.write(bytes(buffer))
        writer.write(buffer)  # type: ignore[arg-type]  # bytes-like, as a server's receive buffer
        buffer[:] = b"XYZ"
        writer.commit()
        assert get(driver, "obj") == b"abcabc"

    def test_writer_is_closed_by_commit_and_cancel(self, driver: BlobDriver) -> None:
        writer = driver.writer("obj")
        writer.write(b"one")
        writer.commit()
        with pytest.raises(ValueError):
            writer.write(b"two")
        with pytest.raises(ValueError):
            writer.commit()
        writer.cancel()  # no-op after commit: safe in a ``finally``
        assert get(driver, "obj") == b"one"
        cancelled = driver.writer("obj", append=True)
        cancelled.cancel()
        cancelled.cancel()
        with pytest.raises(ValueError):
            cancelled.write(b"x")
        with pytest.raises(ValueError):
            cancelled.commit()
        assert get(driver, "obj") == b"one"

    # appending ----------------------------------------------------------------------------------------
    def test_append_continues(self, driver: BlobDriver) -> None:
        driver.writer("upload").commit()
        expected = b""
        for i in range(20):  # an upload in many PATCH requests
            part = bytes([65 + i]) * (i * 100 + 1)
            writer = driver.writer("upload", append=True)
            assert writer.size == len(expected)
            writer.write(part)
            assert writer.size == len(expected) + len(part)
            writer.commit()
            expected += part
            assert driver.stat("upload") == len(expected)
        assert get(driver, "upload") == expected

    def test_append_needs_an_object(self, driver: BlobDriver) -> None:
        with pytest.raises(PathNotFound):
            driver.writer("absent", append=True)
        put(driver, "dir/obj", b"x")
        with pytest.raises(PathNotFound):
            driver.writer("dir", append=True)

    def test_append_last_commit_wins(self, driver: BlobDriver) -> None:
        put(driver, "obj", b"base")
        first, second = driver.writer("obj", append=True), driver.writer("obj", append=True)
        first.write(b"-first")
        second.write(b"-second")
        first.commit()
        assert get(driver, "obj") == b"base-first"
        second.commit()
        assert get(driver, "obj") == b"base-second"
        third = driver.writer("obj", append=True)
        third.write(b"+3")
        put(driver, "obj", b"replaced meanwhile")
        third.commit()
        assert get(driver, "obj") == b"base-second+3"

    def test_append_commit_after_move_or_delete(self, driver: BlobDriver) -> None:
        put(driver, "obj", b"base")
        moved = driver.writer("obj", append=True)
        moved.write(b"+m")
        driver.move("obj", "elsewhere")
        moved.commit()
        assert (get(driver, "obj"), get(driver, "elsewhere")) == (b"base+m", b"base")
        deleted = driver.writer("obj", append=True)
        deleted.write(b"+d")
        driver.delete("obj")
        deleted.commit()
        assert get(driver, "obj") == b"base+m+d"

    # reading --------------------------------------------------------------------------------------
    def test_reader_offset_and_length(self, driver: BlobDriver) -> None:
        data = bytes(range(256)) * 4
        put(driver, "obj", data)
        for offset, length in [(0, None), (0, 0), (1, 10), (100, None), (1023, 5), (1024, None), (1024, 3),
                               (500, 10_000), (0, 1024)]:
            end = None if length is None else offset + length
            assert get(driver, "obj", offset, length) == data[offset:end], (offset, length)

    def test_reader_chunks(self, driver: BlobDriver) -> None:
        data = random.Random(1).randbytes(10_000)
        put(driver, "obj", data)
        for chunk_size in (1, 3, 4096, MiB):
            chunks = list(driver.reader("obj", 7, 9_000, chunk_size))
            assert all(0 < len(c) <= chunk_size for c in chunks)
            assert len(chunks) == -(-9_000 // chunk_size)
            assert b"".join(chunks) == data[7:9_007]

    def test_reader_rejects_a_bad_window(self, driver: BlobDriver) -> None:
        put(driver, "obj", b"12345")
        for offset in (-1, 6, 1 << 40):
            with pytest.raises(InvalidOffset) as caught:
                driver.reader("obj", offset)
            assert (caught.value.path, caught.value.offset) == ("obj", offset)
        with pytest.raises(ValueError):
            driver.reader("obj", chunk_size=0)
        with pytest.raises(ValueError):
            driver.reader("obj", length=-1)

    def test_reader_reports_absence_on_the_call(self, driver: BlobDriver) -> None:
        with pytest.raises(PathNotFound) as caught:
            driver.reader("missing/obj")  # not iterated
        assert caught.value.path == "missing/obj"

    # errors -------------------------------------------------------------------------------------
    def test_absent_paths(self, driver: BlobDriver) -> None:
        put(driver, "dir/obj", b"x")
        for path in ("missing", "dir", "dir/obj/below", "di"):  # a mere prefix is no object
            for name in ("stat", "reader", "append", "move source", "delete"):
                if (name, path) == ("delete", "dir"):
                    continue  # deletes the prefix: see test_delete
                with pytest.raises(PathNotFound) as caught:
                    OPS[name](driver, path)
                assert caught.value.path == path, name
        assert driver.list("") == ["dir/obj"]

    @pytest.mark.parametrize("path", BAD_PATHS)
    def test_invalid_paths(self, driver: BlobDriver, path: str) -> None:
        put(driver, "ok", b"content")
        ops = dict(OPS)
        if isinstance(driver, Truncatable):
            ops["truncate"] = lambda d, p: d.truncate(p, 0)  # type: ignore[attr-defined]
        if path == "":
            del ops["list"]  # "" is the whole namespace
        for name, op in ops.items():
            with pytest.raises(InvalidPath) as caught:
                op(driver, path)
            assert caught.value.path == path, name
        assert (driver.list(""), get(driver, "ok")) == (["ok"], b"content")

    def test_valid_path_edges(self, driver: BlobDriver) -> None:
        for i, path in enumerate(GOOD_PATHS):
            put(driver, path, str(i).encode())
        assert driver.list("") == sorted(GOOD_PATHS)
        assert [get(driver, p) for p in GOOD_PATHS] == [str(i).encode() for i in range(len(GOOD_PATHS))]

    def test_an_object_cannot_be_a_prefix(self, driver: BlobDriver) -> None:
        put(driver, "a", b"file")
        put(driver, "c/d", b"nested")
        for path in ("a/b", "a/b/c", "c"):
            writer = driver.writer(path)
            writer.write(b"x")
            with pytest.raises(PathConflict):
                writer.commit()
            writer.cancel()  # no-op: a failed commit closed the writer
            with pytest.raises(ValueError):
                writer.write(b"x")
        for source, destination in (("a", "c"), ("c/d", "a/x"), ("a", "a/b"), ("c/d", "c")):
            with pytest.raises(PathConflict):
                driver.move(source, destination)
        assert driver.list("") == ["a", "c/d"]
        assert (get(driver, "a"), get(driver, "c/d")) == (b"file", b"nested")

    # move, delete, list ---------------------------------------------------------------------------
    def test_move(self, driver: BlobDriver) -> None:
        put(driver, "uploads/1", b"new")
        put(driver, "blobs/x", b"old")
        driver.move("uploads/1", "blobs/x")
        assert get(driver, "blobs/x") == b"new"
        with pytest.raises(PathNotFound):
            driver.stat("uploads/1")
        driver.move("blobs/x", "deep/er/path")
        driver.move("deep/er/path", "deep/er/path")
        assert driver.list("") == ["deep/er/path"]
        assert get(driver, "deep/er/path") == b"new"
        put(driver, "uploads", b"a prefix emptied by move may become an object")
        assert driver.list("") == ["deep/er/path", "uploads"]

    def test_move_is_atomic(self, driver: BlobDriver) -> None:
        versions = [f"{i:06d}".encode() * 1000 for i in range(40)]
        put(driver, "target", versions[0])
        done = threading.Event()

        def mover() -> None:
            try:
                for version in versions[1:]:
                    put(driver, "staging", version)
                    driver.move("staging", "target")
            finally:
                done.set()

        def watcher() -> None:
            while not done.is_set():
                content = get(driver, "target", chunk_size=1000)
                assert content in versions

        run_threads(mover, watcher)
        assert get(driver, "target") == versions[-1]

    def test_delete(self, driver: BlobDriver) -> None:
        for path in ("a/x", "a/y/z", "a/y/w", "ab/c", "a-b", "b"):
            put(driver, path, path.encode())
        driver.delete("a/y/z")
        assert driver.list("a") == ["a/x", "a/y/w"]
        driver.delete("a")
        assert driver.list("") == ["a-b", "ab/c", "b"]
        for path in ("a", "a/x", "a/y/w"):
            with pytest.raises(PathNotFound):
                driver.stat(path)
        with pytest.raises(PathNotFound):
            driver.delete("a")
        put(driver, "a", b"a prefix emptied by delete may become an object")
        driver.delete("b")
        assert driver.list("") == ["a", "a-b", "ab/c"]

    def test_list(self, driver: BlobDriver) -> None:
        paths = ["r/b", "r/a/2", "r/a/10", "r/a-z", "r.x", "rr/q", "s", "r/c/d/e"]
        for path in random.Random(2).sample(paths, len(paths)):
            put(driver, path, b".")
        assert driver.list("") == sorted(paths)
        assert driver.list("r") == ["r/a-z", "r/a/10", "r/a/2", "r/b", "r/c/d/e"]
        assert driver.list("r/a") == ["r/a/10", "r/a/2"]
        assert driver.list("r/b") == []
        assert driver.list("nothing") == []
        assert driver.list("r/c/d/e/f") == []

    # scale and concurrency --------------------------------------------------------------------------
    def test_large_object(self, driver: BlobDriver) -> None:
        data = random.Random(3).randbytes(8 * MiB)
        put(driver, "big", data, chunk=64 * 1024)
        chunks = list(driver.reader("big"))
        assert [len(c) for c in chunks] == [MiB] * 8
        assert hashlib.sha256(b"".join(chunks)).digest() == hashlib.sha256(data).digest()
        driver.writer("patched").commit()
        for i in range(8):
            append(driver, "patched", data[i * MiB:(i + 1) * MiB])
        assert driver.stat("patched") == len(data)
        assert get(driver, "patched", 3 * MiB - 5, MiB + 10) == data[3 * MiB - 5:4 * MiB + 5]

    def test_concurrent_writers_to_different_paths(self, driver: BlobDriver) -> None:
        def job(n: int) -> Callable[[], None]:
            return lambda: put(driver, f"t/{n}/obj", bytes([n]) * 50_000, chunk=1000)

        run_threads(*[job(n) for n in range(8)])
        assert driver.list("t") == [f"t/{n}/obj" for n in range(8)]
        assert all(get(driver, f"t/{n}/obj") == bytes([n]) * 50_000 for n in range(8))

    def test_two_writers_to_one_path(self, driver: BlobDriver) -> None:
        first, second = driver.writer("obj"), driver.writer("obj")
        for i in range(3):
            first.write(b"1" * (i + 1))
            second.write(b"2" * (i + 2))
        second.commit()
        assert get(driver, "obj") == b"2" * 9
        first.commit()
        assert get(driver, "obj") == b"1" * 6

    def test_concurrent_writers_to_one_path_never_mix(self, driver: BlobDriver) -> None:
        start = threading.Barrier(6, timeout=10)
        done = threading.Event()

        def job(n: int) -> Callable[[], None]:
            def run() -> None:
                writer = driver.writer("same")
                start.wait()
                for _ in range(64):
                    writer.write(bytes([n]) * 512)
                writer.commit()
            return run

        def watcher() -> None:
            while not done.is_set():
                try:
                    content = get(driver, "same", chunk_size=4096)
                except PathNotFound:
                    continue
                assert content == content[:1] * (64 * 512)

        with ThreadPoolExecutor(7) as pool:
            watching = pool.submit(watcher)
            try:
                for future in [pool.submit(job(n)) for n in range(6)]:
                    future.result()
            finally:
                done.set()
            watching.result()
        content = get(driver, "same")
        assert content[0] in range(6) and content == content[:1] * (64 * 512)

    def test_append_commits_are_atomic_for_readers(self, driver: BlobDriver) -> None:
        stream = random.Random(4).randbytes(40 * 65536)
        driver.writer("up").commit()
        sizes = {i * 65536 for i in range(41)}
        done = threading.Event()

        def appender() -> None:
            try:
                for i in range(40):
                    append(driver, "up", stream[i * 65536:(i + 1) * 65536])
            finally:
                done.set()

        def watcher() -> None:
            while not done.is_set():
                assert driver.stat("up") in sizes
                content = get(driver, "up")
                assert len(content) in sizes and content == stream[:len(content)]
                writer = driver.writer("up", append=True)
                assert writer.size in sizes
                writer.cancel()

        run_threads(appender, watcher)
        assert get(driver, "up") == stream

    # staging ----------------------------------------------------------------------------------------
    def test_sweep_staging_of_a_quiet_driver_removes_nothing(self, driver: BlobDriver) -> None:
        put(driver, "a/b", b"kept")
        put(driver, "uploads/u1", b"")
        assert driver.sweep_staging() == []
        assert driver.list("") == ["a/b", "uploads/u1"] and get(driver, "a/b") == b"kept"

    def test_sweep_staging_keeps_what_open_writers_hold(self, driver: BlobDriver) -> None:
        put(driver, "up", b"base")
        fresh, appending, dropped = driver.writer("new"), driver.writer("up", append=True), driver.writer("gone")
        for writer in (fresh, appending, dropped):
            writer.write(b"+staged")
        assert driver.sweep_staging() == []
        fresh.commit()
        appending.commit()
        dropped.cancel()
        assert (get(driver, "new"), get(driver, "up")) == (b"+staged", b"base+staged")
        assert driver.list("") == ["new", "up"]

    def test_sweep_staging_beside_writers_and_deletes(self, driver: BlobDriver) -> None:
        done = threading.Event()

        def job(n: int) -> Callable[[], None]:
            def run() -> None:
                for i in range(25):
                    put(driver, f"j{n}/o{i}", bytes([n, i]) * 300, chunk=100)
                    append(driver, f"j{n}/o{i}", b"+")
                    assert get(driver, f"j{n}/o{i}") == bytes([n, i]) * 300 + b"+"
                driver.delete(f"j{n}")
            return run

        def sweeper() -> None:
            while not done.is_set():
                assert driver.sweep_staging() == []

        with ThreadPoolExecutor(4) as pool:
            sweeping = pool.submit(sweeper)
            for future in [pool.submit(job(n)) for n in range(3)]:
                future.result()
            done.set()
            sweeping.result()
        assert driver.list("") == []

    # the optional Truncatable capability -----------------------------------------------------------
    def test_truncate(self, driver: BlobDriver) -> None:
        if not isinstance(driver, Truncatable):
            pytest.skip(f"{driver.name} is not Truncatable")
        put(driver, "up", b"0123456789")
        open_append = driver.writer("up", append=True)
        open_append.write(b"+w")
        driver.truncate("up", 10)
        driver.truncate("up", 4)
        assert (driver.stat("up"), get(driver, "up")) == (4, b"0123")
        for size in (-1, 5):
            with pytest.raises(InvalidOffset):
                driver.truncate("up", size)
        with pytest.raises(PathNotFound):
            driver.truncate("missing", 0)
        open_append.commit()
        assert get(driver, "up") == b"0123456789+w"  # its base was taken at open
        append(driver, "up", b"!")
        assert get(driver, "up") == b"0123456789+w!"
