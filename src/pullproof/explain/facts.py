"""The recorded facts an explanation rests on: the pod, its pull attempts, the decisions the
registry and Entra recorded while serving them (by correlation id), and the cluster's identities."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pullproof.aks.provider import CLUSTER_TYPE
from pullproof.core.trace import TraceEntry
from pullproof.kube.node.pulllog import PullRecord

if TYPE_CHECKING:
    from pullproof.explain.state import ToolState



@dataclass
class ClusterFacts:
    id: str
    name: str
    group: str
    control_plane_principal: str | None
    kubelet_principal: str | None
    kubelet_client_id: str | None
    nodes_use: str
    sp_client_id: str | None
    previous_sp_client_id: str | None


@dataclass
class PodFacts:
    cluster: ClusterFacts
    namespace: str
    name: str
    pod: dict[str, Any] | None
    records: list[PullRecord]
    decisions: dict[str, list[TraceEntry]] = field(default_factory=dict)

    @property
    def latest(self) -> PullRecord | None:
        return self.records[0] if self.records else None


def cluster_id(state: ToolState, spec: str) -> str:
    """``RG/NAME`` (in the default subscription) or a full ARM id."""
    if spec.startswith("/subscriptions/"):
        return spec
    group, _, name = spec.partition("/")
    sub = state.subscription_id
    return f"/subscriptions/{sub}/resourceGroups/{group}/providers/{CLUSTER_TYPE}/{name}"


def cluster_facts(state: ToolState, resource_id: str) -> ClusterFacts | None:
    found = state.resource(resource_id)
    if found is None or found.type.lower() != CLUSTER_TYPE.lower():
        return None
    body, private = found.body, found.body.get("_private", {})
    identity = body.get("identity") or {}
    control = identity.get("principalId")
    if identity.get("type") == "UserAssigned":
        assigned: dict[str, Any] = identity.get("userAssignedIdentities") or {}
        first: dict[str, Any] = next(iter(assigned.values()), {})
        control = first.get("principalId")
    if control is None and private.get("sp_client_id"):
        sp = state.service_principal(app_id=private["sp_client_id"])
        control = sp.object_id if sp else None
    kubelet = body["properties"].get("identityProfile", {}).get("kubeletidentity", {})
    return ClusterFacts(found.id, found.name, found.id.split("/")[4], control, kubelet.get("objectId"),
                        kubelet.get("clientId"), private.get("nodes", "msi"), private.get("sp_client_id"),
                        private.get("previous_sp_client_id"))


def pod_facts(state: ToolState, cluster: ClusterFacts, namespace: str, pod: str) -> PodFacts:
    live = state.objects(cluster.id)
    body = live.find("pods", namespace, pod) if live else None
    records = state.pulls(cluster.id, namespace, pod)
    facts = PodFacts(cluster, namespace, pod, body, records)
    if facts.latest is not None:
        for correlation in facts.latest.correlations:
            if correlation:
                facts.decisions[correlation] = state.decisions(correlation, limit=200)
    return facts
