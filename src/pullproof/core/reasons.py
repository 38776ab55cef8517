"""Decisions as values: every allow/deny carries a stable reason code and its evidence."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Reason(StrEnum):
    """Stable reason codes. Documented in docs/reasons.md; never renamed."""

    ALLOWED_BY_ASSIGNMENT = "ALLOWED_BY_ASSIGNMENT"
    NO_ROLE_ASSIGNMENT = "NO_ROLE_ASSIGNMENT"
    ACTION_NOT_IN_ROLE = "ACTION_NOT_IN_ROLE"
    EXCLUDED_BY_NOT_ACTIONS = "EXCLUDED_BY_NOT_ACTIONS"
    ASSIGNMENT_NOT_PROPAGATED = "ASSIGNMENT_NOT_PROPAGATED"
    TOKEN_MALFORMED = "TOKEN_MALFORMED"
    TOKEN_BAD_SIGNATURE = "TOKEN_BAD_SIGNATURE"
    TOKEN_EXPIRED = "TOKEN_EXPIRED"
    TOKEN_NOT_YET_VALID = "TOKEN_NOT_YET_VALID"
    TOKEN_WRONG_AUDIENCE = "TOKEN_WRONG_AUDIENCE"
    TOKEN_WRONG_ISSUER = "TOKEN_WRONG_ISSUER"
    CLIENT_UNKNOWN = "CLIENT_UNKNOWN"
    CLIENT_SECRET_INVALID = "CLIENT_SECRET_INVALID"
    CLIENT_SECRET_EXPIRED = "CLIENT_SECRET_EXPIRED"
    CLIENT_AUTHENTICATED = "CLIENT_AUTHENTICATED"
    TENANT_UNKNOWN = "TENANT_UNKNOWN"
    RESOURCE_UNKNOWN = "RESOURCE_UNKNOWN"
    USER_CREDENTIALS_INVALID = "USER_CREDENTIALS_INVALID"
    NODE_UNKNOWN = "NODE_UNKNOWN"
    NODE_HAS_NO_IDENTITY = "NODE_HAS_NO_IDENTITY"
    NODE_IDENTITY_NOT_ASSIGNED = "NODE_IDENTITY_NOT_ASSIGNED"
    NODE_IDENTITY_AMBIGUOUS = "NODE_IDENTITY_AMBIGUOUS"
    MANAGED_IDENTITY_ISSUED = "MANAGED_IDENTITY_ISSUED"
    LEGACY_ROLE_IGNORED = "LEGACY_ROLE_IGNORED"
    ANONYMOUS_PULL_ALLOWED = "ANONYMOUS_PULL_ALLOWED"
    ANONYMOUS_PULL_DISABLED = "ANONYMOUS_PULL_DISABLED"
    ADMIN_USER_DISABLED = "ADMIN_USER_DISABLED"
    ADMIN_PASSWORD_INVALID = "ADMIN_PASSWORD_INVALID"
    EXCHANGE_AUDIENCE_REJECTED = "EXCHANGE_AUDIENCE_REJECTED"
    REGISTRY_TOKEN_INVALID = "REGISTRY_TOKEN_INVALID"
    SCOPE_NOT_GRANTED = "SCOPE_NOT_GRANTED"
    NO_REGISTRY_PERMISSION = "NO_REGISTRY_PERMISSION"


REASON_TEXT: dict[Reason, str] = {
    Reason.ALLOWED_BY_ASSIGNMENT: "a role assignment at this scope or above grants the action",
    Reason.NO_ROLE_ASSIGNMENT: "the principal has no role assignment at this scope or above",
    Reason.ACTION_NOT_IN_ROLE: "the principal's roles at this scope do not include the action",
    Reason.EXCLUDED_BY_NOT_ACTIONS: "a role includes the action but excludes it again in notActions",
    Reason.ASSIGNMENT_NOT_PROPAGATED: "a matching role assignment exists but has not propagated yet",
    Reason.TOKEN_MALFORMED: "the token is not a well-formed JWT",
    Reason.TOKEN_BAD_SIGNATURE: "the token signature does not verify against the tenant's keys",
    Reason.TOKEN_EXPIRED: "the token has expired",
    Reason.TOKEN_NOT_YET_VALID: "the token is not valid yet (nbf in the future)",
    Reason.TOKEN_WRONG_AUDIENCE: "the token was issued for another audience",
    Reason.TOKEN_WRONG_ISSUER: "the token was issued by another tenant or authority",
    Reason.CLIENT_UNKNOWN: "no application with this client id exists in the tenant",
    Reason.CLIENT_SECRET_INVALID: "the client secret does not match any of the application's secrets",
    Reason.CLIENT_SECRET_EXPIRED: "the client secret matched but has expired",
    Reason.CLIENT_AUTHENTICATED: "the client authenticated with a valid secret",
    Reason.TENANT_UNKNOWN: "the tenant in the authority URL does not exist",
    Reason.RESOURCE_UNKNOWN: "the requested resource (audience) is not known to the tenant",
    Reason.USER_CREDENTIALS_INVALID: "the user name or password is wrong",
    Reason.NODE_UNKNOWN: "the caller is not a known node",
    Reason.NODE_HAS_NO_IDENTITY: "the node has no managed identity assigned",
    Reason.NODE_IDENTITY_NOT_ASSIGNED: "the requested identity is not assigned to this node",
    Reason.NODE_IDENTITY_AMBIGUOUS: "the node has several identities and the request names none",
    Reason.MANAGED_IDENTITY_ISSUED: "a managed identity token was issued to the node",
    Reason.LEGACY_ROLE_IGNORED: "the registry uses repository permissions (ABAC): AcrPull/AcrPush/AcrDelete and "
                                "Owner/Contributor/Reader grant nothing on its data plane",
    Reason.ANONYMOUS_PULL_ALLOWED: "anonymous pull is enabled on the registry",
    Reason.ANONYMOUS_PULL_DISABLED: "no credentials were presented and anonymous pull is disabled",
    Reason.ADMIN_USER_DISABLED: "the registry's name was used as user name but the admin user is disabled",
    Reason.ADMIN_PASSWORD_INVALID: "the admin user's password is wrong",
    Reason.EXCHANGE_AUDIENCE_REJECTED: "the Entra token's audience is not accepted by the registry",
    Reason.REGISTRY_TOKEN_INVALID: "the registry refresh or access token is invalid, expired or for another registry",
    Reason.SCOPE_NOT_GRANTED: "the registry access token does not include the action the request needs",
    Reason.NO_REGISTRY_PERMISSION: "the principal has no permission at all on the registry",
}


@dataclass(frozen=True)
class Decision:
    """The outcome of a check: allowed or not, why (a stable code), and the facts it rests on."""

    allowed: bool
    reason: Reason
    evidence: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"allowed": self.allowed, "reason": self.reason.value, "evidence": self.evidence}
