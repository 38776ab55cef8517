"""OIDC discovery (v2 and v1), JWKS, instance discovery and user realm, as MSAL reads them."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import jwt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from starlette.testclient import TestClient

from pullproof.identity.models import AZ_CLI_CLIENT_ID
from tests.conftest import Local
from tests.identity.conftest import app_token, claims, make_identity, password_grant

LOGIN = "https://login.microsoftonline.com"


@pytest.fixture
def direct(local: Local) -> Iterator[TestClient]:
    """The direct listener, as a custom cloud names it: ``https://127.0.0.1:8443``."""
    with local.client("127.0.0.1:8443") as client:
        yield client


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


@pytest.mark.parametrize("tenant", ["{tid}", "pullproof.onmicrosoft.com", "common", "organizations"])
def test_openid_v2_document(login: TestClient, tid: str, tenant: str) -> None:
    response = login.get(f"/{tenant.format(tid=tid)}/v2.0/.well-known/openid-configuration")
    assert response.status_code == 200
    doc = response.json()
    assert doc["issuer"] == f"{LOGIN}/{tid}/v2.0"
    assert doc["token_endpoint"] == f"{LOGIN}/{tid}/oauth2/v2.0/token"
    assert doc["authorization_endpoint"] == f"{LOGIN}/{tid}/oauth2/v2.0/authorize"
    assert doc["device_authorization_endpoint"] == f"{LOGIN}/{tid}/oauth2/v2.0/devicecode"
    assert doc["jwks_uri"] == f"{LOGIN}/{tid}/discovery/v2.0/keys"
    assert doc["token_endpoint_auth_methods_supported"] == ["client_secret_post", "private_key_jwt",
                                                           "client_secret_basic"]
    assert doc["subject_types_supported"] == ["pairwise"]
    assert doc["id_token_signing_alg_values_supported"] == ["RS256"]
    assert doc["request_uri_parameter_supported"] is False
    assert doc["cloud_instance_name"] == "microsoftonline.com"
    assert doc["msgraph_host"] == "graph.microsoft.com"


def test_openid_v1_document(login: TestClient, tid: str) -> None:
    doc = login.get(f"/{tid}/.well-known/openid-configuration").json()
    assert doc["issuer"] == f"https://sts.windows.net/{tid}/"
    assert doc["token_endpoint"] == f"{LOGIN}/{tid}/oauth2/token"
    assert doc["authorization_endpoint"] == f"{LOGIN}/{tid}/oauth2/authorize"
    assert doc["jwks_uri"] == f"{LOGIN}/common/discovery/keys"


def test_direct_listener_names_itself(direct: TestClient, tid: str) -> None:
    doc = direct.get(f"/{tid}/v2.0/.well-known/openid-configuration").json()
    assert doc["token_endpoint"] == f"https://127.0.0.1:8443/{tid}/oauth2/v2.0/token"
    assert doc["jwks_uri"] == f"https://127.0.0.1:8443/{tid}/discovery/v2.0/keys"
    assert doc["issuer"] == f"https://127.0.0.1:8443/{tid}/v2.0"


@pytest.mark.parametrize("path", ["/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration",
                                  "/contoso.onmicrosoft.com/.well-known/openid-configuration",
                                  "/contoso.onmicrosoft.com/discovery/v2.0/keys"])
def test_unknown_tenant_discovery_is_aadsts90002(login: TestClient, path: str) -> None:
    response = login.get(path)
    assert response.status_code == 400
    body = response.json()
    assert body["error_codes"] == [90002]
    assert body["error_description"].startswith("AADSTS90002: Tenant 'contoso.onmicrosoft.com' not found.")


