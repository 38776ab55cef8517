"""The listeners' time and size limits against a served emulator whose timeouts are shrunk to under a
second: slow heads and bodies are closed, idle tunnels end, oversized requests get the real refusal,
and the server's descriptors, threads and CPU time stay bounded under attack."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator

import pytest

from tests.conftest import Served, start_served, stop_served
from tests.front.wire import (
    LOGIN,
    cpu_seconds,
    descriptors,
    direct_address,
    eventually,
    proxy_address,
    response,
    seconds_until_closed,
    threads,
    tls,
    tunnel,
)

HEADER_TIMEOUT = 0.5
TUNNEL_IDLE = 1.0
SHRUNK = {"PULLPROOF_HEADER_TIMEOUT": str(HEADER_TIMEOUT), "PULLPROOF_BODY_TIMEOUT": "0.5",
          "PULLPROOF_KEEP_ALIVE_TIMEOUT": "0.5", "PULLPROOF_TUNNEL_IDLE_TIMEOUT": str(TUNNEL_IDLE),
          "PULLPROOF_LINGERING_TIME": "2"}
LONG_URL = "/common/discovery/instance?x=" + "a" * 20_000
BIG_HEADERS = "".join(f"X-Filler-{i}: {'b' * 1000}\r\n" for i in range(20))


def _serve(factory: pytest.TempPathFactory, name: str, env: dict[str, str]) -> Iterator[Served]:
    with pytest.MonkeyPatch.context() as patch:
        for key, value in env.items():
            patch.setenv(key, value)
        instance = start_served(factory.mktemp(name) / "data")
    yield instance
    stop_served(instance)


@pytest.fixture(scope="module")
def shrunk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    yield from _serve(tmp_path_factory, "shrunk", SHRUNK)


@pytest.fixture(scope="module")
def capped(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    yield from _serve(tmp_path_factory, "capped", {"PULLPROOF_MAX_TUNNELS": "3"})


def test_a_partial_connect_line_is_closed_after_the_header_timeout(shrunk: Served) -> None:
    with socket.create_connection(proxy_address(shrunk)) as sock:
        sock.sendall(b"CONNECT login.microsoftonline.com:4")
        assert seconds_until_closed(sock) >= HEADER_TIMEOUT * 0.9


def test_a_head_dripped_inside_a_tunnel_is_closed_after_the_header_timeout(shrunk: Served) -> None:
    """A byte every 0.1 s keeps the tunnel busy, so what ends it is the HTTPS listener's head clock."""
    sock, answer = tunnel(shrunk)
    assert answer.startswith(b"HTTP/1.1 200")
    with tls(shrunk, sock) as conn:
        conn.sendall(f"GET /common/discovery/instance HTTP/1.1\r\nHost: {LOGIN}\r\n".encode())
        conn.settimeout(0.1)
        start, deadline = time.monotonic(), time.monotonic() + 10
        with contextlib.suppress(OSError):
            while time.monotonic() < deadline:
                conn.sendall(b"X-Drip: 1\r\n")
                with contextlib.suppress(TimeoutError):
                    if not conn.recv(4096):
                        break
        elapsed = time.monotonic() - start
    assert HEADER_TIMEOUT * 0.9 <= elapsed < 9


def test_a_partial_head_on_the_direct_listener_is_closed(shrunk: Served) -> None:
    with tls(shrunk, socket.create_connection(direct_address(shrunk))) as conn:
        conn.sendall(f"GET /common/discovery/instance HTTP/1.1\r\nHost: {LOGIN}\r\n".encode())
        assert seconds_until_closed(conn) >= HEADER_TIMEOUT * 0.9


def test_a_body_that_stops_coming_is_closed(shrunk: Served) -> None:
    with tls(shrunk, socket.create_connection(direct_address(shrunk))) as conn:
        conn.sendall(f"POST /common/oauth2/v2.0/token HTTP/1.1\r\nHost: {LOGIN}\r\n"
                     "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\n"
                     "grant_type".encode())
        assert seconds_until_closed(conn) >= 0.45


