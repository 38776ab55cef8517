"""Image files as real tools write them: an OCI image layout (``skopeo copy … oci:DIR``) and a
``docker save`` archive, built from bytes in the test."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from pathlib import Path

CONFIG = json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": []}}).encode()


def sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _layer(text: str) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as archive:
        body = text.encode()
        info = tarfile.TarInfo("hello.txt")
        info.size = len(body)
        archive.addfile(info, io.BytesIO(body))
    return out.getvalue()


def oci_layout(directory: Path, text: str = "hello", config: dict[str, object] | None = None) -> str:
    """Write an OCI layout with one linux/amd64 image (``config``: the image config's ``config``, e.g.
    Entrypoint and Cmd); returns the manifest's digest."""
    layer = _layer(text)
    image = CONFIG if config is None else json.dumps({**json.loads(CONFIG), "config": config}).encode()
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": sha(image),
                   "size": len(image)},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": sha(layer),
                    "size": len(layer)}]}).encode()
    blobs = directory / "blobs" / "sha256"
    blobs.mkdir(parents=True)
    for data in (image, layer, manifest):
        (blobs / sha(data).removeprefix("sha256:")).write_bytes(data)
    (directory / "oci-layout").write_text('{"imageLayoutVersion": "1.0.0"}')
    (directory / "index.json").write_text(json.dumps({"schemaVersion": 2, "manifests": [
        {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": sha(manifest),
         "size": len(manifest)}]}))
    return sha(manifest)


def tar_of(directory: Path, target: Path) -> Path:
    with tarfile.open(target, "w") as archive:
        for path in sorted(directory.rglob("*")):
            archive.add(path, arcname=str(path.relative_to(directory)), recursive=False)
    return target


def docker_save(target: Path, repo_tag: str, text: str = "hello") -> Path:
    """A ``docker save`` archive (the legacy layout: manifest.json, <id>.json, <id>/layer.tar)."""
    layer = _layer(text)
    config_name = sha(CONFIG).removeprefix("sha256:") + ".json"
    layer_name = sha(layer).removeprefix("sha256:") + "/layer.tar"
    files = {"manifest.json": json.dumps([{"Config": config_name, "RepoTags": [repo_tag],
                                           "Layers": [layer_name]}]).encode(),
             config_name: CONFIG, layer_name: layer}
    with tarfile.open(target, "w") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return target
