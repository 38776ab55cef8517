"""The Node object AKS registers for one VM of an agent pool: its labels, taints, address from the
node subnet, capacity and allocatable from the VM size (after AKS's reservations), conditions, nodeInfo."""

from __future__ import annotations

import hashlib
import ipaddress
import json
import uuid
from functools import cache
from pathlib import Path
from typing import Any

from pullproof.aks import errors
from pullproof.core.errors import ServiceError

NODE_IMAGE = "AKSUbuntu-2204gen2containerd-202511.03.0"
NODE_IMAGES = {("linux", "amd64"): NODE_IMAGE, ("linux", "arm64"): "AKSUbuntu-2204gen2arm64containerd-202511.03.0",
               ("windows", "amd64"): "AKSWindows-2022-containerd-20348.4294.251111"}
WINDOWS_BUILD = "10.0.20348"
NODE_SUBNET = ipaddress.ip_network("10.224.0.0/16")
DEFAULT_SIZE = "Standard_DS2_v2"
DEFAULT_POD_CIDR = "10.244.0.0/16"  # AKS's default networkProfile.podCidr
# kube-reserved CPU (millicores) by the host's cores, from AKS's node resource reservations table.
CPU_RESERVED = ((64, 740), (32, 420), (16, 260), (8, 180), (4, 140), (2, 100), (1, 60))
EVICTION_MEMORY_KI = 100 * 1024  # memory.available<100Mi (AKS 1.29 and later)
EPHEMERAL_KI_PER_128GB = 129886128  # what the kubelet reports for a 128 GB OS disk
CONDITIONS = (("NetworkUnavailable", "False", "RouteCreated", "RouteController created a route"),
              ("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
              ("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
              ("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
              ("Ready", "True", "KubeletReady", "kubelet is posting ready status"))


@cache
def vm_sizes() -> dict[str, dict[str, Any]]:
    data: dict[str, Any] = json.loads((Path(__file__).with_name("vmsizes.json")).read_text())
    return {k: v for k, v in data.items() if not k.startswith("_")}


def vm_size(name: str) -> tuple[int, int]:
    """(vCPUs, memory in KiB as the kernel reports it) of a VM size; an unknown size counts as DS2_v2."""
    size = vm_sizes().get(name) or vm_sizes()[DEFAULT_SIZE]
    memory = size.get("memoryKi") or int(size["memoryGiB"] * 1048576 * 0.967)
    return int(size["vcpus"]), int(memory)


def platform(pool: dict[str, Any]) -> tuple[str, str]:
    """(os, architecture) of a pool's nodes: Windows by ``osType``, arm64 by the VM size (the p sizes)."""
    os_name = "windows" if str(pool.get("osType", "Linux")).lower() == "windows" else "linux"
    size = vm_sizes().get(str(pool.get("vmSize", DEFAULT_SIZE))) or {}
    return os_name, str(size.get("arch", "amd64"))


def node_image(pool: dict[str, Any]) -> str:
    """The node image AKS gives a pool of this os and architecture."""
    return NODE_IMAGES.get(platform(pool), NODE_IMAGE)


def resources(vm: str, max_pods: int, os_disk_gb: int) -> tuple[dict[str, str], dict[str, str]]:
    """capacity and allocatable: allocatable = capacity - kube-reserved - eviction threshold (AKS 1.29+:
    memory reserved is the lesser of 20 MiB * maxPods + 50 MiB and 25% of memory, plus 100Mi; ephemeral
    storage keeps back nodefs.available<10%)."""
    cpus, memory = vm_size(vm)
    reserved_cpu = next((m for cores, m in CPU_RESERVED if cpus >= cores), 60)
    reserved_memory = min((20 * max_pods + 50) * 1024, memory // 4) + EVICTION_MEMORY_KI
    disk = os_disk_gb * EPHEMERAL_KI_PER_128GB // 128
    common = {"hugepages-1Gi": "0", "hugepages-2Mi": "0", "pods": str(max_pods)}
    capacity = {"cpu": str(cpus), "ephemeral-storage": f"{disk}Ki", "memory": f"{memory}Ki", **common}
    allocatable = {"cpu": f"{cpus * 1000 - reserved_cpu}m", "ephemeral-storage": str(disk * 1024 * 9 // 10),
                   "memory": f"{memory - reserved_memory}Ki", **common}
    return capacity, allocatable


def node_address(index: int) -> str:
    """Node ``index`` of the cluster (counting across pools) gets the index-th address from .4 of the subnet."""
    return str(NODE_SUBNET.network_address + 4 + index)


def node_slot(address: str) -> int | None:
    """The slot of an address given by :func:`node_address` (None outside the node subnet)."""
    ip = ipaddress.ip_address(address)
    return int(ip) - int(NODE_SUBNET.network_address) - 4 if ip in NODE_SUBNET else None


def taints(pool: dict[str, Any]) -> list[dict[str, str]]:
    """``nodeTaints`` (``key=value:Effect``) as Node taints."""
    found = []
    for text in pool.get("nodeTaints") or []:
        pair, _, effect = str(text).rpartition(":")
        key, _, value = pair.partition("=")
        found.append({"key": key, **({"value": value} if value else {}), "effect": effect})
    return found


def _id(seed: str) -> uuid.UUID:
    return uuid.UUID(bytes=hashlib.sha256(seed.encode()).digest()[:16])


def node_info(seed: str, boots: int, version: str, os_arch: tuple[str, str] = ("linux", "amd64")) -> dict[str, str]:
    """nodeInfo as the kubelet reports it: Ubuntu 22.04 (amd64 or arm64), or Windows Server 2022."""
    windows = os_arch[0] == "windows"
    return {"architecture": os_arch[1], "bootID": str(_id(f"{seed}/{boots}")),
            "containerRuntimeVersion": "containerd://1.7.20+azure" if windows else "containerd://1.7.27-1",
            "kernelVersion": f"{WINDOWS_BUILD}.4294" if windows else "5.15.0-1089-azure",
            "kubeProxyVersion": f"v{version}", "kubeletVersion": f"v{version}", "machineID": _id(f"{seed}/machine").hex,
            "operatingSystem": os_arch[0], "osImage": "Windows Server 2022 Datacenter" if windows
            else "Ubuntu 22.04.5 LTS", "systemUUID": str(_id(f"{seed}/system"))}


def conditions(now: str) -> list[dict[str, Any]]:
    return [{"type": kind, "status": status, "reason": reason, "message": message, "lastHeartbeatTime": now,
             "lastTransitionTime": now} for kind, status, reason, message in CONDITIONS]


def labels(name: str, index: int, pool: dict[str, Any], resource: dict[str, Any]) -> dict[str, str]:
    zones = pool.get("availabilityZones") or []
    location = resource["location"]
    zone = f"{location}-{zones[index % len(zones)]}" if zones else "0"
    os_name, arch = platform(pool)
    windows = {"node.kubernetes.io/windows-build": WINDOWS_BUILD} if os_name == "windows" else {}
    given = {str(k): str(v) for k, v in (pool.get("nodeLabels") or {}).items()}  # the pool's --labels
    return {**given, **windows, "agentpool": pool["name"], "kubernetes.azure.com/agentpool": pool["name"],
            "kubernetes.azure.com/cluster": resource["properties"]["nodeResourceGroup"],
            "kubernetes.azure.com/mode": str(pool.get("mode", "System")).lower(),
            "kubernetes.azure.com/node-image-version": pool.get("nodeImageVersion", node_image(pool)),
            "kubernetes.azure.com/role": "agent", "kubernetes.io/arch": arch, "kubernetes.io/hostname": name,
            "kubernetes.io/os": os_name, "node.kubernetes.io/instance-type": pool.get("vmSize", DEFAULT_SIZE),
            "topology.kubernetes.io/region": location, "topology.kubernetes.io/zone": zone}


def pod_network(props: dict[str, Any]) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    return ipaddress.ip_network(str((props.get("networkProfile") or {}).get("podCidr") or DEFAULT_POD_CIDR),
                                strict=False)


def pod_room(props: dict[str, Any]) -> int:
    """How many nodes the cluster's pod CIDR has a /24 for."""
    network = pod_network(props)
    return 2 ** max(24 - network.prefixlen, 0) if network.prefixlen <= 24 else 0


def check_pod_room(props: dict[str, Any], pools: list[dict[str, Any]]) -> None:
    """Every node of every pool gets a /24 of the pod CIDR: more nodes than it holds are refused."""
    nodes = sum(int(p.get("count") or 0) for p in pools)
    if nodes > pod_room(props):
        raise ServiceError(errors.POD_CIDR_FULL, nodes=nodes * 256, cidr=str(pod_network(props)),
                           room=pod_room(props))


def pod_cidr(props: dict[str, Any], index: int) -> str:
    """Cluster-wide node ``index``'s /24 of the cluster's pod CIDR (10.244.0.0/16 by default)."""
    network = pod_network(props)
    return str(ipaddress.ip_network((int(network.network_address) + 256 * index, 24)))


def node_body(name: str, index: int, pool_index: int, pool: dict[str, Any], resource: dict[str, Any],
              now: str) -> dict[str, Any]:
    """The Node for cluster-wide node ``index`` (its address and pod CIDR), the ``pool_index``-th of its pool."""
    props = resource["properties"]
    boots = int((resource.get("_private") or {}).get("reimaged", {}).get(pool["name"], 0))
    capacity, allocatable = resources(pool.get("vmSize", DEFAULT_SIZE), int(pool.get("maxPods", 110)),
                                      int(pool.get("osDiskSizeGB", 128)))
    cidr = pod_cidr(props, index)
    spec: dict[str, Any] = {"podCIDR": cidr, "podCIDRs": [cidr],
                            "providerID": f"azure://{name}"}
    if taints(pool):
        spec["taints"] = taints(pool)
    return {"apiVersion": "v1", "kind": "Node",
            "metadata": {"name": name, "labels": labels(name, pool_index, pool, resource)},
            "spec": spec,
            "status": {"conditions": conditions(now),
                       "addresses": [{"type": "InternalIP", "address": node_address(index)},
                                     {"type": "Hostname", "address": name}],
                       "capacity": capacity, "allocatable": allocatable, "images": [],
                       "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
                       "nodeInfo": node_info(f"{resource['id'].lower()}/{name}", boots,
                                             props.get("currentKubernetesVersion", "1.32.4"), platform(pool))}}
