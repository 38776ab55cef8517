"""ARM paths: classification (case-insensitive), canonical ids echoed back, the generic resources list."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from pullproof.arm.models import parse_path
from tests.arm.support import ACR_PULL, AUTHZ_API, MSI, MSI_API, RG_API, role_id

Headers = dict[str, str]
S = "00000000-1111-4222-8333-444444444444"


@pytest.mark.parametrize(("path", "kind"), [
    ("/", "root"), ("/subscriptions", "subscriptions"), (f"/SUBSCRIPTIONS/{S}", "subscription"),
    (f"/subscriptions/{S}/resourcegroups", "groups"), (f"/subscriptions/{S}/resourceGroups", "groups"),
    (f"/subscriptions/{S}/RESOURCEGROUPS/g", "group"), (f"/subscriptions/{S}/resources", "resources"),
    (f"/subscriptions/{S}/resourceGroups/g/Resources", "resources"),
    (f"/subscriptions/{S}/operationresults/op1", "operation"),
    (f"/subscriptions/{S}/providers/Microsoft.X/locations/eastus/operationResults/op1", "operation"),
    (f"/subscriptions/{S}/providers", "providers"), (f"/subscriptions/{S}/providers/Microsoft.X", "provider"),
    ("/metadata/endpoints", "metadata"), ("/tenants", "tenants"), ("/nothing", "unknown"),
    (f"/subscriptions/{S}/gizmos", "unknown"), (f"/subscriptions/{S}/resourceGroups/g/gizmos", "unknown"),
])
def test_kinds(path: str, kind: str) -> None:
    assert parse_path(path).kind == kind


def test_group_and_provider_actions() -> None:
    group = parse_path(f"/subscriptions/{S}/resourceGroups/Team-RG")
    assert (group.subscription, group.group) == (S, "Team-RG")
    register = parse_path(f"/subscriptions/{S}/providers/Microsoft.X/register")
    check = parse_path(f"/subscriptions/{S}/providers/Microsoft.ContainerRegistry/checkNameAvailability")
    assert (register.kind, register.action, register.rest) == ("provider", "register", ("Microsoft.X",))
    assert (check.action, check.rest) == ("checkNameAvailability", ("Microsoft.ContainerRegistry",))


def test_nested_resource_and_its_parent() -> None:
    path = parse_path(f"/subscriptions/{S}/resourcegroups/g/providers/Microsoft.ContainerService/"
                      "managedClusters/c1/agentPools/pool1")
    ref = path.resource
    assert path.kind == "resource" and ref is not None
    assert (ref.types, ref.names, ref.is_collection) == (("managedClusters", "agentPools"), ("c1", "pool1"), False)
    assert ref.type == "Microsoft.ContainerService/managedClusters/agentPools"
    assert ref.id == (f"/subscriptions/{S}/resourceGroups/g/providers/Microsoft.ContainerService/"
                      "managedClusters/c1/agentPools/pool1")
    assert ref.parent is not None
    assert ref.parent.id == f"/subscriptions/{S}/resourceGroups/g/providers/Microsoft.ContainerService/" \
        "managedClusters/c1"
    collection = parse_path(f"/subscriptions/{S}/resourceGroups/g/providers/{MSI}").resource
    assert collection is not None and collection.is_collection and collection.parent is None


@pytest.mark.parametrize(("path", "scope", "rest"), [
    ("/providers/Microsoft.Authorization/roleDefinitions/abc", "/", ("roleDefinitions", "abc")),
    (f"/subscriptions/{S}/providers/microsoft.authorization/ROLEASSIGNMENTS", f"/subscriptions/{S}",
     ("ROLEASSIGNMENTS",)),
    (f"/subscriptions/{S}/resourcegroups/g/providers/{MSI}/i1/PROVIDERS/Microsoft.Authorization/roleAssignments/n",
     f"/subscriptions/{S}/resourcegroups/g/providers/{MSI}/i1", ("roleAssignments", "n")),
])
def test_authorization_paths_keep_the_scope_as_written(path: str, scope: str, rest: tuple[str, ...]) -> None:
    parsed = parse_path(path)
    assert (parsed.kind, parsed.scope, parsed.rest) == ("authorization", scope, rest)


def test_upper_and_lower_case_paths_reach_the_same_group(arm: TestClient, owner: Headers, sub: str) -> None:
    created = arm.put(f"/SUBSCRIPTIONS/{sub}/RESOURCEGROUPS/Team-RG?{RG_API}", json={"location": "westeurope"},
                      headers=owner)
    shown = arm.get(f"/subscriptions/{sub}/resourcegroups/team-rg?{RG_API}", headers=owner)
    assert created.status_code == 201
    assert shown.json()["id"] == created.json()["id"] == f"/subscriptions/{sub}/resourceGroups/Team-RG"


def test_lower_cased_identity_id_as_a_role_assignment_scope(arm: TestClient, owner: Headers, sub: str) -> None:
    """``az`` sends the ``xms_mirid`` form (lower-case ``resourcegroups``) as a scope; ARM echoes the real id."""
    arm.put(f"/subscriptions/{sub}/resourcegroups/Team-RG?{RG_API}", json={"location": "westeurope"}, headers=owner)
    identity = arm.put(f"/subscriptions/{sub}/resourceGroups/Team-RG/providers/{MSI}/Kubelet?{MSI_API}",
                       json={"location": "westeurope"}, headers=owner).json()
    scope = identity["id"].lower()
    name = "8b7b3e55-2d3c-4e4f-9a0b-1c2d3e4f5a6b"
    created = arm.put(f"{scope}/providers/Microsoft.Authorization/roleAssignments/{name}?{AUTHZ_API}", headers=owner,
                      json={"properties": {"roleDefinitionId": role_id(sub, ACR_PULL),
                                           "principalId": identity["properties"]["principalId"]}})
    assert created.status_code == 201 and created.json()["properties"]["scope"] == identity["id"]
    listed = arm.get(f"{scope}/providers/Microsoft.Authorization/roleAssignments?$filter=atScope()&{AUTHZ_API}",
                     headers=owner).json()["value"]
    mine = [a for a in listed if a["name"] == name]
    assert [a["properties"]["scope"].lower() for a in mine] == [scope]


def test_resources_filtered_by_type(arm: TestClient, owner: Headers, sub: str) -> None:
    for group in ("rg1", "rg2"):
        arm.put(f"/subscriptions/{sub}/resourcegroups/{group}?{RG_API}", json={"location": "westeurope"},
                headers=owner)
        arm.put(f"/subscriptions/{sub}/resourcegroups/{group}/providers/{MSI}/id-{group}?{MSI_API}",
                json={"location": "westeurope"}, headers=owner)
    typed = arm.get(f"/subscriptions/{sub}/resources?$filter=resourceType eq '{MSI.lower()}'&{RG_API}",
                    headers=owner)
    other = arm.get(f"/subscriptions/{sub}/resources?$filter=resourceType eq "
                    f"'Microsoft.ContainerRegistry/registries'&{RG_API}", headers=owner)
    in_group = arm.get(f"/subscriptions/{sub}/resourceGroups/RG2/resources?{RG_API}", headers=owner)
    assert [r["name"] for r in typed.json()["value"]] == ["id-rg1", "id-rg2"]
    assert typed.json()["value"][0]["type"] == MSI
    assert other.json() == {"value": []}
    assert [r["name"] for r in in_group.json()["value"]] == ["id-rg2"]
