"""Resource URL parsing: ``/api/v1/...`` and ``/apis/{group}/{version}/...`` into the resource
type, namespace, name and subresource they address."""

from __future__ import annotations

from dataclasses import dataclass

from pullproof.core.errors import ServiceError
from pullproof.kube import errors
from pullproof.kube.storage.customtypes import ResourceTypes
from pullproof.kube.storage.resources import ResourceType

NAMESPACE_SUBRESOURCES = ("status", "finalize")


@dataclass(frozen=True)
class Target:
    rtype: ResourceType
    namespace: str | None
    name: str | None = None
    subresource: str | None = None
    watch_path: bool = False

    @property
    def scoped_namespace(self) -> str:
        """The tracker namespace of an object request ("" for cluster-scoped kinds)."""
        return self.namespace or ""


def no_resource() -> ServiceError:
    return ServiceError(errors.NO_RESOURCE)


def parse(types: ResourceTypes, group: str, version: str, rest: str) -> Target:
    segments = [s for s in rest.split("/") if s != ""]
    watch = bool(segments) and segments[0] == "watch"
    if watch:
        segments = segments[1:]
    if not types.serves_group_version(group, version) or not segments:
        raise no_resource()
    namespace: str | None = None
    if segments[0] == "namespaces" and len(segments) >= 3 and segments[2] not in NAMESPACE_SUBRESOURCES:
        namespace, segments = segments[1], segments[2:]
    if len(segments) > 3:
        raise no_resource()
    rtype = types.find(group, version, segments[0])
    if rtype is None or (namespace is not None and not rtype.namespaced):
        raise no_resource()
    name = segments[1] if len(segments) > 1 else None
    sub = segments[2] if len(segments) > 2 else None
    if sub is not None and rtype.subresource(sub) is None:
        raise no_resource()
    if rtype.namespaced and name is not None and namespace is None:
        raise no_resource()
    return Target(rtype, namespace, name, sub, watch)
