"""kube-system with the real clients: ``skopeo inspect --raw`` sees the shipped CoreDNS image index at its
mcr.microsoft.com name through the proxy; after ``az aks create``, ``kubectl get deploy,ds -n kube-system``
lists AKS's system workloads and the coredns pods, pulled from mcr by the kubelets, reach Running."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from pullproof.registry.shipped import IMAGES, build
from tests.conftest import Served
from tests.registry.realclients import Skopeo, client_env
from tests.scenarios.images import cluster_kubectl, fast_served, operator_az, pods_in

pytestmark = pytest.mark.realclient


def test_skopeo_reads_the_shipped_coredns_index(served: Served) -> None:
    skopeo = Skopeo(client_env(served.env()))
    shipped = next(i for i in IMAGES if i.repository == "oss/v2/kubernetes/coredns")
    raw = skopeo.run("inspect", "--raw", f"docker://{shipped.reference}").stdout
    index = json.loads(raw)
    assert index["mediaType"] == "application/vnd.oci.image.index.v1+json"
    assert [(m["platform"]["os"], m["platform"]["architecture"]) for m in index["manifests"]] == [
        ("linux", "amd64"), ("linux", "arm64")]
    assert raw.encode() == build(shipped).manifests[-1][2]
    seen = json.loads(skopeo.inspect(shipped.reference, None).stdout)
    assert seen["Os"] == "linux" and seen["Labels"]["org.opencontainers.image.version"] == "v1.11.3-6"


@pytest.fixture(scope="module")
def fast(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    yield from fast_served(tmp_path_factory, "kube-system")


def test_kubectl_lists_kube_system_and_coredns_runs(fast: Served, tmp_path: Path) -> None:
    az = operator_az(fast, tmp_path / "az")
    az.run("group", "create", "--name", "rg-sys", "--location", "eastus")
    az.run("aks", "create", "-g", "rg-sys", "-n", "aks-sys", "--node-count", "2")
    kubectl = cluster_kubectl(az, "rg-sys", "aks-sys", tmp_path / "kube")
    listed = kubectl.ok("get", "deploy,ds", "-n", "kube-system", "-o", "name").split()
    assert sorted(listed) == sorted([
        "deployment.apps/coredns", "deployment.apps/coredns-autoscaler", "deployment.apps/konnectivity-agent",
        "deployment.apps/metrics-server", "daemonset.apps/azure-ip-masq-agent", "daemonset.apps/cloud-node-manager",
        "daemonset.apps/csi-azuredisk-node", "daemonset.apps/csi-azurefile-node", "daemonset.apps/kube-proxy"])
    pods_in(kubectl, "k8s-app=kube-dns", "Running", 2, namespace="kube-system")
    service = json.loads(kubectl.ok("get", "service", "kube-dns", "-n", "kube-system", "-o", "json"))
    assert service["spec"]["clusterIP"] == "10.0.0.10"
