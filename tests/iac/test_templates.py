"""Template semantics, deployed in process through ARM: loops, conditions, dependencies, nested
deployments (inner and outer scope, resource group and subscription), extension resources,
symbolic names, user functions, outputs."""

from __future__ import annotations

from typing import Any

from pullproof.iac import operator_caller
from pullproof.iac.hashes import guid
from pullproof.identity.models import Caller
from tests.conftest import Local
from tests.iac.support import ACR, ACR_PULL, MSI, SUB_SCHEMA, TEMPLATES, deploy, identity, registry, template


def _group(local: Local, name: str = "rg") -> None:
    sub = local.emulator.operator.subscription_id
    local.emulator.arm.put_group(operator_caller(local.emulator), sub, name, {"location": "eastus"})


def _resource(local: Local, resource_id: str) -> dict[str, Any] | None:
    found = local.emulator.arm_store.get(resource_id)
    return found.body if found else None


def test_subscription_template_creates_group_registry_identity_and_acr_pull(local: Local, caller: Caller,
                                                                           sub: str) -> None:
    text = (TEMPLATES / "main.json").read_text()
    result = deploy(local, caller, text, {"rgName": "rg-demo", "acrName": "acrdemo01"}, group=None)
    props = result["properties"]
    assert props["provisioningState"] == "Succeeded", props.get("error")
    rg = f"/subscriptions/{sub}/resourceGroups/rg-demo"
    registry_id = f"{rg}/providers/{ACR}/acrdemo01"
    identity_body = _resource(local, f"{rg}/providers/{MSI}/kubelet-identity")
    assert identity_body is not None
    principal = identity_body["properties"]["principalId"]
    name = guid(registry_id, principal, "AcrPull")
    assignment_id = f"{registry_id}/providers/Microsoft.Authorization/roleAssignments/{name}"
    assert props["outputs"] == {
        "loginServer": {"type": "String", "value": "acrdemo01.azurecr.io"},
        "principalId": {"type": "String", "value": principal},
        "roleAssignmentId": {"type": "String", "value": assignment_id}}
    assert [r["id"] for r in props["outputResources"]] == [rg, registry_id, assignment_id,
                                                           f"{rg}/providers/{MSI}/kubelet-identity"]
    assignment = local.emulator.rbac.get(registry_id, name)
    assert (assignment.role_guid, assignment.principal_id, assignment.principal_type) == (
        ACR_PULL, principal, "ServicePrincipal")
    nested = _resource(local, f"{rg}/providers/Microsoft.Resources/deployments/acr-pull")
    assert nested is not None and nested["properties"]["outputs"]["roleAssignmentId"]["value"] == assignment_id
    assert props["parameters"]["location"] == {"type": "String", "value": "eastus"}
    assert _resource(local, rg) is not None and _resource(local, rg)["tags"] == {"purpose": "pullproof"}  # type: ignore[index]


def test_redeploying_is_idempotent(local: Local, caller: Caller) -> None:
    text = (TEMPLATES / "main.json").read_text()
    first = deploy(local, caller, text, {"rgName": "rg-demo", "acrName": "acrdemo01"}, group=None)
    second = deploy(local, caller, text, {"rgName": "rg-demo", "acrName": "acrdemo01"}, group=None)
    assert second["properties"]["provisioningState"] == "Succeeded", second["properties"].get("error")
    assert second["properties"]["outputs"] == first["properties"]["outputs"]


def test_copy_loops_conditions_and_property_loops(local: Local, caller: Caller, sub: str) -> None:
    _group(local)
    body = template(
        parameters={"names": {"type": "array", "defaultValue": ["a1x", "b2x", "c3x"]},
                    "withExtra": {"type": "bool", "defaultValue": False}},
        variables={"copy": [{"name": "labels", "count": 2, "input": "[format('label-{0}', copyIndex('labels'))]"}]},
        resources=[
            {**identity("[concat('id-', parameters('names')[copyIndex()])]"),
             "copy": {"name": "ids", "count": "[length(parameters('names'))]"},
             "tags": {"index": "[string(copyIndex(1))]", "label": "[variables('labels')[0]]"}},
            {**identity("extra"), "condition": "[parameters('withExtra')]"},
            {**registry("acrloop01"), "dependsOn": ["ids"],
             "properties": {"copy": [{"name": "policies", "count": 2, "input": {"n": "[copyIndex('policies')]"}}]}},
        ],
        outputs={"ids": {"type": "array", "copy": {"count": "[length(parameters('names'))]",
                                                   "input": "[concat('id-', parameters('names')[copyIndex()])]"}},
                 "labels": {"type": "array", "value": "[variables('labels')]"},
                 "skipped": {"type": "string", "condition": "[parameters('withExtra')]", "value": "x"}})
    result = deploy(local, caller, body)
    props = result["properties"]
    assert props["provisioningState"] == "Succeeded", props.get("error")
    assert props["outputs"] == {"ids": {"type": "Array", "value": ["id-a1x", "id-b2x", "id-c3x"]},
                                "labels": {"type": "Array", "value": ["label-0", "label-1"]}}
    rg = f"/subscriptions/{sub}/resourceGroups/rg"
    tags = _resource(local, f"{rg}/providers/{MSI}/id-b2x")["tags"]  # type: ignore[index]
    assert tags == {"index": "2", "label": "label-0"}
    assert _resource(local, f"{rg}/providers/{MSI}/extra") is None
    created = [op["properties"]["targetResource"]["resourceName"] for op in _operations(local, rg)]
    assert created == ["id-a1x", "id-b2x", "id-c3x", "acrloop01"]


