"""Shared fixtures: an in-process emulator (manual clock, seeded ids) and a real one over sockets."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import pytest
from hypothesis import HealthCheck, settings
from starlette.testclient import TestClient

from pullproof.app import Emulator, Endpoints
from pullproof.core.clock import ManualClock
from pullproof.core.ids import SeededIds
from pullproof.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


# The security campaign: property tests run the short profile by default (few examples, derandomized so CI is
# deterministic); ``--campaign=long`` runs thousands of random examples and the long load-and-faults test.
_LENIENT = [HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large,
            HealthCheck.function_scoped_fixture, HealthCheck.large_base_example]
settings.register_profile("short", max_examples=60, deadline=None, derandomize=True, database=None,
                          suppress_health_check=_LENIENT, print_blob=False)
settings.register_profile("long", max_examples=3000, deadline=None, derandomize=False, database=None,
                          suppress_health_check=_LENIENT, print_blob=True)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-goldens", action="store_true", default=False,
                     help="rewrite golden files from the current output instead of comparing")
    parser.addoption("--campaign", choices=("short", "long"), default="short",
                     help="security campaign size: short (default, deterministic) or long (thousands of random "
                          "examples, 200 clients and 3 restarts under load)")


def pytest_configure(config: pytest.Config) -> None:
    settings.load_profile(str(config.getoption("--campaign")))


@pytest.fixture(scope="session")
def campaign(pytestconfig: pytest.Config) -> str:
    """``short`` or ``long`` (``--campaign``)."""
    return str(pytestconfig.getoption("--campaign"))


DIRECT = "https://127.0.0.1:8443"


@dataclass
class Local:
    """An in-process emulator with a manual clock; ``client(host)`` speaks HTTPS to a host name."""

    emulator: Emulator
    clock: ManualClock

    def client(self, host: str = "management.azure.com") -> TestClient:
        return TestClient(self.emulator.asgi(), base_url=f"https://{host}", raise_server_exceptions=True)

    def token(self, resource: str = "https://management.core.windows.net/") -> str:
        op = self.emulator.operator
        with self.client("login.microsoftonline.com") as client:
            response = client.post(
                f"/{op.tenant_id}/oauth2/v2.0/token",
                data={"grant_type": "client_credentials", "client_id": op.client_id,
                      "client_secret": op.client_secret, "scope": resource.rstrip("/") + "/.default"
                      if not resource.endswith("/") else resource + "/.default"},
            )
        assert response.status_code == 200, response.text
        return str(response.json()["access_token"])


def make_local(tmp_path: Path, **settings: object) -> Local:
    clock = ManualClock()
    config = Settings(data_dir=tmp_path / "data", **settings)  # type: ignore[arg-type]
    emulator = Emulator(config, Endpoints(DIRECT, "http://127.0.0.1:8080"), clock=clock, ids=SeededIds(7))
    return Local(emulator, clock)


@pytest.fixture
def local(tmp_path: Path) -> Iterator[Local]:
    instance = make_local(tmp_path)
    yield instance
    instance.emulator.close()


@dataclass
class Served:
    """A ``pullproof up`` process on free ports, and the environment ``pullproof env`` prints."""

    data_dir: Path
    process: subprocess.Popen[str]
    runtime: dict[str, object]
    drain: threading.Thread | None = field(default=None, repr=False)
    output: list[str] = field(default_factory=list, repr=False)  # what it printed after "ready"

    def env(self, *args: str) -> dict[str, str]:
        out = subprocess.run([sys.executable, "-m", "pullproof", "env", "--data-dir", str(self.data_dir), *args],
                             check=True, capture_output=True, text=True).stdout
        values = {}
        for line in out.splitlines():
            name, _, value = line.removeprefix("export ").partition("=")
            values[name] = value.strip("'")
        return values


def start_served(data_dir: Path, extra: list[str] | None = None) -> Served:
    env = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
    process = subprocess.Popen(
        [sys.executable, "-m", "pullproof", "up", "--data-dir", str(data_dir), "--port", "0", "--proxy-port", "0",
         *(extra or [])],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
    )
    assert process.stdout is not None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if "ready" in line:
            runtime = json.loads((data_dir / "runtime.json").read_text())
            # keep reading its output, so a chatty server never blocks on a full pipe
            served = Served(data_dir, process, runtime)
            served.drain = threading.Thread(target=_drain, args=(process.stdout, served.output), daemon=True)
            served.drain.start()
            return served
        if not line and process.poll() is not None:
            break
    process.kill()
    process.communicate()
    raise RuntimeError("pullproof up did not become ready")


def _drain(stream: IO[str], sink: list[str]) -> None:
    with stream:
        sink.extend(stream)


def stop_served(served: Served) -> None:
    if served.process.poll() is None:
        served.process.send_signal(signal.SIGTERM)
        try:
            served.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            served.process.kill()
            served.process.wait()
    if served.drain is not None:
        served.drain.join(timeout=20)


@pytest.fixture(scope="session")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    instance = start_served(tmp_path_factory.mktemp("served") / "data")
    yield instance
    stop_served(instance)