def test_jwks_shape(local: Local, login: TestClient, tid: str) -> None:
    keys = login.get(f"/{tid}/discovery/v2.0/keys").json()["keys"]
    assert len(keys) == 1
    key = keys[0]
    assert set(key) == {"kty", "use", "kid", "x5t", "n", "e", "x5c", "issuer"}
    assert (key["kty"], key["use"], key["e"]) == ("RSA", "sig", "AQAB")
    assert key["issuer"] == f"https://sts.windows.net/{tid}/"
    der = base64.b64decode(key["x5c"][0])
    thumbprint = base64.urlsafe_b64encode(hashlib.sha1(der).digest()).rstrip(b"=").decode()
    assert key["x5t"] == thumbprint
    cert_key = x509.load_der_x509_certificate(der).public_key()
    jwk_key = jwt.PyJWK(key).key
    pem = serialization.PublicFormat.SubjectPublicKeyInfo
    assert cert_key.public_bytes(serialization.Encoding.PEM, pem) == jwk_key.public_bytes(
        serialization.Encoding.PEM, pem)


@pytest.mark.parametrize("path", ["/common/discovery/keys", "/discovery/keys", "/common/discovery/v2.0/keys",
                                  "/pullproof.onmicrosoft.com/discovery/keys"])
def test_every_keys_path_serves_the_same_set(login: TestClient, tid: str, path: str) -> None:
    assert login.get(path).json() == login.get(f"/{tid}/discovery/v2.0/keys").json()


def verify_with_published_keys(client: TestClient, tid: str, token: str, audience: str,
                               document: str = "v2.0/.well-known/openid-configuration") -> dict[str, Any]:
    """Follow discovery -> jwks_uri -> keys and verify ``token`` with PyJWT, as a resource server would."""
    jwks_uri = client.get(f"/{tid}/{document}").json()["jwks_uri"]
    keyset = jwt.PyJWKSet.from_dict(client.get(path_of(jwks_uri)).json())
    key = keyset[jwt.get_unverified_header(token)["kid"]]
    issuer = client.get(f"/{tid}/.well-known/openid-configuration").json()["issuer"]
    decoded: dict[str, Any] = jwt.decode(token, key.key, algorithms=["RS256"], audience=audience, issuer=issuer,
                                         options={"verify_exp": False, "verify_iat": False, "verify_nbf": False})
    return decoded


def test_app_token_verifies_against_the_published_keys(local: Local, login: TestClient, tid: str) -> None:
    token = app_token(login, local)
    decoded = verify_with_published_keys(login, tid, token, "https://management.core.windows.net/")
    assert decoded["oid"] == local.emulator.operator.object_id
    v1 = verify_with_published_keys(login, tid, token, "https://management.core.windows.net/",
                                    ".well-known/openid-configuration")
    assert v1 == decoded


def test_managed_identity_token_verifies(local: Local, login: TestClient, tid: str) -> None:
    identity = make_identity(local, "kubelet")
    token, _ = local.emulator.issuer.app_token(identity, "https://containerregistry.azure.net")
    decoded = verify_with_published_keys(login, tid, token, "https://containerregistry.azure.net")
    assert decoded["xms_mirid"].endswith("/userAssignedIdentities/kubelet")


def test_id_token_verifies_with_v2_issuer(local: Local, login: TestClient, tid: str) -> None:
    id_token = password_grant(login, local).json()["id_token"]
    assert "x5t" not in jwt.get_unverified_header(id_token)
    jwks_uri = login.get(f"/{tid}/v2.0/.well-known/openid-configuration").json()
    keyset = jwt.PyJWKSet.from_dict(login.get(path_of(jwks_uri["jwks_uri"])).json())
    decoded = jwt.decode(id_token, keyset[jwt.get_unverified_header(id_token)["kid"]].key, algorithms=["RS256"],
                         audience=AZ_CLI_CLIENT_ID, issuer=jwks_uri["issuer"],
                         options={"verify_exp": False, "verify_iat": False, "verify_nbf": False})
    assert decoded["tid"] == tid


