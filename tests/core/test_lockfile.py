"""The data dir's writer lock: exclusive across processes, private, and released by a killed holder."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from pullproof.core.lockfile import LOCK_NAME, DataDirBusy, DataDirLock

HOLDER = """
import sys, time
from pathlib import Path
from pullproof.core.lockfile import DataDirLock
assert DataDirLock(Path(sys.argv[1])).acquire()
print("held", flush=True)
time.sleep(120)
"""


def test_one_holder_at_a_time(tmp_path: Path) -> None:
    first, second = DataDirLock(tmp_path / "data"), DataDirLock(tmp_path / "data")
    assert first.acquire() and first.acquire() and first.held
    assert second.acquire() is False and not second.held
    with pytest.raises(DataDirBusy, match="another pullproof process"), second:
        pass
    first.release()
    with second:
        assert second.held and not first.acquire()
    assert not second.held
    assert (tmp_path / "data" / LOCK_NAME).stat().st_mode & 0o777 == 0o600


def test_a_killed_holder_leaves_no_lock(tmp_path: Path) -> None:
    with subprocess.Popen([sys.executable, "-c", HOLDER, str(tmp_path)], stdout=subprocess.PIPE, text=True) as holder:
        try:
            assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
            assert DataDirLock(tmp_path).acquire() is False
        finally:
            holder.send_signal(signal.SIGKILL)
            holder.wait(timeout=30)
    lock = DataDirLock(tmp_path)
    assert lock.acquire() is True
    lock.release()


def test_a_refusal_names_the_holders_pid_and_a_released_lock_names_none(tmp_path: Path) -> None:
    with subprocess.Popen([sys.executable, "-c", HOLDER, str(tmp_path)], stdout=subprocess.PIPE, text=True) as holder:
        try:
            assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
            lock = DataDirLock(tmp_path)
            assert lock.acquire() is False and lock.holder() == holder.pid
            with pytest.raises(DataDirBusy, match=rf"\(PID {holder.pid}, a server or 'pullproof gc'\)"), lock:
                pass
        finally:
            holder.send_signal(signal.SIGKILL)
            holder.wait(timeout=30)
    with DataDirLock(tmp_path) as mine:
        assert mine.holder() == os.getpid()
    assert mine.holder() is None and (tmp_path / LOCK_NAME).read_bytes() == b""
    assert (tmp_path / LOCK_NAME).stat().st_mode & 0o777 == 0o600
