"""``pullproof up`` refusing to start: one line on stderr, exit 1, and nothing of a running server touched."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from pullproof.core.lockfile import DataDirLock
from tests.conftest import start_served, stop_served


def up(data_dir: Path, port: int = 0, proxy_port: int = 0) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
    return subprocess.run([sys.executable, "-m", "pullproof", "up", "--data-dir", str(data_dir),
                           "--port", str(port), "--proxy-port", str(proxy_port)],
                          capture_output=True, text=True, timeout=120, env=env)


@pytest.fixture
def taken() -> Iterator[int]:
    """A port on 127.0.0.1 that another socket listens on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        yield int(sock.getsockname()[1])


def test_a_second_up_names_the_first_servers_pid_and_leaves_its_runtime_alone(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    served = start_served(data_dir)
    try:
        runtime = (data_dir / "runtime.json").read_bytes()
        refused = up(data_dir)
        assert refused.returncode == 1
        assert refused.stderr == (f"ERROR: another pullproof process (PID {served.process.pid}, a server or "
                                  f"'pullproof gc') is writing {data_dir}; stop it first\n")
        assert (data_dir / "runtime.json").read_bytes() == runtime
        assert served.process.poll() is None
    finally:
        stop_served(served)


@pytest.mark.parametrize("which", ["port", "proxy_port"])
def test_up_on_a_taken_port_says_so_in_one_line_and_lets_the_data_dir_go(tmp_path: Path, taken: int,
                                                                          which: str) -> None:
    data_dir = tmp_path / "data"
    refused = up(data_dir, **{which: taken})
    assert refused.returncode == 1
    assert refused.stderr == f"pullproof: port {taken} on 127.0.0.1 is in use\n"
    assert not (data_dir / "runtime.json").exists()
    assert DataDirLock(data_dir).acquire() is True