def _operations(local: Local, scope: str, name: str = "main") -> list[dict[str, Any]]:
    found = local.emulator.arm_store.get(f"{scope}/providers/Microsoft.Resources/deployments/{name}")
    assert found is not None
    return [op for op in found.body["_operations"] if op["properties"]["provisioningOperation"] == "Create"]


def test_depends_on_orders_the_writes(local: Local, caller: Caller, sub: str) -> None:
    _group(local)
    body = template(resources=[
        {**identity("second"), "dependsOn": ["[resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', "
                                             "'first')]"]},
        {**identity("third"), "dependsOn": ["second"]},
        identity("first")])
    deploy(local, caller, body)
    names = [op["properties"]["targetResource"]["resourceName"]
             for op in _operations(local, f"/subscriptions/{sub}/resourceGroups/rg")]
    assert names == ["first", "second", "third"]


def test_reference_reads_what_an_earlier_resource_got(local: Local, caller: Caller) -> None:
    _group(local)
    body = template(
        resources=[identity("kubelet")],
        outputs={"principalId": {"type": "string", "value": "[reference(resourceId('Microsoft.ManagedIdentity/"
                                                            "userAssignedIdentities', 'kubelet')).principalId]"},
                 "byName": {"type": "string", "value": "[reference('kubelet', '2023-01-31', 'Full').location]"},
                 "full": {"type": "string", "value": "[reference(resourceId('Microsoft.ManagedIdentity/"
                                                     "userAssignedIdentities', 'kubelet'), '2023-01-31', "
                                                     "'Full').resourceId]"}})
    outputs = deploy(local, caller, body)["properties"]["outputs"]
    assert len(outputs["principalId"]["value"]) == 36
    assert outputs["byName"]["value"] == "eastus"
    assert outputs["full"]["value"] == f"{MSI}/kubelet"


def test_extension_resource_scopes_full_and_relative(local: Local, caller: Caller, sub: str) -> None:
    _group(local)
    principal = local.emulator.operator.object_id
    role = f"[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '{ACR_PULL}')]"

    def assignment(scope: str, salt: str) -> dict[str, Any]:
        return {"type": "Microsoft.Authorization/roleAssignments", "apiVersion": "2022-04-01", "scope": scope,
                "name": f"[guid('{salt}')]", "properties": {"roleDefinitionId": role, "principalId": principal},
                "dependsOn": ["acrscope01"]}

    body = template(resources=[
        registry("acrscope01"),
        assignment("[resourceId('Microsoft.ContainerRegistry/registries', 'acrscope01')]", "new"),
        {**assignment("[format('Microsoft.ContainerRegistry/registries/{0}', 'acrscope01')]", "old"),
         "properties": {"roleDefinitionId": role.replace(ACR_PULL, "8311e382-0749-4cb8-b61a-304f252e45ec"),
                        "principalId": principal}}])
    result = deploy(local, caller, body)
    assert result["properties"]["provisioningState"] == "Succeeded", result["properties"].get("error")
    registry_id = f"/subscriptions/{sub}/resourceGroups/rg/providers/{ACR}/acrscope01"
    assert local.emulator.rbac.get(registry_id, guid("new")).principal_type == "ServicePrincipal"
    assert local.emulator.rbac.get(registry_id, guid("old")).role_guid == "8311e382-0749-4cb8-b61a-304f252e45ec"


