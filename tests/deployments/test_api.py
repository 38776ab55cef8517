"""The deployments REST API in process: what ``az deployment … create/validate/what-if`` sends
(the spliced JSONC body), the LRO headers and status URL, and the read APIs."""

from __future__ import annotations

import json
from typing import Any

from starlette.testclient import TestClient

from tests.arm.support import bearer
from tests.conftest import Local
from tests.iac.support import MSI, TEMPLATES, identity, pretty, template

API = "api-version=2025-04-01"


def _headers(local: Local) -> dict[str, str]:
    return {**bearer(local.token()), "Content-Type": "application/json"}


def cli_body(template_text: str, parameters: dict[str, Any], location: str | None = None,
             what_if: bool = False) -> bytes:
    """The body exactly as the Azure CLI's JsonCTemplatePolicy splices it."""
    props: dict[str, Any] = {"parameters": {k: {"value": v} for k, v in parameters.items()}, "mode": "Incremental"}
    if what_if:
        props["whatIfSettings"] = {"resultFormat": "FullResourcePayloads"}
    head: dict[str, Any] = {"location": location} if location else {}
    text = json.dumps({**head, "properties": props})
    return (text[:-2] + ", template:" + template_text + "}}").encode()


def _group(arm: TestClient, local: Local, sub: str, name: str = "rg") -> None:
    response = arm.put(f"/subscriptions/{sub}/resourcegroups/{name}?api-version=2024-11-01",
                       json={"location": "eastus"}, headers=_headers(local))
    assert response.status_code in (200, 201)


def test_subscription_deployment_like_the_cli(arm: TestClient, local: Local, sub: str) -> None:
    headers = _headers(local)
    base = f"/subscriptions/{sub}/providers/Microsoft.Resources/deployments/main"
    body = cli_body((TEMPLATES / "main.json").read_text(), {"rgName": "rg-api", "acrName": "acrapi001"}, "eastus")
    validated = arm.post(f"{base}/validate?{API}", content=body, headers=headers)
    assert validated.status_code == 200, validated.text
    assert validated.json()["properties"]["provisioningState"] == "Succeeded"
    assert {r["id"].rsplit("/", 1)[-1] for r in validated.json()["properties"]["validatedResources"]} == {
        "rg-api", "registry", "acr-pull"}
    created = arm.put(f"{base}?{API}", content=body, headers=headers)
    assert created.status_code == 201, created.text
    assert created.json()["properties"]["provisioningState"] == "Accepted"
    status_url = created.headers["Azure-AsyncOperation"]
    assert status_url.startswith(f"https://management.azure.com{base}/operationStatuses/")
    assert status_url.endswith(f"?{API}") and created.headers["Retry-After"] == "1"
    status = arm.get(status_url.removeprefix("https://management.azure.com"), headers=headers)
    assert status.status_code == 200 and status.json() == {"status": "Succeeded"}
    shown = arm.get(f"{base}?{API}", headers=headers).json()
    assert shown["properties"]["provisioningState"] == "Succeeded"
    assert shown["properties"]["outputs"]["loginServer"] == {"type": "String", "value": "acrapi001.azurecr.io"}
    assert "_operations" not in shown and "_template" not in shown
    operations = arm.get(f"{base}/operations?{API}", headers=headers).json()["value"]
    assert [op["properties"]["targetResource"]["resourceName"] for op in operations if
            "targetResource" in op["properties"]] == ["rg-api", "registry", "acr-pull"]
    one = arm.get(f"{base}/operations/{operations[0]['operationId']}?{API}", headers=headers).json()
    assert one == operations[0]
    listed = arm.get(f"/subscriptions/{sub}/providers/Microsoft.Resources/deployments/?{API}", headers=headers).json()
    assert [d["name"] for d in listed["value"]] == ["main"]
    nested = arm.get(f"/subscriptions/{sub}/resourcegroups/rg-api/providers/Microsoft.Resources/deployments/?{API}",
                     headers=headers).json()
    assert sorted(d["name"] for d in nested["value"]) == ["acr-pull", "registry"]
    exported = arm.post(f"{base}/exportTemplate?{API}", headers=headers).json()
    assert exported["template"]["parameters"]["rgName"] == {"type": "string"}
    resources = arm.get(f"/subscriptions/{sub}/resourceGroups/rg-api/resources?{API}", headers=headers).json()
    assert all(r["type"] != "Microsoft.Resources/deployments" for r in resources["value"])


def test_group_deployment_with_spliced_comments_and_delete(arm: TestClient, local: Local, sub: str) -> None:
    headers = _headers(local)
    _group(arm, local, sub)
    base = f"/subscriptions/{sub}/resourcegroups/rg/providers/Microsoft.Resources/deployments/ids"
    text = "// identities\n" + pretty(template(resources=[identity("one")], outputs={
        "name": {"type": "string", "value": "[reference('one').clientId]"}}))
    created = arm.put(f"{base}?{API}", content=cli_body(text, {}), headers=headers)
    assert created.status_code == 201, created.text
    assert "/resourcegroups/rg/providers/" in created.headers["Azure-AsyncOperation"]
    again = arm.put(f"{base}?{API}", content=cli_body(text, {}), headers=headers)
    assert again.status_code == 200
    legacy = arm.get(f"/subscriptions/{sub}/resourcegroups/rg/deployments/ids/operations?{API}", headers=headers)
    assert [op["properties"]["targetResource"]["resourceName"] for op in legacy.json()["value"]
            if "targetResource" in op["properties"]] == ["one"]
    assert arm.head(f"{base}?{API}", headers=headers).status_code == 204
    assert arm.delete(f"{base}?{API}", headers=headers).status_code == 204
    missing = arm.get(f"{base}?{API}", headers=headers)
    assert missing.status_code == 404
    assert missing.json() == {"error": {"code": "DeploymentNotFound",
                                        "message": "Deployment 'ids' could not be found."}}
    assert arm.get(f"/subscriptions/{sub}/resourceGroups/rg/providers/{MSI}/one?api-version=2023-01-31",
                   headers=headers).status_code == 200


