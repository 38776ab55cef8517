"""Resource ids: building them from scope, type and name, and reading type and name back.

A type ``NS/t1/t2`` with name ``n1/n2`` under scope S is ``S/providers/NS/t1/n1/t2/n2``; resource
groups are the exception (``/subscriptions/{s}/resourceGroups/{name}``), and ids are compared
case-insensitively with both spellings of a resource group id treated as one.
"""

from __future__ import annotations

from pullproof.arm.models import GROUP_TYPE


def interleave(resource_type: str, names: list[str]) -> str:
    """``providers/NS/t1/n1/t2/n2`` (no leading slash); ``len(names)`` must be the number of type segments."""
    namespace, *types = resource_type.split("/")
    parts = [namespace]
    for kind, name in zip(types, names, strict=True):
        parts += [kind, name]
    return "providers/" + "/".join(parts)


def segments_match(resource_type: str, name: str) -> bool:
    return len(resource_type.split("/")) - 1 == len(name.split("/"))


def build_id(scope_id: str, resource_type: str, name: str) -> str:
    names = name.split("/")
    if resource_type.lower() == GROUP_TYPE.lower() and scope_id.count("/") == 2:
        return f"{scope_id}/resourceGroups/{name}"
    prefix = "" if scope_id in ("", "/") else scope_id.rstrip("/")
    return f"{prefix}/{interleave(resource_type, names)}"


def normalize(resource_id: str) -> str:
    """The comparison key of an id (lower case, one spelling for resource groups)."""
    key = "/" + "/".join(p for p in resource_id.lower().split("/") if p)
    return key.replace("/providers/microsoft.resources/resourcegroups/", "/resourcegroups/")


def split_id(resource_id: str) -> tuple[str, str, str]:
    """(scope id, type, name) of an id; the scope of a top-level resource is its group or subscription."""
    parts = [p for p in resource_id.split("/") if p]
    lowered = [p.lower() for p in parts]
    last = max((i for i, p in enumerate(lowered) if p == "providers"), default=-1)
    if last < 0:
        if len(parts) >= 4 and lowered[2] == "resourcegroups":
            return "/" + "/".join(parts[:2]), GROUP_TYPE, parts[3]
        if len(parts) >= 2 and lowered[0] == "subscriptions":
            return "/", "Microsoft.Resources/subscriptions", parts[1]
        return "/", "", ""
    scope = "/" + "/".join(parts[:last]) if last else "/"
    rest = parts[last + 1 :]
    if len(rest) == 3 and rest[0].lower() == "microsoft.resources" and rest[1].lower() == "resourcegroups":
        return scope, GROUP_TYPE, rest[2]
    resource_type = "/".join([rest[0], *rest[1::2]]) if rest else ""
    return scope, resource_type, "/".join(rest[2::2])


def group_id(subscription: str, group: str) -> str:
    return f"/subscriptions/{subscription}/resourceGroups/{group}"


def relative_id(resource_id: str) -> str:
    """``NS/t1/n1/t2/n2`` (what ``reference(…, 'Full').resourceId`` shows)."""
    _, resource_type, name = split_id(resource_id)
    return interleave(resource_type, name.split("/")).removeprefix("providers/") if resource_type else ""
