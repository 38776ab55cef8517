"""API discovery documents: legacy (``/api``, ``/apis``, ``/api/v1``, ``/apis/apps/v1``) and
aggregated v2 (``APIGroupDiscoveryList``, chosen by the client's Accept)."""

from __future__ import annotations

from typing import Any

from pullproof.kube.storage.customtypes import ResourceTypes
from pullproof.kube.storage.resources import ResourceType

SERVER_ADDRESSES = [{"clientCIDR": "0.0.0.0/0", "serverAddress": "10.224.0.4:443"}]


def version_info(version: str) -> dict[str, str]:
    major, minor, *_ = version.split(".")
    return {"major": major, "minor": minor, "gitVersion": f"v{version}", "gitCommit": "", "gitTreeState": "clean",
            "buildDate": "2025-04-22T16:03:20Z", "goVersion": "go1.23.6", "compiler": "gc", "platform": "linux/amd64"}


def legacy_api() -> dict[str, Any]:
    return {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": SERVER_ADDRESSES}


def _group_entry(group: str, versions: list[str]) -> dict[str, Any]:
    listed = [{"groupVersion": f"{group}/{version}", "version": version} for version in versions]
    return {"name": group, "versions": listed, "preferredVersion": listed[0]}


def _groups(types: ResourceTypes) -> list[str]:
    return list(dict.fromkeys(g for g, _ in types.group_versions))


def group_list(types: ResourceTypes) -> dict[str, Any]:
    groups = [_group_entry(g, types.versions_of(g)) for g in _groups(types) if g]
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}


def group(types: ResourceTypes, name: str) -> dict[str, Any] | None:
    versions = types.versions_of(name) if name else []
    if not versions:
        return None
    return {"kind": "APIGroup", "apiVersion": "v1", **_group_entry(name, versions)}


def _legacy_resource(rtype: ResourceType) -> list[dict[str, Any]]:
    entry: dict[str, Any] = {"name": rtype.plural, "singularName": rtype.singular, "namespaced": rtype.namespaced,
                             "kind": rtype.kind, "verbs": list(rtype.verbs)}
    if rtype.short_names:
        entry["shortNames"] = list(rtype.short_names)
    if rtype.categories:
        entry["categories"] = list(rtype.categories)
    out = [entry]
    for sub in rtype.subresources:
        item: dict[str, Any] = {"name": f"{rtype.plural}/{sub.name}", "singularName": "",
                                "namespaced": rtype.namespaced}
        if sub.group is not None:
            item.update({"group": sub.group, "version": sub.version})
        item.update({"kind": sub.kind, "verbs": list(sub.verbs)})
        out.append(item)
    return out


def resource_list(types: ResourceTypes, group_name: str, version: str) -> dict[str, Any]:
    resources = [item for rtype in types.in_group_version(group_name, version) for item in _legacy_resource(rtype)]
    return {"kind": "APIResourceList", "apiVersion": "v1",
            "groupVersion": f"{group_name}/{version}" if group_name else version, "resources": resources}


def _aggregated_resource(rtype: ResourceType) -> dict[str, Any]:
    entry: dict[str, Any] = {"resource": rtype.plural,
                             "responseKind": {"group": rtype.group, "version": rtype.version, "kind": rtype.kind},
                             "scope": "Namespaced" if rtype.namespaced else "Cluster",
                             "singularResource": rtype.singular, "verbs": list(rtype.verbs)}
    if rtype.short_names:
        entry["shortNames"] = list(rtype.short_names)
    if rtype.categories:
        entry["categories"] = list(rtype.categories)
    if rtype.subresources:
        entry["subresources"] = [
            {"subresource": sub.name,
             "responseKind": {"group": sub.group if sub.group is not None else rtype.group,
                              "version": sub.version or rtype.version, "kind": sub.kind},
             "verbs": list(sub.verbs)} for sub in rtype.subresources]
    return entry


def aggregated(types: ResourceTypes, legacy: bool) -> dict[str, Any]:
    """``/api`` (``legacy``) or ``/apis`` as an ``APIGroupDiscoveryList``."""
    items = []
    for group_name in _groups(types):
        if bool(group_name) == legacy:
            continue
        metadata: dict[str, Any] = {"creationTimestamp": None}
        if group_name:
            metadata["name"] = group_name
        versions = [{"version": version,
                     "resources": [_aggregated_resource(r) for r in types.in_group_version(group_name, version)],
                     "freshness": "Current"} for version in types.versions_of(group_name)]
        items.append({"metadata": metadata, "versions": versions})
    return {"kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2", "metadata": {}, "items": items}
