from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.arm.support import (
    ACR_PULL,
    AUTHZ_API,
    MSI,
    MSI_API,
    RG_API,
    error,
    grant,
)
from tests.conftest import Local

Headers = dict[str, str]


def put_group(arm: TestClient, headers: dict[str, str], sub: str, name: str,
              body: dict[str, Any] | None = None) -> Any:
    return arm.put(f"/subscriptions/{sub}/resourcegroups/{name}?{RG_API}",
                   json={"location": "westeurope"} if body is None else body, headers=headers)


def test_group_create_show_list_delete(local: Local) -> None:
    token = local.token()
    sub = local.emulator.operator.subscription_id
    headers = {"Authorization": f"Bearer {token}"}
    with local.client() as arm:
        created = arm.put(f"/subscriptions/{sub}/resourcegroups/rg1?api-version=2024-11-01",
                          json={"location": "West Europe", "tags": {"team": "a"}}, headers=headers)
        assert created.status_code == 201
        assert created.json()["id"] == f"/subscriptions/{sub}/resourceGroups/rg1"
        assert created.json()["location"] == "westeurope"
        again = arm.put(f"/subscriptions/{sub}/resourceGroups/RG1?api-version=2024-11-01",
                        json={"location": "westeurope"}, headers=headers)
        assert again.status_code == 200 and again.json()["name"] == "rg1"
        listed = arm.get(f"/subscriptions/{sub}/resourcegroups?api-version=2024-11-01", headers=headers)
        assert [g["name"] for g in listed.json()["value"]] == ["rg1"]
        gone = arm.delete(f"/subscriptions/{sub}/resourcegroups/rg1?api-version=2024-11-01", headers=headers)
        assert gone.status_code == 202 and gone.headers["Retry-After"] == "1"
        poll = arm.get(gone.headers["Location"].replace("https://management.azure.com", ""), headers=headers)
        assert poll.status_code == 200
        missing = arm.get(f"/subscriptions/{sub}/resourcegroups/rg1?api-version=2024-11-01", headers=headers)
        assert missing.status_code == 404
        assert missing.json() == {"error": {"code": "ResourceGroupNotFound",
                                            "message": "Resource group 'rg1' could not be found."}}


def test_missing_token_gets_arm_401(local: Local) -> None:
    sub = local.emulator.operator.subscription_id
    with local.client() as arm:
        response = arm.get(f"/subscriptions/{sub}/resourcegroups?api-version=2024-11-01")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "AuthenticationFailed"


def test_group_body_and_canonical_name(arm: TestClient, owner: Headers, sub: str) -> None:
    created = put_group(arm, owner, sub, "Team-RG", {"location": "East US 2", "tags": {"env": "dev"}})
    shown = arm.get(f"/subscriptions/{sub}/resourceGroups/team-rg?{RG_API}", headers=owner)
    assert created.status_code == 201
    assert created.json() == {
        "id": f"/subscriptions/{sub}/resourceGroups/Team-RG", "name": "Team-RG",
        "type": "Microsoft.Resources/resourceGroups", "location": "eastus2",
        "properties": {"provisioningState": "Succeeded"}, "tags": {"env": "dev"},
    }
    assert shown.status_code == 200 and shown.json() == created.json()


def test_location_conflict(arm: TestClient, owner: Headers, sub: str) -> None:
    put_group(arm, owner, sub, "rg1")
    response = put_group(arm, owner, sub, "RG1", {"location": "eastus"})
    assert response.status_code == 409
    assert response.json() == error(
        "InvalidResourceGroupLocation",
        "Invalid resource group location 'eastus'. The Resource group already exists in location 'westeurope'.")


@pytest.mark.parametrize(("name", "chars"), [("bad!name", "!"), ("a b&c", " &"), ("x y z", "  ")])
def test_invalid_group_name_lists_each_bad_character(
    arm: TestClient, owner: Headers, sub: str, name: str, chars: str,
) -> None:
    response = put_group(arm, owner, sub, name)
    assert response.status_code == 400
    assert response.json() == error(
        "InvalidResourceGroup",
        f"The provided resource group name '{name}' has these invalid characters: '{chars}'. "
        "The name can only be a letter, digit, '-', '.', '(', ')' or '_'.")


@pytest.mark.parametrize("name", ["ends-with-period.", "a" * 91])
def test_group_name_too_long_or_ending_with_period(arm: TestClient, owner: Headers, sub: str, name: str) -> None:
    response = put_group(arm, owner, sub, name)
    assert response.status_code == 400
    assert response.json() == error(
        "InvalidResourceGroup",
        f"The provided resource group name '{name}' is invalid. A resource group name is 1 to 90 characters "
        "long and cannot end with a period.")


@pytest.mark.parametrize("name", ["a" * 90, "x", "(rg)_1.-2", "grüne-gruppe"])
def test_valid_group_names(arm: TestClient, owner: Headers, sub: str, name: str) -> None:
    assert put_group(arm, owner, sub, name).status_code == 201


