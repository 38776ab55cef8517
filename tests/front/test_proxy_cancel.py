"""Cancelling a proxy handler (the server stopping, a task group ending) ends it cancelled, with the
tasks that copy its bytes cancelled too and its upstream connection closed, on every path."""

from __future__ import annotations

import asyncio
import socket
from dataclasses import replace

import pytest

from pullproof.front import relay
from pullproof.front.hosts import HostTable
from pullproof.front.limits import Limits
from pullproof.front.proxy import Proxy
from pullproof.settings import Settings

LIMITS = replace(Limits.of(Settings()), send_timeout=30, tunnel_idle_timeout=30)
CONNECT = b"CONNECT login.microsoftonline.com:443 HTTP/1.1\r\nHost: login.microsoftonline.com:443\r\n\r\n"
UPSTREAM = 9  # the discard port: never reached, its connect is held
IMDS = b"GET http://169.254.169.254/metadata/instance HTTP/1.1\r\nHost: 169.254.169.254\r\nMetadata: true\r\n\r\n"


class Silent:
    """Stands in for the listeners: takes the first bytes, never answers, notes when the proxy hangs up."""

    def __init__(self) -> None:
        self.reached = asyncio.Event()
        self.hung_up = asyncio.Event()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            if await reader.read(65536):
                self.reached.set()
            while await reader.read(65536):
                pass
        except ConnectionError:
            pass
        finally:
            self.hung_up.set()
            writer.close()


def _pipes() -> list[asyncio.Task[object]]:
    return [t for t in asyncio.all_tasks() if getattr(t.get_coro(), "__qualname__", "") == "_pipe"]


@pytest.mark.parametrize("path", ["plain", "tunnel-asyncio", "tunnel-splice"])
def test_cancelling_a_handler_propagates_to_it_and_its_pipes(path: str, monkeypatch: pytest.MonkeyPatch) -> None:
    if path == "tunnel-splice" and not relay.AVAILABLE:
        pytest.skip("splice(2) is Linux-only")
    if path == "tunnel-asyncio":
        monkeypatch.setattr(relay, "AVAILABLE", False)

    async def run() -> None:
        silent = Silent()
        upstream = await asyncio.start_server(silent.handle, "127.0.0.1", 0)
        up_port = upstream.sockets[0].getsockname()[1]
        proxy = Proxy(HostTable(), up_port, up_port, LIMITS)
        handlers: list[asyncio.Task[object]] = []

        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            task = asyncio.current_task()
            assert task is not None
            handlers.append(task)
            await proxy.handle(reader, writer)

        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        reader, writer = await asyncio.open_connection("127.0.0.1", server.sockets[0].getsockname()[1])
        try:
            if path == "plain":
                writer.write(IMDS)
            else:
                writer.write(CONNECT)
                assert (await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)).startswith(b"HTTP/1.1 200")
                writer.write(b"hello")
            await asyncio.wait_for(silent.reached.wait(), 5)
            pipes = _pipes()
            assert len(pipes) == {"plain": 1, "tunnel-asyncio": 2, "tunnel-splice": 0}[path]
            (handler,) = handlers
            handler.cancel()
            await asyncio.wait([handler, *pipes], timeout=5)
            assert handler.cancelled()
            assert all(pipe.cancelled() for pipe in pipes)
            await asyncio.wait_for(silent.hung_up.wait(), 5)
        finally:
            writer.close()
            server.close()
            proxy.close()
            upstream.close()

    asyncio.run(run())


def test_a_tunnel_cancelled_while_it_connects_upstream_closes_that_socket(monkeypatch: pytest.MonkeyPatch) -> None:
    if not relay.AVAILABLE:
        pytest.skip("splice(2) is Linux-only")

    async def run() -> None:
        loop = asyncio.get_running_loop()
        connecting: list[socket.socket] = []
        started = asyncio.Event()

        connect = loop.sock_connect

        async def never(sock: socket.socket, address: tuple[str, int]) -> None:
            if address[1] != UPSTREAM:
                return await connect(sock, address)
            connecting.append(sock)
            started.set()
            await asyncio.Event().wait()

        monkeypatch.setattr(loop, "sock_connect", never)
        proxy = Proxy(HostTable(), UPSTREAM, UPSTREAM, LIMITS)
        server = await asyncio.start_server(proxy.handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(CONNECT)
        await asyncio.wait_for(started.wait(), 5)
        handlers = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in handlers:
            task.cancel()
        await asyncio.gather(*handlers, return_exceptions=True)
        writer.close()
        server.close()
        assert [s.fileno() for s in connecting] == [-1]

    asyncio.run(run())
