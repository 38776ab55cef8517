"""``pullproof up``: take the data dir's writer lock, bind the listeners, build the emulator, serve
until told to stop. The server is the blob store's one writer: it sweeps storage when it starts and
periodically (``registry/reclaim.py``), and collects when ``pullproof gc`` asks (``front/local_api.py``)."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import functools
import json
import os
import signal
import socket
from collections.abc import Callable, Generator
from pathlib import Path

import uvicorn

from pullproof.app import Emulator, Endpoints
from pullproof.core import datadir
from pullproof.core.clock import Clock
from pullproof.core.lockfile import DataDirLock
from pullproof.front.guard import GuardedH11Protocol
from pullproof.front.limits import Limits
from pullproof.front.proxy import Proxy
from pullproof.settings import Settings


class CannotListen(Exception):
    """A listener could not be opened: its port is taken, or the address cannot be used."""

    def __init__(self, host: str, port: int, error: OSError) -> None:
        if error.errno == errno.EADDRINUSE:
            text = f"port {port} on {host} is in use"
        else:
            text = f"cannot listen on {host}:{port}: {error.strerror or error}"
        super().__init__(text)
        self.host, self.port = host, port


def bind(host: str, port: int) -> socket.socket:
    """A listening socket; ``CannotListen`` if the port is taken or the address unusable."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)  # asyncio sets TCP_NODELAY
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(1024)
        sock.setblocking(False)
    except OSError as error:
        sock.close()
        raise CannotListen(host, port, error) from error
    return sock


class QuietServer(uvicorn.Server):
    """A uvicorn server whose signals are handled by the emulator, not by each server."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


def runtime_path(data_dir: Path) -> Path:
    return data_dir / "runtime.json"


class Running:
    """The listeners of one emulator process."""

    def __init__(self, settings: Settings, clock: Clock | None = None) -> None:
        """``DataDirBusy`` if another process (a server, an offline ``gc``) holds the data dir,
        ``CannotListen`` if a port is taken; either way nothing in the data dir is written. ``clock``
        replaces the data dir's timeline (tests drive emulated time with a ManualClock)."""
        self._clock = clock
        datadir.harden(settings.data_dir)  # refuses a data dir others could change, before anything else
        self.lock = DataDirLock(settings.data_dir)
        if not self.lock.acquire():
            raise self.lock.busy()
        self._socks: list[socket.socket] = []
        try:
            self._start(settings)
        except BaseException:
            for sock in self._socks:
                sock.close()
            self.lock.release()
            raise

    def _bind(self, host: str, port: int) -> socket.socket:
        sock = bind(host, port)
        self._socks.append(sock)
        return sock

    def _start(self, settings: Settings) -> None:
        self.https_sock = self._bind(settings.host, settings.port)
        self.proxy_sock = self._bind(settings.host, settings.proxy_port)
        self.http_sock = self._bind("127.0.0.1", 0)
        self.port = self.https_sock.getsockname()[1]
        self.proxy_port = self.proxy_sock.getsockname()[1]
        host = "127.0.0.1" if settings.host in {"0.0.0.0", "127.0.0.1"} else settings.host
        self.endpoints = Endpoints(f"https://{host}:{self.port}", f"http://{host}:{self.proxy_port}")
        self.emulator = Emulator(settings, self.endpoints, clock=self._clock)
        self.emulator.seal_at_rest()
        app = self.emulator.app
        ca = self.emulator.ca
        hosts = self.emulator.hosts

        def tls_context(_config: uvicorn.Config, _default: Callable[[], object]) -> object:
            return ca.server_context(hosts.serves)

        limits = Limits.of(settings)
        common = {"lifespan": "off", "log_level": "warning", "access_log": False, "server_header": False,
                  "date_header": True, "timeout_keep_alive": limits.keep_alive_timeout,
                  "h11_max_incomplete_event_size": limits.max_header_bytes,
                  "http": functools.partial(GuardedH11Protocol, limits=limits), "timeout_graceful_shutdown": 2}
        self.https = QuietServer(uvicorn.Config(app, ssl_context_factory=tls_context, **common))  # type: ignore[arg-type]
        self.http = QuietServer(uvicorn.Config(app, **common))  # type: ignore[arg-type]
        self.proxy = Proxy(hosts, self.port, self.http_sock.getsockname()[1], limits)
        self.settings = settings

    async def _flush(self, stop: asyncio.Event) -> None:
        """Keep the decision trace on disk within half a second, for readers in other processes."""
        while not stop.is_set():
            self.emulator.trace.flush()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), 0.5)

    def write_runtime(self) -> None:
        data = {"pid": os.getpid(), "port": self.port, "proxy_port": self.proxy_port,
                "direct": self.endpoints.direct, "proxy": self.endpoints.proxy}
        datadir.write_private(runtime_path(self.settings.data_dir), json.dumps(data).encode("utf-8"))

    async def serve(self, on_ready: Callable[[], None], stop: asyncio.Event | None = None) -> None:
        """Serve until ``stop`` is set (by default: until SIGINT or SIGTERM)."""
        proxy_server = await asyncio.start_server(self.proxy.handle, sock=self.proxy_sock, limit=1 << 20)
        if stop is None:
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                with contextlib.suppress(NotImplementedError, RuntimeError):
                    loop.add_signal_handler(sig, stop.set)
        tasks = [asyncio.create_task(self.https.serve([self.https_sock])),
                 asyncio.create_task(self.http.serve([self.http_sock]))]
        while not (self.https.started and self.http.started):
            await asyncio.sleep(0.01)
        await asyncio.to_thread(self.emulator.reclaimer.due)  # what a killed predecessor left behind
        self.write_runtime()
        kube = asyncio.create_task(self.emulator.runtimes.run(stop))
        flusher = asyncio.create_task(self._flush(stop))
        sweeper = asyncio.create_task(self.emulator.reclaimer.run(stop))
        on_ready()
        await stop.wait()
        await asyncio.gather(kube, flusher, sweeper)
        proxy_server.close()
        self.proxy.close()
        self.https.should_exit = self.http.should_exit = True
        await asyncio.gather(*tasks, return_exceptions=True)
        self.emulator.close()
        with contextlib.suppress(FileNotFoundError):
            runtime_path(self.settings.data_dir).unlink()
        self.lock.release()
