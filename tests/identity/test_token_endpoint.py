"""The token endpoints (v2 and v1) on the wire: response shapes and types, grants, AADSTS errors."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from pullproof.core.reasons import Reason
from pullproof.identity.models import AZ_CLI_CLIENT_ID
from tests.conftest import Local, make_local
from tests.identity.conftest import (
    ARM_SCOPE,
    USER_SCOPE,
    app_token,
    claims,
    client_credentials,
    make_app,
    make_identity,
    password_grant,
)

TRACE_LINES = re.compile(
    r"\r\nTrace ID: [0-9a-f-]{36}\r\nCorrelation ID: [0-9a-f-]{36}\r\nTimestamp: \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$"
)


def assert_aadsts(response: Any, status: int, error: str, number: int, message: str) -> dict[str, Any]:
    """An Entra error body: the code, the AADSTS number, the message and the trace lines."""
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert set(body) == {"error", "error_description", "error_codes", "timestamp", "trace_id", "correlation_id",
                         "error_uri"}
    assert body["error"] == error
    assert body["error_codes"] == [number]
    assert body["error_description"].startswith(message), body["error_description"]
    assert TRACE_LINES.search(body["error_description"]), body["error_description"]
    assert body["error_uri"] == f"https://login.microsoftonline.com/error?code={number}"
    assert f"Trace ID: {body['trace_id']}" in body["error_description"]
    return body


# --- successful responses ---------------------------------------------------------------------------------

def test_v2_client_credentials_response_has_int_lifetimes(local: Local, login: TestClient) -> None:
    response = client_credentials(login, local)
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3599 and type(body["expires_in"]) is int
    assert body["ext_expires_in"] == 3599 and type(body["ext_expires_in"]) is int
    assert body["scope"] == ARM_SCOPE
    assert isinstance(body["access_token"], str) and body["access_token"].count(".") == 2
    assert "refresh_token" not in body and "id_token" not in body
    assert response.headers["cache-control"] == "no-store, no-cache"
    assert response.headers["content-type"] == "application/json"


def test_v1_client_credentials_response_has_string_values(local: Local, login: TestClient) -> None:
    now = int(local.clock.now())
    response = client_credentials(login, local, "https://management.azure.com/", version="v1")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"token_type", "expires_in", "ext_expires_in", "expires_on", "not_before", "resource",
                         "access_token"}
    assert all(isinstance(value, str) for value in body.values())
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == body["ext_expires_in"] == "3599"
    assert body["expires_on"] == str(now + 3599) and body["not_before"] == str(now)
    assert body["resource"] == "https://management.azure.com/"
    assert claims(body["access_token"])["aud"] == "https://management.azure.com/"


@pytest.mark.parametrize(("scope", "aud"), [
    (ARM_SCOPE, "https://management.core.windows.net/"),
    ("https://management.azure.com/.default", "https://management.azure.com"),
    ("https://management.azure.com//.default", "https://management.azure.com/"),
    ("https://containerregistry.azure.net/.default", "https://containerregistry.azure.net"),
    ("https://graph.microsoft.com/.default", "https://graph.microsoft.com"),
    ("https://127.0.0.1:8443/graph//.default", "https://127.0.0.1:8443/graph/"),
])
def test_audience_is_the_scope_without_default(local: Local, login: TestClient, scope: str, aud: str) -> None:
    assert claims(app_token(login, local, scope))["aud"] == aud


@pytest.mark.parametrize("tenant", ["pullproof.onmicrosoft.com", "PullProof.OnMicrosoft.com"])
def test_tenant_may_be_named_by_domain(local: Local, login: TestClient, tid: str, tenant: str) -> None:
    assert claims(app_token(login, local, tenant=tenant))["tid"] == tid


def test_tenant_id_is_case_insensitive(local: Local, login: TestClient, tid: str) -> None:
    assert claims(app_token(login, local, tenant=tid.upper()))["tid"] == tid


def test_a_new_application_secret_authenticates(local: Local, login: TestClient) -> None:
    client_id, secret, object_id = make_app(local, "ci-deployer")
    token = claims(app_token(login, local, client_id=client_id, secret=secret))
    assert (token["appid"], token["oid"], token["appidacr"]) == (client_id, object_id, "1")


def test_sign_in_is_recorded_without_the_secret(local: Local, login: TestClient) -> None:
    op = local.emulator.operator
    client_credentials(login, local)
    client_credentials(login, local, secret="wrong-secret-value")
    failed, passed = local.emulator.trace.entries(principal_id=op.object_id)[:2]
    assert (passed.decision.allowed, passed.decision.reason) == (True, Reason.CLIENT_AUTHENTICATED)
    assert passed.decision.evidence == {"client_id": op.client_id, "resource": "https://management.core.windows.net/"}
    assert (failed.decision.allowed, failed.decision.reason) == (False, Reason.CLIENT_SECRET_INVALID)
    assert "wrong-secret-value" not in json.dumps(failed.decision.evidence)
    assert op.client_secret not in json.dumps(passed.decision.evidence)


# --- client-credentials errors ---------------------------------------------------------------------------------

def test_unknown_tenant_is_aadsts90002(local: Local, login: TestClient) -> None:
    response = client_credentials(login, local, tenant="contoso.onmicrosoft.com")
    assert_aadsts(response, 400, "invalid_request", 90002,
                  "AADSTS90002: Tenant 'contoso.onmicrosoft.com' not found. Check to make sure you have the "
                  "correct tenant ID and are signing into the correct cloud.")
    assert local.emulator.trace.entries()[0].decision.reason is Reason.TENANT_UNKNOWN


def test_correlation_id_echoes_client_request_id(local: Local, login: TestClient) -> None:
    request_id = "0f1e2d3c-4b5a-4968-8776-655443322110"
    response = login.post("/nope/oauth2/v2.0/token", data={"grant_type": "client_credentials"},
                          headers={"client-request-id": request_id})
    body = assert_aadsts(response, 400, "invalid_request", 90002, "AADSTS90002: Tenant 'nope' not found.")
    assert body["correlation_id"] == request_id
    assert body["timestamp"] == "2027-01-15 08:00:00Z"


def test_unknown_client_id_is_aadsts700016(local: Local, login: TestClient, tid: str) -> None:
    unknown = "3c7d0a7e-5b1f-4f5e-9a55-1d2f3e4a5b6c"
    response = client_credentials(login, local, client_id=unknown)
    assert_aadsts(response, 400, "unauthorized_client", 700016,
                  f"AADSTS700016: Application with identifier '{unknown}' was not found in the directory '{tid}'.")


def test_managed_identity_client_id_cannot_use_client_credentials(local: Local, login: TestClient) -> None:
    identity = make_identity(local, "kubelet")
    response = client_credentials(login, local, client_id=identity.app_id, secret="anything")
    assert_aadsts(response, 400, "unauthorized_client", 700016, "AADSTS700016: ")


def test_wrong_secret_is_aadsts7000215(local: Local, login: TestClient) -> None:
    op = local.emulator.operator
    response = client_credentials(login, local, secret=op.client_secret[:-1] + "x")
    assert_aadsts(response, 401, "invalid_client", 7000215,
                  "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is "
                  f"the client secret value, not the client secret ID, for a secret added to app '{op.client_id}'.")


def test_secret_of_another_app_is_rejected(local: Local, login: TestClient) -> None:
    _, other_secret, _ = make_app(local, "other")
    response = client_credentials(login, local, secret=other_secret)
    assert_aadsts(response, 401, "invalid_client", 7000215, "AADSTS7000215: ")


def test_missing_secret_is_aadsts7000216(local: Local, login: TestClient) -> None:
    response = client_credentials(login, local, secret="")
    assert_aadsts(response, 401, "invalid_client", 7000216,
                  "AADSTS7000216: 'client_assertion', 'client_secret' or 'request' is required for the "
                  "'client_credentials' grant type.")


def test_expired_secret_is_aadsts7000222(local: Local, login: TestClient) -> None:
    directory = local.emulator.directory
    app = directory.create_application("short-lived")
    directory.create_service_principal(app)
    now = local.clock.now()
    secret = directory.add_password(app.app_id, "one-hour", now, now + 3600).secret_text
    local.clock.advance(3599)
    assert client_credentials(login, local, client_id=app.app_id, secret=secret).status_code == 200
    local.clock.advance(1)
    response = client_credentials(login, local, client_id=app.app_id, secret=secret)
    assert_aadsts(response, 401, "invalid_client", 7000222,
                  f"AADSTS7000222: The provided client secret keys for app '{app.app_id}' are expired. Visit the "
                  "Azure portal to create new keys for your app: https://aka.ms/NewClientSecret")
    entries = local.emulator.trace.entries()
    assert entries[0].decision.reason is Reason.CLIENT_SECRET_EXPIRED


def test_an_expired_secret_does_not_hide_a_valid_one(local: Local, login: TestClient) -> None:
    directory = local.emulator.directory
    app = directory.create_application("rotated")
    directory.create_service_principal(app)
    now = local.clock.now()
    directory.add_password(app.app_id, "old", now, now + 60)
    fresh = directory.add_password(app.app_id, "new", now, now + 7200).secret_text
    local.clock.advance(120)
    assert client_credentials(login, local, client_id=app.app_id, secret=fresh).status_code == 200


def test_missing_scope_is_aadsts900144(local: Local, login: TestClient, tid: str) -> None:
    op = local.emulator.operator
    response = login.post(f"/{tid}/oauth2/v2.0/token", data={
        "grant_type": "client_credentials", "client_id": op.client_id, "client_secret": op.client_secret})
    assert_aadsts(response, 400, "invalid_request", 900144,
                  "AADSTS900144: The request body must contain the following parameter: 'scope'.")


def test_missing_resource_on_v1_is_aadsts900144(local: Local, login: TestClient, tid: str) -> None:
    op = local.emulator.operator
    response = login.post(f"/{tid}/oauth2/token", data={
        "grant_type": "client_credentials", "client_id": op.client_id, "client_secret": op.client_secret})
    assert_aadsts(response, 400, "invalid_request", 900144,
                  "AADSTS900144: The request body must contain the following parameter: 'resource'.")


def test_missing_grant_type_is_aadsts900144(login: TestClient, tid: str) -> None:
    response = login.post(f"/{tid}/oauth2/v2.0/token", data={"scope": ARM_SCOPE})
    assert_aadsts(response, 400, "invalid_request", 900144,
                  "AADSTS900144: The request body must contain the following parameter: 'grant_type'.")


def test_unsupported_grant_type_is_aadsts70003(login: TestClient, tid: str) -> None:
    response = login.post(f"/{tid}/oauth2/v2.0/token", data={"grant_type": "magic", "scope": ARM_SCOPE})
    assert_aadsts(response, 400, "unsupported_grant_type", 70003,
                  "AADSTS70003: The app requested an unsupported grant type 'magic'.")


@pytest.mark.parametrize("scope", ["https://vault.azure.net/.default", "https://storage.azure.com//.default"])
def test_unknown_resource_is_aadsts500011(local: Local, login: TestClient, tid: str, scope: str) -> None:
    resource = scope.removesuffix("/.default")
    response = client_credentials(login, local, scope)
    assert_aadsts(response, 400, "invalid_resource", 500011,
                  f"AADSTS500011: The resource principal named {resource} was not found in the tenant named "
                  f"{tid}.")
    entry = local.emulator.trace.entries()[0]
    assert (entry.decision.reason, entry.principal_id) == (Reason.RESOURCE_UNKNOWN, local.emulator.operator.object_id)


def test_token_endpoint_only_accepts_post(login: TestClient, tid: str) -> None:
    assert login.get(f"/{tid}/oauth2/v2.0/token").status_code == 405


@pytest.fixture
def small(tmp_path: Path) -> Iterator[Local]:
    instance = make_local(tmp_path, max_body_bytes=1024)
    yield instance
    instance.emulator.close()


def test_oversized_body_is_413(small: Local) -> None:
    tid = small.emulator.operator.tenant_id
    with small.client("login.microsoftonline.com") as login:
        response = login.post(f"/{tid}/oauth2/v2.0/token",
                              data={"grant_type": "client_credentials", "client_assertion": "x" * 2000})
    assert_aadsts(response, 413, "invalid_request", 90020, "AADSTS90020: The request body is too large.")


def test_oversized_chunked_body_is_413(small: Local) -> None:
    """No Content-Length: the limit is enforced while reading the stream."""
    tid = small.emulator.operator.tenant_id

    def chunks() -> Iterator[bytes]:
        for _ in range(4):
            yield b"client_assertion=" + b"x" * 400 + b"&"

    with small.client("login.microsoftonline.com") as login:
        response = login.post(f"/{tid}/oauth2/v2.0/token", content=chunks(),
                              headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert "content-length" not in {k.lower() for k in response.request.headers}
    assert_aadsts(response, 413, "invalid_request", 90020, "AADSTS90020: ")


def test_body_at_the_limit_is_read(small: Local) -> None:
    tid = small.emulator.operator.tenant_id
    with small.client("login.microsoftonline.com") as login:
        prefix = b"grant_type=magic&scope=https://management.azure.com/.default&pad="
        response = login.post(f"/{tid}/oauth2/v2.0/token", content=prefix + b"x" * (1024 - len(prefix)),
                              headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert len(response.request.content) == 1024
    assert response.json()["error_codes"] == [70003]


# --- user sign-in: password and refresh_token grants ------------------------------------------------------------

def test_password_grant_for_the_default_user(local: Local, login: TestClient, tid: str) -> None:
    response = password_grant(login, local)
    assert response.status_code == 200, response.text
    body = response.json()
    assert {"token_type", "scope", "expires_in", "ext_expires_in", "access_token", "refresh_token", "id_token",
            "client_info"} <= set(body)
    assert type(body["expires_in"]) is int
    user = local.emulator.directory.store.user_row(upn=local.emulator.operator.username)
    assert user is not None
    token = claims(body["access_token"])
    assert token["aud"] == "https://management.core.windows.net/"
    assert (token["oid"], token["sub"], token["tid"]) == (user["object_id"], user["object_id"], tid)
    assert (token["upn"], token["unique_name"]) == (local.emulator.operator.username,) * 2
    assert (token["appid"], token["appidacr"], token["idtyp"]) == (AZ_CLI_CLIENT_ID, "0", "user")
    assert token["scp"] == "user_impersonation" and "xms_mirid" not in token
    assert 3600 <= token["exp"] - token["iat"] <= 5400  # Entra's default user token: 60-90 minutes


def test_password_grant_id_token_and_client_info(local: Local, login: TestClient, tid: str) -> None:
    body = password_grant(login, local).json()
    user = local.emulator.directory.store.user_row(upn=local.emulator.operator.username)
    assert user is not None
    id_token = claims(body["id_token"])
    assert id_token["aud"] == AZ_CLI_CLIENT_ID
    assert id_token["iss"] == f"https://login.microsoftonline.com/{tid}/v2.0"
    assert (id_token["oid"], id_token["tid"], id_token["ver"]) == (user["object_id"], tid, "2.0")
    assert id_token["preferred_username"] == local.emulator.operator.username
    assert id_token["name"] == "Pullproof Admin"
    padded = body["client_info"] + "=" * (-len(body["client_info"]) % 4)
    assert json.loads(base64.urlsafe_b64decode(padded)) == {"uid": user["object_id"], "utid": tid}
    assert "=" not in body["client_info"]


def test_password_grant_scope_covers_the_requested_scope(local: Local, login: TestClient) -> None:
    """MSAL caches the token under the response's ``scope``; it must contain what was asked for."""
    granted = password_grant(login, local).json()["scope"].split()
    assert ARM_SCOPE in granted
    assert "https://management.core.windows.net//user_impersonation" in granted


