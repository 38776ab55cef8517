"""Token issuance and verification for the emulated tenant.

Access tokens are RS256 JWTs with the claims Entra puts in v1 tokens for first-party resources
(ARM, Graph, ACR): ``aud`` is the resource as requested, ``iss`` is ``https://sts.windows.net/{tid}/``.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Collection
from typing import Any, Literal

from pullproof.core.clock import Clock
from pullproof.core.errors import ServiceError
from pullproof.core.ids import IdFactory
from pullproof.core.jwt import TokenCodec
from pullproof.core.keys import b64url
from pullproof.identity import errors
from pullproof.identity.models import Caller, ServicePrincipal, Tenant, User

APP_TOKEN_SECONDS = 3599
MI_TOKEN_SECONDS = 86399
USER_TOKEN_SECONDS = 4199
REFRESH_TOKEN_SECONDS = 90 * 24 * 3600


class TokenIssuer:
    """Builds, signs and verifies the tenant's access tokens."""

    def __init__(self, codec: TokenCodec, clock: Clock, ids: IdFactory, tenant: Tenant,
                 resources: Collection[str]) -> None:
        self.codec = codec
        self.clock = clock
        self.ids = ids
        self.tenant = tenant
        self._resources = {_norm(r) for r in resources}

    @property
    def issuer(self) -> str:
        return f"https://sts.windows.net/{self.tenant.id}/"

    def check_resource(self, resource: str) -> None:
        if _norm(resource) not in self._resources:
            raise ServiceError(errors.RESOURCE_NOT_FOUND, resource=resource, tenant=self.tenant.id)

    def _base(self, resource: str, lifetime: int) -> dict[str, Any]:
        now = int(self.clock.now())
        return {
            "aud": resource, "iss": self.issuer, "iat": now, "nbf": now, "exp": now + lifetime,
            "aio": b64url(self.ids.hex(24).encode())[:40], "idp": self.issuer, "tid": self.tenant.id,
            "rh": "0." + b64url(self.ids.hex(16).encode())[:32] + ".", "uti": b64url(self.ids.hex(12).encode())[:22],
            "ver": "1.0",
        }

    def app_token(self, sp: ServicePrincipal, resource: str) -> tuple[str, int]:
        """An app-only token for a service principal or a managed identity."""
        managed = sp.kind == "ManagedIdentity"
        lifetime = MI_TOKEN_SECONDS if managed else APP_TOKEN_SECONDS
        claims = self._base(resource, lifetime)
        claims.update({
            "appid": sp.app_id, "appidacr": "2" if managed else "1", "idtyp": "app",
            "oid": sp.object_id, "sub": sp.object_id,
        })
        if managed and sp.resource_id:
            claims["xms_mirid"] = sp.resource_id
        return self.codec.sign(claims), lifetime

    def user_token(self, user: User, client_id: str, resource: str) -> tuple[str, int]:
        claims = self._base(resource, USER_TOKEN_SECONDS)
        given, _, family = user.display_name.partition(" ")
        claims.update({
            "acr": "1", "amr": ["pwd"], "appid": client_id, "appidacr": "0", "family_name": family or given,
            "given_name": given, "idtyp": "user", "name": user.display_name, "oid": user.object_id,
            "scp": "user_impersonation", "sub": user.object_id, "unique_name": user.upn, "upn": user.upn,
        })
        return self.codec.sign(claims), USER_TOKEN_SECONDS

    def id_token(self, user: User, client_id: str, authority: str) -> str:
        now = int(self.clock.now())
        claims = {
            "aud": client_id, "iss": f"{authority}/{self.tenant.id}/v2.0", "iat": now, "nbf": now,
            "exp": now + USER_TOKEN_SECONDS, "name": user.display_name, "oid": user.object_id,
            "preferred_username": user.upn, "sub": user.object_id, "tid": self.tenant.id, "ver": "2.0",
        }
        return self.codec.sign(claims, x5t=False)

    def client_info(self, user: User) -> str:
        raw = json.dumps({"uid": user.object_id, "utid": self.tenant.id}).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    def verify(self, token: str, audiences: Collection[str]) -> Caller:
        """Verify a bearer token for one of ``audiences``; raises ``TokenRejected``."""
        claims = self.codec.verify(token, self.clock.now(), audiences, (self.issuer,))
        kind: Literal["app", "user"] = "user" if claims.get("idtyp") == "user" or "upn" in claims else "app"
        display = str(claims.get("upn") or claims.get("appid") or claims.get("oid"))
        return Caller(str(claims.get("oid")), str(claims.get("tid")), claims.get("appid"), kind, display, claims)


def resource_from_scope(scope: str) -> str | None:
    """``https://management.core.windows.net//.default`` -> ``https://management.core.windows.net/``."""
    for item in scope.split():
        if item.endswith("/.default"):
            return item[: -len("/.default")]
        if item.lower() not in {"openid", "profile", "offline_access", "email"} and "://" in item:
            return item.rsplit("/", 1)[0] or item
    return None


def _norm(resource: str) -> str:
    return resource.rstrip("/").lower()
