from __future__ import annotations

import contextlib
import ssl
import stat
from pathlib import Path

import pytest
from cryptography import x509

from pullproof.core.clock import SystemClock
from pullproof.core.tls import LocalCA


def test_ca_is_created_once_and_kept(tmp_path: Path) -> None:
    first = LocalCA(tmp_path, SystemClock())
    pem = first.cert_path.read_bytes()
    again = LocalCA(tmp_path, SystemClock())
    assert again.cert_path.read_bytes() == pem
    assert stat.S_IMODE((tmp_path / "ca.key").stat().st_mode) == 0o600
    ca = x509.load_pem_x509_certificate(pem)
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca


def test_leaf_names_the_host_and_chains_to_the_ca(tmp_path: Path) -> None:
    ca = LocalCA(tmp_path, SystemClock())
    chain = ca.leaf_path("myacr.azurecr.io").read_bytes()
    leaf, root = x509.load_pem_x509_certificates(chain)
    sans = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert sans.get_values_for_type(x509.DNSName) == ["myacr.azurecr.io"]
    assert leaf.issuer == root.subject
    leaf.verify_directly_issued_by(root)
    local = x509.load_pem_x509_certificates(ca.leaf_path("127.0.0.1").read_bytes())[0]
    ips = local.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert [str(ip) for ip in ips.get_values_for_type(x509.IPAddress)] == ["127.0.0.1"]


def _handshake(server_ctx: ssl.SSLContext, cafile: Path, name: str) -> dict[str, object]:
    client_ctx = ssl.create_default_context(cafile=str(cafile))
    c_in, c_out, s_in, s_out = ssl.MemoryBIO(), ssl.MemoryBIO(), ssl.MemoryBIO(), ssl.MemoryBIO()
    client = client_ctx.wrap_bio(c_in, c_out, server_hostname=name)
    server = server_ctx.wrap_bio(s_in, s_out, server_side=True)
    for _ in range(10):
        for side in (client, server):
            with contextlib.suppress(ssl.SSLWantReadError):
                side.do_handshake()
        s_in.write(c_out.read())
        c_in.write(s_out.read())
    cert = client.getpeercert()
    assert cert is not None
    return dict(cert)


def test_sni_picks_the_leaf_for_served_names_only(tmp_path: Path) -> None:
    ca = LocalCA(tmp_path, SystemClock())
    ctx = ca.server_context(lambda host: host.endswith(".azurecr.io"))
    cert = _handshake(ctx, ca.cert_path, "myacr.azurecr.io")
    assert cert["subjectAltName"] == (("DNS", "myacr.azurecr.io"),)
    with pytest.raises(ssl.SSLCertVerificationError):
        _handshake(ctx, ca.cert_path, "evil.example")
    assert not (tmp_path / "leaf" / "evil.example.pem").exists()


def test_every_file_is_private_and_the_directories_0700(tmp_path: Path) -> None:
    ca = LocalCA(tmp_path / "tls", SystemClock())
    ca.leaf_path("myacr.azurecr.io")
    assert {p.name: stat.S_IMODE(p.stat().st_mode) for p in (tmp_path / "tls").rglob("*")} == {
        "ca.key": 0o600, "ca.pem": 0o600, "leaf.key": 0o600, "leaf": 0o700, "myacr.azurecr.io.pem": 0o600}
    assert stat.S_IMODE((tmp_path / "tls").stat().st_mode) == 0o700