def test_password_grant_on_v1_has_strings(local: Local, login: TestClient) -> None:
    response = password_grant(login, local, "https://management.core.windows.net/", version="v1")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["resource"] == "https://management.core.windows.net/"
    assert body["expires_in"].isdigit() and body["refresh_token"] and body["id_token"]


@pytest.mark.parametrize("password", ["wrong", ""])
def test_wrong_password_is_aadsts50126(local: Local, login: TestClient, password: str) -> None:
    assert_aadsts(password_grant(login, local, password=password), 400, "invalid_grant", 50126,
                  "AADSTS50126: Error validating credentials due to invalid username or password.")


def test_unknown_user_is_aadsts50126(local: Local, login: TestClient, tid: str) -> None:
    response = login.post(f"/{tid}/oauth2/v2.0/token", data={
        "grant_type": "password", "client_id": AZ_CLI_CLIENT_ID, "username": "nobody@pullproof.onmicrosoft.com",
        "password": local.emulator.operator.password, "scope": USER_SCOPE})
    assert_aadsts(response, 400, "invalid_grant", 50126, "AADSTS50126: ")


def refresh(login: TestClient, tid: str, token: str, scope: str, client_id: str = AZ_CLI_CLIENT_ID) -> Any:
    return login.post(f"/{tid}/oauth2/v2.0/token", data={
        "grant_type": "refresh_token", "client_id": client_id, "refresh_token": token, "scope": scope})


