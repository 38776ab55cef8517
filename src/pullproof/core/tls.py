"""The local certificate authority: made on first start, kept in the data dir, leaf certs on demand.

Every file is written 0600 (the data dir is the user's alone). Clients trust ``ca.pem``; the listener
picks a leaf certificate for the name the client asked for (SNI), so ``management.azure.com``,
``<name>.azurecr.io`` and ``127.0.0.1`` all verify.
"""

from __future__ import annotations

import ipaddress
import ssl
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from pullproof.core.clock import Clock
from pullproof.core.datadir import DIR_MODE, write_private

DEFAULT_NAMES = ("127.0.0.1", "localhost")
CA_CERT = "ca.pem"


def _san(name: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(name))
    except ValueError:
        return x509.DNSName(name)


def tls_dir(data_dir: Path) -> Path:
    """Where a data dir keeps its CA (``ca.pem``, the file clients trust) and leaf certificates."""
    return data_dir / "tls"


def ca_file(data_dir: Path) -> Path:
    return tls_dir(data_dir) / CA_CERT


def trusting(cafile: Path | str) -> ssl.SSLContext:
    """A client context that trusts ``cafile`` (what httpx's ``verify=`` takes; a path there is deprecated)."""
    return ssl.create_default_context(cafile=str(cafile))


class LocalCA:
    """A CA certificate and key under ``directory``; issues leaf certificates per host name."""

    def __init__(self, directory: Path, clock: Clock) -> None:
        self.directory = directory
        self._clock = clock
        self._lock = threading.Lock()
        self._contexts: dict[str, ssl.SSLContext] = {}
        directory.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
        (directory / "leaf").mkdir(mode=DIR_MODE, exist_ok=True)
        if not self.cert_path.exists():
            self._create()
        self._ca_key = serialization.load_pem_private_key((directory / "ca.key").read_bytes(), None)
        self._ca_cert = x509.load_pem_x509_certificate(self.cert_path.read_bytes())
        leaf_key_path = directory / "leaf.key"
        if not leaf_key_path.exists():
            key = ec.generate_private_key(ec.SECP256R1())
            write_private(leaf_key_path, self._pem_key(key))
        self._leaf_key_path = leaf_key_path
        self._leaf_key = serialization.load_pem_private_key(leaf_key_path.read_bytes(), None)

    @property
    def cert_path(self) -> Path:
        return self.directory / CA_CERT

    @staticmethod
    def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
        return key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self._clock.now(), UTC)

    def _create(self) -> None:
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "pullproof local CA")])
        now = self._now()
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256())
        )
        write_private(self.directory / "ca.key", self._pem_key(key))
        write_private(self.cert_path, cert.public_bytes(serialization.Encoding.PEM))

    def leaf_path(self, host: str) -> Path:
        """The PEM file (leaf certificate then CA) for ``host``, issued on first use."""
        safe = host.lower().replace("*", "_wildcard_").replace(":", "_")
        path = self.directory / "leaf" / f"{safe}.pem"
        if path.exists():
            return path
        names = [host.lower()] if host not in DEFAULT_NAMES else list(DEFAULT_NAMES)
        ca_key = self._ca_key
        assert isinstance(ca_key, ec.EllipticCurvePrivateKey)
        leaf_key = self._leaf_key
        assert isinstance(leaf_key, ec.EllipticCurvePrivateKey)
        now = self._now()
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0] if len(names[0]) <= 64
                                                        else "pullproof")]))  # CN is limited to 64; SAN names the host
            .issuer_name(self._ca_cert.subject)
            .public_key(leaf_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=397))
            .add_extension(x509.SubjectAlternativeName([_san(n) for n in names]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(leaf_key.public_key()), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
            )
            .sign(ca_key, hashes.SHA256())
        )
        chain = cert.public_bytes(serialization.Encoding.PEM) + self.cert_path.read_bytes()
        write_private(path, chain)
        return path

    def context_for(self, host: str) -> ssl.SSLContext:
        with self._lock:
            ctx = self._contexts.get(host)
            if ctx is None:
                ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
                ctx.minimum_version = ssl.TLSVersion.TLSv1_2
                ctx.load_cert_chain(self.leaf_path(host), self._leaf_key_path)
                ctx.set_alpn_protocols(["http/1.1"])
                self._contexts[host] = ctx
            return ctx

    def server_context(self, serves: Callable[[str], bool]) -> ssl.SSLContext:
        """A server context that answers each connection with a leaf for its SNI name.

        Only names ``serves`` accepts get their own certificate; any other name gets the
        ``127.0.0.1`` certificate, which the client will then reject.
        """
        base = self.context_for("127.0.0.1")

        def pick(sock: ssl.SSLObject | ssl.SSLSocket, name: str | None, _ctx: ssl.SSLContext) -> None:
            if name and serves(name.lower()):
                sock.context = self.context_for(name.lower())

        base.sni_callback = pick
        return base
