"""Helpers for the template-engine suite: template builders, a stand-in runtime for expression
tests, and in-process deployments."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pullproof.iac import deploy_template
from pullproof.iac.context import DeploymentInfo, Frame, Phase, Scope
from pullproof.iac.evaluator import evaluate_text
from pullproof.identity.models import Caller
from tests.conftest import Local

TEMPLATES = Path(__file__).parent / "templates"
RG_SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"
SUB_SCHEMA = "https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#"
ACR_PULL = "7f951dda-4ed3-4680-a7ca-43fe172d538d"
MSI = "Microsoft.ManagedIdentity/userAssignedIdentities"
ACR = "Microsoft.ContainerRegistry/registries"


class StubRuntime:
    """Answers the world-facing functions with fixed values (expression tests need no emulator)."""

    def __init__(self, references: dict[str, Any] | None = None) -> None:
        self.references = references or {}

    def reference(self, frame: Frame, target: str, api_version: str | None, full: bool) -> Any:
        return self.references[target]

    def invoke_list(self, frame: Frame, action: str, resource_id: str, api_version: str, payload: Any) -> Any:
        return {"action": action, "id": resource_id}

    def resource_group(self, scope: Scope) -> Any:
        return {"id": scope.id, "name": scope.group, "type": "Microsoft.Resources/resourceGroups",
                "location": "westus2", "properties": {"provisioningState": "Succeeded"}}

    def subscription(self, subscription: str) -> dict[str, Any]:
        return {"id": f"/subscriptions/{subscription}", "subscriptionId": subscription, "tenantId": "t",
                "displayName": "sub"}

    def tenant(self) -> dict[str, Any]:
        return {"tenantId": "t"}

    def now(self) -> float:
        return 1551808398.0  # 2019-03-05T17:53:18Z, the docs' utcNow() example

    def new_guid(self) -> str:
        return "00000000-0000-4000-8000-000000000000"


def frame(sub: str = "87d64d6d-6d17-4ad7-b507-16d9bc498781", group: str | None = "testRg",
          phase: Phase = Phase.BODY, **params: Any) -> Frame:
    info = DeploymentInfo("main", None if group else "eastus", {}, {}, "0")
    return Frame(Scope("t", sub, group), info, StubRuntime(), phase, params={k.lower(): v for k, v in params.items()})


def ev(expression: str, **params: Any) -> Any:
    """Evaluate one template string at resource-group scope (``87d64d6d-…``/``testRg``)."""
    return evaluate_text(expression, frame(**params))


def template(resources: list[Any] | dict[str, Any] | None = None, parameters: dict[str, Any] | None = None,
             outputs: dict[str, Any] | None = None, variables: dict[str, Any] | None = None,
             schema: str = RG_SCHEMA, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"$schema": schema, "contentVersion": "1.0.0.0", "parameters": parameters or {}}
    if variables is not None:
        body["variables"] = variables
    body["resources"] = resources if resources is not None else []
    if outputs is not None:
        body["outputs"] = outputs
    body.update(extra)
    return body


def identity(name: str, **extra: Any) -> dict[str, Any]:
    return {"type": MSI, "apiVersion": "2023-01-31", "name": name, "location": "eastus", **extra}


def registry(name: str, **extra: Any) -> dict[str, Any]:
    return {"type": ACR, "apiVersion": "2023-07-01", "name": name, "location": "eastus", "sku": {"name": "Basic"},
            **extra}


def deploy(local: Local, caller: Caller, body: dict[str, Any] | str, params: dict[str, Any] | None = None,
           group: str | None = "rg", name: str = "main", location: str | None = None) -> dict[str, Any]:
    sub = local.emulator.operator.subscription_id
    scope = f"/subscriptions/{sub}" + (f"/resourceGroups/{group}" if group else "")
    return deploy_template(local.emulator, caller, scope, name, body, params or {},
                           location or (None if group else "eastus"))


def pretty(body: dict[str, Any]) -> str:
    """A template as a file holds it (positions in errors then refer to this text)."""
    return json.dumps(body, indent=2)
