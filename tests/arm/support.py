"""Helpers for the ARM suite: principals with tokens, role assignments, URLs and exact error bodies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pullproof.rbac.service import NewAssignment
from tests.conftest import Local

RG_API = "api-version=2024-11-01"
SUB_API = "api-version=2022-12-01"
AUTHZ_API = "api-version=2022-04-01"
DEFS_API = "api-version=2022-05-01-preview"
MSI_API = "api-version=2024-11-30"
MSI = "Microsoft.ManagedIdentity/userAssignedIdentities"

ACR_PULL = "7f951dda-4ed3-4680-a7ca-43fe172d538d"
READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c"
OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"


@dataclass(frozen=True)
class Principal:
    """A service principal of the emulated tenant with a client secret."""

    client_id: str
    secret: str
    object_id: str


def new_principal(local: Local, name: str) -> Principal:
    directory = local.emulator.directory
    app = directory.create_application(name)
    sp = directory.create_service_principal(app)
    return Principal(app.app_id, directory.add_password(app.app_id).secret_text, sp.object_id)


def token_for(local: Local, principal: Principal, resource: str = "https://management.azure.com") -> str:
    """A client-credentials token from the emulated token endpoint (v2, ``<resource>/.default``)."""
    tenant = local.emulator.operator.tenant_id
    with local.client("login.microsoftonline.com") as login:
        response = login.post(f"/{tenant}/oauth2/v2.0/token", data={
            "grant_type": "client_credentials", "client_id": principal.client_id,
            "client_secret": principal.secret, "scope": f"{resource}/.default"})
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def operator_headers(local: Local) -> dict[str, str]:
    return bearer(local.token())


def sub_of(local: Local) -> str:
    return local.emulator.operator.subscription_id


def role_id(sub: str, guid: str) -> str:
    return f"/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/{guid}"


def grant(local: Local, principal_id: str, role_guid: str, scope: str) -> str:
    """Assign a role directly through the RBAC service (setup, not under test); returns the name."""
    name = local.emulator.ids.guid()
    new = NewAssignment(scope, name, role_id(sub_of(local), role_guid), principal_id, "ServicePrincipal")
    local.emulator.rbac.create(new, None)
    return name


def error(code: str, message: str) -> dict[str, Any]:
    """ARM's error envelope."""
    return {"error": {"code": code, "message": message}}


def denied(principal: Principal, action: str, scope: str) -> dict[str, Any]:
    """The exact 403 body ARM sends an app principal that lacks ``action`` at ``scope``."""
    return error("AuthorizationFailed",
                 f"The client '{principal.client_id}' with object id '{principal.object_id}' does not have "
                 f"authorization to perform action '{action}' over scope '{scope}' or the scope is invalid. "
                 "If access was recently granted, please refresh your credentials.")