def test_validation_errors_answer_400_with_the_template_violation(arm: TestClient, local: Local, sub: str) -> None:
    headers = _headers(local)
    _group(arm, local, sub)
    base = f"/subscriptions/{sub}/resourceGroups/rg/providers/Microsoft.Resources/deployments/bad"
    text = pretty(template(parameters={"needed": {"type": "string"}}))
    for url in (f"{base}/validate?{API}", f"{base}?{API}"):
        answer = arm.request("POST" if "validate" in url else "PUT", url, content=cli_body(text, {}), headers=headers)
        assert answer.status_code == 400
        error = answer.json()["error"]
        assert error["code"] == "InvalidTemplate"
        info = error["additionalInfo"][0]["info"]
        assert info["path"] == "properties.template.parameters.needed"
        assert (info["lineNumber"], info["linePosition"]) == (5, 15)
        assert "at line '5' and column '15'" in error["message"]
    assert arm.get(f"{base}?{API}", headers=headers).status_code == 404


def test_bad_json_is_invalid_request_content(arm: TestClient, local: Local, sub: str) -> None:
    headers = _headers(local)
    _group(arm, local, sub)
    url = f"/subscriptions/{sub}/resourceGroups/rg/providers/Microsoft.Resources/deployments/x?{API}"
    answer = arm.put(url, content=b'{"properties": {"mode": "Incremental", template: {"resources": [{"name": "abc}}}',
                     headers=headers)
    assert answer.status_code == 400
    assert answer.json() == {"error": {"code": "InvalidRequestContent", "message": (
        "The request content was invalid and could not be deserialized: 'Unterminated string. Expected delimiter: \". "
        "Path 'properties.template.resources[0].name', line 1, position 80.'.")}}
    no_template = arm.put(url, content=b'{"properties": {"mode": "Incremental"}}', headers=headers)
    assert no_template.json()["error"]["message"].startswith("The request content was invalid and could not be "
                                                             "deserialized: 'Required property 'template'")
    link = arm.put(url, json={"properties": {"mode": "Incremental", "templateLink": {"uri": "https://x/t.json"}}},
                   headers=headers)
    assert link.json()["error"]["code"] == "InvalidContentLink"


def test_failed_deployment_status_and_body(arm: TestClient, local: Local, sub: str) -> None:
    headers = _headers(local)
    _group(arm, local, sub)
    base = f"/subscriptions/{sub}/resourceGroups/rg/providers/Microsoft.Resources/deployments/broken"
    text = pretty(template(resources=[{
        "type": "Microsoft.Authorization/roleAssignments", "apiVersion": "2022-04-01", "name": "[guid('x')]",
        "properties": {"roleDefinitionId": "/providers/Microsoft.Authorization/roleDefinitions/"
                                           "7f951dda-4ed3-4680-a7ca-43fe172d538d",
                       "principalId": "00000000-1111-2222-3333-444444444444"}}]))
    created = arm.put(f"{base}?{API}", content=cli_body(text, {}), headers=headers)
    assert created.status_code == 201
    status = arm.get(created.headers["Azure-AsyncOperation"].removeprefix("https://management.azure.com"),
                     headers=headers).json()
    assert status["status"] == "Failed"
    assert status["error"]["code"] == "DeploymentFailed" and status["error"]["target"] == base
    assert status["error"]["details"][0]["code"] == "PrincipalNotFound"
    shown = arm.get(f"{base}?{API}", headers=headers).json()["properties"]
    assert shown["provisioningState"] == "Failed" and shown["error"] == status["error"]


def test_what_if_reports_create_modify_and_no_change(arm: TestClient, local: Local, sub: str) -> None:
    headers = _headers(local)
    _group(arm, local, sub)
    base = f"/subscriptions/{sub}/resourceGroups/rg/providers/Microsoft.Resources/deployments/wi"
    first = pretty(template(resources=[identity("keep"), identity("tagged", tags={"a": "1"})]))
    assert arm.put(f"{base}?{API}", content=cli_body(first, {}), headers=headers).status_code == 201
    second = pretty(template(resources=[identity("keep"), identity("tagged", tags={"a": "2"}), identity("new")]))
    result = arm.post(f"{base}/whatIf?{API}", content=cli_body(second, {}, what_if=True), headers=headers)
    assert result.status_code == 200, result.text
    body = result.json()
    assert body["status"] == "Succeeded"
    changes = {c["resourceId"].rsplit("/", 1)[-1]: c for c in body["properties"]["changes"]}
    assert {k: c["changeType"] for k, c in changes.items()} == {"keep": "NoChange", "new": "Create",
                                                                 "tagged": "Modify"}
    assert changes["tagged"]["delta"] == [{"path": "tags.a", "propertyChangeType": "Modify", "before": "1",
                                           "after": "2"}]
    assert changes["new"]["after"]["type"] == MSI
    assert arm.get(f"/subscriptions/{sub}/resourceGroups/rg/providers/{MSI}/new?api-version=2023-01-31",
                   headers=headers).status_code == 404
