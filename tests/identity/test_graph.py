"""The Microsoft Graph subset ``az ad`` and ``az role assignment`` use, on the wire."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from starlette.testclient import TestClient

from pullproof.core.clock import graph_time
from tests.aks.support import create_cluster
from tests.conftest import Local
from tests.identity.conftest import (
    GRAPH_SCOPE,
    app_token,
    client_credentials,
    identity_id,
    make_app,
    make_identity,
    password_grant,
)

V1 = "/v1.0"
CONTEXT = "https://graph.microsoft.com/v1.0/$metadata#"
GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
SP_TYPE = "#microsoft.graph.servicePrincipal"
DATE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


@pytest.fixture
def graph(local: Local) -> Iterator[TestClient]:
    with local.client("graph.microsoft.com") as client:
        yield client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def op(local: Local, login: TestClient) -> dict[str, str]:
    """The operator's Graph token (it holds the directory-writer permission)."""
    return bearer(app_token(login, local, GRAPH_SCOPE))


@pytest.fixture
def user(local: Local, login: TestClient) -> dict[str, str]:
    """The default user's Graph token (delegated)."""
    response = password_grant(login, local, "https://graph.microsoft.com/.default offline_access openid profile")
    return bearer(response.json()["access_token"])


def graph_error(response: Any, status: int, code: str, message: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "innerError"}
    assert body["error"]["code"] == code
    if message is not None:
        assert body["error"]["message"] == message
    inner = body["error"]["innerError"]
    assert GUID.match(inner["request-id"]) and DATE.match(inner["date"])
    return body


