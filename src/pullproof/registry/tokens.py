"""ACR's token service: ``/oauth2/exchange`` (Entra token -> ACR refresh token) and
``/oauth2/token`` (refresh token, password or nothing -> ACR access token for scopes).

Every grant is an RBAC decision at the registry's scope, recorded in the trace.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pullproof.core.clock import Clock
from pullproof.core.errors import ServiceError
from pullproof.core.ids import IdFactory
from pullproof.core.jwt import TokenCodec, TokenRejected
from pullproof.core.reasons import Decision, Reason
from pullproof.core.trace import TraceSink
from pullproof.identity.grants import Grants
from pullproof.identity.models import ACR_AUDIENCE, ARM_AUDIENCES
from pullproof.identity.tokens import TokenIssuer
from pullproof.rbac.service import RbacService
from pullproof.registry import errors
from pullproof.registry.models import NULL_GUID, RegistryInfo
from pullproof.registry.scope import CATALOG_DATA, CATALOG_LEGACY, DATA_ACTIONS, LEGACY_ACTIONS, Scope

ISSUER = "Azure Container Registry"
REFRESH_SECONDS = 3 * 3600
ACCESS_SECONDS = 4500
REPOSITORY_VERBS = ("pull", "push", "delete", "metadata_read", "metadata_write", "*")


@dataclass(frozen=True)
class Principal:
    kind: Literal["aad", "admin", "anonymous"]
    object_id: str | None
    subject: str


class TokenService:
    def __init__(self, codec: TokenCodec, issuer: TokenIssuer, grants: Grants, rbac: RbacService, clock: Clock,
                 ids: IdFactory, trace: TraceSink, admin_ok: Any) -> None:
        self.codec = codec
        self.issuer = issuer
        self.grants = grants
        self.rbac = rbac
        self.clock = clock
        self.ids = ids
        self.trace = trace
        self.admin_ok = admin_ok

    def _unauthorized(self, registry: RegistryInfo, reason: Reason, evidence: dict[str, Any],
                      principal: str | None = None) -> ServiceError:
        self.trace.record("registry", Decision(False, reason, {"registry": registry.login_server, **evidence}),
                          principal, "token", registry.resource_id)
        return ServiceError(errors.UNAUTHORIZED)

    # signing ------------------------------------------------------------------------------------
    def _sign(self, registry: RegistryInfo, claims: dict[str, Any], lifetime: int) -> str:
        """Sign with a payload whose base64url has no '-' or '_' (the Python SDK decodes it as plain base64)."""
        now = int(self.clock.now())
        while True:
            body = {"jti": self.ids.guid(), **claims, "nbf": now, "exp": now + lifetime, "iat": now,
                    "iss": ISSUER, "aud": registry.login_server, "version": "1.0"}
            token = self.codec.sign(body, x5t=False)
            payload = token.split(".")[1]
            if "-" not in payload and "_" not in payload:
                return token

    def verify(self, registry: RegistryInfo, token: str, grant_type: str) -> dict[str, Any]:
        claims = self.codec.verify(token, self.clock.now(), [registry.login_server], [ISSUER])
        if claims.get("grant_type") != grant_type:
            raise TokenRejected(Reason.REGISTRY_TOKEN_INVALID,
                                f"an ACR {claims.get('grant_type')} where an ACR {grant_type} is required", claims)
        return claims

    # /oauth2/exchange ------------------------------------------------------------------------------
    def exchange(self, registry: RegistryInfo, form: dict[str, str]) -> str:
        grant = form.get("grant_type", "")
        if grant not in {"access_token", "access_token_refresh_token", "refresh_token"}:
            raise ServiceError(errors.TOKEN_BAD_REQUEST, detail=f"unsupported grant_type '{grant}'")
        aad_token = form.get("access_token") or (form.get("refresh_token") if grant == "refresh_token" else "")
        if not aad_token:
            raise ServiceError(errors.TOKEN_BAD_REQUEST, detail="access_token is required")
        audiences = [ACR_AUDIENCE, ACR_AUDIENCE + "/"] + (list(ARM_AUDIENCES) if registry.arm_audience else [])
        correlation = self.ids.guid()
        try:
            caller = self.issuer.verify(aad_token, audiences)
        except TokenRejected as exc:
            reason = Reason.EXCHANGE_AUDIENCE_REJECTED if exc.reason is Reason.TOKEN_WRONG_AUDIENCE else exc.reason
            self.trace.record("registry", Decision(False, reason, {"registry": registry.login_server,
                                                                   "detail": exc.detail}),
                              exc.claims.get("oid"), "exchange", registry.resource_id)
            raise ServiceError(errors.EXCHANGE_DENIED, correlation=correlation) from None
        decision = self.any_permission(registry, caller.object_id)
        if not decision.allowed:
            raise ServiceError(errors.EXCHANGE_DENIED, correlation=correlation)
        claims = {"sub": caller.display if caller.kind == "user" else caller.object_id, "oid": caller.object_id,
                  "grant_type": "refresh_token", "tenant": caller.tenant_id,
                  "permissions": {"actions": ["*"], "notActions": []}, "roles": []}
        return self._sign(registry, claims, REFRESH_SECONDS)

    def any_permission(self, registry: RegistryInfo, object_id: str) -> Decision:
        """Whether the principal may use the registry's data plane at all (the exchange's check). The
        exchange names no repository, so a role whose condition limits it to some repositories counts;
        the condition limits what ``/oauth2/token`` grants later."""
        first: Decision | None = None
        for verb in ("pull", "push", "delete"):
            decision = self.decide(registry, object_id, verb, None, any_repository=True)
            if decision.allowed:
                return decision
            first = first or decision
        assert first is not None
        self.trace.record("registry", Decision(False, Reason.NO_REGISTRY_PERMISSION, first.to_dict()), object_id,
                          "exchange", registry.resource_id)
        return first

    # RBAC ---------------------------------------------------------------------------------------------
    def decide(self, registry: RegistryInfo, object_id: str, verb: str, repository: str | None,
               any_repository: bool = False) -> Decision:
        """One registry verb for one principal: data actions (ABAC mode, or repository roles), then legacy
        actions. ``repository`` is the one the verb is for; with ``any_repository`` the question is
        whether some repository would do (a condition on the repository name is then satisfiable)."""
        scope = registry.resource_id
        attributes = {"repository": repository} if repository else None
        data = DATA_ACTIONS.get(verb, CATALOG_DATA)[0] if verb != "catalog" else CATALOG_DATA[0]
        legacy = LEGACY_ACTIONS.get(verb, CATALOG_LEGACY)[0] if verb != "catalog" else CATALOG_LEGACY[0]
        by_data = self.rbac.check(object_id, data, scope, data_action=True, surface="registry", attributes=attributes,
                                  any_resource=any_repository)
        if by_data.allowed or not registry.abac:
            if by_data.allowed:
                return by_data
            return self.rbac.check(object_id, legacy, scope, surface="registry")
        ignored = self.rbac.evaluate_only(object_id, legacy, scope)
        if ignored.allowed:
            decision = Decision(False, Reason.LEGACY_ROLE_IGNORED,
                                {**by_data.evidence, "mode": "AbacRepositoryPermissions",
                                 "ignored_role": ignored.evidence.get("role")})
            self.trace.record("registry", decision, object_id, data, scope)
            return decision
        return by_data

    def grant(self, registry: RegistryInfo, principal: Principal, scopes: list[Scope]) -> list[dict[str, Any]]:
        access = []
        for scope in scopes:
            actions = [a for a in scope.actions if self._allows(registry, principal, scope, a)]
            access.append({"type": scope.type, "name": scope.name, "actions": actions})
        return access

    def _allows(self, registry: RegistryInfo, principal: Principal, scope: Scope, verb: str) -> bool:
        if principal.kind == "admin":
            return scope.type in {"repository", "registry"}
        if principal.kind == "anonymous":
            ok = registry.anonymous_pull and scope.type == "repository" and verb == "pull"
            reason = Reason.ANONYMOUS_PULL_ALLOWED if ok else Reason.ANONYMOUS_PULL_DISABLED
            self.trace.record("registry", Decision(ok, reason, {"registry": registry.login_server,
                                                                "scope": scope.render()}),
                              None, verb, registry.resource_id)
            return ok
        assert principal.object_id is not None
        if scope.type == "registry" and scope.name == "catalog":
            return self.decide(registry, principal.object_id, "catalog", None).allowed
        if scope.type != "repository" or verb not in REPOSITORY_VERBS:
            return False
        # '*' is every verb at once: granted only when pull, push and delete each are
        verbs = ("pull", "push", "delete") if verb == "*" else (verb,)
        return all(self.decide(registry, principal.object_id, v, scope.name).allowed for v in verbs)

    # principals -----------------------------------------------------------------------------------------
    def principal_from_basic(self, registry: RegistryInfo, username: str, password: str) -> Principal:
        """Basic credentials: the null GUID with an ACR token, the admin user, or a service principal."""
        if username == NULL_GUID:
            # only a refresh token from /oauth2/exchange: an access token is a bearer credential for the
            # scopes it lists, never one that buys tokens for other scopes (or a fresh expiry)
            try:
                claims = self.verify(registry, password, "refresh_token")
            except TokenRejected as exc:
                raise self._unauthorized(registry, Reason.REGISTRY_TOKEN_INVALID,
                                         {"username": username, "detail": exc.detail}) from None
            return Principal("aad", str(claims.get("oid")), str(claims.get("sub")))
        if username.lower() == registry.name.lower():
            if not registry.admin_enabled:
                raise self._unauthorized(registry, Reason.ADMIN_USER_DISABLED, {"username": username})
            if not self.admin_ok(registry, password):
                raise self._unauthorized(registry, Reason.ADMIN_PASSWORD_INVALID, {"username": username})
            return Principal("admin", None, registry.name)
        sp = self.grants.directory.store.sp(app_id=username) if len(username) == 36 else None
        if sp is None or sp.kind != "Application":
            raise self._unauthorized(registry, Reason.CLIENT_UNKNOWN, {"username": username})
        try:
            self.grants.authenticate_secret(sp, password)
        except ServiceError:
            raise ServiceError(errors.UNAUTHORIZED) from None
        return Principal("aad", sp.object_id, sp.object_id)

    def principal_from_refresh(self, registry: RegistryInfo, token: str) -> Principal:
        try:
            claims = self.verify(registry, token, "refresh_token")
        except TokenRejected as exc:
            raise self._unauthorized(registry, Reason.REGISTRY_TOKEN_INVALID, {"detail": exc.detail}) from None
        return Principal("aad", str(claims.get("oid")), str(claims.get("sub")))

    # /oauth2/token -----------------------------------------------------------------------------------
    def access_token(self, registry: RegistryInfo, principal: Principal, scopes: list[Scope]) -> str:
        access = self.grant(registry, principal, scopes)
        if scopes and principal.kind == "aad" and not any(entry["actions"] for entry in access):
            assert principal.object_id is not None
            raise self._unauthorized(registry, Reason.SCOPE_NOT_GRANTED,
                                     {"scopes": [s.render() for s in scopes]}, principal.object_id)
        if scopes and principal.kind == "anonymous" and not any(entry["actions"] for entry in access):
            raise ServiceError(errors.UNAUTHORIZED)
        claims = {"sub": principal.subject, "access": access, "roles": [], "grant_type": "access_token"}
        if principal.object_id:
            claims["oid"] = principal.object_id
        return self._sign(registry, claims, ACCESS_SECONDS)

    def token_post(self, registry: RegistryInfo, form: dict[str, str], scopes: list[Scope]) -> str:
        grant = form.get("grant_type", "")
        if grant == "refresh_token":
            if not form.get("refresh_token"):
                raise ServiceError(errors.TOKEN_BAD_REQUEST, detail="refresh_token is required")
            return self.access_token(registry, self.principal_from_refresh(registry, form["refresh_token"]), scopes)
        if grant == "password":
            if not scopes:
                raise ServiceError(errors.TOKEN_BAD_REQUEST, detail="scope is required for the password grant")
            username, password = form.get("username", ""), form.get("password", "")
            if not username and not password:
                return self.access_token(registry, Principal("anonymous", None, ""), scopes)
            return self.access_token(registry, self.principal_from_basic(registry, username, password), scopes)
        raise ServiceError(errors.TOKEN_BAD_REQUEST, detail=f"unsupported grant_type '{grant}'")

    def token_get(self, registry: RegistryInfo, basic: tuple[str, str] | None, scopes: list[Scope]) -> str:
        if basic is None:
            principal = Principal("anonymous", None, "")
            if not registry.anonymous_pull:
                raise self._unauthorized(registry, Reason.ANONYMOUS_PULL_DISABLED,
                                         {"scopes": [s.render() for s in scopes]})
        else:
            principal = self.principal_from_basic(registry, *basic)
        return self.access_token(registry, principal, scopes)
