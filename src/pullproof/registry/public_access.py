"""Anonymous access to the public registries: each one's Bearer challenge and token endpoint, and
their read-only data plane. ACR's token exchange and RBAC are not involved; no account exists, so a
token is anonymous and carries ``pull`` on the repositories the registry has, and nothing else."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pullproof.core.clock import Clock
from pullproof.core.errors import ServiceError
from pullproof.core.jwt import TokenCodec, TokenRejected
from pullproof.registry import errors
from pullproof.registry.models import RegistryInfo
from pullproof.registry.public import Missing, PublicProfile, PublicRegistries
from pullproof.registry.scope import Scope, bearer_challenge
from pullproof.registry.store import RegistryStore
from pullproof.registry.tokens import Principal

TOKEN_SECONDS = 300  # Docker Hub's anonymous tokens: expires_in 300
ANONYMOUS = Principal("anonymous", None, "")


def challenge(profile: PublicProfile, scope: Scope | None, error: str | None = None) -> str:
    """Only registries with a token endpoint challenge (the others answer without a token)."""
    assert profile.realm is not None
    return bearer_challenge(profile.realm, profile.service, scope, error)


def _detail(scope: Scope | None) -> list[dict[str, str]] | None:
    return None if scope is None else [{"Type": scope.type, "Class": "", "Name": scope.name, "Action": a}
                                       for a in scope.actions]


def _covered(access: Any, needed: Scope) -> bool:
    return isinstance(access, list) and any(
        isinstance(e, dict) and e.get("type") == needed.type and e.get("name") == needed.name
        and all(a in (e.get("actions") or []) for a in needed.actions) for e in access)


class PublicAccess:
    def __init__(self, public: PublicRegistries, codec: TokenCodec, clock: Clock, store: RegistryStore) -> None:
        self.public = public
        self.codec = codec
        self.clock = clock
        self.store = store

    def _profile(self, registry: RegistryInfo) -> PublicProfile:
        found = self.public.profile(registry.login_server)
        assert found is not None, registry.login_server
        return found

    def authorize(self, registry: RegistryInfo, authorization: str | None, needed: Scope | None) -> Principal:
        """The anonymous principal if the request may do ``needed``; else the registry's own refusal."""
        profile = self._profile(registry)
        if profile.realm is None:  # no token service: reads are open, writes are not served
            if needed is None or needed.actions == ("pull",) or needed.type == "registry":
                return ANONYMOUS
            raise ServiceError(errors.UNSUPPORTED)
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer":
            raise self.denied(profile, needed)
        try:
            claims = self.codec.verify(token.strip(), self.clock.now(), [profile.service], [str(profile.token_host)])
        except TokenRejected:
            raise self.denied(profile, needed, "invalid_token") from None
        if needed is not None and not _covered(claims.get("access"), needed):
            raise self.denied(profile, needed, "insufficient_scope")
        return ANONYMOUS

    @staticmethod
    def denied(profile: PublicProfile, needed: Scope | None, error: str | None = None) -> ServiceError:
        return ServiceError(errors.PUBLIC_UNAUTHORIZED, headers={"Www-Authenticate": challenge(profile, needed, error)},
                            detail_object=_detail(needed))

    def token(self, profile: PublicProfile, scopes: list[Scope], authorization: str | None) -> dict[str, Any]:
        """The anonymous token answer: ``pull`` on each asked repository the registry has."""
        if authorization:  # no accounts are emulated on a public registry
            raise ServiceError(errors.PUBLIC_UNAUTHORIZED)
        access: list[dict[str, Any]] = []
        for scope in scopes:
            if scope.type != "repository":
                continue
            if self.store.repository(profile.host, scope.name) is None:
                if profile.missing is Missing.FORBIDDEN:
                    raise ServiceError(errors.DENIED, detail_object=_detail(scope))
                continue
            if "pull" in scope.actions:
                access.append({"type": "repository", "name": scope.name, "actions": ["pull"]})
        now = int(self.clock.now())
        token = self.codec.sign({"iss": profile.token_host, "aud": profile.service, "sub": "", "access": access,
                                 "iat": now, "nbf": now, "exp": now + TOKEN_SECONDS}, x5t=False)
        fields: dict[str, Any] = {"token": token, "access_token": token, "expires_in": TOKEN_SECONDS,
                                  "issued_at": datetime.fromtimestamp(now, UTC).isoformat().replace("+00:00", "Z")}
        return {k: fields[k] for k in profile.token_shape}
