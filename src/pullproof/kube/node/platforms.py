"""The platform a node's runtime pulls for, and containerd's platform matcher: ``platforms.Only`` of the
node's platform, which on linux/amd64 also accepts 386 and on linux/arm64 (variant v8) also accepts arm v8
down to v5, in that order of preference; an entry without a variant matches the default one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

DEFAULT_VARIANTS = {"arm64": "v8", "arm": "v7"}


@dataclass(frozen=True)
class Platform:
    os: str = "linux"
    architecture: str = "amd64"

    @property
    def text(self) -> str:
        variant = DEFAULT_VARIANTS.get(self.architecture)
        return "/".join([self.os, self.architecture, *([variant] if variant else [])])

    def preferences(self) -> list[tuple[str, str, str]]:
        """(os, architecture, variant) this node runs, best first (containerd's platformVector)."""
        if self.architecture == "amd64":
            return [(self.os, "amd64", ""), (self.os, "386", "")]
        if self.architecture == "arm64":
            return [(self.os, "arm64", "v8"), *[(self.os, "arm", v) for v in ("v8", "v7", "v6", "v5")]]
        return [(self.os, self.architecture, DEFAULT_VARIANTS.get(self.architecture, ""))]

    def rank(self, described: dict[str, Any]) -> int | None:
        """Where an index entry's platform stands in the preferences (None: the node cannot run it)."""
        arch = str(described.get("architecture", ""))
        key = (str(described.get("os", "")), arch, str(described.get("variant") or DEFAULT_VARIANTS.get(arch, "")))
        wanted = self.preferences()
        return wanted.index(key) if key in wanted else None

    def runs(self, os_name: str, architecture: str) -> bool:
        """A single-platform image's config (os, architecture): can this node execute it."""
        return any(os_name == o and architecture == a for o, a, _ in self.preferences())


def node_platform(node: dict[str, Any] | None) -> Platform:
    """The node's platform from its ``kubernetes.io/os`` and ``kubernetes.io/arch`` labels."""
    labels = ((node or {}).get("metadata") or {}).get("labels") or {}
    return Platform(str(labels.get("kubernetes.io/os", "linux")), str(labels.get("kubernetes.io/arch", "amd64")))
