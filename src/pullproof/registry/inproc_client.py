"""One registry client for pushes made from inside pullproof (the demo's image, lint's placeholders): the
requests ``docker push`` makes — a repository token from ``/oauth2/token`` with basic credentials, a
``POST`` + ``PUT`` upload per blob, the manifest ``PUT`` — over any ``httpx.AsyncClient``. ``in_process``
gives one that reaches the registry's ASGI app directly, with no socket."""

from __future__ import annotations

import hashlib
import json

import httpx
from starlette.types import ASGIApp

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"


def digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def image_manifest(config: bytes, layers: list[tuple[str, bytes]]) -> bytes:
    """An OCI image manifest for ``config`` and ``(media type, bytes)`` layers."""
    return json.dumps({
        "schemaVersion": 2, "mediaType": OCI_MANIFEST,
        "config": {"mediaType": OCI_CONFIG, "digest": digest(config), "size": len(config)},
        "layers": [{"mediaType": kind, "digest": digest(blob), "size": len(blob)} for kind, blob in layers]}).encode()


class RegistryPusher:
    """Pushes images to one registry as ``username``/``password`` (a service principal's client id and secret)."""

    def __init__(self, http: httpx.AsyncClient, login_server: str, username: str, password: str) -> None:
        self.http = http
        self.base = f"https://{login_server}"
        self.login_server = login_server
        self.auth = (username, password)

    @classmethod
    def in_process(cls, app: ASGIApp, login_server: str, username: str, password: str) -> RegistryPusher:
        http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), timeout=60.0)
        return cls(http, login_server, username, password)

    async def aclose(self) -> None:
        await self.http.aclose()

    async def __aenter__(self) -> RegistryPusher:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def _token(self, repository: str) -> str:
        response = await self.http.get(f"{self.base}/oauth2/token", auth=self.auth, params={
            "service": self.login_server, "scope": f"repository:{repository}:pull,push"})
        response.raise_for_status()
        return str(response.json()["access_token"])

    async def _blob(self, repository: str, blob: bytes, headers: dict[str, str]) -> None:
        started = await self.http.post(f"{self.base}/v2/{repository}/blobs/uploads/", headers=headers)
        started.raise_for_status()
        location = started.headers["location"]
        target = location if location.startswith("https://") else f"{self.base}{location}"
        done = await self.http.put(target, params={"digest": digest(blob)}, content=blob, headers=headers)
        done.raise_for_status()

    async def push(self, repository: str, tag: str, config: bytes, layers: list[tuple[str, bytes]]) -> str:
        """Push the image under ``tag``; returns the manifest's digest."""
        headers = {"Authorization": f"Bearer {await self._token(repository)}"}
        for blob in (config, *(data for _, data in layers)):
            await self._blob(repository, blob, headers)
        manifest = image_manifest(config, layers)
        response = await self.http.put(f"{self.base}/v2/{repository}/manifests/{tag}", content=manifest,
                                       headers={**headers, "Content-Type": OCI_MANIFEST})
        response.raise_for_status()
        return digest(manifest)
