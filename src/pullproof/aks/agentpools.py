"""``managedClusters/agentPools``: node pools as child resources, kept in step with the cluster's
``agentPoolProfiles`` (the cluster body is the source of truth)."""

from __future__ import annotations

from typing import Any

from pullproof.aks import errors
from pullproof.aks.nodebody import check_pod_room
from pullproof.aks.provider import (
    CLUSTER_TYPE,
    POOL_TYPE,
    ManagedClusters,
    check_windows,
    default_pool,
    pool_body,
    stopped,
)
from pullproof.arm import errors as arm_errors
from pullproof.arm.models import Resource
from pullproof.arm.providers.base import PutRequest
from pullproof.arm.store import ArmStore
from pullproof.core.clock import Clock
from pullproof.core.errors import ServiceError
from pullproof.identity.models import Caller
from pullproof.kube.node.nodeauth import NodeAuth


class AgentPools:
    resource_type = POOL_TYPE
    long_running_delete = True
    actions = frozenset({"upgradenodeimageversion"})

    def __init__(self, clusters: ManagedClusters, store: ArmStore, clock: Clock) -> None:
        self.clusters = clusters
        self.store = store
        self.clock = clock

    def _parent(self, pool_id: str) -> Resource:
        parent_id = pool_id.rsplit("/agentPools/", 1)[0] if "/agentPools/" in pool_id else pool_id.rsplit("/", 2)[0]
        found = self.store.get(parent_id)
        if found is None:
            parts = parent_id.split("/")
            raise ServiceError(arm_errors.RESOURCE_NOT_FOUND, type=CLUSTER_TYPE, name=parts[-1], group=parts[4])
        return found

    def build(self, request: PutRequest) -> dict[str, Any]:
        cluster = self._parent(request.ref.id)
        given = dict(request.body.get("properties") or {})
        pools = cluster.body["properties"]["agentPoolProfiles"]
        current = next((p for p in pools if p["name"] == request.ref.name), None)
        if stopped(cluster):
            scaling = current is not None and given.get("count") not in (None, current.get("count"))
            raise ServiceError(errors.CLUSTER_STOPPED, power="Stopped", operation="scaling" if scaling else "updating")
        merged = default_pool({**(current or {}), **given, "name": request.ref.name})
        if merged["powerState"]["code"] == "Stopped" and merged.get("mode") == "System":
            raise ServiceError(errors.SYSTEM_POOL_STOP, name=merged["name"])
        check_windows({**cluster.body["properties"], "agentPoolProfiles": [merged]})
        check_pod_room(cluster.body["properties"], [p for p in pools if p["name"] != merged["name"]] + [merged])
        cluster.body["properties"]["agentPoolProfiles"] = [p for p in pools if p["name"] != merged["name"]] + [merged]
        self.clusters.save_cluster(cluster)
        return pool_body(cluster, merged)

    def stored(self, resource: Resource) -> None:
        """Nothing more: ``build`` already saved the cluster."""

    def render(self, resource: Resource, api_version: str) -> dict[str, Any]:
        return resource.body

    def deleted(self, resource: Resource, *, cascade: bool) -> None:
        if cascade:
            return  # the cluster itself is going; its DELETE removes the pools first
        cluster = self._parent(resource.id)
        pools = cluster.body["properties"]["agentPoolProfiles"]
        remaining = [p for p in pools if p["name"] != resource.name]
        if not any(p.get("mode") == "System" for p in remaining):
            raise ServiceError(errors.LAST_SYSTEM_POOL, name=resource.name)
        cluster.body["properties"]["agentPoolProfiles"] = remaining
        self.clusters.save_cluster(cluster)

    def action(self, resource: Resource, action: str, payload: dict[str, Any], caller: Caller) -> tuple[int, Any]:
        cluster = self._parent(resource.id)
        self.clusters.upgrade_node_image(cluster, resource.name)
        self.clusters.save_cluster(cluster)
        pool = next(p for p in cluster.body["properties"]["agentPoolProfiles"] if p["name"] == resource.name)
        return 200, pool_body(cluster, pool)


class AksNodeAuth:
    """Implements ``kube.nodeauth.NodeAuthSource`` from the stored managed clusters."""

    def __init__(self, clusters: ManagedClusters, store: ArmStore) -> None:
        self.clusters = clusters
        self.store = store

    def node_auth(self, cluster_id: str, node: str) -> NodeAuth | None:
        found = self.store.get(cluster_id)
        if found is None or found.type.lower() != CLUSTER_TYPE.lower():
            return None
        return self.clusters.node_auth(found, node)
