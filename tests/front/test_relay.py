"""The kernel-side tunnel relay: bytes both ways in order, half-closes passed on, shutdown ends it."""

from __future__ import annotations

import asyncio
import hashlib
import os
import socket

import pytest

from pullproof.front import relay

pytestmark = pytest.mark.skipif(not relay.AVAILABLE, reason="splice(2) is Linux-only")


def _pairs() -> tuple[socket.socket, socket.socket, socket.socket, socket.socket]:
    """(client end, relayed client side, relayed upstream side, upstream end): two TCP connections."""
    ends = []
    for _ in range(2):
        listener = socket.create_server(("127.0.0.1", 0))
        outer = socket.create_connection(listener.getsockname())
        inner, _ = listener.accept()
        listener.close()
        ends.append((outer, inner))
    (client, relayed_client), (relayed_up, upstream) = ends
    return client, relayed_client, relayed_up, upstream


def _read_all(sock: socket.socket) -> bytes:
    chunks = []
    while chunk := sock.recv(1 << 16):
        chunks.append(chunk)
    return b"".join(chunks)


def test_bytes_cross_both_ways_and_half_closes_pass_on() -> None:
    client, relayed_client, relayed_up, upstream = _pairs()
    payload = os.urandom(5 << 20)

    async def run() -> tuple[bytes, bytes]:
        tunnels = relay.Tunnels()
        joined = asyncio.create_task(tunnels.join(relayed_client, relayed_up, b"early:"))

        def far_side() -> bytes:
            received = _read_all(upstream)  # ends when the client half-closes
            upstream.sendall(hashlib.sha256(received).digest())
            upstream.close()
            return received

        def near_side() -> bytes:
            client.sendall(payload)
            client.shutdown(socket.SHUT_WR)
            answer = _read_all(client)
            client.close()
            return answer

        received, answer = await asyncio.gather(asyncio.to_thread(far_side), asyncio.to_thread(near_side))
        await asyncio.wait_for(joined, 10)
        return received, answer

    received, answer = asyncio.run(run())
    assert received == b"early:" + payload
    assert answer == hashlib.sha256(b"early:" + payload).digest()


def test_close_ends_open_tunnels() -> None:
    client, relayed_client, relayed_up, upstream = _pairs()

    async def run() -> None:
        tunnels = relay.Tunnels()
        joined = asyncio.create_task(tunnels.join(relayed_client, relayed_up, b""))
        await asyncio.sleep(0.05)
        assert not joined.done()  # idle, both ends open
        tunnels.close()
        await asyncio.wait_for(joined, 10)

    asyncio.run(run())
    assert client.recv(1) == b"" and upstream.recv(1) == b""
    client.close()
    upstream.close()


def test_a_tunnel_idle_for_the_timeout_is_shut_down_and_traffic_resets_the_clock() -> None:
    client, relayed_client, relayed_up, upstream = _pairs()

    async def run() -> tuple[float, float]:
        tunnels = relay.Tunnels()
        joined = asyncio.create_task(tunnels.join(relayed_client, relayed_up, b"", idle=0.3))
        clock = asyncio.get_running_loop().time
        start = clock()
        for _ in range(6):  # traffic each way every 0.1 s for 0.6 s, twice the idle timeout
            await asyncio.sleep(0.1)
            await asyncio.to_thread(client.sendall, b"up")
            assert await asyncio.to_thread(upstream.recv, 2) == b"up"
            await asyncio.to_thread(upstream.sendall, b"down")
            assert await asyncio.to_thread(client.recv, 4) == b"down"
        last = clock()
        assert not joined.done()
        await asyncio.wait_for(joined, 10)
        return last - start, clock() - last

    busy, idle = asyncio.run(run())
    assert busy >= 0.6 and idle >= 0.3 * 0.9
    assert client.recv(1) == b"" and upstream.recv(1) == b""
    client.close()
    upstream.close()