def create_app(graph: TestClient, headers: dict[str, str], name: str) -> dict[str, Any]:
    response = graph.post(f"{V1}/applications", json={"displayName": name, "keyCredentials": []}, headers=headers)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def create_sp(graph: TestClient, headers: dict[str, str], app_id: str) -> dict[str, Any]:
    response = graph.post(f"{V1}/servicePrincipals", json={"appId": app_id, "accountEnabled": True},
                          headers=headers)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def values(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["value"]
    return found


# --- applications and passwords --------------------------------------------------------------------------------

def test_create_application(local: Local, graph: TestClient, op: dict[str, str]) -> None:
    body = create_app(graph, op, "myapp")
    assert body["@odata.context"] == CONTEXT + "applications/$entity"
    assert GUID.match(body["id"]) and GUID.match(body["appId"]) and body["id"] != body["appId"]
    assert (body["displayName"], body["identifierUris"], body["passwordCredentials"]) == ("myapp", [], [])
    assert body["createdDateTime"] == graph_time(local.clock.now())
    assert body["publisherDomain"] == "pullproof.onmicrosoft.com"
    assert body["signInAudience"] == "AzureADMyOrg"


@pytest.mark.parametrize("payload", [{}, {"displayName": ""}, {"displayName": "  "}, {"displayName": 7}])
def test_display_name_is_required(graph: TestClient, op: dict[str, str], payload: dict[str, Any]) -> None:
    response = graph.post(f"{V1}/applications", json=payload, headers=op)
    graph_error(response, 400, "Request_BadRequest", "Property 'displayName' is required.")


@pytest.mark.parametrize("content", [b"{not json", b"[1, 2]"])
def test_malformed_body_is_400(graph: TestClient, op: dict[str, str], content: bytes) -> None:
    response = graph.post(f"{V1}/applications", content=content,
                          headers=op | {"Content-Type": "application/json"})
    graph_error(response, 400, "Request_BadRequest")
    assert response.json()["error"]["message"].startswith("Invalid JSON: ")


@pytest.mark.parametrize(("content", "detail"), [
    (b"[" * 100_000 + b"]" * 100_000, "The JSON nests deeper than 128 levels."),
    (b'{"displayName": "a\\ud800"}', "The string contains an unpaired surrogate \\ud800."),
], ids=["100000-levels", "lone-surrogate"])
def test_deep_or_non_unicode_body_is_a_graph_400(graph: TestClient, op: dict[str, str], content: bytes,
                                                  detail: str) -> None:
    for path in ("applications", "servicePrincipals"):
        response = graph.post(f"{V1}/{path}", content=content, headers=op | {"Content-Type": "application/json"})
        graph_error(response, 400, "Request_BadRequest", f"Invalid JSON: {detail}")


def test_http_display_name_becomes_an_identifier_uri(graph: TestClient, op: dict[str, str]) -> None:
    """``az ad sp show --id http://NAME`` finds the principal by this name (seed 000)."""
    app = create_app(graph, op, "http://legacy-deployer")
    assert app["identifierUris"] == ["http://legacy-deployer"]
    sp = create_sp(graph, op, app["appId"])
    assert sp["servicePrincipalNames"] == [app["appId"], "http://legacy-deployer"]
    for name in ("http://legacy-deployer", "HTTP://LEGACY-DEPLOYER", app["appId"]):
        found = values(graph.get(f"{V1}/servicePrincipals",
                                 params={"$filter": f"servicePrincipalNames/any(c:c eq '{name}')"}, headers=op))
        assert [s["id"] for s in found] == [sp["id"]], name


def test_identifier_uris_sent_are_kept(graph: TestClient, op: dict[str, str]) -> None:
    response = graph.post(f"{V1}/applications", headers=op, json={
        "displayName": "https://api.contoso.com", "identifierUris": ["api://contoso"]})
    assert response.json()["identifierUris"] == ["api://contoso", "https://api.contoso.com"]


def test_add_password_returns_the_secret_once(local: Local, graph: TestClient, login: TestClient,
                                              op: dict[str, str]) -> None:
    app = create_app(graph, op, "rbac-app")
    sp = create_sp(graph, op, app["appId"])
    start = graph_time(local.clock.now())
    end = graph_time(local.clock.now() + 365 * 24 * 3600)
    response = graph.post(f"{V1}/applications/{app['id']}/addPassword", headers=op, json={
        "passwordCredential": {"displayName": "rbac", "startDateTime": start, "endDateTime": end}})
    assert response.status_code == 200, response.text
    cred = response.json()
    assert cred["@odata.context"] == CONTEXT + "microsoft.graph.passwordCredential"
    secret = cred["secretText"]
    assert len(secret) == 40 and cred["hint"] == secret[:3]
    assert (cred["displayName"], cred["startDateTime"], cred["endDateTime"]) == ("rbac", start, end)
    listed = graph.get(f"{V1}/applications/{app['id']}", headers=op).json()["passwordCredentials"]
    assert listed == [{"customKeyIdentifier": None, "displayName": "rbac", "endDateTime": end, "hint": secret[:3],
                       "keyId": cred["keyId"], "secretText": None, "startDateTime": start}]
    assert secret not in graph.get(f"{V1}/applications", headers=op).text
    token = client_credentials(login, local, client_id=app["appId"], secret=secret)
    assert token.status_code == 200
    assert jwt.decode(token.json()["access_token"], options={"verify_signature": False})["oid"] == sp["id"]


def test_add_password_defaults_to_one_year(local: Local, graph: TestClient, op: dict[str, str]) -> None:
    app = create_app(graph, op, "defaults")
    cred = graph.post(f"{V1}/applications/{app['id']}/addPassword", headers=op, json={}).json()
    now = local.clock.now()
    assert (cred["startDateTime"], cred["endDateTime"]) == (graph_time(now), graph_time(now + 365 * 24 * 3600))
    assert cred["displayName"] is None


def test_password_end_date_is_enforced(local: Local, graph: TestClient, login: TestClient,
                                       op: dict[str, str]) -> None:
    app = create_app(graph, op, "expiring")
    create_sp(graph, op, app["appId"])
    end = graph_time(local.clock.now() + 3600)
    secret = graph.post(f"{V1}/applications/{app['id']}/addPassword", headers=op, json={
        "passwordCredential": {"endDateTime": end}}).json()["secretText"]
    assert client_credentials(login, local, client_id=app["appId"], secret=secret).status_code == 200
    local.clock.advance(3600)
    expired = client_credentials(login, local, client_id=app["appId"], secret=secret)
    assert (expired.status_code, expired.json()["error_codes"]) == (401, [7000222])


def test_add_password_rejects_bad_dates(graph: TestClient, op: dict[str, str]) -> None:
    app = create_app(graph, op, "dates")
    response = graph.post(f"{V1}/applications/{app['id']}/addPassword", headers=op,
                          json={"passwordCredential": {"endDateTime": "next year"}})
    graph_error(response, 400, "Request_BadRequest", "Invalid value for startDateTime or endDateTime.")


def test_remove_password(local: Local, graph: TestClient, login: TestClient, op: dict[str, str]) -> None:
    app = create_app(graph, op, "removable")
    create_sp(graph, op, app["appId"])
    cred = graph.post(f"{V1}/applications/{app['id']}/addPassword", headers=op, json={}).json()
    gone = graph.post(f"{V1}/applications/{app['id']}/removePassword", headers=op, json={"keyId": cred["keyId"]})
    assert gone.status_code == 204
    response = client_credentials(login, local, client_id=app["appId"], secret=cred["secretText"])
    assert response.json()["error_codes"] == [7000215]
    again = graph.post(f"{V1}/applications/{app['id']}/removePassword", headers=op, json={"keyId": cred["keyId"]})
    graph_error(again, 400, "Request_BadRequest", f"No password credential found with keyId '{cred['keyId']}'.")


def test_application_by_app_id_segment(graph: TestClient, op: dict[str, str]) -> None:
    app = create_app(graph, op, "by-app-id")
    response = graph.get(f"{V1}/applications(appId='{app['appId']}')", headers=op)
    assert response.status_code == 200 and response.json()["id"] == app["id"]


def test_application_filters(graph: TestClient, op: dict[str, str]) -> None:
    ids = {name: create_app(graph, op, name)["id"] for name in ("web-b", "web-a", "web_x", "db")}

    def names(filter_: str) -> list[str]:
        return [a["displayName"] for a in values(graph.get(f"{V1}/applications", params={"$filter": filter_},
                                                           headers=op))]

    assert names("startswith(displayName,'web')") == ["web-a", "web-b", "web_x"]
    assert names("startswith(displayName,'web_')") == ["web_x"]  # '_' is not a wildcard
    assert names("displayName eq 'DB'") == ["db"]
    app_id = graph.get(f"{V1}/applications/{ids['db']}", headers=op).json()["appId"]
    assert names(f"appId eq '{app_id}'") == ["db"]
    graph_error(graph.get(f"{V1}/applications", params={"$filter": "id eq 'x'"}, headers=op), 400,
                "Request_UnsupportedQuery")


def test_delete_application_removes_its_principal(local: Local, graph: TestClient, login: TestClient,
                                                  op: dict[str, str]) -> None:
    client_id, secret, object_id = make_app(local, "doomed")
    app = values(graph.get(f"{V1}/applications", params={"$filter": f"appId eq '{client_id}'"}, headers=op))[0]
    assert graph.delete(f"{V1}/applications/{app['id']}", headers=op).status_code == 204
    graph_error(graph.get(f"{V1}/servicePrincipals/{object_id}", headers=op), 404, "Request_ResourceNotFound")
    response = client_credentials(login, local, client_id=client_id, secret=secret)
    assert response.json()["error_codes"] == [700016]


# --- service principals --------------------------------------------------------------------------------------------

def test_create_service_principal(graph: TestClient, op: dict[str, str]) -> None:
    app = create_app(graph, op, "sp-app")
    sp = create_sp(graph, op, app["appId"])
    assert sp["@odata.context"] == CONTEXT + "servicePrincipals/$entity"
    assert sp["@odata.type"] == SP_TYPE
    assert (sp["appId"], sp["displayName"], sp["servicePrincipalType"], sp["accountEnabled"]) == (
        app["appId"], "sp-app", "Application", True)
    assert sp["servicePrincipalNames"] == [app["appId"]]
    fetched = graph.get(f"{V1}/servicePrincipals/{sp['id']}", headers=op).json()
    assert fetched | {"@odata.context": sp["@odata.context"]} == sp
    duplicate = graph.post(f"{V1}/servicePrincipals", json={"appId": app["appId"]}, headers=op)
    graph_error(duplicate, 400, "Request_BadRequest",
                "Another object with the same value for property appId already exists.")


@pytest.mark.parametrize("app_id", ["", "not-a-guid", "3c7d0a7e-5b1f-4f5e-9a55-1d2f3e4a5b6c"])
def test_service_principal_needs_an_application(graph: TestClient, op: dict[str, str], app_id: str) -> None:
    response = graph.post(f"{V1}/servicePrincipals", json={"appId": app_id}, headers=op)
    graph_error(response, 400, "Request_BadRequest", f"The appId '{app_id}' of the service principal does not "
                "reference a valid application object.")


def test_service_principal_filters(graph: TestClient, op: dict[str, str]) -> None:
    made = {name: create_sp(graph, op, create_app(graph, op, name)["appId"]) for name in ("aks-sp", "aks-sp2", "x")}

    def names(filter_: str) -> list[str]:
        return [s["displayName"] for s in values(graph.get(f"{V1}/servicePrincipals", params={"$filter": filter_},
                                                           headers=op))]

    assert names("displayName eq 'aks-sp'") == ["aks-sp"]
    assert names("displayName eq 'AKS-SP'") == ["aks-sp"]
    assert names("startswith(displayName,'aks')") == ["aks-sp", "aks-sp2"]
    assert names("startswith(displayName,'%')") == []
    assert names(f"appId eq '{made['x']['appId']}'") == ["x"]
    assert names(f"appId eq '{made['x']['appId'].upper()}'") == ["x"]
    assert names(f"servicePrincipalNames/any(c:c eq '{made['aks-sp2']['appId']}')") == ["aks-sp2"]
    assert names("servicePrincipalNames/any(c:c eq 'nothing')") == []
    assert names("displayName eq 'it''s'") == []


def test_all_service_principals_are_sorted(graph: TestClient, op: dict[str, str]) -> None:
    for name in ("zeta", "alpha"):
        create_sp(graph, op, create_app(graph, op, name)["appId"])
    names = [s["displayName"] for s in values(graph.get(f"{V1}/servicePrincipals", headers=op))]
    assert names == sorted(names, key=str.lower) and {"alpha", "zeta", "pullproof-operator"} <= set(names)


def test_managed_identity_principal(local: Local, graph: TestClient, op: dict[str, str]) -> None:
    identity = make_identity(local, "kubelet")
    sp = graph.get(f"{V1}/servicePrincipals/{identity.object_id}", headers=op).json()
    mirid = identity_id(local, "kubelet").replace("/resourceGroups/", "/resourcegroups/")
    assert sp["servicePrincipalType"] == "ManagedIdentity"
    assert sp["servicePrincipalNames"] == [identity.app_id, mirid]
    assert sp["alternativeNames"] == ["isExplicit=True", mirid]
    assert (sp["appId"], sp["displayName"], sp["appOwnerOrganizationId"]) == (identity.app_id, "kubelet", None)
    found = values(graph.get(f"{V1}/servicePrincipals", headers=op,
                             params={"$filter": f"servicePrincipalNames/any(c:c eq '{identity.app_id}')"}))
    assert [s["id"] for s in found] == [identity.object_id]


def test_system_assigned_principal_is_not_explicit(local: Local, graph: TestClient, op: dict[str, str]) -> None:
    cluster = create_cluster(local, "aks-sys")
    sp = graph.get(f"{V1}/servicePrincipals/{cluster['identity']['principalId']}", headers=op).json()
    assert sp["servicePrincipalType"] == "ManagedIdentity"
    assert sp["alternativeNames"][0] == "isExplicit=False"
    assert sp["alternativeNames"][1].lower() == cluster["id"].lower()


@pytest.mark.parametrize("filter_", [
    "accountEnabled eq true", "displayName ne 'x'", "startswith(appId,'1')", "servicePrincipalNames/any()",
    "displayName eq 'a' or displayName eq 'b'",
])
def test_unsupported_filter_is_400(graph: TestClient, op: dict[str, str], filter_: str) -> None:
    response = graph.get(f"{V1}/servicePrincipals", params={"$filter": filter_}, headers=op)
    graph_error(response, 400, "Request_UnsupportedQuery", "Unsupported Query.")


@pytest.mark.parametrize("path", ["/servicePrincipals/{guid}", "/servicePrincipals/not-a-guid",
                                  "/applications/{guid}", "/users/{guid}", "/users/nobody@pullproof.onmicrosoft.com"])
def test_unknown_id_is_404(graph: TestClient, op: dict[str, str], path: str) -> None:
    key = path.rsplit("/", 1)[1].format(guid="3c7d0a7e-5b1f-4f5e-9a55-1d2f3e4a5b6c")
    response = graph.get(V1 + path.format(guid=key), headers=op)
    graph_error(response, 404, "Request_ResourceNotFound",
                f"Resource '{key}' does not exist or one of its queried reference-property objects are not present.")


def test_create_for_rbac_sequence(local: Local, graph: TestClient, login: TestClient, op: dict[str, str]) -> None:
    """The requests ``az ad sp create-for-rbac --name N`` sends, then the new principal signs in."""
    name = "http://seed-sp"
    assert values(graph.get(f"{V1}/servicePrincipals", params={"$filter": f"displayName eq '{name}'"},
                            headers=op)) == []
    assert values(graph.get(f"{V1}/applications", params={"$filter": f"startswith(displayName,'{name}')"},
                            headers=op)) == []
    app = create_app(graph, op, name)
    secret = graph.post(f"{V1}/applications/{app['id']}/addPassword", headers=op, json={
        "passwordCredential": {"displayName": "rbac", "startDateTime": graph_time(local.clock.now()),
                               "endDateTime": graph_time(local.clock.now() + 365 * 86400)}}).json()["secretText"]
    sp = create_sp(graph, op, app["appId"])
    shown = values(graph.get(f"{V1}/servicePrincipals", headers=op,
                             params={"$filter": f"servicePrincipalNames/any(c:c eq '{name}')"}))
    assert [s["appId"] for s in shown] == [app["appId"]]
    token = client_credentials(login, local, client_id=app["appId"], secret=secret).json()["access_token"]
    assert jwt.decode(token, options={"verify_signature": False})["oid"] == sp["id"]


# --- users, /me and getByIds ---------------------------------------------------------------------------------------

def test_user_by_principal_name(local: Local, graph: TestClient, op: dict[str, str]) -> None:
    upn = local.emulator.operator.username
    found = values(graph.get(f"{V1}/users", params={"$filter": f"userPrincipalName eq '{upn}'"}, headers=op))
    assert len(found) == 1
    user = found[0]
    assert (user["@odata.type"], user["userPrincipalName"], user["displayName"]) == (
        "#microsoft.graph.user", upn, "Pullproof Admin")
    assert (user["givenName"], user["surname"]) == ("Pullproof", "Admin")
    assert graph.get(f"{V1}/users/{user['id']}", headers=op).json()["userPrincipalName"] == upn
    assert graph.get(f"{V1}/users/{upn}", headers=op).json()["id"] == user["id"]
    assert values(graph.get(f"{V1}/users", params={"$filter": "userPrincipalName eq 'x@y'"}, headers=op)) == []
    graph_error(graph.get(f"{V1}/users", params={"$filter": "displayName eq 'x'"}, headers=op), 400,
                "Request_UnsupportedQuery")


def test_me_is_the_signed_in_user(local: Local, graph: TestClient, user: dict[str, str]) -> None:
    response = graph.get(f"{V1}/me", headers=user)
    assert response.status_code == 200
    body = response.json()
    assert body["@odata.context"] == CONTEXT + "users/$entity"
    assert body["userPrincipalName"] == local.emulator.operator.username


def test_me_is_only_for_users(graph: TestClient, op: dict[str, str]) -> None:
    graph_error(graph.get(f"{V1}/me", headers=op), 400, "Request_BadRequest",
                "/me request is only valid with delegated authentication flow.")


def test_users_read_the_directory_and_create_applications(graph: TestClient, user: dict[str, str]) -> None:
    assert graph.get(f"{V1}/servicePrincipals", headers=user).status_code == 200
    assert create_app(graph, user, "made-by-user")["displayName"] == "made-by-user"


def test_get_by_ids(local: Local, graph: TestClient, op: dict[str, str]) -> None:
    identity = make_identity(local, "kubelet")
    user_id = values(graph.get(f"{V1}/users", headers=op))[0]["id"]
    ids = [local.emulator.operator.object_id, identity.object_id, user_id, "3c7d0a7e-5b1f-4f5e-9a55-1d2f3e4a5b6c"]
    body = {"ids": ids, "types": ["user", "group", "servicePrincipal", "directoryObjectPartnerReference"]}
    response = graph.post(f"{V1}/directoryObjects/getByIds", json=body, headers=op)
    assert response.json()["@odata.context"] == CONTEXT + "directoryObjects"
    found = values(response)
    assert [(o["id"], o["@odata.type"]) for o in found] == [
        (ids[0], SP_TYPE), (ids[1], SP_TYPE), (ids[2], "#microsoft.graph.user")]
    only_sps = values(graph.post(f"{V1}/directoryObjects/getByIds", headers=op,
                                 json={"ids": ids, "types": ["servicePrincipal"]}))
    assert [o["id"] for o in only_sps] == ids[:2]
    every = values(graph.post(f"{V1}/directoryObjects/getByIds", headers=op, json={"ids": ids}))
    assert len(every) == 3


@pytest.mark.parametrize(("payload", "message"), [
    ({}, "Property 'ids' must be a list of strings."),
    ({"ids": "x"}, "Property 'ids' must be a list of strings."),
    ({"ids": ["not-a-guid"]}, "Invalid object identifier 'not-a-guid'."),
])
def test_get_by_ids_validates(graph: TestClient, op: dict[str, str], payload: dict[str, Any], message: str) -> None:
    response = graph.post(f"{V1}/directoryObjects/getByIds", json=payload, headers=op)
    graph_error(response, 400, "Request_BadRequest", message)


# --- who may call ----------------------------------------------------------------------------------------------------

@pytest.fixture
def stranger(local: Local, login: TestClient) -> dict[str, str]:
    """A service principal that is not the operator, with a valid Graph token."""
    client_id, secret, _ = make_app(local, "stranger")
    return bearer(app_token(login, local, GRAPH_SCOPE, client_id=client_id, secret=secret))


@pytest.mark.parametrize(("method", "path", "payload"), [
    ("GET", "/servicePrincipals", None),
    ("GET", "/applications", None),
    ("GET", "/users", None),
    ("POST", "/applications", {"displayName": "sneaky"}),
    ("POST", "/servicePrincipals", {"appId": "3c7d0a7e-5b1f-4f5e-9a55-1d2f3e4a5b6c"}),
    ("POST", "/directoryObjects/getByIds", {"ids": []}),
])
def test_other_service_principals_are_denied(graph: TestClient, stranger: dict[str, str], method: str, path: str,
                                             payload: dict[str, Any] | None) -> None:
    response = graph.request(method, V1 + path, json=payload, headers=stranger)
    graph_error(response, 403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")


def test_stranger_cannot_add_a_password_to_the_operator(local: Local, graph: TestClient, op: dict[str, str],
                                                       stranger: dict[str, str]) -> None:
    app = values(graph.get(f"{V1}/applications", headers=op,
                           params={"$filter": f"appId eq '{local.emulator.operator.client_id}'"}))[0]
    response = graph.post(f"{V1}/applications/{app['id']}/addPassword", json={}, headers=stranger)
    graph_error(response, 403, "Authorization_RequestDenied")
    assert len(graph.get(f"{V1}/applications/{app['id']}", headers=op).json()["passwordCredentials"]) == 1


def test_managed_identities_are_denied(local: Local, graph: TestClient) -> None:
    identity = make_identity(local, "kubelet")
    token, _ = local.emulator.issuer.app_token(identity, "https://graph.microsoft.com")
    graph_error(graph.get(f"{V1}/servicePrincipals", headers=bearer(token)), 403, "Authorization_RequestDenied")


def test_missing_token_is_401(graph: TestClient) -> None:
    for headers in ({}, {"Authorization": "Bearer "}, {"Authorization": "Basic abc"}):
        graph_error(graph.get(f"{V1}/servicePrincipals", headers=headers), 401, "InvalidAuthenticationToken",
                    "Access token is empty.")


def test_arm_token_is_the_wrong_audience(local: Local, graph: TestClient, login: TestClient) -> None:
    response = graph.get(f"{V1}/servicePrincipals", headers=bearer(app_token(login, local)))
    graph_error(response, 401, "InvalidAuthenticationToken", "Access token validation failure. Invalid audience.")


def test_expired_token_is_401(local: Local, graph: TestClient, op: dict[str, str]) -> None:
    local.clock.advance(3599 + 301)
    graph_error(graph.get(f"{V1}/servicePrincipals", headers=op), 401, "InvalidAuthenticationToken",
                "Lifetime validation failed, the token is expired.")


@pytest.mark.parametrize("kind", ["garbage", "foreign key", "tampered"])
def test_bad_token_is_401(local: Local, graph: TestClient, op: dict[str, str], kind: str) -> None:
    token = op["Authorization"].removeprefix("Bearer ")
    if kind == "garbage":
        token = "not.a.jwt"
    elif kind == "foreign key":
        claims = jwt.decode(token, options={"verify_signature": False})
        stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        token = jwt.encode(claims, stranger, algorithm="RS256", headers=jwt.get_unverified_header(token))
    else:
        head, payload, signature = token.split(".")
        token = f"{head}.{payload[:-4]}AAAA.{signature}"
    graph_error(graph.get(f"{V1}/servicePrincipals", headers=bearer(token)), 401, "InvalidAuthenticationToken")


def test_direct_listener_serves_graph_under_its_prefix(local: Local, op: dict[str, str]) -> None:
    """The custom cloud's ``microsoftGraphResourceId`` is ``https://127.0.0.1:PORT/graph/``."""
    with local.client("127.0.0.1:8443") as direct:
        token = app_token(direct, local, "https://127.0.0.1:8443/graph//.default")
        response = direct.get("/graph/v1.0/servicePrincipals", headers=bearer(token),
                              params={"$filter": "displayName eq 'pullproof-operator'"})
        assert [s["appId"] for s in values(response)] == [local.emulator.operator.client_id]
        assert direct.get("/graph/v1.0/servicePrincipals", headers=op).status_code == 200
