"""Loading an image from a file into a registry, offline: an OCI image layout (a directory or a tar
of one) or a ``docker save`` archive. The whole file is read and checked first; then the blob files
are written and every row goes in one transaction, so a bad file adds nothing (and files written
before a failed transaction are unreferenced: ``gc`` collects them)."""

from __future__ import annotations

import hashlib
import json
import tarfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pullproof.core.clock import Clock
from pullproof.registry.content import Content
from pullproof.registry.models import DOCKER_MANIFEST, INDEX_TYPES, MANIFEST_TYPES, ManifestRecord
from pullproof.registry.store import RegistryStore

DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar"


class ImageLoadError(Exception):
    """The file is not a loadable image; the message says why, in one line."""


@dataclass
class Image:
    blobs: dict[str, bytes] = field(default_factory=dict)
    manifests: list[tuple[str, str, bytes, list[tuple[str, str]]]] = field(default_factory=list)  # children first

    @property
    def digest(self) -> str:
        return self.manifests[-1][0]


def _sha(data: bytes) -> str:
    return f"sha256:{hashlib.sha256(data).hexdigest()}"


def _files(path: Path) -> dict[str, bytes]:
    if path.is_dir():
        return {str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}
    try:
        with tarfile.open(path) as archive:
            found: dict[str, bytes] = {}
            for member in archive.getmembers():
                extracted = archive.extractfile(member) if member.isfile() else None
                if extracted is not None:
                    found[member.name.removeprefix("./")] = extracted.read()
            return found
    except (OSError, tarfile.TarError, EOFError) as exc:
        reason = str(exc).splitlines()[0].rstrip(":") if str(exc) else type(exc).__name__
        raise ImageLoadError(f"not a readable tar archive ({reason})") from None


def _json(data: bytes, what: str) -> Any:
    try:
        return json.loads(data)
    except ValueError:
        raise ImageLoadError(f"{what} is not valid JSON") from None


def read_image(path: Path) -> Image:
    if not path.exists():
        raise ImageLoadError("no such file or directory")
    files = _files(path)
    if "index.json" in files and "oci-layout" in files:
        return _oci(files)
    if "manifest.json" in files:
        return _docker(files)
    raise ImageLoadError("neither an OCI image layout (oci-layout, index.json) nor a docker save archive "
                         "(manifest.json)")


def _oci(files: dict[str, bytes]) -> Image:
    index = _json(files["index.json"], "index.json")
    descriptors = index.get("manifests") if isinstance(index, dict) else None
    if not isinstance(descriptors, list) or not descriptors or not isinstance(descriptors[0], dict):
        raise ImageLoadError("index.json lists no manifest")
    image = Image()
    _oci_manifest(files, descriptors[0], image)
    return image


def _oci_blob(files: dict[str, bytes], descriptor: Any) -> tuple[str, bytes]:
    digest = descriptor.get("digest") if isinstance(descriptor, dict) else None
    if not isinstance(digest, str) or not digest.startswith("sha256:"):
        raise ImageLoadError(f"a descriptor without a sha256 digest: {descriptor!r}"[:200])
    data = files.get("blobs/sha256/" + digest.removeprefix("sha256:"))
    if data is None:
        raise ImageLoadError(f"blob {digest} is missing from the layout")
    if _sha(data) != digest:
        raise ImageLoadError(f"blob {digest} does not match its digest")
    return digest, data


def _oci_manifest(files: dict[str, bytes], descriptor: Any, image: Image) -> None:
    digest, data = _oci_blob(files, descriptor)
    document = _json(data, f"manifest {digest}")
    kind = str(document.get("mediaType") or descriptor.get("mediaType") or "") if isinstance(document, dict) else ""
    if kind not in MANIFEST_TYPES or document.get("schemaVersion") != 2:
        raise ImageLoadError(f"manifest {digest} is not an image manifest or index (media type {kind or 'none'})")
    children: list[tuple[str, str]] = []
    if kind in INDEX_TYPES:
        for child in document.get("manifests") or []:
            _oci_manifest(files, child, image)
            children.append((child["digest"], "manifest"))
    else:
        for blob in [document.get("config"), *(document.get("layers") or [])]:
            blob_digest, blob_data = _oci_blob(files, blob)
            image.blobs[blob_digest] = blob_data
            children.append((blob_digest, "blob"))
    image.manifests.append((digest, kind, data, children))


def _docker(files: dict[str, bytes]) -> Image:
    entries = _json(files["manifest.json"], "manifest.json")
    entry = entries[0] if isinstance(entries, list) and entries and isinstance(entries[0], dict) else None
    if entry is None or not isinstance(entry.get("Config"), str) or not isinstance(entry.get("Layers"), list):
        raise ImageLoadError("manifest.json has no image (Config and Layers)")
    image = Image()
    descriptors = []
    for name, media in [(entry["Config"], DOCKER_CONFIG), *((layer, DOCKER_LAYER) for layer in entry["Layers"])]:
        data = files.get(str(name))
        if data is None:
            raise ImageLoadError(f"{name} is missing from the archive")
        if media == DOCKER_CONFIG:
            _json(data, str(name))
        image.blobs[_sha(data)] = data
        descriptors.append({"mediaType": media, "size": len(data), "digest": _sha(data)})
    manifest = {"schemaVersion": 2, "mediaType": DOCKER_MANIFEST, "config": descriptors[0],
                "layers": descriptors[1:]}
    data = json.dumps(manifest, indent=3).encode()
    image.manifests.append((_sha(data), DOCKER_MANIFEST, data, [(str(d["digest"]), "blob") for d in descriptors]))
    return image


def store_image(image: Image, registry: str, repository: str, tag: str, content: Content, store: RegistryStore,
                clock: Clock) -> None:
    """Blob files first (unreferenced until the rows exist), then every row in one transaction."""
    for digest, data in [*image.blobs.items(), *((d, b) for d, _, b, _ in image.manifests)]:
        content.store_bytes(digest, data)
    now = clock.now()
    records = [(ManifestRecord(d, kind, len(b), None, None, now), children) for d, kind, b, children in image.manifests]
    store.load(registry, repository, [(d, len(b)) for d, b in image.blobs.items()], records, tag, now)
