"""Image references as the kubelet and containerd see them."""

from __future__ import annotations

import re
from dataclasses import dataclass

DOCKER_HUB = "docker.io"
DOCKER_HUB_ENDPOINT = "registry-1.docker.io"  # where containerd sends requests for docker.io
DIGEST_RE = re.compile(r"^[a-z0-9]+:[a-f0-9]{32,}$")


@dataclass(frozen=True)
class ImageRef:
    """``acr.azurecr.io/guestbook:v1``: host, repository, tag or digest; ``normalized`` as containerd prints it."""

    spec: str
    host: str
    repository: str
    tag: str | None
    digest: str | None

    @property
    def reference(self) -> str:
        return self.digest or self.tag or "latest"

    @property
    def endpoint(self) -> str:
        """The host requests go to: containerd's default endpoint for ``docker.io`` is ``registry-1.docker.io``."""
        return DOCKER_HUB_ENDPOINT if self.host == DOCKER_HUB else self.host

    @property
    def normalized(self) -> str:
        base = f"{self.host}/{self.repository}"
        if self.digest:
            return f"{base}@{self.digest}" if not self.tag else f"{base}:{self.tag}@{self.digest}"
        return f"{base}:{self.tag or 'latest'}"


def parse_image(spec: str) -> ImageRef | None:
    """None for an invalid reference (the kubelet's ``InvalidImageName``)."""
    text = spec.strip()
    if not text or text != spec or any(c.isupper() for c in text.split("@")[0].split("/")[-1].split(":")[0]):
        return None
    name, _, digest = text.partition("@")
    if digest and not DIGEST_RE.match(digest):
        return None
    tag = None
    last = name.rsplit("/", 1)[-1]
    if ":" in last:
        name, tag = name.rsplit(":", 1)
    first, _, rest = name.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        host, repository = first, rest
    else:
        host, repository = DOCKER_HUB, name if "/" in name else f"library/{name}"
    if not repository or not re.match(r"^[a-z0-9]+(?:[._-]+[a-z0-9]+)*(?:/[a-z0-9]+(?:[._-]+[a-z0-9]+)*)*$",
                                       repository):
        return None
    return ImageRef(spec, host, repository, tag, digest or None)
