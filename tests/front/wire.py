"""Raw-socket helpers for the front-door limit tests: tunnels, TLS, responses, and what a server
process holds (descriptors, threads, CPU time) read from ``/proc``."""

from __future__ import annotations

import os
import socket
import ssl
import time
from collections.abc import Callable
from pathlib import Path

from tests.conftest import Served

LOGIN = "login.microsoftonline.com"


def proxy_address(served: Served) -> tuple[str, int]:
    return "127.0.0.1", int(str(served.runtime["proxy_port"]))


def direct_address(served: Served) -> tuple[str, int]:
    return "127.0.0.1", int(str(served.runtime["port"]))


def read_head(sock: socket.socket) -> bytes:
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(1)
        if not chunk:
            break
        head += chunk
    return head


def tunnel(served: Served, host: str = LOGIN) -> tuple[socket.socket, bytes]:
    """A CONNECT through the proxy: the socket and the proxy's answer head."""
    sock = socket.create_connection(proxy_address(served), timeout=10)
    sock.sendall(f"CONNECT {host}:443 HTTP/1.1\r\nHost: {host}:443\r\n\r\n".encode())
    return sock, read_head(sock)


def tls(served: Served, sock: socket.socket, host: str = LOGIN) -> ssl.SSLSocket:
    context = ssl.create_default_context(cafile=str(served.data_dir / "tls" / "ca.pem"))
    return context.wrap_socket(sock, server_hostname=host)


def response(sock: socket.socket) -> tuple[str, dict[str, str], bytes]:
    """Status line, headers (lower-case names) and the Content-Length body of one response."""
    head = read_head(sock).decode("latin-1")
    status, *lines = head.strip().split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
    body = b""
    while len(body) < int(headers.get("content-length", "0")):
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return status, headers, body


def seconds_until_closed(sock: socket.socket, limit: float = 10.0) -> float:
    """Read and drop until the peer closes; how long that took. Raises ``TimeoutError`` past ``limit``."""
    start = time.monotonic()
    sock.settimeout(limit)
    try:
        while sock.recv(65536):
            if time.monotonic() - start > limit:
                raise TimeoutError("the server kept the connection open")
    except (ConnectionResetError, ssl.SSLError):
        pass
    except TimeoutError as exc:
        raise TimeoutError("the server kept the connection open") from exc
    return time.monotonic() - start


def descriptors(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def threads(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Threads:"):
            return int(line.split()[1])
    raise AssertionError("no thread count")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time the process has used (``/proc/PID/stat`` fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def eventually(check: Callable[[], bool], limit: float = 10.0) -> bool:
    """Poll ``check()`` until it is true or ``limit`` seconds pass."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return bool(check())
