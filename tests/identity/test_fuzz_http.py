"""Fuzzing the identity surfaces over HTTP in process: the token endpoints (v1 and v2), IMDS and the App
Service endpoint, and the Graph subset. Every answer is below 500, and every error is in the surface's
format: OAuth2 ``error``/``error_description``, IMDS's, App Service's ``statusCode``/``message``, Graph's
``{"error":{"code","message"}}``."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from starlette.testclient import TestClient

from tests.conftest import Local, make_local
from tests.fuzzing import (
    LATIN1_HEADERS,
    METHODS,
    budget,
    json_bodies,
    json_values,
    no_server_error,
    oauth_error,
    routing_text,
)

RESOURCES = st.sampled_from(["https://management.azure.com/", "https://management.core.windows.net/",
                             "https://graph.microsoft.com", "https://containerregistry.azure.net", "api://nope",
                             "", "https://management.azure.com//.default", "openid profile", "%", "x" * 300])
VALUE = st.one_of(st.text(st.characters(exclude_categories=["Cs"]), max_size=20), RESOURCES,
                  st.sampled_from(["client_credentials", "password", "refresh_token", "authorization_code",
                                   "urn:ietf:params:oauth:grant-type:jwt-bearer", "a.b.c", ""]))


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Local, str]]:
    local = make_local(Path(tmp_path_factory.mktemp("idfuzz")))
    yield local, local.token("https://graph.microsoft.com")
    local.emulator.close()


def client(local: Local, base: str) -> TestClient:
    return TestClient(local.emulator.asgi(), base_url=base, raise_server_exceptions=False)


@st.composite
def forms(draw: st.DrawFn, local: Local) -> bytes:
    op = local.emulator.operator
    fields: dict[str, Any] = draw(st.fixed_dictionaries({}, optional={
        "grant_type": VALUE, "client_id": st.sampled_from([op.client_id, "04b07795-8ddb-461a-bbee-02f9e1bf7b46"])
        | VALUE, "client_secret": st.sampled_from([op.client_secret]) | VALUE, "scope": RESOURCES | VALUE,
        "resource": RESOURCES | VALUE, "username": VALUE, "password": VALUE, "refresh_token": VALUE,
        "client_assertion": VALUE, "x": VALUE}))
    encoded = urlencode(fields).encode()
    return draw(st.sampled_from([encoded, encoded + b"&&=&%zz&%ff=%00", b"\xff\xfe", b"a=" + b"%" * 10]))


@budget(1.0)
@given(st.data(), st.sampled_from(["oauth2/v2.0/token", "oauth2/token"]),
       st.sampled_from(["tenant", "common", "organizations", "nope", "%2e%2e"]), LATIN1_HEADERS)
def test_token_endpoints(world: tuple[Local, str], data: st.DataObject, endpoint: str, tenant: str,
                         headers: dict[str, Any]) -> None:
    local, _ = world
    tid = local.emulator.operator.tenant_id if tenant == "tenant" else tenant
    with client(local, "https://login.microsoftonline.com") as login:
        response = login.post(f"/{tid}/{endpoint}", content=data.draw(forms(local)),
                              headers={**headers, "Content-Type": "application/x-www-form-urlencoded"})
    no_server_error(response)
    if response.status_code >= 400 and not routing_text(response):
        oauth_error(response)


@budget(1.0)
@given(st.dictionaries(st.sampled_from(["resource", "client_id", "object_id", "principal_id", "msi_res_id",
                                        "mi_res_id", "api-version", "clientid"]), VALUE, max_size=4),
       st.sampled_from(["/metadata/identity/oauth2/token", "/msi/token"]), METHODS, LATIN1_HEADERS,
       st.sampled_from([None, "node-1:secret", "aks-nodepool1-0:x", ":", "a:b:c"]))
@example({"resource": "https://management.azure.com/"}, "/metadata/identity/oauth2/token", "GET",
         {"Metadata": b"true", "Proxy-Authorization": b"Basic " + base64.b64encode(b"\xff:\xfe")}, None)
def test_managed_identity_endpoints(world: tuple[Local, str], query: dict[str, str], path: str, method: str,
                                    headers: dict[str, Any], node: str | None) -> None:
    local, _ = world
    if node is not None:
        headers = {**headers, "X-IDENTITY-HEADER": node.encode()}
    with client(local, "http://169.254.169.254") as imds:
        response = imds.request(method, path, params=query, headers=headers)
    no_server_error(response)
    if response.status_code < 400 or routing_text(response) or method == "HEAD":
        return
    body = response.json()
    if path == "/msi/token":
        assert body["statusCode"] == response.status_code and isinstance(body["message"], str)
    else:
        assert isinstance(body["error"], str) and isinstance(body["error_description"], str)


GRAPH_PATHS = st.sampled_from(["/v1.0/applications", "/v1.0/applications/{k}", "/v1.0/applications/{k}/addPassword",
                               "/v1.0/applications/{k}/removePassword", "/v1.0/applications(appId='{k}')",
                               "/v1.0/servicePrincipals", "/v1.0/servicePrincipals/{k}", "/v1.0/users",
                               "/v1.0/users/{k}", "/v1.0/me", "/v1.0/directoryObjects/getByIds", "/v1.0/nothing",
                               "/v1.0/applications/{k}/owners", "/beta/applications"])
GRAPH_QUERY = st.dictionaries(st.sampled_from(["$filter", "$select", "$top", "$expand", "$count", "$search"]),
                              st.sampled_from(["displayName eq 'x'", "appId eq '", "startswith(displayName,'a')",
                                               "servicePrincipalNames/any(c:c eq 'x')", "1", "-1", "²", "id,appId",
                                               "(((", "x eq 'a' or y eq 'b'"]) | VALUE, max_size=2)


@budget(1.0)
@given(GRAPH_PATHS, VALUE, METHODS, GRAPH_QUERY, st.one_of(json_bodies(), json_values().map(
    lambda v: json.dumps({"displayName": v, "passwordCredential": v, "ids": v, "keyId": v, "appId": v}).encode())),
    st.booleans())
def test_graph(world: tuple[Local, str], template: str, key: str, method: str, query: dict[str, str], body: bytes,
               authenticated: bool) -> None:
    local, token = world
    path = template.replace("{k}", quote(key, safe="") or "x")
    headers = {"Authorization": f"Bearer {token}"} if authenticated else {}
    with client(local, "https://graph.microsoft.com") as graph:
        response = graph.request(method, path, params=query, content=body, headers=headers)
    no_server_error(response)
    if response.status_code >= 400 and method != "HEAD" and not routing_text(response):
        error = response.json()["error"]
        assert {"code", "message"} <= set(error), error


def test_graph_unrouted_segment_is_a_graph_error(world: tuple[Local, str]) -> None:
    local, token = world
    with client(local, "https://graph.microsoft.com") as graph:
        response = graph.get("/v1.0/nothing", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "BadRequest"
    assert response.json()["error"]["message"] == "Resource not found for the segment 'nothing'."
