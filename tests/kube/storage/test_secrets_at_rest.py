"""Secrets are sealed at rest: the database files never hold a Secret's value (nor its base64), nor the
token-signing private key; what the API returns is unchanged, before and after a restart."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from pullproof.app import Emulator, Endpoints
from pullproof.core.clock import ManualClock
from pullproof.core.ids import SeededIds
from pullproof.settings import Settings
from tests.conftest import DIRECT, Local
from tests.kube.api_support import HOST, api

SECRETS = "/api/v1/namespaces/default/secrets"
VALUE = "pw-Zq8vN3kT5xR1mW7c"
STRING_VALUE = "st-Hp4yL9bD2sJ6gF0a"


def _raw(data_dir: Path) -> bytes:
    return b"".join(path.read_bytes() for path in sorted(data_dir.glob("pullproof.db*")))


def _leaks(raw: bytes) -> list[str]:
    needles = {"PEM private key": b"PRIVATE KEY-----", "data value": VALUE.encode(),
               "data value (base64)": base64.b64encode(VALUE.encode()),
               "stringData value": STRING_VALUE.encode(),
               "stringData value (base64)": base64.b64encode(STRING_VALUE.encode())}
    return [name for name, needle in needles.items() if needle in raw]


def _secret() -> dict[str, object]:
    applied = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "acr-auth", "namespace": "default"},
               "data": {"password": base64.b64encode(VALUE.encode()).decode()}, "stringData": {"token": STRING_VALUE}}
    return {"apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": "acr-auth", "annotations": {
                "kubectl.kubernetes.io/last-applied-configuration": json.dumps(applied)}},
            "data": {"password": base64.b64encode(VALUE.encode()).decode()}, "stringData": {"token": STRING_VALUE}}


def test_a_secret_and_the_signing_key_are_sealed_in_the_database_files(local: Local) -> None:
    with api(local) as k:
        created = k.post(SECRETS, _secret())
        assert created.status_code == 201, created.text
        assert k.get(f"{SECRETS}/acr-auth").json()["data"] == {
            "password": base64.b64encode(VALUE.encode()).decode(),
            "token": base64.b64encode(STRING_VALUE.encode()).decode()}
        cluster_id = k.cluster.id
    assert local.token()
    data_dir = local.emulator.settings.data_dir
    assert _leaks(_raw(data_dir)) == []
    local.emulator.close()
    assert _leaks(_raw(data_dir)) == []
    again = Emulator(Settings(data_dir=data_dir), Endpoints(DIRECT, "http://127.0.0.1:8080"), clock=ManualClock(),
                     ids=SeededIds(3))
    try:  # and it reads back after a restart
        secret = again.clusters.open(cluster_id, HOST, {}, "1.32.4").tracker.get("secrets", "default", "acr-auth")
        assert base64.b64decode(secret["data"]["password"]).decode() == VALUE
        assert base64.b64decode(secret["data"]["token"]).decode() == STRING_VALUE
        applied = json.loads(secret["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"])
        assert applied["stringData"] == {"token": STRING_VALUE}
    finally:
        again.close()
