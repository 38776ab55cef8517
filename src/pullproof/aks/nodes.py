"""Nodes of a cluster's agent pools: Kubernetes Node objects and, for each, a machine identity in
the directory (so IMDS answers the node with its kubelet identity)."""

from __future__ import annotations

import hashlib
from typing import Any

from pullproof.aks.nodebody import NODE_IMAGE, node_body, node_slot
from pullproof.core.clock import Clock
from pullproof.core.hashing import digest_secret, matches
from pullproof.core.nodekeys import NodeKey
from pullproof.identity.models import NodeIdentities
from pullproof.identity.service import DirectoryService
from pullproof.kube.storage.clusters import Cluster
from pullproof.kube.storage.tracker import kube_time

__all__ = ["NODE_IMAGE", "NodeFleet", "node_names", "pool_number"]
BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"


def pool_number(cluster_id: str, pool: str) -> str:
    digest = hashlib.sha256(f"{cluster_id.lower()}/{pool}".encode()).digest()
    return str(int.from_bytes(digest[:4], "big") % 90_000_000 + 10_000_000)


def node_names(cluster_id: str, pool: str, count: int, windows: bool = False) -> list[str]:
    """VMSS computer names: ``aks-<pool>-<number>-vmss`` and six base-36 digits of the instance for Linux;
    ``aks<pool>`` and the same six digits for Windows (a Windows computer name has at most 15 characters,
    hence the 6-character limit on Windows pool names)."""
    number = pool_number(cluster_id, pool)
    names = []
    for index in range(count):
        suffix, value = "", index
        for _ in range(6):
            suffix = BASE36[value % 36] + suffix
            value //= 36
        names.append(f"aks{pool}{suffix}" if windows else f"aks-{pool}-{number}-vmss{suffix}")
    return names


class NodeFleet:
    def __init__(self, directory: DirectoryService, node_key: NodeKey, clock: Clock) -> None:
        self.directory = directory
        self.node_key = node_key
        self.clock = clock

    def credential(self, node: str) -> str:
        return f"{node}:{self.node_key.secret_for(node)}"

    def sync(self, cluster: Cluster, resource: dict[str, Any], kubelet_identity: str | None) -> None:
        """Make the cluster's Node objects and machine identities match its agent pools, writing only what
        differs (the server runs this for every cluster when it opens the data dir)."""
        props = resource["properties"]
        members = {name: (index, pool) for pool in props.get("agentPoolProfiles", []) if running(resource, pool)
                   for index, name in enumerate(node_names(cluster.id, pool["name"], int(pool.get("count") or 0),
                                                           str(pool.get("osType")).lower() == "windows"))}
        existing, _ = cluster.tracker.list("nodes")
        slots = _slots(existing, list(members))
        now = kube_time(self.clock.now())
        wanted = {name: node_body(name, slots[name], index, pool, resource, now)
                  for name, (index, pool) in members.items()}
        for node in existing:
            if node["metadata"]["name"] not in wanted:
                self._drain(cluster, node["metadata"]["name"])  # AKS cordons and drains a node it removes
                cluster.tracker.delete("nodes", "", node["metadata"]["name"])
                self.directory.delete_node(node["metadata"]["name"])
        identities = (kubelet_identity,) if kubelet_identity else ()
        for name, body in wanted.items():
            current = cluster.tracker.find("nodes", "", name)
            if current is None:
                cluster.tracker.create("nodes", "", body)
            else:
                booted = current["status"].get("nodeInfo", {}).get("bootID")
                if booted and booted != body["status"]["nodeInfo"]["bootID"]:
                    self._drain(cluster, name)
                if _refresh(current, body):
                    cluster.tracker.update("nodes", "", current, check_version=False)
            self._register(name, NodeIdentities(None, identities))

    def _register(self, name: str, identities: NodeIdentities) -> None:
        """The node's machine identity in the directory, written only when it is missing or differs (a new
        node, other identities, a new node key): reopening a data dir leaves the row and its salt as they were."""
        secret = self.node_key.secret_for(name)
        row = self.directory.store.node_row(name)
        if row is not None and matches(digest_secret(secret, row["salt"]), row["digest"]) \
                and self.directory.store.node_of(row).identities == identities:
            return
        self.directory.put_node(name, identities, secret)

    def _drain(self, cluster: Cluster, node: str) -> None:
        """A reimaged node was drained first: its pods are evicted (their controllers recreate them)."""
        for pod in cluster.tracker.list("pods")[0]:
            if pod["spec"].get("nodeName") == node and not pod["metadata"].get("deletionTimestamp"):
                pod["metadata"]["deletionTimestamp"] = kube_time(self.clock.now())
                pod["metadata"]["deletionGracePeriodSeconds"] = 30
                cluster.tracker.update("pods", pod["metadata"]["namespace"], pod, check_version=False)

    def remove(self, cluster: Cluster) -> None:
        nodes, _ = cluster.tracker.list("nodes")
        for node in nodes:
            self.directory.delete_node(node["metadata"]["name"])