def test_refresh_token_grant_issues_for_another_resource(local: Local, login: TestClient, tid: str) -> None:
    first = password_grant(login, local).json()
    response = refresh(login, tid, first["refresh_token"], "https://graph.microsoft.com/.default offline_access")
    assert response.status_code == 200, response.text
    body = response.json()
    token = claims(body["access_token"])
    assert token["aud"] == "https://graph.microsoft.com"
    assert token["oid"] == claims(first["access_token"])["oid"]
    assert body["refresh_token"] and body["refresh_token"] != first["refresh_token"]
    assert claims(body["id_token"])["aud"] == AZ_CLI_CLIENT_ID


def test_refresh_token_of_another_client_is_rejected(local: Local, login: TestClient, tid: str) -> None:
    first = password_grant(login, local).json()
    response = refresh(login, tid, first["refresh_token"], ARM_SCOPE, client_id=local.emulator.operator.client_id)
    assert_aadsts(response, 400, "invalid_grant", 9002313,
                  "AADSTS9002313: Invalid request. Request is malformed or invalid.")


def test_unknown_refresh_token_is_rejected(login: TestClient, tid: str) -> None:
    assert_aadsts(refresh(login, tid, "not-a-refresh-token", ARM_SCOPE), 400, "invalid_grant", 9002313,
                  "AADSTS9002313: ")


