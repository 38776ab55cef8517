"""Windows and arm64 node pools, stop/start, scale and the cordon taint with the real az and kubectl.

One ``pullproof up --time-scale 30`` and one Azure CNI cluster (attached to a registry holding an
amd64-only image) for the module; the tests that stop or scale a cluster make their own."""

from __future__ import annotations

import json
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.azcli import Az
from tests.conftest import Served
from tests.scenarios.images import (
    Kubectl,
    Registry,
    cluster_kubectl,
    deployment,
    fast_served,
    operator_az,
    pods_in,
    registry_with_image,
    wait_for,
)

pytestmark = pytest.mark.realclient

GROUP, CLUSTER = "rg-plat-az", "aks-plat"
CORDON = "node.kubernetes.io/unschedulable:NoSchedule"


@dataclass(frozen=True)
class World:
    served: Served
    az: Az
    acr: Registry
    image: str  # linux/amd64 only (a single-platform manifest)
    kubectl: Kubectl
    home: Path


@pytest.fixture(scope="module")
def served_fast(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    yield from fast_served(tmp_path_factory, "plat-az")


@pytest.fixture(scope="module")
def world(served_fast: Served, tmp_path_factory: pytest.TempPathFactory) -> World:
    home = tmp_path_factory.mktemp("plat-az-clients")
    az = operator_az(served_fast, home / "az")
    acr, image = registry_with_image(az, GROUP, "eastus", "ppplataz", home / "oci")
    az.run("aks", "create", "-g", GROUP, "-n", CLUSTER, "--node-count", "1", "--network-plugin", "azure",
           "--attach-acr", acr.name)
    return World(served_fast, az, acr, image, cluster_kubectl(az, GROUP, CLUSTER, home / "kube"), home)


def own_cluster(world: World, name: str, count: int) -> Kubectl:
    world.az.run("aks", "create", "-g", GROUP, "-n", name, "--node-count", str(count), "--attach-acr", world.acr.name)
    return cluster_kubectl(world.az, GROUP, name, world.home / name)


def add_pool(world: World, name: str, *args: str) -> subprocess.CompletedProcess[str]:
    return world.az.run("aks", "nodepool", "add", "-g", GROUP, "--cluster-name", CLUSTER, "--name", name,
                        "--node-count", "1", *args, check=False)


def az_error(code: str, message: str) -> str:
    """What az prints on stderr for an ARM error body."""
    return f"ERROR: ({code}) {message}\nCode: {code}\nMessage: {message}\n"


def table(kubectl: Kubectl, *args: str) -> dict[str, str]:
    """NAME → the whole row of a ``kubectl get`` table."""
    return {line.split()[0]: line for line in kubectl.ok("get", *args).splitlines()[1:] if line.strip()}


def node_names(kubectl: Kubectl, pool: str) -> list[str]:
    return sorted(table(kubectl, "nodes", "-l", f"agentpool={pool}"))


def described(kubectl: Kubectl, node: str) -> dict[str, str]:
    """The ``Taints:`` and ``Unschedulable:`` lines of ``kubectl describe node``."""
    lines = [line.split(":", 1) for line in kubectl.ok("describe", "node", node).splitlines()]
    return {key: value.strip() for key, value in ((p[0], p[1]) for p in lines if len(p) == 2)
            if key in ("Taints", "Unschedulable")}


# platforms ----------------------------------------------------------------------------------------------
def test_a_windows_pool_on_azure_cni_registers_windows_nodes(world: World) -> None:
    added = add_pool(world, "npwin", "--os-type", "Windows")
    assert added.returncode == 0, added.stderr
    assert json.loads(added.stdout)["osType"] == "Windows"
    rows = table(world.kubectl, "nodes", "-o", "wide")
    assert "aksnpwin000000" in rows, rows
    columns = rows["aksnpwin000000"].split()
    assert columns[1] == "Ready"
    assert " Windows Server 2022 Datacenter " in rows["aksnpwin000000"]
    assert columns[-2:] == ["10.0.20348.4294", "containerd://1.7.20+azure"]
    assert table(world.kubectl, "nodes", "-L", "kubernetes.io/os")["aksnpwin000000"].split()[-1] == "windows"


def test_windows_pool_errors_come_out_of_az(world: World) -> None:
    too_long = add_pool(world, "npwin12", "--os-type", "Windows")
    assert (too_long.returncode, too_long.stdout) == (1, "")
    assert too_long.stderr == az_error("WindowsAgentPoolNameTooLong",
                                       "Windows agent pool name can not be longer than 6 characters.")
    world.az.run("aks", "create", "-g", GROUP, "-n", "aks-kubenet", "--node-count", "1", "--network-plugin", "kubenet")
    kubenet = world.az.run("aks", "nodepool", "add", "-g", GROUP, "--cluster-name", "aks-kubenet", "--name", "npwin",
                           "--os-type", "Windows", check=False)
    assert (kubenet.returncode, kubenet.stdout) == (1, "")
    assert kubenet.stderr == az_error("AzureCNIOnlyForWindows",
                                      "Windows agent pools can only be added to AKS clusters using Azure-CNI.")
    assert "npwin12" not in world.az.tsv("aks", "nodepool", "list", "-g", GROUP, "--cluster-name", CLUSTER,
                                         "--query", "[].name").split()
    assert world.az.tsv("aks", "nodepool", "list", "-g", GROUP, "--cluster-name", "aks-kubenet",
                        "--query", "[].name") == "nodepool1"


def test_an_arm64_pool_and_an_amd64_only_image(world: World) -> None:
    added = add_pool(world, "arm", "--node-vm-size", "Standard_D2pds_v5")
    assert added.returncode == 0, added.stderr
    (node,) = node_names(world.kubectl, "arm")
    assert table(world.kubectl, "nodes", "-L", "kubernetes.io/arch")[node].split()[-1] == "arm64"
    pod = (f"apiVersion: v1\nkind: Pod\nmetadata:\n  name: on-arm\n  labels:\n    case: on-arm\nspec:\n"
           f"  nodeSelector:\n    kubernetes.io/arch: arm64\n  containers:\n  - name: app\n    image: {world.image}\n")
    assert world.kubectl.apply(pod).returncode == 0
    pods_in(world.kubectl, "case=on-arm", "CrashLoopBackOff", 1)
    found = world.kubectl.pods("case=on-arm")["on-arm"]
    assert found["spec"]["nodeName"] == node
    terminated = found["status"]["containerStatuses"][0]["lastState"]["terminated"]
    assert (terminated["exitCode"], terminated["reason"]) == (255, "Error")
    for logs in (world.kubectl.ok("logs", "on-arm"), world.kubectl.ok("logs", "on-arm", "--previous")):
        assert logs.startswith("exec ") and logs.endswith(": exec format error\n") and logs.count("\n") == 1


# power state and scale ----------------------------------------------------------------------------------
def test_stop_and_start(world: World) -> None:
    kubectl = own_cluster(world, "aks-stop", 2)
    assert kubectl.apply(deployment("web", world.image)).returncode == 0
    before = pods_in(kubectl, "app=web", "Running", 2)
    assert world.az.run("aks", "stop", "-g", GROUP, "-n", "aks-stop").stdout == ""
    assert world.az.tsv("aks", "show", "-g", GROUP, "-n", "aks-stop", "--query", "powerState.code") == "Stopped"
    assert world.az.tsv("aks", "nodepool", "show", "-g", GROUP, "--cluster-name", "aks-stop", "-n", "nodepool1",
                        "--query", "powerState.code") == "Stopped"
    nodes = kubectl("get", "nodes")
    assert (nodes.returncode, nodes.stdout) == (1, "")
    assert nodes.stderr.endswith("Unable to connect to the server: Forbidden\n")
    scale = world.az.run("aks", "scale", "-g", GROUP, "-n", "aks-stop", "--node-count", "3", check=False)
    assert (scale.returncode, scale.stderr) == (1, az_error(
        "OperationNotAllowed",
        "managed cluster is in Provisioning State(Succeeded) and Power State(Stopped), scaling cannot be performed"))
    world.az.run("aks", "start", "-g", GROUP, "-n", "aks-stop")
    assert world.az.tsv("aks", "show", "-g", GROUP, "-n", "aks-stop", "--query", "powerState.code") == "Running"
    rows = table(kubectl, "nodes")
    assert len(rows) == 2 and {row.split()[1] for row in rows.values()} == {"Ready"}
    after = pods_in(kubectl, "app=web", "Running", 2)
    assert set(after).isdisjoint(before)  # drained at stop, recreated by their ReplicaSet after start
    placed = {p["spec"]["nodeName"] for p in kubectl.pods("app=web").values()}
    assert placed <= set(rows)


def test_scale_down_removes_the_highest_index_and_pods_move(world: World) -> None:
    kubectl = own_cluster(world, "aks-scale", 1)
    world.az.run("aks", "scale", "-g", GROUP, "-n", "aks-scale", "--node-count", "3")
    names = node_names(kubectl, "nodepool1")
    assert [n[-6:] for n in names] == ["000000", "000001", "000002"]
    assert kubectl.apply(deployment("spread", world.image, replicas=6)).returncode == 0
    pods_in(kubectl, "app=spread", "Running", 6)
    before = {name: p["spec"]["nodeName"] for name, p in kubectl.pods("app=spread").items()}
    # least-allocated scoring favours the new nodes (the first one runs kube-system's pods): some must move
    assert set(before.values()) <= set(names) and set(before.values()) - set(names[:1])
    world.az.run("aks", "nodepool", "scale", "-g", GROUP, "--cluster-name", "aks-scale", "-n", "nodepool1",
                 "--node-count", "1")
    assert node_names(kubectl, "nodepool1") == names[:1]
    after = pods_in(kubectl, "app=spread", "Running", 6)
    placed = {name: p["spec"]["nodeName"] for name, p in kubectl.pods("app=spread").items()}
    assert set(placed.values()) == {names[0]}
    kept = {name for name, node in before.items() if node == names[0]}
    assert kept <= set(after) and set(after) - kept and (set(after) - kept).isdisjoint(before)
    world.az.run("aks", "scale", "-g", GROUP, "-n", "aks-scale", "--node-count", "2")
    assert node_names(kubectl, "nodepool1") == names[:2]
    assert world.az.tsv("aks", "show", "-g", GROUP, "-n", "aks-scale", "--query", "agentPoolProfiles[0].count") == "2"


# cordon -------------------------------------------------------------------------------------------------
def test_cordon_shows_the_taint_and_uncordon_removes_it(world: World) -> None:
    assert add_pool(world, "cordon").returncode == 0
    (node,) = node_names(world.kubectl, "cordon")
    assert described(world.kubectl, node) == {"Taints": "<none>", "Unschedulable": "false"}
    assert world.kubectl.ok("cordon", node) == f"node/{node} cordoned\n"
    assert wait_for(lambda: described(world.kubectl, node)["Taints"] == CORDON, "the cordon taint")
    assert described(world.kubectl, node) == {"Taints": CORDON, "Unschedulable": "true"}
    assert table(world.kubectl, "nodes")[node].split()[1] == "Ready,SchedulingDisabled"
    assert world.kubectl.ok("uncordon", node) == f"node/{node} uncordoned\n"
    assert wait_for(lambda: described(world.kubectl, node)["Taints"] == "<none>", "the taint to go")
    assert described(world.kubectl, node) == {"Taints": "<none>", "Unschedulable": "false"}


class Watch:
    """``kubectl get node NAME --watch -o json``: every version of the Node it sees."""

    def __init__(self, kubectl: Kubectl, node: str) -> None:
        command = ["kubectl", "--kubeconfig", str(kubectl.kubeconfig), "--cache-dir", str(kubectl.cache),
                   "get", "node", node, "--watch", "-o", "json"]
        self.process = subprocess.Popen(command, env=kubectl.env(), stdout=subprocess.PIPE, text=True)
        self.seen: list[dict[str, Any]] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        decoder, buffer = json.JSONDecoder(), ""
        for line in self.process.stdout:
            buffer += line
            try:
                found, end = decoder.raw_decode(buffer.lstrip())
            except ValueError:
                continue
            self.seen.append(found)
            buffer = buffer.lstrip()[end:]

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
        self.reader.join(timeout=10)
        assert self.process.stdout is not None
        self.process.stdout.close()


def test_a_pool_update_keeps_the_cordon_taint(world: World) -> None:
    assert add_pool(world, "keep").returncode == 0
    (node,) = node_names(world.kubectl, "keep")
    world.kubectl.ok("cordon", node)
    assert wait_for(lambda: described(world.kubectl, node)["Taints"] == CORDON, "the cordon taint")
    watch = Watch(world.kubectl, node)
    try:
        wait_for(lambda: watch.seen, "the watch's first object")
        world.az.run("aks", "nodepool", "update", "-g", GROUP, "--cluster-name", CLUSTER, "-n", "keep",
                     "--labels", "tier=web")
        wait_for(lambda: any(n["metadata"]["labels"].get("tier") == "web" for n in watch.seen), "the new label")
    finally:
        watch.stop()
    assert table(world.kubectl, "nodes", "-L", "tier")[node].split()[-1] == "web"
    for version in watch.seen:  # no version of the Node, not even for a moment, lost the cordon
        assert version["spec"].get("unschedulable") is True, version["spec"]
        assert {"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"} in version["spec"].get("taints", [])
    assert described(world.kubectl, node) == {"Taints": CORDON, "Unschedulable": "true"}
