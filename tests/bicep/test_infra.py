"""The realistic ``tests/fixtures/infra`` (subscription scope, three modules) compiles as Bicep would.

``golden/infra-main.json`` is this compiler's own output, reviewed by hand against the rules of
reference §2 (regenerate with ``bicep build --stdout tests/fixtures/infra/main.bicep`` after a
deliberate change); template hashes are left out of the comparison.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pullproof.bicep import Compiler
from tests.bicep.conftest import FIXTURES

GOLDEN = Path(__file__).parent / "golden" / "infra-main.json"
SUB_SCHEMA = "https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#"


def _strip_hashes(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _strip_hashes(v) for k, v in node.items() if k != "templateHash"}
    if isinstance(node, list):
        return [_strip_hashes(v) for v in node]
    return node


def _modules(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        r["name"].split("'")[1].split("-{0}")[0]: r
        for r in template["resources"]
        if r["type"] == "Microsoft.Resources/deployments"
    }


def test_matches_the_golden_file(compiler: Compiler) -> None:
    template = compiler.compile(FIXTURES / "infra" / "main.bicep")
    assert _strip_hashes(template) == _strip_hashes(json.loads(GOLDEN.read_text(encoding="utf-8")))


def test_subscription_scope_with_resource_group_and_three_modules(compiler: Compiler) -> None:
    template = compiler.compile(FIXTURES / "infra" / "main.bicep")
    assert template["$schema"] == SUB_SCHEMA
    rg = template["resources"][0]
    assert rg == {
        "type": "Microsoft.Resources/resourceGroups",
        "apiVersion": "2024-03-01",
        "name": "[parameters('rgName')]",
        "location": "[parameters('location')]",
        "tags": "[variables('tags')]",
    }
    assert template["parameters"]["rgName"]["defaultValue"] == "rg-wiz-exercise-a"
    assert sorted(_modules(template)) == ["acr", "aks", "aks-acr-role"]


def test_acr_module(compiler: Compiler) -> None:
    acr = _modules(compiler.compile(FIXTURES / "infra" / "main.bicep"))["acr"]
    inner = acr["properties"]["template"]
    registry = inner["resources"][0]
    assert registry["type"] == "Microsoft.ContainerRegistry/registries"
    assert registry["sku"] == {"name": "[parameters('sku')]"}
    assert registry["properties"]["adminUserEnabled"] is True
    assert inner["parameters"]["sku"]["allowedValues"] == ["Basic", "Standard", "Premium"]
    assert inner["parameters"]["location"]["defaultValue"] == "[resourceGroup().location]"
    assert inner["outputs"]["acrName"]["value"] == "[parameters('acrName')]"
    assert inner["outputs"]["loginServer"]["value"] == (
        "[reference(resourceId('Microsoft.ContainerRegistry/registries', parameters('acrName')), "
        "'2023-07-01').loginServer]"
    )
    assert acr["properties"]["parameters"]["acrName"] == {"value": "[parameters('acrName')]"}


def test_aks_module_outputs_the_kubelet_identity(compiler: Compiler) -> None:
    aks = _modules(compiler.compile(FIXTURES / "infra" / "main.bicep"))["aks"]
    inner = aks["properties"]["template"]
    cluster_id = "resourceId('Microsoft.ContainerService/managedClusters', parameters('aksName'))"
    assert inner["outputs"]["kubeletIdentity"] == {
        "type": "string",
        "metadata": {"description": "Object id of the kubelet managed identity (the identity that pulls images)"},
        "value": f"[reference({cluster_id}, '2024-02-01').identityProfile.kubeletidentity.objectId]",
    }
    assert inner["outputs"]["controlPlanePrincipalId"]["value"] == (
        f"[reference({cluster_id}, '2024-02-01', 'full').identity.principalId]"
    )
    assert inner["variables"] == {"dnsPrefix": "[format('{0}-dns', parameters('aksName'))]"}
    cluster = inner["resources"][0]
    assert cluster["identity"] == {"type": "SystemAssigned"}
    assert cluster["properties"]["agentPoolProfiles"][0]["count"] == "[parameters('nodeCount')]"


def test_infra_without_the_role_module_still_compiles(compiler: Compiler) -> None:
    template = compiler.compile(FIXTURES / "infra-missing-role" / "main.bicep")
    assert sorted(_modules(template)) == ["acr", "aks"]
    text = json.dumps(template)
    assert "roleAssignments" not in text
    assert "roleAssignmentId" not in template["outputs"]
