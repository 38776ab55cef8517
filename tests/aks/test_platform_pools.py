"""Windows and arm64 pools, stop/start and scale through ARM; the cordon taint and the scheduler's texts."""

from __future__ import annotations

from typing import Any

from pullproof.kube.controllers.nodelifecycle import NodeLifecycleController
from pullproof.kube.controllers.scheduler import Scheduler
from tests.aks.support import cluster_of, create_cluster, deploy, pods, step
from tests.conftest import Local
from tests.kube.controllers.support import add_node, add_pod, open_cluster

LINUX = {"name": "nodepool1", "count": 1, "vmSize": "", "mode": "System", "osType": "Linux"}


def arm(local: Local, method: str, path: str, body: Any = None) -> Any:
    sub = local.emulator.operator.subscription_id
    with local.client() as client:
        return client.request(method, f"/subscriptions/{sub}/resourceGroups/rg/providers/Microsoft.ContainerService/"
                              f"managedClusters/{path}?api-version=2026-06-01", json=body,
                              headers={"Authorization": f"Bearer {local.token()}"})


def node_map(local: Local, resource: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {n["metadata"]["name"]: n for n in cluster_of(local, resource).tracker.list("nodes")[0]}


def test_windows_and_arm64_pools_make_their_nodes(local: Local) -> None:
    resource = create_cluster(local, "aks-plat", properties={
        "dnsPrefix": "aks-plat", "networkProfile": {"networkPlugin": "azure"},
        "agentPoolProfiles": [LINUX, {"name": "arm", "count": 1, "vmSize": "Standard_D2pds_v5", "mode": "User"},
                              {"name": "win", "count": 2, "mode": "User", "osType": "Windows"}]})
    assert resource["properties"]["windowsProfile"] == {"adminUsername": "azureuser", "enableCSIProxy": True}
    nodes = node_map(local, resource)
    assert {"akswin000000", "akswin000001"} <= set(nodes)
    win = nodes["akswin000000"]
    assert win["metadata"]["labels"]["kubernetes.io/os"] == "windows"
    assert (win["status"]["nodeInfo"]["osImage"], win["status"]["nodeInfo"]["operatingSystem"]) == \
        ("Windows Server 2022 Datacenter", "windows")
    assert win["status"]["nodeInfo"]["kernelVersion"].startswith("10.0.20348.")
    (arm64,) = [n for name, n in nodes.items() if name.startswith("aks-arm-")]
    assert arm64["metadata"]["labels"]["kubernetes.io/arch"] == "arm64"
    assert arm64["status"]["nodeInfo"]["architecture"] == "arm64" and arm64["status"]["capacity"]["cpu"] == "2"
    assert "arm64" in arm64["metadata"]["labels"]["kubernetes.azure.com/node-image-version"]


def test_windows_pool_errors(local: Local) -> None:
    create_cluster(local, "aks-kubenet")
    long_name = arm(local, "PUT", "aks-kubenet/agentPools/winpool1", {"properties": {"osType": "Windows",
                                                                                     "count": 1}})
    assert (long_name.status_code, long_name.json()["error"]["code"]) == (400, "WindowsAgentPoolNameTooLong")
    kubenet = arm(local, "PUT", "aks-kubenet/agentPools/win", {"properties": {"osType": "Windows", "count": 1}})
    assert kubenet.json()["error"] == {"code": "AzureCNIOnlyForWindows", "message": "Windows agent pools can only "
                                       "be added to AKS clusters using Azure-CNI."}


def test_stop_takes_the_nodes_away_start_brings_them_back(local: Local) -> None:
    resource = create_cluster(local, "aks-stop")
    cluster = cluster_of(local, resource)
    deploy(cluster, "web", "mcr.microsoft.com/azuredocs/aks-helloworld:v1", replicas=2)
    step(local)
    before = {p["metadata"]["name"] for p in pods(cluster, "web")}
    assert arm(local, "POST", "aks-stop/stop").status_code == 204
    body = arm(local, "GET", "aks-stop").json()
    assert body["properties"]["powerState"] == {"code": "Stopped"}
    assert {p["powerState"]["code"] for p in body["properties"]["agentPoolProfiles"]} == {"Stopped"}
    assert cluster.tracker.list("nodes")[0] == [] and local.emulator.clusters.by_host(cluster.host) is None
    again = arm(local, "POST", "aks-stop/stop")
    assert again.json()["error"]["message"] == ("managed cluster is in Provisioning State(Succeeded) and Power "
                                                "State(Stopped), stopping cannot be performed")
    scale = arm(local, "PUT", "aks-stop/agentPools/nodepool1", {"properties": {"count": 3}})
    assert (scale.status_code, scale.json()["error"]["code"]) == (400, "OperationNotAllowed")
    assert arm(local, "POST", "aks-stop/start").status_code == 204
    step(local, 3)
    assert len(cluster.tracker.list("nodes")[0]) == 2
    running = pods(cluster, "web")
    nodes = {n["metadata"]["name"] for n in cluster.tracker.list("nodes")[0]}
    assert len(running) == 2 and {p["metadata"]["name"] for p in running}.isdisjoint(before)  # replaced
    assert {p["spec"].get("nodeName") for p in running} <= nodes and all(p["spec"].get("nodeName") for p in running)


def test_scale_in_removes_the_highest_index(local: Local) -> None:
    resource = create_cluster(local, "aks-scale")
    assert arm(local, "PUT", "aks-scale/agentPools/nodepool1", {"properties": {"count": 3}}).status_code == 200
    assert sorted(node_map(local, resource))[-1].endswith("vmss000002")
    assert arm(local, "PUT", "aks-scale/agentPools/nodepool1", {"properties": {"count": 1}}).status_code == 200
    assert [n[-6:] for n in sorted(node_map(local, resource))] == ["000000"]


def test_cordon_adds_the_taint_and_the_scheduler_says_unschedulable(local: Local) -> None:
    cluster = open_cluster(local)
    node = add_node(cluster, "aks-pool-10000000-vmss000000", 0)
    node["spec"]["unschedulable"] = True
    cluster.tracker.update("nodes", "", node, check_version=False)
    NodeLifecycleController(cluster.tracker).reconcile()
    tainted = cluster.tracker.find("nodes", "", node["metadata"]["name"])
    assert tainted is not None
    assert tainted["spec"]["taints"] == [{"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}]
    add_pod(cluster, "web")
    Scheduler(cluster.tracker, local.clock).reconcile()
    pod = cluster.tracker.find("pods", "default", "web")
    assert pod is not None
    assert pod["status"]["conditions"][0]["message"].startswith("0/1 nodes are available: 1 node(s) were "
                                                                "unschedulable.")
    tainted["spec"].pop("unschedulable")
    cluster.tracker.update("nodes", "", tainted, check_version=False)
    NodeLifecycleController(cluster.tracker).reconcile()
    assert "taints" not in (cluster.tracker.find("nodes", "", node["metadata"]["name"]) or {})["spec"]


def test_no_nodes_at_all(local: Local) -> None:
    cluster = open_cluster(local)
    add_pod(cluster, "web")
    Scheduler(cluster.tracker, local.clock).reconcile()
    pod = cluster.tracker.find("pods", "default", "web")
    assert pod is not None and pod["status"]["conditions"][0]["message"] == "no nodes available to schedule pods"


def test_a_pools_node_labels_are_on_its_nodes(local: Local) -> None:
    resource = create_cluster(local, "aks-labels", properties={"dnsPrefix": "aks-labels", "agentPoolProfiles": [
        {**LINUX, "nodeLabels": {"tier": "web", "agentpool": "ignored"}}]})
    (node,) = node_map(local, resource).values()
    assert node["metadata"]["labels"]["tier"] == "web" and node["metadata"]["labels"]["agentpool"] == "nodepool1"
    assert arm(local, "PUT", "aks-labels/agentPools/nodepool1",
               {"properties": {"nodeLabels": {"tier": "api"}}}).status_code == 200
    (node,) = node_map(local, resource).values()
    assert node["metadata"]["labels"]["tier"] == "api"
