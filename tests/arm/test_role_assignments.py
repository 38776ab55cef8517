"""Microsoft.Authorization/roleAssignments over HTTP: create, idempotency, errors, get, delete."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.arm.support import ACR_PULL, AUTHZ_API, MSI, MSI_API, READER, RG_API, error, new_principal, role_id
from tests.conftest import Local

Headers = dict[str, str]
NAME = "0b2b9c1e-58a8-4d1c-9a1e-4c1f3c2a9d01"
OTHER = "5d5c4e2f-7a7b-4c3d-8e9f-0a1b2c3d4e5f"
GHOST = "9f3e0d1c-2b3a-4c5d-8e6f-708192a3b4c5"


def assignment_url(scope: str, name: str = NAME) -> str:
    return f"{scope}/providers/Microsoft.Authorization/roleAssignments/{name}?{AUTHZ_API}"


def body(sub: str, principal: str, role: str = ACR_PULL, **extra: Any) -> dict[str, Any]:
    return {"properties": {"roleDefinitionId": role_id(sub, role), "principalId": principal, **extra}}


@pytest.fixture
def identity(arm: TestClient, owner: Headers, sub: str) -> dict[str, Any]:
    """A resource group ``Team-RG`` with the user-assigned identity ``Kubelet-Id`` in it."""
    arm.put(f"/subscriptions/{sub}/resourcegroups/Team-RG?{RG_API}", json={"location": "westeurope"}, headers=owner)
    response = arm.put(f"/subscriptions/{sub}/resourceGroups/Team-RG/providers/{MSI}/Kubelet-Id?{MSI_API}",
                       json={"location": "westeurope"}, headers=owner)
    assert response.status_code == 201
    created: dict[str, Any] = response.json()
    return created


def test_put_creates_an_assignment(
    local: Local, arm: TestClient, owner: Headers, sub: str, identity: dict[str, Any],
) -> None:
    principal = identity["properties"]["principalId"]
    scope = identity["id"]
    response = arm.put(assignment_url(scope.lower()), json=body(sub, principal), headers=owner)
    assert response.status_code == 201
    assert response.json() == {
        "properties": {
            "roleDefinitionId": role_id(sub, ACR_PULL), "principalId": principal,
            "principalType": "ServicePrincipal", "scope": scope, "condition": None, "conditionVersion": None,
            "createdOn": "2027-01-15T08:00:00.0000000Z", "updatedOn": "2027-01-15T08:00:00.0000000Z",
            "createdBy": local.emulator.operator.object_id, "updatedBy": local.emulator.operator.object_id,
            "delegatedManagedIdentityResourceId": None, "description": None,
        },
        "id": f"{scope}/providers/Microsoft.Authorization/roleAssignments/{NAME}",
        "type": "Microsoft.Authorization/roleAssignments",
        "name": NAME,
    }


def test_same_name_same_content_is_idempotent(arm: TestClient, owner: Headers, sub: str) -> None:
    principal = new_principal_id(arm, owner, sub)
    first = arm.put(assignment_url(f"/subscriptions/{sub}"), json=body(sub, principal), headers=owner)
    again = arm.put(assignment_url(f"/subscriptions/{sub.upper()}"), json=body(sub, principal.upper()),
                    headers=owner)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()


def new_principal_id(arm: TestClient, owner: Headers, sub: str) -> str:
    """The principal of a fresh identity in group ``rg-p`` (a principal the directory knows)."""
    arm.put(f"/subscriptions/{sub}/resourcegroups/rg-p?{RG_API}", json={"location": "westeurope"}, headers=owner)
    response = arm.put(f"/subscriptions/{sub}/resourcegroups/rg-p/providers/{MSI}/id-p?{MSI_API}",
                       json={"location": "westeurope"}, headers=owner)
    return str(response.json()["properties"]["principalId"])


def test_duplicate_under_another_name_conflicts(arm: TestClient, owner: Headers, sub: str) -> None:
    principal = new_principal_id(arm, owner, sub)
    arm.put(assignment_url(f"/subscriptions/{sub}"), json=body(sub, principal), headers=owner)
    response = arm.put(assignment_url(f"/subscriptions/{sub}", OTHER), json=body(sub, principal), headers=owner)
    assert response.status_code == 409
    assert response.json() == error(
        "RoleAssignmentExists",
        f"The role assignment already exists. The ID of the existing role assignment is {NAME.replace('-', '')}.")


def test_same_name_with_another_role_is_not_an_update(arm: TestClient, owner: Headers, sub: str) -> None:
    principal = new_principal_id(arm, owner, sub)
    arm.put(assignment_url(f"/subscriptions/{sub}"), json=body(sub, principal), headers=owner)
    response = arm.put(assignment_url(f"/subscriptions/{sub}"), json=body(sub, principal, READER), headers=owner)
    assert response.status_code == 409
    assert response.json() == error(
        "RoleAssignmentUpdateNotPermitted",
        "Tenant ID, application ID, principal ID, and scope are not allowed to be updated.")


def test_unknown_principal_needs_a_principal_type(local: Local, arm: TestClient, owner: Headers, sub: str) -> None:
    scope = f"/subscriptions/{sub}"
    refused = arm.put(assignment_url(scope), json=body(sub, GHOST), headers=owner)
    accepted = arm.put(assignment_url(scope), json=body(sub, GHOST, principalType="ServicePrincipal"), headers=owner)
    assert refused.status_code == 400
    assert refused.json() == error(
        "PrincipalNotFound",
        f"Principal {GHOST.replace('-', '')} does not exist in the directory {local.emulator.operator.tenant_id}. "
        "Check that you have the correct principal ID. If you are creating this principal and then immediately "
        "assigning a role, this error might be related to a replication delay. In this case, set the role "
        "assignment principalType property to a value, such as ServicePrincipal, User, or Group.  See "
        "https://aka.ms/docs-principaltype")
    assert accepted.status_code == 201 and accepted.json()["properties"]["principalType"] == "ServicePrincipal"


@pytest.mark.parametrize(("name", "payload", "status", "code"), [
    ("not-a-guid", {}, 400, "InvalidRoleAssignmentId"),
    (NAME, {"roleDefinitionId": "/subscriptions/x/providers/Microsoft.Authorization/roleDefinitions/"
            + "11111111-2222-4333-8444-555555555555"}, 404, "RoleDefinitionDoesNotExist"),
    (NAME, {"roleDefinitionId": "AcrPull"}, 400, "InvalidRoleDefinitionId"),
    (NAME, {"principalId": "someone"}, 400, "InvalidPrincipalId"),
    (NAME, {"principalType": "Robot"}, 400, "InvalidPrincipalType"),
    (NAME, {"principalType": ["ServicePrincipal"]}, 400, "InvalidRequestContent"),
    (NAME, {"description": 7}, 400, "InvalidRequestContent"),
])
def test_invalid_assignments(
    arm: TestClient, owner: Headers, sub: str, name: str, payload: dict[str, Any], status: int, code: str,
) -> None:
    properties = {**body(sub, GHOST, principalType="User")["properties"], **payload}
    response = arm.put(assignment_url(f"/subscriptions/{sub}", name), json={"properties": properties},
                       headers=owner)
    assert (response.status_code, response.json()["error"]["code"]) == (status, code)


def test_exact_messages_of_invalid_name_and_unknown_role(arm: TestClient, owner: Headers, sub: str) -> None:
    bad_name = arm.put(assignment_url(f"/subscriptions/{sub}", "abc"), json=body(sub, GHOST), headers=owner)
    unknown = arm.put(assignment_url(f"/subscriptions/{sub}"), json=body(sub, GHOST, OTHER), headers=owner)
    no_props = arm.put(assignment_url(f"/subscriptions/{sub}"), json={"roleDefinitionId": "x"}, headers=owner)
    assert bad_name.json() == error(
        "InvalidRoleAssignmentId", "The role assignment ID 'abc' is not valid. The role assignment ID must be a GUID.")
    assert unknown.json() == error(
        "RoleDefinitionDoesNotExist", f"The specified role definition with ID '{OTHER}' does not exist.")
    assert no_props.json() == error(
        "InvalidRequestContent",
        "The request content was invalid and could not be deserialized: 'The 'properties' object is required.'.")


def test_scope_must_exist(arm: TestClient, owner: Headers, sub: str) -> None:
    group = f"/subscriptions/{sub}/resourceGroups/nowhere"
    payload = body(sub, GHOST, principalType="User")
    no_group = arm.put(assignment_url(group), json=payload, headers=owner)
    no_resource = arm.put(assignment_url(f"{group}/providers/{MSI}/nothing"), json=payload, headers=owner)
    assert no_group.json() == error("ResourceGroupNotFound", "Resource group 'nowhere' could not be found.")
    assert no_resource.status_code == 404
    assert no_resource.json() == error(
        "ResourceNotFound", f"The Resource '{MSI}/nothing' under resource group 'nowhere' was not found. For more "
        "details please go to https://aka.ms/ARMResourceNotFoundFix")


def test_get_by_id_and_delete(arm: TestClient, owner: Headers, sub: str, identity: dict[str, Any]) -> None:
    created = arm.put(assignment_url(identity["id"]), json=body(sub, identity["properties"]["principalId"]),
                      headers=owner).json()
    by_id = arm.get(f"{created['id']}?{AUTHZ_API}", headers=owner)
    lowered = arm.get(f"{created['id'].lower()}?{AUTHZ_API}", headers=owner)
    elsewhere = arm.get(assignment_url(f"/subscriptions/{sub}"), headers=owner)
    assert by_id.status_code == 200 and by_id.json() == created and lowered.json() == created
    assert elsewhere.status_code == 404
    assert elsewhere.json() == error("RoleAssignmentNotFound", f"The role assignment '{NAME}' is not found.")
    deleted = arm.delete(f"{created['id']}?{AUTHZ_API}", headers=owner)
    again = arm.delete(f"{created['id']}?{AUTHZ_API}", headers=owner)
    assert (deleted.status_code, deleted.json()) == (200, created)
    assert (again.status_code, again.content) == (204, b"")
    assert arm.get(f"{created['id']}?{AUTHZ_API}", headers=owner).status_code == 404


def test_delete_at_another_scope_removes_nothing(arm: TestClient, owner: Headers, sub: str) -> None:
    principal = new_principal_id(arm, owner, sub)
    arm.put(assignment_url(f"/subscriptions/{sub}"), json=body(sub, principal), headers=owner)
    wrong = arm.delete(assignment_url(f"/subscriptions/{sub}/resourceGroups/rg-p"), headers=owner)
    assert wrong.status_code == 204
    assert arm.get(assignment_url(f"/subscriptions/{sub}"), headers=owner).status_code == 200


def test_created_assignment_takes_effect(local: Local, arm: TestClient, owner: Headers, sub: str) -> None:
    reader = new_principal(local, "late-reader")
    check = local.emulator.rbac.check
    action = "Microsoft.Resources/subscriptions/resourcegroups/read"
    assert not check(reader.object_id, action, f"/subscriptions/{sub}/resourceGroups/x").allowed
    arm.put(assignment_url(f"/subscriptions/{sub}"), json=body(sub, reader.object_id, READER), headers=owner)
    assert check(reader.object_id, action, f"/subscriptions/{sub}/resourceGroups/x").allowed
