"""Role definitions, role assignments and scopes."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

GUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
ROLE_DEFINITION_PREFIX = "/providers/microsoft.authorization/roledefinitions/"


def scope_key(scope: str) -> str:
    """The comparable form of a scope: lower case, single slashes, no trailing slash (root is ``/``)."""
    parts = [p for p in scope.lower().split("/") if p]
    return "/" + "/".join(parts)


def ancestors(scope: str) -> list[str]:
    """Every scope whose assignments apply at ``scope``, from the root down to ``scope`` itself.

    ``/subscriptions/s/resourceGroups/g/providers/P/t/n`` has the ancestors ``/``,
    ``/subscriptions/s``, ``.../resourcegroups/g``, and the resource itself (providers segments
    are not scopes of their own).
    """
    parts = [p for p in scope_key(scope).split("/") if p]
    keys = ["/"]
    index = 0
    while index < len(parts):
        index += 4 if parts[index] == "providers" else 2
        keys.append("/" + "/".join(parts[: min(index, len(parts))]))
    return list(dict.fromkeys(keys))


def is_guid(value: str) -> bool:
    return bool(GUID_RE.match(value))


@dataclass(frozen=True)
class Permission:
    actions: tuple[str, ...] = ()
    not_actions: tuple[str, ...] = ()
    data_actions: tuple[str, ...] = ()
    not_data_actions: tuple[str, ...] = ()

    def to_json(self) -> dict[str, list[str]]:
        return {
            "actions": list(self.actions), "notActions": list(self.not_actions),
            "dataActions": list(self.data_actions), "notDataActions": list(self.not_data_actions),
        }


@dataclass(frozen=True)
class RoleDefinition:
    guid: str
    role_name: str
    description: str
    permissions: tuple[Permission, ...]
    role_type: str = "BuiltInRole"
    assignable_scopes: tuple[str, ...] = ("/",)
    created_on: str | None = None
    updated_on: str | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RoleDefinition:
        perms = tuple(
            Permission(
                tuple(p.get("actions", [])), tuple(p.get("notActions", [])),
                tuple(p.get("dataActions", [])), tuple(p.get("notDataActions", [])),
            )
            for p in data["permissions"]
        )
        return cls(data["name"], data["roleName"], data.get("description", ""), perms,
                   created_on=data.get("createdOn"), updated_on=data.get("updatedOn"))


@dataclass(frozen=True)
class RoleAssignment:
    name: str
    scope: str
    role_definition_id: str
    role_guid: str
    principal_id: str
    principal_type: str | None
    created_on: float
    updated_on: float
    created_by: str | None = None
    condition: str | None = None
    condition_version: str | None = None
    description: str | None = None
    effective_from: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        base = "" if self.scope == "/" else self.scope.rstrip("/")
        return f"{base}/providers/Microsoft.Authorization/roleAssignments/{self.name}"

    @property
    def scope_key(self) -> str:
        return scope_key(self.scope)