def test_a_body_that_keeps_coming_slowly_is_served(shrunk: Served) -> None:
    """A piece every 0.2 s for 1.2 s: each silence is shorter than the body timeout, the whole is longer."""
    form = b"grant_type=client_credentials&client_id=x&client_secret=y&scope=z"
    with tls(shrunk, socket.create_connection(direct_address(shrunk))) as conn:
        conn.sendall(f"POST /common/oauth2/v2.0/token HTTP/1.1\r\nHost: {LOGIN}\r\n"
                     f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(form)}\r\n\r\n".encode())
        for start in range(0, len(form), 11):
            time.sleep(0.2)
            conn.sendall(form[start:start + 11])
        status, _, body = response(conn)
    assert status.startswith("HTTP/1.1 4") and b"AADSTS" in body  # the token endpoint's own answer


def test_an_idle_keep_alive_connection_is_closed(shrunk: Served) -> None:
    with tls(shrunk, socket.create_connection(direct_address(shrunk))) as conn:
        conn.sendall(f"GET /common/discovery/instance?api-version=1.1 HTTP/1.1\r\nHost: {LOGIN}\r\n\r\n".encode())
        status, _, _ = response(conn)
        assert status == "HTTP/1.1 200 OK"
        assert seconds_until_closed(conn) >= 0.45


def test_an_idle_tunnel_is_closed(shrunk: Served) -> None:
    """Nothing sent after the 200 (not even a TLS hello): the tunnel's idle clock ends it."""
    sock, answer = tunnel(shrunk)
    with sock:
        assert answer.startswith(b"HTTP/1.1 200 Connection established")
        assert seconds_until_closed(sock) >= TUNNEL_IDLE * 0.9


@pytest.mark.parametrize("way", ["tunnel", "direct"])
def test_a_long_url_gets_414_and_big_headers_get_http_sys_400(shrunk: Served, way: str) -> None:
    for head, expected, text in (
        (f"GET {LONG_URL} HTTP/1.1\r\nHost: {LOGIN}\r\n\r\n", "HTTP/1.1 414 Request-URI Too Long",
         b"HTTP Error 414. The request URL is too long.\n"),
        (f"GET /common/discovery/instance HTTP/1.1\r\nHost: {LOGIN}\r\n{BIG_HEADERS}\r\n",
         "HTTP/1.1 400 Bad Request", b"HTTP Error 400. The size of the request headers is too long.\n"),
    ):
        raw = tunnel(shrunk)[0] if way == "tunnel" else socket.create_connection(direct_address(shrunk))
        with tls(shrunk, raw) as conn:
            conn.sendall(head.encode())
            status, headers, body = response(conn)
        assert (status, body, headers["connection"]) == (expected, text, "close")


def test_the_proxy_answers_414_and_431_for_oversized_heads(shrunk: Served) -> None:
    imds = "http://169.254.169.254/metadata/identity/oauth2/token"
    for head, expected in ((f"GET {imds}?x={'a' * 20_000} HTTP/1.1\r\nHost: 169.254.169.254\r\n\r\n",
                            "HTTP/1.1 414 Request-URI Too Long"),
                           (f"GET {imds} HTTP/1.1\r\nHost: 169.254.169.254\r\n{BIG_HEADERS}\r\n",
                            "HTTP/1.1 431 Request Header Fields Too Large")):
        with socket.create_connection(proxy_address(shrunk), timeout=10) as sock:
            sock.sendall(head.encode())
            status, _, body = response(sock)
        assert status == expected
        assert body.startswith(b"pullproof: the request")


@pytest.mark.parametrize("chunked", [False, True])
def test_a_60_mb_plain_http_post_gets_413_quickly_and_cheaply(shrunk: Served, chunked: bool) -> None:
    pid = shrunk.process.pid
    size = 60 << 20
    framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {size}"
    chunk = b"a" * (1 << 20)
    body = (b"100000\r\n" + chunk + b"\r\n") * 60 + b"0\r\n\r\n" if chunked else chunk * 60
    before = cpu_seconds(pid)
    start = time.monotonic()
    with socket.create_connection(proxy_address(shrunk), timeout=10) as sock:
        sock.sendall(f"POST http://169.254.169.254/metadata/identity/oauth2/token HTTP/1.1\r\n"
                     f"Host: 169.254.169.254\r\nMetadata: true\r\n{framing}\r\n\r\n".encode())

        def send_body() -> None:
            with contextlib.suppress(OSError):  # the server may close once it has answered
                sock.sendall(body)

        sender = threading.Thread(target=send_body, daemon=True)
        sender.start()
        status, _, text = response(sock)
        elapsed = time.monotonic() - start
    sender.join(10)
    assert status == "HTTP/1.1 413 Request Entity Too Large"
    assert text == b"pullproof: the request body is over 4194304 bytes\n"
    assert elapsed < 5
    assert eventually(lambda: cpu_seconds(pid) - before < 2.0 and not sender.is_alive(), 5)
    assert cpu_seconds(pid) - before < 2.0


