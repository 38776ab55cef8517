"""Directory objects of the emulated Entra ID tenant."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

PrincipalKind = Literal["Application", "ManagedIdentity"]

ARM_AUDIENCES = (
    "https://management.core.windows.net/",
    "https://management.core.windows.net",
    "https://management.azure.com/",
    "https://management.azure.com",
)
ACR_AUDIENCE = "https://containerregistry.azure.net"
GRAPH_AUDIENCE = "https://graph.microsoft.com"
AZ_CLI_CLIENT_ID = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"


@dataclass(frozen=True)
class Tenant:
    id: str
    domain: str
    display_name: str


@dataclass(frozen=True)
class PasswordCredential:
    key_id: str
    app_id: str
    display_name: str | None
    hint: str
    start: float
    end: float


@dataclass(frozen=True)
class Application:
    object_id: str
    app_id: str
    tenant_id: str
    display_name: str
    created: float
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ServicePrincipal:
    """An application's or a managed identity's principal: what RBAC ``principalId`` names."""

    object_id: str
    app_id: str
    tenant_id: str
    display_name: str
    kind: PrincipalKind
    resource_id: str | None
    names: tuple[str, ...]
    enabled: bool
    created: float


@dataclass(frozen=True)
class User:
    object_id: str
    upn: str
    tenant_id: str
    display_name: str


@dataclass(frozen=True)
class NodeIdentities:
    """The managed identities a machine (a VM, a node of an agent pool) carries."""

    system: str | None = None
    user_assigned: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"system": self.system, "user_assigned": list(self.user_assigned)}


@dataclass(frozen=True)
class Node:
    name: str
    identities: NodeIdentities


@dataclass(frozen=True)
class Caller:
    """A verified bearer token's principal, as the services that accept tokens see it."""

    object_id: str
    tenant_id: str
    app_id: str | None
    kind: Literal["app", "user"]
    display: str
    claims: dict[str, Any]
