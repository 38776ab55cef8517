"""Which host names pullproof answers for, and which service each one is."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

LOGIN_HOSTS = frozenset({"login.microsoftonline.com", "login.windows.net", "login.microsoft.com", "sts.windows.net"})
ARM_HOSTS = frozenset({"management.azure.com", "management.core.windows.net"})
GRAPH_HOSTS = frozenset({"graph.microsoft.com"})
IMDS_HOSTS = frozenset({"169.254.169.254"})
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost"})
VERSION_HOSTS = frozenset({"azcliprod.blob.core.windows.net"})  # az version check
TELEMETRY_HOSTS = frozenset({"dc.services.visualstudio.com", "dc.applicationinsights.azure.com"})


@dataclass
class HostTable:
    """Static Azure host names plus dynamic ones (registries, clusters) that services register.

    A dynamic resolver answers True for a host it serves now (``myacr.azurecr.io`` exists only
    while the registry does, as in DNS)."""

    resolvers: dict[str, Callable[[str], bool]] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)  # further fixed host names, each with its service

    def add_names(self, kind: str, names: Iterable[str]) -> None:
        self.names.update({name.lower(): kind for name in names})

    def add_resolver(self, suffix: str, resolver: Callable[[str], bool]) -> None:
        self.resolvers[suffix] = resolver

    def service_of(self, host: str) -> str | None:
        name = host.lower().rstrip(".")
        for kind, names in (("identity", LOGIN_HOSTS), ("arm", ARM_HOSTS), ("graph", GRAPH_HOSTS),
                            ("imds", IMDS_HOSTS), ("local", LOCAL_HOSTS), ("telemetry", TELEMETRY_HOSTS),
                            ("version-check", VERSION_HOSTS)):
            if name in names:
                return kind
        if name in self.names:
            return self.names[name]
        for suffix, resolver in self.resolvers.items():
            if name.endswith(suffix) and resolver(name):
                return suffix
        return None

    def serves(self, host: str) -> bool:
        return self.service_of(host) is not None
