"""The public registries pullproof emulates offline (mcr.microsoft.com, Docker Hub, ghcr.io, quay.io,
registry.k8s.io): each one's host names, token endpoint, and what it answers an anonymous client for
a repository it does not have. Their content is what was loaded (``pullproof image load``)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from pullproof.registry.models import RegistryDirectory, RegistryInfo


class Missing(StrEnum):
    """What the token endpoint does for a repository the registry does not have (or that is private)."""

    EMPTY_TOKEN = "empty-token"  # a token without the pull action; the manifest then answers 401
    FORBIDDEN = "forbidden"  # the token endpoint answers 403 DENIED
    NO_TOKEN = "no-token"  # no token at all: the manifest answers 404 NAME_UNKNOWN


@dataclass(frozen=True)
class PublicProfile:
    host: str  # the data-plane host; the content is stored under this name
    aliases: tuple[str, ...]  # names an image reference may use for it (``docker.io``)
    token_host: str | None  # the host serving the token endpoint
    token_path: str  # the token endpoint's path on ``token_host``
    service: str  # the ``service`` of the challenge and the token's audience
    missing: Missing
    token_shape: tuple[str, ...]  # the fields of the token answer

    @property
    def realm(self) -> str | None:
        return f"https://{self.token_host}{self.token_path}" if self.token_host else None

    def info(self) -> RegistryInfo:
        return RegistryInfo("", self.host, self.host, "Public", False, True, False, False, public=True)


PROFILES = (
    PublicProfile("mcr.microsoft.com", (), None, "", "mcr.microsoft.com", Missing.NO_TOKEN, ()),
    PublicProfile("registry-1.docker.io", ("docker.io", "index.docker.io"), "auth.docker.io", "/token",
                  "registry.docker.io", Missing.EMPTY_TOKEN, ("token", "access_token", "expires_in", "issued_at")),
    PublicProfile("ghcr.io", (), "ghcr.io", "/token", "ghcr.io", Missing.FORBIDDEN, ("token",)),
    PublicProfile("quay.io", (), "quay.io", "/v2/auth", "quay.io", Missing.EMPTY_TOKEN, ("token",)),
    PublicProfile("registry.k8s.io", (), None, "", "registry.k8s.io", Missing.NO_TOKEN, ()),
)


@dataclass(frozen=True)
class PublicRegistries:
    profiles: tuple[PublicProfile, ...] = PROFILES

    def hosts(self) -> frozenset[str]:
        """Every host name the public registries answer on (data plane and token endpoints)."""
        return frozenset({p.host for p in self.profiles} | {p.token_host for p in self.profiles if p.token_host})

    def profile(self, host: str) -> PublicProfile | None:
        """The registry whose data plane is ``host``, or which a reference names so (``docker.io``)."""
        name = host.lower().rstrip(".").rsplit(":", 1)[0]
        return next((p for p in self.profiles if name == p.host or name in p.aliases), None)

    def token_profile(self, host: str) -> PublicProfile | None:
        """The registry whose token endpoint is on ``host`` (``auth.docker.io``)."""
        name = host.lower().rstrip(".").rsplit(":", 1)[0]
        return next((p for p in self.profiles if name == p.token_host), None)

    def find(self, login_server: str) -> RegistryInfo | None:
        name = login_server.lower().rstrip(".").rsplit(":", 1)[0]
        found = next((p for p in self.profiles if name == p.host), None)
        return found.info() if found else None


class Registries:
    """ACR registries (from ARM) and the public ones, as one ``RegistryDirectory``."""

    def __init__(self, public: PublicRegistries, acr: RegistryDirectory) -> None:
        self.public = public
        self.acr = acr

    def find(self, login_server: str) -> RegistryInfo | None:
        return self.public.find(login_server) or self.acr.find(login_server)

    def admin_password_ok(self, registry: RegistryInfo, password: str) -> bool:
        return not registry.public and self.acr.admin_password_ok(registry, password)
