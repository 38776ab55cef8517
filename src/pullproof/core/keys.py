"""Token signing keys: created once, kept in the database (the private key sealed), published as JWKS."""

from __future__ import annotations

import base64
import hashlib
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from pullproof.core.clock import Clock
from pullproof.core.sealing import Sealer, is_sealed
from pullproof.db.engine import Database


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _int_b64(value: int) -> str:
    return b64url(value.to_bytes((value.bit_length() + 7) // 8, "big"))


@dataclass(frozen=True)
class SigningKey:
    """An RSA key with its self-signed certificate (Entra publishes both: ``n``/``e`` and ``x5c``)."""

    kid: str
    private_pem: bytes
    cert_pem: bytes

    @cached_property
    def private_key(self) -> rsa.RSAPrivateKey:
        """Parsed once per key (parsing a PEM costs tens of milliseconds)."""
        key = serialization.load_pem_private_key(self.private_pem, password=None)
        assert isinstance(key, rsa.RSAPrivateKey)
        return key

    @cached_property
    def public_key(self) -> rsa.RSAPublicKey:
        return self.private_key.public_key()

    @cached_property
    def cert_der(self) -> bytes:
        return x509.load_pem_x509_certificate(self.cert_pem).public_bytes(serialization.Encoding.DER)

    @cached_property
    def x5t(self) -> str:
        return b64url(hashlib.sha1(self.cert_der).digest())

    def jwk(self, issuer: str | None = None) -> dict[str, object]:
        numbers = self.private_key.public_key().public_numbers()
        jwk: dict[str, object] = {
            "kty": "RSA",
            "use": "sig",
            "kid": self.kid,
            "x5t": self.x5t,
            "n": _int_b64(numbers.n),
            "e": _int_b64(numbers.e),
            "x5c": [base64.b64encode(self.cert_der).decode("ascii")],
        }
        if issuer:
            jwk["issuer"] = issuer
        return jwk


class KeyRing:
    """The tenant's signing keys. The newest key signs; every stored key verifies."""

    def __init__(self, db: Database, clock: Clock, sealer: Sealer) -> None:
        self._db = db
        self._clock = clock
        self._sealer = sealer
        self._keys: dict[str, SigningKey] = {}
        self._load()
        if not self._keys:
            self.rotate()

    def _load(self) -> None:
        for row in self._db.query("SELECT kid, private_pem, cert_pem FROM signing_keys ORDER BY created"):
            private_pem = self._sealer.open_value(row["private_pem"])  # clear in data dirs not yet sealed
            key = SigningKey(row["kid"], private_pem.encode(), row["cert_pem"].encode())
            self._keys[key.kid] = key
            self._current = key

    def rotate(self) -> SigningKey:
        """Create a new signing key; older keys stay valid for verification."""
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        now = datetime.fromtimestamp(self._clock.now(), UTC)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "accounts.accesscontrol.windows.net")])
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(private.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=3650))
            .sign(private, hashes.SHA256())
        )
        cert_pem = cert.public_bytes(serialization.Encoding.PEM)
        private_pem = private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        kid = b64url(hashlib.sha1(cert.public_bytes(serialization.Encoding.DER)).digest())
        key = SigningKey(kid, private_pem, cert_pem)
        with self._db.tx() as conn:
            conn.execute(
                "INSERT INTO signing_keys VALUES (?, ?, ?, ?)",
                (kid, self._sealer.seal_value(private_pem.decode()), cert_pem.decode(), self._clock.now()),
            )
        self._keys[kid] = key
        self._current = key
        return key

    def seal_stored(self, conn: sqlite3.Connection) -> int:
        """Seal private keys that an earlier version stored in clear; returns how many it sealed."""
        rows = conn.execute("SELECT kid, private_pem FROM signing_keys").fetchall()
        clear = [(row["kid"], row["private_pem"]) for row in rows if not is_sealed(row["private_pem"])]
        for kid, pem in clear:
            conn.execute("UPDATE signing_keys SET private_pem = ? WHERE kid = ?", (self._sealer.seal_value(pem), kid))
        return len(clear)

    @property
    def current(self) -> SigningKey:
        return self._current

    def get(self, kid: str) -> SigningKey | None:
        return self._keys.get(kid)

    def jwks(self, issuer: str | None = None) -> dict[str, object]:
        return {"keys": [key.jwk(issuer) for key in self._keys.values()]}
