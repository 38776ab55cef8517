"""Microsoft.ManagedIdentity/userAssignedIdentities: each one owns a service principal."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from tests.arm.support import MSI, MSI_API, RG_API, error
from tests.conftest import Local

Headers = dict[str, str]


def make_group(arm: TestClient, owner: Headers, sub: str, name: str) -> None:
    response = arm.put(f"/subscriptions/{sub}/resourcegroups/{name}?{RG_API}", json={"location": "westeurope"},
                       headers=owner)
    assert response.status_code == 201, response.text


def identity_url(sub: str, group: str, name: str = "") -> str:
    return f"/subscriptions/{sub}/resourceGroups/{group}/providers/{MSI}" + (f"/{name}" if name else "")


def make_identity(arm: TestClient, owner: Headers, sub: str, group: str, name: str) -> dict[str, Any]:
    response = arm.put(f"{identity_url(sub, group, name)}?{MSI_API}", json={"location": "West Europe"},
                       headers=owner)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def test_put_creates_an_identity_with_its_service_principal(
    local: Local, arm: TestClient, owner: Headers, sub: str,
) -> None:
    make_group(arm, owner, sub, "rg1")
    body = make_identity(arm, owner, sub, "rg1", "kubelet")
    props = body["properties"]
    assert {k: v for k, v in body.items() if k != "properties"} == {
        "id": identity_url(sub, "rg1", "kubelet"), "name": "kubelet", "type": MSI, "location": "westeurope",
        "tags": {},
    }
    assert props["tenantId"] == local.emulator.operator.tenant_id and props["isolationScope"] == "None"
    sp = local.emulator.directory.store.sp(object_id=props["principalId"])
    assert sp is not None and (sp.app_id, sp.kind) == (props["clientId"], "ManagedIdentity")
    assert sp.resource_id == f"/subscriptions/{sub}/resourcegroups/rg1/providers/{MSI}/kubelet"


def test_second_put_keeps_the_principal(arm: TestClient, owner: Headers, sub: str) -> None:
    make_group(arm, owner, sub, "rg1")
    first = make_identity(arm, owner, sub, "rg1", "id1")
    again = arm.put(f"{identity_url(sub, 'RG1', 'ID1').lower()}?{MSI_API}",
                    json={"location": "westeurope", "tags": {"a": "b"}}, headers=owner)
    assert again.status_code == 200
    assert again.json()["properties"] == first["properties"]
    assert (again.json()["id"], again.json()["tags"]) == (first["id"], {"a": "b"})


def test_get_with_a_lower_cased_path_returns_the_canonical_body(arm: TestClient, owner: Headers, sub: str) -> None:
    make_group(arm, owner, sub, "Team-RG")
    created = make_identity(arm, owner, sub, "Team-RG", "Kubelet-Id")
    shown = arm.get(f"{identity_url(sub, 'Team-RG', 'Kubelet-Id').lower()}?{MSI_API}", headers=owner)
    assert shown.status_code == 200 and shown.json() == created


def test_list_per_group_and_per_subscription(arm: TestClient, owner: Headers, sub: str) -> None:
    make_group(arm, owner, sub, "rg1")
    make_group(arm, owner, sub, "rg2")
    for group, name in (("rg1", "id-b"), ("rg1", "id-a"), ("rg2", "id-c")):
        make_identity(arm, owner, sub, group, name)
    in_group = arm.get(f"{identity_url(sub, 'rg1')}?{MSI_API}", headers=owner)
    in_sub = arm.get(f"/subscriptions/{sub}/providers/{MSI}?{MSI_API}", headers=owner)
    assert [i["name"] for i in in_group.json()["value"]] == ["id-a", "id-b"]
    assert [i["name"] for i in in_sub.json()["value"]] == ["id-a", "id-b", "id-c"]


def test_missing_identity_group_and_bad_input(arm: TestClient, owner: Headers, sub: str) -> None:
    make_group(arm, owner, sub, "rg1")
    missing = arm.get(f"{identity_url(sub, 'rg1', 'nope')}?{MSI_API}", headers=owner)
    no_group = arm.put(f"{identity_url(sub, 'nogroup', 'x1')}?{MSI_API}", json={"location": "westeurope"},
                       headers=owner)
    bad_name = arm.put(f"{identity_url(sub, 'rg1', 'x')}?{MSI_API}", json={"location": "westeurope"}, headers=owner)
    no_location = arm.put(f"{identity_url(sub, 'rg1', 'id1')}?{MSI_API}", json={}, headers=owner)
    assert missing.status_code == 404
    assert missing.json() == error(
        "ResourceNotFound", f"The Resource '{MSI}/nope' under resource group 'rg1' was not found. For more "
        "details please go to https://aka.ms/ARMResourceNotFoundFix")
    assert no_group.status_code == 404
    assert no_group.json() == error("ResourceGroupNotFound", "Resource group 'nogroup' could not be found.")
    assert bad_name.status_code == 400 and bad_name.json()["error"]["code"] == "InvalidResourceName"
    assert no_location.status_code == 400 and no_location.json()["error"]["code"] == "LocationRequired"


def imds_token(local: Local, credential: str, client_id: str) -> Any:
    with TestClient(local.emulator.asgi(), base_url="http://169.254.169.254") as imds:
        return imds.get("/metadata/identity/oauth2/token",
                        params={"api-version": "2018-02-01", "resource": "https://management.azure.com/",
                                "client_id": client_id},
                        headers={"Metadata": "true", "X-IDENTITY-HEADER": credential})


def test_delete_removes_the_service_principal_and_its_tokens(
    local: Local, arm: TestClient, owner: Headers, sub: str,
) -> None:
    make_group(arm, owner, sub, "rg1")
    body = make_identity(arm, owner, sub, "rg1", "kubelet")
    credential = local.emulator.put_node("node-1", [body["id"]])
    assert imds_token(local, credential, body["properties"]["clientId"]).status_code == 200
    deleted = arm.delete(f"{identity_url(sub, 'rg1', 'kubelet')}?{MSI_API}", headers=owner)
    again = arm.delete(f"{identity_url(sub, 'rg1', 'kubelet')}?{MSI_API}", headers=owner)
    assert (deleted.status_code, again.status_code) == (200, 204)
    assert local.emulator.directory.principal_exists(body["properties"]["principalId"]) is None
    refused = imds_token(local, credential, body["properties"]["clientId"])
    assert refused.status_code == 400
    assert refused.json() == {"error": "invalid_request", "error_description": "Identity not found"}
    gone = arm.get(f"{identity_url(sub, 'rg1', 'kubelet')}?{MSI_API}", headers=owner)
    assert gone.status_code == 404


def test_recreated_identity_gets_a_new_principal(arm: TestClient, owner: Headers, sub: str) -> None:
    make_group(arm, owner, sub, "rg1")
    first = make_identity(arm, owner, sub, "rg1", "id1")
    arm.delete(f"{identity_url(sub, 'rg1', 'id1')}?{MSI_API}", headers=owner)
    second = make_identity(arm, owner, sub, "rg1", "id1")
    assert second["properties"]["principalId"] != first["properties"]["principalId"]
    assert second["properties"]["clientId"] != first["properties"]["clientId"]
