"""The Node's ``status.images`` as the kubelet's node status setter writes it: each image the runtime holds,
named by its repo digest and repo tag, largest first (``sort.Sort(ByImageSize)``), at most
``nodeStatusMaxImages`` (50) of them."""

from __future__ import annotations

from typing import Any

from pullproof.kube.node.images import ImageRef
from pullproof.kube.storage.tracker import Tracker, clone

MAX_IMAGES = 50  # the kubelet's nodeStatusMaxImages default


def image_names(image: ImageRef, digest: str) -> list[str]:
    """``repo@digest`` then ``repo:tag`` (no tag for an image pulled by digest alone)."""
    base = f"{image.host}/{image.repository}"
    names = [f"{base}@{digest or image.digest}"] if digest or image.digest else []
    if image.tag or not image.digest:
        names.append(f"{base}:{image.tag or 'latest'}")
    return names


def merged(images: list[dict[str, Any]], names: list[str], size: int) -> list[dict[str, Any]]:
    """The list with this image added (an entry sharing a name is replaced), largest first, capped."""
    kept = [i for i in images if not set(i.get("names") or []) & set(names)]
    entries = [{"names": names, "sizeBytes": size}, *kept]
    entries.sort(key=lambda i: -int(i.get("sizeBytes") or 0))
    return entries[:MAX_IMAGES]


def record_pull(tracker: Tracker, node: str, image: ImageRef, digest: str, size: int) -> None:
    """Write a completed pull into the Node's ``status.images`` (nothing if the Node is gone)."""
    found = tracker.find("nodes", "", node)
    if found is None:
        return
    updated = clone(found)
    status = updated.setdefault("status", {})
    images = merged(list(status.get("images") or []), image_names(image, digest), size)
    if images != status.get("images"):
        status["images"] = images
        tracker.update("nodes", "", updated, check_version=False)
