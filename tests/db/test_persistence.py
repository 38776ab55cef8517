"""A restart on the same data dir keeps every object, the signing keys and the CA."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from cryptography import x509
from starlette.testclient import TestClient

from pullproof.app import Emulator, Endpoints
from pullproof.core.clock import ManualClock
from pullproof.core.ids import SeededIds
from pullproof.identity.models import ARM_AUDIENCES
from pullproof.settings import Settings
from tests.conftest import DIRECT, Local

RG_API = "api-version=2024-11-01"
MSI = "Microsoft.ManagedIdentity/userAssignedIdentities"
ACR_PULL = "7f951dda-4ed3-4680-a7ca-43fe172d538d"
NAME = "1e2d3c4b-5a69-4788-9a0b-c1d2e3f4a5b6"


@dataclass
class Before:
    """What the first run created and saw."""

    token: str
    group: dict[str, Any]
    identity: dict[str, Any]
    assignments: list[dict[str, Any]]
    client_id: str
    secret: str
    node: str
    kid: str
    ca_pem: bytes


def populate(local: Local) -> Before:
    token = local.token()
    sub = local.emulator.operator.subscription_id
    headers = {"Authorization": f"Bearer {token}"}
    base = f"/subscriptions/{sub}/resourceGroups/rg1"
    with local.client() as arm:
        group = arm.put(f"{base}?{RG_API}", json={"location": "westeurope", "tags": {"k": "v"}}, headers=headers)
        identity = arm.put(f"{base}/providers/{MSI}/id1?api-version=2024-11-30", json={"location": "westeurope"},
                           headers=headers).json()
        arm.put(f"{identity['id']}/providers/Microsoft.Authorization/roleAssignments/{NAME}?api-version=2022-04-01",
                headers=headers, json={"properties": {
                    "roleDefinitionId": f"/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/"
                                        f"{ACR_PULL}", "principalId": identity["properties"]["principalId"]}})
        assignments = arm.get(f"/subscriptions/{sub}/providers/Microsoft.Authorization/roleAssignments"
                              "?api-version=2022-04-01", headers=headers).json()["value"]
    app = local.emulator.directory.create_application("survivor")
    local.emulator.directory.create_service_principal(app)
    secret = local.emulator.directory.add_password(app.app_id).secret_text
    node = local.emulator.put_node("node-1", [identity["id"]])
    return Before(token, group.json(), identity, assignments, app.app_id, secret, node,
                  local.emulator.keys.current.kid, local.emulator.ca.cert_path.read_bytes())


@pytest.fixture
def restarted(local: Local) -> Iterator[tuple[Before, Emulator]]:
    before = populate(local)
    local.emulator.close()
    settings = Settings(data_dir=local.emulator.settings.data_dir)
    again = Emulator(settings, Endpoints(DIRECT, "http://127.0.0.1:8080"), clock=ManualClock(), ids=SeededIds(99))
    yield before, again
    again.close()


def test_operator_keys_and_ca_survive(local: Local, restarted: tuple[Before, Emulator]) -> None:
    before, again = restarted
    assert again.operator == local.emulator.operator
    assert again.keys.current.kid == before.kid and again.ca.cert_path.read_bytes() == before.ca_pem
    caller = again.issuer.verify(before.token, ARM_AUDIENCES)
    assert caller.object_id == local.emulator.operator.object_id
    leaf = x509.load_pem_x509_certificate(again.ca.leaf_path("newacr.azurecr.io").read_bytes())
    leaf.verify_directly_issued_by(x509.load_pem_x509_certificate(before.ca_pem))


def test_objects_survive_and_old_tokens_still_work(restarted: tuple[Before, Emulator]) -> None:
    before, again = restarted
    headers = {"Authorization": f"Bearer {before.token}"}
    sub = again.operator.subscription_id
    with TestClient(again.asgi(), base_url="https://management.azure.com") as arm:
        group = arm.get(f"{before.group['id']}?{RG_API}", headers=headers)
        identity = arm.get(f"{before.identity['id']}?api-version=2024-11-30", headers=headers)
        assignments = arm.get(f"/subscriptions/{sub}/providers/Microsoft.Authorization/roleAssignments"
                              "?api-version=2022-04-01", headers=headers)
    assert group.status_code == 200 and group.json() == before.group
    assert identity.json() == before.identity
    assert assignments.json()["value"] == before.assignments and len(before.assignments) == 3


def test_secrets_and_nodes_survive(restarted: tuple[Before, Emulator]) -> None:
    before, again = restarted
    with TestClient(again.asgi(), base_url="https://login.microsoftonline.com") as login:
        token = login.post(f"/{again.operator.tenant_id}/oauth2/v2.0/token", data={
            "grant_type": "client_credentials", "client_id": before.client_id, "client_secret": before.secret,
            "scope": "https://management.azure.com/.default"})
    assert token.status_code == 200
    with TestClient(again.asgi(), base_url="http://169.254.169.254") as imds:
        issued = imds.get("/metadata/identity/oauth2/token",
                          params={"api-version": "2018-02-01", "resource": "https://management.azure.com/"},
                          headers={"Metadata": "true", "X-IDENTITY-HEADER": before.node})
    assert issued.status_code == 200
    caller = again.issuer.verify(issued.json()["access_token"], ARM_AUDIENCES)
    assert caller.object_id == before.identity["properties"]["principalId"]


def test_decisions_recorded_before_the_restart_are_kept(local: Local, restarted: tuple[Before, Emulator]) -> None:
    _, again = restarted
    entries = again.trace.entries(local.emulator.operator.object_id, limit=1000)
    assert any(e.action == "Microsoft.Authorization/roleAssignments/write" and e.decision.allowed for e in entries)


def test_restart_is_idempotent_on_disk(local: Local) -> None:
    """Starting twice more creates nothing new: one tenant, one subscription, one signing key."""
    data_dir = local.emulator.settings.data_dir
    local.emulator.close()
    for seed in (1, 2):
        Emulator(Settings(data_dir=data_dir), Endpoints(DIRECT, "http://127.0.0.1:8080"), clock=ManualClock(),
                 ids=SeededIds(seed)).close()
    reopened = Emulator(Settings(data_dir=data_dir), Endpoints(DIRECT, "http://127.0.0.1:8080"),
                        clock=ManualClock(), ids=SeededIds(3))
    counts = {table: reopened.db.query(f"SELECT COUNT(*) FROM {table}")[0][0]
              for table in ("tenants", "subscriptions", "signing_keys", "applications")}
    reopened.close()
    assert counts == {"tenants": 1, "subscriptions": 1, "signing_keys": 1, "applications": 1}
