"""Fixtures of the template-engine suite: an emulator reopened from one first start, the operator
as a caller, and a HTTPS client for ``management.azure.com``."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from pullproof.app import Emulator, Endpoints
from pullproof.core.clock import ManualClock
from pullproof.core.ids import SeededIds
from pullproof.iac import operator_caller
from pullproof.identity.models import Caller
from pullproof.settings import Settings
from tests.conftest import DIRECT, Local, make_local


@pytest.fixture(scope="session")
def booted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("iac-template")
    make_local(root).emulator.close()
    return root / "data"


@pytest.fixture
def local(booted: Path, tmp_path: Path) -> Iterator[Local]:
    data = tmp_path / "data"
    shutil.copytree(booted, data)
    clock = ManualClock()
    emulator = Emulator(Settings(data_dir=data), Endpoints(DIRECT, "http://127.0.0.1:8080"), clock=clock,
                        ids=SeededIds(11))
    yield Local(emulator, clock)
    emulator.close()


@pytest.fixture
def caller(local: Local) -> Caller:
    return operator_caller(local.emulator)


@pytest.fixture
def sub(local: Local) -> str:
    return local.emulator.operator.subscription_id


@pytest.fixture
def arm(local: Local) -> Iterator[TestClient]:
    with local.client() as client:
        yield client
