"""The resource types one cluster serves: the static kinds of ``resources.py`` and the custom
resources its established CustomResourceDefinitions declare (one type per served version).

``ResourceTypes.of(tracker)`` reads the cluster's CRDs at each request, so a CRD created or deleted
is served or gone at once, as a real API server's CRD handler does once the CRD is Established.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from pullproof.kube.storage.resources import (
    ALL_VERBS,
    GROUP_VERSIONS,
    RESOURCES,
    STATUS_VERBS,
    CustomSpec,
    PrinterColumn,
    ResourceType,
    ScalePaths,
    Subresource,
)
from pullproof.kube.storage.tracker import Tracker

CRDS = "customresourcedefinitions.apiextensions.k8s.io"
AGE_PATH = ".metadata.creationTimestamp"
KUBE_VERSION = re.compile(r"^v([1-9][0-9]*)(?:(alpha|beta)([1-9][0-9]*))?$")
Obj = dict[str, Any]


def version_priority(version: str) -> tuple[int, int, int, str]:
    """Kubernetes' version order (``v2`` > ``v1`` > ``v1beta2`` > ``v1beta1`` > ``v1alpha1`` > ``foo``),
    as a key that sorts the preferred version first."""
    found = KUBE_VERSION.match(version)
    if found is None:
        return (3, 0, 0, version)
    stage = {None: 0, "beta": 1, "alpha": 2}[found.group(2)]
    return (stage, -int(found.group(1)), -int(found.group(3) or 0), "")


def established(crd: Obj) -> bool:
    conditions = (crd.get("status") or {}).get("conditions") or []
    return any(c.get("type") == "Established" and c.get("status") == "True" for c in conditions)


def _columns(version: Obj) -> tuple[PrinterColumn, ...]:
    columns = version.get("additionalPrinterColumns") or []
    if not columns:
        return (PrinterColumn("Age", "date", AGE_PATH),)
    return tuple(PrinterColumn(str(c.get("name", "")), str(c.get("type", "string")), str(c.get("jsonPath", "")),
                               str(c.get("format") or ""), str(c.get("description") or ""),
                               int(c.get("priority") or 0)) for c in columns)


def _subresources(kind: str, declared: Obj) -> tuple[tuple[Subresource, ...], ScalePaths | None]:
    subs: list[Subresource] = []
    scale = declared.get("scale")
    paths = None
    if isinstance(scale, dict):
        subs.append(Subresource("scale", "Scale", STATUS_VERBS, "autoscaling", "v1"))
        paths = ScalePaths(str(scale.get("specReplicasPath", "")), str(scale.get("statusReplicasPath", "")),
                           str(scale.get("labelSelectorPath") or ""))
    if "status" in declared:
        subs.append(Subresource("status", kind, STATUS_VERBS))
    return tuple(subs), paths


def custom_types(crd: Obj) -> list[ResourceType]:
    """The resource types an established CRD serves, one per served version."""
    spec = crd.get("spec") or {}
    names = spec.get("names") or {}
    kind = str(names.get("kind", ""))
    out = []
    for version in spec.get("versions") or []:
        if not version.get("served"):
            continue
        subs, scale = _subresources(kind, version.get("subresources") or {})
        schema = (version.get("schema") or {}).get("openAPIV3Schema")
        out.append(ResourceType(
            str(spec.get("group", "")), str(version.get("name", "")), kind, str(names.get("plural", "")),
            str(names.get("singular") or kind.lower()), spec.get("scope") == "Namespaced", "", verbs=ALL_VERBS,
            short_names=tuple(names.get("shortNames") or ()), categories=tuple(names.get("categories") or ()),
            subresources=subs, has_generation=True, custom=CustomSpec(schema, _columns(version), scale)))
    return out


class ResourceTypes:
    """The lookups of served types (``find``, ``by_key``, ``for_kind`` ...) over one cluster's set."""

    def __init__(self, custom: Iterable[ResourceType] = ()) -> None:
        extra = tuple(custom)
        self.all: tuple[ResourceType, ...] = RESOURCES + extra
        groups = sorted({(r.group, r.version) for r in extra}, key=lambda gv: (gv[0], version_priority(gv[1])))
        self.group_versions: tuple[tuple[str, str], ...] = GROUP_VERSIONS + tuple(
            gv for gv in groups if gv not in GROUP_VERSIONS)

    @classmethod
    def of(cls, tracker: Tracker) -> ResourceTypes:
        crds = tracker.scan(CRDS)  # read only: the types keep the stored schemas, never changed
        return cls(t for crd in crds if established(crd) and not crd["metadata"].get("deletionTimestamp")
                   for t in custom_types(crd))

    def in_group_version(self, group: str, version: str) -> list[ResourceType]:
        return [r for r in self.all if r.group == group and r.version == version]

    def find(self, group: str, version: str, plural: str) -> ResourceType | None:
        return next((r for r in self.all if (r.group, r.version, r.plural) == (group, version, plural)), None)

    def by_key(self, key: str) -> ResourceType | None:
        return next((r for r in self.all if r.key == key), None)

    def for_kind(self, api_version: str, kind: str) -> ResourceType | None:
        return next((r for r in self.all if r.api_version == api_version and r.kind == kind), None)

    def serves_group_version(self, group: str, version: str) -> bool:
        return (group, version) in self.group_versions

    def versions_of(self, group: str) -> list[str]:
        """The group's versions, the preferred first."""
        return [v for g, v in self.group_versions if g == group]
