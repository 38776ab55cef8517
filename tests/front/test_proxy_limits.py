"""The proxy class in-process with small injected limits, over both tunnel relays (``splice(2)`` threads
and the asyncio copy): idle tunnels end on both sides while busy ones stay, tunnels are capped, slow
requests are closed, and every refusal's status line carries its code's own reason phrase."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from http import HTTPStatus

import pytest

from pullproof.front import relay
from pullproof.front.hosts import HostTable
from pullproof.front.limits import Limits
from pullproof.front.proxy import Proxy
from pullproof.settings import Settings

LIMITS = replace(Limits.of(Settings()), header_timeout=0.3, body_timeout=0.3, tunnel_idle_timeout=0.3,
                 lingering_time=1.0)
CONNECT = b"CONNECT login.microsoftonline.com:443 HTTP/1.1\r\nHost: login.microsoftonline.com:443\r\n\r\n"
Streams = tuple[asyncio.StreamReader, asyncio.StreamWriter]


class Echo:
    """Stands in for the listeners: echoes what it gets and counts its open connections."""

    def __init__(self) -> None:
        self.open = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.open += 1
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            self.open -= 1
            writer.close()


@contextlib.asynccontextmanager
async def serving(limits: Limits) -> AsyncIterator[tuple[Callable[[bytes], Awaitable[Streams]], Echo]]:
    echo = Echo()
    upstream = await asyncio.start_server(echo.handle, "127.0.0.1", 0)
    up_port = upstream.sockets[0].getsockname()[1]
    proxy = Proxy(HostTable(), up_port, up_port, limits)
    server = await asyncio.start_server(proxy.handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]

    clients: list[asyncio.StreamWriter] = []

    async def send(data: bytes) -> Streams:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        clients.append(writer)
        writer.write(data)
        return reader, writer

    try:
        yield send, echo
    finally:
        for client in clients:
            client.close()
        server.close()
        proxy.close()
        upstream.close()
        await _settle()


async def _settle() -> None:
    """Let the connections still being handled end, as their clients have closed, and their transports
    close their sockets before ``asyncio.run`` closes the loop (a socket left to the garbage collector is a
    ResourceWarning). A handler cancelled before it starts would leave its transport open (Python 3.11's
    ``start_server``), so handlers are given their time to end first and cancelled only after it."""
    others = asyncio.all_tasks() - {asyncio.current_task()}
    if others:
        _, others = await asyncio.wait(others, timeout=5)
    for task in others:
        task.cancel()
    await asyncio.gather(*others, return_exceptions=True)
    await asyncio.sleep(0)  # one loop pass: the transports' connection_lost callbacks close the sockets


async def until_closed(reader: asyncio.StreamReader) -> bytes:
    """Everything up to the proxy's close; fails the test if it has not closed within 5 s."""
    return await asyncio.wait_for(reader.read(), 5)


async def eventually(check: Callable[[], Awaitable[bool]]) -> bool:
    for _ in range(100):
        if await check():
            return True
        await asyncio.sleep(0.05)
    return False


