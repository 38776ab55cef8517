"""Role assignments over HTTP: principalType checked against the directory, conditions checked on write
(Azure's errors, and a named refusal for conditions pullproof does not evaluate), conditions updated by a
PUT to the same name."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.arm.support import AUTHZ_API, error, new_principal, role_id
from tests.conftest import Local

Headers = dict[str, str]
NAME = "0b2b9c1e-58a8-4d1c-9a1e-4c1f3c2a9d01"
REPO_READER = "b93aa761-3e63-49ed-ac28-beffa264f7ac"
ATTRIBUTE = "@Request[Microsoft.ContainerRegistry/registries/repositories:name]"
APP_ONLY = (
    "((!(ActionMatches{'Microsoft.ContainerRegistry/registries/repositories/content/read'}) AND "
    "!(ActionMatches{'Microsoft.ContainerRegistry/registries/repositories/metadata/read'})) OR "
    f"({ATTRIBUTE} StringEqualsIgnoreCase 'app'))")


def url(sub: str) -> str:
    return f"/subscriptions/{sub}/providers/Microsoft.Authorization/roleAssignments/{NAME}?{AUTHZ_API}"


def body(sub: str, principal: str, **extra: Any) -> dict[str, Any]:
    return {"properties": {"roleDefinitionId": role_id(sub, REPO_READER), "principalId": principal, **extra}}


@pytest.mark.parametrize(("given", "actual"), [("User", "ServicePrincipal"), ("Group", "ServicePrincipal")])
def test_principal_type_of_a_service_principal(local: Local, arm: TestClient, owner: Headers, sub: str,
                                               given: str, actual: str) -> None:
    principal = new_principal(local, "kubelet").object_id
    refused = arm.put(url(sub), json=body(sub, principal, principalType=given), headers=owner)
    assert refused.status_code == 400
    assert refused.json() == error(
        "UnmatchedPrincipalType", f"The PrincipalId '{principal.replace('-', '')}' has type '{actual}' , which is "
                                  f"different from specified PrinciaplType '{given}'.")
    assert arm.get(url(sub), headers=owner).status_code == 404


def test_principal_type_of_a_user(local: Local, arm: TestClient, owner: Headers, sub: str) -> None:
    user = local.emulator.directory.create_user("dev@contoso.example", "Dev", "Passw0rd!Passw0rd")
    refused = arm.put(url(sub), json=body(sub, user.object_id, principalType="ServicePrincipal"), headers=owner)
    assert refused.json()["error"]["code"] == "UnmatchedPrincipalType"
    accepted = arm.put(url(sub), json=body(sub, user.object_id, principalType="User"), headers=owner)
    assert accepted.status_code == 201 and accepted.json()["properties"]["principalType"] == "User"


@pytest.mark.parametrize(("condition", "version", "message"), [
    (f"{ATTRIBUTE} StringEqualsIgnoreCase", "2.0",
     "The given role assignment condition is invalid. The condition ends early."),
    (f"({ATTRIBUTE} StringEqualsIgnoreCase 'app'))", "2.0",
     "The given role assignment condition is invalid. Unexpected text at column 98: )"),
    ("@Request[Microsoft.ContainerRegistry/registries/repositories:tag] StringEquals 'v1'", "2.0",
     "The given role assignment condition is invalid. 'Microsoft.ContainerRegistry/registries/repositories:tag' "
     "is not a Microsoft.ContainerRegistry attribute."),
    (APP_ONLY, "1.0", "The given role assignment condition is invalid. conditionVersion is '1.0'; it must be '2.0'."),
    (None, "2.0", "The given role assignment condition is invalid. conditionVersion is set without a condition."),
])
def test_a_malformed_condition_is_refused(local: Local, arm: TestClient, owner: Headers, sub: str,
                                          condition: str | None, version: str, message: str) -> None:
    principal = new_principal(local, "kubelet").object_id
    refused = arm.put(url(sub), json=body(sub, principal, condition=condition, conditionVersion=version),
                      headers=owner)
    assert refused.status_code == 400 and refused.json() == error("InvalidRoleAssignmentCondition", message)
    assert arm.get(url(sub), headers=owner).status_code == 404


def test_a_condition_outside_the_emulated_subset_is_refused_by_name(local: Local, arm: TestClient, owner: Headers,
                                                                    sub: str) -> None:
    principal = new_principal(local, "kubelet").object_id
    storage = "@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringEquals 'logs'"
    refused = arm.put(url(sub), json=body(sub, principal, condition=storage, conditionVersion="2.0"),
                      headers=owner)
    assert refused.status_code == 400
    found = refused.json()["error"]
    assert found["code"] == "InvalidRoleAssignmentCondition"
    assert found["message"].startswith(
        "The role assignment condition uses the attribute @Resource[Microsoft.Storage/storageAccounts/"
        "blobServices/containers:name], which pullproof does not emulate (ours).")


def test_a_condition_is_stored_echoed_and_updated(local: Local, arm: TestClient, owner: Headers, sub: str) -> None:
    principal = new_principal(local, "kubelet").object_id
    created = arm.put(url(sub), json=body(sub, principal, condition=APP_ONLY, conditionVersion="2.0"),
                      headers=owner)
    assert created.status_code == 201
    assert (created.json()["properties"]["condition"], created.json()["properties"]["conditionVersion"]) == (
        APP_ONLY, "2.0")
    local.clock.advance(30)
    wider = APP_ONLY.replace("StringEqualsIgnoreCase 'app'", "StringStartsWithIgnoreCase 'app'")
    updated = arm.put(url(sub), json=body(sub, principal, condition=wider, conditionVersion="2.0"), headers=owner)
    assert updated.status_code == 200 and updated.json()["properties"]["condition"] == wider
    assert updated.json()["properties"]["updatedOn"] != created.json()["properties"]["updatedOn"]
    assert arm.get(url(sub), headers=owner).json()["properties"]["condition"] == wider