def test_imds_through_the_proxy_refuses_x_forwarded_for(shrunk: Served) -> None:
    with socket.create_connection(proxy_address(shrunk), timeout=10) as sock:
        sock.sendall(b"GET http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01"
                     b"&resource=https://management.azure.com/ HTTP/1.1\r\nHost: 169.254.169.254\r\n"
                     b"Metadata: true\r\nX-Forwarded-For: 10.0.0.4\r\n\r\n")
        status, _, body = response(sock)
    assert status == "HTTP/1.1 400 Bad Request"
    assert body == (b'{"error":"invalid_request",'
                    b'"error_description":"Requests with an X-Forwarded-For header are not accepted"}')


def test_the_server_lets_go_of_every_descriptor_and_thread_after_an_attack(shrunk: Served) -> None:
    """Half-sent CONNECTs, idle tunnels, tunnels and direct connections with half a head: the server
    closes them all by itself (the attacker keeps its ends open) and returns to where it was."""
    pid = shrunk.process.pid
    with tls(shrunk, tunnel(shrunk)[0]) as warm:  # the first tunnel starts what every later one reuses
        warm.sendall(f"GET /common/discovery/instance?api-version=1.1 HTTP/1.1\r\nHost: {LOGIN}\r\n\r\n".encode())
        assert response(warm)[0] == "HTTP/1.1 200 OK"
    base_fds, base_threads = descriptors(pid), threads(pid)
    assert eventually(lambda: descriptors(pid) <= base_fds and threads(pid) <= base_threads)
    base_fds, base_threads = descriptors(pid), threads(pid)
    held: list[socket.socket] = []
    for _ in range(20):
        sock = socket.create_connection(proxy_address(shrunk))
        sock.sendall(b"CONNECT login.microsoftonline.com:4")
        held.append(sock)
    for _ in range(5):
        held.append(tunnel(shrunk)[0])
    for _ in range(5):
        conn = tls(shrunk, tunnel(shrunk)[0])
        conn.sendall(f"GET / HTTP/1.1\r\nHost: {LOGIN}\r\n".encode())
        held.append(conn)
        direct = tls(shrunk, socket.create_connection(direct_address(shrunk)))
        direct.sendall(f"GET / HTTP/1.1\r\nHost: {LOGIN}\r\n".encode())
        held.append(direct)
    try:
        assert descriptors(pid) >= base_fds + 40 and threads(pid) >= base_threads + 10
        assert eventually(lambda: descriptors(pid) <= base_fds and threads(pid) <= base_threads)
    finally:
        for sock in held:
            sock.close()


def test_tunnels_beyond_the_cap_get_503_until_one_closes(capped: Served) -> None:
    open_tunnels = [tunnel(capped) for _ in range(3)]
    assert all(answer.startswith(b"HTTP/1.1 200") for _, answer in open_tunnels)
    extra, head = tunnel(capped, "management.azure.com")
    with extra:
        body = extra.recv(4096)
    assert head.startswith(b"HTTP/1.1 503 Service Unavailable\r\n")
    assert body == b"pullproof: 3 tunnels are open, the most the proxy keeps; try again when one has closed\n"
    open_tunnels.pop()[0].close()

    def admitted() -> bool:
        sock, answer = tunnel(capped)
        open_tunnels.append((sock, answer))
        return answer.startswith(b"HTTP/1.1 200")

    assert eventually(admitted)
    for sock, _ in open_tunnels:
        sock.close()
