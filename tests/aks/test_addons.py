"""kube-system as AKS has it: the system Deployments, DaemonSets, ServiceAccounts and the kube-dns Service
of a new cluster, images per Kubernetes version (moved on a version change), and coredns pods pulled from
the shipped mcr.microsoft.com images by the kubelets."""

from __future__ import annotations

from typing import Any

from pullproof.aks import addons
from pullproof.kube.storage.clusters import Cluster
from pullproof.registry.shipped import IMAGES
from tests.aks.support import cluster_of, create_cluster, step
from tests.conftest import Local

DEPLOYMENTS = {"coredns": 2, "coredns-autoscaler": 1, "metrics-server": 2, "konnectivity-agent": 2}
DAEMONSETS = ["azure-ip-masq-agent", "cloud-node-manager", "csi-azuredisk-node", "csi-azurefile-node", "kube-proxy"]


def _names(cluster: Cluster, resource: str) -> list[str]:
    return sorted(o["metadata"]["name"] for o in cluster.tracker.list(resource, "kube-system")[0])


def _images(obj: dict[str, Any]) -> list[str]:
    return [c["image"] for c in obj["spec"]["template"]["spec"]["containers"]]


def test_a_new_cluster_has_the_system_workloads(local: Local) -> None:
    cluster = cluster_of(local, create_cluster(local, "aks-sys"))
    deployments = {d["metadata"]["name"]: d for d in cluster.tracker.list("deployments.apps", "kube-system")[0]}
    assert {n: d["spec"]["replicas"] for n, d in deployments.items()} == DEPLOYMENTS
    assert _names(cluster, "daemonsets.apps") == DAEMONSETS  # kubenet: no azure-cns
    coredns = deployments["coredns"]
    assert coredns["metadata"]["labels"] == {"k8s-app": "kube-dns", "kubernetes.azure.com/managedby": "aks",
                                             "addonmanager.kubernetes.io/mode": "Reconcile"}
    pod = coredns["spec"]["template"]["spec"]
    assert pod["priorityClassName"] == "system-cluster-critical"
    assert {"key": "CriticalAddonsOnly", "operator": "Exists"} in pod["tolerations"]
    assert pod["nodeSelector"] == {"kubernetes.io/os": "linux"}
    assert pod["containers"][0]["resources"]["requests"] == {"cpu": "100m", "memory": "70Mi"}
    assert _images(coredns) == ["mcr.microsoft.com/oss/v2/kubernetes/coredns:v1.11.3-6"]
    csi = cluster.tracker.find("daemonsets.apps", "kube-system", "csi-azuredisk-node")
    assert csi is not None and [c["name"] for c in csi["spec"]["template"]["spec"]["containers"]] == [
        "liveness-probe", "node-driver-registrar", "azuredisk"]
    assert csi["spec"]["template"]["spec"]["priorityClassName"] == "system-node-critical"
    proxy = cluster.tracker.find("daemonsets.apps", "kube-system", "kube-proxy")
    assert proxy is not None and _images(proxy) == ["mcr.microsoft.com/oss/kubernetes/kube-proxy:v1.32.4"]
    dns = cluster.tracker.find("services", "kube-system", "kube-dns")
    assert dns is not None and dns["spec"]["clusterIP"] == "10.0.0.10"
    assert [(p["port"], p["protocol"]) for p in dns["spec"]["ports"]] == [(53, "UDP"), (53, "TCP")]
    assert "coredns" in _names(cluster, "serviceaccounts")


def test_azure_cni_overlay_adds_azure_cns(local: Local) -> None:
    props = {"dnsPrefix": "ov", "kubernetesVersion": "", "networkProfile": {
        "networkPlugin": "azure", "networkPluginMode": "overlay"},
        "agentPoolProfiles": [{"name": "nodepool1", "count": 1, "mode": "System", "osType": "Linux"}]}
    cluster = cluster_of(local, create_cluster(local, "aks-ov", properties=props))
    cns = cluster.tracker.find("daemonsets.apps", "kube-system", "azure-cns")
    assert cns is not None
    spec = cns["spec"]["template"]["spec"]
    assert [c["image"] for c in spec["initContainers"]] == ["mcr.microsoft.com/containernetworking/azure-cni:v1.6.21"]
    assert _images(cns) == ["mcr.microsoft.com/containernetworking/azure-cns:v1.6.23"]


def test_images_per_kubernetes_version() -> None:
    assert addons.images("1.30.11")["kube-proxy"] == "mcr.microsoft.com/oss/kubernetes/kube-proxy:v1.30.11"
    assert addons.images("1.31.7")["kube-proxy"] == "mcr.microsoft.com/oss/kubernetes/kube-proxy:v1.31.7"
    assert addons.images("1.32.4")["cloud-node-manager"] == \
        "mcr.microsoft.com/oss/kubernetes/azure-cloud-node-manager:v1.32.4"
    assert addons.images("1.30.11")["coredns"] == addons.images("1.32.4")["coredns"]


def test_every_addon_image_is_shipped() -> None:
    shipped = {i.reference for i in IMAGES}
    for version in ("1.30.11", "1.31.7", "1.32.4"):
        assert set(addons.images(version).values()) <= shipped


def test_a_version_change_moves_the_images(local: Local) -> None:
    resource = create_cluster(local, "aks-up")
    cluster = cluster_of(local, resource)
    props = {**resource["properties"], "currentKubernetesVersion": "1.31.7"}
    before = cluster.tracker.find("daemonsets.apps", "kube-system", "kube-proxy")
    assert before is not None
    addons.sync(cluster.tracker, props)
    proxy = cluster.tracker.find("daemonsets.apps", "kube-system", "kube-proxy")
    assert proxy is not None and _images(proxy) == ["mcr.microsoft.com/oss/kubernetes/kube-proxy:v1.31.7"]
    assert proxy["metadata"]["generation"] == before["metadata"]["generation"] + 1
    coredns_rv = cluster.tracker.find("deployments.apps", "kube-system", "coredns")
    addons.sync(cluster.tracker, props)  # nothing moves twice
    assert cluster.tracker.find("deployments.apps", "kube-system", "coredns") == coredns_rv


def test_coredns_pods_are_pulled_from_mcr_and_run(local: Local) -> None:
    resource = create_cluster(local, "aks-dns")
    cluster = cluster_of(local, resource)
    step(local, 5)
    pods = [p for p in cluster.tracker.list("pods", "kube-system")[0]
            if p["metadata"]["labels"].get("k8s-app") == "kube-dns"]
    assert len(pods) == 2
    assert {p["status"]["phase"] for p in pods} == {"Running"}
    for pod in pods:
        records = local.emulator.pull_log.for_pod(resource["id"], "kube-system", pod["metadata"]["name"])
        assert records and all(r.ok for r in records)
        assert {r.image for r in records} == {"mcr.microsoft.com/oss/v2/kubernetes/coredns:v1.11.3-6"}
