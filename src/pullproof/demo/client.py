"""What the demo does with the real protocols, as az, docker and kubectl would: through the proxy,
over HTTPS, with real tokens."""

from __future__ import annotations

import asyncio
import io
import json
import tarfile
from pathlib import Path
from typing import Any

import httpx

from pullproof.core.tls import trusting
from pullproof.demo.server import Login
from pullproof.registry.inproc_client import RegistryPusher, digest

ARM = "https://management.azure.com"
API = "api-version"
LAYER = "application/vnd.oci.image.layer.v1.tar"


def guestbook_layer() -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        page = b"<html><body><h1>Guestbook</h1></body></html>\n"
        info = tarfile.TarInfo("usr/share/nginx/html/index.html")
        info.size, info.mtime = len(page), 0
        tar.addfile(info, io.BytesIO(page))
    return buffer.getvalue()


class DemoClient:
    def __init__(self, operator: Login, proxy: str, ca_path: Path) -> None:
        self.op = operator
        self.proxy = proxy
        self.ca_path = ca_path
        self.http = httpx.Client(proxy=proxy, verify=trusting(ca_path), timeout=60)
        self.sub = f"/subscriptions/{self.op.subscription_id}"
        self._arm_token = self._token("https://management.core.windows.net//.default")

    def close(self) -> None:
        self.http.close()

    def _token(self, scope: str) -> str:
        response = self.http.post(f"https://login.microsoftonline.com/{self.op.tenant_id}/oauth2/v2.0/token", data={
            "grant_type": "client_credentials", "client_id": self.op.client_id,
            "client_secret": self.op.client_secret, "scope": scope})
        response.raise_for_status()
        return str(response.json()["access_token"])

    def arm(self, method: str, path: str, version: str, body: Any = None) -> dict[str, Any]:
        response = self.http.request(method, f"{ARM}{path}", params={API: version}, json=body,
                                     headers={"Authorization": f"Bearer {self._arm_token}"})
        if response.status_code >= 400:
            raise RuntimeError(f"{method} {path}: {response.status_code} {response.text}")
        return dict(response.json()) if response.content else {}

    def push(self, login: str, repository: str, tag: str) -> str:
        """``docker push``: through the proxy, as the operator; returns the manifest's digest."""
        layer = guestbook_layer()
        config = json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": [
            digest(layer)]}, "config": {"Cmd": ["nginx", "-g", "daemon off;"]}}).encode()

        async def push() -> str:
            http = httpx.AsyncClient(proxy=self.proxy, verify=trusting(self.ca_path),
                                     timeout=60)
            async with RegistryPusher(http, login, self.op.client_id, self.op.client_secret) as pusher:
                return await pusher.push(repository, tag, config, [(LAYER, layer)])

        return asyncio.run(push())


class Kube:
    """kubectl's requests to one cluster's API server."""

    def __init__(self, http: httpx.Client, host: str, token: str) -> None:
        self.http = http
        self.base = f"https://{host}"
        self.headers = {"Authorization": f"Bearer {token}"}

    def get(self, path: str, **params: str) -> dict[str, Any]:
        response = self.http.get(self.base + path, params=params, headers=self.headers)
        response.raise_for_status()
        return dict(response.json())

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = self.http.post(self.base + path, json=body, headers=self.headers,
                                  params={"fieldManager": "kubectl-client-side-apply", "fieldValidation": "Strict"})
        response.raise_for_status()
        return dict(response.json())

    def delete(self, path: str) -> None:
        self.http.request("DELETE", self.base + path, json={"propagationPolicy": "Background"},
                          headers=self.headers).raise_for_status()
