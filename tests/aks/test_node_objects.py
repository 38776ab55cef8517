"""Node objects as AKS registers them: labels, addresses unique across pools, resources from the VM size
after AKS's reservations, every condition, nodeInfo; the official Python client reads them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client as k8s

from pullproof.aks.nodebody import resources
from tests.aks.support import cluster_of, create_cluster
from tests.conftest import Local
from tests.kube.inprocess import InProcessServer

TWO_POOLS = {"agentPoolProfiles": [
    {"name": "system", "count": 2, "mode": "System", "osType": "Linux",
     "nodeTaints": ["CriticalAddonsOnly=true:NoSchedule"], "availabilityZones": ["1", "2", "3"]},
    {"name": "user", "count": 3, "mode": "User", "osType": "Linux", "vmSize": "Standard_D4s_v5"}]}


def _nodes(local: Local, resource: dict[str, Any]) -> list[dict[str, Any]]:
    return cluster_of(local, resource).tracker.list("nodes")[0]


def _create(local: Local, name: str) -> dict[str, Any]:
    return create_cluster(local, name, properties={"dnsPrefix": name, "kubernetesVersion": "", **TWO_POOLS})


def test_two_pools_get_distinct_addresses_from_the_node_subnet(local: Local) -> None:
    nodes = _nodes(local, _create(local, "aks-ips"))
    addresses = [a["address"] for n in nodes for a in n["status"]["addresses"] if a["type"] == "InternalIP"]
    assert len(nodes) == 5
    assert sorted(addresses) == [f"10.224.0.{i}" for i in range(4, 9)]
    assert len({n["spec"]["podCIDR"] for n in nodes}) == 5


def test_labels_taints_and_zones_follow_the_pool(local: Local) -> None:
    nodes = {n["metadata"]["name"]: n for n in _nodes(local, _create(local, "aks-labels"))}
    system = nodes[next(n for n in sorted(nodes) if "-system-" in n)]
    labels = system["metadata"]["labels"]
    assert {k: labels[k] for k in ("agentpool", "kubernetes.azure.com/agentpool", "kubernetes.azure.com/role",
                                   "kubernetes.azure.com/mode", "node.kubernetes.io/instance-type",
                                   "topology.kubernetes.io/region", "topology.kubernetes.io/zone",
                                   "kubernetes.io/os", "kubernetes.io/arch")} == {
        "agentpool": "system", "kubernetes.azure.com/agentpool": "system", "kubernetes.azure.com/role": "agent",
        "kubernetes.azure.com/mode": "system", "node.kubernetes.io/instance-type": "Standard_DS2_v2",
        "topology.kubernetes.io/region": "eastus", "topology.kubernetes.io/zone": "eastus-1",
        "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64"}
    assert labels["kubernetes.io/hostname"] == system["metadata"]["name"]
    assert system["spec"]["taints"] == [{"key": "CriticalAddonsOnly", "value": "true", "effect": "NoSchedule"}]
    user = nodes[next(n for n in sorted(nodes) if "-user-" in n)]
    assert user["metadata"]["labels"]["kubernetes.azure.com/mode"] == "user"
    assert user["metadata"]["labels"]["topology.kubernetes.io/zone"] == "0"
    assert "taints" not in user["spec"]


def test_conditions_and_node_info_are_complete(local: Local) -> None:
    node = _nodes(local, create_cluster(local, "aks-conditions"))[0]
    assert [(c["type"], c["status"], c["reason"]) for c in node["status"]["conditions"]] == [
        ("NetworkUnavailable", "False", "RouteCreated"), ("MemoryPressure", "False", "KubeletHasSufficientMemory"),
        ("DiskPressure", "False", "KubeletHasNoDiskPressure"), ("PIDPressure", "False", "KubeletHasSufficientPID"),
        ("Ready", "True", "KubeletReady")]
    info = node["status"]["nodeInfo"]
    assert set(info) == {"architecture", "bootID", "containerRuntimeVersion", "kernelVersion", "kubeProxyVersion",
                         "kubeletVersion", "machineID", "operatingSystem", "osImage", "systemUUID"}
    assert len(info["machineID"]) == 32 and info["systemUUID"] != info["bootID"]


@pytest.mark.parametrize(("size", "pods", "cpu", "memory"), [
    ("Standard_DS2_v2", 110, "1900m", f"{7097684 - 7097684 // 4 - 102400}Ki"),  # 25% of memory is the lesser
    ("Standard_D8s_v5", 30, "7820m", f"{int(32 * 1048576 * 0.967) - 650 * 1024 - 102400}Ki"),  # 20Mi*30+50Mi
    ("Standard_D4s_v5", 250, "3860m", f"{int(16 * 1048576 * 0.967) - int(16 * 1048576 * 0.967) // 4 - 102400}Ki")])
def test_allocatable_follows_aks_reservations(size: str, pods: int, cpu: str, memory: str) -> None:
    capacity, allocatable = resources(size, pods, 128)
    assert (allocatable["cpu"], allocatable["memory"], allocatable["pods"]) == (cpu, memory, str(pods))
    assert capacity["ephemeral-storage"] == "129886128Ki"
    assert allocatable["ephemeral-storage"] == str(129886128 * 1024 * 9 // 10)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[InProcessServer]:
    server = InProcessServer(tmp_path / "data").start()
    try:
        yield server
    finally:
        server.stop()


def test_the_official_python_client_lists_the_nodes(server: InProcessServer) -> None:
    host = "nodes-abcd1234.hcp.eastus.azmk8s.io"
    cluster_id = "/subscriptions/s/resourcegroups/rg/providers/microsoft.containerservice/managedclusters/nodes"
    cluster = server.open_cluster(cluster_id, host, "tok")
    resource = {"id": cluster_id, "location": "eastus",
                "properties": {"nodeResourceGroup": "MC_rg_nodes_eastus", **TWO_POOLS}}
    server.emulator.managed_clusters.fleet.sync(cluster, resource, None)
    config = k8s.Configuration(host=f"https://{host}:443", api_key={"authorization": "Bearer tok"})
    config.proxy = server.proxy
    config.ssl_ca_cert = str(server.emulator.ca.cert_path)
    with k8s.ApiClient(config) as api:
        listed = k8s.CoreV1Api(api).list_node()
    assert len(listed.items) == 5
    first = listed.items[0]
    assert first.status.node_info.machine_id and first.status.node_info.system_uuid
    assert first.status.allocatable["cpu"] == "1900m"
    assert [c.type for c in first.status.conditions][-1] == "Ready"


def test_a_cordon_survives_a_sync_and_slots_stay_when_a_pool_scales(local: Local) -> None:
    resource = _create(local, "aks-cordon")
    cluster = cluster_of(local, resource)
    node = cluster.tracker.list("nodes")[0][0]
    node["spec"]["unschedulable"] = True
    cluster.tracker.update("nodes", "", node, check_version=False)
    before = {n["metadata"]["name"]: n["status"]["addresses"][0]["address"] for n in cluster.tracker.list("nodes")[0]}
    pools = [{**TWO_POOLS["agentPoolProfiles"][0], "count": 1}, TWO_POOLS["agentPoolProfiles"][1]]
    local.emulator.managed_clusters.fleet.sync(cluster, resource, None)
    assert cluster.tracker.get("nodes", "", node["metadata"]["name"])["spec"]["unschedulable"] is True
    create_cluster(local, "aks-cordon", properties={"dnsPrefix": "aks-cordon", "kubernetesVersion": "",
                                                     "agentPoolProfiles": pools})
    after = {n["metadata"]["name"]: n["status"]["addresses"][0]["address"] for n in cluster.tracker.list("nodes")[0]}
    assert len(after) == 4 and all(before[name] == address for name, address in after.items())
