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
from collections.abc import Callable

CHUNK = 1 << 20
AVAILABLE = hasattr(os, "splice")


class Tunnels:
    """The open tunnels, so that a stopping server can end them."""

    def __init__(self) -> None:
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()

    async def join(self, client: socket.socket, upstream: socket.socket, pending: bytes, answer: bytes = b"") -> None:
        """Relay until both directions have ended. ``answer`` (the proxy's ``200``) goes to the client and
        ``pending`` (bytes the client sent past its CONNECT) to the upstream before anything else."""
        loop = asyncio.get_running_loop()
        done = loop.create_future()
        left = [2]

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
                threading.Thread(target=_copy, args=(src, dst, lambda: loop.call_soon_threadsafe(finished)),
                                 name="pullproof-tunnel", daemon=True).start()
            await done
        finally:
            with self._lock:
                self._open.difference_update((client, upstream))
            client.close()
            upstream.close()

    def close(self) -> None:
        """Shut every open tunnel down (their threads then end)."""
        with self._lock:
            for sock in self._open:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


def _copy(src: socket.socket, dst: socket.socket, done: Callable[[], None]) -> None:
    """One direction: socket -> pipe -> socket until end of stream, then half-close ``dst``."""
    read_end, write_end = os.pipe()
    try:
        while True:
            moved = os.splice(src.fileno(), write_end, CHUNK)
            if moved == 0:
                break
            while moved:
                moved -= os.splice(read_end, dst.fileno(), moved)
    except OSError:
        pass  # reset or shut down: the tunnel is over
    finally:
        os.close(read_end)
        os.close(write_end)
        with contextlib.suppress(OSError):
            dst.shutdown(socket.SHUT_WR)
        with contextlib.suppress(RuntimeError):
            done()
