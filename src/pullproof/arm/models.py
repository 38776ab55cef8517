"""ARM paths and resources. Paths are matched case-insensitively; canonical ids are echoed back."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

API_VERSION_RE = re.compile(r"^\d{4}-\d{2}-\d{2}(-(preview|privatepreview|beta|alpha))?$")
GROUP_NAME_RE = re.compile(r"^[-\w._()]{1,90}$")
AUTHZ_MARKER = "/providers/microsoft.authorization/"
DEPLOYMENT_TYPE = "Microsoft.Resources/deployments"  # template deployments (their history is no resource)
OBJECT_FIELDS = ("properties", "sku", "identity", "plan")  # what ARM deserializes as objects in every body

GROUP_TYPE = "Microsoft.Resources/resourceGroups"
ROLE_ASSIGNMENT_TYPE = "Microsoft.Authorization/roleAssignments"


def misshapen_field(body: dict[str, Any]) -> str | None:
    """The first envelope field that is present but not a JSON object, if any."""
    return next((k for k in OBJECT_FIELDS if body.get(k) is not None and not isinstance(body[k], dict)), None)


@dataclass(frozen=True)
class ResourceRef:
    """A resource (or a collection of them) addressed under a provider namespace."""

    subscription: str
    group: str | None
    namespace: str
    types: tuple[str, ...]
    names: tuple[str, ...]

    @property
    def is_collection(self) -> bool:
        return len(self.names) < len(self.types)

    @property
    def type(self) -> str:
        return "/".join((self.namespace, *self.types))

    @property
    def type_key(self) -> str:
        return self.type.lower()

    @property
    def name(self) -> str:
        return self.names[-1] if self.names else ""

    @property
    def id(self) -> str:
        base = f"/subscriptions/{self.subscription}"
        if self.group is not None:
            base += f"/resourceGroups/{self.group}"
        base += f"/providers/{self.namespace}"
        for index, kind in enumerate(self.types):
            base += f"/{kind}"
            if index < len(self.names):
                base += f"/{self.names[index]}"
        return base

    @property
    def parent(self) -> ResourceRef | None:
        if len(self.types) < 2:
            return None
        return ResourceRef(self.subscription, self.group, self.namespace, self.types[:-1],
                           self.names[: len(self.types) - 1])


@dataclass(frozen=True)
class ArmPath:
    """What a request path addresses. ``kind`` selects the handler."""

    kind: str
    subscription: str | None = None
    group: str | None = None
    resource: ResourceRef | None = None
    action: str | None = None
    scope: str | None = None
    rest: tuple[str, ...] = ()


def parse_path(path: str) -> ArmPath:
    """Classify an ARM request path (without query string)."""
    lowered = path.lower()
    marker = lowered.rfind(AUTHZ_MARKER)
    if marker >= 0:
        scope = path[:marker] or "/"
        rest = tuple(p for p in path[marker + len(AUTHZ_MARKER):].split("/") if p)
        return ArmPath("authorization", scope=scope, rest=rest)
    parts = [p for p in path.split("/") if p]
    low = [p.lower() for p in parts]
    if not parts:
        return ArmPath("root")
    if low[0] == "metadata":
        return ArmPath("metadata", rest=tuple(parts[1:]))
    if low[0] == "tenants" and len(parts) == 1:
        return ArmPath("tenants")
    if low[0] != "subscriptions":
        return ArmPath("unknown")
    if len(parts) == 1:
        return ArmPath("subscriptions")
    sub = parts[1]
    tail, tail_low = parts[2:], low[2:]
    if not tail:
        return ArmPath("subscription", subscription=sub)
    if tail_low == ["resourcegroups"]:
        return ArmPath("groups", subscription=sub)
    if tail_low == ["resources"]:
        return ArmPath("resources", subscription=sub)
    if tail_low[0] == "operationresults" and len(tail) == 2:
        return ArmPath("operation", subscription=sub, rest=(tail[1],))
    group = None
    if tail_low[0] == "resourcegroups" and len(tail) >= 2:
        group = tail[1]
        tail, tail_low = tail[2:], tail_low[2:]
        if not tail:
            return ArmPath("group", subscription=sub, group=group)
        if tail_low == ["resources"]:
            return ArmPath("resources", subscription=sub, group=group)
    if group is not None and tail_low[0] == "deployments":  # the SDK's legacy path for deployment operations
        return _provider_path(sub, group, ["Microsoft.Resources", *tail])
    if tail_low[0] != "providers":
        return ArmPath("unknown")
    return _provider_path(sub, group, tail[1:])


def _provider_path(sub: str, group: str | None, rest: list[str]) -> ArmPath:
    if not rest:
        return ArmPath("providers", subscription=sub, group=group)
    namespace, rest = rest[0], rest[1:]
    low = [p.lower() for p in rest]
    if not rest:
        return ArmPath("provider", subscription=sub, group=group, rest=(namespace,))
    if group is None and low in (["register"], ["unregister"]):
        return ArmPath("provider", subscription=sub, action=low[0], rest=(namespace,))
    if group is None and len(rest) == 4 and low[0] == "locations" and low[2] in {"operations", "operationresults"}:
        return ArmPath("operation", subscription=sub, rest=(rest[3],))
    if group is None and len(rest) == 1 and low[0] == "checknameavailability":
        return ArmPath("provider", subscription=sub, action="checkNameAvailability", rest=(namespace,))
    types = tuple(rest[0::2])
    names = tuple(rest[1::2])
    ref = ResourceRef(sub, group, namespace, types, names)
    return ArmPath("resource", subscription=sub, group=group, resource=ref)


@dataclass
class Resource:
    """A stored resource: its canonical id, type and the JSON body ARM returns."""

    id: str
    type: str
    name: str
    subscription: str
    group: str | None
    body: dict[str, Any] = field(default_factory=dict)
