"""The images pullproof ships in its emulated mcr.microsoft.com: the AKS system components (CoreDNS,
kube-proxy, the CSI drivers...) under their real names and tags (``shipped.json``). Each is a small,
deterministic OCI image index (linux/amd64, linux/arm64, and windows/amd64 where AKS runs the component
on Windows nodes) whose image configs carry the component's real Entrypoint, ``os`` and ``architecture``.
The blobs are pure functions of the catalogue: fixed mtimes, owners and gzip headers, so every build of
an image has the same digests. A tag already present (a user's ``pullproof image load`` or an earlier
start) is left as it is: what a user loaded wins, and a restart builds nothing."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pullproof.core.clock import Clock
from pullproof.registry.content import Content
from pullproof.registry.loader import Image
from pullproof.registry.models import OCI_INDEX, OCI_MANIFEST, ManifestRecord
from pullproof.registry.store import RegistryStore

OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"
MTIME = 1735689600  # 2025-01-01T00:00:00Z, the catalogue's ``created``
LINUX = (("linux", "amd64", ""), ("linux", "arm64", "v8"))
WINDOWS = (("windows", "amd64", ""),)


@dataclass(frozen=True)
class ShippedImage:
    repository: str
    tag: str
    entrypoint: tuple[str, ...]
    title: str
    windows: bool

    @property
    def reference(self) -> str:
        return f"{REGISTRY}/{self.repository}:{self.tag}"

    def platforms(self) -> tuple[tuple[str, str, str], ...]:
        return LINUX + (WINDOWS if self.windows else ())


def _catalogue() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(Path(__file__).with_name("shipped.json").read_text())
    return data


CATALOGUE = _catalogue()
REGISTRY: str = CATALOGUE["registry"]
IMAGES: tuple[ShippedImage, ...] = tuple(
    ShippedImage(i["repository"], tag, tuple(i["entrypoint"]), i["title"], bool(i.get("windows")))
    for i in CATALOGUE["images"] for tag in i["tags"])


def _canonical(document: dict[str, Any]) -> bytes:
    return json.dumps(document, sort_keys=True, separators=(",", ":")).encode()


def _sha(data: bytes) -> str:
    return f"sha256:{hashlib.sha256(data).hexdigest()}"


def _descriptor(media_type: str, data: bytes, **extra: Any) -> dict[str, Any]:
    return {"mediaType": media_type, "digest": _sha(data), "size": len(data), **extra}


def layer_tar(image: ShippedImage, os_name: str, arch: str) -> bytes:
    """The one layer: the component's binary path holding a line that names it (owner root, fixed mtime)."""
    path = image.entrypoint[0].lstrip("/") if os_name == "linux" else image.entrypoint[0].lstrip("/") + ".exe"
    body = f"{image.title} {image.tag} {os_name}/{arch} (pullproof)\n".encode()
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
        info = tarfile.TarInfo(path)
        info.size, info.mtime, info.mode, info.uid, info.gid = len(body), MTIME, 0o755, 0, 0
        archive.addfile(info, io.BytesIO(body))
    return buffer.getvalue()


def config(image: ShippedImage, os_name: str, arch: str, variant: str, diff_id: str) -> bytes:
    labels = {"org.opencontainers.image.title": image.title, "org.opencontainers.image.version": image.tag,
              "org.opencontainers.image.source": f"https://{image.reference}", "io.pullproof.shipped": "true"}
    run: dict[str, Any] = {"Entrypoint": list(image.entrypoint), "Labels": labels,
                           "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]}
    created = CATALOGUE["created"]
    document: dict[str, Any] = {"architecture": arch, "os": os_name, "created": created, "config": run,
                                "rootfs": {"type": "layers", "diff_ids": [diff_id]},
                                "history": [{"created": created, "created_by": f"pullproof {image.title}"}]}
    if variant:
        document["variant"] = variant
    if os_name == "windows":
        document["os.version"] = CATALOGUE["windows_version"]
        run["Env"] = []
    return _canonical(document)


def build(image: ShippedImage) -> Image:
    """The image index and, per platform, its manifest, config and layer (children before the index)."""
    built = Image()
    entries = []
    for os_name, arch, variant in image.platforms():
        tar = layer_tar(image, os_name, arch)
        layer = gzip.compress(tar, compresslevel=9, mtime=0)
        conf = config(image, os_name, arch, variant, _sha(tar))
        manifest = _canonical({"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                               "config": _descriptor(OCI_CONFIG, conf), "layers": [_descriptor(OCI_LAYER, layer)]})
        built.blobs.update({_sha(conf): conf, _sha(layer): layer})
        built.manifests.append((_sha(manifest), OCI_MANIFEST, manifest, [(_sha(conf), "blob"), (_sha(layer), "blob")]))
        platform: dict[str, str] = {"architecture": arch, "os": os_name}
        if variant:
            platform["variant"] = variant
        if os_name == "windows":
            platform["os.version"] = CATALOGUE["windows_version"]
        entries.append(_descriptor(OCI_MANIFEST, manifest, platform=platform))
    index = _canonical({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": entries})
    built.manifests.append((_sha(index), OCI_INDEX, index, [(str(e["digest"]), "manifest") for e in entries]))
    return built


def ship(content: Content, store: RegistryStore, clock: Clock, workers: int = 16) -> list[str]:
    """Store every shipped image whose tag the registry does not have; returns the references stored.
    The blob files (each one fsynced by the driver) are written side by side, so the disk's flushes overlap;
    then each image's rows go in one transaction, as ``pullproof image load`` stores them."""
    missing = [i for i in IMAGES if store.tag(REGISTRY, i.repository, i.tag) is None]
    if not missing:
        return []
    built = [(image, build(image)) for image in missing]
    files = {d: b for _, image in built for d, b in [*image.blobs.items(), *((d, b) for d, _, b, _ in image.manifests)]}
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(lambda item: content.store_bytes(*item), files.items()))
    now = clock.now()
    for shipped, image in built:
        records = [(ManifestRecord(d, kind, len(b), None, None, now), children)
                   for d, kind, b, children in image.manifests]
        store.load(REGISTRY, shipped.repository, [(d, len(b)) for d, b in image.blobs.items()], records,
                   shipped.tag, now)
    return [shipped.reference for shipped, _ in built]
