"""Placeholder images: a one-layer OCI image pushed as the operator into the emulated registry over
the registry's own HTTP API (token from ``/oauth2/token`` with the operator's credentials)."""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
import tarfile

from starlette.testclient import TestClient

from pullproof.app import Emulator
from pullproof.kube.node.images import parse_image

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"


def _digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _layer(image: str) -> bytes:
    data = f"placeholder for {image}, pushed by pullproof lint --preflight\n".encode()
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        info = tarfile.TarInfo("pullproof-placeholder.txt")
        info.size, info.mtime = len(data), 0
        tar.addfile(info, io.BytesIO(data))
    return gzip.compress(raw.getvalue(), mtime=0)


def _blob(client: TestClient, repo: str, blob: bytes, headers: dict[str, str]) -> None:
    started = client.post(f"/v2/{repo}/blobs/uploads/", headers=headers)
    started.raise_for_status()
    client.put(started.headers["Location"], params={"digest": _digest(blob)}, content=blob,
               headers=headers).raise_for_status()


def push_placeholder(emulator: Emulator, image: str) -> str:
    """Push ``image`` (``<acr>.azurecr.io/<repo>[:<tag>]``; a digest reference gets the tag
    ``pullproof-digest``) and return the pushed manifest's digest."""
    ref = parse_image(image)
    if ref is None:
        raise ValueError(f"not an image reference: {image}")
    tag = "pullproof-digest" if ref.digest else ref.tag or "latest"
    op = emulator.operator
    basic = base64.b64encode(f"{op.client_id}:{op.client_secret}".encode()).decode()
    client = TestClient(emulator.app, base_url=f"https://{ref.host}")
    token = client.get("/oauth2/token", params={"service": ref.host, "scope": f"repository:{ref.repository}:pull,push"},
                       headers={"Authorization": f"Basic {basic}"})
    token.raise_for_status()
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    config = json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": []},
                         "config": {"Cmd": ["/pullproof-placeholder"]}}).encode()
    layer = _layer(image)
    for blob in (config, layer):
        _blob(client, ref.repository, blob, headers)
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": OCI_MANIFEST,
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": _digest(config),
                   "size": len(config)},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": _digest(layer),
                    "size": len(layer)}]}).encode()
    client.put(f"/v2/{ref.repository}/manifests/{tag}", content=manifest,
               headers={**headers, "Content-Type": OCI_MANIFEST}).raise_for_status()
    return _digest(manifest)
