"""Fuzzing RBAC scope strings and action patterns: scopes normalise idempotently with their ancestors
from the root down, decisions are made (never raised) for any scope and action, and role assignment
PUTs at any scope path answer in ARM's error format below 500."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from starlette.testclient import TestClient

from pullproof.rbac.evaluate import PatternCache
from pullproof.rbac.models import ancestors, scope_key
from tests.conftest import Local, make_local
from tests.fuzzing import budget

SEGMENT = st.one_of(st.sampled_from(["subscriptions", "resourceGroups", "providers", "Microsoft.ContainerRegistry",
                                     "registries", "rg", "acr", "", "..", "%2F", "Microsoft.Authorization"]),
                    st.text(st.characters(exclude_categories=["Cs"], exclude_characters="/?#"), max_size=8))
SCOPES = st.lists(SEGMENT, max_size=10).map(lambda parts: "/" + "/".join(parts))
URL_SCOPES = st.lists(SEGMENT, max_size=10).map(lambda parts: "/" + "/".join(quote(p, safe="") for p in parts))
ACTIONS = st.text(max_size=40) | st.sampled_from(["*", "*/read", "Microsoft.ContainerRegistry/registries/pull/read",
                                                  "**", "*.*", "[", "(", "\\"])


@given(SCOPES | st.text(max_size=60))
@example("")
@example("//")
@example("/subscriptions/S/resourceGroups/G/providers/P/t/n/providers/Q/u/m")
def test_scope_keys_and_ancestors(scope: str) -> None:
    key = scope_key(scope)
    assert scope_key(key) == key and key.startswith("/") and key == key.lower()
    chain = ancestors(scope)
    assert chain[0] == "/" and chain[-1] == key
    assert all(key.startswith(a.rstrip("/") + "/") or a == key or a == "/" for a in chain)


@given(ACTIONS, ACTIONS)
def test_action_patterns(pattern: str, action: str) -> None:
    assert PatternCache().matches(pattern, action) in (True, False)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Local, TestClient, str]]:
    local = make_local(Path(tmp_path_factory.mktemp("scopes")))
    token = local.token()
    client = TestClient(local.emulator.asgi(), base_url="https://management.azure.com",
                        raise_server_exceptions=False)
    yield local, client, token
    local.emulator.close()


@given(SCOPES | st.text(max_size=60), ACTIONS)
def test_decisions_for_any_scope(world: tuple[Local, TestClient, str], scope: str, action: str) -> None:
    local, _, _ = world
    decision = local.emulator.rbac.check(local.emulator.operator.object_id, action, scope)
    assert decision.reason.value


@budget(0.5)
@given(URL_SCOPES, st.sampled_from(["GET", "PUT", "DELETE"]))
def test_role_assignment_requests_at_any_scope(world: tuple[Local, TestClient, str], scope: str,
                                               method: str) -> None:
    local, client, token = world
    sub = local.emulator.operator.subscription_id
    body = {"properties": {"roleDefinitionId": f"/subscriptions/{sub}/providers/Microsoft.Authorization/"
                                                 "roleDefinitions/7f951dda-4ed3-4680-a7ca-43fe172d538d",
                           "principalId": local.emulator.operator.object_id}}
    path = f"https://management.azure.com{scope.rstrip('/')}/providers/Microsoft.Authorization/roleAssignments/" \
           "0b3f5e7e-53a6-4c36-9d0e-1b8d1f2a8c31?api-version=2022-04-01"
    response = client.request(method, path, json=body if method == "PUT" else None,
                              headers={"Authorization": f"Bearer {token}"})
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert set(response.json()["error"]) >= {"code", "message"}
