"""Scopes (keys and ancestors), GUIDs and the role models."""

from __future__ import annotations

import pytest

from pullproof.rbac.models import Permission, RoleAssignment, RoleDefinition, ancestors, is_guid, scope_key

S = "/subscriptions/00000000-1111-4222-8333-444444444444"
SK = S.lower()


@pytest.mark.parametrize(("scope", "key"), [
    ("/", "/"), ("", "/"), ("//", "/"), (f"{S}/", SK), (S.upper(), SK),
    (f"{S}//resourceGroups/RG1/", f"{SK}/resourcegroups/rg1"),
])
def test_scope_key(scope: str, key: str) -> None:
    assert scope_key(scope) == key


REGISTRY = f"{SK}/resourcegroups/rg1/providers/microsoft.containerregistry/registries/acr1"


@pytest.mark.parametrize(("scope", "expected"), [
    ("/", ["/"]),
    (S, ["/", SK]),
    (f"{S}/resourceGroups/RG1", ["/", SK, f"{SK}/resourcegroups/rg1"]),
    (f"{S}/resourceGroups/rg1/providers/Microsoft.ContainerRegistry/registries/acr1",
     ["/", SK, f"{SK}/resourcegroups/rg1", REGISTRY]),
    (f"{S}/resourceGroups/rg1/providers/Microsoft.ContainerRegistry/registries/acr1/replications/westus",
     ["/", SK, f"{SK}/resourcegroups/rg1", REGISTRY, f"{REGISTRY}/replications/westus"]),
    (f"{S}/providers/Microsoft.Network/networkWatchers/nw1",
     ["/", SK, f"{SK}/providers/microsoft.network/networkwatchers/nw1"]),
    (f"{S}/resourceGroups/rg1/providers/Microsoft.ContainerRegistry/registries/acr1/providers/"
     "Microsoft.Insights/diagnosticSettings/d1",
     ["/", SK, f"{SK}/resourcegroups/rg1", REGISTRY,
      f"{REGISTRY}/providers/microsoft.insights/diagnosticsettings/d1"]),
])
def test_ancestors_run_from_the_root_down_to_the_scope(scope: str, expected: list[str]) -> None:
    assert ancestors(scope) == expected


def test_ancestors_ignore_case_and_slashes() -> None:
    assert ancestors(f"{S.upper()}//RESOURCEGROUPS/Rg1/") == ancestors(f"{S}/resourceGroups/rg1")


@pytest.mark.parametrize(("value", "valid"), [
    ("7f951dda-4ed3-4680-a7ca-43fe172d538d", True), ("7F951DDA-4ED3-4680-A7CA-43FE172D538D", True),
    ("7f951dda4ed34680a7ca43fe172d538d", False), ("7f951dda-4ed3-4680-a7ca-43fe172d538", False),
    ("{7f951dda-4ed3-4680-a7ca-43fe172d538d}", False), ("", False), ("acrpull", False),
])
def test_is_guid(value: str, valid: bool) -> None:
    assert is_guid(value) is valid


def assignment(scope: str) -> RoleAssignment:
    return RoleAssignment("a1b2c3d4-0000-4000-8000-000000000001", scope, "rd", "g", "p", None, 0.0, 0.0)


def test_assignment_id_and_scope_key() -> None:
    at_group = assignment(f"{S}/resourceGroups/RG1/")
    assert at_group.id == f"{S}/resourceGroups/RG1/providers/Microsoft.Authorization/roleAssignments/{at_group.name}"
    assert at_group.scope_key == f"{SK}/resourcegroups/rg1"
    at_root = assignment("/")
    assert at_root.id == f"/providers/Microsoft.Authorization/roleAssignments/{at_root.name}"
    assert at_root.scope_key == "/"


def test_role_definition_from_json_round_trips_permissions() -> None:
    data = {
        "name": "c8d4ff99-41c3-41a8-9f60-21dfdad59608", "roleName": "AcrQuarantineWriter",
        "description": "acr quarantine data writer", "createdOn": "2018-03-16T00:00:00Z",
        "permissions": [{"actions": ["a/read"], "notActions": ["a/x"], "dataActions": ["d/read"],
                         "notDataActions": ["d/x"]}, {"actions": ["b/*"]}],
    }
    role = RoleDefinition.from_json(data)
    assert (role.guid, role.role_name, role.role_type, role.assignable_scopes) == (
        data["name"], "AcrQuarantineWriter", "BuiltInRole", ("/",))
    assert role.created_on == "2018-03-16T00:00:00Z" and role.updated_on is None
    assert [p.to_json() for p in role.permissions] == [
        {"actions": ["a/read"], "notActions": ["a/x"], "dataActions": ["d/read"], "notDataActions": ["d/x"]},
        {"actions": ["b/*"], "notActions": [], "dataActions": [], "notDataActions": []},
    ]
    assert Permission().to_json() == {"actions": [], "notActions": [], "dataActions": [], "notDataActions": []}
