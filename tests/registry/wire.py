"""Small HTTP helpers for registry tests: OCI error bodies, uploads, manifests; and a client for a
served emulator that goes through its proxy (real host names, the emulator's CA) or a raw socket."""

from __future__ import annotations

import base64
import json
import socket
import ssl
from dataclasses import dataclass
from typing import Any

import httpx2 as httpx

from tests.conftest import Served
from tests.registry.support import digest

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip"


Http = httpx.Client  # httpx2, whose Client starlette's TestClient is
def oci_error(response: httpx.Response) -> tuple[int, str, str]:
    """(status, code, message) of an OCI ``{"errors":[...]}`` body with one error."""
    errors = response.json()["errors"]
    assert len(errors) == 1, errors
    return response.status_code, errors[0]["code"], errors[0]["message"]


def upload(http: Http, repo: str, data: bytes, headers: dict[str, str]) -> str:
    """POST then PUT with the whole body; returns the digest."""
    started = http.request("POST", f"/v2/{repo}/blobs/uploads/", headers=headers)
    assert started.status_code == 202, started.text
    done = http.request("PUT", started.headers["Location"], params={"digest": digest(data)}, content=data,
                        headers=headers)
    assert done.status_code == 201, done.text
    return digest(data)


def image_manifest(config: bytes, layers: list[bytes], media_type: str = OCI_MANIFEST,
                   **extra: Any) -> bytes:
    docker = media_type == DOCKER_MANIFEST
    document = {
        "schemaVersion": 2, "mediaType": media_type,
        "config": {"mediaType": DOCKER_CONFIG if docker else OCI_CONFIG, "digest": digest(config),
                   "size": len(config)},
        "layers": [{"mediaType": DOCKER_LAYER if docker else OCI_LAYER, "digest": digest(b), "size": len(b)}
                   for b in layers],
        **extra,
    }
    return json.dumps(document).encode()


def index_manifest(children: list[tuple[str, bytes]], media_type: str = OCI_INDEX) -> bytes:
    """An index (or Docker manifest list) of (child media type, child manifest bytes)."""
    return json.dumps({"schemaVersion": 2, "mediaType": media_type, "manifests": [
        {"mediaType": kind, "digest": digest(body), "size": len(body),
         "platform": {"architecture": arch, "os": "linux"}}
        for (kind, body), arch in zip(children, ("amd64", "arm64", "s390x"), strict=False)]}).encode()


def put_manifest(http: Http, repo: str, ref: str, body: bytes, media_type: str,
                 headers: dict[str, str]) -> httpx.Response:
    return http.request("PUT", f"/v2/{repo}/manifests/{ref}", content=body,
                        headers={**headers, "Content-Type": media_type})


def push_simple(http: Http, repo: str, ref: str, headers: dict[str, str], seed: bytes = b"x") -> bytes:
    """A one-layer OCI image; returns the manifest bytes."""
    config, layer = b'{"architecture":"amd64","os":"linux","seed":"' + seed + b'"}', b"layer-" + seed
    for blob in (config, layer):
        upload(http, repo, blob, headers)
    body = image_manifest(config, [layer])
    response = put_manifest(http, repo, ref, body, OCI_MANIFEST, headers)
    assert response.status_code == 201, response.text
    return body


def basic_header(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


@dataclass
class Wire:
    """Speaks to ``https://<host>`` of a served emulator through its CONNECT proxy."""

    proxy: str
    ca_file: str

    def context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.ca_file)

    def client(self, host: str) -> httpx.Client:
        return httpx.Client(base_url=f"https://{host}", proxy=self.proxy, verify=self.context(), timeout=60)

    def tunnel(self, host: str) -> ssl.SSLSocket:
        """A TLS socket to ``host`` through the proxy, for requests a library would not send."""
        address = self.proxy.removeprefix("http://").rstrip("/")
        name, _, port = address.rpartition(":")
        raw = socket.create_connection((name, int(port)), timeout=30)
        raw.sendall(f"CONNECT {host}:443 HTTP/1.1\r\nHost: {host}:443\r\n\r\n".encode())
        reply = b""
        while b"\r\n\r\n" not in reply and len(reply) < 65536:
            chunk = raw.recv(4096)
            if not chunk:
                break
            reply += chunk
        assert reply.split(b"\r\n", 1)[0].split(b" ")[1] == b"200", reply
        return self.context().wrap_socket(raw, server_hostname=host)


def operator_token(wire: Wire, values: dict[str, str]) -> str:
    with wire.client("login.microsoftonline.com") as login:
        response = login.post(f"/{values['PULLPROOF_TENANT_ID']}/oauth2/v2.0/token", data={
            "grant_type": "client_credentials", "client_id": values["PULLPROOF_CLIENT_ID"],
            "client_secret": values["PULLPROOF_CLIENT_SECRET"], "scope": "https://management.azure.com/.default"})
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def served_registry(wire: Wire, values: dict[str, str], name: str, group: str = "rg-wire") -> str:
    """Create (or update) a Standard registry in a served emulator through ARM; returns its login server."""
    headers = {"Authorization": f"Bearer {operator_token(wire, values)}"}
    base = f"/subscriptions/{values['PULLPROOF_SUBSCRIPTION_ID']}/resourceGroups/{group}"
    with wire.client("management.azure.com") as arm:
        made = arm.put(f"{base}?api-version=2024-11-01", json={"location": "eastus"}, headers=headers)
        assert made.status_code in (200, 201), made.text
        made = arm.put(f"{base}/providers/Microsoft.ContainerRegistry/registries/{name}?api-version=2025-11-01",
                       json={"location": "eastus", "sku": {"name": "Standard"}}, headers=headers)
        assert made.status_code in (200, 201), made.text
    return f"{name}.azurecr.io"


def wire_for(served: Served) -> tuple[Wire, dict[str, str], dict[str, str]]:
    values = served.env()
    auth = basic_header(values["PULLPROOF_CLIENT_ID"], values["PULLPROOF_CLIENT_SECRET"])
    return Wire(values["HTTPS_PROXY"], values["SSL_CERT_FILE"]), values, auth


def send_partial_patch(wire: Wire, login: str, location: str, auth: dict[str, str], declared: int,
                       start: int, sent: bytes) -> ssl.SSLSocket:
    """Start a PATCH that declares ``declared`` bytes from ``start`` and send only ``sent``."""
    tunnel = wire.tunnel(login)
    head = (f"PATCH {location} HTTP/1.1\r\nHost: {login}\r\nAuthorization: {auth['Authorization']}\r\n"
            f"Content-Type: application/octet-stream\r\nContent-Length: {declared}\r\n"
            f"Content-Range: {start}-{start + declared - 1}\r\n\r\n")
    tunnel.sendall(head.encode() + sent)
    return tunnel
