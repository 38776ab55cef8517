"""The proxy over real sockets: CONNECT to emulated hosts with certificates from the local CA,
plain-HTTP IMDS, and a clear refusal for everything else."""

from __future__ import annotations

import socket
import ssl

import httpx2 as httpx

from pullproof.core.tls import trusting
from tests.conftest import Served


def _connect(served: Served, target: str) -> tuple[socket.socket, bytes]:
    sock = socket.create_connection(("127.0.0.1", int(str(served.runtime["proxy_port"]))), timeout=10)
    sock.sendall(f"CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n".encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(4096)
        if not chunk:
            break
        head += chunk
    return sock, head


def test_connect_to_an_emulated_host_terminates_tls_with_a_cert_for_that_name(served: Served) -> None:
    sock, head = _connect(served, "login.microsoftonline.com:443")
    assert head.startswith(b"HTTP/1.1 200")
    context = ssl.create_default_context(cafile=str(served.data_dir / "tls" / "ca.pem"))
    with context.wrap_socket(sock, server_hostname="login.microsoftonline.com") as tls:
        cert = tls.getpeercert()
        assert cert is not None
        names = [str(entry[1]) for entry in cert["subjectAltName"]]
        assert names == ["login.microsoftonline.com"]
        tls.sendall(b"GET /common/discovery/instance?api-version=1.1 HTTP/1.1\r\n"
                    b"Host: login.microsoftonline.com\r\nConnection: close\r\n\r\n")
        reply = b""
        while chunk := tls.recv(65536):
            reply += chunk
    assert reply.startswith(b"HTTP/1.1 200")
    assert b'"tenant_discovery_endpoint"' in reply


def test_connect_to_any_other_host_is_refused_and_never_forwarded(served: Served) -> None:
    sock, head = _connect(served, "example.com:443")
    sock.close()
    assert head.startswith(b"HTTP/1.1 403")
    assert b"refusing 'example.com'" in head


def test_imds_host_is_plain_http_only(served: Served) -> None:
    sock, head = _connect(served, "169.254.169.254:443")
    sock.close()
    assert head.startswith(b"HTTP/1.1 403")


def test_plain_http_through_the_proxy_reaches_imds_only(served: Served) -> None:
    proxy = f"http://127.0.0.1:{served.runtime['proxy_port']}"
    with httpx.Client(proxy=proxy, timeout=10) as client:
        imds = client.get("http://169.254.169.254/metadata/identity/oauth2/token",
                          params={"api-version": "2018-02-01", "resource": "https://management.azure.com/"})
        assert imds.status_code == 400
        assert imds.json() == {"error": "invalid_request",
                               "error_description": "Required metadata header not specified"}
        other = client.get("http://example.com/")
        assert other.status_code == 403


def test_harmless_hosts_are_answered_locally(served: Served) -> None:
    env = served.env()
    proxy = env["HTTPS_PROXY"]
    with httpx.Client(proxy=proxy, verify=trusting(env["REQUESTS_CA_BUNDLE"]), timeout=10) as client:
        telemetry = client.post("https://dc.services.visualstudio.com/v2/track", content=b'[{"a":1},{"b":2}]')
        assert telemetry.json() == {"itemsReceived": 2, "itemsAccepted": 2, "errors": []}
        version = client.get("https://azcliprod.blob.core.windows.net/cli/azure-cli/setup.py")
        assert version.status_code == 404


def test_direct_listener_serves_cloud_metadata_with_a_double_slash(served: Served) -> None:
    env = served.env()
    direct = env["PULLPROOF_DIRECT_URL"]
    with httpx.Client(verify=trusting(env["REQUESTS_CA_BUNDLE"]), timeout=10) as client:
        single = client.get(f"{direct}//metadata/endpoints?api-version=2022-09-01").json()
        listed = client.get(f"{direct}/metadata/endpoints?api-version=2019-05-01").json()
    assert single["resourceManager"] == f"{direct}/"
    assert single["authentication"]["loginEndpoint"] == f"{direct}/"
    assert single["microsoftGraphResourceId"] == f"{direct}/graph/"
    assert single["suffixes"]["acrLoginServer"] == "azurecr.io"
    assert listed == [single]
