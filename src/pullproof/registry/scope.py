"""Token scopes (``repository:<name>:pull,push``) and what each verb needs from RBAC.

The verb tables are the one place that maps registry verbs to Azure actions: the legacy mode's
``actions`` and the repository-permission (ABAC) mode's ``dataActions``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

REGISTRY_TYPE = "Microsoft.ContainerRegistry/registries"
PULL_READ = f"{REGISTRY_TYPE}/pull/read"  # the action AcrPull grants: pull in the legacy mode
LEGACY_ACTIONS: dict[str, tuple[str, ...]] = {
    "pull": (PULL_READ,),
    "push": (f"{REGISTRY_TYPE}/push/write",),
    "delete": (f"{REGISTRY_TYPE}/artifacts/delete",),
    "metadata_read": (PULL_READ,),
    "metadata_write": (f"{REGISTRY_TYPE}/push/write",),
    "*": (PULL_READ, f"{REGISTRY_TYPE}/push/write", f"{REGISTRY_TYPE}/artifacts/delete"),
}
DATA_ACTIONS: dict[str, tuple[str, ...]] = {
    "pull": (f"{REGISTRY_TYPE}/repositories/content/read", f"{REGISTRY_TYPE}/repositories/metadata/read"),
    "push": (f"{REGISTRY_TYPE}/repositories/content/write", f"{REGISTRY_TYPE}/repositories/metadata/write"),
    "delete": (f"{REGISTRY_TYPE}/repositories/content/delete", f"{REGISTRY_TYPE}/repositories/metadata/delete"),
    "metadata_read": (f"{REGISTRY_TYPE}/repositories/metadata/read",),
    "metadata_write": (f"{REGISTRY_TYPE}/repositories/metadata/write",),
    "*": (f"{REGISTRY_TYPE}/repositories/content/read", f"{REGISTRY_TYPE}/repositories/content/write",
          f"{REGISTRY_TYPE}/repositories/content/delete"),
}
CATALOG_LEGACY = (PULL_READ,)
CATALOG_DATA = (f"{REGISTRY_TYPE}/catalog/read",)
KNOWN_VERBS = {"pull", "push", "delete", "metadata_read", "metadata_write", "deleted_read", "deleted_restore", "*"}
NAME_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*"
REPOSITORY_RE = re.compile(rf"^{NAME_COMPONENT}(?:/{NAME_COMPONENT})*$")
TAG_RE = re.compile(r"^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$")
DIGEST_RE = re.compile(r"^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$")
SHA256_RE = re.compile(r"^sha256:[a-f0-9]{64}$")


def valid_repository(name: str) -> bool:
    return len(name) <= 255 and bool(REPOSITORY_RE.match(name))


@dataclass(frozen=True)
class Scope:
    """One requested resource: ``type`` (repository/registry), ``name`` and the wanted ``actions``."""

    type: str
    name: str
    actions: tuple[str, ...]

    def render(self) -> str:
        return f"{self.type}:{self.name}:{','.join(self.actions)}"


def parse_scopes(values: list[str]) -> list[Scope]:
    """Scopes from repeated ``scope`` parameters, each possibly space-joined; malformed ones are ignored,
    as distribution does. Actions of one resource are merged."""
    merged: dict[tuple[str, str], list[str]] = {}
    for value in values:
        for item in value.split():
            kind, sep, rest = item.partition(":")
            name, sep2, actions = rest.rpartition(":")
            if not (sep and sep2 and kind and name):
                continue
            wanted = merged.setdefault((kind, name), [])
            wanted += [a for a in actions.split(",") if a and a not in wanted]
    return [Scope(kind, name, tuple(actions)) for (kind, name), actions in merged.items()]


def bearer_challenge(realm: str, service: str, scope: Scope | None, error: str | None = None) -> str:
    """A registry's ``WWW-Authenticate: Bearer`` challenge (distribution's token auth)."""
    parts = [f'realm="{realm}"', f'service="{service}"']
    if scope is not None:
        parts.append(f'scope="{scope.render()}"')
    if error:
        parts.append(f'error="{error}"')
    return "Bearer " + ",".join(parts)
