"""Nodes of a cluster's agent pools: Kubernetes Node objects and, for each, a machine identity in
the directory (so IMDS answers the node with its kubelet identity)."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from pullproof.core.clock import Clock
from pullproof.core.hashing import digest_secret, matches
from pullproof.core.nodekeys import NodeKey
from pullproof.identity.models import NodeIdentities
from pullproof.identity.service import DirectoryService
from pullproof.kube.storage.clusters import Cluster
from pullproof.kube.storage.tracker import kube_time

NODE_IMAGE = "AKSUbuntu-2204gen2containerd-202511.03.0"
BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"


def pool_number(cluster_id: str, pool: str) -> str:
    digest = hashlib.sha256(f"{cluster_id.lower()}/{pool}".encode()).digest()
    return str(int.from_bytes(digest[:4], "big") % 90_000_000 + 10_000_000)


def node_names(cluster_id: str, pool: str, count: int) -> list[str]:
    number = pool_number(cluster_id, pool)
    names = []
    for index in range(count):
        suffix, value = "", index
        for _ in range(6):
            suffix = BASE36[value % 36] + suffix
            value //= 36
        names.append(f"aks-{pool}-{number}-vmss{suffix}")
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
        wanted: dict[str, dict[str, Any]] = {}
        for pool in props.get("agentPoolProfiles", []):
            for index, name in enumerate(node_names(cluster.id, pool["name"], int(pool.get("count") or 0))):
                wanted[name] = self._node(name, index, pool, resource)
        existing, _ = cluster.tracker.list("nodes")
        for node in existing:
            if node["metadata"]["name"] not in wanted:
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
                if (current["metadata"].get("labels"), current["status"].get("nodeInfo")) != (
                        body["metadata"]["labels"], body["status"]["nodeInfo"]):
                    current["metadata"]["labels"] = body["metadata"]["labels"]
                    current["status"]["nodeInfo"] = body["status"]["nodeInfo"]
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

    def _node(self, name: str, index: int, pool: dict[str, Any], resource: dict[str, Any]) -> dict[str, Any]:
        props = resource["properties"]
        image = pool.get("nodeImageVersion", NODE_IMAGE)
        boots = int((resource.get("_private") or {}).get("reimaged", {}).get(pool["name"], 0))
        seed = f"{resource['id'].lower()}/{name}/{boots}".encode()
        boot_id = str(uuid.UUID(bytes=hashlib.sha256(seed).digest()[:16]))
        version = props.get("currentKubernetesVersion", "1.32.4")
        labels = {"agentpool": pool["name"], "kubernetes.azure.com/agentpool": pool["name"],
                  "kubernetes.azure.com/cluster": props["nodeResourceGroup"],
                  "kubernetes.azure.com/mode": str(pool.get("mode", "System")).lower(),
                  "kubernetes.azure.com/node-image-version": image,
                  "kubernetes.io/arch": "amd64", "kubernetes.io/hostname": name, "kubernetes.io/os": "linux",
                  "node.kubernetes.io/instance-type": pool.get("vmSize", "Standard_DS2_v2"),
                  "topology.kubernetes.io/region": resource["location"]}
        now = kube_time(self.clock.now())
        ready = {"type": "Ready", "status": "True", "reason": "KubeletReady",
                 "message": "kubelet is posting ready status", "lastHeartbeatTime": now, "lastTransitionTime": now}
        resources = {"cpu": "2", "memory": "7097684Ki", "pods": str(pool.get("maxPods", 110)),
                     "ephemeral-storage": "129886128Ki"}
        return {"apiVersion": "v1", "kind": "Node",
                "metadata": {"name": name, "labels": labels},
                "spec": {"podCIDR": f"10.244.{index}.0/24", "providerID": f"azure://{name}"},
                "status": {"conditions": [ready], "addresses": [
                    {"type": "InternalIP", "address": f"10.224.0.{4 + index}"}, {"type": "Hostname", "address": name}],
                    "capacity": resources, "allocatable": resources, "images": [],
                    "nodeInfo": {"bootID": boot_id, "kubeletVersion": f"v{version}", "kubeProxyVersion": "",
                                 "containerRuntimeVersion": "containerd://1.7.27-1", "osImage": "Ubuntu 22.04.5 LTS",
                                 "kernelVersion": "5.15.0-1089-azure", "operatingSystem": "linux",
                                 "architecture": "amd64"}}}
