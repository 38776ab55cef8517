"""Malformed requests: api-version, bodies, unknown providers and types, unknown routes and methods."""

from __future__ import annotations

import json

import pytest
from starlette.testclient import TestClient

from tests.arm.support import MSI, RG_API, error

Headers = dict[str, str]
SUPPORTED = "2025-04-01, 2024-11-01, 2024-03-01, 2023-07-01, 2022-12-01, 2022-09-01, 2021-04-01"
LIMIT = 4 * 1024 * 1024


def test_missing_api_version(arm: TestClient, owner: Headers, sub: str) -> None:
    response = arm.get(f"/subscriptions/{sub}/resourcegroups", headers=owner)
    assert response.status_code == 400
    assert response.json() == error("MissingApiVersionParameter",
                                    "The api-version query parameter (?api-version=) is required for all requests.")


@pytest.mark.parametrize("version", ["latest", "2024-1-01", "2024-11-01-foo", "20241101", ""])
def test_malformed_api_version(arm: TestClient, owner: Headers, sub: str, version: str) -> None:
    response = arm.get(f"/subscriptions/{sub}/resourcegroups?api-version={version}", headers=owner)
    assert response.status_code == 400
    assert response.json() == error("InvalidApiVersionParameter",
                                    f"The api-version '{version}' is invalid. The supported versions are "
                                    f"'{SUPPORTED}'.")


@pytest.mark.parametrize("version", ["2099-01-01", "2024-11-01-preview", "2015-01-01"])
def test_any_well_formed_api_version_is_accepted(arm: TestClient, owner: Headers, sub: str, version: str) -> None:
    assert arm.get(f"/subscriptions/{sub}/resourcegroups?api-version={version}", headers=owner).status_code == 200


@pytest.mark.parametrize(("content", "detail"), [
    (b"{bad", "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"),
    (b"[1, 2]", "The request content must be a JSON object."),
    (b"", "The request content was empty."),
    (b"\xff\xfe{", None),
])
def test_malformed_json(arm: TestClient, owner: Headers, sub: str, content: bytes, detail: str | None) -> None:
    response = arm.put(f"/subscriptions/{sub}/resourcegroups/rg1?{RG_API}", content=content,
                       headers={**owner, "Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "InvalidRequestContent"
    if detail is not None:
        assert response.json()["error"]["message"] == (
            f"The request content was invalid and could not be deserialized: '{detail}'.")


DEEP = b"[" * 100_000 + b"]" * 100_000


@pytest.mark.parametrize(("content", "detail"), [
    (DEEP, "The JSON nests deeper than 128 levels."),
    (b'{"location": ' + b'{"a": ' * 200 + b"1" + b"}" * 200 + b"}", "The JSON nests deeper than 128 levels."),
    (b'{"location": "\\ud800"}', "The string contains an unpaired surrogate \\ud800."),
    (b'{"location": "westeurope", "tags": {"k": "\\udfff"}}',
     "The string contains an unpaired surrogate \\udfff."),
], ids=["100000-levels", "200-levels-inside", "lone-high-surrogate", "lone-low-surrogate-in-tags"])
def test_deep_or_non_unicode_json_is_invalid_request_content(arm: TestClient, owner: Headers, sub: str,
                                                             content: bytes, detail: str) -> None:
    for url in (f"/subscriptions/{sub}/resourcegroups/rg1?{RG_API}",
                f"/subscriptions/{sub}/resourceGroups/rg1/providers/{MSI}/id1?api-version=2024-11-30"):
        response = arm.put(url, content=content, headers={**owner, "Content-Type": "application/json"})
        assert (response.status_code, response.json()) == (400, error(
            "InvalidRequestContent", f"The request content was invalid and could not be deserialized: '{detail}'."))


def body_of_size(size: int) -> bytes:
    """A valid resource-group body of exactly ``size`` bytes."""
    skeleton = json.dumps({"location": "westeurope", "properties": {"pad": ""}}).encode()
    padded = json.dumps({"location": "westeurope", "properties": {"pad": "x" * (size - len(skeleton))}}).encode()
    assert len(padded) == size
    return padded


def test_body_over_4_mib_is_refused(arm: TestClient, owner: Headers, sub: str) -> None:
    url = f"/subscriptions/{sub}/resourcegroups/rg1?{RG_API}"
    too_big = arm.put(url, content=body_of_size(LIMIT + 1), headers={**owner, "Content-Type": "application/json"})
    at_limit = arm.put(url, content=body_of_size(LIMIT), headers={**owner, "Content-Type": "application/json"})
    assert too_big.status_code == 413
    assert too_big.json() == error("RequestContentTooLarge",
                                   f"The request content size exceeds the maximum allowed size of {LIMIT} bytes.")
    assert at_limit.status_code == 201


def test_unknown_provider_namespace(arm: TestClient, owner: Headers, sub: str) -> None:
    response = arm.get(f"/subscriptions/{sub}/resourceGroups/rg1/providers/Microsoft.Nope/things/x?{RG_API}",
                       headers=owner)
    assert response.status_code == 404
    assert response.json() == error("InvalidResourceNamespace", "The resource namespace 'Microsoft.Nope' is invalid.")


def test_unknown_resource_type(arm: TestClient, owner: Headers, sub: str) -> None:
    namespace = MSI.split("/")[0]
    response = arm.put(f"/subscriptions/{sub}/resourceGroups/rg1/providers/{namespace}/gadgets/x?{RG_API}",
                       json={"location": "westeurope"}, headers=owner)
    assert response.status_code == 404
    assert response.json() == error(
        "InvalidResourceType",
        f"The resource type 'gadgets' could not be found in the namespace '{namespace}' for api version '2024-11-01'.")


def test_unknown_route_and_method(arm: TestClient, owner: Headers, sub: str) -> None:
    unknown = arm.get(f"/subscriptions/{sub}/gizmos?{RG_API}", headers=owner)
    post = arm.post(f"/subscriptions/{sub}/resourcegroups/rg1?{RG_API}", json={}, headers=owner)
    assert unknown.status_code == 404
    assert unknown.json() == error("InvalidRequestUri", f"The request uri '/subscriptions/{sub}/gizmos' is not valid.")
    assert post.status_code == 405
    assert post.json() == error("MethodNotAllowed", "The requested resource does not support http method 'POST'.")


def test_unsupported_resources_filter(arm: TestClient, owner: Headers, sub: str) -> None:
    response = arm.get(f"/subscriptions/{sub}/resources?$filter=substringof('x', name)&{RG_API}", headers=owner)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "InvalidRequestContent"


def test_resources_filters_az_resource_list_sends(arm: TestClient, owner: Headers, sub: str) -> None:
    arm.put(f"/subscriptions/{sub}/resourcegroups/rgf?{RG_API}", json={"location": "eastus"}, headers=owner)
    identity = f"/subscriptions/{sub}/resourceGroups/rgf/providers/Microsoft.ManagedIdentity/userAssignedIdentities"
    arm.put(f"{identity}/one?api-version=2024-11-30", json={"location": "eastus"}, headers=owner)
    by_group = arm.get(f"/subscriptions/{sub}/resources?$filter=resourceGroup eq 'rgf'&{RG_API}", headers=owner)
    assert [r["name"] for r in by_group.json()["value"]] == ["one"]
    both = arm.get(f"/subscriptions/{sub}/resources?$filter=resourceType eq 'Microsoft.ManagedIdentity/"
                   f"userAssignedIdentities' and name eq 'ONE'&{RG_API}", headers=owner)
    assert [r["name"] for r in both.json()["value"]] == ["one"]
