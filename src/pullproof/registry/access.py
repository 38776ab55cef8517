"""Per-request authorization on the data plane: a Bearer ACR access token, Basic credentials
used directly, or nothing (anonymous pull). Failing requests get ACR's single Bearer challenge;
wrong Basic credentials get a single Basic challenge instead."""

from __future__ import annotations

import base64
import binascii

from pullproof.core.errors import ServiceError
from pullproof.core.jwt import TokenRejected
from pullproof.core.reasons import Decision, Reason
from pullproof.registry import errors
from pullproof.registry.models import RegistryInfo
from pullproof.registry.public_access import PublicAccess
from pullproof.registry.scope import Scope, bearer_challenge
from pullproof.registry.tokens import Principal, TokenService

BASIC_CHALLENGE = 'Basic realm="Azure Container Registry"'


def challenge(registry: RegistryInfo, scope: Scope | None, error: str | None = None) -> str:
    return bearer_challenge(f"https://{registry.login_server}/oauth2/token", registry.login_server, scope, error)


def parse_basic(header: str | None) -> tuple[str, str] | None:
    scheme, _, value = (header or "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, sep, password = base64.b64decode(value.strip(), validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return (user, password) if sep else None


class AccessController:
    def __init__(self, tokens: TokenService, public: PublicAccess | None = None) -> None:
        """``public``: how the public registries (no ARM resource, no ACR tokens) authorize."""
        self.tokens = tokens
        self.public = public

    @staticmethod
    def _detail(scope: Scope | None) -> list[dict[str, str]] | None:
        return None if scope is None else [{"Type": scope.type, "Name": scope.name, "Action": a}
                                           for a in scope.actions]

    def denied(self, registry: RegistryInfo, scope: Scope | None, error: str | None = None) -> ServiceError:
        return ServiceError(errors.UNAUTHORIZED, headers={"Www-Authenticate": challenge(registry, scope, error)},
                            detail_object=self._detail(scope))

    def authorize(self, registry: RegistryInfo, authorization: str | None, needed: Scope | None) -> Principal:
        """Return the principal if the request may do ``needed`` (``None``: the ``/v2/`` ping)."""
        if registry.public:
            if self.public is None:
                raise ServiceError(errors.NOT_FOUND, detail=f"registry '{registry.login_server}' not found")
            return self.public.authorize(registry, authorization, needed)
        scheme = (authorization or "").partition(" ")[0].lower()
        if scheme == "bearer":
            return self._bearer(registry, (authorization or "").partition(" ")[2].strip(), needed)
        basic = parse_basic(authorization)
        if basic is not None:
            try:
                principal = self.tokens.principal_from_basic(registry, *basic)
            except ServiceError:
                # ACR answers wrong Basic credentials with a Basic challenge, never a second header
                raise ServiceError(errors.UNAUTHORIZED, headers={"Www-Authenticate": BASIC_CHALLENGE},
                                   detail_object=self._detail(needed)) from None
            if needed is not None and not self._covered(self.tokens.grant(registry, principal, [needed]), needed):
                raise self.denied(registry, needed, "insufficient_scope")
            return principal
        anonymous = Principal("anonymous", None, "")
        if needed is not None and registry.anonymous_pull and needed.type == "repository" and \
                needed.actions == ("pull",):
            self.tokens.trace.record("registry", Decision(True, Reason.ANONYMOUS_PULL_ALLOWED,
                                                          {"scope": needed.render()}), None, "pull",
                                     registry.resource_id)
            return anonymous
        raise self.denied(registry, needed)

    def _bearer(self, registry: RegistryInfo, token: str, needed: Scope | None) -> Principal:
        try:
            claims = self.tokens.verify(registry, token, "access_token")
        except TokenRejected:
            raise self.denied(registry, needed, "invalid_token") from None
        principal = Principal("aad" if claims.get("oid") else "admin", claims.get("oid"), str(claims.get("sub")))
        if needed is not None and not self._covered(claims.get("access") or [], needed):
            self.tokens.trace.record("registry", Decision(False, Reason.SCOPE_NOT_GRANTED,
                                                          {"needed": needed.render(), "granted": claims.get("access")}),
                                     principal.object_id, needed.actions[0], registry.resource_id)
            raise self.denied(registry, needed, "insufficient_scope")
        return principal

    @staticmethod
    def _covered(access: list[dict[str, object]], needed: Scope) -> bool:
        for entry in access:
            actions = entry.get("actions")
            if entry.get("type") != needed.type or entry.get("name") != needed.name or not isinstance(actions, list):
                continue
            if "*" in actions or all(a in actions for a in needed.actions):
                return True
        return False
