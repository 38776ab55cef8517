"""Fuzzing ACR token scopes (``repository:name:pull,push``): parsing never fails and round-trips, and
the token endpoint answers any scope list with a token or a 401, granting nothing that was not asked."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from starlette.testclient import TestClient

from pullproof.registry.scope import Scope, parse_scopes, valid_repository
from tests.conftest import Local, make_local
from tests.fuzzing import budget
from tests.registry.support import basic, create_registry

LOGIN = "acrscope.azurecr.io"
PART = st.text(st.characters(exclude_categories=["Cs"]), max_size=12)
ACTIONS = st.lists(st.sampled_from(["pull", "push", "delete", "*", "metadata_read", "metadata_write", "", "PULL",
                                    "deleted_read", "x"]), max_size=4).map(",".join)
SCOPES = st.one_of(
    st.tuples(st.sampled_from(["repository", "registry", "repository(plugin)", "", "REPOSITORY"]),
              st.sampled_from(["app", "team/app", "catalog", "a:b", "", "App", "x" * 300]) | PART, ACTIONS)
    .map(":".join),
    PART)


@given(st.lists(st.lists(SCOPES, max_size=3).map(" ".join), max_size=3))
@example(["repository:a:b:pull"])
@example([":::", "a::", "::b"])
def test_parse_round_trips(values: list[str]) -> None:
    scopes = parse_scopes(values)
    for scope in scopes:
        assert scope.type and scope.name and all(scope.actions)
        assert parse_scopes([scope.render()]) == [scope]
    assert len({(s.type, s.name) for s in scopes}) == len(scopes)


@given(st.text(max_size=300))
def test_repository_names(name: str) -> None:
    assert valid_repository(name) in (True, False)


@pytest.fixture(scope="module")
def acr(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Local, TestClient]]:
    local = make_local(Path(tmp_path_factory.mktemp("scope")))
    create_registry(local, "acrscope")
    yield local, TestClient(local.emulator.asgi(), base_url=f"https://{LOGIN}", raise_server_exceptions=False)
    local.emulator.close()


def _claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    result: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return result


@budget(0.5)
@given(st.lists(SCOPES, max_size=4), st.sampled_from(["operator", "anonymous", "bad"]))
def test_token_endpoint_grants_at_most_what_was_asked(acr: tuple[Local, TestClient], scopes: list[str],
                                                      who: str) -> None:
    local, client = acr
    op = local.emulator.operator
    headers = {"operator": basic(op.client_id, op.client_secret), "anonymous": {},
               "bad": basic(op.client_id, "wrong")}[who]
    response = client.get("/oauth2/token", params=[("service", LOGIN), *(("scope", s) for s in scopes)],
                          headers=headers)
    assert response.status_code in (200, 400, 401), response.text
    if response.status_code != 200:
        assert "errors" in response.json() or "error" in response.json()
        return
    asked = {(s.type, s.name): set(s.actions) for s in parse_scopes(scopes)}
    for entry in _claims(response.json()["access_token"])["access"]:
        assert set(entry["actions"]) <= asked[(entry["type"], entry["name"])]


def test_scope_render() -> None:
    assert Scope("repository", "a/b", ("pull", "push")).render() == "repository:a/b:pull,push"
