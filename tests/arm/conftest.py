"""Fixtures of the ARM suite: an ARM client and the operator's (Owner) headers, made once per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from tests.arm.support import operator_headers
from tests.conftest import Local


@pytest.fixture
def arm(local: Local) -> Iterator[TestClient]:
    """HTTPS client for ``management.azure.com``."""
    with local.client() as client:
        yield client


@pytest.fixture
def owner(local: Local) -> dict[str, str]:
    """Authorization headers of the operator, Owner of the default subscription."""
    return operator_headers(local)


@pytest.fixture
def sub(local: Local) -> str:
    return local.emulator.operator.subscription_id