@pytest.fixture(params=["splice", "asyncio"])
def relay_kind(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "splice" and not relay.AVAILABLE:
        pytest.skip("splice(2) is Linux-only")
    if request.param == "asyncio":
        monkeypatch.setattr(relay, "AVAILABLE", False)
    return str(request.param)


def test_an_idle_tunnel_is_closed_on_both_sides(relay_kind: str) -> None:
    async def run() -> None:
        async with serving(LIMITS) as (send, echo):
            reader, writer = await send(CONNECT)
            assert await until_closed(reader) == b"HTTP/1.1 200 Connection established\r\n\r\n"
            assert await eventually(lambda: _true(echo.open == 0))
            writer.close()

    asyncio.run(run())


def test_a_tunnel_that_carries_bytes_outlives_the_idle_timeout(relay_kind: str) -> None:
    async def run() -> None:
        async with serving(LIMITS) as (send, _):
            reader, writer = await send(CONNECT)
            await reader.readuntil(b"\r\n\r\n")
            for _ in range(10):  # 1 s of traffic, over three idle timeouts
                writer.write(b"ping")
                assert await asyncio.wait_for(reader.readexactly(4), 5) == b"ping"
                await asyncio.sleep(0.1)
            assert await until_closed(reader) == b""
            writer.close()

    asyncio.run(run())


def test_the_tunnel_beyond_the_cap_is_refused_until_one_closes(relay_kind: str) -> None:
    async def run() -> None:
        async with serving(replace(LIMITS, tunnel_idle_timeout=60, max_tunnels=2)) as (send, _):
            kept = [await send(CONNECT) for _ in range(2)]
            for reader, _ in kept:
                assert await reader.readuntil(b"\r\n\r\n") == b"HTTP/1.1 200 Connection established\r\n\r\n"
            refused, extra = await send(CONNECT)
            assert (await until_closed(refused)).startswith(b"HTTP/1.1 503 Service Unavailable\r\n")
            extra.close()
            kept.pop()[1].close()

            async def admitted() -> bool:
                reader, writer = await send(CONNECT)
                kept.append((reader, writer))
                return (await reader.readuntil(b"\r\n\r\n")).startswith(b"HTTP/1.1 200")

            assert await eventually(admitted)
            for _, writer in kept:
                writer.close()

    asyncio.run(run())


@pytest.mark.parametrize("data", [b"CONNECT login.micro", b"GET http://169.254.169.254/metadata HTTP/1.1\r\nHo",
                                  b"POST /msi/token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 10\r\n\r\nab"],
                         ids=["connect-line", "plain-head", "plain-body"])
def test_a_request_that_stops_coming_is_closed_without_an_answer(data: bytes) -> None:
    async def run() -> None:
        async with serving(LIMITS) as (send, echo):
            reader, writer = await send(data)
            assert await until_closed(reader) == b""
            assert echo.open == 0
            writer.close()

    asyncio.run(run())


REFUSALS = [
    (b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", 403),
    (b"CONNECT 169.254.169.254:443 HTTP/1.1\r\nHost: 169.254.169.254:443\r\n\r\n", 403),
    (b"GET http://example.com/ HTTP/1.1\r\nHost: example.com\r\n\r\n", 403),
    (b"GET example.com HTTP/1.1\r\nHost: example.com\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\n\r\n", 400),  # no Host
    (b"POST http://169.254.169.254/x HTTP/1.1\r\nHost: 169.254.169.254\r\nContent-Length: 5000000\r\n\r\n", 413),
    (b"POST http://169.254.169.254/x HTTP/1.1\r\nHost: 169.254.169.254\r\nTransfer-Encoding: chunked\r\n\r\n"
     + (b"100000\r\n" + b"a" * (1 << 20) + b"\r\n") * 5, 413),
    (b"GET http://169.254.169.254/" + b"a" * 9000 + b" HTTP/1.1\r\nHost: 169.254.169.254\r\n\r\n", 414),
    (b"GET http://169.254.169.254/ HTTP/1.1\r\nHost: 169.254.169.254\r\nX: " + b"b" * 17000 + b"\r\n\r\n", 431),
    (CONNECT, 503),  # with max_tunnels 0
]


@pytest.mark.parametrize(("data", "status"), REFUSALS, ids=[f"{s}-{i}" for i, (_, s) in enumerate(REFUSALS)])
def test_each_refusal_has_its_status_codes_reason_phrase(data: bytes, status: int) -> None:
    async def run() -> bytes:
        async with serving(replace(LIMITS, max_tunnels=0) if status == 503 else LIMITS) as (send, echo):
            reader, writer = await send(data)
            answer = await until_closed(reader)
            writer.close()
            assert echo.open == 0
            return answer

    answer = asyncio.run(run())
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.split(b"\r\n")[0] == f"HTTP/1.1 {status} {HTTPStatus(status).phrase}".encode()
    assert b"Connection: close" in head and body.startswith(b"pullproof: ")
    assert f"Content-Length: {len(body)}".encode() in head


async def _true(value: bool) -> bool:
    return value


def test_the_limits_are_the_settings_of_the_same_names_read_from_the_environment() -> None:
    settings = Settings.from_env({"PULLPROOF_HEADER_TIMEOUT": "0.5", "PULLPROOF_MAX_TUNNELS": "3",
                                  "PULLPROOF_MAX_URL_BYTES": "100"})
    limits = Limits.of(settings)
    assert (limits.header_timeout, limits.max_tunnels, limits.max_url_bytes) == (0.5, 3, 100)
    defaults = Limits.of(Settings())
    assert (defaults.header_timeout, defaults.body_timeout, defaults.send_timeout, defaults.keep_alive_timeout,
            defaults.lingering_time, defaults.tunnel_idle_timeout, defaults.max_tunnels, defaults.max_header_bytes,
            defaults.max_url_bytes, defaults.max_body_bytes) == (60, 60, 60, 75, 30, 240, 128, 16384, 8192, 4 << 20)


@pytest.mark.parametrize("split", [False, True])
def test_bytes_sent_before_the_200_reach_the_upstream_first_and_in_order(relay_kind: str, split: bool) -> None:
    """Sent with the CONNECT, or right after it while the proxy connects upstream: either way they are
    relayed ahead of what follows (they sit in the head parser or in the stream reader at the hand-over)."""
    async def run() -> None:
        async with serving(LIMITS) as (send, _):
            reader, writer = await send(CONNECT if split else CONNECT + b"early:")
            if split:
                writer.write(b"early:")
            answer = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
            assert answer == b"HTTP/1.1 200 Connection established\r\n\r\n"
            writer.write(b"late")
            assert await asyncio.wait_for(reader.readexactly(10), 5) == b"early:late"
            writer.close()

    asyncio.run(run())
