"""The real Azure SDK for Python against a served emulator, over real sockets.

Through the proxy the SDK keeps Azure's own host names (``login.microsoftonline.com``,
``management.azure.com``, IMDS at ``169.254.169.254``); directly it talks to the custom cloud at
``https://127.0.0.1:PORT``. Nothing here leaves 127.0.0.1.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import jwt
import msal
import pytest
import requests
from azure.core.exceptions import ClientAuthenticationError
from azure.identity import ClientSecretCredential, CredentialUnavailableError, ManagedIdentityCredential
from azure.mgmt.authorization import AuthorizationManagementClient
from azure.mgmt.authorization.v2022_04_01.models import RoleAssignmentCreateParameters
from azure.mgmt.msi import ManagedServiceIdentityClient
from azure.mgmt.msi.models import Identity
from azure.mgmt.resource.resources import ResourceManagementClient

from tests.conftest import Served

pytestmark = pytest.mark.realclient

ARM_SCOPE = "https://management.azure.com/.default"
ACR_SCOPE = "https://containerregistry.azure.net/.default"
ACR_PULL = "7f951dda-4ed3-4680-a7ca-43fe172d538d"
AZ_CLI_CLIENT_ID = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"
GROUP = "rg-sdk-identity"
# Anything in the test runner's environment that would steer azure-identity or requests elsewhere.
STEERING = (
    "HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "NO_PROXY", "https_proxy", "http_proxy", "all_proxy", "no_proxy",
    "IDENTITY_ENDPOINT", "IDENTITY_HEADER", "IDENTITY_SERVER_THUMBPRINT", "IMDS_ENDPOINT", "MSI_ENDPOINT",
    "MSI_SECRET", "AZURE_POD_IDENTITY_AUTHORITY_HOST", "AZURE_FEDERATED_TOKEN_FILE", "AZURE_CLIENT_ID",
    "AZURE_TENANT_ID", "AZURE_CLIENT_SECRET", "AZURE_AUTHORITY_HOST", "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE",
    "CURL_CA_BUNDLE",
)


def apply(monkeypatch: pytest.MonkeyPatch, values: dict[str, str], proxy: bool = True) -> None:
    """Make the process environment what ``pullproof env`` printed (without the proxy if asked)."""
    for name in STEERING:
        monkeypatch.delenv(name, raising=False)
    for name, value in values.items():
        if proxy or not name.lower().endswith("_proxy"):
            monkeypatch.setenv(name, value)


def claims(token: str) -> dict[str, Any]:
    decoded: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return decoded


@dataclass(frozen=True)
class Made:
    """A user-assigned identity created through ARM with the SDK."""

    id: str
    client_id: str
    principal_id: str


@dataclass(frozen=True)
class World:
    env: dict[str, str]
    id1: Made
    id2: Made

    @property
    def subscription(self) -> str:
        return self.env["PULLPROOF_SUBSCRIPTION_ID"]

    @property
    def group_id(self) -> str:
        return f"/subscriptions/{self.subscription}/resourceGroups/{GROUP}"

    def operator(self, **kwargs: Any) -> ClientSecretCredential:
        return ClientSecretCredential(self.env["PULLPROOF_TENANT_ID"], self.env["PULLPROOF_CLIENT_ID"],
                                      self.env["PULLPROOF_CLIENT_SECRET"], **kwargs)


@pytest.fixture(scope="module")
def world(served: Served) -> Iterator[World]:
    """A resource group with two user-assigned identities, made with azure-mgmt-* through the proxy."""
    env = served.env()
    with pytest.MonkeyPatch.context() as monkeypatch:
        apply(monkeypatch, env)
        sub = env["PULLPROOF_SUBSCRIPTION_ID"]
        with ClientSecretCredential(env["PULLPROOF_TENANT_ID"], env["PULLPROOF_CLIENT_ID"],
                                    env["PULLPROOF_CLIENT_SECRET"]) as credential, \
                ResourceManagementClient(credential, sub) as resources, \
                ManagedServiceIdentityClient(credential, sub) as msi:
            resources.resource_groups.create_or_update(GROUP, {"location": "eastus"})
            made = [msi.user_assigned_identities.create_or_update(GROUP, name, Identity(location="eastus"))
                    for name in ("sdk-id1", "sdk-id2")]
    id1, id2 = (Made(m.id, m.client_id, m.principal_id) for m in made)
    yield World(env, id1, id2)


# --- ClientSecretCredential ----------------------------------------------------------------------------------------

def test_client_secret_credential_through_the_proxy(monkeypatch: pytest.MonkeyPatch, world: World) -> None:
    apply(monkeypatch, world.env)
    with world.operator() as credential:
        token = credential.get_token(ARM_SCOPE)
    body = claims(token.token)
    tenant = world.env["PULLPROOF_TENANT_ID"]
    assert (body["aud"], body["appid"], body["tid"]) == ("https://management.azure.com", world.env[
        "PULLPROOF_CLIENT_ID"], tenant)
    assert body["iss"] == f"https://sts.windows.net/{tenant}/"
    assert 3500 < token.expires_on - time.time() < 3700
    # The signature verifies against the keys published where discovery says they are.
    with requests.Session() as session:
        document = session.get(f"https://login.microsoftonline.com/{tenant}/v2.0/.well-known/openid-configuration",
                               timeout=10).json()
        keys = jwt.PyJWKSet.from_dict(session.get(document["jwks_uri"], timeout=10).json())
    jwt.decode(token.token, keys[jwt.get_unverified_header(token.token)["kid"]].key, algorithms=["RS256"],
               audience="https://management.azure.com", issuer=f"https://sts.windows.net/{tenant}/")


def test_client_secret_credential_wrong_secret(monkeypatch: pytest.MonkeyPatch, world: World) -> None:
    apply(monkeypatch, world.env)
    with ClientSecretCredential(world.env["PULLPROOF_TENANT_ID"], world.env["PULLPROOF_CLIENT_ID"],
                                "not-the-secret") as credential, \
            pytest.raises(ClientAuthenticationError, match="AADSTS7000215"):
        credential.get_token(ARM_SCOPE)


def test_client_secret_credential_against_the_custom_cloud(monkeypatch: pytest.MonkeyPatch, world: World) -> None:
    """No proxy: the authority is the direct listener, instance discovery off (as az's recipe A)."""
    apply(monkeypatch, world.env, proxy=False)
    authority = urlsplit(world.env["PULLPROOF_DIRECT_URL"]).netloc
    with world.operator(authority=authority, disable_instance_discovery=True) as credential:
        body = claims(credential.get_token("https://management.core.windows.net//.default").token)
        graph = claims(credential.get_token(world.env["PULLPROOF_DIRECT_URL"] + "/graph//.default").token)
    assert body["aud"] == "https://management.core.windows.net/"
    assert graph["aud"] == world.env["PULLPROOF_DIRECT_URL"] + "/graph/"


def test_instance_discovery_vouches_for_the_custom_cloud(monkeypatch: pytest.MonkeyPatch, world: World) -> None:
    """With discovery on, MSAL asks login.microsoftonline.com (the proxy) about the direct listener."""
    apply(monkeypatch, world.env)
    with world.operator(authority=world.env["PULLPROOF_DIRECT_URL"]) as credential:
        assert claims(credential.get_token(ACR_SCOPE).token)["aud"] == "https://containerregistry.azure.net"


def test_user_sign_in_with_msal_and_its_cache(monkeypatch: pytest.MonkeyPatch, world: World) -> None:
    """az login -u/-p: ROPC with the CLI's client id; then MSAL serves the same scope from its cache
    and another resource from the refresh token."""
    apply(monkeypatch, world.env)
    scopes = ["https://management.core.windows.net//.default"]
    with requests.Session() as session:
        app = msal.PublicClientApplication(
            AZ_CLI_CLIENT_ID, authority=f"https://login.microsoftonline.com/{world.env['PULLPROOF_TENANT_ID']}",
            http_client=session)
        first = app.acquire_token_by_username_password(world.env["PULLPROOF_USERNAME"],
                                                       world.env["PULLPROOF_PASSWORD"], scopes=scopes)
        assert "access_token" in first, first
        [account] = app.get_accounts()
        cached = app.acquire_token_silent(scopes, account=account)
        graph = app.acquire_token_silent(["https://graph.microsoft.com/.default"], account=account)
    assert first["id_token_claims"]["preferred_username"] == world.env["PULLPROOF_USERNAME"]
    assert account["username"] == world.env["PULLPROOF_USERNAME"]
    assert cached is not None and cached["token_source"] == "cache"
    assert graph is not None and graph["token_source"] == "identity_provider"
    assert claims(graph["access_token"])["aud"] == "https://graph.microsoft.com"


# --- ManagedIdentityCredential ----------------------------------------------------------------------------------------

def test_managed_identity_through_the_proxy(monkeypatch: pytest.MonkeyPatch, served: Served, world: World) -> None:
    apply(monkeypatch, served.env("--node", "sdk-vm1", "--identity", world.id1.id))
    with ManagedIdentityCredential() as credential:
        body = claims(credential.get_token(ACR_SCOPE).token)
    assert (body["appid"], body["oid"], body["aud"]) == (world.id1.client_id, world.id1.principal_id,
                                                         "https://containerregistry.azure.net")
    assert body["xms_mirid"] == world.id1.id.replace("/resourceGroups/", "/resourcegroups/")
    assert body["exp"] - body["iat"] == 86399


@pytest.mark.parametrize("how", ["client_id", "resource_id", "object_id"])
def test_managed_identity_selected_through_the_proxy(monkeypatch: pytest.MonkeyPatch, served: Served, world: World,
                                                     how: str) -> None:
    apply(monkeypatch, served.env("--node", "sdk-vm2", "--identity", world.id1.id, "--identity", world.id2.id))
    if how == "client_id":
        credential = ManagedIdentityCredential(client_id=world.id2.client_id)
    else:
        value = world.id2.id if how == "resource_id" else world.id2.principal_id
        credential = ManagedIdentityCredential(identity_config={how: value})
    with credential:
        assert claims(credential.get_token(ARM_SCOPE).token)["oid"] == world.id2.principal_id


def test_two_identities_without_a_selector(monkeypatch: pytest.MonkeyPatch, served: Served, world: World) -> None:
    apply(monkeypatch, served.env("--node", "sdk-vm2", "--identity", world.id1.id, "--identity", world.id2.id))
    with ManagedIdentityCredential() as credential, \
            pytest.raises(CredentialUnavailableError, match="Multiple user assigned identities exist"):
        credential.get_token(ARM_SCOPE)


def test_node_without_identity_fails_fast(monkeypatch: pytest.MonkeyPatch, served: Served, world: World) -> None:
    apply(monkeypatch, served.env("--node", "sdk-bare"))
    started = time.monotonic()
    with ManagedIdentityCredential() as credential, \
            pytest.raises((CredentialUnavailableError, ClientAuthenticationError), match="Identity not found"):
        credential.get_token(ARM_SCOPE)
    assert time.monotonic() - started < 5  # a 404 would be retried for about a minute


def test_identity_the_node_does_not_carry(monkeypatch: pytest.MonkeyPatch, served: Served, world: World) -> None:
    apply(monkeypatch, served.env("--node", "sdk-vm1", "--identity", world.id1.id))
    with ManagedIdentityCredential(client_id=world.id2.client_id) as credential, \
            pytest.raises((CredentialUnavailableError, ClientAuthenticationError), match="Identity not found"):
        credential.get_token(ARM_SCOPE)


def test_managed_identity_app_service_style(monkeypatch: pytest.MonkeyPatch, served: Served, world: World) -> None:
    values = served.env("--node", "sdk-app", "--identity", world.id1.id, "--identity", world.id2.id, "--app-service")
    assert values["IDENTITY_ENDPOINT"].endswith("/msi/token") and values["IDENTITY_HEADER"].startswith("sdk-app:")
    apply(monkeypatch, values)
    with ManagedIdentityCredential(client_id=world.id1.client_id) as credential:
        token = credential.get_token(ARM_SCOPE)
    assert claims(token.token)["appid"] == world.id1.client_id
    assert 86000 < token.expires_on - time.time() < 86500
    with ManagedIdentityCredential() as credential, \
            pytest.raises((CredentialUnavailableError, ClientAuthenticationError), match="Multiple user assigned"):
        credential.get_token(ARM_SCOPE)


# --- azure-mgmt-authorization with the operator ----------------------------------------------------------------------

def test_acrpull_role_definition_by_name(monkeypatch: pytest.MonkeyPatch, world: World) -> None:
    apply(monkeypatch, world.env)
    with world.operator() as credential, AuthorizationManagementClient(credential, world.subscription) as client:
        found = list(client.role_definitions.list(f"/subscriptions/{world.subscription}",
                                                  filter="roleName eq 'AcrPull'"))
    assert [(d.name, d.role_name, d.role_type) for d in found] == [(ACR_PULL, "AcrPull", "BuiltInRole")]
    assert found[0].id == f"/subscriptions/{world.subscription}/providers/Microsoft.Authorization/roleDefinitions/" \
        + ACR_PULL


def test_role_assignment_create_list_delete(monkeypatch: pytest.MonkeyPatch, world: World) -> None:
    apply(monkeypatch, world.env)
    role_id = f"/subscriptions/{world.subscription}/providers/Microsoft.Authorization/roleDefinitions/{ACR_PULL}"
    name = str(uuid.uuid4())
    with world.operator() as credential, AuthorizationManagementClient(credential, world.subscription) as client:
        created = client.role_assignments.create(world.group_id, name, RoleAssignmentCreateParameters(
            role_definition_id=role_id, principal_id=world.id1.principal_id, principal_type="ServicePrincipal"))
        listed = {a.name: a for a in client.role_assignments.list_for_scope(world.group_id, filter="atScope()")}
        client.role_assignments.delete(world.group_id, name)
        remaining = {a.name for a in client.role_assignments.list_for_scope(world.group_id, filter="atScope()")}
    assert (created.name, created.principal_id, created.role_definition_id) == (
        name, world.id1.principal_id, role_id)
    assert created.id == f"{world.group_id}/providers/Microsoft.Authorization/roleAssignments/{name}"
    assert listed[name].principal_id == world.id1.principal_id
    assert name not in remaining
