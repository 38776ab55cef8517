"""Signing and verifying RS256 JWTs with injected time; every failure is a Decision reason."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import jwt as pyjwt

from pullproof.core.keys import KeyRing, SigningKey
from pullproof.core.reasons import Reason

LEEWAY_SECONDS = 300


class TokenRejected(Exception):
    """A token failed verification; ``reason`` says which check failed."""

    def __init__(self, reason: Reason, detail: str, claims: dict[str, Any] | None = None) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail
        self.claims = claims or {}


@dataclass(frozen=True)
class TokenCodec:
    """Encodes claims with the current key and verifies tokens against every key in the ring."""

    keys: KeyRing

    def sign(self, claims: dict[str, Any], key: SigningKey | None = None, x5t: bool = True) -> str:
        signer = key or self.keys.current
        headers: dict[str, Any] = {"typ": "JWT", "kid": signer.kid}
        if x5t:
            headers["x5t"] = signer.x5t
        return pyjwt.encode(claims, signer.private_key, algorithm="RS256", headers=headers)

    def verify(
        self, token: str, now: float, audiences: Collection[str], issuers: Collection[str]
    ) -> dict[str, Any]:
        """Return the claims of a valid token, or raise ``TokenRejected`` with the failing check."""
        try:
            complete = pyjwt.decode_complete(token, options={"verify_signature": False})
            header, unverified = complete["header"], complete["payload"]
        except pyjwt.PyJWTError as exc:
            raise TokenRejected(Reason.TOKEN_MALFORMED, str(exc)) from exc
        key = self.keys.get(str(header.get("kid", "")))
        if header.get("alg") != "RS256" or key is None:
            raise TokenRejected(Reason.TOKEN_BAD_SIGNATURE, "unknown key or algorithm", unverified)
        try:
            claims: dict[str, Any] = pyjwt.decode(
                token,
                key.public_key,
                algorithms=["RS256"],
                options={"verify_aud": False, "verify_iss": False, "verify_exp": False, "verify_nbf": False,
                         "verify_iat": False},
            )
        except pyjwt.PyJWTError as exc:
            raise TokenRejected(Reason.TOKEN_BAD_SIGNATURE, str(exc), unverified) from exc
        return self._check_claims(claims, now, audiences, issuers)

    @staticmethod
    def _check_claims(
        claims: dict[str, Any], now: float, audiences: Collection[str], issuers: Collection[str]
    ) -> dict[str, Any]:
        exp, nbf = claims.get("exp"), claims.get("nbf", claims.get("iat"))
        if not isinstance(exp, int | float):
            raise TokenRejected(Reason.TOKEN_MALFORMED, "token has no exp claim", claims)
        if now > exp + LEEWAY_SECONDS:
            raise TokenRejected(Reason.TOKEN_EXPIRED, "token expired", claims)
        if isinstance(nbf, int | float) and now + LEEWAY_SECONDS < nbf:
            raise TokenRejected(Reason.TOKEN_NOT_YET_VALID, "token not valid yet", claims)
        iss, aud = claims.get("iss"), claims.get("aud")
        if not isinstance(iss, str) or iss not in issuers:  # a list is no issuer (and unhashable for a set)
            raise TokenRejected(Reason.TOKEN_WRONG_ISSUER, f"issuer {iss!r}", claims)
        if not isinstance(aud, str) or aud not in audiences:
            raise TokenRejected(Reason.TOKEN_WRONG_AUDIENCE, f"audience {aud!r}", claims)
        return claims
