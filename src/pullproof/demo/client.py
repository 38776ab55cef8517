"""What the demo does with the real protocols, as az, docker and kubectl would: through the proxy,
over HTTPS, with real tokens."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from typing import Any

import httpx

from pullproof.app import Emulator
from pullproof.core.tls import trusting

ARM = "https://management.azure.com"
API = "api-version"


def digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def guestbook_layer() -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        page = b"<html><body><h1>Guestbook</h1></body></html>\n"
        info = tarfile.TarInfo("usr/share/nginx/html/index.html")
        info.size, info.mtime = len(page), 0
        tar.addfile(info, io.BytesIO(page))
    return buffer.getvalue()


class DemoClient:
    def __init__(self, emulator: Emulator, proxy: str) -> None:
        self.emulator = emulator
        self.op = emulator.operator
        self.http = httpx.Client(proxy=proxy, verify=trusting(emulator.ca.cert_path), timeout=60)
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
        token = self.http.get(f"https://{login}/oauth2/token", params={
            "service": login, "scope": f"repository:{repository}:pull,push"},
            auth=(self.op.client_id, self.op.client_secret)).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        layer = guestbook_layer()
        config = json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": [
            digest(layer)]}, "config": {"Cmd": ["nginx", "-g", "daemon off;"]}}).encode()
        for blob in (config, layer):
            started = self.http.post(f"https://{login}/v2/{repository}/blobs/uploads/", headers=headers)
            self.http.put(f"https://{login}{started.headers['location']}", params={"digest": digest(blob)},
                          content=blob, headers=headers).raise_for_status()
        manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                               "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                                          "digest": digest(config), "size": len(config)},
                               "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar",
                                           "digest": digest(layer), "size": len(layer)}]}).encode()
        self.http.put(f"https://{login}/v2/{repository}/manifests/{tag}", content=manifest, headers={
            **headers, "Content-Type": "application/vnd.oci.image.manifest.v1+json"}).raise_for_status()
        return digest(manifest)


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