def test_location_is_required(arm: TestClient, owner: Headers, sub: str) -> None:
    response = put_group(arm, owner, sub, "rg1", {"tags": {}})
    assert response.status_code == 400
    assert response.json() == error("LocationRequired", "The location property is required for this definition.")


def test_put_replaces_tags_and_patch_updates_them(arm: TestClient, owner: Headers, sub: str) -> None:
    url = f"/subscriptions/{sub}/resourcegroups/rg1?{RG_API}"
    put_group(arm, owner, sub, "rg1", {"location": "westeurope", "tags": {"a": "1"}})
    patched = arm.patch(url, json={"tags": {"b": "2"}, "location": "ignored"}, headers=owner)
    assert patched.status_code == 200
    assert (patched.json()["tags"], patched.json()["location"]) == ({"b": "2"}, "westeurope")
    replaced = put_group(arm, owner, sub, "rg1")
    assert replaced.status_code == 200 and "tags" not in replaced.json()
    missing = arm.patch(url.replace("rg1", "rg2"), json={"tags": {}}, headers=owner)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "ResourceGroupNotFound"


def test_head_tells_whether_a_group_exists(arm: TestClient, owner: Headers, sub: str) -> None:
    base = f"/subscriptions/{sub}/resourcegroups"
    put_group(arm, owner, sub, "rg1")
    present = arm.head(f"{base}/RG1?{RG_API}", headers=owner)
    absent = arm.head(f"{base}/rg2?{RG_API}", headers=owner)
    assert (present.status_code, present.content) == (204, b"")
    assert absent.status_code == 404


def test_list_groups_is_sorted(arm: TestClient, owner: Headers, sub: str) -> None:
    for name in ("b-rg", "a-rg", "c-rg"):
        put_group(arm, owner, sub, name)
    listed = arm.get(f"/subscriptions/{sub}/resourcegroups?{RG_API}", headers=owner)
    assert [g["name"] for g in listed.json()["value"]] == ["a-rg", "b-rg", "c-rg"]


def test_delete_cascades_to_resources_and_role_assignments(
    local: Local, arm: TestClient, owner: Headers, sub: str,
) -> None:
    base = f"/subscriptions/{sub}/resourceGroups"
    put_group(arm, owner, sub, "doomed")
    put_group(arm, owner, sub, "kept")
    identity = arm.put(f"{base}/doomed/providers/{MSI}/id1?{MSI_API}", json={"location": "westeurope"},
                       headers=owner).json()
    principal = identity["properties"]["principalId"]
    at_group = grant(local, principal, ACR_PULL, f"{base}/doomed")
    at_identity = grant(local, principal, ACR_PULL, identity["id"].lower())
    elsewhere = grant(local, principal, ACR_PULL, f"{base}/kept")
    gone = arm.delete(f"{base}/DOOMED?{RG_API}", headers=owner)
    assert gone.status_code == 202
    listed = arm.get(f"/subscriptions/{sub}/providers/Microsoft.Authorization/roleAssignments?{AUTHZ_API}",
                     headers=owner).json()["value"]
    resources = arm.get(f"/subscriptions/{sub}/resources?{RG_API}", headers=owner).json()["value"]
    names = {a["name"] for a in listed}
    assert elsewhere in names and not names & {at_group, at_identity}
    assert resources == []
    assert local.emulator.directory.principal_exists(principal) is None
    assert local.emulator.directory.managed_identity(identity["id"]) is None


def test_delete_is_an_async_operation_that_is_already_done(arm: TestClient, owner: Headers, sub: str) -> None:
    put_group(arm, owner, sub, "rg1")
    gone = arm.delete(f"/subscriptions/{sub}/resourcegroups/rg1?{RG_API}", headers=owner)
    location = gone.headers["Location"]
    assert location.startswith(f"https://management.azure.com/subscriptions/{sub}/operationresults/")
    assert location.endswith(f"?{RG_API}") and gone.content == b""
    poll = arm.get(location.removeprefix("https://management.azure.com"), headers=owner)
    unknown = arm.get(f"/subscriptions/{sub}/operationresults/nope?{RG_API}", headers=owner)
    again = arm.delete(f"/subscriptions/{sub}/resourcegroups/rg1?{RG_API}", headers=owner)
    op_id = location.split("/operationresults/")[1].split("?")[0]
    assert poll.status_code == 200
    assert poll.json() == {"id": op_id, "name": op_id, "status": "Succeeded",
                           "startTime": "2027-01-15T08:00:00.0000000Z", "endTime": "2027-01-15T08:00:00.0000000Z"}
    assert unknown.status_code == 404
    assert unknown.json() == error("OperationNotFound", "The operation 'nope' could not be found.")
    assert again.status_code == 404 and again.json()["error"]["code"] == "ResourceGroupNotFound"