def running(resource: dict[str, Any], pool: dict[str, Any]) -> bool:
    """A pool has VMs running unless it, or its whole cluster, is stopped (VMSS deallocated)."""
    stopped = ((resource["properties"].get("powerState") or {}).get("code") == "Stopped"
               or (pool.get("powerState") or {}).get("code") == "Stopped")
    return not stopped


def _slots(existing: list[dict[str, Any]], names: list[str]) -> dict[str, int]:
    """Each node's slot in the node subnet (its InternalIP and pod CIDR): a node keeps the one it has, a new
    node takes the lowest free one, so two pools never share an address and scaling one pool moves no other."""
    taken: dict[str, int] = {}
    for node in existing:
        name = node["metadata"]["name"]
        address = next((a["address"] for a in node["status"].get("addresses", []) if a["type"] == "InternalIP"), None)
        slot = node_slot(address) if address else None
        if name in names and slot is not None and slot not in taken.values():
            taken[name] = slot
    free = (n for n in range(len(names) + len(taken)) if n not in taken.values())
    return {name: taken[name] if name in taken else next(free) for name in names}


MANAGED_STATUS = ("addresses", "allocatable", "capacity", "nodeInfo")
CORDON_TAINT = "node.kubernetes.io/unschedulable"  # put and taken away by the node lifecycle controller


def _own(spec: dict[str, Any]) -> dict[str, Any]:
    """The spec as AKS sets it: without a cordon (``unschedulable`` and the taint that goes with it)."""
    taints = [t for t in spec.get("taints") or [] if t.get("key") != CORDON_TAINT]
    return {**{k: v for k, v in spec.items() if k not in ("unschedulable", "taints")},
            **({"taints": taints} if taints else {})}


def _managed(node: dict[str, Any]) -> str:
    spec = _own(node["spec"])
    kinds = [c["type"] for c in node["status"].get("conditions", [])]
    return repr((node["metadata"].get("labels"), spec, kinds, [node["status"].get(k) for k in MANAGED_STATUS]))


def _refresh(current: dict[str, Any], body: dict[str, Any]) -> bool:
    """Bring what AKS manages on an existing Node (labels, spec but a cordon's ``unschedulable``, addresses,
    resources, nodeInfo, the set of conditions) to ``body``; True if anything changed."""
    before = _managed(current)
    current["metadata"]["labels"] = body["metadata"]["labels"]
    cordon = [t for t in current["spec"].get("taints") or [] if t.get("key") == CORDON_TAINT]
    taints = (body["spec"].get("taints") or []) + cordon
    current["spec"] = {**body["spec"], **({"taints": taints} if taints else {}),
                       **({"unschedulable": True} if current["spec"].get("unschedulable") else {})}
    for key in MANAGED_STATUS:
        current["status"][key] = body["status"][key]
    kinds = [c["type"] for c in current["status"].get("conditions", [])]
    if kinds != [c["type"] for c in body["status"]["conditions"]]:
        current["status"]["conditions"] = body["status"]["conditions"]
    return before != _managed(current)
