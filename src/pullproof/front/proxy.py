"""The HTTP proxy real clients are pointed at with ``HTTPS_PROXY``/``HTTP_PROXY``.

``CONNECT host:443`` for an emulated host is answered ``200`` and the tunnel is joined to the
HTTPS listener, which terminates TLS with a leaf certificate for that host (SNI). Plain-HTTP
requests (IMDS at ``169.254.169.254``, or ``/metadata/...`` sent to the proxy itself) are passed
to the internal plain-HTTP listener one request per connection. Nothing is ever forwarded to
the outside: any other host gets a clear refusal.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
from urllib.parse import urlsplit

import h11

from pullproof.front import relay
from pullproof.front.hosts import IMDS_HOSTS, HostTable

MAX_HEAD = 64 * 1024


class Proxy:
    def __init__(self, table: HostTable, https_port: int, http_port: int, upstream_host: str = "127.0.0.1") -> None:
        self.table = table
        self.https_port = https_port
        self.http_port = http_port
        self.upstream_host = upstream_host
        self.tunnels = relay.Tunnels()

    def close(self) -> None:
        """End the open tunnels (the server is stopping)."""
        self.tunnels.close()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await self._handle(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, h11.RemoteProtocolError):
            pass
        finally:
            with contextlib.suppress(Exception):
                writer.close()

    async def _read_request(self, reader: asyncio.StreamReader) -> tuple[h11.Request, bytes, bytes] | None:
        conn = h11.Connection(h11.SERVER, max_incomplete_event_size=MAX_HEAD)
        request: h11.Request | None = None
        body = b""
        while True:
            event = conn.next_event()
            if event is h11.NEED_DATA:
                data = await reader.read(65536)
                conn.receive_data(data)
                if not data and request is None:
                    return None
                continue
            if isinstance(event, h11.Request):
                request = event
                if event.method == b"CONNECT":
                    return event, b"", conn.trailing_data[0]
            elif isinstance(event, h11.Data):
                body += event.data
            elif isinstance(event, h11.EndOfMessage) and request is not None:
                return request, body, b""
            elif isinstance(event, h11.ConnectionClosed):
                return None

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        parsed = await self._read_request(reader)
        if parsed is None:
            return
        request, body, leftover = parsed
        if request.method == b"CONNECT":
            await self._tunnel(request, leftover, reader, writer)
        else:
            await self._plain(request, body, writer)

    async def _refuse(self, writer: asyncio.StreamWriter, host: str, status: int = 403) -> None:
        text = f"pullproof: refusing '{host}': not an emulated Azure host, and pullproof never connects out\n"
        data = text.encode()
        writer.write(f"HTTP/1.1 {status} Forbidden\r\nContent-Type: text/plain\r\nContent-Length: {len(data)}\r\n"
                     "Connection: close\r\n\r\n".encode() + data)
        await writer.drain()

    async def _tunnel(self, request: h11.Request, leftover: bytes, reader: asyncio.StreamReader,
                      writer: asyncio.StreamWriter) -> None:
        target = request.target.decode("latin-1")
        host = target.rsplit(":", 1)[0].strip("[]")
        if not self.table.serves(host) or host in IMDS_HOSTS:
            await self._refuse(writer, host)
            return
        if relay.AVAILABLE:
            await self._splice(leftover, reader, writer)
            return
        up_reader, up_writer = await asyncio.open_connection(self.upstream_host, self.https_port)
        writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        await writer.drain()
        if leftover:
            up_writer.write(leftover)
        await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))

    async def _splice(self, leftover: bytes, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Hand the client's socket to a kernel-side relay (``front/relay.py``) joined to the HTTPS listener."""
        loop = asyncio.get_running_loop()
        upstream = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        upstream.setblocking(False)
        try:
            await loop.sock_connect(upstream, (self.upstream_host, self.https_port))
        except OSError:
            upstream.close()
            raise
        upstream.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        transport = writer.transport
        assert isinstance(transport, asyncio.Transport)  # a socket transport: it reads as well
        transport.pause_reading()
        pending = leftover + bytes(getattr(reader, "_buffer", b""))  # what arrived before the hand-over
        client = socket.socket(fileno=os.dup(transport.get_extra_info("socket").fileno()))
        transport.abort()  # closes the event loop's descriptor only; the connection lives on in ``client``
        client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        await self.tunnels.join(client, upstream, pending, b"HTTP/1.1 200 Connection established\r\n\r\n")

    async def _plain(self, request: h11.Request, body: bytes, writer: asyncio.StreamWriter) -> None:
        target = request.target.decode("latin-1")
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.headers]
        host = next((v for k, v in headers if k.lower() == "host"), "")
        if target.lower().startswith("http://"):
            parts = urlsplit(target)
            host = parts.netloc
            target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        elif not target.startswith("/"):
            await self._refuse(writer, target, 400)
            return
        name = host.rsplit(":", 1)[0].lower()
        if name not in IMDS_HOSTS and not self._is_self(name):
            await self._refuse(writer, name)
            return
        kept = [(k, v) for k, v in headers if k.lower() not in {"host", "connection", "proxy-connection",
                                                                   "content-length", "transfer-encoding"}]
        lines = [f"{request.method.decode()} {target} HTTP/1.1", f"Host: {host}", "Connection: close",
                 f"Content-Length: {len(body)}"] + [f"{k}: {v}" for k, v in kept]
        up_reader, up_writer = await asyncio.open_connection(self.upstream_host, self.http_port)
        up_writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        await up_writer.drain()
        await _pipe(up_reader, writer)

    def _is_self(self, name: str) -> bool:
        return self.table.service_of(name) == "local"


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            data = await reader.read(256 * 1024)
            if not data:
                break
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        with contextlib.suppress(Exception):
            if writer.can_write_eof():
                writer.write_eof()