def test_refresh_token_expires_after_90_days(local: Local, login: TestClient, tid: str) -> None:
    token = password_grant(login, local).json()["refresh_token"]
    local.clock.advance(90 * 24 * 3600 - 1)
    assert refresh(login, tid, token, ARM_SCOPE).status_code == 200
    local.clock.advance(1)
    assert_aadsts(refresh(login, tid, token, ARM_SCOPE), 400, "invalid_grant", 9002313, "AADSTS9002313: ")


# --- secrets at rest --------------------------------------------------------------------------------------------

def test_no_secret_is_stored_in_clear(local: Local, login: TestClient) -> None:
    """Client secrets, the user's password, node secrets and refresh tokens are kept only as digests."""
    op = local.emulator.operator
    _, app_secret, _ = make_app(local, "hashed")
    node_credential = local.emulator.put_node("vm-hash", [])
    refresh_token = password_grant(login, local).json()["refresh_token"]
    client_credentials(login, local, secret="attempted-wrong-secret-1234567890")
    local.emulator.trace.flush()
    stored = local.emulator.db.query("SELECT salt, digest FROM password_credentials")
    assert len(stored) == 2 and all(len(r["digest"]) == 64 and len(r["salt"]) == 32 for r in stored)
    local.emulator.db.query("PRAGMA wal_checkpoint(FULL)")
    files = sorted(local.emulator.settings.data_dir.glob("pullproof.db*"))
    raw = b"".join(path.read_bytes() for path in files)
    assert raw.count(op.client_id.encode()) > 0  # the scan does see what is stored
    for secret in (op.client_secret, app_secret, op.password, node_credential.split(":", 1)[1], refresh_token,
                   "attempted-wrong-secret-1234567890"):
        assert secret.encode() not in raw