def test_nested_outer_scope_sees_the_parents_parameters(local: Local, caller: Caller, sub: str) -> None:
    _group(local)
    _group(local, "rg-other")
    body = template(
        parameters={"prefix": {"type": "string", "defaultValue": "outer"}},
        variables={"suffix": "v"},
        resources=[{"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "nested-outer",
                    "resourceGroup": "rg-other",
                    "properties": {"mode": "Incremental", "template": template(resources=[
                        identity("[concat(parameters('prefix'), '-', variables('suffix'))]",
                                 tags={"rg": "[resourceGroup().name]"})])}}])
    result = deploy(local, caller, body)
    assert result["properties"]["provisioningState"] == "Succeeded", result["properties"].get("error")
    created = _resource(local, f"/subscriptions/{sub}/resourceGroups/rg-other/providers/{MSI}/outer-v")
    assert created is not None and created["tags"] == {"rg": "rg"}  # evaluated in the parent's context


def test_nested_subscription_deployment_from_subscription(local: Local, caller: Caller, sub: str) -> None:
    inner = template(schema=SUB_SCHEMA, parameters={"name": {"type": "string"}},
                     resources=[{"type": "Microsoft.Resources/resourceGroups", "apiVersion": "2024-03-01",
                                 "name": "[parameters('name')]", "location": "[deployment().location]"}],
                     outputs={"where": {"type": "string", "value": "[deployment().name]"}})
    body = template(schema=SUB_SCHEMA, resources=[
        {"type": "Microsoft.Resources/deployments", "apiVersion": "2025-04-01", "name": "sub-nested",
         "location": "westus", "properties": {"expressionEvaluationOptions": {"scope": "inner"}, "mode": "Incremental",
                                              "parameters": {"name": {"value": "rg-from-nested"}}, "template": inner}}],
        outputs={"fromNested": {"type": "string", "value": "[reference('sub-nested').outputs.where.value]"}})
    result = deploy(local, caller, body, group=None)
    assert result["properties"]["outputs"]["fromNested"]["value"] == "sub-nested"
    group = _resource(local, f"/subscriptions/{sub}/resourceGroups/rg-from-nested")
    assert group is not None and group["location"] == "westus"


def test_symbolic_names_existing_resources_and_user_functions(local: Local, caller: Caller, sub: str) -> None:
    _group(local)
    deploy(local, caller, template(resources=[identity("pre-existing")]), name="setup")
    body = template(
        languageVersion="2.0",
        functions=[{"namespace": "naming", "members": {"prefixed": {
            "parameters": [{"name": "name", "type": "string"}],
            "output": {"type": "string", "value": "[format('app-{0}', parameters('name'))]"}}}}],
        resources={
            "existingId": {"existing": True, "type": MSI, "apiVersion": "2023-01-31", "name": "pre-existing"},
            "newId": {**identity("[naming.prefixed('x')]"), "tags": {
                "from": "[reference('existingId').principalId]"}, "dependsOn": ["existingId"]}},
        outputs={"name": {"type": "string", "value": "[naming.prefixed('y')]"}})
    result = deploy(local, caller, body)
    assert result["properties"]["provisioningState"] == "Succeeded", result["properties"].get("error")
    rg = f"/subscriptions/{sub}/resourceGroups/rg"
    existing = _resource(local, f"{rg}/providers/{MSI}/pre-existing")
    created = _resource(local, f"{rg}/providers/{MSI}/app-x")
    assert existing is not None and created is not None
    assert created["tags"]["from"] == existing["properties"]["principalId"]
    assert result["properties"]["outputs"]["name"]["value"] == "app-y"
    assert [r["id"] for r in result["properties"]["outputResources"]] == [f"{rg}/providers/{MSI}/app-x"]


def test_child_resources_declared_inside_their_parent(local: Local, caller: Caller, sub: str) -> None:
    _group(local)
    body = template(resources=[{
        "type": "Microsoft.ContainerService/managedClusters", "apiVersion": "2024-02-01", "name": "aks1",
        "location": "eastus", "identity": {"type": "SystemAssigned"},
        "properties": {"dnsPrefix": "aks1", "agentPoolProfiles": [{"name": "system", "count": 1, "mode": "System",
                                                                   "vmSize": "Standard_DS2_v2"}]},
        "resources": [{"type": "agentPools", "apiVersion": "2024-02-01", "name": "user1",
                       "properties": {"count": 1, "mode": "User", "vmSize": "Standard_DS2_v2"}}]}])
    result = deploy(local, caller, body)
    assert result["properties"]["provisioningState"] == "Succeeded", result["properties"].get("error")
    cluster = f"/subscriptions/{sub}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks1"
    assert [r["id"] for r in result["properties"]["outputResources"]] == [cluster, f"{cluster}/agentPools/user1"]
