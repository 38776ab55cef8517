"""What an AKS user applies first, with the real az and kubectl on one cluster: the AKS store demo
quickstart (``aks-store-quickstart.yaml``, vendored under tests/fixtures/quickstarts), the
aks-helloworld ingress sample, a kustomize overlay, the imperative ``kubectl create``/``expose``
commands, the read-only views (``get all -A``, events, ``describe``, ``top``), and the invalid
objects kubectl reports with the API server's own words.

The module runs its own ``pullproof up --time-scale 30``; the images the manifests name are loaded
under their real names beforehand (as ``pullproof image load`` does)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from pullproof.cli.context import open_emulator
from pullproof.registry.loader import read_image, store_image
from tests.conftest import Served
from tests.registry.layouts import oci_layout
from tests.scenarios.images import Kubectl, cluster_kubectl, fast_served, operator_az, pods_in, wait_for

pytestmark = pytest.mark.realclient

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "quickstarts"
GROUP, CLUSTER = "myResourceGroup", "myAKSCluster"
IMAGES = [  # (registry, repository, tag): every image the samples name, busybox as containerd normalises it
    ("mcr.microsoft.com", "mirror/docker/library/rabbitmq", "3.10-management-alpine"),
    ("docker.io", "library/busybox", "latest"),
    ("ghcr.io", "azure-samples/aks-store-demo/order-service", "latest"),
    ("ghcr.io", "azure-samples/aks-store-demo/product-service", "latest"),
    ("ghcr.io", "azure-samples/aks-store-demo/store-front", "latest"),
    ("mcr.microsoft.com", "azuredocs/aks-helloworld", "v1"),
    ("docker.io", "library/nginx", "1.27"),
]


@dataclass(frozen=True)
class World:
    served: Served
    kubectl: Kubectl
    home: Path


def load_images(served: Served, root: Path) -> None:
    """Each image stored at its real name in the data dir of the running server, as ``pullproof image load`` does."""
    emulator = open_emulator(served.data_dir)
    try:
        for registry, repository, tag in IMAGES:
            layout = root / repository.replace("/", "_")
            oci_layout(layout, text=repository)
            store_image(read_image(layout), registry, repository, tag, emulator.content, emulator.registry_store,
                        emulator.clock)
    finally:
        emulator.close()


@pytest.fixture(scope="module")
def served_fast(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    yield from fast_served(tmp_path_factory, "quickstarts")


@pytest.fixture(scope="module")
def world(served_fast: Served, tmp_path_factory: pytest.TempPathFactory) -> World:
    """``az group create`` + ``az aks create`` + ``az aks get-credentials``, as the quickstart runs them."""
    home = tmp_path_factory.mktemp("quickstart-clients")
    load_images(served_fast, home / "images")
    az = operator_az(served_fast, home / "az")
    az.run("group", "create", "--name", GROUP, "--location", "eastus")
    az.run("aks", "create", "-g", GROUP, "-n", CLUSTER, "--node-count", "1", "--generate-ssh-keys")
    return World(served_fast, cluster_kubectl(az, GROUP, CLUSTER, home / "kube"), home)


def _external_ip(kubectl: Kubectl, service: str, namespace: str = "default") -> str:
    """``kubectl get service --watch`` until a row shows an EXTERNAL-IP; the IP."""
    command = ["kubectl", "--kubeconfig", str(kubectl.kubeconfig), "--cache-dir", str(kubectl.cache), "get",
               "service", service, "-n", namespace, "--watch"]
    with subprocess.Popen(command, env=kubectl.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          cwd=kubectl.cache.parent) as watching:
        try:
            assert watching.stdout is not None
            header = watching.stdout.readline().split()
            assert header == ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"], header
            for line in watching.stdout:
                row = line.split()
                assert row[:2] == [service, "LoadBalancer"], row
                if row[3] != "<pending>":
                    return row[3]
        finally:
            watching.kill()
    raise AssertionError("the watch ended without an EXTERNAL-IP")


def test_the_aks_store_quickstart_runs(world: World) -> None:
    kubectl = world.kubectl
    applied = kubectl("apply", "-f", str(FIXTURES / "aks-store-quickstart.yaml"))
    assert applied.returncode == 0, applied.stderr
    assert applied.stdout.splitlines() == [
        "statefulset.apps/rabbitmq created", "configmap/rabbitmq-enabled-plugins created", "service/rabbitmq created",
        "deployment.apps/order-service created", "service/order-service created",
        "deployment.apps/product-service created", "service/product-service created",
        "deployment.apps/store-front created", "service/store-front created"]
    wait_for(lambda: _all_running(kubectl), "every pod of the store Running", timeout=60)
    pods = kubectl.statuses()
    assert "rabbitmq-0" in pods and len(pods) == 4, pods
    ip = _external_ip(kubectl, "store-front")
    assert ip.count(".") == 3, ip
    for name in ("order-service", "product-service", "store-front"):
        rolled = kubectl("rollout", "status", f"deployment/{name}", "--timeout=60s", timeout=90)
        assert rolled.stdout.endswith(f'deployment "{name}" successfully rolled out\n'), rolled
    rolled = kubectl("rollout", "status", "statefulset/rabbitmq", "--timeout=60s", timeout=90)
    assert "partitioned roll out complete: 1 new pods have been updated...\n" in rolled.stdout, rolled
    waited = kubectl("wait", "--for=condition=Available", "deployment", "--all", "--timeout=60s", timeout=90)
    assert sorted(waited.stdout.splitlines()) == [
        "deployment.apps/order-service condition met", "deployment.apps/product-service condition met",
        "deployment.apps/store-front condition met"], waited
    shown = [line.split() for line in kubectl.ok("get", "service", "store-front").splitlines()]
    assert shown[1][:5] == ["store-front", "LoadBalancer", shown[1][2], ip, "80:" + shown[1][4][3:]], shown


def _all_running(kubectl: Kubectl, namespace: str = "default") -> bool:
    found = kubectl.statuses(namespace=namespace)
    return len(found) >= 4 and set(found.values()) == {"Running"}


def test_the_aks_helloworld_ingress_sample_runs(world: World) -> None:
    kubectl = world.kubectl
    kubectl.ok("create", "namespace", "ingress-basic")
    applied = kubectl("apply", "-n", "ingress-basic", "-f", str(FIXTURES / "aks-helloworld.yaml"))
    assert applied.stdout.splitlines() == [
        "deployment.apps/aks-helloworld-one created", "service/aks-helloworld-one created",
        "deployment.apps/aks-helloworld-two created", "service/aks-helloworld-two created",
        "ingress.networking.k8s.io/hello-world-ingress created",
        "ingress.networking.k8s.io/hello-world-ingress-static created"], applied.stderr
    pods_in(kubectl, "app in (aks-helloworld-one,aks-helloworld-two)", "Running", 2, "ingress-basic")
    waited = kubectl("wait", "-n", "ingress-basic", "--for=condition=Available", "deployment", "--all",
                     "--timeout=60s", timeout=90)
    assert waited.returncode == 0, waited.stderr
    ingresses = [line.split() for line in kubectl.ok("get", "ingress", "-n", "ingress-basic").splitlines()]
    assert ingresses[0] == ["NAME", "CLASS", "HOSTS", "ADDRESS", "PORTS", "AGE"], ingresses
    assert [row[:3] for row in ingresses[1:]] == [["hello-world-ingress", "nginx", "*"],
                                                 ["hello-world-ingress-static", "nginx", "*"]], ingresses
    described = kubectl.ok("describe", "ingress", "hello-world-ingress", "-n", "ingress-basic")
    assert "/hello-world-two(/|$)(.*)   aks-helloworld-two:80 (10." in described, described
