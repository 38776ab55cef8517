"""Fuzzing ARM over HTTP in process: random methods, paths, api-versions, headers and bodies against a
world with a registry, as the operator and as nobody. Every answer is below 500 and every error is in
ARM's ``{"error":{"code","message"}}`` envelope."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from starlette.testclient import TestClient

from tests.arm.support import RG_API
from tests.conftest import Local, make_local
from tests.fuzzing import LATIN1_HEADERS, METHODS, arm_error, budget, json_bodies, json_values, no_server_error
from tests.registry.support import create_registry

TYPES = ["Microsoft.ContainerRegistry/registries", "Microsoft.ManagedIdentity/userAssignedIdentities",
         "Microsoft.ContainerService/managedClusters", "Microsoft.Resources/deployments", "Microsoft.Nope/things",
         "Microsoft.ContainerRegistry/registries/listCredentials", "Microsoft.ContainerRegistry/registries/x/y"]
VERSIONS = st.sampled_from(["2025-11-01", "2024-11-01", "2023-01-31", "2026-06-01", "2022-04-01", "latest", "",
                            "2024-1-1", "9999-99-99", "2024-11-01-preview"])
NAME = st.one_of(st.sampled_from(["acrhttp", "rg", "x", "-", "a" * 100, "..", "acr%2Fx", "名前", "id1"]),
                 st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=12)
                 .map(lambda s: quote(s, safe="")))


@st.composite
def paths(draw: st.DrawFn, sub: str) -> str:
    subscription = draw(st.sampled_from([sub, sub.upper(), "00000000-0000-0000-0000-000000000000", "not-a-guid"]))
    shape = draw(st.integers(0, 6))
    base = f"/subscriptions/{subscription}"
    group = f"{base}/resourceGroups/{draw(NAME)}"
    kind = draw(st.sampled_from(TYPES))
    namespace, _, rest = kind.partition("/")
    resource = f"{group}/providers/{namespace}/{rest}/{draw(NAME)}"
    return [base, f"{base}/resourcegroups", group, f"{group}/resources", resource,
            f"{resource}/providers/Microsoft.Authorization/roleAssignments/{draw(NAME)}",
            draw(st.sampled_from(["/subscriptions", "/tenants", f"{base}/providers", f"{base}/resources",
                                  f"{base}/providers/Microsoft.ContainerRegistry/checkNameAvailability",
                                  f"{base}/operationresults/{draw(NAME)}", "/providers/x", "/nothing/here",
                                  f"{group}/providers/Microsoft.Resources/deployments/d/operations"]))][shape]


def resource_bodies() -> st.SearchStrategy[bytes]:
    document = st.fixed_dictionaries({}, optional={
        "location": st.sampled_from(["eastus", "East US", "", "nowhere"]) | json_values(),
        "sku": st.fixed_dictionaries({"name": st.sampled_from(["Standard", "Basic", "Premium", "Gold"])})
        | json_values(),
        "properties": json_values(), "tags": json_values(), "identity": json_values(),
        "kind": json_values(), "name": json_values()})
    return st.one_of(document.map(lambda d: json.dumps(d).encode()), json_bodies())


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Local, TestClient, str]]:
    local = make_local(Path(tmp_path_factory.mktemp("armfuzz")))
    create_registry(local, "acrhttp")
    token = local.token()
    yield local, TestClient(local.emulator.asgi(), base_url="https://management.azure.com",
                            raise_server_exceptions=bool(os.environ.get("FUZZ_RAISE"))), token
    local.emulator.close()


def _send(client: TestClient, method: str, url: str, body: bytes | None, headers: dict[str, Any]) -> Any:
    response = client.request(method, url, content=body, headers=headers)
    no_server_error(response)
    if response.status_code >= 400 and method != "HEAD":
        arm_error(response)
    return response


@budget(1.0)
@given(st.data(), METHODS, VERSIONS, resource_bodies(), LATIN1_HEADERS, st.booleans())
def test_random_requests(world: tuple[Local, TestClient, str], data: st.DataObject, method: str, version: str,
                         body: bytes, headers: dict[str, Any], authenticated: bool) -> None:
    local, client, token = world
    path = data.draw(paths(local.emulator.operator.subscription_id))
    if authenticated:
        headers = {**headers, "Authorization": f"Bearer {token}"}
    _send(client, method, f"https://management.azure.com{path}?api-version={quote(version)}",
          body if method in ("PUT", "PATCH", "POST") else None, headers)


@budget(1.0)
@given(resource_bodies(), st.sampled_from(["registries/acrhttp", "userAssignedIdentities/idfuzz", "rg"]),
       st.sampled_from(["PUT", "PATCH"]))
@example(b'{"location":"eastus","sku":{"name":"Standard"},"properties":{"policies":[1]}}', "registries/acrhttp", "PUT")
@example(b'{"location":"eastus","identity":{"type":"UserAssigned","userAssignedIdentities":[]}}',
         "registries/acrhttp", "PUT")
def test_resource_bodies(world: tuple[Local, TestClient, str], body: bytes, target: str, method: str) -> None:
    local, client, token = world
    sub = local.emulator.operator.subscription_id
    group = f"/subscriptions/{sub}/resourceGroups/rg"
    namespaces = {"registries": "Microsoft.ContainerRegistry", "userAssignedIdentities": "Microsoft.ManagedIdentity"}
    kind, _, name = target.partition("/")
    url = f"{group}?{RG_API}" if target == "rg" else \
        f"{group}/providers/{namespaces[kind]}/{kind}/{name}?api-version=2025-11-01"
    _send(client, method, url, body, {"Authorization": f"Bearer {token}", "Content-Type": "application/json"})


@budget(0.5)
@given(json_bodies(), st.sampled_from(["roleAssignments", "roleDefinitions"]))
def test_role_assignment_bodies(world: tuple[Local, TestClient, str], body: bytes, kind: str) -> None:
    local, client, token = world
    scope = f"/subscriptions/{local.emulator.operator.subscription_id}/resourceGroups/rg"
    url = f"{scope}/providers/Microsoft.Authorization/{kind}/6c0f1e09-62b5-4b44-8a54-3f1d1b4c4f3e" \
          "?api-version=2022-04-01"
    _send(client, "PUT", url, body, {"Authorization": f"Bearer {token}"})


def test_unrouted_paths_answer_in_the_arm_envelope(world: tuple[Local, TestClient, str]) -> None:
    _, client, token = world
    for path in ("/nothing/here", "/resourceGroups/x/providers/Microsoft.Authorization/roleAssignments/y"):
        response = client.get(f"{path}?api-version=2022-04-01", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 404
        assert response.json()["error"] == {"code": "InvalidRequestUri",
                                            "message": f"The request uri '{path}' is not valid."}


def test_tags_must_be_strings(world: tuple[Local, TestClient, str]) -> None:
    local, client, token = world
    response = client.put(f"/subscriptions/{local.emulator.operator.subscription_id}/resourceGroups/tagged?{RG_API}",
                          json={"location": "eastus", "tags": {"a": {"nested": [1]}}},
                          headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 400


@pytest.mark.parametrize(("method", "field"), [("PUT", "properties"), ("PATCH", "properties"), ("PUT", "sku"),
                                               ("PUT", "identity")])
def test_envelope_fields_must_be_objects(world: tuple[Local, TestClient, str], method: str, field: str) -> None:
    local, client, token = world
    url = f"/subscriptions/{local.emulator.operator.subscription_id}/resourceGroups/rg/providers/" \
          "Microsoft.ContainerRegistry/registries/acrhttp?api-version=2025-11-01"
    response = client.request(method, url, json={"location": "eastus", field: [1]},
                              headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 400, response.text
    assert response.json()["error"] == {"code": "InvalidRequestContent", "message": "The request content was "
                                        f"invalid and could not be deserialized: 'The '{field}' property must be a "
                                        "JSON object.'."}


def test_provider_list_takes_only_get(world: tuple[Local, TestClient, str]) -> None:
    local, client, token = world
    response = client.post(f"/subscriptions/{local.emulator.operator.subscription_id}/providers?api-version=2021-04-01",
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "MethodNotAllowed"
