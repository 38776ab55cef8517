"""A data dir written before sealing (signing key and Secrets in clear) is read as it is, and sealed, with
no clear copy left in the database files, when the server opens it."""

from __future__ import annotations

import base64
import json
import sqlite3
from pathlib import Path

from pullproof.app import Emulator, Endpoints
from pullproof.core.clock import ManualClock
from pullproof.core.ids import SeededIds
from pullproof.identity.models import ARM_AUDIENCES
from pullproof.settings import Settings
from tests.conftest import DIRECT, Local
from tests.kube.api_support import HOST, api

VALUE = "pw-Kd3rT8vY1nQ6zB4m"


def _raw(data_dir: Path) -> bytes:
    return b"".join(path.read_bytes() for path in sorted(data_dir.glob("pullproof.db*")))


def _as_an_earlier_version_left_it(local: Local) -> tuple[str, str]:
    """A Secret and a token made now, then the rows rewritten in clear as pullproof stored them before."""
    with api(local) as k:
        assert k.post("/api/v1/namespaces/default/secrets", {
            "metadata": {"name": "acr-auth"}, "data": {"password": base64.b64encode(VALUE.encode()).decode()}
        }).status_code == 201
        cluster_id = k.cluster.id
        secret = k.tracker.get("secrets", "default", "acr-auth")
    token = local.token()
    key = local.emulator.keys.current
    local.emulator.close()
    conn = sqlite3.connect(local.emulator.settings.data_dir / "pullproof.db")
    with conn:
        conn.execute("UPDATE signing_keys SET private_pem = ? WHERE kid = ?", (key.private_pem.decode(), key.kid))
        conn.execute("UPDATE kube_objects SET body = ? WHERE resource = 'secrets' AND name = 'acr-auth'",
                     (json.dumps(secret, separators=(",", ":")),))
    conn.close()
    return cluster_id, token


def _open(data_dir: Path) -> Emulator:
    return Emulator(Settings(data_dir=data_dir), Endpoints(DIRECT, "http://127.0.0.1:8080"), clock=ManualClock(),
                    ids=SeededIds(5))


def _secret_value(emulator: Emulator, cluster_id: str) -> str:
    secret = emulator.clusters.open(cluster_id, HOST, {}, "1.32.4").tracker.get("secrets", "default", "acr-auth")
    return base64.b64decode(secret["data"]["password"]).decode()


def test_clear_keys_and_secrets_are_read_then_sealed_when_the_server_opens_the_dir(local: Local) -> None:
    cluster_id, token = _as_an_earlier_version_left_it(local)
    data_dir = local.emulator.settings.data_dir
    assert b"PRIVATE KEY-----" in _raw(data_dir) and base64.b64encode(VALUE.encode()) in _raw(data_dir)
    reader = _open(data_dir)  # explain, check-acr: both forms are read, nothing is sealed
    try:
        assert reader.issuer.verify(token, ARM_AUDIENCES).object_id == local.emulator.operator.object_id
        assert _secret_value(reader, cluster_id) == VALUE
    finally:
        reader.close()
    assert b"PRIVATE KEY-----" in _raw(data_dir)
    server = _open(data_dir)
    try:
        assert server.seal_at_rest() == 2
        assert server.seal_at_rest() == 0
        raw = _raw(data_dir)
        assert b"PRIVATE KEY-----" not in raw
        assert base64.b64encode(VALUE.encode()) not in raw and VALUE.encode() not in raw
        assert server.issuer.verify(token, ARM_AUDIENCES).object_id == local.emulator.operator.object_id
    finally:
        server.close()
    again = _open(data_dir)
    try:
        assert _secret_value(again, cluster_id) == VALUE
        assert again.issuer.verify(token, ARM_AUDIENCES).object_id == local.emulator.operator.object_id
    finally:
        again.close()
