"""The seed incident's Bicep compiles to exactly the ARM JSON of reference §2.8 (arm-templates.md).

Where the reference is silent or unsure: it leaves out the parameters' ``@description`` metadata that
the seed file declares (Bicep emits it, so we compare parameters by type only), and says the order of
``dependsOn`` is not meaningful (Bicep sorts by symbol name; compared as a set here, order checked
separately). ``metadata._generator`` is pullproof's own (see ``emitter.py``).
"""

from __future__ import annotations

from typing import Any

from pullproof.bicep import Compiler
from tests.bicep.conftest import FIXTURES

RG_SCOPE = "format('/subscriptions/{0}/resourceGroups/{1}', subscription().subscriptionId, parameters('rgName'))"
ACR = "resourceId('Microsoft.ContainerRegistry/registries', parameters('acrName'))"
NAME = f"guid({ACR}, parameters('kubeletIdentityPrincipalId'), 'AcrPull')"


def deployment(name: str) -> str:
    return f"extensionResourceId({RG_SCOPE}, 'Microsoft.Resources/deployments', {name})"


REFERENCE_INNER: dict[str, Any] = {
    "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
    "contentVersion": "1.0.0.0",
    "parameters": {"kubeletIdentityPrincipalId": {"type": "string"}, "acrName": {"type": "string"}},
    "resources": [
        {
            "type": "Microsoft.Authorization/roleAssignments",
            "apiVersion": "2022-04-01",
            "scope": f"[{ACR}]",
            "name": f"[{NAME}]",
            "properties": {
                "roleDefinitionId": "[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', "
                "'7f951dda-4ed3-4680-a7ca-43fe172d538d')]",
                "principalId": "[parameters('kubeletIdentityPrincipalId')]",
                "principalType": "ServicePrincipal",
            },
        }
    ],
    "outputs": {
        "roleAssignmentId": {
            "type": "string",
            "value": f"[extensionResourceId({ACR}, 'Microsoft.Authorization/roleAssignments', {NAME})]",
        }
    },
}

AKS_NAME = "format('aks-{0}', parameters('deploymentTimestamp'))"
ACR_NAME = "format('acr-{0}', parameters('deploymentTimestamp'))"
ROLE_NAME = "format('aks-acr-role-{0}', parameters('deploymentTimestamp'))"
REFERENCE_MODULE: dict[str, Any] = {
    "type": "Microsoft.Resources/deployments",
    "apiVersion": "2025-04-01",
    "name": f"[{ROLE_NAME}]",
    "resourceGroup": "[parameters('rgName')]",
    "properties": {
        "expressionEvaluationOptions": {"scope": "inner"},
        "mode": "Incremental",
        "parameters": {
            "kubeletIdentityPrincipalId": {
                "value": f"[reference({deployment(AKS_NAME)}, '2025-04-01').outputs.kubeletIdentity.value]"
            },
            "acrName": {"value": f"[reference({deployment(ACR_NAME)}, '2025-04-01').outputs.acrName.value]"},
        },
    },
    "dependsOn": [
        "[subscriptionResourceId('Microsoft.Resources/resourceGroups', parameters('rgName'))]",
        f"[{deployment(ACR_NAME)}]",
        f"[{deployment(AKS_NAME)}]",
    ],
}


def _without_descriptions(template: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in template.items() if k != "metadata"}
    out["parameters"] = {name: {"type": p["type"]} for name, p in template["parameters"].items()}
    return out


def test_role_module_compiles_to_the_reference_template(compiler: Compiler) -> None:
    template = compiler.compile(FIXTURES / "infra" / "modules" / "aks-acr-role.bicep")
    assert _without_descriptions(template) == REFERENCE_INNER
    assert list(template) == ["$schema", "contentVersion", "metadata", "parameters", "resources", "outputs"]
    assert list(template["resources"][0]) == ["type", "apiVersion", "scope", "name", "properties"]


def test_role_module_keeps_the_seed_descriptions(compiler: Compiler) -> None:
    template = compiler.compile(FIXTURES / "infra" / "modules" / "aks-acr-role.bicep")
    described = template["parameters"]["kubeletIdentityPrincipalId"]["metadata"]["description"]
    assert described == "AKS Kubelet Managed Identity の Principal ID"
    assert template["parameters"]["acrName"] == {"type": "string", "metadata": {"description": "ACR リソース名"}}


def test_generator_metadata(compiler: Compiler) -> None:
    template = compiler.compile(FIXTURES / "infra" / "modules" / "aks-acr-role.bicep")
    generator = template["metadata"]["_generator"]
    assert generator["name"] == "bicep"
    assert generator["version"].startswith("0.38.5.")
    assert generator["templateHash"].isdigit()


def test_main_module_resource_matches_the_reference(compiler: Compiler) -> None:
    template = compiler.compile(FIXTURES / "infra" / "main.bicep")
    module = next(r for r in template["resources"] if r["name"] == f"[{ROLE_NAME}]")
    inner = module["properties"]["template"]
    assert _without_descriptions(inner) == REFERENCE_INNER
    got = {**module, "properties": {k: v for k, v in module["properties"].items() if k != "template"}}
    assert {**got, "dependsOn": sorted(got["dependsOn"])} == {
        **REFERENCE_MODULE,
        "dependsOn": sorted(REFERENCE_MODULE["dependsOn"]),
    }
    # Bicep orders dependsOn by the referenced symbol: acr, aks, rg
    assert module["dependsOn"] == [*REFERENCE_MODULE["dependsOn"][1:], REFERENCE_MODULE["dependsOn"][0]]


def test_main_outputs_and_timestamp_parameter(compiler: Compiler) -> None:
    template = compiler.compile(FIXTURES / "infra" / "main.bicep")
    assert template["parameters"]["deploymentTimestamp"] == {
        "type": "string",
        "defaultValue": "[utcNow()]",
        "metadata": {"description": "Makes every module deployment name unique per run"},
    }
    expected = f"[reference({deployment(ROLE_NAME)}, '2025-04-01').outputs.roleAssignmentId.value]"
    assert template["outputs"]["roleAssignmentId"] == {"type": "string", "value": expected}
