"""Secrets at rest are stored only as salted digests.

Secrets the emulator generates itself (client secrets, node tokens) carry 240 bits of entropy,
so one salted SHA-256 is as strong as a slow hash and keeps token issuance fast. Passwords people
choose (the default user's, if set by hand) use scrypt.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets


def new_salt() -> str:
    return secrets.token_hex(16)


def digest_secret(secret: str, salt: str) -> str:
    return hashlib.sha256(bytes.fromhex(salt) + secret.encode("utf-8")).hexdigest()


def digest_password(password: str, salt: str) -> str:
    return hashlib.scrypt(password.encode("utf-8"), salt=bytes.fromhex(salt), n=2**14, r=8, p=1).hex()


def matches(candidate_digest: str, stored_digest: str) -> bool:
    return hmac.compare_digest(candidate_digest, stored_digest)
