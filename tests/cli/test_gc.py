"""``pullproof gc``: offline it collects itself under the data dir's lock; beside a running server it
asks the server, so pushes and collection never race across processes; read-only commands opened
beside a push touch nothing; a ``kill -9`` mid-upload leaves staging that gc reclaims."""

from __future__ import annotations

import os
import ssl
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import typer

from pullproof.cli import gc
from pullproof.core.lockfile import DataDirLock
from tests.conftest import Local, start_served, stop_served
from tests.registry.support import basic, create_registry, digest
from tests.registry.wire import send_partial_patch, served_registry, wire_for


def pullproof(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pullproof", *args, "--data-dir", str(data_dir)],
                          capture_output=True, text=True, timeout=180)


def staging(data_dir: Path) -> list[str]:
    temp = data_dir / "blobs" / "_tmp~"
    return sorted(os.listdir(temp)) if temp.exists() else []


def wait_for(condition: object, what: str, seconds: float = 60) -> None:
    """Waits for the server (real time) to have received bytes a test sent it."""
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def response_status(tunnel: ssl.SSLSocket) -> int:
    reply = b""
    while b"\r\n" not in reply:
        chunk = tunnel.recv(4096)
        assert chunk, reply
        reply += chunk
    return int(reply.split(b" ", 2)[1])


def test_gc_deletes_blobs_no_repository_links(local: Local) -> None:
    create_registry(local, "acrgc")
    op = local.emulator.operator
    blob = b"an orphan layer"
    with local.client("acrgc.azurecr.io") as acr:
        token = acr.get("/oauth2/token", params={"service": "acrgc.azurecr.io", "scope": "repository:app:*"},
                        headers=basic(op.client_id, op.client_secret)).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        started = acr.post("/v2/app/blobs/uploads/", headers=headers)
        acr.put(started.headers["Location"], params={"digest": digest(blob)}, content=blob, headers=headers)
        assert acr.delete(f"/v2/app/blobs/{digest(blob)}", headers=headers).status_code == 202
    data_dir = local.emulator.settings.data_dir
    hexpart = digest(blob).split(":")[1]
    path = data_dir / "blobs" / "blobs" / "sha256" / hexpart[:2] / hexpart
    assert path.exists()
    local.emulator.close()
    result = pullproof(data_dir, "gc")
    assert result.returncode == 0, result.stderr
    assert "removed 1 unreferenced blob(s)" in result.stdout and digest(blob) in result.stdout
    assert not path.exists()


