"""``kill -9`` in the middle of a burst of writes: after a restart every acknowledged write is there,
nothing is half-written, and the emulator serves again."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from pullproof.core.tls import trusting
from tests.conftest import Served, start_served, stop_served

MSI = "Microsoft.ManagedIdentity/userAssignedIdentities"
ACR_PULL = "7f951dda-4ed3-4680-a7ca-43fe172d538d"
WORKERS = 4
KILL_AFTER = 24  # acknowledged writes before the kill; the workers keep writing while it lands


@dataclass
class Burst:
    """Writes the server acknowledged (2xx), as ``(url, body)``; set ``enough`` once there are plenty."""

    acked: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    cut_off: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    enough: threading.Event = field(default_factory=threading.Event)

    def ack(self, url: str, body: dict[str, Any]) -> None:
        with self.lock:
            self.acked.append((url, body))
            if len(self.acked) >= KILL_AFTER:
                self.enough.set()


def client(served: Served) -> httpx.Client:
    ca = str(served.data_dir / "tls" / "ca.pem")
    return httpx.Client(base_url=str(served.runtime["direct"]), verify=trusting(ca), timeout=10, trust_env=False)


def operator_token(served: Served) -> tuple[str, str]:
    op = json.loads((served.data_dir / "operator.json").read_text())
    with client(served) as http:
        response = http.post(f"/{op['tenant_id']}/oauth2/v2.0/token", data={
            "grant_type": "client_credentials", "client_id": op["client_id"], "client_secret": op["client_secret"],
            "scope": "https://management.azure.com/.default"})
    response.raise_for_status()
    return str(response.json()["access_token"]), str(op["subscription_id"])


def put(http: httpx.Client, burst: Burst, url: str, body: dict[str, Any]) -> dict[str, Any]:
    response = http.put(url, json=body)
    if response.status_code not in (200, 201):
        burst.refused.append(f"{url}: {response.status_code} {response.text}")
        raise httpx.TransportError("refused")
    created: dict[str, Any] = response.json()
    burst.ack(url, created)
    return created


def writer(served: Served, token: str, sub: str, worker: int, burst: Burst) -> None:
    """Group, identity in it, AcrPull for the identity on the group; again and again until the server dies."""
    with client(served) as http:
        http.headers["Authorization"] = f"Bearer {token}"
        for step in range(1000):
            group = f"/subscriptions/{sub}/resourceGroups/rg-{worker}-{step}"
            try:
                put(http, burst, f"{group}?api-version=2024-11-01", {"location": "westeurope"})
                identity = put(http, burst, f"{group}/providers/{MSI}/id-{worker}-{step}?api-version=2024-11-30",
                               {"location": "westeurope"})
                principal = identity["properties"]["principalId"]
                put(http, burst, f"{group}/providers/Microsoft.Authorization/roleAssignments/{uuid.uuid4()}"
                    "?api-version=2022-04-01", {"properties": {
                        "roleDefinitionId": f"/subscriptions/{sub}/providers/Microsoft.Authorization/"
                                            f"roleDefinitions/{ACR_PULL}", "principalId": principal}})
            except httpx.TransportError:
                with burst.lock:
                    burst.cut_off += 1
                return


def burst_and_kill(served: Served) -> Burst:
    token, sub = operator_token(served)
    burst = Burst()
    threads = [threading.Thread(target=writer, args=(served, token, sub, w, burst)) for w in range(WORKERS)]
    for thread in threads:
        thread.start()
    assert burst.enough.wait(60), "the burst never got going"
    pid = int(str(served.runtime["pid"]))
    assert pid == served.process.pid
    os.kill(pid, signal.SIGKILL)
    served.process.wait(timeout=30)
    for thread in threads:
        thread.join(timeout=60)
    return burst


def scalar(conn: sqlite3.Connection, sql: str) -> object:
    return conn.execute(sql).fetchone()[0]


def check_database(path: Path) -> None:
    conn = sqlite3.connect(path)
    try:
        assert scalar(conn, "PRAGMA integrity_check") == "ok"
        assert scalar(conn, """SELECT COUNT(*) FROM role_assignments a WHERE NOT EXISTS
            (SELECT 1 FROM service_principals s WHERE s.object_id = a.principal_id)
            AND NOT EXISTS (SELECT 1 FROM users u WHERE u.object_id = a.principal_id)""") == 0
        assert scalar(conn, """SELECT COUNT(*) FROM resources r WHERE r.group_key IS NOT NULL AND NOT EXISTS
            (SELECT 1 FROM resources g WHERE g.type_key = 'microsoft.resources/resourcegroups'
             AND g.subscription_id = r.subscription_id AND g.group_key = r.group_key)""") == 0
        assert scalar(conn, f"""SELECT COUNT(*) FROM resources r WHERE r.type_key = '{MSI.lower()}' AND NOT EXISTS
            (SELECT 1 FROM service_principals s
             WHERE s.object_id = json_extract(r.body, '$.properties.principalId'))""") == 0
        assert scalar(conn, """SELECT COUNT(*) FROM service_principals s WHERE s.kind = 'ManagedIdentity'
            AND NOT EXISTS (SELECT 1 FROM resources r WHERE r.key = lower(s.resource_id))""") == 0
    finally:
        conn.close()


def test_kill_9_mid_burst(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    first = start_served(data_dir)
    try:
        burst = burst_and_kill(first)
    finally:
        if first.process.poll() is None:
            first.process.kill()
            first.process.wait()
    assert len(burst.acked) >= KILL_AFTER and burst.refused == []
    assert burst.cut_off == WORKERS  # every writer was still writing when the process died
    check_database(data_dir / "pullproof.db")
    second = start_served(data_dir)
    try:
        token, sub = operator_token(second)
        with client(second) as http:
            http.headers["Authorization"] = f"Bearer {token}"
            for url, body in burst.acked:
                response = http.get(url)
                assert response.status_code == 200, (url, response.text)
                assert response.json() == body
            again = http.put(f"/subscriptions/{sub}/resourceGroups/after-the-crash?api-version=2024-11-01",
                             json={"location": "westeurope"})
            assert again.status_code == 201
        check_database(data_dir / "pullproof.db")
    finally:
        stop_served(second)
