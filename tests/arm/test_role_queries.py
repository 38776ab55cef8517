"""Listing role assignments with ``$filter``, and role definitions (what ``az`` and ``aks --attach-acr`` ask)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.arm.support import (
    ACR_PULL,
    AUTHZ_API,
    DEFS_API,
    MSI,
    MSI_API,
    OWNER,
    READER,
    RG_API,
    error,
    grant,
    new_principal,
)
from tests.conftest import Local

Headers = dict[str, str]


@dataclass(frozen=True)
class World:
    """Principal ``a``: Reader on the group and AcrPull on the identity in it; ``b``: Reader on the subscription."""

    sub: str
    group: str
    resource: str
    a: str
    b: str
    a_group: str
    a_resource: str
    b_sub: str


@pytest.fixture
def world(local: Local, arm: TestClient, owner: Headers, sub: str) -> World:
    group = f"/subscriptions/{sub}/resourceGroups/rg1"
    arm.put(f"{group}?{RG_API}", json={"location": "westeurope"}, headers=owner)
    resource = arm.put(f"{group}/providers/{MSI}/id1?{MSI_API}", json={"location": "westeurope"},
                       headers=owner).json()["id"]
    a, b = new_principal(local, "a").object_id, new_principal(local, "b").object_id
    return World(sub, group, resource, a, b, grant(local, a, READER, group), grant(local, a, ACR_PULL, resource),
                 grant(local, b, READER, f"/subscriptions/{sub}"))


def names(arm: TestClient, owner: Headers, scope: str, filter_: str | None = None) -> set[str]:
    query = f"{AUTHZ_API}&$filter={filter_}" if filter_ else AUTHZ_API
    response = arm.get(f"{scope}/providers/Microsoft.Authorization/roleAssignments?{query}", headers=owner)
    assert response.status_code == 200, response.text
    assert response.json()["nextLink"] is None
    return {a["name"] for a in response.json()["value"]}


def bootstrap_owners(local: Local, sub: str) -> set[str]:
    return {a.name for a in local.emulator.rbac.list_at_or_above(f"/subscriptions/{sub}")
            if a.role_guid == OWNER}


def test_no_filter_lists_above_at_and_below(local: Local, arm: TestClient, owner: Headers, world: World) -> None:
    owners = bootstrap_owners(local, world.sub)
    assert len(owners) == 2  # the operator service principal and the admin user
    assert names(arm, owner, world.group) == owners | {world.b_sub, world.a_group, world.a_resource}


def test_at_scope_lists_at_and_above_only(local: Local, arm: TestClient, owner: Headers, world: World) -> None:
    owners = bootstrap_owners(local, world.sub)
    assert names(arm, owner, world.group, "atScope()") == owners | {world.b_sub, world.a_group}
    assert names(arm, owner, world.resource.lower(), "atScope()") == owners | {
        world.b_sub, world.a_group, world.a_resource}


def test_principal_filters(arm: TestClient, owner: Headers, world: World) -> None:
    sub_scope = f"/subscriptions/{world.sub}"
    assert names(arm, owner, sub_scope, f"principalId eq '{world.a}'") == {world.a_group, world.a_resource}
    assert names(arm, owner, world.group, f"assignedTo('{world.a.upper()}')") == {world.a_group, world.a_resource}
    assert names(arm, owner, world.group, f"atScope() and assignedTo('{world.a}')") == {world.a_group}
    assert names(arm, owner, world.group, f"assignedTo('{world.b}')") == {world.b_sub}


def test_unsupported_filter(arm: TestClient, owner: Headers, world: World) -> None:
    response = arm.get(f"{world.group}/providers/Microsoft.Authorization/roleAssignments?{AUTHZ_API}"
                       "&$filter=roleName eq 'x'", headers=owner)
    assert response.status_code == 400
    assert response.json() == error("UnsupportedQuery", "The filter 'roleName eq 'x'' is not supported.")


def definitions(arm: TestClient, owner: Headers, scope: str, filter_: str | None = None) -> list[dict[str, Any]]:
    query = f"{DEFS_API}&$filter={filter_}" if filter_ else DEFS_API
    response = arm.get(f"{scope}/providers/Microsoft.Authorization/roleDefinitions?{query}", headers=owner)
    assert response.status_code == 200, response.text
    value: list[dict[str, Any]] = response.json()["value"]
    return value


def test_role_name_filter_is_case_insensitive(arm: TestClient, owner: Headers, world: World) -> None:
    [acr_pull] = definitions(arm, owner, world.resource, "roleName eq 'acrpull'")
    assert acr_pull["id"] == f"/subscriptions/{world.sub}/providers/Microsoft.Authorization/roleDefinitions/{ACR_PULL}"
    assert acr_pull["name"] == ACR_PULL and acr_pull["type"] == "Microsoft.Authorization/roleDefinitions"
    assert acr_pull["properties"] == {
        "roleName": "AcrPull", "type": "BuiltInRole", "description": "acr pull", "assignableScopes": ["/"],
        "permissions": [{"actions": ["Microsoft.ContainerRegistry/registries/pull/read"], "notActions": [],
                         "dataActions": [], "notDataActions": []}],
        "createdOn": "2018-10-22T19:01:56.8220000Z", "updatedOn": "2021-11-11T20:13:08.8770000Z",
        "createdBy": None, "updatedBy": None,
    }
    [mio] = definitions(arm, owner, world.group, "roleName eq 'managed identity operator'")
    assert mio["name"] == "f1a07417-d97a-45cb-824c-7a7467783830"
    assert definitions(arm, owner, world.group, "roleName eq 'no such role'") == []


def test_type_filter_and_full_list(arm: TestClient, owner: Headers, world: World) -> None:
    every = definitions(arm, owner, f"/subscriptions/{world.sub}")
    builtin = definitions(arm, owner, f"/subscriptions/{world.sub}", "type eq 'BuiltInRole'")
    custom = definitions(arm, owner, f"/subscriptions/{world.sub}", "type eq 'CustomRole'")
    role_names = [str(d["properties"]["roleName"]) for d in every]
    assert len(every) == 33 and every == builtin and custom == []
    assert role_names == sorted(role_names, key=str.lower)


def test_get_definition_by_id(arm: TestClient, owner: Headers, world: World) -> None:
    at_root = arm.get(f"/providers/Microsoft.Authorization/roleDefinitions/{ACR_PULL}?{DEFS_API}", headers=owner)
    at_sub = arm.get(f"/subscriptions/{world.sub}/providers/Microsoft.Authorization/roleDefinitions/{ACR_PULL}"
                     f"?{DEFS_API}", headers=owner)
    missing = arm.get(f"/providers/Microsoft.Authorization/roleDefinitions/{world.a}?{DEFS_API}", headers=owner)
    assert at_root.json()["id"] == f"/providers/Microsoft.Authorization/roleDefinitions/{ACR_PULL}"
    assert at_sub.json()["id"] == f"/subscriptions/{world.sub}/providers/Microsoft.Authorization/roleDefinitions/" \
        f"{ACR_PULL}"
    assert missing.status_code == 404
    assert missing.json() == error("RoleDefinitionDoesNotExist",
                                   f"The specified role definition with ID '{world.a}' does not exist.")
