"""The HTTP proxy real clients are pointed at with ``HTTPS_PROXY``/``HTTP_PROXY``.

``CONNECT host:443`` for an emulated host is answered ``200`` and the tunnel is joined to the
HTTPS listener, which terminates TLS with a leaf certificate for that host (SNI). Plain-HTTP
requests (IMDS at ``169.254.169.254``, or ``/metadata/...`` sent to the proxy itself) are passed
to the internal plain-HTTP listener one request per connection. Nothing is ever forwarded to
the outside: any other host gets a clear refusal.

Every wait is bounded (``front/limits.py``): the head within ``header_timeout``, each body read
within ``body_timeout``, a tunnel or a response that moves no byte for ``tunnel_idle_timeout`` or
``send_timeout``; heads, targets and plain-HTTP bodies have a size limit, tunnels a count limit.
Refusals come from ``front/errors.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
from typing import Any
from urllib.parse import urlsplit

import h11

from pullproof.core.errors import ServiceError
from pullproof.front import errors, relay
from pullproof.front.hosts import IMDS_HOSTS, HostTable
from pullproof.front.limits import Excess, Limits, head_excess

ESTABLISHED = b"HTTP/1.1 200 Connection established\r\n\r\n"  # Squid's words for a CONNECT's 200
READ = 65536


class Proxy:
    def __init__(self, table: HostTable, https_port: int, http_port: int, limits: Limits,
                 upstream_host: str = "127.0.0.1") -> None:
        self.table = table
        self.https_port = https_port
        self.http_port = http_port
        self.limits = limits
        self.upstream_host = upstream_host
        self.tunnels = relay.Tunnels()
        self.open_tunnels = 0

    def close(self) -> None:
        """End the open tunnels (the server is stopping)."""
        self.tunnels.close()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await self._handle(reader, writer)
        except ServiceError as error:
            await self._refuse(error, reader, writer)
        except h11.RemoteProtocolError:
            await self._refuse(ServiceError(errors.MALFORMED), reader, writer)
        except OSError:
            pass  # gone, too slow (TimeoutError), or the listener is stopping: closed without an answer
        finally:
            with contextlib.suppress(Exception):
                writer.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await self._read_head(reader)
        if head is None:
            return
        conn, request = head
        if request.method == b"CONNECT":
            await self._tunnel(request, conn.trailing_data[0], reader, writer)
        else:
            await self._plain(conn, request, reader, writer)

    async def _read_head(self, reader: asyncio.StreamReader) -> tuple[h11.Connection, h11.Request] | None:
        """The request line and headers, within ``header_timeout`` in all."""
        conn = h11.Connection(h11.SERVER, max_incomplete_event_size=self.limits.max_header_bytes)
        async with asyncio.timeout(self.limits.header_timeout):
            while True:
                event = conn.next_event()
                if isinstance(event, h11.Request):
                    return conn, event
                if event is not h11.NEED_DATA:
                    return None
                data = await reader.read(READ)
                if not data:
                    return None
                excess = head_excess(conn.trailing_data[0] + data, self.limits)
                if excess is Excess.URL:
                    raise ServiceError(errors.PROXY_URL_TOO_LONG, limit=self.limits.max_url_bytes)
                if excess is Excess.HEAD:
                    raise ServiceError(errors.PROXY_HEAD_TOO_LARGE, limit=self.limits.max_header_bytes)
                conn.receive_data(data)

    async def _read_body(self, conn: h11.Connection, request: h11.Request, reader: asyncio.StreamReader) -> bytes:
        """The body, at most ``max_body_bytes`` (refused at once when its declared length is more)."""
        limit = self.limits.max_body_bytes
        declared = next((int(v) for k, v in request.headers if k == b"content-length"), 0)
        if declared > limit:
            raise ServiceError(errors.BODY_TOO_LARGE, limit=limit)
        body = bytearray()
        while True:
            event = conn.next_event()
            if isinstance(event, h11.Data):
                body += event.data
                if len(body) > limit:
                    raise ServiceError(errors.BODY_TOO_LARGE, limit=limit)
            elif isinstance(event, h11.EndOfMessage):
                return bytes(body)
            elif event is h11.NEED_DATA:
                async with asyncio.timeout(self.limits.body_timeout):
                    data = await reader.read(READ)
                conn.receive_data(data)  # b"" is the end: h11 then finds the body cut short
            else:
                raise ConnectionResetError

    async def _refuse(self, error: ServiceError, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Answer, then drop what the client still sends until it closes (at most ``lingering_time``):
        closing on unread bytes would reset the connection and lose the answer."""
        with contextlib.suppress(OSError, RuntimeError):
            async with asyncio.timeout(self.limits.lingering_time):
                writer.write(errors.render(error))
                await writer.drain()
                if writer.can_write_eof():
                    writer.write_eof()
                while await reader.read(READ):
                    pass

    async def _tunnel(self, request: h11.Request, leftover: bytes, reader: asyncio.StreamReader,
                      writer: asyncio.StreamWriter) -> None:
        target = request.target.decode("latin-1")
        host = target.rsplit(":", 1)[0].strip("[]")
        if not self.table.serves(host) or host in IMDS_HOSTS:
            raise ServiceError(errors.NOT_EMULATED, host=host)
        if self.open_tunnels >= self.limits.max_tunnels:
            raise ServiceError(errors.TOO_MANY_TUNNELS, limit=self.limits.max_tunnels)
        self.open_tunnels += 1
        try:
            if relay.AVAILABLE:
                await self._splice(leftover, reader, writer)
            else:
                await self._copy(leftover, reader, writer)
        finally:
            self.open_tunnels -= 1

    async def _copy(self, leftover: bytes, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """The tunnel through the event loop, where ``splice(2)`` is missing."""
        up_reader, up_writer = await asyncio.open_connection(self.upstream_host, self.https_port)
        try:
            writer.write(ESTABLISHED)
            await writer.drain()
            if leftover:
                up_writer.write(leftover)
            activity = relay.Activity()
            both = asyncio.gather(_pipe(reader, up_writer, activity), _pipe(up_reader, writer, activity))
            try:
                await relay.watch(both, activity, self.limits.tunnel_idle_timeout, lambda: _abort(writer, up_writer))
            finally:
                await _end(both)
        finally:
            await _close(up_writer)

    async def _splice(self, leftover: bytes, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Hand the client's socket to a kernel-side relay (``front/relay.py``) joined to the HTTPS listener."""
        loop = asyncio.get_running_loop()
        upstream = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        upstream.setblocking(False)
        transport = writer.transport
        assert isinstance(transport, asyncio.Transport)  # a socket transport: it reads as well
        try:
            await loop.sock_connect(upstream, (self.upstream_host, self.https_port))
            upstream.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            transport.pause_reading()
            reader.feed_eof()  # nothing more reaches the reader: reading to the end takes what it holds, at once
            pending = leftover + await reader.read()  # what arrived before the hand-over
        except BaseException:  # refused, or cancelled before the hand-over: the socket is not the tunnel's yet
            upstream.close()
            raise
        transport.pause_reading()  # again, in case that read resumed a transport the reader had paused
        client = socket.socket(fileno=os.dup(transport.get_extra_info("socket").fileno()))
        transport.abort()  # closes the event loop's descriptor only; the connection lives on in ``client``
        client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        await self.tunnels.join(client, upstream, pending, ESTABLISHED, self.limits.tunnel_idle_timeout)

    async def _plain(self, conn: h11.Connection, request: h11.Request, reader: asyncio.StreamReader,
                     writer: asyncio.StreamWriter) -> None:
        target = request.target.decode("latin-1")
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.headers]
        host = next((v for k, v in headers if k.lower() == "host"), "")
        if target.lower().startswith("http://"):
            parts = urlsplit(target)
            host = parts.netloc
            target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        elif not target.startswith("/"):
            raise ServiceError(errors.BAD_TARGET, target=target)
        name = host.rsplit(":", 1)[0].lower()
        if name not in IMDS_HOSTS and not self._is_self(name):
            raise ServiceError(errors.NOT_EMULATED, host=name)
        body = await self._read_body(conn, request, reader)
        kept = [(k, v) for k, v in headers if k.lower() not in {"host", "connection", "proxy-connection",
                                                                   "content-length", "transfer-encoding"}]
        lines = [f"{request.method.decode()} {target} HTTP/1.1", f"Host: {host}", "Connection: close",
                 f"Content-Length: {len(body)}"] + [f"{k}: {v}" for k, v in kept]
        up_reader, up_writer = await asyncio.open_connection(self.upstream_host, self.http_port)
        try:
            up_writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
            activity = relay.Activity()
            answer = asyncio.ensure_future(_pipe(up_reader, writer, activity))
            try:
                await relay.watch(answer, activity, self.limits.send_timeout, lambda: _abort(writer, up_writer))
            finally:
                await _end(answer)
        finally:
            await _close(up_writer)

    def _is_self(self, name: str) -> bool:
        return self.table.service_of(name) == "local"


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, activity: relay.Activity) -> None:
    try:
        while True:
            data = await reader.read(256 * 1024)
            if not data:
                break
            activity.touch()
            writer.write(data)
            await writer.drain()
            activity.touch()
    except ConnectionError:
        pass  # the other side is gone; a cancellation goes on to whoever cancelled
    finally:
        with contextlib.suppress(Exception):
            if writer.can_write_eof():
                writer.write_eof()


async def _end(pipes: asyncio.Future[Any]) -> None:
    """Cancel the pipes and wait until they have ended, so none outlives its connection."""
    pipes.cancel()
    await asyncio.gather(pipes, return_exceptions=True)


async def _close(writer: asyncio.StreamWriter) -> None:
    """Close an upstream connection and wait until its socket is closed."""
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()


def _abort(*writers: asyncio.StreamWriter) -> None:
    for writer in writers:
        writer.transport.abort()
