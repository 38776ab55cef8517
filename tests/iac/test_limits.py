"""Template limits and the evaluation budget: every bomb a template can hold (huge ranges, doubling
values, lambda loops, giant padding, recursion, deep nesting, too many resources, oversized
templates) is refused with a 400 naming the limit, quickly, and never grows the process."""

from __future__ import annotations

import json
from typing import Any

import pytest
from starlette.testclient import TestClient

from pullproof.iac.errors import DeploymentError, TemplateError, as_wire
from pullproof.identity.models import Caller
from tests.arm.support import bearer
from tests.conftest import Local
from tests.iac.bombs import BOMBS, HELP, RANGE, lam
from tests.iac.support import deploy, identity, pretty, template


def _rg(local: Local, caller: Caller) -> None:
    local.emulator.arm.put_group(caller, local.emulator.operator.subscription_id, "rg", {"location": "eastus"})


def _refused(local: Local, caller: Caller, body: dict[str, Any] | str) -> dict[str, Any]:
    _rg(local, caller)
    with pytest.raises((TemplateError, DeploymentError)) as caught:
        deploy(local, caller, body)
    assert caught.value.status == 400
    return as_wire(caught.value).to_json()


def _invalid(variable: str, inner: str) -> str:
    return (f"Deployment template validation failed: 'The template variable '{variable}' is not valid: {inner}. "
            f"{HELP}'.")


@pytest.mark.parametrize("case", list(BOMBS))
def test_template_bombs_are_refused_with_400(local: Local, caller: Caller, case: str) -> None:
    body, inner = BOMBS[case]
    error = _refused(local, caller, body)
    assert error["code"] == "InvalidTemplate"
    assert inner in error["message"], error["message"]
    assert error["message"].startswith("Deployment template validation failed: 'The template variable '")


def test_range_at_its_limit_and_a_value_just_under_the_size_limit_work(local: Local, caller: Caller) -> None:
    _rg(local, caller)
    body = template(variables={"r": "[range(0, 10000)]", "s": "[padLeft('x', 1048575, '-')]"},
                    outputs={"n": {"type": "int", "value": "[length(variables('r'))]"},
                             "m": {"type": "int", "value": "[length(variables('s'))]"}})
    outputs = deploy(local, caller, body)["properties"]["outputs"]
    assert outputs == {"n": {"type": "Int", "value": 10000}, "m": {"type": "Int", "value": 1048575}}


def test_a_bomb_in_an_output_fails_the_deployment_cleanly(local: Local, caller: Caller) -> None:
    _rg(local, caller)
    result = deploy(local, caller, template(outputs={"o": {"type": "array", "value": "[range(0, 100000000)]"}}))
    props = result["properties"]
    assert props["provisioningState"] == "Failed"
    assert props["error"]["code"] == "DeploymentOutputEvaluationFailed"
    assert f"{RANGE}; it is '100000000'." in props["error"]["details"][0]["message"]


def test_user_functions_cannot_call_user_functions(local: Local, caller: Caller) -> None:
    recursive = {"namespace": "x", "members": {"f": {"parameters": [{"name": "n", "type": "int"}], "output": {
        "type": "int", "value": "[x.f(parameters('n'))]"}}}}
    outputs = {"o": {"type": "int", "value": "[x.f(1)]"}}
    error = _refused(local, caller, template(functions=[recursive], outputs=outputs))
    assert error["message"] == (
        "Deployment template validation failed: 'The template function 'x.f' is not valid: a user-defined function "
        f"cannot call another user-defined function ('x.f') (ours). {HELP}'.")


def _pair(first_calls: str) -> list[dict[str, Any]]:
    member = {"parameters": [{"name": "n", "type": "int"}]}
    return [{"namespace": "x", "members": {
        "f": {**member, "output": {"type": "int", "value": f"[{first_calls}(parameters('n'))]"}},
        "g": {**member, "output": {"type": "int", "value": "[add(parameters('n'), 1)]"}},
        "h": {**member, "output": {"type": "int", "value": "[x.f(parameters('n'))]"}}}}]


def test_language_version_2_functions_may_call_each_other_but_not_in_a_circle(local: Local, caller: Caller) -> None:
    _rg(local, caller)
    outputs = {"o": {"type": "int", "value": "[x.h(41)]"}}
    chained = template(functions=_pair("x.g"), outputs=outputs, languageVersion="2.0", resources={})
    assert deploy(local, caller, chained)["properties"]["outputs"] == {"o": {"type": "Int", "value": 42}}
    circle = template(functions=_pair("x.h"), outputs=outputs, languageVersion="2.0", resources={})
    error = _refused(local, caller, circle)
    assert error["message"] == ("Deployment template validation failed: 'The template function 'x.f' is not valid: "
                                f"it calls itself through 'x.f -> x.h -> x.f' (ours). {HELP}'.")


def _identities(count: int, condition: bool = False) -> dict[str, Any]:
    return {**identity("[format('id{0}', copyIndex())]"), "condition": condition,
            "copy": {"name": "ids", "count": count}}


def test_801_resources_are_refused_as_arm_words_it(local: Local, caller: Caller) -> None:
    error = _refused(local, caller, template(resources=[_identities(800), identity("one-more")]))
    assert error == {"code": "InvalidTemplate", "message": (
        "Deployment template validation failed: 'The number of template resources limit exceeded. Limit: '800' and "
        "actual: '801'. Please see https://aka.ms/arm-template/#resources for usage details.'."),
        "additionalInfo": [{"type": "TemplateViolation", "info": {"lineNumber": 0, "linePosition": 0, "path": ""}}]}


