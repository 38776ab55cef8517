"""The real Azure CLI deploys ARM templates through the proxy: ``az deployment sub/group create``,
``show``, ``validate``, ``what-if`` and ``operation list``, and gets ARM's errors for bad input."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.azcli import Az
from tests.conftest import Served

pytestmark = pytest.mark.realclient
TEMPLATES = Path(__file__).resolve().parents[1] / "iac" / "templates"
MAIN = str(TEMPLATES / "main.json")
RG_SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"


@pytest.fixture(scope="module")
def az(served: Served, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Az]:
    client = Az(served, tmp_path_factory.mktemp("az-deploy"))
    client.login_operator()
    yield client


def _write(directory: Path, name: str, resources: list[dict[str, Any]], **sections: Any) -> str:
    path = directory / name
    body = {"$schema": RG_SCHEMA, "contentVersion": "1.0.0.0", **sections, "resources": resources}
    path.write_text(json.dumps(body, indent=2))
    return str(path)


def _identity(name: str, **extra: Any) -> dict[str, Any]:
    return {"type": "Microsoft.ManagedIdentity/userAssignedIdentities", "apiVersion": "2023-01-31", "name": name,
            "location": "[resourceGroup().location]", **extra}


def test_subscription_deployment_create_show_and_operations(az: Az) -> None:
    sub = az.values["PULLPROOF_SUBSCRIPTION_ID"]
    created = az.json("deployment", "sub", "create", "--location", "eastus", "--template-file", MAIN,
                      "--parameters", "rgName=rg-deploy-sub", "acrName=acrdeploysub1")
    assert created["name"] == "main" and created["properties"]["provisioningState"] == "Succeeded"
    outputs = az.json("deployment", "sub", "show", "--name", "main", "--query", "properties.outputs")
    registry = f"/subscriptions/{sub}/resourceGroups/rg-deploy-sub/providers/Microsoft.ContainerRegistry/registries/" \
               "acrdeploysub1"
    assert outputs["loginServer"] == {"type": "String", "value": "acrdeploysub1.azurecr.io"}
    assert outputs["roleAssignmentId"]["value"].startswith(f"{registry}/providers/Microsoft.Authorization/")
    principal = outputs["principalId"]["value"]
    assert az.tsv("identity", "show", "-g", "rg-deploy-sub", "-n", "kubelet-identity", "--query",
                  "principalId") == principal
    roles = az.json("role", "assignment", "list", "--scope", registry, "--query",
                    "[].{role:roleDefinitionName, principal:principalId}")
    assert {"role": "AcrPull", "principal": principal} in roles
    targets = az.tsv("deployment", "operation", "sub", "list", "--name", "main", "--query",
                     "[?properties.targetResource].properties.targetResource.resourceName").split()
    assert targets == ["rg-deploy-sub", "registry", "acr-pull"]
    nested = az.tsv("deployment", "group", "list", "-g", "rg-deploy-sub", "--query", "sort([].name)").split()
    assert nested == ["acr-pull", "registry"]


def test_subscription_validate_and_what_if(az: Az) -> None:
    validated = az.json("deployment", "sub", "validate", "--location", "eastus", "--template-file", MAIN,
                        "--parameters", "rgName=rg-deploy-wi", "acrName=acrdeploywi01")
    assert validated["properties"]["provisioningState"] == "Succeeded"
    result = az.json("deployment", "sub", "what-if", "--location", "eastus", "--template-file", MAIN,
                     "--parameters", "rgName=rg-deploy-wi", "acrName=acrdeploywi01", "--no-pretty-print")
    kinds = {c["resourceId"].rsplit("/", 1)[-1]: c["changeType"] for c in result["changes"]}
    assert kinds["rg-deploy-wi"] == "Create"
    assert kinds["acrdeploywi01"] == "Create" and kinds["kubelet-identity"] == "Create"
    assert "Unsupported" in kinds.values()  # the AcrPull name needs the identity's principal id
    assert az.run("group", "show", "-n", "rg-deploy-wi", check=False).returncode != 0


def test_group_deployment_with_loops_and_references(az: Az) -> None:
    az.run("group", "create", "-n", "rg-deploy-group", "-l", "westus2")
    outputs = az.json("deployment", "group", "create", "-g", "rg-deploy-group", "--template-file",
                      str(TEMPLATES / "group.json"), "--parameters", "acrName=acrdeploygrp1", "identityCount=3",
                      "--query", "properties.outputs")
    assert outputs["loginServer"]["value"] == "acrdeploygrp1.azurecr.io"
    principals = outputs["principals"]["value"]
    assert len(principals) == 3
    registry = az.tsv("acr", "show", "-n", "acrdeploygrp1", "--query", "id")
    assigned = az.tsv("role", "assignment", "list", "--scope", registry, "--query", "[].principalId").split()
    assert sorted(assigned) == sorted(principals)
    again = az.json("deployment", "group", "what-if", "-g", "rg-deploy-group", "--template-file",
                    str(TEMPLATES / "group.json"), "--parameters", "acrName=acrdeploygrp1", "identityCount=3",
                    "--no-pretty-print")
    assert {c["changeType"] for c in again["changes"]} == {"NoChange"}


def test_bad_templates_get_arms_errors(az: Az, tmp_path: Path) -> None:
    az.run("group", "create", "-n", "rg-deploy-bad", "-l", "westus2")
    needs = _write(tmp_path, "needs.json", [_identity("[parameters('name')]")], parameters={"name": {"type": "string"}})
    missing = az.run("deployment", "group", "create", "-g", "rg-deploy-bad", "--template-file", needs, "--no-prompt",
                     check=False)
    assert missing.returncode == 1
    assert ("The value for the template parameter 'name' at line '5' and column '13' is not provided. Please see "
            "https://aka.ms/arm-create-parameter-file for usage details.") in missing.stderr
    typed = _write(tmp_path, "typed.json", [], parameters={"count": {"type": "int"}})
    wrong = az.run("deployment", "group", "create", "-g", "rg-deploy-bad", "--template-file", typed, "--parameters",
                   '{"count": {"value": "three"}}', check=False)
    assert "Template parameter JToken type is not valid. Expected 'Integer'. Actual 'String'." in wrong.stderr
    unknown = _write(tmp_path, "unknown.json", [_identity("[foo('bar')]")])
    bad_function = az.run("deployment", "group", "validate", "-g", "rg-deploy-bad", "--template-file", unknown,
                          check=False)
    assert ("The template resource '[foo('bar')]' at line '5' and column '5' is not valid: The template function "
            "'foo' is not valid. Please see https://aka.ms/arm-functions for usage details.") in bad_function.stderr
    cycle = _write(tmp_path, "cycle.json", [_identity("a", dependsOn=["b"]), _identity("b", dependsOn=["a"])])
    circular = az.run("deployment", "group", "create", "-g", "rg-deploy-bad", "--template-file", cycle, check=False)
    assert "Circular dependency detected on resource: '/subscriptions/" in circular.stderr
    assert az.tsv("identity", "list", "-g", "rg-deploy-bad", "--query", "[].name") == ""
    broken = tmp_path / "broken.json"
    broken.write_text('{\n  "resources": [ {"name": "abc }\n  ]\n}\n')
    syntax = az.run("deployment", "group", "create", "-g", "rg-deploy-bad", "--template-file", str(broken),
                    check=False)
    assert syntax.returncode == 1  # the CLI parses .json templates itself before sending them
    assert f"Failed to parse '{broken}', please check whether it is a valid JSON format" in syntax.stderr


def test_failure_midway_leaves_earlier_resources(az: Az, tmp_path: Path) -> None:
    az.run("group", "create", "-n", "rg-deploy-fail", "-l", "westus2")
    ghost = "00000000-1111-2222-3333-444444444444"
    path = _write(tmp_path, "partial.json", [
        _identity("before-failure"),
        {"type": "Microsoft.Authorization/roleAssignments", "apiVersion": "2022-04-01", "name": "[guid('ghost')]",
         "properties": {"roleDefinitionId": "[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', "
                                            "'7f951dda-4ed3-4680-a7ca-43fe172d538d')]", "principalId": ghost},
         "dependsOn": ["before-failure"]}])
    failed = az.run("deployment", "group", "create", "-g", "rg-deploy-fail", "--name", "partial", "--template-file",
                    path, check=False)
    assert failed.returncode == 1
    assert "DeploymentFailed" in failed.stderr and "PrincipalNotFound" in failed.stderr
    assert f"Principal {ghost.replace('-', '')} does not exist in the directory" in failed.stderr
    assert az.tsv("identity", "show", "-g", "rg-deploy-fail", "-n", "before-failure", "--query", "name") == \
        "before-failure"
    state = az.tsv("deployment", "group", "show", "-g", "rg-deploy-fail", "-n", "partial", "--query",
                   "properties.provisioningState")
    assert state == "Failed"
    statuses = az.tsv("deployment", "operation", "group", "list", "-g", "rg-deploy-fail", "--name", "partial",
                      "--query", "[].properties.statusCode").split()
    assert sorted(statuses) == ["BadRequest", "Created"]
