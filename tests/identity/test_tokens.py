"""Access-token claims (Entra v1 tokens for first-party resources) and token verification."""

from __future__ import annotations

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from starlette.testclient import TestClient

from pullproof.core.jwt import TokenRejected
from pullproof.core.reasons import Reason
from pullproof.identity.models import AZ_CLI_CLIENT_ID
from pullproof.identity.service import mirid_of
from pullproof.identity.tokens import TokenIssuer, resource_from_scope
from tests.conftest import Local
from tests.identity.conftest import app_token, claims, header, identity_id, make_identity, password_grant

ARM = ("https://management.core.windows.net/", "https://management.azure.com/")


@pytest.mark.parametrize(("scope", "resource"), [
    ("https://management.core.windows.net//.default", "https://management.core.windows.net/"),
    ("https://management.azure.com/.default", "https://management.azure.com"),
    ("https://containerregistry.azure.net/.default", "https://containerregistry.azure.net"),
    ("https://management.core.windows.net//.default offline_access openid profile",
     "https://management.core.windows.net/"),
    ("openid profile offline_access https://graph.microsoft.com/.default", "https://graph.microsoft.com"),
    ("https://graph.microsoft.com/User.Read", "https://graph.microsoft.com"),
    ("openid profile offline_access", None),
    ("User.Read", None),
    ("", None),
])
def test_resource_from_scope(scope: str, resource: str | None) -> None:
    assert resource_from_scope(scope) == resource


@pytest.mark.parametrize(("arm_id", "mirid"), [
    ("/subscriptions/S/resourceGroups/My-RG/providers/Microsoft.ManagedIdentity/userAssignedIdentities/Kube",
     "/subscriptions/S/resourcegroups/My-RG/providers/Microsoft.ManagedIdentity/userAssignedIdentities/Kube"),
    ("/subscriptions/S/RESOURCEGROUPS/rg/providers/Microsoft.Compute/virtualMachines/vm1/",
     "/subscriptions/S/resourcegroups/rg/providers/Microsoft.Compute/virtualMachines/vm1"),
    ("subscriptions/S/resourcegroups/rg", "/subscriptions/S/resourcegroups/rg"),
    ("/subscriptions/S", "/subscriptions/S"),
])
def test_mirid_lower_cases_only_resourcegroups(arm_id: str, mirid: str) -> None:
    assert mirid_of(arm_id) == mirid


def test_app_token_header_and_claims(local: Local, login: TestClient, tid: str) -> None:
    op = local.emulator.operator
    now = int(local.clock.now())
    token = app_token(login, local)
    head = header(token)
    assert (head["typ"], head["alg"]) == ("JWT", "RS256")
    assert head["kid"] == local.emulator.keys.current.kid and head["x5t"] == local.emulator.keys.current.x5t
    body = claims(token)
    assert body["aud"] == "https://management.core.windows.net/"
    assert body["iss"] == body["idp"] == f"https://sts.windows.net/{tid}/"
    assert (body["iat"], body["nbf"], body["exp"]) == (now, now, now + 3599)
    assert (body["oid"], body["sub"], body["tid"]) == (op.object_id, op.object_id, tid)
    assert (body["appid"], body["appidacr"], body["idtyp"], body["ver"]) == (op.client_id, "1", "app", "1.0")
    assert {"aio", "rh", "uti"} <= set(body)
    assert "xms_mirid" not in body and "upn" not in body and "scp" not in body


def test_each_token_is_unique(local: Local, login: TestClient) -> None:
    first, second = claims(app_token(login, local)), claims(app_token(login, local))
    assert first["uti"] != second["uti"]


def test_managed_identity_token_claims(local: Local, tid: str) -> None:
    identity = make_identity(local, "Kubelet-Identity", group="MC_RG_aks_eastus")
    now = int(local.clock.now())
    token, lifetime = local.emulator.issuer.app_token(identity, "https://containerregistry.azure.net")
    body = claims(token)
    sub = local.emulator.operator.subscription_id
    assert lifetime == 86399 and body["exp"] - body["iat"] == 86399 and body["iat"] == now
    assert body["xms_mirid"] == (f"/subscriptions/{sub}/resourcegroups/MC_RG_aks_eastus/providers/"
                                 "Microsoft.ManagedIdentity/userAssignedIdentities/Kubelet-Identity")
    assert (body["appid"], body["oid"], body["sub"]) == (identity.app_id, identity.object_id, identity.object_id)
    assert (body["appidacr"], body["idtyp"], body["tid"]) == ("2", "app", tid)
    assert body["aud"] == "https://containerregistry.azure.net"


def test_managed_identity_is_its_own_service_principal(local: Local) -> None:
    identity = make_identity(local, "id1")
    assert identity.kind == "ManagedIdentity"
    assert identity.names == (identity.app_id, mirid_of(identity_id(local, "id1")))
    assert local.emulator.directory.managed_identity(identity_id(local, "id1").lower()) == identity


# --- verification -----------------------------------------------------------------------------------------------

@pytest.fixture
def issuer(local: Local) -> TokenIssuer:
    return local.emulator.issuer


def rejected(issuer: TokenIssuer, token: str, audiences: tuple[str, ...] = ARM) -> Reason:
    with pytest.raises(TokenRejected) as info:
        issuer.verify(token, audiences)
    return info.value.reason


