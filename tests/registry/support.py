"""Helpers for registry tests: create registries and principals in-process, push images over HTTP."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass

from starlette.testclient import TestClient

from pullproof.rbac.service import NewAssignment
from tests.conftest import Local

ROLES = {"AcrPull": "7f951dda-4ed3-4680-a7ca-43fe172d538d", "AcrPush": "8311e382-0749-4cb8-b61a-304f252e45ec",
         "AcrDelete": "c2f4ef07-c644-48eb-af81-4b1b4947fb11", "Reader": "acdd72a7-3385-48ef-bd42-f606fba81ae7",
         "Contributor": "b24988ac-6180-42a0-ab88-20f7382dd24c", "Owner": "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
         "Container Registry Repository Reader": "b93aa761-3e63-49ed-ac28-beffa264f7ac",
         "Container Registry Repository Writer": "2a1e307c-b015-4ebd-883e-5b7698a07328"}


@dataclass
class App:
    client_id: str
    secret: str
    object_id: str


def create_registry(local: Local, name: str, group: str = "rg", **properties: object) -> str:
    token = local.token()
    sub = local.emulator.operator.subscription_id
    headers = {"Authorization": f"Bearer {token}"}
    with local.client() as arm:
        arm.put(f"/subscriptions/{sub}/resourcegroups/{group}?api-version=2024-11-01", json={"location": "eastus"},
                headers=headers)
        sku = str(properties.pop("sku", "Standard"))
        response = arm.put(
            f"/subscriptions/{sub}/resourceGroups/{group}/providers/Microsoft.ContainerRegistry/registries/{name}"
            "?api-version=2025-11-01",
            json={"location": "eastus", "sku": {"name": sku}, "properties": properties}, headers=headers)
    assert response.status_code in (200, 201), response.text
    return str(response.json()["id"])


def create_app(local: Local, name: str) -> App:
    directory = local.emulator.directory
    app = directory.create_application(name)
    sp = directory.create_service_principal(app)
    secret = directory.add_password(app.app_id).secret_text
    return App(app.app_id, secret, sp.object_id)


def assign(local: Local, principal: str, role: str, scope: str, condition: str | None = None,
           caller: str | None = None) -> None:
    role_id = f"/subscriptions/{local.emulator.operator.subscription_id}/providers/Microsoft.Authorization/" \
              f"roleDefinitions/{ROLES[role]}"
    local.emulator.rbac.create(NewAssignment(scope, local.emulator.ids.guid(), role_id, principal, "ServicePrincipal",
                                             condition, "2.0" if condition else None), caller)


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def bearer_for(client: TestClient, login: str, user: str, password: str, scope: str) -> dict[str, str]:
    response = client.get("/oauth2/token", params={"service": login, "scope": scope}, headers=basic(user, password))
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def push_image(client: TestClient, repo: str, tag: str, headers: dict[str, str],
               layers: tuple[bytes, ...] = (b"layer-one", b"layer-two")) -> str:
    config = json.dumps({"architecture": "amd64", "os": "linux"}).encode()
    for blob in (config, *layers):
        started = client.post(f"/v2/{repo}/blobs/uploads/", headers=headers)
        assert started.status_code == 202, started.text
        done = client.put(started.headers["Location"], params={"digest": digest(blob)}, content=blob, headers=headers)
        assert done.status_code == 201, done.text
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": digest(config),
                   "size": len(config)},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": digest(b), "size": len(b)}
                   for b in layers],
    }).encode()
    put = client.put(f"/v2/{repo}/manifests/{tag}", content=manifest,
                     headers={**headers, "Content-Type": "application/vnd.oci.image.manifest.v1+json"})
    assert put.status_code == 201, put.text
    return digest(manifest)
