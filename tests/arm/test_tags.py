"""Tags: ARM's rules hold for resource groups and resources, through PUT, PATCH and template
deployments, and for what the real ``az`` sends."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from pullproof.iac import deploy_template, operator_caller
from tests.arm.support import MSI, MSI_API, RG_API, error
from tests.azcli import Az
from tests.conftest import Local, Served

Headers = dict[str, str]
CHARACTERS = "The tag names '{}' have reserved characters '<,>,%,&,\\,?,/' or control characters."
BAD_TAGS: dict[str, tuple[Any, str, str]] = {
    "51 tags": ({f"t{i}": "v" for i in range(51)}, "InvalidTag",
                "The number of tags '51' exceeds the maximum of '50' tag name/value pairs for a resource or resource "
                "group (ours)."),
    "name of 513": ({"n" * 513: "v"}, "InvalidTagName",
                    f"Tag key too large. Following tag name '{'n' * 513}' exceeded the maximum length. Maximum allowed "
                    "length for tag name - '512' characters."),
    "value of 257": ({"t": "v" * 257}, "InvalidTagValueLength",
                     f"Tag value too large. Following tag value '{'v' * 257}' exceeded the maximum length. Maximum "
                     "allowed length for tag value - '256' characters."),
    "1M-item array": ({"t": [1] * 1_000_000}, "InvalidTag",
                      "The value of the tag 't' is of type 'Array'; tag values must be strings (ours)."),
    "object value": ({"t": {"a": "b"}}, "InvalidTag",
                     "The value of the tag 't' is of type 'Object'; tag values must be strings (ours)."),
    "number value": ({"t": 1}, "InvalidTag",
                     "The value of the tag 't' is of type 'Number'; tag values must be strings (ours)."),
    "null value": ({"t": None}, "InvalidTag",
                   "The value of the tag 't' is of type 'Null'; tag values must be strings (ours)."),
    "not an object": (["a", "b"], "InvalidTag",
                      "The tags must be a JSON object of tag names and string values (ours)."),
    "slash and percent": ({"a/b": "v", "ok": "v", "50%": "v"}, "InvalidTagNameCharacters",
                          CHARACTERS.format("a/b, 50%")),
    "control character": ({"a\tb": "v"}, "InvalidTagNameCharacters", CHARACTERS.format("a\tb")),
}


def _group_url(sub: str, name: str = "rg1") -> str:
    return f"/subscriptions/{sub}/resourcegroups/{name}?{RG_API}"


def _identity_url(sub: str, name: str = "id1") -> str:
    return f"/subscriptions/{sub}/resourceGroups/rg1/providers/{MSI}/{name}?{MSI_API}"


@pytest.mark.parametrize("case", list(BAD_TAGS))
def test_bad_tags_on_groups_and_resources_put_and_patch(arm: TestClient, owner: Headers, sub: str,
                                                        case: str) -> None:
    tags, code, message = BAD_TAGS[case]
    assert arm.put(_group_url(sub), json={"location": "westeurope"}, headers=owner).status_code == 201
    assert arm.put(_identity_url(sub), json={"location": "westeurope"}, headers=owner).status_code == 201
    answers = [
        arm.put(_group_url(sub, "rg2"), json={"location": "westeurope", "tags": tags}, headers=owner),
        arm.patch(_group_url(sub), json={"tags": tags}, headers=owner),
        arm.put(_identity_url(sub, "id2"), json={"location": "westeurope", "tags": tags}, headers=owner),
        arm.patch(_identity_url(sub), json={"tags": tags}, headers=owner),
    ]
    for answer in answers:
        assert (answer.status_code, answer.json()) == (400, error(code, message))
    assert arm.get(_group_url(sub, "rg2"), headers=owner).status_code == 404
    assert "tags" not in arm.get(_group_url(sub), headers=owner).json()
    assert arm.get(_identity_url(sub), headers=owner).json()["tags"] == {}


def test_tags_at_the_limits_are_kept(arm: TestClient, owner: Headers, sub: str) -> None:
    tags = {f"t{i:02}": "v" * 256 for i in range(48)} | {"n" * 512: "", "hidden-link:/a/b?c": "x"}
    created = arm.put(_group_url(sub), json={"location": "westeurope", "tags": tags}, headers=owner)
    assert created.status_code == 201, created.text
    assert arm.get(_group_url(sub), headers=owner).json()["tags"] == tags


def test_bad_tags_in_a_template_fail_its_resource(local: Local) -> None:
    caller = operator_caller(local.emulator)
    sub = local.emulator.operator.subscription_id
    local.emulator.arm.put_group(caller, sub, "rg1", {"location": "eastus"})
    body = {"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
            "contentVersion": "1.0.0.0", "resources": [
                {"type": MSI, "apiVersion": "2023-01-31", "name": "tagged", "location": "eastus",
                 "tags": "[createObject('t', range(0, 3))]"}]}
    result = deploy_template(local.emulator, caller, f"/subscriptions/{sub}/resourceGroups/rg1", "tags", body, {})
    assert result["properties"]["provisioningState"] == "Failed"
    assert result["properties"]["error"]["details"] == [
        {"code": "InvalidTag", "message": "The value of the tag 't' is of type 'Array'; tag values must be strings "
                                          "(ours)."}]
    assert local.emulator.arm_store.get(f"/subscriptions/{sub}/resourceGroups/rg1/providers/{MSI}/tagged") is None


def test_a_deployments_own_tags_are_checked(arm: TestClient, owner: Headers, sub: str) -> None:
    assert arm.put(_group_url(sub), json={"location": "westeurope"}, headers=owner).status_code == 201
    url = f"/subscriptions/{sub}/resourceGroups/rg1/providers/Microsoft.Resources/deployments/d?api-version=2025-04-01"
    body = {"tags": {f"t{i}": "v" for i in range(60)},
            "properties": {"mode": "Incremental", "template": {"resources": []}}}
    answer = arm.put(url, content=json.dumps(body), headers={**owner, "Content-Type": "application/json"})
    assert (answer.status_code, answer.json()["error"]["code"]) == (400, "InvalidTag")


@pytest.mark.realclient
def test_az_group_create_with_a_reserved_tag_name(served: Served, tmp_path: Path) -> None:
    az = Az(served, tmp_path / "az")
    az.login_operator()
    result = az.run("group", "create", "--name", "rg-bad-tag", "--location", "westus2", "--tags", "team/a=x",
                    check=False)
    assert result.returncode != 0
    assert "(InvalidTagNameCharacters) " + CHARACTERS.format("team/a") in result.stderr
    too_long = az.run("group", "create", "--name", "rg-bad-tag", "--location", "westus2", "--tags",
                      "t=" + "v" * 257, check=False)
    assert too_long.returncode != 0 and "(InvalidTagValueLength) Tag value too large." in too_long.stderr
    assert az.run("group", "show", "--name", "rg-bad-tag", check=False).returncode != 0
