"""API discovery documents: legacy (``/api``, ``/apis``, ``/api/v1``, ``/apis/apps/v1``) and
aggregated v2 (``APIGroupDiscoveryList``, chosen by the client's Accept)."""

from __future__ import annotations

from typing import Any

from pullproof.kube.storage.resources import GROUP_VERSIONS, ResourceType, in_group_version

SERVER_ADDRESSES = [{"clientCIDR": "0.0.0.0/0", "serverAddress": "10.224.0.4:443"}]


def version_info(version: str) -> dict[str, str]:
    major, minor, *_ = version.split(".")
    return {"major": major, "minor": minor, "gitVersion": f"v{version}", "gitCommit": "", "gitTreeState": "clean",
            "buildDate": "2025-04-22T16:03:20Z", "goVersion": "go1.23.6", "compiler": "gc", "platform": "linux/amd64"}


def legacy_api() -> dict[str, Any]:
    return {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": SERVER_ADDRESSES}


def _group_entry(group: str, version: str) -> dict[str, Any]:
    gv = {"groupVersion": f"{group}/{version}", "version": version}
    return {"name": group, "versions": [gv], "preferredVersion": gv}


def group_list() -> dict[str, Any]:
    groups = [_group_entry(g, v) for g, v in GROUP_VERSIONS if g]
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}


def group(name: str) -> dict[str, Any] | None:
    found = next(((g, v) for g, v in GROUP_VERSIONS if g == name and g), None)
    if found is None:
        return None
    return {"kind": "APIGroup", "apiVersion": "v1", **_group_entry(*found)}


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


def resource_list(group_name: str, version: str) -> dict[str, Any]:
    resources = [item for rtype in in_group_version(group_name, version) for item in _legacy_resource(rtype)]
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


def aggregated(legacy: bool) -> dict[str, Any]:
    """``/api`` (``legacy``) or ``/apis`` as an ``APIGroupDiscoveryList``."""
    items = []
    for group_name, version in GROUP_VERSIONS:
        if bool(group_name) == legacy:
            continue
        metadata: dict[str, Any] = {"creationTimestamp": None}
        if group_name:
            metadata["name"] = group_name
        resources = [_aggregated_resource(r) for r in in_group_version(group_name, version)]
        items.append({"metadata": metadata,
                      "versions": [{"version": version, "resources": resources, "freshness": "Current"}]})
    return {"kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2", "metadata": {}, "items": items}