def test_an_offline_gc_and_a_server_exclude_each_other(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    stop_served(start_served(data_dir))
    with DataDirLock(data_dir):  # what an offline gc holds while it collects
        refused = subprocess.run([sys.executable, "-m", "pullproof", "up", "--data-dir", str(data_dir), "--port", "0",
                                  "--proxy-port", "0"], capture_output=True, text=True, timeout=120)
    assert refused.returncode == 1 and "another pullproof process" in refused.stderr
    assert (data_dir / "pullproof.lock").stat().st_mode & 0o777 == 0o600
    served = start_served(data_dir)
    try:
        assert DataDirLock(data_dir).acquire() is False
    finally:
        stop_served(served)
    assert DataDirLock(data_dir).acquire() is True


def test_a_gc_that_waits_out_a_held_lock_names_the_holders_pid(local: Local, monkeypatch: pytest.MonkeyPatch,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    """No server answers and the lock stays held: gc says once whom it waits for, then gives up naming them."""
    data_dir = local.emulator.settings.data_dir
    local.emulator.close()
    monkeypatch.setattr(gc, "WAIT_SECONDS", 0.3)
    with DataDirLock(data_dir), pytest.raises(typer.Exit) as exited:
        gc.gc_command(data_dir)
    assert exited.value.exit_code == 1
    holder = f"another pullproof process (PID {os.getpid()}, a server or 'pullproof gc') is writing {data_dir}"
    assert capsys.readouterr().err.splitlines() == [
        f"waiting up to 0.3 s: {holder}",
        f"ERROR: {holder}: it did not answer or let go within 0.3 s (a server that does not answer, or another gc "
        "that has not finished)"]


def test_gc_beside_a_running_server_keeps_every_acknowledged_blob(tmp_path: Path) -> None:
    """Blobs are pushed, unlinked and pushed again while ``pullproof gc`` runs again and again in
    its own process: every push succeeds, and every acknowledged blob not unlinked reads back."""
    data_dir = tmp_path / "data"
    served = start_served(data_dir)
    try:
        wire, values, auth = wire_for(served)
        login = served_registry(wire, values, "acrgcbeside")
        done = threading.Event()
        runs: list[subprocess.CompletedProcess[str]] = []

        def collector() -> None:
            while not done.is_set():
                runs.append(pullproof(data_dir, "gc"))

        def pusher(number: int) -> dict[str, bytes]:
            kept: dict[str, bytes] = {}
            with wire.client(login) as http:
                for round_ in range(400):
                    if round_ >= 12 and len(runs) >= 3:
                        break
                    data = f"{number}-{round_ % 4}-".encode() * 60000  # even rounds (0, 2) are unlinked
                    location = http.post("/v2/app/blobs/uploads/", headers=auth).headers["Location"]
                    patched = http.patch(location, content=data, headers=auth)
                    assert patched.status_code == 202, patched.text
                    finished = http.put(patched.headers["Location"], params={"digest": digest(data)}, headers=auth)
                    assert finished.status_code == 201, finished.text
                    assert http.get(f"/v2/app/blobs/{digest(data)}", headers=auth).content == data
                    if round_ % 2:
                        kept[digest(data)] = data
                    else:
                        assert http.delete(f"/v2/app/blobs/{digest(data)}", headers=auth).status_code == 202
            return kept

        with ThreadPoolExecutor(3) as pool:
            collecting = pool.submit(collector)
            try:
                kept = {k: v for result in [pool.submit(pusher, n) for n in range(2)] for k, v in
                        result.result().items()}
            finally:
                done.set()
            collecting.result()
        assert len(runs) >= 3 and [r.returncode for r in runs] == [0] * len(runs), [r.stderr for r in runs]
        final = pullproof(data_dir, "gc")
        assert final.returncode == 0 and "removed 0 staging file(s)" in final.stdout, final.stderr
        assert len(kept) == 4
        with wire.client(login) as http:
            for blob, data in kept.items():
                assert http.get(f"/v2/app/blobs/{blob}", headers=auth).content == data
    finally:
        stop_served(served)


def test_read_only_commands_beside_a_push_touch_no_staging(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    served = start_served(data_dir)
    try:
        wire, values, auth = wire_for(served)
        login = served_registry(wire, values, "acrreaders")
        data = os.urandom(1 << 20)
        half = len(data) // 2
        with wire.client(login) as http:
            location = http.post("/v2/app/blobs/uploads/", headers=auth).headers["Location"]
        tunnel = send_partial_patch(wire, login, location, auth, len(data), 0, data[:half])
        wait_for(lambda: len(staging(data_dir)) == 1, "the PATCH to open its staging file")
        before = staging(data_dir)
        for _ in range(3):
            for command in (("explain", "principal", values["PULLPROOF_CLIENT_ID"], "--registry", "acrreaders",
                             "--repository", "app"), ("check-acr", "--cluster", "rg-wire/none", "--acr", "acrreaders")):
                result = pullproof(data_dir, *command)
                assert "Traceback" not in result.stderr, result.stderr
                assert staging(data_dir) == before, command
        tunnel.sendall(data[half:])
        assert response_status(tunnel) == 202
        tunnel.close()
        with wire.client(login) as http:
            assert http.put(location, params={"digest": digest(data)}, headers=auth).status_code == 201
            assert http.get(f"/v2/app/blobs/{digest(data)}", headers=auth).content == data
    finally:
        stop_served(served)


def test_gc_reclaims_the_staging_a_kill_9_left_mid_upload(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    served = start_served(data_dir)
    try:
        wire, values, auth = wire_for(served)
        login = served_registry(wire, values, "acrkilled")
        chunked, whole = os.urandom(1 << 20), os.urandom(1 << 20)
        half = len(chunked) // 2
        with wire.client(login) as http:
            location = http.post("/v2/app/blobs/uploads/", headers=auth).headers["Location"]
            assert http.patch(location, content=chunked[:half], headers=auth).status_code == 202
        patching = send_partial_patch(wire, login, location, auth, len(chunked) - half, half, chunked[half:][:65536])
        posting = wire.tunnel(login)  # a monolithic upload, cut off
        posting.sendall((f"POST /v2/app/blobs/uploads/?digest={digest(whole)} HTTP/1.1\r\nHost: {login}\r\n"
                         f"Authorization: {auth['Authorization']}\r\nContent-Type: application/octet-stream\r\n"
                         f"Content-Length: {len(whole)}\r\n\r\n").encode() + whole[:65536])
        wait_for(lambda: len(staging(data_dir)) == 2, "both uploads to open their staging files")
        served.process.kill()
        served.process.wait(timeout=30)
        patching.close()
        posting.close()
        result = pullproof(data_dir, "gc")
        assert result.returncode == 0, result.stderr
        assert "removed 2 staging file(s)" in result.stdout and staging(data_dir) == []
        session = location.rsplit("/", 1)[1]
        assert os.listdir(data_dir / "blobs" / "uploads") == [session]  # the monolithic upload left nothing
        served = start_served(data_dir)
        wire, _, _ = wire_for(served)
        with wire.client(login) as http:
            assert http.get(location, headers=auth).headers["Range"] == f"0-{half - 1}"
            rest = http.patch(location, content=chunked[half:], headers=auth)
            assert rest.status_code == 202, rest.text
            assert http.put(location, params={"digest": digest(chunked)}, headers=auth).status_code == 201
            assert http.get(f"/v2/app/blobs/{digest(chunked)}", headers=auth).content == chunked
            assert http.head(f"/v2/app/blobs/{digest(whole)}", headers=auth).status_code == 404
    finally:
        stop_served(served)
