"""Placeholder images: a one-layer OCI image pushed as the operator into the emulated registry over
the registry's own HTTP API (token from ``/oauth2/token`` with the operator's credentials)."""

from __future__ import annotations

import gzip
import io
import json
import tarfile

from pullproof.kube.node.images import parse_image
from pullproof.lint.world import World

LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"


def _layer(image: str) -> bytes:
    data = f"placeholder for {image}, pushed by pullproof lint --preflight\n".encode()
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        info = tarfile.TarInfo("pullproof-placeholder.txt")
        info.size, info.mtime = len(data), 0
        tar.addfile(info, io.BytesIO(data))
    return gzip.compress(raw.getvalue(), mtime=0)


async def push_placeholder(world: World, image: str) -> str:
    """Push ``image`` (``<acr>.azurecr.io/<repo>[:<tag>]``; a digest reference gets the tag
    ``pullproof-digest``) and return the pushed manifest's digest."""
    ref = parse_image(image)
    if ref is None:
        raise ValueError(f"not an image reference: {image}")
    tag = "pullproof-digest" if ref.digest else ref.tag or "latest"
    config = json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": []},
                         "config": {"Cmd": ["/pullproof-placeholder"]}}).encode()
    async with world.pusher(ref.host) as pusher:
        return await pusher.push(ref.repository, tag, config, [(LAYER, _layer(image))])
