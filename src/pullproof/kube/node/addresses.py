"""A pod's addresses as AKS's default network (Azure CNI Overlay) gives them: hostIP is the node's
InternalIP; the pod IP comes from the node's pod CIDR (``spec.podCIDR``, a /24 of 10.244.0.0/16 per
node), the lowest address from .2 up that no pod of the cluster holds (an address is free again only
once the pod object is gone). A host-network pod's address is its node's."""

from __future__ import annotations

import ipaddress
from typing import Any

from pullproof.kube.storage.tracker import Tracker

DEFAULT_HOST_IP, DEFAULT_POD_CIDR = "10.224.0.4", "10.244.0.0/24"
FIRST_HOST = 2  # .0 is the network, .1 the node's bridge


def host_ip(tracker: Tracker, node: str) -> str:
    found = tracker.find("nodes", "", node) or {}
    for address in (found.get("status") or {}).get("addresses") or []:
        if address.get("type") == "InternalIP" and address.get("address"):
            return str(address["address"])
    return DEFAULT_HOST_IP


class PodAddresses:
    """The pod IPs the cluster's pods hold, read once per kubelet pass and kept up to date as pods get
    addresses in it (a scan of every pod per allocation made a pull storm quadratic)."""

    def __init__(self, pods: list[dict[str, Any]]) -> None:
        self.taken = {str(ip.get("ip")) for pod in pods for ip in (pod.get("status") or {}).get("podIPs") or []}

    def allocate(self, tracker: Tracker, node: str) -> str:
        found = tracker.find("nodes", "", node) or {}
        cidr = ipaddress.ip_network(str((found.get("spec") or {}).get("podCIDR") or DEFAULT_POD_CIDR), strict=False)
        for offset in range(FIRST_HOST, cidr.num_addresses - 1):
            candidate = str(cidr.network_address + offset)
            if candidate not in self.taken:
                self.taken.add(candidate)
                return candidate
        raise RuntimeError(f"no free pod address in {cidr} on node {node}")