def test_tokens_from_the_direct_listener_verify_too(local: Local, direct: TestClient, tid: str) -> None:
    token = app_token(direct, local, "https://127.0.0.1:8443/graph//.default")
    assert claims(token)["aud"] == "https://127.0.0.1:8443/graph/"
    verify_with_published_keys(direct, tid, token, "https://127.0.0.1:8443/graph/")


# --- instance discovery and user realm ------------------------------------------------------------------------------

def discover(client: TestClient, authorization_endpoint: str) -> Any:
    return client.get("/common/discovery/instance",
                      params={"api-version": "1.0", "authorization_endpoint": authorization_endpoint})


def test_instance_discovery_for_the_public_cloud(login: TestClient, tid: str) -> None:
    response = discover(login, f"{LOGIN}/{tid}/oauth2/v2.0/authorize")
    assert response.status_code == 200
    body = response.json()
    assert body["tenant_discovery_endpoint"] == f"{LOGIN}/{tid}/v2.0/.well-known/openid-configuration"
    assert body["api-version"] == "1.1"
    [metadata] = body["metadata"]
    assert metadata["preferred_network"] == "login.microsoftonline.com"
    assert {"login.microsoftonline.com", "login.windows.net", "login.microsoft.com",
            "sts.windows.net"} <= set(metadata["aliases"])


def test_instance_discovery_for_the_direct_listener(login: TestClient, tid: str) -> None:
    """MSAL asks login.microsoftonline.com about a custom authority; the emulator vouches for itself."""
    body = discover(login, f"https://127.0.0.1:8443/{tid}/oauth2/v2.0/authorize").json()
    assert body["tenant_discovery_endpoint"] == f"https://127.0.0.1:8443/{tid}/v2.0/.well-known/openid-configuration"
    assert body["metadata"][0]["aliases"] == ["127.0.0.1:8443"]


def test_instance_discovery_without_an_endpoint_describes_this_host(login: TestClient) -> None:
    body = login.get("/common/discovery/instance", params={"api-version": "1.1"}).json()
    assert body["tenant_discovery_endpoint"] == f"{LOGIN}/common/v2.0/.well-known/openid-configuration"
    assert body["metadata"][0]["preferred_network"] == "login.microsoftonline.com"


def test_instance_discovery_keeps_the_tenant_segment(login: TestClient) -> None:
    body = discover(login, f"{LOGIN}/organizations/oauth2/v2.0/authorize").json()
    assert body["tenant_discovery_endpoint"] == f"{LOGIN}/organizations/v2.0/.well-known/openid-configuration"


@pytest.mark.parametrize("endpoint", ["https://login.contoso.com/common/oauth2/v2.0/authorize",
                                      "http://login.microsoftonline.com/common/oauth2/v2.0/authorize",
                                      "https://login.microsoftonline.com/", "https://[::1/common/oauth2",
                                      "https://127.0.0.1:port/common/oauth2"])
def test_instance_discovery_rejects_unknown_instances(login: TestClient, endpoint: str) -> None:
    response = discover(login, endpoint)
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid_instance"
    assert body["error_codes"] == [50049]
    assert body["error_description"].startswith("AADSTS50049: Unknown or invalid instance.")


def test_user_realm_of_the_default_user(local: Local, login: TestClient) -> None:
    response = login.get(f"/common/userrealm/{local.emulator.operator.username}", params={"api-version": "1.0"})
    assert response.json() == {"ver": "1.0", "account_type": "Managed", "domain_name": "pullproof.onmicrosoft.com",
                               "cloud_instance_name": "microsoftonline.com",
                               "cloud_audience_urn": "urn:federation:MicrosoftOnline"}


def test_plain_http_never_reaches_the_token_endpoint(local: Local, tid: str) -> None:
    with TestClient(local.emulator.asgi(), base_url="http://login.microsoftonline.com") as plain:
        assert plain.get(f"/{tid}/v2.0/.well-known/openid-configuration").status_code == 404
