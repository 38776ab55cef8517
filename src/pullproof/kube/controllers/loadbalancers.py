"""The cloud provider's service controller (``service-controller`` in cloud-controller-manager): a
LoadBalancer Service gets a public IP in ``status.loadBalancer.ingress`` with the ``EnsuringLoadBalancer``
and ``EnsuredLoadBalancer`` events; a Service that stops being a LoadBalancer loses it.

The addresses are Azure-like public IPs from 20.0.0.0/8, derived from the cluster and the Service
(``public_ip``), so a Service keeps its address across restarts; a collision takes the next address."""

from __future__ import annotations

import hashlib
import ipaddress
from typing import Any

from pullproof.core.clock import Clock
from pullproof.kube.storage.events import EventRecorder
from pullproof.kube.storage.tracker import Tracker

Obj = dict[str, Any]
PUBLIC = ipaddress.ip_network("20.0.0.0/8")


def public_ip(*parts: str, offset: int = 0) -> str:
    """A stable public address for ``parts`` (the network and broadcast addresses are never used)."""
    digest = int.from_bytes(hashlib.sha256("/".join(parts).encode()).digest()[:4], "big")
    size = PUBLIC.num_addresses - 2
    return str(PUBLIC.network_address + 1 + (digest + offset) % size)


class LoadBalancerController:
    def __init__(self, tracker: Tracker, clock: Clock) -> None:
        self.tracker = tracker
        self.events = EventRecorder(tracker, clock, "service-controller")

    def reconcile(self) -> None:
        services = self.tracker.scan("services")
        taken = {i.get("ip") for s in services for i in ((s.get("status") or {}).get("loadBalancer") or {}).get(
            "ingress") or []}
        for service in services:
            balancer = (service.get("status") or {}).get("loadBalancer") or {}
            wanted = (service.get("spec") or {}).get("type") == "LoadBalancer"
            if wanted and not balancer.get("ingress") and not service["metadata"].get("deletionTimestamp"):
                self._ensure(service, taken)
            elif not wanted and balancer.get("ingress"):
                self._remove(service)

    def _ensure(self, service: Obj, taken: set[Any]) -> None:
        meta = service["metadata"]
        self.events.record(service, "Service", "Normal", "EnsuringLoadBalancer", "Ensuring load balancer")
        wanted = (service.get("spec") or {}).get("loadBalancerIP")
        offset, ip = 0, wanted or public_ip(self.tracker.cluster, meta["namespace"], meta["name"])
        while ip in taken and not wanted:
            offset += 1
            ip = public_ip(self.tracker.cluster, meta["namespace"], meta["name"], offset=offset)
        taken.add(ip)
        service = self.tracker.get("services", meta["namespace"], meta["name"])
        service.setdefault("status", {})["loadBalancer"] = {"ingress": [{"ip": ip, "ipMode": "VIP"}]}
        updated = self.tracker.update("services", meta["namespace"], service, check_version=False)
        self.events.record(updated, "Service", "Normal", "EnsuredLoadBalancer", "Ensured load balancer")

    def _remove(self, service: Obj) -> None:
        meta = service["metadata"]
        self.events.record(service, "Service", "Normal", "DeletingLoadBalancer", "Deleting load balancer")
        service.setdefault("status", {})["loadBalancer"] = {}
        updated = self.tracker.update("services", meta["namespace"], service, check_version=False)
        self.events.record(updated, "Service", "Normal", "DeletedLoadBalancer", "Deleted load balancer")
