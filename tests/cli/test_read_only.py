"""``explain`` and ``check-acr`` only read the data dir: every file in it keeps its bytes (the database with
its ``-wal`` and ``-shm``, the keys, the blobs), with no server and with a server running on it."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from pullproof.app import Emulator, Endpoints
from pullproof.core.clock import ManualClock
from pullproof.core.ids import SeededIds
from pullproof.settings import Settings
from tests.aks.support import deploy, pods, step
from tests.conftest import DIRECT, Local, start_served, stop_served
from tests.explain.scenarios import IMAGE, kubelet, mi_cluster, registry_with_image
from tests.registry.support import assign

CLUSTER = "rg-wiz-exercise-a/aks-wiz-dev"


def files(root: Path) -> dict[str, str]:
    """Every file under ``root`` (but the server's lock, which holds no state) by its SHA-256."""
    found = {}
    for path in sorted(root.rglob("*")):
        if path.is_file():
            found[str(path.relative_to(root))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def pullproof(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
    return subprocess.run([sys.executable, "-m", "pullproof", *args, "--data-dir", str(data_dir)],
                          capture_output=True, text=True, timeout=120, env={**env, "COLUMNS": "200"})


def readers(pod: str, principal: str) -> list[tuple[list[str], str]]:
    """Each reading command and what its output shows."""
    return [(["explain", "pod", pod, "--cluster", CLUSTER, "-n", "default", "--output", "json"], '"PULL_OK"'),
            (["explain", "image", IMAGE, "--cluster", CLUSTER], "PULL_OK"),
            (["explain", "principal", principal, "--registry", "acrwizdev", "--repository", "guestbook"], "PULL_OK"),
            (["check-acr", "--cluster", CLUSTER, "--acr", "acrwizdev", "--image", "guestbook:v1"], "can pull")]


@pytest.fixture
def populated(tmp_path: Path) -> Iterator[tuple[Path, str, str]]:
    """A data dir with a registry, a cluster whose first pulls were refused (401) and then, once AcrPull was
    granted, succeeded: pull records, decisions, Node objects and node identities."""
    clock = ManualClock(time.time() - 3600)  # the state's past is the reader's (which reads the wall clock)
    emulator = Emulator(Settings(data_dir=tmp_path / "data"), Endpoints(DIRECT, "http://127.0.0.1:8080"), clock=clock,
                        ids=SeededIds(7))
    local = Local(emulator, clock)
    registry = registry_with_image(local)
    cluster, resource = mi_cluster(local)
    deploy(cluster, "guestbook-app", IMAGE, replicas=1)
    step(local)
    pod = pods(cluster, "guestbook-app")[0]["metadata"]["name"]
    assign(local, kubelet(resource), "AcrPull", registry)
    step(local, 400)
    assert [p["status"]["phase"] for p in pods(cluster, "guestbook-app")] == ["Running"]
    local.emulator.close()
    yield tmp_path / "data", pod, kubelet(resource)


def run_readers(data_dir: Path, pod: str, principal: str) -> None:
    for args, expected in readers(pod, principal):
        result = pullproof(data_dir, *args)
        assert result.returncode == 0, result.stdout + result.stderr
        assert expected in result.stdout, result.stdout + result.stderr


def test_reading_a_data_dir_writes_nothing(populated: tuple[Path, str, str]) -> None:
    data_dir, pod, principal = populated
    before = files(data_dir)
    assert "pullproof.db" in before
    run_readers(data_dir, pod, principal)
    assert files(data_dir) == before


def quiet(data_dir: Path) -> dict[str, str]:
    """The data dir once the server has stopped writing (it sweeps and settles when it starts)."""
    previous = files(data_dir)
    for _ in range(60):
        time.sleep(0.5)
        current = files(data_dir)
        if current == previous:
            return current
        previous = current
    raise AssertionError("the server kept writing to the data dir")


def test_reading_the_data_dir_of_a_running_server_writes_nothing(populated: tuple[Path, str, str]) -> None:
    data_dir, pod, principal = populated
    served = start_served(data_dir)
    try:
        before = quiet(data_dir)
        assert "pullproof.db-wal" in before and "pullproof.db-shm" in before
        run_readers(data_dir, pod, principal)
        assert files(data_dir) == before
    finally:
        stop_served(served)


def test_a_data_dir_without_state_is_refused_and_left_empty(tmp_path: Path) -> None:
    data_dir = tmp_path / "empty"
    data_dir.mkdir(mode=0o700)
    result = pullproof(data_dir, "explain", "principal", "x", "--registry", "acrwizdev", "--repository", "g")
    assert result.returncode == 3
    assert "run 'pullproof up' first" in result.stderr
    assert list(data_dir.iterdir()) == []
