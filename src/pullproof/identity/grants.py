"""OAuth2 grants of the token endpoint and the managed-identity endpoints, each a Decision."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pullproof.core.errors import ErrorCode, ServiceError
from pullproof.core.hashing import digest_password, digest_secret, matches
from pullproof.core.reasons import Decision, Reason
from pullproof.core.trace import TraceSink
from pullproof.identity import errors
from pullproof.identity.models import ServicePrincipal, User
from pullproof.identity.service import DirectoryService, mirid_of
from pullproof.identity.tokens import REFRESH_TOKEN_SECONDS, TokenIssuer

PUBLIC_TENANTS = frozenset({"common", "organizations", "consumers"})


@dataclass(frozen=True)
class Issued:
    access_token: str
    expires_in: int
    resource: str
    principal: ServicePrincipal | User
    extra: dict[str, Any]


class Grants:
    """client_credentials, password and refresh_token grants; managed identity for nodes."""

    def __init__(self, directory: DirectoryService, issuer: TokenIssuer, trace: TraceSink) -> None:
        self.directory = directory
        self.issuer = issuer
        self.trace = trace

    def _deny(self, error: ErrorCode, reason: Reason, principal: str | None, **params: Any) -> None:
        self.trace.record("identity", Decision(False, reason, dict(params)), principal, "token")
        raise ServiceError(error, **params)

    def tenant_of(self, key: str) -> str:
        """The tenant id an authority's tenant segment names: the id, the domain, or a public alias."""
        tenant = self.directory.tenant
        if key.lower() in PUBLIC_TENANTS or key.lower() in {tenant.id, tenant.domain.lower()}:
            return tenant.id
        self._deny(errors.TENANT_NOT_FOUND, Reason.TENANT_UNKNOWN, None, tenant=key)
        raise AssertionError("unreachable")

    def _check_resource(self, resource: str, principal: str, error: ErrorCode = errors.RESOURCE_NOT_FOUND) -> None:
        try:
            self.issuer.check_resource(resource)
        except ServiceError:
            self._deny(error, Reason.RESOURCE_UNKNOWN, principal, resource=resource, tenant=self.directory.tenant.id)

    def client_credentials(self, client_id: str, secret: str | None, resource: str) -> Issued:
        tenant = self.directory.tenant.id
        sp = self.directory.store.sp(app_id=client_id) if client_id else None
        if sp is None or sp.kind != "Application":
            self._deny(errors.APP_NOT_FOUND, Reason.CLIENT_UNKNOWN, None, client_id=client_id, tenant=tenant)
        assert sp is not None
        if not secret:
            self._deny(errors.MISSING_SECRET, Reason.CLIENT_SECRET_INVALID, sp.object_id)
        self.authenticate_secret(sp, secret or "")
        self._check_resource(resource, sp.object_id)
        token, lifetime = self.issuer.app_token(sp, resource)
        evidence = {"client_id": sp.app_id, "resource": resource}
        self.trace.record("identity", Decision(True, Reason.CLIENT_AUTHENTICATED, evidence), sp.object_id, "token")
        return Issued(token, lifetime, resource, sp, {})

    def authenticate_secret(self, sp: ServicePrincipal, secret: str) -> None:
        """Check ``secret`` against the application's password credentials (hash compare, then expiry)."""
        now = self.directory.clock.now()
        for row in self.directory.store.password_rows(sp.app_id):
            if matches(digest_secret(secret, row["salt"]), row["digest"]):
                if now >= row["end"]:
                    self._deny(errors.SECRET_EXPIRED, Reason.CLIENT_SECRET_EXPIRED, sp.object_id,
                               client_id=sp.app_id, key_id=row["key_id"], end=row["end"])
                return
        self._deny(errors.INVALID_SECRET, Reason.CLIENT_SECRET_INVALID, sp.object_id, client_id=sp.app_id)

    def password(self, username: str, password: str, client_id: str, resource: str, authority: str) -> Issued:
        row = self.directory.store.user_row(upn=username)
        if row is None or not matches(digest_password(password, row["salt"]), row["digest"]):
            self._deny(errors.BAD_CREDENTIALS, Reason.USER_CREDENTIALS_INVALID, None, username=username)
        assert row is not None
        return self._for_user(self.directory.store.user_of(row), client_id, resource, authority)

    def refresh(self, refresh_token: str, client_id: str, resource: str, authority: str) -> Issued:
        store = self.directory.store
        row = store.refresh_token(digest_secret(refresh_token, "00"))
        now = self.directory.clock.now()
        if row is None or row["client_id"] != client_id or now >= row["expires"]:
            self._deny(errors.BAD_REFRESH_TOKEN, Reason.TOKEN_EXPIRED, None)
        assert row is not None
        user_row = store.user_row(object_id=row["subject"])
        if user_row is None:
            self._deny(errors.BAD_REFRESH_TOKEN, Reason.USER_CREDENTIALS_INVALID, row["subject"])
        assert user_row is not None
        return self._for_user(store.user_of(user_row), client_id, resource, authority)

    def _for_user(self, user: User, client_id: str, resource: str, authority: str) -> Issued:
        self._check_resource(resource, user.object_id)
        token, lifetime = self.issuer.user_token(user, client_id, resource)
        refresh = self.directory.ids.secret(64)
        self.directory.store.add_refresh_token(
            digest_secret(refresh, "00"), user.object_id, client_id,
            self.directory.clock.now() + REFRESH_TOKEN_SECONDS,
        )
        extra = {
            "refresh_token": refresh,
            "id_token": self.issuer.id_token(user, client_id, authority),
            "client_info": self.issuer.client_info(user),
        }
        return Issued(token, lifetime, resource, user, extra)

    # managed identity --------------------------------------------------------------------------------
    def managed_identity(
        self, node_name: str | None, node_secret: str | None, resource: str, selector: dict[str, str]
    ) -> Issued:
        """A token for one of the calling node's identities; a caller that is no node has none."""
        system, assigned = self._node(node_name, node_secret)
        sp = self._pick_identity(node_name, system, assigned, selector)
        self._check_resource(resource, sp.object_id, errors.IMDS_BAD_RESOURCE)
        token, lifetime = self.issuer.app_token(sp, resource)
        self.trace.record(
            "identity", Decision(True, Reason.MANAGED_IDENTITY_ISSUED, {"node": node_name, "resource": resource}),
            sp.object_id, "imds/token",
        )
        return Issued(token, lifetime, resource, sp, {"client_id": sp.app_id})

    def _node(self, name: str | None, secret: str | None) -> tuple[ServicePrincipal | None, list[ServicePrincipal]]:
        """The calling node's (system-assigned, user-assigned) managed identities that still exist."""
        row = self.directory.store.node_row(name) if name else None
        if row is None or not matches(digest_secret(secret or "", row["salt"]), row["digest"]):
            self.trace.record("identity", Decision(False, Reason.NODE_UNKNOWN, {"node": name}), None, "imds/token")
            raise ServiceError(errors.IMDS_NO_IDENTITY)
        node = self.directory.store.node_of(row)
        system = self.directory.store.sp(object_id=node.identities.system) if node.identities.system else None
        assigned = [self.directory.managed_identity(resource_id) for resource_id in node.identities.user_assigned]
        return (system if _managed(system) else None), [sp for sp in assigned if sp is not None and _managed(sp)]

    def _pick_identity(self, node: str | None, system: ServicePrincipal | None, assigned: list[ServicePrincipal],
                       selector: dict[str, str]) -> ServicePrincipal:
        """IMDS's rule: the named identity; else the system-assigned one; else the only user-assigned one."""
        identities = ([system] if system else []) + assigned
        if not identities:
            self._deny(errors.IMDS_NO_IDENTITY, Reason.NODE_HAS_NO_IDENTITY, None, node=node)
        if not selector:
            if system is not None:
                return system
            if len(assigned) == 1:
                return assigned[0]
            self._deny(errors.IMDS_AMBIGUOUS, Reason.NODE_IDENTITY_AMBIGUOUS, None, node=node,
                       identities=[sp.app_id for sp in assigned])
        for sp in identities:
            if _selected(sp, selector):
                return sp
        self._deny(errors.IMDS_NO_IDENTITY, Reason.NODE_IDENTITY_NOT_ASSIGNED, None, node=node, selector=selector)
        raise AssertionError("unreachable")


def _managed(sp: ServicePrincipal | None) -> bool:
    """Only managed identities live on machines (an application's principal never does)."""
    return sp is not None and sp.kind == "ManagedIdentity"


def _selected(sp: ServicePrincipal, selector: dict[str, str]) -> bool:
    """Every selector the request names (client_id, object_id, resource_id) matches ``sp``."""
    own = {"client_id": sp.app_id, "object_id": sp.object_id, "resource_id": sp.resource_id or ""}
    for key, value in selector.items():
        wanted = mirid_of(value) if key == "resource_id" else value
        if not own.get(key) or wanted.lower() != own[key].lower():
            return False
    return bool(selector)