def test_800_resources_are_allowed(local: Local, caller: Caller) -> None:
    _rg(local, caller)
    result = deploy(local, caller, template(resources=[_identities(800)]))
    assert result["properties"]["provisioningState"] == "Succeeded"


def test_a_copy_loop_over_800_is_located(local: Local, caller: Caller) -> None:
    text = pretty(template(resources=[{**identity("[format('id{0}', copyIndex())]"),
                                       "copy": {"name": "ids", "count": 801}}]))
    error = _refused(local, caller, text)
    line = text[: text.index('"copy": {')].count("\n") + 1
    column = len(text[: text.index('"copy": {')].rsplit("\n", 1)[1]) + len('"copy": {')
    assert error["message"] == (
        f"Deployment template validation failed: 'The template 'copy' definition at line '{line}' and column "
        f"'{column}' has an invalid copy count. The copy count must be a positive integer value and cannot exceed "
        "'800'. Please see https://aka.ms/arm-copy for usage details.'.")


@pytest.mark.parametrize(("section", "count", "limit"), [("parameters", 257, 256), ("variables", 513, 512),
                                                          ("outputs", 65, 64)])
def test_section_counts(local: Local, caller: Caller, section: str, count: int, limit: int) -> None:
    bodies = {"parameters": template(parameters={f"p{i}": {"type": "int", "defaultValue": i} for i in range(count)}),
              "variables": template(variables={f"v{i}": i for i in range(count)}),
              "outputs": template(outputs={f"o{i}": {"type": "int", "value": i} for i in range(count)})}
    error = _refused(local, caller, bodies[section])
    assert error["message"] == (
        f"Deployment template validation failed: 'The number of template {section} limit exceeded. Limit: "
        f"'{limit}' and actual: '{count}'. Please see https://aka.ms/arm-template/#{section} for usage details.'.")


def test_a_template_over_4_mb_once_expanded_is_refused(local: Local, caller: Caller) -> None:
    padded = {**identity("[format('id{0}', copyIndex())]"), "properties": {"note": "x" * 6000},
              "condition": False, "copy": {"name": "ids", "count": 800}}
    error = _refused(local, caller, pretty(template(resources=[padded])))
    assert error["code"] == "DeploymentJobSizeExceeded"
    assert "exceeds the limit of '4194304' bytes." in error["message"]


def test_a_template_nested_too_deeply_is_refused(local: Local, caller: Caller) -> None:
    deep: Any = "x"
    for _ in range(200):
        deep = [deep]
    error = _refused(local, caller, template(variables={"deep": deep}))
    assert error["code"] == "InvalidTemplate"
    assert "it nests objects and arrays deeper than '128' levels" in error["message"]


def test_the_budget_is_the_engines_own(local: Local, caller: Caller) -> None:
    """A smaller budget given to the deployments API refuses what the default one allows."""
    from pullproof.iac.limits import TemplateLimits

    _rg(local, caller)
    body = template(variables={"r": "[map(range(0, 100), " + lam("i", "string(lambdaVariables('i'))") + ")]"},
                    outputs={"n": {"type": "int", "value": "[length(variables('r'))]"}})
    assert deploy(local, caller, body)["properties"]["outputs"]["n"]["value"] == 100
    local.emulator.deployments.limits = TemplateLimits(steps=500)
    error = _refused(local, caller, body)
    assert _invalid("r", "The template evaluation limit exceeded. Limit: '500' evaluation steps (ours).") == \
        error["message"]


# over HTTP -------------------------------------------------------------------------------------------------
def _put(arm: TestClient, local: Local, sub: str, content: bytes) -> Any:
    headers = {**bearer(local.token()), "Content-Type": "application/json"}
    assert arm.put(f"/subscriptions/{sub}/resourcegroups/rg?api-version=2024-11-01", json={"location": "eastus"},
                   headers=headers).status_code in (200, 201)
    url = f"/subscriptions/{sub}/resourceGroups/rg/providers/Microsoft.Resources/deployments/d?api-version=2025-04-01"
    return arm.put(url, content=content, headers=headers)


def test_a_bomb_over_http_is_a_400(arm: TestClient, local: Local, sub: str) -> None:
    body, inner = BOMBS["map/lambda bomb"]
    response = _put(arm, local, sub, json.dumps({"properties": {"mode": "Incremental", "template": body}}).encode())
    assert response.status_code == 400
    assert inner in response.json()["error"]["message"]


def test_a_template_over_4_mb_over_http_is_request_content_too_large(arm: TestClient, local: Local, sub: str) -> None:
    body = template(variables={"pad": "x" * (4 * 1024 * 1024)}, resources=[identity("a")])
    response = _put(arm, local, sub, json.dumps({"properties": {"mode": "Incremental", "template": body}}).encode())
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "RequestContentTooLarge"


@pytest.mark.parametrize("functions", [
    ["not an object"],
    [{"namespace": "x", "members": ["f"]}],
    [{"namespace": "x", "members": {"f": "[add(1, 2)]"}}],
    [{"namespace": "x"}],
], ids=["namespace", "members", "member", "no-members"])
def test_a_malformed_functions_section_is_invalid_template(local: Local, caller: Caller, functions: list[Any]) -> None:
    error = _refused(local, caller, template(functions=functions))
    assert "Each entry of the 'functions' section must be a JSON object" in error["message"]
