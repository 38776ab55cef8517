"""The engine's ``Backend`` port as the deployments API implements it: a resource whose id only the
running deployment can compute is reported by what-if (``DryBackend``) and fails a real deployment
(``ArmBackend``)."""

from __future__ import annotations

import json
from typing import Any

from starlette.testclient import TestClient

from pullproof.deployments.backend import UNIDENTIFIABLE, ArmBackend, DryBackend
from pullproof.iac.errors import Where
from pullproof.identity.models import Caller
from tests.arm.support import bearer
from tests.conftest import Local
from tests.iac.support import MSI, deploy, identity, pretty, template

API = "api-version=2025-04-01"
ROLE = "Microsoft.Authorization/roleAssignments"
PRINCIPAL = f"[reference(resourceId('{MSI}', 'id1'), '2023-01-31').principalId]"


def _backend(local: Local, caller: Caller) -> ArmBackend:
    api = local.emulator.deployments
    return ArmBackend(api.arm, api.store, caller)


def test_dry_backend_reports_an_unidentified_resource(local: Local, caller: Caller) -> None:
    dry = DryBackend(_backend(local, caller))
    assert dry.unidentified("[guid(x)]", Where("resources[1]", 12, 7)) is True
    assert dry.unsupported == [("[guid(x)]", UNIDENTIFIABLE.format(path="resources[1]", line=12, column=7))]
    assert dry.changes == [] and dry.overlay == {}


def test_arm_backend_refuses_an_unidentified_resource(local: Local, caller: Caller) -> None:
    assert _backend(local, caller).unidentified("[guid(x)]", Where("resources[1]", 12, 7)) is False


def _assignment_by_principal() -> dict[str, Any]:
    """An identity, and a role assignment whose name needs the identity's principal id."""
    return template(resources=[identity("id1"), {
        "type": ROLE, "apiVersion": "2022-04-01", "name": f"[guid({PRINCIPAL[1:-1]})]",
        "dependsOn": [f"[resourceId('{MSI}', 'id1')]"],
        "properties": {"roleDefinitionId": "[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', "
                       "'7f951dda-4ed3-4680-a7ca-43fe172d538d')]", "principalId": PRINCIPAL,
                       "principalType": "ServicePrincipal"}}])


def test_what_if_lists_a_resource_it_cannot_identify_as_unsupported(arm: TestClient, local: Local,
                                                                    sub: str) -> None:
    headers = {**bearer(local.token()), "Content-Type": "application/json"}
    assert arm.put(f"/subscriptions/{sub}/resourcegroups/rg?{API}", json={"location": "eastus"},
                   headers=headers).status_code == 201
    text = pretty(_assignment_by_principal())
    body = json.dumps({"properties": {"mode": "Incremental", "template": json.loads(text)}})
    base = f"/subscriptions/{sub}/resourceGroups/rg/providers/Microsoft.Resources/deployments/wi"
    result = arm.post(f"{base}/whatIf?{API}", content=body, headers=headers)
    assert result.status_code == 200, result.text
    changes = result.json()["properties"]["changes"]
    unsupported = [c for c in changes if c["changeType"] == "Unsupported"]
    assert len(unsupported) == 1, changes
    name = f"[guid({PRINCIPAL[1:-1]})]"
    assert unsupported[0]["resourceId"] == f"/subscriptions/{sub}/resourceGroups/rg/providers/{ROLE}/{name}"
    assert unsupported[0]["unsupportedReason"].startswith(
        "Changes to the resource declared at 'properties.template.resources[1]' on line '")
    assert [c["changeType"] for c in changes if c["resourceId"].endswith("/id1")] == ["Create"]
    assert arm.get(f"/subscriptions/{sub}/resourceGroups/rg/providers/{MSI}/id1?api-version=2023-01-31",
                   headers=headers).status_code == 404


def test_a_deployment_fails_a_resource_it_cannot_identify(local: Local, caller: Caller, sub: str) -> None:
    local.emulator.arm.put_group(caller, sub, "rg", {"location": "eastus"})
    result = deploy(local, caller, _assignment_by_principal())
    props = result["properties"]
    assert props["provisioningState"] == "Failed"
    failed = props["error"]["details"]
    assert [d["code"] for d in failed] == ["InvalidTemplate"], failed
    assert "a value needed to write the resource could not be computed" in failed[0]["message"]
    assert local.emulator.arm_store.get(f"/subscriptions/{sub}/resourceGroups/rg/providers/{MSI}/id1") is not None
