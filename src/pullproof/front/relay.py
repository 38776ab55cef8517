"""Joining a CONNECT tunnel to the HTTPS listener off the event loop.

Once the proxy has answered ``200 Connection established``, every further byte is TLS that the HTTPS
listener terminates; the proxy only copies. Copying in the event loop would make each byte of a blob
pass through Python twice more on the thread that also encrypts it. Instead each tunnel gets two
threads that move bytes kernel-side with ``splice(2)`` (through a pipe, no copy into Python), so the
relay runs beside the event loop on another core. Without ``os.splice`` (not Linux) the proxy keeps
its asyncio copy.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

CHUNK = 1 << 20
AVAILABLE = hasattr(os, "splice")


class Activity:
    """When a byte last moved through a tunnel, in either direction (``time.monotonic``)."""

    __slots__ = ("last",)

    def __init__(self) -> None:
        self.last = time.monotonic()

    def touch(self) -> None:
        self.last = time.monotonic()


async def watch(done: asyncio.Future[Any], activity: Activity, idle: float | None, end: Callable[[], None]) -> None:
    """Wait for ``done``; if no byte moves for ``idle`` seconds first, call ``end`` (which must make
    ``done`` finish) and wait for it. Wakes once per idle period, never per chunk."""
    while idle is not None and not done.done():
        remaining = activity.last + idle - time.monotonic()
        if remaining <= 0:
            end()
            break
        await asyncio.wait([done], timeout=remaining)
    await done


class Tunnels:
    """The open tunnels, so that a stopping server can end them."""

    def __init__(self) -> None:
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()

    async def join(self, client: socket.socket, upstream: socket.socket, pending: bytes, answer: bytes = b"",
                   idle: float | None = None) -> None:
        """Relay until both directions have ended, or until no byte has moved either way for ``idle``
        seconds (then both sockets are shut down). ``answer`` (the proxy's ``200``) goes to the client and
        ``pending`` (bytes the client sent past its CONNECT) to the upstream before anything else."""
        loop = asyncio.get_running_loop()
        activity = Activity()
        done = loop.create_future()
        left = [2]
        threads: list[threading.Thread] = []

        def finished() -> None:
            left[0] -= 1
            if left[0] == 0 and not done.done():
                done.set_result(None)

        with self._lock:
            self._open.update((client, upstream))
        try:
            client.setblocking(True)
            upstream.setblocking(True)
            client.sendall(answer)
            upstream.sendall(pending)
            for src, dst in ((client, upstream), (upstream, client)):
                thread = threading.Thread(target=_copy, name="pullproof-tunnel", daemon=True,
                                          args=(src, dst, activity, lambda: loop.call_soon_threadsafe(finished)))
                thread.start()
                threads.append(thread)
            await watch(done, activity, idle, lambda: _shut((client, upstream)))
        finally:
            with self._lock:
                self._open.difference_update((client, upstream))
            for _ in range(2 - len(threads)):  # directions whose thread never ran
                finished()
            if done.done():
                client.close()
                upstream.close()
            else:  # cancelled: wake the relay threads (or both connections stay open); close once they end,
                # from a thread of its own, as the event loop may be gone by then
                _shut((client, upstream))
                threading.Thread(target=_close_after, args=(threads, (client, upstream)),
                                 name="pullproof-tunnel-close", daemon=True).start()

    def close(self) -> None:
        """Shut every open tunnel down (their threads then end)."""
        with self._lock:
            _shut(self._open)


def _shut(sockets: Iterable[socket.socket]) -> None:
    """Shut sockets down both ways: their relay threads wake and end."""
    for sock in sockets:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


def _close_after(threads: Iterable[threading.Thread], sockets: Iterable[socket.socket]) -> None:
    """Close ``sockets`` once the relay threads that use them have ended."""
    for thread in threads:
        thread.join()
    for sock in sockets:
        sock.close()


def _copy(src: socket.socket, dst: socket.socket, activity: Activity, done: Callable[[], None]) -> None:
    """One direction: socket -> pipe -> socket until end of stream, then half-close ``dst``."""
    read_end, write_end = os.pipe()
    try:
        while True:
            moved = os.splice(src.fileno(), write_end, CHUNK)
            if moved == 0:
                break
            activity.touch()
            while moved:
                moved -= os.splice(read_end, dst.fileno(), moved)
                activity.touch()
    except OSError:
        pass  # reset or shut down: the tunnel is over
    finally:
        os.close(read_end)
        os.close(write_end)
        with contextlib.suppress(OSError):
            dst.shutdown(socket.SHUT_WR)
        with contextlib.suppress(RuntimeError):
            done()
