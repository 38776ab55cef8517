"""``host_of``: the host name a request addressed, as the front door and the service routes read it."""

from __future__ import annotations

from typing import Any

import pytest

from pullproof.core.web import host_of


def _scope(host: bytes | None, server: tuple[str, int] | None = ("127.0.0.1", 8443)) -> dict[str, Any]:
    headers = [(b"accept", b"*/*")] + ([(b"host", host)] if host is not None else [])
    return {"type": "http", "headers": headers, "server": server}


@pytest.mark.parametrize(("host", "expected"), [
    (b"myacr.azurecr.io", "myacr.azurecr.io"),
    (b"MyAcr.AzureCR.io:8443", "myacr.azurecr.io"),
    (b" management.azure.com ", "management.azure.com"),
    (b"[::1]:8443", "::1"),
    (b"[fe80::1]", "fe80::1"),
    (b"::1", "::1"),
])
def test_the_host_header_without_port_or_brackets(host: bytes, expected: str) -> None:
    assert host_of(_scope(host)) == expected


def test_without_a_host_header_the_listener_address() -> None:
    assert host_of(_scope(None)) == "127.0.0.1"
    assert host_of(_scope(None, None)) == ""
