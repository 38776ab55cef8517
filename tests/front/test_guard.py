"""The guarded uvicorn protocol in-process: a client that stops reading a response is dropped after
``send_timeout`` (the app's ``send`` is released), one that reads slowly but steadily is served."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import socket
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace

import uvicorn
from starlette.types import Receive, Scope, Send

from pullproof.front.guard import GuardedH11Protocol
from pullproof.front.limits import Limits
from pullproof.front.server import QuietServer
from pullproof.settings import Settings

LIMITS = replace(Limits.of(Settings()), send_timeout=0.3)
CHUNK = 1 << 16


class Streaming:
    """An app that sends ``size`` bytes in 64 KiB chunks and notes when its ``send`` calls are over."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.over = asyncio.Event()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await send({"type": "http.response.start", "status": 200,
                        "headers": [(b"content-length", str(self.size).encode())]})
            for _ in range(self.size // CHUNK):
                await send({"type": "http.response.body", "body": b"x" * CHUNK, "more_body": True})
            await send({"type": "http.response.body", "body": b""})
        finally:
            self.over.set()


@asynccontextmanager
async def serving(app: Streaming) -> AsyncIterator[int]:
    listener = socket.create_server(("127.0.0.1", 0))
    protocol = functools.partial(GuardedH11Protocol, limits=LIMITS)
    config = uvicorn.Config(app, lifespan="off", log_level="warning", timeout_graceful_shutdown=1,
                            http=protocol)  # type: ignore[arg-type]
    server = QuietServer(config)  # leaves the process's signal handlers alone
    serving_task = asyncio.create_task(server.serve([listener]))
    while not server.started:
        await asyncio.sleep(0.01)
    try:
        yield listener.getsockname()[1]
    finally:
        server.should_exit = True
        await serving_task
        listener.close()


def _client(port: int) -> socket.socket:
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # a small window: the server's writes back up
    sock.connect(("127.0.0.1", port))
    sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    return sock


def test_a_client_that_reads_nothing_is_dropped_after_the_send_timeout() -> None:
    async def run() -> float:
        app = Streaming(64 << 20)
        async with serving(app) as port:
            with _client(port):
                start = time.monotonic()
                await asyncio.wait_for(app.over.wait(), 10)
                return time.monotonic() - start

    assert asyncio.run(run()) >= LIMITS.send_timeout * 0.9


def test_a_client_that_reads_slowly_but_steadily_gets_the_whole_response() -> None:
    size = 2 << 20

    async def run() -> bytes:
        async with serving(Streaming(size)) as port:
            sock = _client(port)
            sock.setblocking(False)
            data = bytearray()  # closed by the server, or at the end
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and len(data.partition(b"\r\n\r\n")[2]) < size:
                await asyncio.sleep(0.1)  # a third of the send timeout, then up to 128 KiB
                with contextlib.suppress(BlockingIOError):
                    for _ in range(32):
                        chunk = sock.recv(4096)
                        if not chunk:
                            deadline = 0
                            break
                        data += chunk
            sock.close()
            return bytes(data)

    head, _, body = asyncio.run(run()).partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 OK") and len(body) == size
