"""ARM's bearer-token authentication: every way a token can be wrong gets ARM's own 401."""

from __future__ import annotations

import base64
import json
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from starlette.testclient import TestClient

from tests.arm.support import SUB_API, error
from tests.conftest import Local

AUDIENCES = ("'https://management.core.windows.net/','https://management.core.windows.net',"
             "'https://management.azure.com/','https://management.azure.com'")


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def claims_of(token: str) -> dict[str, Any]:
    decoded: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return decoded


def call(arm: TestClient, authorization: str | None) -> Any:
    headers = {"Authorization": authorization} if authorization is not None else {}
    return arm.get(f"/subscriptions?{SUB_API}", headers=headers)


def assert_401(response: Any, code: str, message: str) -> None:
    assert response.status_code == 401
    assert response.json() == error(code, message)
    assert response.headers["WWW-Authenticate"] == (
        'Bearer authorization_uri="https://login.microsoftonline.com/common", error="invalid_token", '
        f'error_description="{message}"')


def test_valid_token_is_accepted(local: Local, arm: TestClient) -> None:
    assert call(arm, f"Bearer {local.token()}").status_code == 200


def test_missing_or_malformed_header(arm: TestClient) -> None:
    assert_401(call(arm, None), "AuthenticationFailed",
               "Authentication failed. The 'Authorization' header is missing.")
    for header in ("Basic dXNlcjpwYXNz", "Bearer ", "token-without-scheme"):
        assert_401(call(arm, header), "AuthenticationFailed",
                   "Authentication failed. The 'Authorization' header is provided in an invalid format.")


def tampered_signature(token: str) -> str:
    head, payload, signature = token.split(".")
    raw = bytearray(base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)))
    raw[len(raw) // 2] ^= 0x01
    return f"{head}.{payload}.{b64(bytes(raw))}"


def tampered_claims(token: str) -> str:
    head, _, signature = token.split(".")
    claims = claims_of(token) | {"oid": "00000000-0000-4000-8000-000000000001"}
    return f"{head}.{b64(json.dumps(claims).encode())}.{signature}"


def unsigned(token: str) -> str:
    header = {"typ": "JWT", "alg": "none", "kid": jwt.get_unverified_header(token)["kid"]}
    return f"{b64(json.dumps(header).encode())}.{token.split('.')[1]}."


def foreign_key(token: str, same_kid: bool) -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    kid = jwt.get_unverified_header(token)["kid"] if same_kid else "someone-elses-key"
    return jwt.encode(claims_of(token), key, algorithm="RS256", headers={"kid": kid})


@pytest.mark.parametrize("forge", [
    tampered_signature, tampered_claims, unsigned,
    lambda t: foreign_key(t, same_kid=True), lambda t: foreign_key(t, same_kid=False),
    lambda t: "not.a.jwt", lambda t: t.replace(".", "", 1),
], ids=["signature", "claims", "alg-none", "foreign-key-same-kid", "foreign-key", "garbage", "two-parts"])
def test_forged_tokens_are_invalid(local: Local, arm: TestClient, forge: Any) -> None:
    assert_401(call(arm, f"Bearer {forge(local.token())}"), "InvalidAuthenticationToken",
               "The access token is invalid.")


@pytest.mark.parametrize("resource", ["https://graph.microsoft.com", "https://containerregistry.azure.net"])
def test_token_for_another_audience(local: Local, arm: TestClient, resource: str) -> None:
    assert_401(call(arm, f"Bearer {local.token(resource)}"), "InvalidAuthenticationTokenAudience",
               f"The access token has been obtained for wrong audience or resource '{resource}'. It should exactly "
               f"match with one of the allowed audiences {AUDIENCES}.")


def test_token_from_another_issuer(local: Local, arm: TestClient) -> None:
    """Signed with the tenant's own key, but naming another tenant as issuer."""
    foreign = "https://sts.windows.net/72f988bf-86f1-41af-91ab-2d7cd011db47/"
    token = local.emulator.issuer.codec.sign(claims_of(local.token()) | {"iss": foreign})
    tenant = local.emulator.operator.tenant_id
    assert_401(call(arm, f"Bearer {token}"), "InvalidAuthenticationTokenTenant",
               f"The access token is from the wrong issuer '{foreign}'. It must match the tenant "
               f"'https://sts.windows.net/{tenant}/' associated with this subscription. Please use the authority "
               f"(URL) 'https://login.windows.net/{tenant}' to get the token. Note, if the subscription is "
               "transferred to another tenant there is no impact to the services, but information about new "
               "tenant could take time to propagate (up to an hour). If you just transferred your subscription "
               "and see this error message, please try back later.")


def test_expired_token(local: Local, arm: TestClient) -> None:
    token = local.token()  # issued at 2027-01-15 08:00:00 UTC, valid 3599 s, ARM allows 5 min of skew
    local.clock.advance(3599 + 300)
    assert call(arm, f"Bearer {token}").status_code == 200
    local.clock.advance(1)
    assert_401(call(arm, f"Bearer {token}"), "ExpiredAuthenticationToken",
               "The access token expiry UTC time '1/15/2027 8:59:59 AM' is earlier than current UTC time "
               "'1/15/2027 9:05:00 AM'.")


def test_token_not_valid_yet(local: Local, arm: TestClient) -> None:
    claims = claims_of(local.token())
    token = local.emulator.issuer.codec.sign(claims | {"nbf": claims["nbf"] + 600, "exp": claims["exp"] + 600})
    assert_401(call(arm, f"Bearer {token}"), "InvalidAuthenticationToken", "The access token is invalid.")