def test_verify_returns_the_app_caller(local: Local, login: TestClient, issuer: TokenIssuer) -> None:
    op = local.emulator.operator
    caller = issuer.verify(app_token(login, local), ARM)
    assert (caller.object_id, caller.tenant_id, caller.app_id, caller.kind) == (
        op.object_id, op.tenant_id, op.client_id, "app")
    assert caller.display == op.client_id


def test_verify_returns_the_user_caller(local: Local, login: TestClient, issuer: TokenIssuer) -> None:
    caller = issuer.verify(password_grant(login, local).json()["access_token"], ARM)
    assert (caller.kind, caller.display, caller.app_id) == ("user", local.emulator.operator.username,
                                                            AZ_CLI_CLIENT_ID)


def test_expiry_allows_five_minutes_of_clock_skew(local: Local, login: TestClient, issuer: TokenIssuer) -> None:
    token = app_token(login, local)
    local.clock.advance(3599 + 300)
    issuer.verify(token, ARM)
    local.clock.advance(1)
    assert rejected(issuer, token) is Reason.TOKEN_EXPIRED


def test_wrong_audience(local: Local, login: TestClient, issuer: TokenIssuer) -> None:
    token = app_token(login, local, "https://containerregistry.azure.net/.default")
    assert rejected(issuer, token) is Reason.TOKEN_WRONG_AUDIENCE


def sign(issuer: TokenIssuer, **overrides: object) -> str:
    now = int(issuer.clock.now())
    body: dict[str, object] = {"aud": ARM[0], "iss": issuer.issuer, "iat": now, "nbf": now, "exp": now + 600,
                               "oid": "o", "tid": issuer.tenant.id}
    body.update(overrides)
    return issuer.codec.sign({k: v for k, v in body.items() if v is not None})


def test_wrong_issuer(issuer: TokenIssuer) -> None:
    v2_issuer = f"https://login.microsoftonline.com/{issuer.tenant.id}/v2.0"
    assert rejected(issuer, sign(issuer, iss=v2_issuer)) is Reason.TOKEN_WRONG_ISSUER
    other_tenant = "https://sts.windows.net/72f988bf-86f1-41af-91ab-2d7cd011db47/"
    assert rejected(issuer, sign(issuer, iss=other_tenant)) is Reason.TOKEN_WRONG_ISSUER


def test_not_yet_valid(issuer: TokenIssuer) -> None:
    now = int(issuer.clock.now())
    assert rejected(issuer, sign(issuer, nbf=now + 301, exp=now + 4000)) is Reason.TOKEN_NOT_YET_VALID
    issuer.verify(sign(issuer, nbf=now + 300, exp=now + 4000), ARM)


def test_token_without_exp_is_malformed(issuer: TokenIssuer) -> None:
    assert rejected(issuer, sign(issuer, exp=None)) is Reason.TOKEN_MALFORMED


@pytest.mark.parametrize("token", ["", "abc", "a.b.c", "eyJhbGciOiJSUzI1NiJ9.e30"])
def test_garbage_is_malformed(issuer: TokenIssuer, token: str) -> None:
    assert rejected(issuer, token) is Reason.TOKEN_MALFORMED


def test_tampered_payload_fails_the_signature(local: Local, login: TestClient, issuer: TokenIssuer) -> None:
    head, _, signature = app_token(login, local).split(".")
    forged = claims(app_token(login, local))
    forged["oid"] = "00000000-0000-0000-0000-000000000001"
    payload = jwt.encode(forged, "k" * 32, algorithm="HS256").split(".")[1]
    assert rejected(issuer, f"{head}.{payload}.{signature}") is Reason.TOKEN_BAD_SIGNATURE


def test_foreign_key_with_our_kid_fails(issuer: TokenIssuer) -> None:
    now = int(issuer.clock.now())
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = jwt.encode({"aud": ARM[0], "iss": issuer.issuer, "exp": now + 600}, stranger, algorithm="RS256",
                       headers={"kid": issuer.codec.keys.current.kid})
    assert rejected(issuer, token) is Reason.TOKEN_BAD_SIGNATURE


def test_unknown_kid_and_other_algorithms_fail(issuer: TokenIssuer) -> None:
    now = int(issuer.clock.now())
    body = {"aud": ARM[0], "iss": issuer.issuer, "exp": now + 600}
    kid = issuer.codec.keys.current.kid
    hs256 = jwt.encode(body, "s" * 32, algorithm="HS256", headers={"kid": kid})
    assert rejected(issuer, hs256) is Reason.TOKEN_BAD_SIGNATURE
    none = jwt.encode(body, "", algorithm="none", headers={"kid": kid})
    assert rejected(issuer, none) is Reason.TOKEN_BAD_SIGNATURE
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    assert rejected(issuer, jwt.encode(body, stranger, algorithm="RS256", headers={"kid": "nope"})) \
        is Reason.TOKEN_BAD_SIGNATURE


def test_tokens_survive_key_rotation(local: Local, login: TestClient, issuer: TokenIssuer) -> None:
    before = app_token(login, local)
    key = local.emulator.keys.rotate()
    after = app_token(login, local)
    assert header(after)["kid"] == key.kid != header(before)["kid"]
    issuer.verify(before, ARM)
    issuer.verify(after, ARM)


def test_check_resource_ignores_case_and_trailing_slash(issuer: TokenIssuer) -> None:
    issuer.check_resource("HTTPS://Management.Azure.com")
    issuer.check_resource("https://containerregistry.azure.net/")
