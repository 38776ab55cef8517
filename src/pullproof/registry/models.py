"""What the data plane knows of a registry, its repositories and artifacts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

NULL_GUID = "00000000-0000-0000-0000-000000000000"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
MANIFEST_TYPES = (OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, DOCKER_LIST)
INDEX_TYPES = (OCI_INDEX, DOCKER_LIST)


@dataclass(frozen=True)
class RegistryInfo:
    """The control-plane settings the data plane enforces."""

    resource_id: str
    name: str
    login_server: str
    sku: str
    admin_enabled: bool
    anonymous_pull: bool
    abac: bool
    arm_audience: bool
    public: bool = False  # a public registry (mcr.microsoft.com, docker.io …): no ARM resource, read-only


class RegistryDirectory(Protocol):
    """The data plane's view of ARM (a port; the registries provider implements it)."""

    def find(self, login_server: str) -> RegistryInfo | None:
        """The registry whose login server is ``login_server`` (case-insensitive), if it exists."""
        ...

    def admin_password_ok(self, registry: RegistryInfo, password: str) -> bool:
        """Whether ``password`` is one of the registry's two admin passwords."""
        ...


@dataclass(frozen=True)
class ManifestRecord:
    digest: str
    media_type: str
    size: int
    artifact_type: str | None
    subject: str | None
    created: float


@dataclass(frozen=True)
class Upload:
    id: str
    registry: str
    repository: str
    committed: int
    started: float
